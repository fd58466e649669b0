package verifiertest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/verifiertest"
)

// The test a user writes: a compiled object's program is accepted on 6.18,
// the default profile, with the kernel data shipped for it.
func TestGlobalsAccepted(t *testing.T) {
	res := verifiertest.Object(t, "../object/testdata/globals.o", "use_globals")
	verifiertest.Expect(t, res, verifiertest.Accepted())
}

// And a rejection, with the kernel's message and instruction, on rfc.
func TestUnwrittenR0(t *testing.T) {
	prog := asm.Instructions{asm.LoadImm(asm.R1, 1, asm.DWord), asm.Return()}
	res := verifiertest.Instructions(t, prog, verifiertest.WithProfile(verifier.RFC))
	verifiertest.Expect(t, res, verifiertest.Rejected(verifier.EACCES, "R0 !read_ok", 2))
}

// A ProgramSpec verifies as its own type.
func TestProgramSpec(t *testing.T) {
	spec := &ebpf.ProgramSpec{Name: "xdp_pass", Type: ebpf.XDP, Instructions: asm.Instructions{
		asm.Mov.Imm(asm.R0, 2), asm.Return(),
	}}
	res := verifiertest.ProgramSpec(t, spec)
	verifiertest.Expect(t, res, verifiertest.Accepted())
	if len(res.Log) == 0 || res.Log[len(res.Log)-1] != "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0" {
		t.Errorf("log: %q", res.Log)
	}
}

// Expect fails with the difference and the log; an unsupported verdict
// fails (or skips) the test instead of returning.
func TestFailures(t *testing.T) {
	ft := &fakeT{}
	verifiertest.Expect(ft, verifier.Result{Verdict: verifier.Reject, Errno: verifier.EACCES, Message: "R0 !read_ok", Insn: 2, Log: []string{"1: (95) exit", "R0 !read_ok"}}, verifiertest.Accepted())
	if len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "verifier log:\n1: (95) exit\nR0 !read_ok") || !strings.Contains(ft.errors[0], `s"reject"`) {
		t.Errorf("Expect on a mismatch reported %q", ft.errors)
	}
	call := asm.Instructions{asm.FnGetPrandomU32.Call(), asm.Return()}
	for _, skip := range []bool{false, true} {
		ft := &fakeT{}
		opts := []verifiertest.Option{}
		if skip {
			opts = append(opts, verifiertest.WithSkipUnsupported())
		}
		func() {
			defer func() { recover() }()
			verifiertest.Instructions(ft, call, opts...)
		}()
		want := "verisim does not model this program under 6.18: unsupported (insn 0): "
		if ft.fatal == skip || ft.skipped != skip || !strings.HasPrefix(ft.msg, want) {
			t.Errorf("skip=%v: fatal %v skipped %v %q", skip, ft.fatal, ft.skipped, ft.msg)
		}
	}
}

// fakeT records what a test helper reports; Fatal and Skip stop the
// helper by panicking, as runtime.Goexit would stop a real test.
type fakeT struct {
	testing.TB
	errors         []string
	msg            string
	fatal, skipped bool
}

func (f *fakeT) Helper()                   {}
func (f *fakeT) Errorf(s string, a ...any) { f.errors = append(f.errors, fmt.Sprintf(s, a...)) }
func (f *fakeT) Fatal(a ...any)            { f.fatal, f.msg = true, fmt.Sprint(a...); panic(f) }
func (f *fakeT) Fatalf(s string, a ...any) { f.fatal, f.msg = true, fmt.Sprintf(s, a...); panic(f) }
func (f *fakeT) Skip(a ...any)             { f.skipped, f.msg = true, fmt.Sprint(a...); panic(f) }

func ExampleRejected() {
	want := verifiertest.Rejected(verifier.EACCES, "R0 !read_ok", 2)
	got := verifier.Result{Verdict: verifier.Reject, Errno: verifier.EACCES, Message: "R0 !read_ok", Insn: 2,
		Log: []string{"... the log is not compared ..."}}
	fmt.Println(cmp.Equal(want, got, verifiertest.Outcome))
	// Output: true
}
