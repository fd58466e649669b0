package verifier

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/verisim/verisim/insn"
)

// Program load flags (bpf_attr.prog_flags, BPF_F_* in
// include/uapi/linux/bpf.h), with the kernel that brought each one.
const (
	FlagStrictAlignment   uint32 = 1 << 0  // BPF_F_STRICT_ALIGNMENT, v4.12
	FlagAnyAlignment      uint32 = 1 << 1  // BPF_F_ANY_ALIGNMENT, v5.0
	FlagTestRndHi32       uint32 = 1 << 2  // BPF_F_TEST_RND_HI32, v5.3
	FlagTestStateFreq     uint32 = 1 << 3  // BPF_F_TEST_STATE_FREQ, v5.4
	FlagSleepable         uint32 = 1 << 4  // BPF_F_SLEEPABLE, v5.10
	FlagXDPHasFrags       uint32 = 1 << 5  // BPF_F_XDP_HAS_FRAGS, v5.18
	FlagXDPDevBoundOnly   uint32 = 1 << 6  // BPF_F_XDP_DEV_BOUND_ONLY, v6.3
	FlagTestRegInvariants uint32 = 1 << 7  // BPF_F_TEST_REG_INVARIANTS, v6.7
	FlagTokenFD           uint32 = 1 << 16 // BPF_F_TOKEN_FD, v6.9
)

var progFlagNames = map[uint32]string{
	FlagStrictAlignment: "BPF_F_STRICT_ALIGNMENT", FlagAnyAlignment: "BPF_F_ANY_ALIGNMENT",
	FlagTestRndHi32: "BPF_F_TEST_RND_HI32", FlagTestStateFreq: "BPF_F_TEST_STATE_FREQ",
	FlagSleepable: "BPF_F_SLEEPABLE", FlagXDPHasFrags: "BPF_F_XDP_HAS_FRAGS",
	FlagXDPDevBoundOnly: "BPF_F_XDP_DEV_BOUND_ONLY", FlagTestRegInvariants: "BPF_F_TEST_REG_INVARIANTS",
	FlagTokenFD: "BPF_F_TOKEN_FD",
}

// ProgFlagNames names the bits of flags ("BPF_F_TEST_RND_HI32|..."), a
// bit without a name as its value in hex.
func ProgFlagNames(flags uint32) string {
	var names []string
	for flags != 0 {
		bit := uint32(1) << bits.TrailingZeros32(flags)
		flags &^= bit
		if n, ok := progFlagNames[bit]; ok {
			names = append(names, n)
		} else {
			names = append(names, fmt.Sprintf("%#x", bit))
		}
	}
	return strings.Join(names, "|")
}

// progFlagsKnown is the mask bpf_prog_load (kernel/bpf/syscall.c) accepts
// before anything else: any other bit is EINVAL with no log. v6.18's mask
// is the eight bits 0-7 and BPF_F_TOKEN_FD (confirmed on 6.18.44 by loading
// a two-instruction socket filter with each of the 32 bits); v5.9's is
// STRICT_ALIGNMENT, ANY_ALIGNMENT, TEST_STATE_FREQ and TEST_RND_HI32;
// FeatSleepable adds BPF_F_SLEEPABLE (the 5.10 mask), FeatXDPHasFrags
// BPF_F_XDP_HAS_FRAGS (the 6.1 mask), FeatProgFlags618 the rest (the 6.12
// mask is 6.18's), as the syscall.c of each source has it.
func (p *Profile) progFlagsKnown() uint32 {
	if p.Has(FeatProgFlags618) {
		return 0xff | FlagTokenFD
	}
	m := FlagStrictAlignment | FlagAnyAlignment | FlagTestRndHi32 | FlagTestStateFreq
	if p.Has(FeatSleepable) {
		m |= 1 << 4 // BPF_F_SLEEPABLE
	}
	if p.Has(FeatXDPHasFrags) {
		m |= 1 << 5 // BPF_F_XDP_HAS_FRAGS
	}
	return m
}

