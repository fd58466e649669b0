#include "common.h"
#include <bpf/bpf_core_read.h>

/* CO-RE: the field offset and existence relocations are resolved against
 * the kernel's task_struct, so r0 depends on vmlinux BTF. */
struct task_struct___local {
	int pid;
	int no_such_field;
} __attribute__((preserve_access_index));

SEC("socket")
int core_fields(void *ctx)
{
	u32 off = bpf_core_field_offset(struct task_struct___local, pid);
	u32 missing = bpf_core_field_exists(struct task_struct___local, no_such_field);

	return off + missing;
}

char LICENSE[] SEC("license") = "GPL";
