package verifiertest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
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
	call := asm.Instructions{asm.FnMapLookupElem.Call(), asm.Return()}
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

// The test a user writes over a CollectionSpec: the program verifies with
// the collection's maps at their fds.
func TestCollectionSpec(t *testing.T) {
	spec, err := ebpf.LoadCollectionSpec("../object/testdata/globals.o")
	if err != nil {
		t.Fatal(err)
	}
	res := verifiertest.CollectionSpec(t, spec, "use_map")
	verifiertest.Expect(t, res, verifiertest.Accepted())

	// The loads name the maps they were relocated to (the log prints the
	// map behind the fd), with the spec's sizes.
	for _, tc := range []struct {
		program string
		want    []string
	}{
		{"use_map", []string{"R1=map_ptr(map=counters,ks=4,vs=8)"}},
		{"use_globals", []string{"R1=map_value(map=.rodata,ks=4,vs=4)", "R1=map_value(map=.data,ks=4,vs=8)", "R1=map_value(map=.bss,ks=4,vs=8)"}},
	} {
		res := verifiertest.CollectionSpec(t, spec, tc.program)
		verifiertest.Expect(t, res, verifiertest.Accepted())
		log := strings.Join(res.Log, "\n")
		for _, w := range tc.want {
			if !strings.Contains(log, w) {
				t.Errorf("%s: the log lacks %q:\n%s", tc.program, w, log)
			}
		}
	}
}

// CO-RE relocations are applied as Object applies them: the same log.
func TestCollectionSpecCORE(t *testing.T) {
	spec, err := ebpf.LoadCollectionSpec("../object/testdata/core.o")
	if err != nil {
		t.Fatal(err)
	}
	got := verifiertest.CollectionSpec(t, spec, "core_fields")
	want := verifiertest.Object(t, "../object/testdata/core.o", "core_fields")
	if d := cmp.Diff(want.Log, got.Log); d != "" {
		t.Errorf("log (-Object +CollectionSpec):\n%s", d)
	}
	if log := strings.Join(got.Log, "\n"); !strings.Contains(log, "(b7) r1 = 1264") {
		t.Errorf("the log lacks task_struct.pid's offset on 6.18 (1264):\n%s", log)
	}
}

// The fds: 0, 1 and 2 are open files (EINVAL, not EBADF, for a map load
// that names them), the maps follow from 3 in the order of their names.
func TestCollectionSpecFDs(t *testing.T) {
	load := func(fd int64) *ebpf.ProgramSpec {
		return &ebpf.ProgramSpec{Type: ebpf.SocketFilter, Instructions: asm.Instructions{
			asm.LoadMapPtr(asm.R1, int(fd)), asm.Mov.Imm(asm.R0, 0), asm.Return()}}
	}
	spec := &ebpf.CollectionSpec{
		Maps: map[string]*ebpf.MapSpec{
			"zeta":  {Name: "zeta", Type: ebpf.Array, KeySize: 4, ValueSize: 8, MaxEntries: 1},
			"alpha": {Name: "alpha", Type: ebpf.Hash, KeySize: 8, ValueSize: 16, MaxEntries: 4},
		},
		Programs: map[string]*ebpf.ProgramSpec{"fd2": load(2), "fd3": load(3), "fd4": load(4), "fd5": load(5)},
	}
	verifiertest.Expect(t, verifiertest.CollectionSpec(t, spec, "fd2"), verifiertest.Rejected(verifier.EINVAL, "fd 2 is not pointing to valid bpf_map", -1))
	verifiertest.Expect(t, verifiertest.CollectionSpec(t, spec, "fd5"), verifiertest.Rejected(verifier.EBADF, "fd 5 is not pointing to valid bpf_map", -1))
	for fd, want := range map[string]string{"fd3": "map_ptr(map=alpha,ks=8,vs=16)", "fd4": "map_ptr(map=zeta,ks=4,vs=8)"} {
		res := verifiertest.CollectionSpec(t, spec, fd)
		verifiertest.Expect(t, res, verifiertest.Accepted())
		if log := strings.Join(res.Log, "\n"); !strings.Contains(log, want) {
			t.Errorf("%s: the log lacks %q:\n%s", fd, want, log)
		}
	}
}

// CollectionSpec fails the test, naming the problem, for a program the
// spec does not have, a reference to a map it does not have, and WithDecl.
func TestCollectionSpecFailures(t *testing.T) {
	spec, err := ebpf.LoadCollectionSpec("../object/testdata/globals.o")
	if err != nil {
		t.Fatal(err)
	}
	noCounters := spec.Copy()
	delete(noCounters.Maps, "counters")
	cases := []struct {
		name    string
		spec    *ebpf.CollectionSpec
		program string
		opts    []verifiertest.Option
		want    string
	}{
		{"no such program", spec, "nope", nil, `verifiertest: the collection has no program "nope" (it has use_globals, use_map)`},
		{"a map the spec lacks", noCounters, "use_map", nil, `refers to "counters", which is not a map of the collection`},
		{"WithDecl", spec, "use_map", []verifiertest.Option{verifiertest.WithDecl(btfctx.Decl{})}, "WithDecl does not apply to CollectionSpec"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ft := &fakeT{}
			func() {
				defer func() { recover() }()
				verifiertest.CollectionSpec(ft, tc.spec, tc.program, tc.opts...)
			}()
			if !ft.fatal || !strings.Contains(ft.msg, tc.want) {
				t.Errorf("fatal %v, %q; want %q", ft.fatal, ft.msg, tc.want)
			}
		})
	}
}

// A test over a CollectionSpec is three lines: load the spec, verify the
// program with the collection's maps, expect the outcome. t is the test's
// *testing.T; here a stand-in that records failures.
func ExampleCollectionSpec() {
	t := &fakeT{}
	spec, err := ebpf.LoadCollectionSpec("../object/testdata/globals.o")
	if err != nil {
		panic(err)
	}
	res := verifiertest.CollectionSpec(t, spec, "use_map")
	verifiertest.Expect(t, res, verifiertest.Accepted())
	fmt.Println(res.Verdict, len(t.errors), res.Log[len(res.Log)-1])
	// Output: accept 0 processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
}
