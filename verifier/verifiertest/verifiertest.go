// Package verifiertest helps Go tests assert what the Linux verifier would
// say about a program, without root:
//
//	func TestProg(t *testing.T) {
//		res := verifiertest.VerifyObject(t, "prog.o", "my_prog", verifier.Linux618)
//		if d := cmp.Diff(verifiertest.Accepted(), res, verifiertest.Outcome); d != "" {
//			t.Error(d)
//		}
//	}
//
// Programs can be an object file's program, an *ebpf.ProgramSpec, an
// asm.Instructions or raw slots. Kernel data (vmlinux BTF, kallsyms) comes
// from the running machine when readable.
package verifiertest

import (
	"fmt"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// Outcome compares two Results on verdict, errno, message and instruction
// index only (not the log, statistics, states or checks).
var Outcome = cmp.Options{cmpopts.IgnoreFields(verifier.Result{}, "Log", "Stats", "Steps", "Checks")}

// Accepted is the outcome of an accepted program.
func Accepted() verifier.Result { return verifier.Result{Verdict: verifier.Accept, Insn: -1} }

// Rejected is the outcome of a rejection with errno and the kernel's
// message at insn (-1 for a pass before do_check).
func Rejected(errno verifier.Errno, message string, insn int) verifier.Result {
	return verifier.Result{Verdict: verifier.Reject, Errno: errno, Message: message, Insn: insn}
}

// HostKernel reads this machine's /sys/kernel/btf/vmlinux and
// /proc/kallsyms, each only if readable, only when first needed and at most
// once per test binary (btfctx.Host).
func HostKernel() btfctx.Options { return btfctx.Host() }

// VerifyObject loads program from the ELF object at path, relocated the
// way profile p's libbpf does, and verifies it under p. It fails the test
// on a loader error.
func VerifyObject(t testing.TB, path, program string, p *verifier.Profile) verifier.Result {
	t.Helper()
	k := HostKernel()
	obj, err := object.LoadFile(path, object.Options{Profile: p, Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range obj.Programs {
		if prog.Name == program {
			return verify(t, prog.Slots, prog.ProgType, prog.Decl, p, k)
		}
	}
	t.Fatalf("%s has no program %q", path, program)
	return verifier.Result{}
}

// Verify verifies prog, one of []insn.Slot, asm.Instructions or
// *ebpf.ProgramSpec (whose maps, if any, must already carry fds declared in
// decl), as a program of type pt under p.
func Verify(t testing.TB, prog any, pt verifier.ProgType, decl btfctx.Decl, p *verifier.Profile) verifier.Result {
	t.Helper()
	var slots []insn.Slot
	var err error
	switch prog := prog.(type) {
	case []insn.Slot:
		slots = prog
	case asm.Instructions:
		slots, err = insn.FromAsm(prog)
	case *ebpf.ProgramSpec:
		slots, err = insn.FromAsm(prog.Instructions)
	default:
		err = fmt.Errorf("verifiertest.Verify: %T is not a program", prog)
	}
	if err != nil {
		t.Fatal(err)
	}
	return verify(t, slots, pt, decl, p, HostKernel())
}

func verify(t testing.TB, slots []insn.Slot, pt verifier.ProgType, decl btfctx.Decl, p *verifier.Profile, k btfctx.Options) verifier.Result {
	t.Helper()
	ctx, err := btfctx.New(decl, k)
	if err != nil {
		t.Fatal(err)
	}
	res, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: pt, Env: ctx, LogLevel: 2})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
