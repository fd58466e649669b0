package vm

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// TestRFCAgainst510 checks the rfc profile (5.9 and the RFC) against the
// recordings of 5.10, the nearest kernel that ran, at log levels 2 and 1.
// Where rfc gives 5.10's answer exactly, the stream agrees. Where it does
// not, the difference must come from features the two profiles differ in
// (the RFC's BTF_ID encoding, the pre-pass order, xor ranges, ...): the
// features whose 5.10 value alone changes rfc's answer are set as 5.10 has
// them (Profile.Variant), again from there while one more does, and the
// variant must then give 5.10's answer. A difference no feature explains
// is a failure. Helper calls are left out: 5.9's helper table is not
// counted.
func TestRFCAgainst510(t *testing.T) {
	opts := simOptions(t, "5.10")
	differ := verifier.RFC.FeatureSet().Xor(verifier.Linux510.FeatureSet())
	byFile, err := fixtures.LoadDir(filepath.Join("testdata", "5.10"))
	if err != nil {
		t.Fatal(err)
	}
	agree, explained, calls, outside, variantOutside := 0, 0, 0, 0, 0
	for file, fs := range byFile {
		for _, f := range fs {
			pt, slots, ctx := load(t, f, opts)
			if hasHelperCall(slots) {
				calls++
				continue
			}
			run := func(p *verifier.Profile, level verifier.LogLevel) fixtures.Outcome {
				r, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: pt, Env: ctx, LogLevel: level})
				if err != nil {
					t.Fatal(err)
				}
				return fixtures.OutcomeOf(r)
			}
			unsupported := verifier.Unsupported.String()
			same, gone := true, false
			for _, level := range []verifier.LogLevel{2, 1} {
				want := f.Want(level)
				got := run(verifier.RFC, level)
				if got.Verdict == unsupported {
					gone = true
					break
				}
				if cmp.Equal(want, got) {
					continue
				}
				same = false
				// Take 5.10's value of each feature that alone changes
				// the answer, from the variant reached so far.
				var taken verifier.FeatureSet
				for changed := true; changed; {
					changed = false
					base := run(verifier.RFC.Variant(taken, verifier.Linux510), level)
					for _, ft := range differ.Minus(taken).List() {
						fs := taken.With(ft)
						if !cmp.Equal(base, run(verifier.RFC.Variant(fs, verifier.Linux510), level)) {
							taken, changed = fs, true
						}
					}
				}
				v := verifier.RFC
				if !taken.Empty() {
					v = verifier.RFC.Variant(taken, verifier.Linux510)
					got = run(v, level)
				}
				if got.Verdict == unsupported {
					variantOutside++ // the variant's path leaves the model
					continue
				}
				if d := cmp.Diff(want, got); d != "" {
					t.Errorf("%s: %s (log level %d): rfc with 5.10's %s still answers otherwise than 5.10: %s\n(-5.10 +%s):\n%s", file, f.Name, level, taken, f.Insns, v.Name, d)
				}
			}
			switch {
			case gone:
				outside++
			case same:
				agree++
			default:
				explained++
			}
		}
	}
	if agree < 300 {
		t.Errorf("%d streams agree, want at least 300", agree)
	}
	msg := fmt.Sprintf("rfc against 5.10: %d agree, %d differ by features they differ in (%s; %d answers of the variant outside the model), %d call helpers, %d outside the model", agree, explained, differ, variantOutside, calls, outside)
	t.Log(msg)
	if !t.Failed() {
		fmt.Println(msg)
	}
}

func hasHelperCall(slots []insn.Slot) bool {
	for _, s := range slots {
		if s.Code == insn.CodeCall {
			return true
		}
	}
	return false
}
