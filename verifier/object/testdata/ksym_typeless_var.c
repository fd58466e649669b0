#include "common.h"

/* The seed's ksym: declared typeless, typed by the kernel's BTF VAR of the
 * same name. It has no kallsyms address on a kernel without
 * CONFIG_KALLSYMS_ALL. */
extern const void runqueues __ksym;

SEC("socket")
int typeless_var(void *ctx)
{
	USE(&runqueues);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
