package explain

import (
	"fmt"
	"io"

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

// Build verifies slots with cfg (its log level, KeepStates, Explain and
// Observer are set here) and explains the result. It holds every step in
// memory; Stream writes them as they come.
func Build(slots []insn.Slot, cfg verifier.Config) (Explanation, verifier.Result, error) {
	var m memSink
	res, err := run(slots, cfg, &m)
	if err != nil {
		return Explanation{}, res, err
	}
	return m.ex, res, nil
}

// Output is how Stream writes an explanation.
type Output struct {
	// JSON writes one JSON object, the encoding of Explanation (fields in
	// another order), with Meta's fields first; otherwise text in Style.
	JSON  bool
	Style Style
	Meta  Meta

	embedded bool // the JSON object is a field of another (StreamDiff)
}

// Meta names what is explained, in JSON output.
type Meta struct {
	File    string `json:"file,omitempty"`
	Program string `json:"program,omitempty"`
	Section string `json:"section,omitempty"`
}

// Stream verifies slots with cfg and writes the explanation to w as the
// verifier runs: memory stays proportional to the program, not to the
// number of steps.
func Stream(w io.Writer, slots []insn.Slot, cfg verifier.Config, out Output) (verifier.Result, error) {
	var s sink = &textSink{w: w, st: out.Style}
	if out.JSON {
		s = &jsonSink{w: w, meta: out.Meta, embedded: out.embedded}
	}
	return run(slots, cfg, s)
}

// sink receives an explanation piece by piece, in order.
type sink interface {
	header(ex *Explanation)
	passes(cs []verifier.Check)
	step(st Step)
	end(ex *Explanation) error
	// abort ends an explanation that Verify could not finish.
	abort(err error)
}

// run verifies with a builder as the observer and feeds s.
func run(slots []insn.Slot, cfg verifier.Config, s sink) (verifier.Result, error) {
	p := cfg.Profile
	if p == nil {
		p = verifier.Default
	}
	b := &builder{p: p, ctx: cfg.Env, slots: slots, out: s, failedAt: -1, prev: -1,
		pre: map[int][]verifier.Check{}, shown: make([]bool, len(slots))}
	cfg.Profile, cfg.KeepStates, cfg.Explain, cfg.LogLevel, cfg.Observer = p, true, true, 0, b
	ex := &Explanation{Profile: p.Name, Kernel: p.Kernel, Passes: []verifier.Check{}, Steps: []Step{}}
	s.header(ex)
	res, err := verifier.Verify(slots, cfg)
	if err != nil {
		s.abort(err)
		return res, err
	}
	b.finish(res)
	ex.Verdict, ex.Errno, ex.Error, ex.Insn = res.Verdict.String(), res.Errno.String(), res.Message, res.Insn
	if res.Verdict != verifier.Accept {
		ex.Why, ex.Fix = whyFix(p, cfg.Env, slots, res, b.lastFailed)
	}
	return res, s.end(ex)
}

// builder turns the verifier's checks and steps into explanation steps
// (verifier.Observer).
type builder struct {
	p     *verifier.Profile
	ctx   *btfctx.Context
	slots []insn.Slot
	out   sink

	passList   []verifier.Check
	passesDone bool
	// pre holds the checks the ld_imm64 pre-pass made of an instruction
	// until the instruction is shown.
	pre        map[int][]verifier.Check
	shown      []bool
	failedAt   int // the instruction a pass before do_check failed at
	cur        []verifier.Check
	prev       int // the instruction of the previous step shown
	last       verifier.Step
	nsteps     int
	lastFailed *verifier.Check
}

// prePassFuncs are the passes whose checks belong to one instruction's
// step; the others (check_subprogs, check_cfg, ...) are program checks
// even when they name the instruction they fail at.
func prePassFunc(fn string) bool {
	return fn == "resolve_pseudo_ldimm64" || fn == "replace_map_fd_with_map_ptr" || fn == "check_pseudo_btf_id"
}

func (b *builder) Check(c verifier.Check) {
	if !c.OK {
		cc := c
		b.lastFailed = &cc
	}
	switch {
	case c.Step >= 0:
		b.flushPasses()
		b.cur = append(b.cur, c)
	case c.Insn < 0:
		b.passList = append(b.passList, c)
	default:
		if !c.OK {
			b.failedAt = c.Insn
		}
		if !prePassFunc(c.Func) {
			b.passList = append(b.passList, c)
			return
		}
		b.pre[c.Insn] = append(b.pre[c.Insn], c)
	}
}

func (b *builder) Step(s verifier.Step) {
	b.flushPasses()
	b.emit(s.Insn, s.Prev, &s.Before, &s.Regs, b.cur)
	b.cur = b.cur[:0]
	b.last = s
	b.nsteps++
}

func (b *builder) flushPasses() {
	if !b.passesDone {
		b.passesDone = true
		b.out.passes(b.passList)
	}
}

func (b *builder) format(r regstate.Reg) string {
	if r.Type == regstate.NotInit {
		return "-"
	}
	return b.p.FormatReg(r)
}

func (b *builder) newStep(idx, from int) Step {
	slots := b.slots
	st := Step{Insn: idx, From: from, Text: disasm(slots, idx), Checks: []Checks{}}
	st.Slots = append(st.Slots, fieldsOf(slots[idx]))
	if slots[idx].IsLdImm64() && idx+1 < len(slots) {
		st.Slots = append(st.Slots, fieldsOf(slots[idx+1]))
		st.Decode = decodeLdImm64(b.p, b.ctx, slots[idx], slots[idx+1])
	}
	return st
}

// emit shows one instruction: the pre-pass checks of it the first time it
// is shown, the checks of this step, and the registers it changed.
func (b *builder) emit(idx, from int, before, after *[11]regstate.Reg, checks []verifier.Check) {
	if from == b.prev {
		from = -1
	}
	st := b.newStep(idx, from)
	if !b.shown[idx] {
		addChecks(&st, b.pre[idx])
		delete(b.pre, idx)
		b.shown[idx] = true
	}
	addChecks(&st, checks)
	for r := 0; r < 11; r++ {
		if before[r] == after[r] {
			continue
		}
		bs, as := b.format(before[r]), b.format(after[r])
		if bs != as {
			st.Regs = append(st.Regs, RegChange{Reg: r, Before: bs, After: as})
		}
	}
	b.out.step(st)
	b.prev = idx
}

// finish shows what follows the last step: the failing instruction, which
// has checks but no step, and the instruction an earlier pass failed at.
func (b *builder) finish(res verifier.Result) {
	b.flushPasses()
	if res.Verdict != verifier.Accept && len(b.cur) > 0 {
		from := -1
		var regs [11]regstate.Reg
		if b.nsteps > 0 {
			from, regs = b.last.Insn, b.last.Regs
		}
		b.emit(res.Insn, from, &regs, &regs, b.cur)
	}
	if b.failedAt >= 0 && !b.shown[b.failedAt] {
		st := b.newStep(b.failedAt, -1)
		addChecks(&st, b.pre[b.failedAt])
		b.out.step(st)
	}
}

func addChecks(st *Step, cs []verifier.Check) {
	for _, c := range cs {
		if n := len(st.Checks); n > 0 && st.Checks[n-1].Func == c.Func {
			st.Checks[n-1].Checks = append(st.Checks[n-1].Checks, c)
			continue
		}
		st.Checks = append(st.Checks, Checks{Func: c.Func, Checks: []verifier.Check{c}})
	}
}

// memSink keeps the whole explanation (Build).
type memSink struct{ ex Explanation }

func (m *memSink) header(ex *Explanation)     { m.ex = *ex }
func (m *memSink) passes(cs []verifier.Check) { m.ex.Passes = append(m.ex.Passes, cs...) }
func (m *memSink) step(st Step)               { m.ex.Steps = append(m.ex.Steps, st) }
func (m *memSink) abort(error)                {}
func (m *memSink) end(ex *Explanation) error {
	m.ex.Verdict, m.ex.Errno, m.ex.Error, m.ex.Insn, m.ex.Why, m.ex.Fix = ex.Verdict, ex.Errno, ex.Error, ex.Insn, ex.Why, ex.Fix
	return nil
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
		if p.Has(verifier.FeatRFCBTFIDInOffs) {
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
