package object_test

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
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

// Point a program's map loads at simulated fds, as libbpf's map relocation
// points them at the fds of the maps it created.
func ExampleAssociateMaps() {
	prog := asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference("counters"),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	}
	if err := object.AssociateMaps(prog, map[string]int32{"counters": 3}); err != nil {
		panic(err)
	}
	slots, _ := insn.FromAsm(prog)
	fmt.Println(slots[0].Src == insn.PseudoMapFD, slots[0].Imm)
	// Output: true 3
}
