/* Programs of several types in one object: each is verified on its own,
 * whatever its siblings' types. Kept out of the bpftool records: this
 * host refuses fentry programs with EPERM before verification. */
#include "../common.h"

SEC("socket")
int plain(void *ctx)
{
	return 0;
}

SEC("fentry/bpf_fentry_test1")
int traced(void *ctx)
{
	return 0;
}

SEC("lsm/bpf")
int hooked(void *ctx)
{
	return 0;
}



/* A section name that names no program type: libbpf refuses to load this
 * program, and only this one. */
SEC("nonsense")
int unnamed_type(void *ctx)
{
	return 0;
}
char LICENSE[] SEC("license") = "GPL";
