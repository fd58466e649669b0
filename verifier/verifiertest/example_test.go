package verifiertest_test

import (
	"fmt"
	"testing"

	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/verifiertest"
)

// The test a user writes: a compiled object's program is accepted on 6.18.
func TestGlobalsAccepted(t *testing.T) {
	res := verifiertest.VerifyObject(t, "../object/testdata/globals.o", "use_globals", verifier.Linux618)
	if d := cmp.Diff(verifiertest.Accepted(), res, verifiertest.Outcome); d != "" {
		t.Error(d)
	}
}

// And a rejection, with the kernel's message and instruction, on rfc.
func TestUnwrittenR0(t *testing.T) {
	prog := asm.Instructions{asm.LoadImm(asm.R1, 1, asm.DWord), asm.Return()}
	res := verifiertest.Verify(t, prog, verifier.SocketFilter, btfctx.Decl{}, verifier.RFC)
	if d := cmp.Diff(verifiertest.Rejected(verifier.EACCES, "R0 !read_ok", 2), res, verifiertest.Outcome); d != "" {
		t.Error(d)
	}
}

func ExampleRejected() {
	want := verifiertest.Rejected(verifier.EACCES, "R0 !read_ok", 2)
	got := verifier.Result{Verdict: verifier.Reject, Errno: verifier.EACCES, Message: "R0 !read_ok", Insn: 2,
		Log: []string{"... the log is not compared ..."}}
	fmt.Println(cmp.Equal(want, got, verifiertest.Outcome))
	// Output: true
}
