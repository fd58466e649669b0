package explain

import (
	"fmt"

	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/verifier"
)

// Explanation is the story of one verification.
type Explanation struct {
	Profile string `json:"profile"`
	Kernel  string `json:"kernel"`
	Verdict string `json:"verdict"`
	Errno   string `json:"errno"`
	Error   string `json:"error"`
	Insn    int    `json:"insn"`
	// Passes are the program-wide checks (bpf_prog_load, check_subprogs,
	// check_cfg, ...), in order.
	Passes []verifier.Check `json:"passes"`
	// Steps are the instructions in the order they were checked: each
	// processed instruction of the verified path, and the instruction an
	// earlier pass failed at.
	Steps []Step `json:"steps"`
	// Why and Fix explain a verdict other than accept.
	Why string `json:"why,omitempty"`
	Fix string `json:"fix,omitempty"`
}

// Step is one instruction.
type Step struct {
	Insn int    `json:"insn"`
	Text string `json:"text"`
	// From is the instruction checked before this one on its path when
	// that is not the previous step (a popped branch), or -1.
	From   int         `json:"from"`
	Slots  []Fields    `json:"slots"`
	Decode []string    `json:"decode,omitempty"`
	Checks []Checks    `json:"checks"`
	Regs   []RegChange `json:"regs,omitempty"`
}

// Fields are one slot's decoded fields.
type Fields struct {
	Code uint8 `json:"code"`
	Dst  uint8 `json:"dst"`
	Src  uint8 `json:"src"`
	Off  int16 `json:"off"`
	Imm  int32 `json:"imm"`
}

// Checks are the consecutive checks one kernel function made.
type Checks struct {
	Func   string           `json:"func"`
	Checks []verifier.Check `json:"checks"`
}

