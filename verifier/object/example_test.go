package object_test

import (
	"fmt"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// Load an object the way today's libbpf would and verify each program
// under 6.18, with the synthetic BTF shipped in docs/examples as vmlinux.
func ExampleLoadFile() {
	tiny, err := fixtures.NewTiny()
	if err != nil {
		panic(err)
	}
	obj, err := object.LoadFile("testdata/ksym_percpu_struct.o", object.Options{Profile: verifier.Linux618, Kernel: tiny.Options()})
	if err != nil {
		panic(err)
	}
	for _, p := range obj.Programs {
		ctx, _ := btfctx.New(p.Decl, tiny.Options())
		res, _ := verifier.Verify(p.Slots, verifier.Config{Profile: verifier.Linux618, ProgType: p.ProgType, Env: ctx, KeepStates: true})
		fmt.Println(p.Name, res.Verdict, p.Ksyms[0].Name, p.Ksyms[0].BTFID, res.Steps[0].Regs[1].Format618())
	}
	// Output: percpu_struct accept runqueues 5 percpu_ptr_rq()
}
