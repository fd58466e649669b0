/* Minimal declarations for verisim's test objects (no vmlinux.h). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef unsigned int u32;

/* Struct layouts do not matter: libbpf only checks that a typed ksym's
 * kind matches the kernel's. */
struct rq { int cpu; };
struct task_struct { int pid; };

/* bpf_ksym_exists as newer libbpf defines it. */
#ifndef bpf_ksym_exists
#define bpf_ksym_exists(sym) ({ \
	_Static_assert(!__builtin_constant_p(!!sym), #sym " should be marked as __weak"); \
	!!sym; \
})
#endif

/* Keep a pointer in a register so the ld_imm64 that makes it stays. */
#define USE(p) asm volatile("" :: "r"(p))
