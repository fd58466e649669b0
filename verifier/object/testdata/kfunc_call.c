#include "common.h"

/* kfunc calls (BPF_PSEUDO_KFUNC_CALL): strong ones, which libbpf resolves
 * to their vmlinux BTF ids, and a weak one that no kernel has, whose call
 * libbpf poisons (the verifier never reaches it: bpf_ksym_exists is 0). */
extern struct task_struct *bpf_task_from_pid(int pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern int bpf_verisim_missing(int x) __ksym __weak;

SEC("syscall")
int call_kfuncs(void *ctx)
{
	struct task_struct *t = bpf_task_from_pid(1);

	if (t)
		bpf_task_release(t);
	if (bpf_ksym_exists(bpf_verisim_missing))
		return bpf_verisim_missing(1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
