// Package helpers is the kernel's helper table for Linux 6.18: every
// helper id with its name (enum bpf_func_id, include/uapi/linux/bpf.h),
// and for each program type verisim models, the bpf_func_proto that the
// type's get_func_proto returns for each id (include/linux/bpf.h: struct
// bpf_func_proto; kernel/bpf/verifier.c: get_helper_proto), with its
// availability, gpl_only, might_sleep, return and argument types, the BTF
// types its arguments and return name, and where it is defined.
//
// It sits beside the other per-version kernel data (kernel/vmlinux):
//
//	verifier ──► kernel/helpers     (pure data and lookups)
//
// The table is data: no host access at run time, nothing but the standard
// library. It is generated (go generate ./kernel/helpers) by
// internal/protogen from the kernel source: the *_func_proto functions
// (sk_filter_func_proto, tc_cls_act_func_proto, xdp_func_proto,
// kprobe_prog_func_proto, bpf_tracing_func_proto, bpf_sk_base_func_proto,
// bpf_base_func_proto, ...) are evaluated for each type and id as the
// kernel would run them for the load verisim models (root with every
// capability, expected_attach_type 0, not sleepable), and the
// bpf_func_proto initialisers they return are read field by field. The
// source is Debian's linux-source-6.12; what 6.18 changed on those paths
// is data beside the generator (internal/protogen/delta618.go), and the
// configuration is the live 6.18 kernel's (internal/protogen/config-6.18).
// The tests check the table against the running kernel when it is 6.18
// and root may load programs.
package helpers
