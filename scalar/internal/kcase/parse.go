package kcase

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/scalar"
)

// Case is one executed instruction with its operands' states as the
// kernel printed them (P and id= removed, see Clean).
type Case struct {
	// Text is the kernel's disassembly of the instruction.
	Text string `json:"text"`
	Code uint8  `json:"code"`
	Dst  uint8  `json:"dst"`
	Src  uint8  `json:"src,omitempty"`
	Off  int16  `json:"off,omitempty"`
	Imm  int32  `json:"imm,omitempty"`
	// DstIn and SrcIn are the operands before the instruction (SrcIn only
	// for a BPF_X source; for a load from the stack, the spilled value it
	// reads).
	DstIn string `json:"dst_in"`
	SrcIn string `json:"src_in,omitempty"`
	// DstOut is dst after an ALU or MOV instruction; for a jump, dst and
	// src on the fall-through path (unchanged when the outcome is known).
	DstOut string `json:"dst_out"`
	SrcOut string `json:"src_out,omitempty"`
	// Pred is is_branch_taken's answer for a jump: -1, 0 or 1.
	Pred int `json:"pred,omitempty"`
	// DstTaken and SrcTaken are dst and src on the taken path, from the
	// "from X to Y:" line, when Pred is -1 and the path was not pruned at
	// once.
	DstTaken string `json:"dst_taken,omitempty"`
	SrcTaken string `json:"src_taken,omitempty"`
}

// IsJump reports whether the case is a conditional jump.
func (c Case) IsJump() bool {
	cl := c.Code & 7
	return cl == insn.ClassJMP || cl == insn.ClassJMP32
}

// Key identifies a case by its instruction and inputs, for deduplication.
func (c Case) Key() string {
	return fmt.Sprintf("%02x/%d/%d/%d/%d/%s/%s", c.Code, c.Dst, c.Src, c.Off, c.Imm, c.DstIn, c.SrcIn)
}

var (
	insnLine  = regexp.MustCompile(`^(\d+): \(([0-9a-f]{2})\) (.*?)(?:\s+; (.*))?$`)
	stateLine = regexp.MustCompile(`^(\d+): (R\d+=.*)$`)
	fromLine  = regexp.MustCompile(`^from (\d+) to (\d+)(?: \(speculative execution\))?: (.*)$`)
	safeLine  = regexp.MustCompile(`^(\d+): safe$`)
	regTok    = regexp.MustCompile(`(?:^|\s)R(\d+)=`)
	slotTok   = regexp.MustCompile(`\sfp-\d+`)
	idField   = regexp.MustCompile(`id=\d+(?:[+-]\d+)?,?`)
)

// Clean strips what belongs to the register and not to its value: the P
// of a precise scalar and id= (with a BPF_ADD_CONST offset).
func Clean(s string) string {
	s = strings.TrimPrefix(s, "P")
	s = idField.ReplaceAllString(s, "")
	return strings.Replace(s, ",)", ")", 1)
}

// regs splits a printed state "R0=... R6=..." by register.
func regs(s string) map[int]string {
	out := map[int]string{}
	locs := regTok.FindAllStringSubmatchIndex(s, -1)
	for i, l := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		n, _ := strconv.Atoi(s[l[2]:l[3]])
		v := s[l[1]:end]
		// Stack slots follow the registers.
		if loc := slotTok.FindStringIndex(v); loc != nil {
			v = v[:loc[0]]
		}
		out[n] = strings.TrimSpace(v)
	}
	return out
}

// pushed is a state the kernel pushed and will pop with "from idx to ...":
// the untaken side of a jump (case is its index in the cases) or the zero
// side of maybe_fork_scalars (case -1), with the registers that are lossy
// on it.
type pushed struct {
	idx, target, caseIdx int
	lossy                map[int]bool
}

// pending is a jump whose outcome the next lines tell.
type pending struct {
	idx, target, caseIdx int
	precise              bool // mark_precise followed: the outcome was known
	// lossyTaken and lossyFall are the registers a sanity-check
	// violation (reg_bounds_sanity_check) left unbounded on each path.
	lossyTaken, lossyFall []int
}

var violation = regexp.MustCompile(`REG INVARIANTS VIOLATION \((true|false)_reg([12])\)`)

