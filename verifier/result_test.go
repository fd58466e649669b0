package verifier_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// A zero Result, and the Result Verify returns with an error, are never
// accepted.
func TestZeroResultNotAccepted(t *testing.T) {
	var zero verifier.Result
	if zero.Accepted() || zero.Verdict != verifier.NoVerdict || zero.Err() == nil {
		t.Errorf("zero Result: Accepted %v, Verdict %v, Err %v", zero.Accepted(), zero.Verdict, zero.Err())
	}
	if !errors.Is(zero.Err(), verifier.ErrNoVerdict) {
		t.Errorf("zero Result: Err() = %v, want ErrNoVerdict", zero.Err())
	}
	broken, err := btfctx.New(btfctx.Decl{}, btfctx.Options{
		Vmlinux: func() (*btfctx.BTF, error) { return nil, errors.New("unreadable") },
	})
	if err != nil {
		t.Fatal(err)
	}
	// A typed ksym load needs vmlinux BTF (check_pseudo_btf_id).
	res, err := verifier.Verify(prog(ld(1, insn.PseudoBTFID, 0, 1, 0), mov0, exit), verifier.Config{ProgType: verifier.SocketFilter, Env: broken})
	if err == nil {
		t.Fatal("Verify with an unreadable BTF source: no error")
	}
	if res.Accepted() || res.Verdict != verifier.NoVerdict {
		t.Errorf("Verify error path: Result %v is %v", res, res.Verdict)
	}
}

// Result.Err unwraps to the errno bpf(2) returns, as cilium/ebpf's errors
// do, and to the sentinels of the other verdicts.
func TestResultErr(t *testing.T) {
	cases := []struct {
		name   string
		res    verifier.Result
		is     []error
		isNot  []error
		string string
	}{
		{"accept", verifier.Result{Verdict: verifier.Accept, Insn: -1}, nil, nil, "accept"},
		{"reject", verifier.Result{Verdict: verifier.Reject, Errno: verifier.EACCES, Message: "R0 !read_ok", Insn: 2},
			[]error{unix.EACCES}, []error{unix.EINVAL, verifier.ErrUnsupported}, "reject (EACCES, insn 2): R0 !read_ok"},
		{"reject before do_check", verifier.Result{Verdict: verifier.Reject, Errno: verifier.E2BIG, Insn: -1},
			[]error{unix.E2BIG}, nil, "reject (E2BIG)"},
		{"unsupported", verifier.Result{Verdict: verifier.Unsupported, Message: "calls are not modeled", Insn: 4},
			[]error{verifier.ErrUnsupported, errors.ErrUnsupported}, []error{unix.EACCES}, "unsupported (insn 4): calls are not modeled"},
		{"oops", verifier.Result{Verdict: verifier.Oops, Message: "NULL t", Insn: 0},
			[]error{verifier.ErrOops}, []error{verifier.ErrUnsupported}, "oops (insn 0): NULL t"},
		{"none", verifier.Result{}, []error{verifier.ErrNoVerdict}, nil, "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.res.Err()
			if (err == nil) != tc.res.Accepted() {
				t.Fatalf("Err() = %v for verdict %v", err, tc.res.Verdict)
			}
			for _, target := range tc.is {
				if !errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = false", err, target)
				}
			}
			for _, target := range tc.isNot {
				if errors.Is(err, target) {
					t.Errorf("errors.Is(%v, %v) = true", err, target)
				}
			}
			if got := tc.res.String(); got != tc.string {
				t.Errorf("String() = %q, want %q", got, tc.string)
			}
			var ve *verifier.Error
			if err != nil && (!errors.As(err, &ve) || ve.Message != tc.res.Message || ve.Error() != tc.string) {
				t.Errorf("errors.As(*verifier.Error): %+v", ve)
			}
		})
	}
}

// ProgType numbers and names are the kernel's, and so cilium/ebpf's.
func TestProgTypeEbpf(t *testing.T) {
	for _, pt := range verifier.ProgTypes() {
		e := pt.Ebpf()
		if verifier.ProgTypeOf(e) != pt {
			t.Errorf("%v: round trip through ebpf.ProgramType gives %v", pt, verifier.ProgTypeOf(e))
		}
		// cilium/ebpf's stringer names the constant (SocketFilter,
		// Tracing, ...): an unknown number prints as ProgramType(N).
		if regexp.MustCompile(`^ProgramType\(`).MatchString(e.String()) {
			t.Errorf("%v (%d) is not a program type cilium/ebpf knows", pt, uint32(pt))
		}
		back, err := verifier.ParseProgType(pt.String())
		if err != nil || back != pt {
			t.Errorf("ParseProgType(%q) = %v, %v", pt.String(), back, err)
		}
	}
	if got := verifier.ProgTypeOf(ebpf.XDP); got != verifier.XDP {
		t.Errorf("ProgTypeOf(ebpf.XDP) = %v", got)
	}
	if got := verifier.ProgTypeOf(ebpf.Tracing); got != verifier.Tracing || got.Modeled() {
		t.Errorf("ProgTypeOf(ebpf.Tracing) = %v, modeled %v", got, got.Modeled())
	}
	if got := verifier.LogLevelOf(ebpf.LogLevelStats | ebpf.LogLevelBranch); got != verifier.LogLevelStats|verifier.LogLevelBranch || got.Ebpf() != ebpf.LogLevelStats|ebpf.LogLevelBranch {
		t.Errorf("LogLevelOf(stats|branch) = %v", got)
	}
}

