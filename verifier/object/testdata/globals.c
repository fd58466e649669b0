#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, u32);
	__type(value, u64);
} counters SEC(".maps");

const volatile u32 ro_var = 7;
u64 data_var = 1;
u64 bss_var;

/* Map and global data: MAP_FD and MAP_VALUE ld_imm64s. */
SEC("socket")
int use_map(void *ctx)
{
	USE(&counters);
	return 0;
}

SEC("socket")
int use_globals(void *ctx)
{
	USE(&ro_var);
	USE(&data_var);
	USE(&bss_var);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
