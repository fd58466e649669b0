/* A map whose value holds a bpf_spin_lock: check_map_prog_compatibility
 * has rules on it (tracing programs may not use it), which verisim does
 * not model. Kept out of the bpftool records with mixed.c. */
#include "../common.h"

struct val {
	int n;
	struct bpf_spin_lock lock;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct val);
} locked SEC(".maps");

SEC("kprobe/do_nanosleep")
int uses_lock(void *ctx)
{
	USE(&locked);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
