package explain_test

import (
	"io"
	"runtime"
	"testing"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/explain"
)

// movStream is n-1 "rN = i" and an exit: every instruction is a step.
func movStream(n int) []insn.Slot {
	s := make([]insn.Slot, n)
	for i := range s[:n-1] {
		s[i] = insn.Slot{Code: 0xb7, Dst: uint8(i % 10), Imm: int32(i)}
	}
	s[n-1] = insn.Slot{Code: 0x95}
	return s
}

// BenchmarkExplain measures the explanation of straight-line programs held
// in memory (Build) and streamed (Stream, text and JSON): ns/insn, and the
// live heap at the end per instruction (heapB/insn), which stays flat when
// streaming and grows with the steps when they are held.
func BenchmarkExplain(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		slots := movStream(n)
		cfg := verifier.Config{ProgType: verifier.SocketFilter}
		runs := []struct {
			name string
			f    func() any
		}{
			{"build", func() any { ex, _, _ := explain.Build(slots, cfg); return ex }},
			{"stream", func() any { explain.Stream(io.Discard, slots, cfg, explain.Output{}); return nil }},
			{"stream-json", func() any { explain.Stream(io.Discard, slots, cfg, explain.Output{JSON: true}); return nil }},
		}
		for _, r := range runs {
			b.Run(r.name+"/"+itoa(n), func(b *testing.B) {
				var heap uint64
				for b.Loop() {
					keep := r.f()
					runtime.GC()
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					heap = max(heap, m.HeapAlloc)
					runtime.KeepAlive(keep)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/insn")
				b.ReportMetric(float64(heap)/float64(n), "heapB/insn")
			})
		}
	}
}

func itoa(n int) string {
	switch n {
	case 10_000:
		return "10k"
	case 100_000:
		return "100k"
	}
	return "n"
}
