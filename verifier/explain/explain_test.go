package explain_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/explain"
)

func cfg(t *testing.T, p *verifier.Profile) verifier.Config {
	tiny, err := fixtures.NewTiny()
	if err != nil {
		t.Fatal(err)
	}
	d := fixtures.StdDecl()
	d.FDArray, d.HasFDArray = nil, false
	ctx, err := btfctx.New(d, tiny.Options())
	if err != nil {
		t.Fatal(err)
	}
	return verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: ctx}
}

// TestBuildChecksInOrder: the checks of one instruction come in the
// kernel's order, grouped by function, ending with the failed one.
func TestBuildChecksInOrder(t *testing.T) {
	slots := []insn.Slot{{Code: 0x18, Dst: 10, Off: 1, Imm: 1}, {}, {Code: 0xb7}, {Code: 0x95}}
	ex, _, err := explain.Build(slots, cfg(t, verifier.RFC))
	if err != nil {
		t.Fatal(err)
	}
	if len(ex.Steps) != 1 || ex.Steps[0].Insn != 0 {
		t.Fatalf("steps = %+v", ex.Steps)
	}
	got := checkLines(ex.Steps[0])
	want := []string{
		"replace_map_fd_with_map_ptr: the second slot exists and its code, dst_reg, src_reg and off are 0",
		"replace_map_fd_with_map_ptr: src_reg 0: a plain 64-bit constant, nothing more to resolve",
		"check_ld_imm: BPF_SIZE is BPF_DW",
		"check_reg_arg: frame pointer is read only",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("checks (-want +got):\n%s", d)
	}
	if ex.Verdict != "reject" || ex.Errno != "EACCES" || !strings.Contains(ex.Fix, "insn[0].dst_reg") {
		t.Errorf("verdict %s %s, fix %q", ex.Verdict, ex.Errno, ex.Fix)
	}
}

// TestDiffChanges: the RFC's reordering of check_reg_arg and the off check
// is named as the cause when r10 and off disagree between the profiles.
func TestDiffChanges(t *testing.T) {
	slots := []insn.Slot{{Code: 0x18, Dst: 10, Off: 1, Imm: 1}, {}, {Code: 0xb7}, {Code: 0x95}}
	d, err := explain.BuildDiff(slots, cfg(t, verifier.RFC), verifier.RFC, verifier.Linux618)
	if err != nil {
		t.Fatal(err)
	}
	if d.Same || d.Sides[0].Error != "frame pointer is read only" || d.Sides[1].Error != "BPF_LD_IMM64 uses reserved fields" {
		t.Fatalf("diff = %+v", d)
	}
	if len(d.Changes) != 1 || d.Changes[0].Version != "RFC" {
		t.Errorf("changes = %+v, want the RFC's reordering", d.Changes)
	}
}

// TestDiffChangesBetweenProfiles: a diff names only the changes that lie
// between its two profiles: a BTF_ID load with a module BTF fd names
// pseudo_btf_id (v5.10) and module ksyms (v5.12) from rfc to 6.18, module
// ksyms alone from 5.10 to 6.12, and neither from 6.12 to 6.18.
func TestDiffChangesBetweenProfiles(t *testing.T) {
	slots := []insn.Slot{{Code: 0x18, Dst: 1, Src: insn.PseudoBTFID, Imm: 1}, {Imm: 150}, {Code: 0xb7}, {Code: 0x95}}
	titles := func(a, b *verifier.Profile) []string {
		d, err := explain.BuildDiff(slots, cfg(t, a), a, b)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range d.Changes {
			if c.Version != "v5.17-v6.18" { // the log rework, named when nothing else is
				out = append(out, c.Title)
			}
		}
		return out
	}
	for _, tc := range []struct {
		a, b *verifier.Profile
		want []string
	}{
		{verifier.RFC, verifier.Linux618, []string{"bpf: Introduce pseudo_btf_id", "bpf: Support BPF ksym variables in kernel modules"}},
		{verifier.Linux510, verifier.Linux612, []string{"bpf: Support BPF ksym variables in kernel modules"}},
		{verifier.Linux612, verifier.Linux618, nil},
	} {
		if got := titles(tc.a, tc.b); !slices.Equal(got, tc.want) {
			t.Errorf("%s against %s: changes %q, want %q", tc.a.Name, tc.b.Name, got, tc.want)
		}
	}
}

