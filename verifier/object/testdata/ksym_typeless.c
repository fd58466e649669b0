#include "common.h"

/* A typeless ksym: a plain ld_imm64 of the kallsyms address. */
extern const void _stext __ksym;

SEC("socket")
int typeless(void *ctx)
{
	USE(&_stext);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
