#include "common.h"

/* A plain (not per-CPU) struct VAR: vmlinux BTF has none by default. */
extern const struct task_struct init_task __ksym;

SEC("socket")
int plain_struct(void *ctx)
{
	USE(&init_task);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