// RegChange is one register whose state the instruction changed, in the
// profile's log format.
type RegChange struct {
	Reg    int    `json:"reg"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Build verifies slots with cfg (its log level, KeepStates and Explain are
// set here) and explains the result.
func Build(slots []insn.Slot, cfg verifier.Config) (Explanation, verifier.Result, error) {
	p := cfg.Profile
	if p == nil {
		p = verifier.RFC
	}
	cfg.Profile, cfg.KeepStates, cfg.Explain, cfg.LogLevel = p, true, true, 0
	res, err := verifier.Verify(slots, cfg)
	if err != nil {
		return Explanation{}, res, err
	}
	ex := Explanation{Profile: p.Name, Kernel: p.Kernel, Verdict: res.Verdict.String(), Errno: res.Errno.String(),
		Error: res.Message, Insn: res.Insn, Passes: []verifier.Check{}, Steps: []Step{}}
	format := func(r regstate.Reg) string {
		if r.Type == regstate.NotInit {
			return "-"
		}
		return p.FormatReg(r)
	}

	// Checks of the passes before do_check, by instruction.
	pre := map[int][]verifier.Check{}
	var failedAt = -1
	for _, c := range res.Checks {
		switch {
		case c.Step >= 0:
		case c.Insn < 0:
			ex.Passes = append(ex.Passes, c)
		default:
			if !c.OK {
				failedAt = c.Insn
			}
			if c.Func != "resolve_pseudo_ldimm64" && c.Func != "replace_map_fd_with_map_ptr" && c.Func != "check_pseudo_btf_id" {
				// check_subprogs and check_cfg name the instruction they
				// fail at; they are program passes all the same.
				ex.Passes = append(ex.Passes, c)
				continue
			}
			pre[c.Insn] = append(pre[c.Insn], c)
		}
	}
	var ctx *btfctx.Context = cfg.Env
	newStep := func(idx, from int) Step {
		st := Step{Insn: idx, From: from, Text: disasm(slots, idx), Checks: []Checks{}}
		st.Slots = append(st.Slots, fieldsOf(slots[idx]))
		if slots[idx].IsLdImm64() && idx+1 < len(slots) {
			st.Slots = append(st.Slots, fieldsOf(slots[idx+1]))
			st.Decode = decodeLdImm64(p, ctx, slots[idx], slots[idx+1])
		}
		return st
	}
	addChecks := func(st *Step, cs []verifier.Check) {
		for _, c := range cs {
			fn := c.Func
			if n := len(st.Checks); n > 0 && st.Checks[n-1].Func == fn {
				st.Checks[n-1].Checks = append(st.Checks[n-1].Checks, c)
				continue
			}
			st.Checks = append(st.Checks, Checks{Func: fn, Checks: []verifier.Check{c}})
		}
	}
	byStep := map[int][]verifier.Check{}
	for _, c := range res.Checks {
		if c.Step >= 0 {
			byStep[c.Step] = append(byStep[c.Step], c)
		}
	}
	shown := map[int]bool{}
	prev := -1
	nsteps := len(res.Steps)
	if res.Verdict != verifier.Accept && len(byStep[nsteps]) > 0 {
		nsteps++ // the failing instruction has checks but no Step
	}
	for k := 0; k < nsteps; k++ {
		var idx, from int
		var before, after [11]regstate.Reg
		if k < len(res.Steps) {
			s := res.Steps[k]
			idx, from, before, after = s.Insn, s.Prev, s.Before, s.Regs
		} else {
			idx, from = res.Insn, -1
			if n := len(res.Steps); n > 0 {
				from = res.Steps[n-1].Insn
				before = res.Steps[n-1].Regs
				after = before
			}
		}
		if from == prev {
			from = -1
		}
		st := newStep(idx, from)
		if !shown[idx] {
			addChecks(&st, pre[idx])
			shown[idx] = true
		}
		addChecks(&st, byStep[k])
		for r := 0; r < 11; r++ {
			b, a := format(before[r]), format(after[r])
			if b != a {
				st.Regs = append(st.Regs, RegChange{Reg: r, Before: b, After: a})
			}
		}
		ex.Steps = append(ex.Steps, st)
		prev = idx
	}
	if failedAt >= 0 && !shown[failedAt] {
		st := newStep(failedAt, -1)
		addChecks(&st, pre[failedAt])
		ex.Steps = append(ex.Steps, st)
	}
	if res.Verdict != verifier.Accept {
		ex.Why, ex.Fix = whyFix(p, ctx, slots, res)
	}
	return ex, res, nil
}

func fieldsOf(s insn.Slot) Fields { return Fields{s.Code, s.Dst, s.Src, s.Off, s.Imm} }

func disasm(slots []insn.Slot, i int) string {
	var next *insn.Slot
	if i+1 < len(slots) {
		next = &slots[i+1]
	}
	return insn.Disasm(slots[i], next, true)
}

// decodeLdImm64 spells out what the two slots of an ld_imm64 mean in the
// profile.
func decodeLdImm64(p *verifier.Profile, ctx *btfctx.Context, s, next insn.Slot) []string {
	var out []string
	v := s.Imm64(next)
	switch s.Src {
	case 0:
		out = append(out, fmt.Sprintf("value: insn[1].imm:insn[0].imm = %#x", v))
	case insn.PseudoMapFD, insn.PseudoMapValue:
		out = append(out, fmt.Sprintf("map fd: insn[0].imm = %d", s.Imm))
		if s.Src == insn.PseudoMapValue {
			out = append(out, fmt.Sprintf("value offset: insn[1].imm = %d (read as u32 %d)", next.Imm, uint32(next.Imm)))
		}
	case insn.PseudoMapIdx, insn.PseudoMapIdxValue:
		out = append(out, fmt.Sprintf("fd_array index: insn[0].imm = %d", s.Imm))
		if s.Src == insn.PseudoMapIdxValue {
			out = append(out, fmt.Sprintf("value offset: insn[1].imm = %d", next.Imm))
		}
	case insn.PseudoFunc:
		out = append(out, fmt.Sprintf("callback: insn %d + imm %d + 1 = insn %d", 0, s.Imm, s.Imm+1))
	case insn.PseudoBTFID:
		var id uint32
		if p.BTFIDInOffs {
			id = uint32(int32(next.Off))<<16 | uint32(int32(s.Off))
			line := fmt.Sprintf("btf id (RFC): (u32)(s16)insn[1].off << 16 | (u32)(s16)insn[0].off = %d << 16 | %d = %d", next.Off, s.Off, id)
			if s.Off < 0 {
				line += fmt.Sprintf(" = %#x: insn[0].off is negative, so the cast sign-extends it", id)
			}
			out = append(out, line, fmt.Sprintf("address (RFC): insn[1].imm:insn[0].imm = %#x", v))
		} else {
			id = uint32(s.Imm)
			out = append(out, fmt.Sprintf("btf id: insn[0].imm = %d", int32(id)))
			if next.Imm == 0 {
				out = append(out, "btf object: insn[1].imm = 0, vmlinux")
			} else {
				out = append(out, fmt.Sprintf("btf object: insn[1].imm = %d, read as a module BTF fd", next.Imm))
			}
		}
		out = append(out, typeLine(ctx, id))
	}
	return out
}

// typeLine names the vmlinux type an id refers to.
func typeLine(ctx *btfctx.Context, id uint32) string {
	if ctx == nil {
		return "type: no vmlinux BTF"
	}
	b, err := ctx.Vmlinux()
	if err != nil || b == nil {
		return "type: no vmlinux BTF"
	}
	t, ok := b.Type(id)
	if !ok {
		return fmt.Sprintf("type: id %d names no vmlinux type (there are %d)", id, b.NumTypes())
	}
	line := fmt.Sprintf("type: %d is the %s %q", id, btfctx.KindOf(t), t.TypeName())
	if v, ok := t.(*btf.Var); ok {
		ref := btfctx.SkipModifiers(v.Type)
		line += fmt.Sprintf(" of type %s %q (id %d)", btfctx.KindOf(ref), ref.TypeName(), b.ID(v.Type))
		if b.IsPercpuVar(id) {
			line += ", per-CPU"
		}
	}
	return line
}
