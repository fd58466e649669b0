package verifier_test

import (
	"bytes"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/cilium/ebpf/asm"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

func benchStreams(b *testing.B, p *verifier.Profile) ([]fixtures.BenchStream, *fixtures.Tiny) {
	tiny, err := fixtures.NewTiny()
	if err != nil {
		b.Fatal(err)
	}
	return fixtures.BenchStreams(p, fixtures.BenchKsym{FuncID: tiny.GetPidTgid, VarID: tiny.InitTask}, 1000, 100_000, 1_000_000), tiny
}

// BenchmarkVerify measures Verify at log level 0 without retained states,
// in both profiles. ns/insn and allocs/insn are per slot.
func BenchmarkVerify(b *testing.B) {
	for _, p := range verifier.Profiles() {
		streams, tiny := benchStreams(b, p)
		for _, s := range streams {
			ctx, err := btfctx.New(s.Decl, tiny.Options())
			if err != nil {
				b.Fatal(err)
			}
			cfg := verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: ctx}
			b.Run(p.Name+"/"+s.Name, func(b *testing.B) {
				if r, err := verifier.Verify(s.Slots, cfg); err != nil || r.Verdict == verifier.Unsupported {
					b.Fatalf("%s: %v %v %s", s.Name, err, r.Verdict, r.Message)
				}
				b.ReportAllocs()
				var m0, m1 runtime.MemStats
				runtime.ReadMemStats(&m0)
				for b.Loop() {
					verifier.Verify(s.Slots, cfg)
				}
				runtime.ReadMemStats(&m1)
				perInsn := func(v float64) float64 { return v / float64(b.N) / float64(len(s.Slots)) }
				b.ReportMetric(perInsn(float64(b.Elapsed().Nanoseconds())), "ns/insn")
				b.ReportMetric(perInsn(float64(m1.Mallocs-m0.Mallocs)), "allocs/insn")
			})
		}
	}
}

// BenchmarkDecode measures insn.Decode and, for comparison, cilium/ebpf's
// asm decoder on the same bytes.
func BenchmarkDecode(b *testing.B) {
	streams, _ := benchStreams(b, verifier.Linux618)
	for _, s := range streams {
		raw := insn.Encode(s.Slots)
		b.Run("insn/"+s.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				insn.Decode(raw)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(s.Slots)), "ns/insn")
		})
		b.Run("asm/"+s.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				asm.AppendInstructions(nil, bytes.NewReader(raw), binary.LittleEndian, "linux")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(s.Slots)), "ns/insn")
		})
	}
}

// TestHistoryLimit: the 262,145th instruction history entry of a path is
// ENOMEM without a message (push_jmp_history's kvrealloc past 4 MiB, as
// measured on 6.18.44: fixtures' TestLiveHistoryLimit): a straight line
// of spills and fills (two entries per four instructions) reaches it at
// instruction 524,291.
func TestHistoryLimit(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want verifier.Result
	}{
		{524_300, verifier.Result{Verdict: verifier.Reject, Errno: verifier.ENOMEM, Insn: 524_291}},
		{524_280, verifier.Result{Verdict: verifier.Accept, Insn: -1}},
	} {
		ctx, err := btfctx.New(fixtures.StdDecl(), fixtures.ShippedOptions())
		if err != nil {
			t.Fatal(err)
		}
		r, err := verifier.Verify(fixtures.SpillFillStream(tc.n), verifier.Config{ProgType: verifier.SocketFilter, Env: ctx})
		if err != nil {
			t.Fatal(err)
		}
		if r.Verdict != tc.want.Verdict || r.Errno != tc.want.Errno || r.Insn != tc.want.Insn || r.Message != "" {
			t.Errorf("%d slots: %s (insn %d, message %q); want %s (insn %d, no message)", tc.n, r, r.Insn, r.Message, tc.want, tc.want.Insn)
		}
	}
}
