package verifier

import (
	"testing"

	"github.com/verisim/verisim/insn"
)

// insnTable618 is bpf_opcode_in_insntable (kernel/bpf/core.c, v6.18):
// BPF_INSN_MAP plus LD_ABS/LD_IND and JMP|JCOND. Confirmed on 6.18.44 by
// loading every one of the 256 opcodes.
var insnTable618 = makeTable(
	"04 05 06 07 0c 0f 14 15 16 17 18 1c 1d 1e 1f 20 24 25 26 27 28 2c 2d 2e 2f 30 34 35 36 37 3c 3d 3e 3f " +
		"40 44 45 46 47 48 4c 4d 4e 4f 50 54 55 56 57 5c 5d 5e 5f 61 62 63 64 65 66 67 69 6a 6b 6c 6d 6e 6f " +
		"71 72 73 74 75 76 77 79 7a 7b 7c 7d 7e 7f 81 84 85 87 89 91 94 95 97 9c 9f a4 a5 a6 a7 ac ad ae af " +
		"b4 b5 b6 b7 bc bd be bf c3 c4 c5 c6 c7 cb cc cd ce cf d3 d4 d5 d6 d7 db dc dd de e5")

// TestOpcodeTables: the tables built from the features are the ones
// measured: 6.18's by loading all 256 opcodes on 6.18.44, and the older
// kernels' by the recorded grid (oracle/vm TestReplay).
func TestOpcodeTables(t *testing.T) {
	if *Linux618.Table != insnTable618 {
		t.Error("6.18: the table built from the features is not the measured one")
	}
	if *RFC.Table != insnTable59 || *Linux510.Table != insnTable59 {
		t.Error("rfc, 5.10: not the 5.9 table")
	}
	want61 := insnTable59
	want61[0x06] = true // gotol, backported to 6.1.y
	if *Linux61.Table != want61 {
		t.Error("6.1: not the 5.9 table with JMP32|JA")
	}
}

// TestFeatureTable: every feature has a name and says what it is; kernel
// features name a version; parts of the walk name the profiles they are
// validated on (none for a part not modeled yet), which exist.
func TestFeatureTable(t *testing.T) {
	names := map[string]bool{}
	for _, f := range Features() {
		info := f.Info()
		if info.Name == "" || info.What == "" || names[info.Name] {
			t.Errorf("feature %d: name %q, what %q (names must be unique)", f, info.Name, info.What)
		}
		names[info.Name] = true
		if info.Since != "" && len(info.Validated) != 0 {
			t.Errorf("%s: a kernel feature with a validation list", info.Name)
		}
		if info.Since != "" && info.Since != rfcSince && versionKey(info.Since) < 0 {
			t.Errorf("%s: since %q", info.Name, info.Since)
		}
		for _, p := range append(info.Validated, info.Backported...) {
			if _, err := ProfileByName(p); err != nil {
				t.Errorf("%s: %v", info.Name, err)
			}
		}
	}
}

// TestVariant: a Variant takes another profile's values for the features
// named and keeps its own for the rest, and gives that profile's answer
// where those features decide it.
func TestVariant(t *testing.T) {
	// r10 as the ld_imm64's dst with off 1: the RFC checks the register
	// first (frame pointer is read only), 5.10 the off (reserved fields).
	slots := []insn.Slot{{Code: 0x18, Dst: 10, Off: 1, Imm: 1}, {}, {Code: 0xb7}, {Code: 0x95}}
	v := RFC.Variant(SetOf(FeatRFCRegArgBeforeOff), Linux510)
	if v.Name != "rfc~5.10" || v.Has(FeatRFCRegArgBeforeOff) || !v.Has(FeatRFCBTFIDInOffs) || v.Has(FeatResolveAfterSubprogs) {
		t.Errorf("variant %s: features %s", v.Name, v.FeatureSet())
	}
	for _, tc := range []struct {
		p    *Profile
		want string
	}{{RFC, "frame pointer is read only"}, {v, "BPF_LD_IMM64 uses reserved fields"}, {Linux510, "BPF_LD_IMM64 uses reserved fields"}} {
		if r, err := Verify(slots, Config{Profile: tc.p, ProgType: SocketFilter}); err != nil || r.Message != tc.want {
			t.Errorf("%s: %v %q, want %q", tc.p.Name, err, r.Message, tc.want)
		}
	}
}
