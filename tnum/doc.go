// Package tnum is the kernel's tracked-number domain (kernel/bpf/tnum.c and
// include/linux/tnum.h, Linux 6.18): a value whose bits are each known 0,
// known 1 or unknown.
//
//	Value: the known bits (1 where a bit is known to be 1)
//	Mask:  the unknown bits (1 where a bit may be 0 or 1)
//
// A Tnum stands for every x with x &^ Mask == Value; Value & Mask is 0 for
// every Tnum the operations build. Each operation is the kernel function of
// the same name, one for one, and cites it. The package is pure: no state,
// no host access, and no imports of other verisim packages. It sits below
// scalar, which combines a Tnum with the min/max bounds of struct
// bpf_reg_state.
//
// Linux 6.18 changed tnum.c after 6.12: tnum_mul accumulates with
// tnum_union (commit "bpf: Improve the general precision of tnum_mul",
// which added tnum_union), and the 6.18 stable series added tnum_bswap16/32/64
// (for the BPF_END tracking in adjust_scalar_min_max_vals) and tnum_step
// (for __update_reg64_bounds). The live 6.18.44 kernel has all of them.
package tnum
