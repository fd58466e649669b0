package explain

import (
	"fmt"
	"io"
	"strings"
	"sync"

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

// kernelChange is a Change and the profile features it is about: a diff
// names it only when its two profiles differ in one of them (nil: in their
// opcode tables).
type kernelChange struct {
	Change
	features []verifier.Feature
}

// in reports whether the change lies between profiles a and b.
func (c kernelChange) in(a, b *verifier.Profile) bool {
	if c.features == nil {
		return *a.Table != *b.Table // chInsnSet
	}
	for _, f := range c.features {
		if a.Has(f) != b.Has(f) {
			return true
		}
	}
	return false
}

// The changes between the RFC's kernel and 6.18 that bear on ld_imm64; a
// diff of two profiles names those between them.
var (
	chPseudoBTFID = kernelChange{Change{"v5.10", "4976b718c355", "bpf: Introduce pseudo_btf_id",
		"the btf id moved from the offs to imm; the kernel finds the address in kallsyms, checks the kind, and resolve_pseudo_ldimm64 (renamed from replace_map_fd_with_map_ptr) moved after check_subprogs"}, []verifier.Feature{verifier.FeatResolveAfterSubprogs}}
	chModuleKsyms = kernelChange{Change{"v5.12", "541c3bad8dc5", "bpf: Support BPF ksym variables in kernel modules",
		"insn[1].imm of a BTF_ID load became the fd of a module's BTF object (0 for vmlinux)"}, []verifier.Feature{verifier.FeatKsymModuleBTF}}
	chKfunc = kernelChange{Change{"v6.4", "58aa2afbb1e6", "bpf: Allow ld_imm64 instruction to point to kfunc.",
		"BTF_KIND_FUNC ids are accepted and yield rdonly_mem(sz=0)"}, []verifier.Feature{verifier.FeatKsymFunc}}
	chCheckCFG = kernelChange{Change{"v6.7", "3feb263bb516", "bpf: handle ldimm64 properly in check_cfg()",
		"check_cfg steps over ld_imm64 second halves and rejects a jump into one"}, []verifier.Feature{verifier.FeatCFGStepsOverLdImm64}}
	chPseudoFunc = kernelChange{Change{"v5.13", "69c087ba6225", "bpf: Add bpf_for_each_map_elem() helper",
		"BPF_PSEUDO_FUNC (src_reg 4) loads a callback's address"}, []verifier.Feature{verifier.FeatPseudoFunc}}
	chFdIdx = kernelChange{Change{"v5.14", "387544bfa291", "bpf: Introduce fd_idx",
		"BPF_PSEUDO_MAP_IDX(_VALUE) (src_reg 5, 6) and bpf_attr.fd_array"}, []verifier.Feature{verifier.FeatMapIdx}}
	chFdArrayCnt = kernelChange{Change{"v6.14", "", "bpf: fd_array_cnt series (Anton Protopopov)",
		"process_fd_array; __add_used_map checks duplicates, the 64-map limit (now with a message) and compatibility before the direct value checks"}, []verifier.Feature{verifier.FeatMapLimitMessage}}
	chAtomics = kernelChange{Change{"v5.12", "", "bpf: atomics series (Brendan Jackman)",
		"the STX reserved-field check moved from the pre-pass into do_check"}, []verifier.Feature{verifier.FeatAtomics}}
	chRFCOrder = kernelChange{Change{"RFC", "", "bpf: BTF support for __ksym externs (not merged)",
		"the RFC ran check_reg_arg before the off check in check_ld_imm; the merged kernel kept the off check first"}, []verifier.Feature{verifier.FeatRFCRegArgBeforeOff}}
	chInsnSet = kernelChange{Change{"v6.6-v6.9", "", "new instructions",
		"gotol (JMP32|JA), sign-extending loads and moves, sdiv/smod, bswap (v6.6); may_goto (v6.9)"}, nil}
	chLog = kernelChange{Change{"v5.17-v6.18", "107e16979905", "verifier log rework",
		"scalars print as scalar, only scratched registers print, states go inline after ';', and 6.18 dropped the liveness marks"}, []verifier.Feature{verifier.FeatLogScalarName, verifier.FeatLogInlineState, verifier.FeatLogNoDefaults, verifier.FeatLogNoLiveness, verifier.FeatLiveRegsLog}}
	chNotNull = kernelChange{Change{"v5.x-v6.x", "", "reg_not_null",
		"map pointers and read-only memory count as non-NULL: comparing them with 0 follows one branch"}, []verifier.Feature{verifier.FeatNotNullMapPtr}}
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

// BuildDiff verifies slots under profiles a and b (cfg.Profile is
// ignored) and holds both explanations in memory; StreamDiff writes a diff
// as it goes.
func BuildDiff(slots []insn.Slot, cfg verifier.Config, a, b *verifier.Profile) (Diff, error) {
	cmp, err := compare(slots, cfg, a, b)
	if err != nil {
		return Diff{}, err
	}
	d := cmp.diff(slots, cfg.Env)
	for i, p := range []*verifier.Profile{a, b} {
		c := cfg
		c.Profile = p
		ex, _, err := Build(slots, c)
		if err != nil {
			return Diff{}, err
		}
		d.Sides[i].Explain = ex
	}
	return d, nil
}

// StreamDiff writes the diff of slots under a and b to w: text, or one
// JSON object (the encoding of Diff) with each side's explanation
// streamed. It reports whether the two verdicts are the same. Memory stays
// independent of the number of steps.
func StreamDiff(w io.Writer, slots []insn.Slot, cfg verifier.Config, a, b *verifier.Profile, out Output) (bool, error) {
	if !out.JSON {
		cmp, err := compare(slots, cfg, a, b)
		if err != nil {
			return false, err
		}
		d := cmp.diff(slots, cfg.Env)
		d.Render(w, out.Style)
		return d.Same, nil
	}
	// JSON: each side's explanation streams first, its verdict after it,
	// and the comparison (a second run of both, in lockstep) comes last.
	j := &jsonSink{w: w}
	j.write(raw("{"))
	for _, f := range [][2]string{{"file", out.Meta.File}, {"program", out.Meta.Program}, {"section", out.Meta.Section}} {
		if f[1] != "" {
			j.write(raw(`"`+f[0]+`":`), f[1], raw(","))
		}
	}
	j.write(raw(`"sides":[`))
	for i, p := range []*verifier.Profile{a, b} {
		if i > 0 {
			j.write(raw(","))
		}
		j.write(raw(`{"profile":`), p.Name, raw(`,"explain":`))
		if j.err != nil {
			return false, j.err
		}
		c := cfg
		c.Profile = p
		r, err := Stream(w, slots, c, Output{JSON: true, embedded: true})
		if err != nil {
			return false, err
		}
		j.write(raw(`,"verdict":`), r.Verdict.String(), raw(`,"errno":`), r.Errno.String(), raw(`,"error":`), r.Message, raw(`,"insn":`), r.Insn, raw("}"))
	}
	cmp, err := compare(slots, cfg, a, b)
	if err != nil {
		return false, err
	}
	d := cmp.diff(slots, cfg.Env)
	j.write(raw(`],"same":`), d.Same, raw(`,"divergences":`), d.Divergences, raw(`,"changes":`), d.Changes, raw("}\n"))
	return d.Same, j.err
}

// comparison is the two verifications of a diff, run in lockstep so that
// the first step where they part is found without keeping the steps.
type comparison struct {
	ps      [2]*verifier.Profile
	res     [2]verifier.Result
	failed  [2]*verifier.Check
	stepDiv string // the first step where the paths or states part, or ""
}

// stepper sends a verification's steps to a channel and keeps its last
// failed check (verifier.Observer).
type stepper struct {
	ch     chan verifier.Step
	failed *verifier.Check
}

func (s *stepper) Check(c verifier.Check) {
	if !c.OK {
		cc := c
		s.failed = &cc
	}
}

func (s *stepper) Step(st verifier.Step) { s.ch <- st }

func compare(slots []insn.Slot, cfg verifier.Config, a, b *verifier.Profile) (*comparison, error) {
	c := &comparison{ps: [2]*verifier.Profile{a, b}}
	var obs [2]*stepper
	var errs [2]error
	var wg sync.WaitGroup
	for i := range c.ps {
		obs[i] = &stepper{ch: make(chan verifier.Step, 256)}
		vc := cfg
		vc.Profile, vc.KeepStates, vc.Explain, vc.LogLevel, vc.Observer = c.ps[i], true, true, 0, obs[i]
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer close(obs[i].ch)
			c.res[i], errs[i] = verifier.Verify(slots, vc)
		}(i)
	}
	for k := 0; ; k++ {
		s0, ok0 := <-obs[0].ch
		s1, ok1 := <-obs[1].ch
		if !ok0 || !ok1 {
			break
		}
		if c.stepDiv == "" {
			c.stepDiv = c.stepDivergence(slots, k, &s0, &s1)
		}
	}
	for i := range obs {
		for range obs[i].ch {
		}
	}
	wg.Wait()
	for i := range obs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		c.failed[i] = obs[i].failed
	}
	return c, nil
}

