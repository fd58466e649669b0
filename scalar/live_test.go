package scalar_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/scalar/internal/kcase"
	"github.com/verisim/verisim/verifier"
)

func envUint(t *testing.T, name string, def uint64) uint64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseUint(s, 0, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// TestLive runs fresh programs through the live kernel and checks every
// case read from their logs, as TestKernelCases checks the recorded ones.
// The seed is new each run and printed; VERISIM_SEED=N replays a run and
// VERISIM_SCALAR_N sets the number of programs (200). It needs root and a
// 6.18 kernel, and skips otherwise (oracle.Require).
func TestLive(t *testing.T) {
	oracle.Require(t)
	seed := envUint(t, "VERISIM_SEED", uint64(time.Now().UnixNano()))
	n := int(envUint(t, "VERISIM_SCALAR_N", 200))
	t.Logf("seed %d (replay with VERISIM_SEED=%d), %d programs", seed, seed, n)
	var cases []kcase.Case
	lossy := 0
	for _, p := range kcase.Generate(seed, n) {
		res, err := oracle.Run(p.Slots, oracle.Config{ProgType: verifier.SocketFilter, LogLevel: 2})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if res.Verdict != verifier.Accept {
			t.Fatalf("%s: the kernel rejects it: %s %s: %s", p.Name, res.Verdict, res.Errno, res.Message)
		}
		cs, l, err := kcase.Parse(p.Slots, res.Log)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		cases = append(cases, cs...)
		lossy += l
	}
	t.Logf("%d executed instructions left out: an input's printed state is lossy (kcase.Parse)", lossy)
	check(t, cases)
}
