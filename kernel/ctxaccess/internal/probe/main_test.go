package main

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/verisim/verisim/kernel/ctxaccess"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/verifier"
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
	var types []verifier.ProgType
	for _, pt := range verifier.ProgTypes() {
		if pt.Modeled() {
			types = append(types, pt)
		}
	}
	for i := 0; i < 2000; i++ {
		pt := types[r.IntN(len(types))]
		lo, hi := span(pt)
		off := lo + r.IntN(hi-lo+1)
		dir := r.IntN(4)
		s := r.IntN(4)
		want, ok := ctxaccess.Lookup(uint32(pt), ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s])
		if !ok {
			t.Fatalf("%s %s off %d size %d: not in the table", pt, ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s])
		}
		if got := probe(pt, dir, sizeFields[s], off); ctxaccess.Answer(got) != want {
			t.Errorf("%s %s off %d size %d: the kernel says %q, the table %q", pt, ctxaccess.Dir(dir), off, []int{1, 2, 4, 8}[s], got, want)
		}
	}
}