// progFlagsInert are the flags Verify accepts: each either changes
// nothing the simulator answers or is modeled where it does.
//
//   - BPF_F_TEST_RND_HI32 is read only by opt_subreg_zext_lo32_rnd_hi32
//     (kernel/bpf/verifier.c), which runs after do_check succeeded and
//     patches each 32-bit definition into four instructions with a random
//     upper half. The patch prints nothing and fails only when the grown
//     program passes S16_MAX instructions and a jump offset no longer fits
//     (bpf_patch_insn_single, kernel/bpf/core.c: "insn %d cannot be patched
//     due to 16-bit range", ENOMEM). Verify answers Unsupported for an
//     accepted program where that can happen (rndHi32MayOverflow).
//   - BPF_F_TEST_REG_INVARIANTS (6.18 only) sets env->test_reg_invariants,
//     read only by reg_bounds_sanity_check: a register whose bounds
//     disagree with each other is then -EFAULT instead of a logged
//     "REG INVARIANTS VIOLATION" and an unbounded register. The simulator
//     answers Unsupported wherever bounds would disagree
//     (scalar.Value.Check), with or without the flag.
//   - BPF_F_STRICT_ALIGNMENT and BPF_F_ANY_ALIGNMENT make
//     env->strict_alignment (bpf_check; x86-64 has efficient unaligned
//     access), which check_ptr_alignment reads (env.strictAlignment).
//   - BPF_F_TEST_STATE_FREQ sets env->test_state_freq, read only by
//     is_state_visited's force_new_state (isStateVisited).
//
// Every other known flag makes Verify answer Unsupported: SLEEPABLE, the
// XDP flags and TOKEN_FD are not modeled.
func (p *Profile) progFlagsInert() uint32 {
	const alignment = FlagStrictAlignment | FlagAnyAlignment | FlagTestStateFreq
	if p.Has(FeatProgFlags618) {
		return FlagTestRndHi32 | FlagTestRegInvariants | alignment
	}
	// v5.9 has no BPF_F_TEST_REG_INVARIANTS; opt_subreg_zext_lo32_rnd_hi32
	// is the same function there (v5.3 "bpf: introduce new bpf prog load
	// flags BPF_F_TEST_RND_HI32"). Its bpf_check sets strict_alignment
	// the same way (v5.0 "bpf: introduce BPF_F_ANY_ALIGNMENT"), and
	// without WalkMemory every memory access is unsupported before it.
	return FlagTestRndHi32 | alignment
}

// checkProgFlags is the prog_flags check at the top of bpf_prog_load
// (kernel/bpf/syscall.c): unknown bits are EINVAL (ok false, no message).
// For known flags that are not inert it returns the Unsupported message.
func (p *Profile) checkProgFlags(flags uint32) (ok bool, unsupported string) {
	if flags&^p.progFlagsKnown() != 0 {
		return false, ""
	}
	if other := flags &^ p.progFlagsInert(); other != 0 {
		return true, fmt.Sprintf("verisim: prog_flags %s are not modeled", ProgFlagNames(other))
	}
	return true, ""
}

// rndHi32MayOverflow reports whether opt_subreg_zext_lo32_rnd_hi32 might
// fail on slots: it grows each instruction that defines a 32-bit
// subregister into four, and bpf_patch_insn_single refuses a patch once
// the program passes S16_MAX instructions if a jump offset would overflow.
// The count is an upper bound (it counts every instruction of a class
// that can define a 32-bit subregister).
func rndHi32MayOverflow(slots []insn.Slot) bool {
	const s16Max = 1<<15 - 1
	n := len(slots)
	for _, s := range slots {
		switch s.Class() {
		case insn.ClassALU, insn.ClassLDX, insn.ClassSTX:
			n += 3
		case insn.ClassLD:
			if !s.IsLdImm64() {
				n += 3
			}
		}
		if n > s16Max {
			return true
		}
	}
	return false
}