// TestBuildPassFailsAtLdImm64: when check_cfg fails at an ld_imm64 the
// pre-pass already checked, the instruction keeps those checks and the
// failure is listed with the program passes.
func TestBuildPassFailsAtLdImm64(t *testing.T) {
	slots := []insn.Slot{{Code: 0x95}, {Code: 0x18}, {}, {Code: 0x95}}
	ex, _, err := explain.Build(slots, cfg(t, verifier.Linux618))
	if err != nil {
		t.Fatal(err)
	}
	if ex.Error != "unreachable insn 1" || ex.Insn != -1 {
		t.Fatalf("verdict %s %q at %d", ex.Verdict, ex.Error, ex.Insn)
	}
	last := ex.Passes[len(ex.Passes)-1]
	if last.Func != "check_cfg" || last.OK || last.Insn != 1 {
		t.Errorf("last pass check = %+v, want check_cfg failing at insn 1", last)
	}
	if len(ex.Steps) != 1 || ex.Steps[0].Insn != 1 {
		t.Fatalf("steps = %+v, want the ld_imm64 at 1", ex.Steps)
	}
	got := checkLines(ex.Steps[0])
	want := []string{
		"resolve_pseudo_ldimm64: the second slot exists and its code, dst_reg, src_reg and off are 0",
		"resolve_pseudo_ldimm64: src_reg 0: a plain 64-bit constant, nothing more to resolve",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("checks of insn 1 (-want +got):\n%s", d)
	}
}

// checkLines lists a step's checks as "func: what".
func checkLines(st explain.Step) []string {
	var out []string
	for _, g := range st.Checks {
		for _, c := range g.Checks {
			out = append(out, g.Func+": "+c.What)
		}
	}
	return out
}

// TestStreamMatchesBuild: the streamed explanation and diff, text and
// JSON, say exactly what the in-memory ones say, on the fixtures' streams
// (accepted, rejected at every pass, oops, unsupported, branches).
func TestStreamMatchesBuild(t *testing.T) {
	files, err := fixtures.LoadDir("../../fixtures/testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, fs := range files {
		for i, f := range fs {
			if i%10 != 0 || len(f.Decl.BTFs) > 0 {
				continue
			}
			slots, err := f.Slots()
			if err != nil {
				t.Fatal(err)
			}
			p, _ := verifier.ProfileByName(f.Profile)
			pt, _ := verifier.ParseProgType(f.ProgType)
			ctx, err := btfctx.New(f.Decl, fixtures.ShippedOptions())
			if err != nil {
				t.Fatal(err)
			}
			c := verifier.Config{Profile: p, ProgType: pt, Env: ctx}
			ex, res, err := explain.Build(slots, c)
			if err != nil {
				t.Fatal(err)
			}
			var want, got bytes.Buffer
			ex.Render(&want, explain.Style{})
			sres, err := explain.Stream(&got, slots, c, explain.Output{})
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(want.String(), got.String()); d != "" || sres.Verdict != res.Verdict {
				t.Errorf("%s: streamed text (-built +streamed):\n%s", f.Name, d)
			}
			got.Reset()
			if _, err := explain.Stream(&got, slots, c, explain.Output{JSON: true}); err != nil {
				t.Fatal(err)
			}
			var back explain.Explanation
			if err := json.Unmarshal(got.Bytes(), &back); err != nil || strings.Count(got.String(), "\n") != 1 {
				t.Fatalf("%s: streamed JSON is not one object on one line: %v", f.Name, err)
			}
			if d := cmp.Diff(ex, back, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%s: streamed JSON (-built +streamed):\n%s", f.Name, d)
			}
			dw, err := explain.BuildDiff(slots, c, verifier.RFC, verifier.Linux618)
			if err != nil {
				t.Fatal(err)
			}
			got.Reset()
			if _, err := explain.StreamDiff(&got, slots, c, verifier.RFC, verifier.Linux618, explain.Output{JSON: true}); err != nil {
				t.Fatal(err)
			}
			var dback explain.Diff
			if err := json.Unmarshal(got.Bytes(), &dback); err != nil || strings.Count(got.String(), "\n") != 1 {
				t.Fatalf("%s: streamed diff JSON is not one object on one line: %v", f.Name, err)
			}
			if d := cmp.Diff(dw, dback, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("%s: streamed diff (-built +streamed):\n%s", f.Name, d)
			}
			n++
		}
	}
	if n < 50 {
		t.Errorf("only %d streams compared", n)
	}
}
