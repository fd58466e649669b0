#include "common.h"

/* A FUNC ksym used by address (bpf_ksym_exists): BPF_PSEUDO_BTF_ID of a
 * BTF_KIND_FUNC (v6.4+). */
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;

SEC("socket")
int func_exists(void *ctx)
{
	if (bpf_ksym_exists(bpf_task_acquire))
		return 1;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
