#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} hits SEC(".maps");

/* A realistic program: a helper call and memory accesses, which need the
 * whole-program walk verisim does not model yet. */
SEC("socket")
int count(void *ctx)
{
	u32 key = 0;
	u64 *v = bpf_map_lookup_elem(&hits, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
