#include "common.h"

/* A per-CPU struct VAR of vmlinux: typed ksym, BPF_PSEUDO_BTF_ID. */
extern const struct rq runqueues __ksym;

SEC("socket")
int percpu_struct(void *ctx)
{
	USE(&runqueues);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