// stepDivergence says how step k of the two verifications differs, or "".
func (c *comparison) stepDivergence(slots []insn.Slot, k int, s0, s1 *verifier.Step) string {
	names := [2]string{c.ps[0].Name, c.ps[1].Name}
	if s0.Insn != s1.Insn {
		return fmt.Sprintf("step %d: %s checks insn %d, %s insn %d", k, names[0], s0.Insn, names[1], s1.Insn)
	}
	for r := 0; r < 11; r++ {
		if !sameReg(s0.Regs[r], s1.Regs[r]) {
			return fmt.Sprintf("insn %d (%s): r%d becomes %s under %s and %s under %s", s0.Insn, disasm(slots, s0.Insn), r,
				orDash(c.ps[0].FormatReg(s0.Regs[r])), names[0], orDash(c.ps[1].FormatReg(s1.Regs[r])), names[1])
		}
	}
	return ""
}

// diff assembles the Diff without the explanations.
func (c *comparison) diff(slots []insn.Slot, ctx *btfctx.Context) Diff {
	var d Diff
	for i, r := range c.res {
		d.Sides = append(d.Sides, Side{Profile: c.ps[i].Name, Verdict: r.Verdict.String(), Errno: r.Errno.String(), Error: r.Message, Insn: r.Insn})
	}
	a, b := d.Sides[0], d.Sides[1]
	d.Same = a.Verdict == b.Verdict && a.Errno == b.Errno && a.Error == b.Error && a.Insn == b.Insn
	d.Divergences = []string{}
	if c.stepDiv != "" {
		d.Divergences = append(d.Divergences, c.stepDiv)
	}
	for i := range d.Sides {
		o := d.Sides[1-i]
		if d.Sides[i].Verdict != o.Verdict || d.Sides[i].Error != o.Error {
			what := d.Sides[i].Verdict
			if d.Sides[i].Error != "" {
				what += ": " + d.Sides[i].Error
			}
			if f := c.failed[i]; f != nil {
				where := "the program"
				if f.Insn >= 0 {
					where = fmt.Sprintf("insn %d", f.Insn)
				}
				d.Divergences = append(d.Divergences, fmt.Sprintf("%s stops in %s at %s: %s", d.Sides[i].Profile, f.Func, where, what))
			}
		}
	}
	d.Changes = changes(slots, ctx, c.ps, c.res, d.Same)
	if d.Changes == nil {
		d.Changes = []Change{}
	}
	return d
}

func orDash(s string) string {
	if s == "?" || s == "" {
		return "-"
	}
	return s
}

// changes names the kernel changes that bear on this stream's differences.
func changes(slots []insn.Slot, ctx *btfctx.Context, ps [2]*verifier.Profile, res [2]verifier.Result, same bool) []Change {
	var out []Change
	add := func(c kernelChange) {
		if !c.in(ps[0], ps[1]) {
			return
		}
		for _, x := range out {
			if x.Title == c.Title {
				return
			}
		}
		out = append(out, c.Change)
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
