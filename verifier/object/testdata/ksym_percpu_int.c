#include "common.h"

/* A per-CPU int VAR of vmlinux. */
extern const int cpu_number __ksym;

SEC("socket")
int percpu_int(void *ctx)
{
	USE(&cpu_number);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
