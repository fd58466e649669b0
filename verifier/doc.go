// Package verifier simulates the Linux BPF verifier's bpf_check() for a raw
// instruction stream, in one of two kernel profiles: "rfc" (the July 2020
// RFC "bpf: BTF support for __ksym externs" on the 5.9-era verifier) and
// "6.18" (Linux 6.18 as it runs).
//
// The passes are named after the kernel functions they model and run in
// each profile's order: replace_map_fd_with_map_ptr or
// resolve_pseudo_ldimm64, add_subprog_and_kfunc and check_subprogs,
// check_cfg, compute_live_registers, then do_check with check_ld_imm,
// check_alu_op on known scalars, jumps and exit. An instruction outside the
// modeled subset ends verification with the verdict Unsupported, never
// Accept.
//
// A rejected program is a Result, not a Go error: Go errors are reserved for
// bad input (a corrupt BTF file, say) and misuse.
package verifier
