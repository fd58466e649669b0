package verifier_test

import (
	"fmt"

	"github.com/cilium/ebpf/asm"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// Verify a program built with cilium/ebpf's asm package against Linux
// 6.18: r1 is written, r0 is not.
func ExampleVerify() {
	slots, err := insn.FromAsm(asm.Instructions{
		asm.LoadImm(asm.R1, 0x1234, asm.DWord),
		asm.Return(),
	})
	if err != nil {
		panic(err)
	}
	res, err := verifier.Verify(slots, verifier.Config{
		Profile:  verifier.Linux618,
		ProgType: verifier.SocketFilter,
		LogLevel: 1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Verdict, res.Errno, res.Insn, res.Message)
	for _, line := range res.Log {
		fmt.Println(line)
	}
	// Output:
	// reject EACCES 2 R0 !read_ok
	// 0: R1=ctx() R10=fp0
	// 0: (18) r1 = 0x1234                   ; R1=4660
	// 2: (95) exit
	// R0 !read_ok
	// processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
}

// Raw bytes with a map: an ld_imm64 of the map value at offset 47 of a
// 48-byte array, the way the rfc profile (the default) sees it.
func ExampleVerify_mapValue() {
	env, err := btfctx.New(btfctx.Decl{Maps: []btfctx.MapDecl{{FD: 3, Map: btfctx.Map{
		Type: btfctx.MapArray, KeySize: 4, ValueSize: 48, MaxEntries: 1, Name: "vals"}}}}, btfctx.Options{})
	if err != nil {
		panic(err)
	}
	slots, err := insn.Decode([]byte{
		0x18, 0x21, 0, 0, 3, 0, 0, 0, // r1 = map_value(fd 3) ...
		0, 0, 0, 0, 47, 0, 0, 0, //      ... + 47
		0xb7, 0, 0, 0, 0, 0, 0, 0, // r0 = 0
		0x95, 0, 0, 0, 0, 0, 0, 0, // exit
	})
	if err != nil {
		panic(err)
	}
	res, err := verifier.Verify(slots, verifier.Config{ProgType: verifier.SocketFilter, Env: env, KeepStates: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Verdict, res.Steps[0].Regs[1].Format59())
	// Output: accept map_value(id=0,off=47,ks=4,vs=48,imm=0)
}
