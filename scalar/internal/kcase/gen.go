// Package kcase makes the programs whose level-2 logs the scalar package is
// checked against, and reads the cases out of those logs: one case per
// executed ALU, MOV or conditional-jump instruction, with the kernel's
// printed state of its operands before and after it.
//
// It is shared by the recorder (scalar/record, go generate) and the live
// test; the recorded cases replay without root.
package kcase

import (
	"fmt"
	"math/rand/v2"

	"github.com/verisim/verisim/insn"
)

// Program is one generated stream and its name.
type Program struct {
	Name  string
	Slots []insn.Slot
}

// body is the set of registers the generated instructions work on: r0 is
// the helper's return and r1-r5 are clobbered by calls.
var body = []uint8{6, 7, 8, 9}

// imms is a palette of immediates that meet the bounds' edges.
var imms = []int32{0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 31, 32, 63, 64, 100, 127, 128, 255, 256, 0xfff, 0x1000,
	0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, -1, -2, -3, -8, -16, -128, -129, -256, -0x8000,
	-0x10000, 0x12345678, -0x12345678, 0x0ff0, 0x3c, 0x55555555, -0x55555556, 0x40000000}

type gen struct {
	r     *rand.Rand
	slots []insn.Slot
}

func (g *gen) imm() int32 {
	switch g.r.IntN(4) {
	case 0:
		return g.r.Int32()
	case 1:
		return int32(g.r.IntN(512)) - 256
	default:
		return imms[g.r.IntN(len(imms))]
	}
}

func (g *gen) emit(s ...insn.Slot) { g.slots = append(g.slots, s...) }

// unlink ends the scalar id a register-to-register move gave dst: the
// first 64-bit "+= 0" turns it into a BPF_ADD_CONST link, the second
// clears it (adjust_reg_min_max_vals). Without it, a conditional jump on
// one register would refine its copy silently (sync_linked_regs), and the
// copy's state in the log would go stale.
func (g *gen) unlink(dst uint8) {
	g.emit(insn.Slot{Code: insn.ClassALU64 | insn.OpADD, Dst: dst},
		insn.Slot{Code: insn.ClassALU64 | insn.OpADD, Dst: dst})
}

var aluOps = []uint8{insn.OpADD, insn.OpSUB, insn.OpMUL, insn.OpDIV, insn.OpOR, insn.OpAND, insn.OpLSH,
	insn.OpRSH, insn.OpNEG, insn.OpMOD, insn.OpXOR, insn.OpMOV, insn.OpARSH, insn.OpEND}

// shapeOps are the operations the prologue shapes a fresh unknown with.
var shapeOps = []uint8{insn.OpAND, insn.OpAND, insn.OpOR, insn.OpADD, insn.OpSUB, insn.OpLSH, insn.OpRSH,
	insn.OpARSH, insn.OpMUL, insn.OpXOR, insn.OpNEG}

// alu emits one ALU or ALU64 instruction on dst; src is a register for the
// X form, or -1 to choose.
func (g *gen) alu(op uint8, dst uint8, regs []uint8) {
	class := uint8(insn.ClassALU64)
	if g.r.IntN(3) == 0 {
		class = insn.ClassALU
	}
	width := int32(64)
	if class == insn.ClassALU {
		width = 32
	}
	s := insn.Slot{Code: class | op, Dst: dst}
	x := regs != nil && g.r.IntN(3) == 0
	switch op {
	case insn.OpNEG:
	case insn.OpEND:
		s.Imm = []int32{16, 32, 64}[g.r.IntN(3)]
		if class == insn.ClassALU && g.r.IntN(2) == 0 {
			s.Code |= insn.SrcX // to big endian
		}
	case insn.OpMOV:
		if regs == nil || g.r.IntN(6) == 0 {
			s.Imm = g.imm()
			break
		}
		s.Code |= insn.SrcX
		s.Src = regs[g.r.IntN(len(regs))]
		if class == insn.ClassALU {
			s.Off = []int16{0, 8, 16}[g.r.IntN(3)]
		} else {
			s.Off = []int16{0, 8, 16, 32}[g.r.IntN(4)]
		}
		g.emit(s)
		if s.Src != s.Dst {
			g.unlink(s.Dst)
		}
		return
	case insn.OpLSH, insn.OpRSH, insn.OpARSH:
		if x {
			s.Code |= insn.SrcX
			s.Src = regs[g.r.IntN(len(regs))]
		} else if g.r.IntN(3) == 0 {
			s.Imm = []int32{0, 1, width / 2, width - 1}[g.r.IntN(4)]
		} else {
			s.Imm = g.r.Int32N(width)
		}
	case insn.OpDIV, insn.OpMOD:
		s.Off = int16(g.r.IntN(2)) // signed when 1
		if x {
			s.Code |= insn.SrcX
			s.Src = regs[g.r.IntN(len(regs))]
		} else if s.Imm = g.imm(); s.Imm == 0 {
			s.Imm = 3
		}
	default:
		if x {
			s.Code |= insn.SrcX
			s.Src = regs[g.r.IntN(len(regs))]
		} else {
			s.Imm = g.imm()
		}
	}
	g.emit(s)
}

