package explain

import (
	"fmt"
	"strings"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/verifier"
)

// Change is a kernel change between the two profiles.
type Change struct {
	Version string `json:"version"`
	Commit  string `json:"commit,omitempty"`
	Title   string `json:"title"`
	What    string `json:"what"`
}

// The changes between the RFC's kernel and 6.18 that bear on ld_imm64.
var (
	chPseudoBTFID = Change{"v5.10", "4976b718c355", "bpf: Introduce pseudo_btf_id",
		"the btf id moved from the offs to imm; the kernel finds the address in kallsyms, checks the kind, and resolve_pseudo_ldimm64 (renamed from replace_map_fd_with_map_ptr) moved after check_subprogs"}
	chModuleKsyms = Change{"v5.12", "541c3bad8dc5", "bpf: Support BPF ksym variables in kernel modules",
		"insn[1].imm of a BTF_ID load became the fd of a module's BTF object (0 for vmlinux)"}
	chKfunc = Change{"v6.4", "58aa2afbb1e6", "bpf: Allow ld_imm64 instruction to point to kfunc.",
		"BTF_KIND_FUNC ids are accepted and yield rdonly_mem(sz=0)"}
	chCheckCFG = Change{"v6.7", "3feb263bb516", "bpf: handle ldimm64 properly in check_cfg()",
		"check_cfg steps over ld_imm64 second halves and rejects a jump into one"}
	chPseudoFunc = Change{"v5.13", "69c087ba6225", "bpf: Add bpf_for_each_map_elem() helper",
		"BPF_PSEUDO_FUNC (src_reg 4) loads a callback's address"}
	chFdIdx = Change{"v5.14", "387544bfa291", "bpf: Introduce fd_idx",
		"BPF_PSEUDO_MAP_IDX(_VALUE) (src_reg 5, 6) and bpf_attr.fd_array"}
	chFdArrayCnt = Change{"v6.14", "", "bpf: fd_array_cnt series (Anton Protopopov)",
		"process_fd_array; __add_used_map checks duplicates, the 64-map limit (now with a message) and compatibility before the direct value checks"}
	chAtomics = Change{"v5.12", "", "bpf: atomics series (Brendan Jackman)",
		"the STX reserved-field check moved from the pre-pass into do_check"}
	chRFCOrder = Change{"RFC", "", "bpf: BTF support for __ksym externs (not merged)",
		"the RFC ran check_reg_arg before the off check in check_ld_imm; the merged kernel kept the off check first"}
	chInsnSet = Change{"v6.4-v6.9", "", "new instructions",
		"gotol (JMP32|JA, v6.4); sign-extending loads and moves, sdiv/smod, bswap (v6.6); may_goto (v6.9)"}
	chLog = Change{"v5.17-v6.18", "107e16979905", "verifier log rework",
		"scalars print as scalar, only scratched registers print, states go inline after ';', and 6.18 dropped the liveness marks"}
	chNotNull = Change{"v5.x-v6.x", "", "reg_not_null",
		"map pointers and read-only memory count as non-NULL: comparing them with 0 follows one branch"}
)

// Side is one profile's verdict.
type Side struct {
	Profile string      `json:"profile"`
	Verdict string      `json:"verdict"`
	Errno   string      `json:"errno"`
	Error   string      `json:"error"`
	Insn    int         `json:"insn"`
	Explain Explanation `json:"explain"`
}

// Diff is what differs between the rfc and 6.18 profiles on one stream.
type Diff struct {
	Sides []Side `json:"sides"`
	// Same: verdict, errno, error line and instruction agree.
	Same bool `json:"same"`
	// Divergences say where the two verifications part, in order.
	Divergences []string `json:"divergences"`
	// Changes are the kernel changes behind them.
	Changes []Change `json:"changes"`
}

// BuildDiff verifies slots in both profiles (cfg.Profile is ignored).
func BuildDiff(slots []insn.Slot, cfg verifier.Config) (Diff, error) {
	var d Diff
	var res [2]verifier.Result
	for i, p := range verifier.Profiles() {
		c := cfg
		c.Profile = p
		ex, r, err := Build(slots, c)
		if err != nil {
			return Diff{}, err
		}
		res[i] = r
		d.Sides = append(d.Sides, Side{p.Name, ex.Verdict, ex.Errno, ex.Error, ex.Insn, ex})
	}
	a, b := d.Sides[0], d.Sides[1]
	d.Same = a.Verdict == b.Verdict && a.Errno == b.Errno && a.Error == b.Error && a.Insn == b.Insn
	d.Divergences = divergences(slots, res, d.Sides)
	d.Changes = changes(slots, cfg.Env, res, d.Same)
	if d.Divergences == nil {
		d.Divergences = []string{}
	}
	if d.Changes == nil {
		d.Changes = []Change{}
	}
	return d, nil
}

func sameReg(x, y regstate.Reg) bool {
	mapID := func(r regstate.Reg) int {
		if r.Map == nil {
			return -1
		}
		return r.Map.ID
	}
	return x.Type == y.Type && x.Flags == y.Flags && x.Known == y.Known && x.Value == y.Value && x.Off == y.Off &&
		x.BTFID == y.BTFID && x.MemSize == y.MemSize && x.Width32 == y.Width32 && mapID(x) == mapID(y)
}