// A program type 6.18 knows but verisim does not model is unsupported, not
// refused; a number 6.18 does not know is EINVAL, as bpf_prog_load says.
func TestProgTypeNotModeled(t *testing.T) {
	prog := []insn.Slot{mov0, exit}
	cases := []struct {
		pt    verifier.ProgType
		slots []insn.Slot
		want  want
	}{
		{verifier.Tracing, prog, want{verifier.Unsupported, 0, "program type tracing is not modeled yet", -1}},
		{verifier.LSM, prog, want{verifier.Unsupported, 0, "program type lsm is not modeled yet", -1}},
		{verifier.ProgType(33), prog, want{verifier.Reject, verifier.EINVAL, "", -1}},
		{verifier.ProgUnspec, prog, want{verifier.Reject, verifier.EINVAL, "", -1}},
		// bpf_prog_load checks insn_cnt before find_prog_type.
		{verifier.ProgType(99), nil, want{verifier.Reject, verifier.E2BIG, "", -1}},
		{verifier.Tracing, nil, want{verifier.Reject, verifier.E2BIG, "", -1}},
	}
	for _, tc := range cases {
		r, err := verifier.Verify(tc.slots, verifier.Config{ProgType: tc.pt})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, want{r.Verdict, r.Errno, r.Message, r.Insn}); d != "" {
			t.Errorf("%v: (-want +got)\n%s", tc.pt, d)
		}
	}
}

// Log levels as bpf_vlog_init and print_verification_stats treat them
// (recorded from 6.18.44): BPF_LOG_STATS adds the time and stack depth
// lines, alone it logs only messages and stats, BPF_LOG_FIXED changes
// nothing here, and an unknown bit is EINVAL with no log.
func TestLogLevels(t *testing.T) {
	stats := "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"
	reject := []insn.Slot{s(0xb7, 1, 0, 0, 0), exit}
	cases := []struct {
		level verifier.LogLevel
		p     *verifier.Profile
		want  []string
		errno verifier.Errno
	}{
		{4, verifier.Linux618, []string{"R0 !read_ok", "verification time N usec", "stack depth 0", stats}, verifier.EACCES},
		{5, verifier.Linux618, []string{"0: R1=ctx() R10=fp0", "0: (b7) r1 = 0                        ; R1=0", "1: (95) exit", "R0 !read_ok", "verification time N usec", "stack depth 0", stats}, verifier.EACCES},
		{8, verifier.Linux618, []string{"R0 !read_ok", stats}, verifier.EACCES},
		{12, verifier.Linux618, []string{"R0 !read_ok", "verification time N usec", "stack depth 0", stats}, verifier.EACCES},
		{16, verifier.Linux618, nil, verifier.EINVAL},
		// BPF_LOG_FIXED is v6.4: the 5.9 BPF_LOG_MASK is 7.
		{8, verifier.RFC, nil, verifier.EINVAL},
	}
	usec := regexp.MustCompile(`^verification time \d+ usec$`)
	for _, tc := range cases {
		r, err := verifier.Verify(reject, verifier.Config{Profile: tc.p, ProgType: verifier.SocketFilter, LogLevel: tc.level})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range r.Log {
			got = append(got, usec.ReplaceAllString(l, "verification time N usec"))
		}
		if d := cmp.Diff(tc.want, got); d != "" || r.Errno != tc.errno {
			t.Errorf("%s level %d: errno %v, log (-want +got)\n%s", tc.p.Name, tc.level, r.Errno, d)
		}
	}
}

// Stats.Printed says whether print_verification_stats ran, whatever the
// log level: after do_check and a rejection in it, not after a load
// bpf_prog_load refused or an unsupported verdict.
func TestStatsPrinted(t *testing.T) {
	cases := []struct {
		name string
		prog []insn.Slot
		pt   verifier.ProgType
		want bool
	}{
		{"accept", []insn.Slot{mov0, exit}, verifier.SocketFilter, true},
		{"reject in do_check", []insn.Slot{s(0xb7, 1, 0, 0, 0), exit}, verifier.SocketFilter, true},
		{"refused by bpf_prog_load", []insn.Slot{mov0, exit}, verifier.ProgType(99), false},
		{"unsupported", []insn.Slot{mov0, s(0x85, 0, 1, 0, 1), exit, mov0, exit}, verifier.SocketFilter, false},
	}
	for _, tc := range cases {
		for _, level := range []verifier.LogLevel{0, 2} {
			r, err := verifier.Verify(tc.prog, verifier.Config{ProgType: tc.pt, LogLevel: level})
			if err != nil {
				t.Fatal(err)
			}
			if r.Stats.Printed != tc.want {
				t.Errorf("%s at level %d: Stats.Printed = %v (%s)", tc.name, level, r.Stats.Printed, r)
			}
		}
	}
}