var jmpOps = []uint8{insn.OpJEQ, insn.OpJNE, insn.OpJGT, insn.OpJGE, insn.OpJLT, insn.OpJLE,
	insn.OpJSGT, insn.OpJSGE, insn.OpJSLT, insn.OpJSLE, insn.OpJSET}

// jump emits "if dst op src/imm goto +1" and one instruction the taken
// branch skips.
func (g *gen) jump(dst uint8) {
	class := uint8(insn.ClassJMP)
	if g.r.IntN(3) == 0 {
		class = insn.ClassJMP32
	}
	s := insn.Slot{Code: class | jmpOps[g.r.IntN(len(jmpOps))], Dst: dst, Off: 1}
	if g.r.IntN(3) == 0 {
		s.Code |= insn.SrcX
		s.Src = body[g.r.IntN(len(body))]
	} else {
		s.Imm = g.imm()
	}
	g.emit(s)
	op := aluOps[g.r.IntN(len(aluOps))]
	for op == insn.OpMOV {
		op = aluOps[g.r.IntN(len(aluOps))]
	}
	g.alu(op, body[g.r.IntN(len(body))], body)
}

// fill emits a spill of src to the stack and a narrower load of it back
// into dst, zero-extending (BPF_MEM) or sign-extending (BPF_MEMSX): the
// kernel copies the spilled register and coerces it (coerce_reg_to_size,
// coerce_reg_to_size_sx). The spill may give src an id that the fill
// shares; dst is unlinked.
func (g *gen) fill(dst, src uint8) {
	g.emit(insn.Slot{Code: insn.ClassSTX | insn.ModeMEM | insn.SizeDW, Dst: 10, Src: src, Off: -8})
	mode := []uint8{insn.ModeMEM, insn.ModeMEMSX}[g.r.IntN(2)]
	size := []uint8{insn.SizeB, insn.SizeH, insn.SizeW}[g.r.IntN(3)]
	g.emit(insn.Slot{Code: insn.ClassLDX | mode | size, Dst: dst, Src: 10, Off: -8})
	g.unlink(dst)
}

// Generate returns n programs from seed: each starts four unknowns from
// bpf_get_prandom_u32 (a full 64-bit unknown in 6.18), shapes each with a
// few ALU operations on constants and moves it to r6-r9, then runs a random
// mix of ALU, ALU32, MOV, NEG, END, spills with narrower (sign-extending)
// fills, and conditional jumps (at most maxJumps, each skipping one
// instruction) over r6-r9, and exits with r0 = 0. The same seed gives the
// same programs.
func Generate(seed uint64, n int) []Program {
	const maxJumps = 7
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Program, 0, n)
	for i := 0; i < n; i++ {
		g := &gen{r: r}
		for _, reg := range body {
			g.emit(insn.Slot{Code: insn.CodeCall, Imm: 7}) // bpf_get_prandom_u32
			for k := r.IntN(5); k > 0; k-- {
				g.alu(shapeOps[r.IntN(len(shapeOps))], 0, nil)
			}
			g.emit(insn.Slot{Code: insn.ClassALU64 | insn.OpMOV | insn.SrcX, Dst: reg, Src: 0})
			g.unlink(reg)
		}
		jumps := 0
		for k := 20 + r.IntN(30); k > 0; k-- {
			dst := body[r.IntN(len(body))]
			if jumps < maxJumps && r.IntN(4) == 0 {
				g.jump(dst)
				jumps++
				continue
			}
			if r.IntN(16) == 0 {
				g.fill(dst, body[r.IntN(len(body))])
				continue
			}
			g.alu(aluOps[r.IntN(len(aluOps))], dst, body)
		}
		g.emit(insn.Slot{Code: insn.ClassALU64 | insn.OpMOV, Dst: 0}, insn.Slot{Code: insn.CodeExit})
		out = append(out, Program{Name: fmt.Sprintf("scalar/%d/%d", seed, i), Slots: g.slots})
	}
	return out
}

