package verifier

import (
	"fmt"
	"sort"

	"github.com/verisim/verisim/regstate"
)

// Profile is the kernel whose verifier is simulated: a small value of
// switches that the passes consult. A new kernel is a new Profile value
// plus, where its code differs, a new switch.
type Profile struct {
	// Name is the CLI name: "rfc" or "6.18".
	Name string
	// Kernel describes the modeled source.
	Kernel string

	// PrePassFirst: the ld_imm64 pre-pass (replace_map_fd_with_map_ptr)
	// runs before check_subprogs, as before v5.10 "bpf: Introduce
	// pseudo_btf_id". Otherwise resolve_pseudo_ldimm64 runs after
	// check_subprogs and check_btf_info, before check_cfg.
	PrePassFirst bool

	// BTFIDInOffs: BPF_PSEUDO_BTF_ID carries the btf id in the two off
	// fields and the address in the imms, checked in check_ld_imm (the
	// RFC). Otherwise imm is the btf id and insn[1].imm a BTF fd, checked
	// by check_pseudo_btf_id in the pre-pass (v5.12+).
	BTFIDInOffs bool

	// RegArgBeforeOff: check_ld_imm runs check_reg_arg(dst) before the
	// "uses reserved fields" check on off (the RFC's reordering).
	RegArgBeforeOff bool

	// CFGStepsOverLdImm64: check_cfg walks an ld_imm64 as one instruction
	// and reports "jump into the middle of ldimm64 insn" (v6.7+).
	CFGStepsOverLdImm64 bool

	// STXInPrePass: the pre-pass rejects STX reserved fields (before v5.12).
	STXInPrePass bool

	// PseudoFunc, MapIdx: BPF_PSEUDO_FUNC (v5.13) and
	// BPF_PSEUDO_MAP_IDX(_VALUE) with fd_array (v5.14) exist.
	PseudoFunc bool
	MapIdx     bool

	// MapLimitMessage: "The total number of maps per program has reached
	// the limit of %u" (otherwise E2BIG without a message), and the 6.18
	// order of __add_used_map: dedupe, limit, compatibility, before the
	// direct value checks.
	MapLimitMessage bool

	// Log618: the 6.18 log (scalar, inline "; state", Live regs, no
	// liveness marks); otherwise the 5.9 log (inv, id=0,off=0, "_w").
	Log618 bool

	// ExactEnd: BPF_END/bswap of a constant stays a constant (observed on
	// Linux 6.18.44); otherwise it is an unknown scalar.
	ExactEnd bool

	// LogFixed: BPF_LOG_FIXED is part of BPF_LOG_MASK (v6.4, 121664093803
	// "bpf: Switch BPF verifier log to be a rotating log by default").
	LogFixed bool

	// Table is the set of opcodes bpf_opcode_in_insntable accepts.
	Table *[256]bool
}

// RFC is the July 2020 bpf-next verifier (v5.8/v5.9) with Hao Luo's RFC
// "bpf: BTF support for __ksym externs" applied. No kernel of this kind
// exists to record from: its behaviour is derived from the patch and the
// 5.9 source.
var RFC = &Profile{
	Name:            "rfc",
	Kernel:          "bpf-next (July 2020, v5.8/v5.9) + RFC \"bpf: BTF support for __ksym externs\"",
	PrePassFirst:    true,
	BTFIDInOffs:     true,
	RegArgBeforeOff: true,
	STXInPrePass:    true,
	Table:           &insnTable59,
}

// Linux618 is Linux v6.18 as it runs (verified against 6.18.44).
var Linux618 = &Profile{
	Name:                "6.18",
	Kernel:              "Linux v6.18",
	CFGStepsOverLdImm64: true,
	PseudoFunc:          true,
	MapIdx:              true,
	MapLimitMessage:     true,
	Log618:              true,
	ExactEnd:            true,
	LogFixed:            true,
	Table:               &insnTable618,
}

var profiles = map[string]*Profile{RFC.Name: RFC, Linux618.Name: Linux618}

// ProfileByName returns the profile called name ("rfc" or "6.18").
func ProfileByName(name string) (*Profile, error) {
	if p, ok := profiles[name]; ok {
		return p, nil
	}
	names := make([]string, 0, len(profiles))
	for n := range profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return nil, fmt.Errorf("unknown kernel profile %q (known: %v)", name, names)
}

// Profiles returns every profile, oldest first.
func Profiles() []*Profile { return []*Profile{RFC, Linux618} }

// insnTable618 is bpf_opcode_in_insntable (kernel/bpf/core.c, v6.18):
// BPF_INSN_MAP plus LD_ABS/LD_IND and JMP|JCOND. Confirmed on 6.18.44 by
// loading every one of the 256 opcodes.
var insnTable618 = makeTable(
	"04 05 06 07 0c 0f 14 15 16 17 18 1c 1d 1e 1f 20 24 25 26 27 28 2c 2d 2e 2f 30 34 35 36 37 3c 3d 3e 3f " +
		"40 44 45 46 47 48 4c 4d 4e 4f 50 54 55 56 57 5c 5d 5e 5f 61 62 63 64 65 66 67 69 6a 6b 6c 6d 6e 6f " +
		"71 72 73 74 75 76 77 79 7a 7b 7c 7d 7e 7f 81 84 85 87 89 91 94 95 97 9c 9f a4 a5 a6 a7 ac ad ae af " +
		"b4 b5 b6 b7 bc bd be bf c3 c4 c5 c6 c7 cb cc cd ce cf d3 d4 d5 d6 d7 db dc dd de e5")

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
	if p.Log618 {
		return r.Format618()
	}
	return r.Format59()
}

// logMask is BPF_LOG_MASK of the profile's kernel.
func (p *Profile) logMask() LogLevel {
	m := LogLevelBranch | LogLevelInstruction | LogLevelStats
	if p.LogFixed {
		m |= LogLevelFixed
	}
	return m
}

// Default is the profile a nil Config.Profile and the CLI use: the newest
// kernel verisim is validated against.
var Default = Linux618
