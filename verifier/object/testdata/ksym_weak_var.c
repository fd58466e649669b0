#include "common.h"

/* As ksym_typeless_var, but weak: a missing address resolves to 0. */
extern const void runqueues __ksym __weak;

SEC("socket")
int weak_var(void *ctx)
{
	USE(&runqueues);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
