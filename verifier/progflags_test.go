package verifier_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// TestProgFlags checks bpf_prog_load's prog_flags rules (syscall.c) per
// profile: unknown bits are EINVAL with no log, the two test flags
// test_verifier always sets change nothing the simulator models, and every
// other flag is answered Unsupported.
func TestProgFlags(t *testing.T) {
	c, _ := ctx(t)
	rfc, l618 := verifier.RFC, verifier.Linux618
	both := []*verifier.Profile{rfc, l618}
	inert := verifier.FlagTestRndHi32 | verifier.FlagTestRegInvariants
	unsup := func(msg string) want { return want{verifier.Unsupported, 0, msg, -1} }
	einval := want{verifier.Reject, verifier.EINVAL, "", -1}
	cases := []struct {
		name     string
		profiles []*verifier.Profile
		flags    uint32
		slots    []insn.Slot
		want     want
	}{
		{"bit 8 is unknown", both, 1 << 8, prog(mov0, exit), einval},
		{"bit 31 is unknown", both, 1 << 31, prog(mov0, exit), einval},
		{"unknown bits win over a known flag", both, verifier.FlagStrictAlignment | 1<<20, prog(mov0, exit), einval},
		{"unknown bits come before insn_cnt", both, 1 << 20, nil, einval},
		{"BPF_F_TEST_REG_INVARIANTS is v6.7", []*verifier.Profile{rfc}, verifier.FlagTestRegInvariants, prog(mov0, exit), einval},
		{"BPF_F_SLEEPABLE is v5.10", []*verifier.Profile{rfc}, verifier.FlagSleepable, prog(mov0, exit), einval},
		{"BPF_F_TOKEN_FD is known to 6.18", []*verifier.Profile{l618}, verifier.FlagTokenFD, prog(mov0, exit), unsup("verisim: prog_flags BPF_F_TOKEN_FD are not modeled")},
		{"BPF_F_TEST_RND_HI32 accepts", both, verifier.FlagTestRndHi32, prog(mov0, exit), accept},
		{"both test flags accept", []*verifier.Profile{l618}, inert, prog(mov0, exit), accept},
		{"both test flags reject as without", []*verifier.Profile{l618}, inert, prog(ld(1, 0, 0, 1, 0), exit), reject(verifier.EACCES, "R0 !read_ok", 2)},
		{"the alignment flags alone accept", both, verifier.FlagStrictAlignment | verifier.FlagAnyAlignment | verifier.FlagTestRndHi32, prog(mov0, exit), accept},
		// A 4-byte load at scalar 5 + 1: check_ptr_alignment checks it
		// only with strict_alignment, then check_mem_access refuses the
		// scalar (as Linux 6.18.44 answers each).
		{"strict alignment checks a scalar base", []*verifier.Profile{l618}, verifier.FlagStrictAlignment, misalignedLoad,
			reject(verifier.EACCES, "misaligned access off 5+0+1 size 4", 1)},
		{"any alignment overrides strict", []*verifier.Profile{l618}, verifier.FlagStrictAlignment | verifier.FlagAnyAlignment, misalignedLoad,
			reject(verifier.EACCES, "R1 invalid mem access 'scalar'", 1)},
		{"no alignment flag", []*verifier.Profile{l618}, 0, misalignedLoad, reject(verifier.EACCES, "R1 invalid mem access 'scalar'", 1)},
		{"every other flag is named", []*verifier.Profile{l618}, 0xff | verifier.FlagTokenFD, prog(mov0, exit),
			unsup("verisim: prog_flags BPF_F_SLEEPABLE|BPF_F_XDP_HAS_FRAGS|BPF_F_XDP_DEV_BOUND_ONLY|BPF_F_TOKEN_FD are not modeled")},
		{"RND_HI32 on a program that may outgrow the 16-bit jump range", []*verifier.Profile{l618}, verifier.FlagTestRndHi32, rndHi32Big(), unsup(
			"verisim: BPF_F_TEST_RND_HI32 may grow the program past S16_MAX instructions, where opt_subreg_zext_lo32_rnd_hi32 can fail to patch it (16-bit jump range)")},
		{"the same program without the flag", []*verifier.Profile{l618}, 0, rndHi32Big(), accept},
	}
	for _, tc := range cases {
		for _, p := range tc.profiles {
			t.Run(p.Name+"/"+tc.name, func(t *testing.T) {
				r, err := verifier.Verify(tc.slots, verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: c.For(p), LogLevel: 1, ProgFlags: tc.flags})
				if err != nil {
					t.Fatal(err)
				}
				if d := cmp.Diff(tc.want, want{r.Verdict, r.Errno, r.Message, r.Insn}); d != "" {
					t.Errorf("Verify(prog_flags %#x) (-want +got):\n%s", tc.flags, d)
				}
				if tc.want.Verdict == verifier.Reject && tc.want.Message == "" && r.Log != nil {
					t.Errorf("bpf_prog_load's EINVAL has no log, got %q", r.Log)
				}
				if tc.flags&^inert == 0 && tc.want.Verdict != verifier.Unsupported && tc.want != einval {
					// The inert flags leave the log as it is without them.
					r0, err := verifier.Verify(tc.slots, verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: c.For(p), LogLevel: 2})
					if err != nil {
						t.Fatal(err)
					}
					r2, err := verifier.Verify(tc.slots, verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: c.For(p), LogLevel: 2, ProgFlags: tc.flags})
					if err != nil {
						t.Fatal(err)
					}
					if d := cmp.Diff(r0.Log, r2.Log); d != "" {
						t.Errorf("prog_flags %#x changed the level-2 log (-without +with):\n%s", tc.flags, d)
					}
				}
			})
		}
	}
}

// misalignedLoad is r1 = 5; r0 = *(u32 *)(r1 +1); exit.
var misalignedLoad = prog(s(0xb7, 1, 0, 0, 5), s(0x61, 0, 1, 1, 0), exit)

// rndHi32Big is a branch on the context pointer (== 5: both ways) over
// 10,000 ALU32 movs, and exit: opt_subreg_zext_lo32_rnd_hi32 would make
// each mov four instructions, and the branch offset would pass S16_MAX.
func rndHi32Big() []insn.Slot {
	const n = 10000
	out := []insn.Slot{s(0x15, 1, 0, n, 5)}
	for range n {
		out = append(out, s(0xb4, 3, 0, 0, 1))
	}
	return append(out, mov0, exit)
}
