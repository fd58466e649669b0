//go:build linux

package vm

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/verifier"
)

// TestDifferential boots each older kernel once with fresh seeded streams
// (mutations of the generators' streams, arithmetic and branching
// programs on constants and on unknown scalars) and compares every answer
// the simulator gives under the kernel's profile with the kernel's:
// verdict, errno, error line, instruction and the level-2 log (every
// fourth stream at level 1 too). The seed is new each run and printed;
// VERISIM_SEED=N replays a run and VERISIM_VM_DIFF_N sets the number of
// streams (500).
func TestDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("VERISIM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 0, 64)
		if err != nil {
			t.Fatalf("VERISIM_SEED=%q: %v", s, err)
		}
		seed = v
	}
	n := 500
	if s := os.Getenv("VERISIM_VM_DIFF_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 8 {
			t.Fatalf("VERISIM_VM_DIFF_N=%q: want a number of at least 8", s)
		}
		n = v
	}
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			Require(t, v)
			p, err := verifier.ProfileByName(v)
			if err != nil {
				t.Fatal(err)
			}
			btfRaw, ksRaw, err := KernelData(v)
			if err != nil {
				t.Fatal(err)
			}
			vmBTF, err := btfctx.LoadBTF("vmlinux "+v, bytes.NewReader(btfRaw))
			if err != nil {
				t.Fatal(err)
			}
			ks, err := btfctx.ParseKallsyms(bytes.NewReader(ksRaw))
			if err != nil {
				t.Fatal(err)
			}
			ids := fixtures.FindIDs(vmBTF, ks)
			streams := append(fixtures.Random(seed, n-n/4, ids), fixtures.ALUStreams(seed, n/8)...)
			streams = append(streams, fixtures.RangeStreams(seed, n/4-n/8)...)
			var batch []Job
			type ref struct {
				s     fixtures.Stream
				level verifier.LogLevel
			}
			var refs []ref
			for i, s := range streams {
				s.Decl = AdaptDecl(v, s.Name, s.Decl)
				levels := []verifier.LogLevel{2}
				if i%4 == 0 {
					levels = append(levels, 1)
				}
				for _, level := range levels {
					refs = append(refs, ref{s, level})
					batch = append(batch, Job{Slots: s.Slots, Config: loader.Config{ProgType: s.ProgType, Decl: s.Decl, LogLevel: level}})
				}
			}
			rep, err := Boot(v, batch, Options{Dir: filepath.Join("..", "..", "fixtures")})
			if err != nil {
				t.Fatal(err)
			}
			opts := simOptions(t, v)
			compared, outside, skipped, bad := 0, 0, 0, 0
			for i, r := range refs {
				o := rep.Outcomes[i]
				if o.Err != nil {
					skipped++ // the load could not be set up on this kernel
					continue
				}
				ctx, err := btfctx.New(r.s.Decl, opts)
				if err != nil {
					t.Fatal(err)
				}
				sim, err := verifier.Verify(r.s.Slots, verifier.Config{Profile: p, ProgType: r.s.ProgType, Env: ctx, LogLevel: r.level})
				if err != nil {
					t.Fatalf("%s: %v", r.s.Name, err)
				}
				if sim.Verdict == verifier.Unsupported {
					outside++
					continue
				}
				compared++
				if d := cmp.Diff(fixtures.OutcomeOf(o.Result), fixtures.OutcomeOf(sim)); d != "" {
					bad++
					if bad <= 10 {
						t.Errorf("%s at log level %d disagrees with %s (-kernel +simulator):\n%s\nreproduce: %s, prog type %s, decl %+v",
							r.s.Name, r.level, rep.Release, d, fixtures.EncodeSlots(r.s.Slots), r.s.ProgType, r.s.Decl)
					}
				}
			}
			msg := fmt.Sprintf("vm differential %s (%s): seed %d, %d streams, %d comparisons, %d disagreements, %d outside the model, %d not loadable", v, rep.Release, seed, len(streams), compared, bad, outside, skipped)
			t.Log(msg)
			fmt.Println(msg)
		})
	}
}
