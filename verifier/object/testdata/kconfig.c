/* .kconfig externs: the loader makes a read-only map of the kernel's
 * configuration and points each extern's load at its offset in it. */
#include "common.h"
#include <stdbool.h>

extern unsigned int LINUX_KERNEL_VERSION __attribute__((section(".kconfig")));
extern bool CONFIG_BPF_SYSCALL __attribute__((section(".kconfig")));

SEC("socket")
int kernel_version(void *ctx)
{
	USE(&LINUX_KERNEL_VERSION);
	USE(&CONFIG_BPF_SYSCALL);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