// Edges returns hand-written programs for paths the random ones rarely
// take: a refinement of one register against itself that ends in an
// invariant violation (and the kernel's fallback), the ranges that meet
// their tnum in one value (__update_reg64_bounds with tnum_step), the
// forks of maybe_fork_scalars in 64 and 32 bits, JSET's false branch, a
// lossy state, and DIV and MOD of constants.
func Edges() []Program {
	call := insn.Slot{Code: insn.CodeCall, Imm: 7}
	mov := func(dst, src uint8) []insn.Slot {
		return []insn.Slot{{Code: insn.ClassALU64 | insn.OpMOV | insn.SrcX, Dst: dst, Src: src},
			{Code: insn.ClassALU64 | insn.OpADD, Dst: dst}, {Code: insn.ClassALU64 | insn.OpADD, Dst: dst}}
	}
	alu := func(code uint8, dst uint8, imm int32) insn.Slot { return insn.Slot{Code: code, Dst: dst, Imm: imm} }
	jmp := func(code uint8, dst uint8, imm int32) insn.Slot {
		return insn.Slot{Code: code, Dst: dst, Imm: imm, Off: 1}
	}
	jmpX := func(code uint8, dst, src uint8) insn.Slot {
		return insn.Slot{Code: code | insn.SrcX, Dst: dst, Src: src, Off: 1}
	}
	filler := alu(insn.ClassALU64|insn.OpMOV, 1, 0)
	exit := []insn.Slot{alu(insn.ClassALU64|insn.OpMOV, 0, 0), {Code: insn.CodeExit}}
	var out []Program
	add := func(name string, parts ...[]insn.Slot) {
		var s []insn.Slot
		for _, p := range parts {
			s = append(s, p...)
		}
		out = append(out, Program{Name: "edge/" + name, Slots: append(s, exit...)})
	}
	const (
		and64 = insn.ClassALU64 | insn.OpAND
		or64  = insn.ClassALU64 | insn.OpOR
		or32  = insn.ClassALU | insn.OpOR
		and32 = insn.ClassALU | insn.OpAND
		arsh  = insn.ClassALU64 | insn.OpARSH
		arsh3 = insn.ClassALU | insn.OpARSH
	)
	// The taken path lands past an exit of its own, where no state was
	// seen, so that its state is printed and not pruned at once.
	for _, op := range []uint8{insn.OpJGT, insn.OpJLT, insn.OpJSGT, insn.OpJSLT, insn.OpJNE} {
		for _, class := range []uint8{insn.ClassJMP, insn.ClassJMP32} {
			j := jmpX(class|op, 6, 6)
			j.Off = 2
			add(fmt.Sprintf("same/%#x", class|op), []insn.Slot{call, alu(and64, 0, 1)}, mov(6, 0),
				[]insn.Slot{j}, exit, []insn.Slot{filler})
		}
	}
	// 0xe00 or 0xf00, then compared with each.
	for _, k := range []int32{0xe00, 0xf00} {
		add(fmt.Sprintf("tnum_step/%#x", k), []insn.Slot{call, alu(or64, 0, 0xe00), alu(and64, 0, 0xf00)}, mov(6, 0),
			[]insn.Slot{jmp(insn.ClassJMP|insn.OpJEQ, 6, k), filler, jmp(insn.ClassJMP|insn.OpJEQ, 6, 0xe00^0xf00^k), filler})
	}
	// x1x0 in [3, 12]: members 4 (and 6, 12, 14); the range meets it in
	// between.
	add("tnum_step/between", []insn.Slot{call, alu(and64, 0, 0xa), alu(or64, 0, 4)}, mov(6, 0),
		[]insn.Slot{jmp(insn.ClassJMP|insn.OpJLT, 6, 5), filler, jmp(insn.ClassJMP|insn.OpJGT, 6, 5), filler})
	// [-1, 0] in 64 and in 32 bits, ANDed and ORed with constants.
	for _, op := range []uint8{and64, or64, and32, or32} {
		add(fmt.Sprintf("fork64/%#x", op), []insn.Slot{call, alu(arsh, 0, 63)}, mov(6, 0), []insn.Slot{alu(op, 6, 5)})
		add(fmt.Sprintf("fork32/%#x", op), []insn.Slot{call, alu(arsh3, 0, 31)}, mov(6, 0), []insn.Slot{alu(op, 6, 5)})
	}
	for _, k := range []int32{1, 2, 4, 6, 0x80000000 - 1} {
		add(fmt.Sprintf("jset/%d", k), []insn.Slot{call}, mov(6, 0),
			[]insn.Slot{jmp(insn.ClassJMP|insn.OpJSET, 6, k), filler, jmp(insn.ClassJMP32|insn.OpJSET, 6, k), filler})
	}
	// r9 a multiple of 1<<50 and at least 0x1000, then below a u32: no
	// value is left, the sanity check fails and r9 keeps a constant tnum
	// with unbounded ranges, which the log prints as the constant alone
	// (the next jump on r9 is lossy, see Parse).
	add("lossy", []insn.Slot{call, alu(insn.ClassALU64|insn.OpLSH, 0, 50)}, mov(9, 0),
		[]insn.Slot{call, {Code: insn.ClassALU | insn.OpMOV | insn.SrcX, Dst: 0, Src: 0}}, mov(6, 0),
		[]insn.Slot{jmp(insn.ClassJMP|insn.OpJLT, 9, 0x1000), filler, jmpX(insn.ClassJMP|insn.OpJGE, 9, 6), filler,
			jmpX(insn.ClassJMP|insn.OpJSGE, 6, 9), filler})
	for _, op := range []uint8{insn.OpDIV, insn.OpMOD} {
		for _, off := range []int16{0, 1} {
			add(fmt.Sprintf("divmod/%#x/%d", op, off), []insn.Slot{alu(insn.ClassALU64|insn.OpMOV, 6, -7),
				{Code: insn.ClassALU64 | op, Dst: 6, Off: off, Imm: 2}, alu(insn.ClassALU64|insn.OpMOV, 7, 9),
				{Code: insn.ClassALU | op, Dst: 7, Off: off, Imm: -2}})
		}
	}
	return out
}
