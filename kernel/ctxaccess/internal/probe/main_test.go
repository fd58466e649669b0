package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/ctxaccess"
	"github.com/verisim/verisim/oracle"
)

// TestTableLive re-probes 2,000 random entries of the table on the live
// kernel (root, 6.18) and compares.
func TestTableLive(t *testing.T) {
	p := oracle.Require(t)
	if p.Name != ctxaccess.Kernel {
		t.Skipf("the table is %s's, the kernel is %s", ctxaccess.Kernel, oracle.Release())
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	types := targets()
	for i := 0; i < 2000; i++ {
		tg := types[r.IntN(len(types))]
		pt := tg.pt
		lo, hi := span(pt)
		off := lo + r.IntN(hi-lo+1)
		dir := r.IntN(4)
		s := r.IntN(4)
		want, ok := ctxaccess.Lookup(uint32(pt), tg.attach, ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s])
		if !ok {
			t.Fatalf("%s %s off %d size %d: not in the table", pt, ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s])
		}
		if got := probe(tg, dir, sizeFields[s], off); ctxaccess.Answer(got) != want {
			t.Errorf("%s %s off %d size %d: the kernel says %q, the table %q", pt, ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s], got, want)
		}
	}
}

// TestAttachHelpers: for each program type of attachTargets, the live
// kernel offers the same helpers with the attach type as without
// (get_func_proto reads no expected_attach_type there), which the
// simulator's helper table, recorded without one, relies on.
func TestAttachHelpers(t *testing.T) {
	p := oracle.Require(t)
	if p.Name != ctxaccess.Kernel {
		t.Skipf("the table is %s's, the kernel is %s", ctxaccess.Kernel, oracle.Release())
	}
	for _, tg := range attachTargets {
		for id := int32(0); id < 212; id++ {
			slots := []insn.Slot{{Code: insn.CodeCall, Imm: id}, {Code: 0xb7}, {Code: insn.CodeExit}}
			a, err := oracle.Run(slots, oracle.Config{ProgType: tg.pt, LogLevel: 1})
			if err != nil {
				t.Fatal(err)
			}
			b, err := oracle.Run(slots, oracle.Config{ProgType: tg.pt, ExpectedAttachType: tg.attach, LogLevel: 1})
			if err != nil {
				t.Fatal(err)
			}
			if a.Verdict != b.Verdict || a.Message != b.Message {
				t.Errorf("%s, helper %d: %s without an attach type, %s with %d", tg.pt, id, a, b, tg.attach)
			}
		}
	}
}
