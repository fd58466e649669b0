// Package scalar is the kernel's value domain for scalar registers: the
// tnum and the eight min/max bounds of struct bpf_reg_state
// (include/linux/bpf_verifier.h), and the functions of
// kernel/bpf/verifier.c and kernel/bpf/log.c (Linux 6.18) that compute and
// print them:
//
//   - the helpers: ___mark_reg_known (Known, MarkKnown),
//     __mark_reg_unknown (Unknown), __mark_reg32_known,
//     __mark_reg(32|64)_unbounded, __update_reg(32|64)_bounds,
//     __reg32_deduce_bounds, __reg64_deduce_bounds,
//     __reg_deduce_mixed_bounds, __reg_bound_offset, reg_bounds_sync (Sync),
//     __reg_assign_32_into_64, zext_32_to_64, coerce_reg_to_size,
//     coerce_reg_to_size_sx, coerce_subreg_to_size_sx and
//     reg_bounds_sanity_check (Check);
//   - adjust_scalar_min_max_vals (ALU): one method per
//     scalar(32)_min_max_add/sub/mul/and/or/xor/lsh/rsh/arsh, BPF_NEG,
//     scalar_byte_swap for BPF_END, is_safe_to_compute_dst_reg_range
//     (SafeToCompute) and maybe_fork_scalars (Fork); check_alu_op's moves of
//     a scalar (Mov32, MovSx64, MovSx32);
//   - the branches: is_scalar_branch_taken (BranchTaken),
//     regs_refine_cond_op (RefineCond), reg_set_min_max (SetMinMax,
//     SetMinMaxSame), flip_opcode and rev_opcode;
//   - the log's text: print_reg_state and print_scalar_ranges (Format,
//     AppendRanges), and their inverse (Parse).
//
// Its place in the flow is below regstate: a register's value is a
// scalar.Value, and the walk calls these functions for the ALU and jump
// instructions on scalars. The package is pure (values in, values out, no
// host access) and imports no verisim package but tnum. What a register
// holds besides its value is the caller's: the type, the id and the
// BPF_ADD_CONST offset of linked scalars (and sync_linked_regs), precision,
// pointers, the state pushed by a fork, and the fallback after a failed
// sanity check (the kernel marks the register unbounded unless the program
// was loaded with BPF_F_TEST_REG_INVARIANTS).
//
// # Linux 6.18
//
// The target is Linux 6.18 as it runs here (6.18.44), which the recorded
// cases were taken from. Against the 6.12 source, it has: BPF_NEG tracked
// as 0 - dst with tnum_neg; add and sub keeping the unsigned bounds when
// every sum (difference) wraps; mul bounded by the four signed products
// and the checked unsigned ones; tnum_mul accumulating with tnum_union; no
// s32 tightening of the 64-bit bounds in __reg_deduce_mixed_bounds ("bpf:
// Simplify bounds refinement from s32", redundant after
// __reg32_deduce_bounds). Three changes came to 6.18 through its stable
// series, after 6.18.0, and the live 6.18.44 has them: BPF_END tracked
// through the tnum byte swaps ("bpf: Add bitwise tracking for BPF_END"),
// __update_reg64_bounds collapsing a range that meets the tnum in one value
// ("bpf: Improve bounds when tnum has a single possible value", with
// tnum_step), and maybe_fork_scalars re-executing the instruction on the
// pushed path ("bpf: Fix unsound scalar forking in maybe_fork_scalars() for
// BPF_OR"). DIV and MOD, signed or not, are still unknown in 6.18: their
// range tracking is later.
//
// # Tests
//
// Brute force: abstract values with small sets (a tnum with few unknown
// bits anywhere in the 64, bounds cutting it at random) against the
// concrete operation on every member, for every transfer function, Sync
// and each of its steps, the moves, BranchTaken and the refinements.
//
// Exactness: testdata/kernel.jsonl.gz holds the cases read from the level-2
// logs of generated programs loaded into the live kernel (scalar/internal/kcase):
// each executed ALU, MOV and conditional jump with its operands' states
// before and after, as the kernel printed them, and each jump's outcome;
// the replay needs no root. One thing the log cannot tell is left out:
// after a failed sanity check the kernel keeps a register's tnum and
// drops its bounds, and when that tnum is a constant the log prints just
// the constant, so the instructions that read the register before it is
// written again have no known input (meta's "lossy"). Re-record them from the live kernel (as root)
// with
//
//	go generate ./scalar
//
// and compare fresh programs with the live kernel with
// go test ./scalar -run TestLive (VERISIM_SEED, VERISIM_SCALAR_N).
package scalar

//go:generate go run ./record -out testdata