// Parse reads the cases out of the level-2 log of prog. It fails when the
// log's branches do not pair up with the pushes it inferred, in which case
// the program's cases are not to be trusted.
//
// lossy counts the executed instructions left out because an input's
// printed state does not say what the register holds. That happens after
// reg_bounds_sanity_check fails: the kernel marks the register unbounded
// but keeps its tnum, and when the tnum is a constant print_reg_state shows
// only the constant, not the bounds the next instruction then computes
// with. Such a register stays lossy until an instruction writes it from
// inputs that are not.
func Parse(prog []insn.Slot, log []string) (cases []Case, lossy int, err error) {
	var (
		cur   = map[int]string{}
		taint = map[int]bool{}
		stack []pushed
		pend  *pending
		// slot is the register spilled to fp-8 as it was spilled.
		slot      string
		slotTaint bool
		// last is the case of the last instruction line and its index:
		// its state is printed inline, or on a later "idx: R..." line
		// when something was logged in between, or never when the next
		// instruction is pruned.
		last, lastIdx = -1, -1
		lastDst       = -1
	)
	copyTaint := func(extra []int) map[int]bool {
		m := map[int]bool{}
		for r, t := range taint {
			m[r] = t
		}
		for _, r := range extra {
			m[r] = true
		}
		return m
	}
	resolve := func(next int) error {
		p := pend
		pend = nil
		switch {
		case p.precise && next == p.idx+1:
			cases[p.caseIdx].Pred = 0
		case p.precise && next == p.target:
			cases[p.caseIdx].Pred = 1
		case !p.precise && next == p.idx+1:
			cases[p.caseIdx].Pred = -1
			stack = append(stack, pushed{p.idx, p.target, p.caseIdx, copyTaint(p.lossyTaken)})
			for _, r := range p.lossyFall {
				taint[r] = isConst(cur[r])
			}
		default:
			return fmt.Errorf("jump at %d (precise %v) followed by %d", p.idx, p.precise, next)
		}
		return nil
	}
	for _, l := range log {
		switch {
		case strings.HasPrefix(l, "mark_precise:"):
			if pend != nil {
				pend.precise = true
			}
		case violation.MatchString(l):
			m := violation.FindStringSubmatch(l)
			if pend == nil {
				// Not a branch's: the last instruction's destination.
				if lastDst >= 0 {
					taint[lastDst] = true
				}
				continue
			}
			s := prog[pend.idx]
			r := int(s.Dst)
			if m[2] == "2" {
				if s.Code&insn.SrcX == 0 {
					continue // the immediate's fake register
				}
				r = int(s.Src)
			}
			if m[1] == "true" {
				pend.lossyTaken = append(pend.lossyTaken, r)
			} else {
				pend.lossyFall = append(pend.lossyFall, r)
			}
		case safeLine.MatchString(l):
			last = -1
			n, _ := strconv.Atoi(safeLine.FindStringSubmatch(l)[1])
			if pend != nil {
				if err := resolve(n); err != nil {
					return nil, 0, err
				}
			}
		case fromLine.MatchString(l):
			last = -1
			m := fromLine.FindStringSubmatch(l)
			x, _ := strconv.Atoi(m[1])
			y, _ := strconv.Atoi(m[2])
			if pend != nil {
				return nil, 0, fmt.Errorf("%q while the jump at %d is unresolved", l, pend.idx)
			}
			if len(stack) == 0 {
				return nil, 0, fmt.Errorf("%q with nothing pushed", l)
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if top.idx != x || top.target != y {
				return nil, 0, fmt.Errorf("%q, expected from %d to %d", l, top.idx, top.target)
			}
			taint = top.lossy
			if m[3] == "safe" {
				cur = map[int]string{}
				continue
			}
			cur = regs(m[3])
			for r := range taint {
				// A bounded print shows all there is.
				taint[r] = taint[r] && isConst(cur[r])
			}
			if top.caseIdx >= 0 {
				c := &cases[top.caseIdx]
				c.DstTaken = Clean(cur[int(c.Dst)])
				if c.Code&insn.SrcX != 0 {
					c.SrcTaken = Clean(cur[int(c.Src)])
				}
			}
		case stateLine.MatchString(l):
			m := stateLine.FindStringSubmatch(l)
			n, _ := strconv.Atoi(m[1])
			st := regs(m[2])
			for r, v := range st {
				cur[r] = v
			}
			if last >= 0 && lastIdx == n {
				c := &cases[last]
				if c.DstOut == "" {
					c.DstOut = Clean(st[int(c.Dst)])
				}
				if c.Code&insn.SrcX != 0 && c.SrcOut == "" {
					c.SrcOut = Clean(st[int(c.Src)])
				}
			}
		case insnLine.MatchString(l):
			m := insnLine.FindStringSubmatch(l)
			idx, _ := strconv.Atoi(m[1])
			if pend != nil {
				if err := resolve(idx); err != nil {
					return nil, 0, err
				}
			}
			if idx >= len(prog) {
				return nil, 0, fmt.Errorf("insn %d past the end", idx)
			}
			last, lastIdx, lastDst = -1, idx, -1
			s := prog[idx]
			st := regs(m[4])
			in := func(r uint8) string { return Clean(cur[int(r)]) }
			c := Case{Text: m[3], Code: s.Code, Dst: s.Dst, Off: s.Off, Imm: s.Imm}
			c.DstIn = in(s.Dst)
			x := s.Code&insn.SrcX != 0
			if x {
				c.Src = s.Src
				c.SrcIn = in(s.Src)
			}
			if s.Code == insn.CodeCall {
				for r := 0; r <= 5; r++ {
					delete(cur, r)
					delete(taint, r)
				}
			}
			for r, v := range st {
				cur[r] = v
			}
			// The inputs' taint, and the destination's after a write.
			tainted := taint[int(s.Dst)] || (x && taint[int(s.Src)])
			switch cl := s.Class(); {
			case cl == insn.ClassSTX && s.Mode() == insn.ModeMEM && s.SizeField() == insn.SizeDW && s.Dst == 10 && s.Off == -8:
				slot, slotTaint = Clean(cur[int(s.Src)]), taint[int(s.Src)]
			case cl == insn.ClassLDX && s.Src == 10 && s.Off == -8 && slot != "":
				c.DstIn, c.Src, c.SrcIn = "", s.Src, slot
				c.DstOut = Clean(st[int(s.Dst)])
				taint[int(s.Dst)], lastDst = slotTaint, int(s.Dst)
				if slotTaint {
					lossy++
					break
				}
				cases = append(cases, c)
				last = len(cases) - 1
			case cl == insn.ClassALU || cl == insn.ClassALU64:
				lastDst = int(s.Dst)
				if s.Op() == insn.OpMOV {
					tainted = x && taint[int(s.Src)]
				}
				taint[int(s.Dst)] = tainted
				if (!x && s.Op() == insn.OpMOV) || c.DstIn == "" {
					// A move of a constant, or a first write.
					break
				}
				if tainted {
					lossy++
					break
				}
				if (s.Op() == insn.OpAND || s.Op() == insn.OpOR) && forks(s, c) {
					stack = append(stack, pushed{idx, idx, -1, copyTaint(nil)})
				}
				c.DstOut = Clean(st[int(s.Dst)])
				cases = append(cases, c)
				last = len(cases) - 1
			case (cl == insn.ClassJMP || cl == insn.ClassJMP32) && s.Op() != insn.OpJA &&
				s.Op() != insn.OpCALL && s.Op() != insn.OpEXIT:
				c.DstOut = Clean(st[int(s.Dst)])
				if x {
					c.SrcOut = Clean(st[int(s.Src)])
				}
				if tainted {
					// The outcome and the refinement depend on what the
					// log does not show; the pushes still have to pair.
					lossy++
					c.Code = 0
				}
				cases = append(cases, c)
				last = len(cases) - 1
				pend = &pending{idx: idx, target: idx + int(s.Off) + 1, caseIdx: len(cases) - 1}
			}
		}
	}
	if pend != nil || len(stack) != 0 {
		return nil, 0, fmt.Errorf("log ended with %d pushes unpopped", len(stack))
	}
	// An ALU instruction whose state was never printed (the next one was
	// pruned) has nothing to compare, nor has a lossy jump.
	out := cases[:0]
	for _, c := range cases {
		if c.Code != 0 && (c.DstOut != "" || c.IsJump()) {
			out = append(out, c)
		}
	}
	return out, lossy, nil
}

// isConst reports whether a printed state is a constant: all that
// print_reg_state shows of a scalar whose tnum is constant, whatever its
// bounds.
func isConst(s string) bool { return !strings.HasPrefix(Clean(s), "scalar(") }

// forks tells whether maybe_fork_scalars splits dst: a constant source and
// a dst whose signed range is [-1, 0] in 64 or 32 bits. The test of the
// scalar package checks scalar.Fork against the same recorded cases.
func forks(s insn.Slot, c Case) bool {
	if s.Code&insn.SrcX != 0 {
		src, err := scalar.Parse(c.SrcIn)
		if err != nil || !src.IsConst() {
			return false
		}
	}
	dst, err := scalar.Parse(c.DstIn)
	if err != nil {
		return false
	}
	return (dst.SMin == -1 && dst.SMax == 0) || (dst.S32Min == -1 && dst.S32Max == 0)
}

// IsViolation reports whether l is reg_bounds_sanity_check's report.
func IsViolation(l string) bool { return strings.Contains(l, "REG INVARIANTS VIOLATION") }
