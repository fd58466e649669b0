package verifier

import (
	"fmt"

	"github.com/verisim/verisim/regstate"
)

// Profile is the kernel whose verifier is simulated: its version and the
// features (features.go) it has. A new kernel is a new Profile value; where
// its code differs, a new Feature with the commit that made it differ.
type Profile struct {
	// Name is the CLI name: "rfc", "5.10", "6.1", "6.12" or "6.18".
	Name string
	// Kernel describes the modeled source.
	Kernel string
	// Version is the mainline release the profile's features are taken
	// at ("5.9" for the RFC's kernel).
	Version string
	// Table is the set of opcodes bpf_opcode_in_insntable accepts.
	Table *[256]bool

	feats     FeatureSet
	helperIDs int32 // __BPF_FUNC_MAX_ID, or 0: not counted
}

// RFC is the July 2020 bpf-next verifier (v5.8/v5.9) with Hao Luo's RFC
// "bpf: BTF support for __ksym externs" applied. No kernel of this kind
// exists to record from: its behaviour is derived from the patch and the
// 5.9 source, and checked against 5.10 where the two agree.
var RFC = newProfile("rfc", "bpf-next (July 2020, v5.8/v5.9) + RFC \"bpf: BTF support for __ksym externs\"", "5.9", true)

// Linux510 is Linux v5.10 (verified against Debian's 5.10.262 under qemu).
var Linux510 = newProfile("5.10", "Linux v5.10", "5.10", false)

// Linux61 is Linux v6.1 (verified against Debian's 6.1.192 under qemu).
var Linux61 = newProfile("6.1", "Linux v6.1", "6.1", false)

// Linux612 is Linux v6.12 (verified against Debian's 6.12.117 under qemu).
var Linux612 = newProfile("6.12", "Linux v6.12", "6.12", false)

// Linux618 is Linux v6.18 as it runs (verified against 6.18.44).
var Linux618 = newProfile("6.18", "Linux v6.18", "6.18", false)

var profiles = map[string]*Profile{RFC.Name: RFC, Linux510.Name: Linux510, Linux61.Name: Linux61, Linux612.Name: Linux612, Linux618.Name: Linux618}

// ProfileByName returns the profile called name ("rfc", "5.10", "6.1",
// "6.12" or "6.18").
func ProfileByName(name string) (*Profile, error) {
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	names := make([]string, 0, len(profiles))
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("unknown kernel profile %q (known: %v)", name, names)
}

// Profiles returns every profile, oldest first.
func Profiles() []*Profile { return []*Profile{RFC, Linux510, Linux61, Linux612, Linux618} }

// insnTable59 is the 5.9 table: 6.18's without JMP32|JA (v6.4), LDX MEMSX
// (v6.6), ALU64 END/bswap (v6.6), STX ATOMIC B/H (v6.15) and JMP|JCOND
// (v6.9). STX|XADD W/DW (0xc3, 0xdb) have the ATOMIC opcodes' values.
var insnTable59 = makeTable(
	"04 05 07 0c 0f 14 15 16 17 18 1c 1d 1e 1f 20 24 25 26 27 28 2c 2d 2e 2f 30 34 35 36 37 3c 3d 3e 3f " +
		"40 44 45 46 47 48 4c 4d 4e 4f 50 54 55 56 57 5c 5d 5e 5f 61 62 63 64 65 66 67 69 6a 6b 6c 6d 6e 6f " +
		"71 72 73 74 75 76 77 79 7a 7b 7c 7d 7e 7f 84 85 87 94 95 97 9c 9f a4 a5 a6 a7 ac ad ae af " +
		"b4 b5 b6 b7 bc bd be bf c3 c4 c5 c6 c7 cc cd ce cf d4 d5 d6 db dc dd de")

func makeTable(hex string) [256]bool {
	var t [256]bool
	for i := 0; i+1 < len(hex); i += 3 {
		var b int
		fmt.Sscanf(hex[i:i+2], "%02x", &b)
		t[b] = true
	}
	return t
}

// FormatReg prints a register in the profile's log format: print_reg_state
// of v6.18, or the 5.9 verifier's.
func (p *Profile) FormatReg(r regstate.Reg) string {
	switch {
	case p.Has(FeatLogNoDefaults):
		return r.Format618()
	case p.Has(FeatLogScalarName):
		return r.Format61()
	}
	return r.Format59()
}

// logMask is BPF_LOG_MASK of the profile's kernel.
func (p *Profile) logMask() LogLevel {
	m := LogLevelBranch | LogLevelInstruction | LogLevelStats
	if p.Has(FeatLogFixed) {
		m |= LogLevelFixed
	}
	return m
}

// Default is the profile a nil Config.Profile and the CLI use: the newest
// kernel verisim is validated against.
var Default = Linux618
