//go:build linux

package vm_test

import (
	"fmt"
	"log"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/oracle/vm"
	"github.com/verisim/verisim/verifier"
)

// Run boots Debian's 6.1 (fetched by fetch-kernels.sh) and loads two
// streams: "r0 = 0; exit" and an unknown opcode.
func ExampleRun() {
	cfg := loader.Config{ProgType: verifier.SocketFilter, LogLevel: 1}
	res, err := vm.Run("6.1", []vm.Job{
		{Slots: []insn.Slot{{Code: 0xb7}, {Code: 0x95}}, Config: cfg},
		{Slots: []insn.Slot{{Code: 0xff}, {Code: 0x95}}, Config: cfg},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range res {
		fmt.Println(r.Verdict, r.Errno, r.Message)
	}
	// Not run by go test (it boots a kernel); it prints
	//	accept 0
	//	reject EINVAL unknown opcode ff
}

// Boot returns every job's outcome, a setup failure included, and the
// boot's numbers; KernelData brings the guest's BTF and kallsyms back.
func ExampleBoot() {
	if _, err := vm.Available("5.10"); err != nil {
		fmt.Println("skip:", err)
		return
	}
	rep, err := vm.Boot("5.10", []vm.Job{{
		Slots:  []insn.Slot{{Code: 0xb7}, {Code: 0x95}},
		Config: loader.Config{ProgType: verifier.SocketFilter, LogLevel: 2},
	}}, vm.Options{KernelData: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: boot %v, loads %v, qemu RSS %d MiB, BTF %d bytes\n",
		rep.Release, rep.Boot, rep.Loads, rep.MaxRSS>>20, len(rep.BTF))
	for _, o := range rep.Outcomes {
		fmt.Println(o.Result.Verdict, o.Err)
	}
}
