// Package regstate holds the verifier's register state, a small mirror of
// the kernel's struct bpf_reg_state (include/linux/bpf_verifier.h), and
// prints it the way the verifier log does: print_reg_state in
// kernel/bpf/log.c for Linux 6.18, and print_verifier_state in
// kernel/bpf/verifier.c for the 5.9-era log of the rfc profile.
//
// Values are plain structs, copied on branch. The zero Reg is NOT_INIT, as
// in the kernel.
package regstate