func divergences(slots []insn.Slot, res [2]verifier.Result, sides []Side) []string {
	var out []string
	names := [2]string{sides[0].Profile, sides[1].Profile}
	ps := verifier.Profiles() // the order of BuildDiff's sides
	// The first step where the paths or the register states part.
	n := min(len(res[0].Steps), len(res[1].Steps))
	for k := 0; k < n; k++ {
		s0, s1 := res[0].Steps[k], res[1].Steps[k]
		if s0.Insn != s1.Insn {
			out = append(out, fmt.Sprintf("step %d: %s checks insn %d, %s insn %d", k, names[0], s0.Insn, names[1], s1.Insn))
			break
		}
		for r := 0; r < 11; r++ {
			if !sameReg(s0.Regs[r], s1.Regs[r]) {
				out = append(out, fmt.Sprintf("insn %d (%s): r%d becomes %s under %s and %s under %s", s0.Insn, disasm(slots, s0.Insn), r,
					orDash(ps[0].FormatReg(s0.Regs[r])), names[0], orDash(ps[1].FormatReg(s1.Regs[r])), names[1]))
				break
			}
		}
		if len(out) > 0 {
			break
		}
	}
	for i := range sides {
		o := sides[1-i]
		if sides[i].Verdict != o.Verdict || sides[i].Error != o.Error {
			what := sides[i].Verdict
			if sides[i].Error != "" {
				what += ": " + sides[i].Error
			}
			if f := lastFailed(res[i]); f != nil {
				where := "the program"
				if f.Insn >= 0 {
					where = fmt.Sprintf("insn %d", f.Insn)
				}
				out = append(out, fmt.Sprintf("%s stops in %s at %s: %s", names[i], f.Func, where, what))
			}
		}
	}
	return out
}

func orDash(s string) string {
	if s == "?" || s == "" {
		return "-"
	}
	return s
}

func lastFailed(r verifier.Result) *verifier.Check {
	for i := len(r.Checks) - 1; i >= 0; i-- {
		if !r.Checks[i].OK {
			return &r.Checks[i]
		}
	}
	return nil
}

// changes names the kernel changes that bear on this stream's differences.
func changes(slots []insn.Slot, ctx *btfctx.Context, res [2]verifier.Result, same bool) []Change {
	var out []Change
	add := func(c Change) {
		for _, x := range out {
			if x.Title == c.Title {
				return
			}
		}
		out = append(out, c)
	}
	msgs := res[0].Message + "\n" + res[1].Message
	for i := 0; i+1 < len(slots); i++ {
		s := slots[i]
		if s.Code != insn.CodeLdImm64 {
			continue
		}
		switch s.Src {
		case insn.PseudoBTFID:
			add(chPseudoBTFID)
			if slots[i+1].Imm != 0 {
				add(chModuleKsyms)
			}
			if ctx != nil {
				if b, err := ctx.Vmlinux(); err == nil && b != nil {
					if t, ok := b.Type(uint32(s.Imm)); ok && btfctx.KindOf(t) == btfctx.KindFunc {
						add(chKfunc)
					}
				}
			}
		case insn.PseudoFunc:
			add(chPseudoFunc)
		case insn.PseudoMapIdx, insn.PseudoMapIdxValue:
			add(chFdIdx)
		}
		i++
	}
	if strings.Contains(msgs, "jump into the middle of ldimm64") || strings.Contains(msgs, "invalid BPF_LD_IMM insn") {
		add(chCheckCFG)
	}
	if strings.Contains(msgs, "BPF_STX uses reserved fields") && res[0].Insn != res[1].Insn {
		add(chAtomics)
	}
	regFirst := func(m string) bool {
		return m == "frame pointer is read only" || (strings.HasPrefix(m, "R") && strings.HasSuffix(m, " is invalid"))
	}
	if (regFirst(res[0].Message) && res[1].Message == "BPF_LD_IMM64 uses reserved fields") ||
		(regFirst(res[1].Message) && res[0].Message == "BPF_LD_IMM64 uses reserved fields") {
		add(chRFCOrder)
	}
	if strings.Contains(msgs, "unknown opcode") && res[0].Message != res[1].Message {
		add(chInsnSet)
	}
	if strings.Contains(msgs, "The total number of maps") {
		add(chFdArrayCnt)
	}
	if res[0].Errno != res[1].Errno && (res[0].Errno == verifier.E2BIG || res[1].Errno == verifier.E2BIG) && res[0].Message == "" {
		add(chFdIdx)
	}
	if (res[0].Message == "last insn is not an exit or jmp") != (res[1].Message == "last insn is not an exit or jmp") {
		add(chPseudoBTFID) // the pre-pass moved after check_subprogs
	}
	if !same && len(out) == 0 && res[0].Verdict != res[1].Verdict {
		add(chNotNull)
	}
	if len(out) == 0 || same {
		add(chLog)
	}
	return out
}
