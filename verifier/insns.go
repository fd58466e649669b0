package verifier

import (
	"math"
	"math/bits"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/scalar"
)

// Operand kinds of check_reg_arg.
const (
	srcOp = iota
	dstOp
	dstOpNoMark
)

// checkRegArg models __check_reg_arg (kernel/bpf/verifier.c).
func (e *env) checkRegArg(r uint8, t int) error {
	if e.cfg.Explain {
		defer e.enter("check_reg_arg", e.at)()
	}
	if r >= 11 {
		return e.reject(EINVAL, msgRegInvalid, r)
	}
	e.scratched |= 1 << r
	reg := &e.cur.regs[r]
	if t == srcOp {
		if reg.Type == regstate.NotInit {
			return e.reject(EACCES, msgRegNotRead, r)
		}
		if e.cfg.Explain {
			e.passed("r%d is a register and holds a value (read)", r)
		}
		return nil
	}
	if r == 10 {
		return e.reject(EACCES, msgFPReadOnly)
	}
	if e.cfg.Explain {
		e.passed("r%d is a register other than the read-only r10 (written)", r)
	}
	reg.Written = !e.p.Has(FeatLogNoLiveness) // REG_LIVE_WRITTEN: the 5.9 log prints it
	if t == dstOp {
		e.markUnknown(r)
	}
	return nil
}

// markUnknown is mark_reg_unknown: an unbounded scalar.
func (e *env) markUnknown(r uint8) {
	w := e.cur.regs[r].Written
	e.cur.regs[r] = regstate.Reg{Type: regstate.Scalar, Written: w, Precise: e.unknownPrecise()}
}

// unknownPrecise is __mark_reg_unknown's precise: a privileged loader gets
// imprecise scalars (5.9: precise when there are subprograms).
func (e *env) unknownPrecise() bool { return !e.p.Has(FeatImpreciseUnknown) && len(e.subprogs) > 1 }

// setConst is mark_reg_unknown followed by __mark_reg_known, in one write.
func (e *env) setConst(r uint8, v uint64) {
	reg := &e.cur.regs[r]
	*reg = regstate.Reg{Type: regstate.Scalar, Known: true, Value: v, Written: reg.Written, Precise: e.unknownPrecise()}
}

// checkLdImm models check_ld_imm (v6.18; with RegArgBeforeOff and
// BTFIDInOffs, the RFC's version of the 5.9 function).
func (e *env) checkLdImm(idx int) error {
	s := e.orig[idx]
	p := e.p
	if s.SizeField() != insn.SizeDW {
		return e.reject(EINVAL, msgInvalidLdImm)
	}
	if e.cfg.Explain {
		e.passed("BPF_SIZE is BPF_DW")
	}
	if p.Has(FeatRFCRegArgBeforeOff) {
		if err := e.checkRegArg(s.Dst, dstOp); err != nil {
			return err
		}
		if s.Src == insn.PseudoBTFID && p.Has(FeatRFCBTFIDInOffs) {
			return e.checkLdImmBTFIDRFC(idx)
		}
	}
	if s.Off != 0 {
		return e.reject(EINVAL, msgLdImmReserved)
	}
	if e.cfg.Explain {
		e.passed("insn[0].off is 0")
	}
	if !p.Has(FeatRFCRegArgBeforeOff) {
		// DST_OP; every path below overwrites dst whole, so the unknown
		// scalar mark_reg_unknown would write first is left out.
		if err := e.checkRegArg(s.Dst, dstOpNoMark); err != nil {
			return err
		}
	}
	next := e.orig[idx+1]
	if s.Src == 0 {
		e.setConst(s.Dst, s.Imm64(next))
		return nil
	}
	// The destination is written in place: mark_reg_known_zero, then the
	// type.
	reg := &e.cur.regs[s.Dst]
	w := reg.Written
	switch s.Src {
	case insn.PseudoBTFID:
		*reg = e.btfVars[e.aux[idx].mapIndex]
		reg.Known, reg.Written = true, w
		return nil
	case insn.PseudoFunc:
		// check_ld_imm's first test for a callback: func_info.
		if e.btf == nil || len(e.btf.FuncInfo) == 0 {
			return e.reject(EINVAL, msgMissingFuncInf)
		}
		return e.unsupported("BPF_PSEUDO_FUNC with func_info (a callback, PTR_TO_FUNC) is not modeled")
	}
	m, ref := e.usedMaps[e.aux[idx].mapIndex], e.mapRefs[e.aux[idx].mapIndex]
	switch s.Src {
	case insn.PseudoMapValue, insn.PseudoMapIdxValue:
		if m.Type == btfctx.MapArena {
			e.markUnknown(s.Dst)
			return nil
		}
		// 5.9 gives the value an id when the map has a spin lock; maps
		// declared without BTF have none.
		*reg = regstate.Reg{Type: regstate.PtrToMapValue, Map: ref, Off: int32(e.aux[idx].mapOff), Known: true, Written: w}
	case insn.PseudoMapFD, insn.PseudoMapIdx:
		*reg = regstate.Reg{Type: regstate.ConstPtrToMap, Map: ref, Known: true, Written: w}
	default:
		if p.Has(FeatLdImmSrcFault) {
			return e.reject(EFAULT, msgLdImmSrcBug)
		}
		return e.reject(EINVAL, msgMisconfigured)
	}
	return nil
}

// checkLdImmBTFIDRFC is the RFC's BPF_PSEUDO_BTF_ID branch of check_ld_imm:
//
//	u32 id = ((u32)(insn + 1)->off << 16) | (u32)insn->off;
//	const struct btf_type *t = btf_type_by_id(btf_vmlinux, id);
//	mark_reg_known_zero(env, regs, insn->dst_reg);
//	regs[insn->dst_reg].type = PTR_TO_BTF_ID;
//	regs[insn->dst_reg].btf_id = t->type;
//
// Both offs are s16 and the casts sign-extend; the pre-pass already
// required insn[1].off == 0, so the id is (u32)(s16)insn[0].off. Nothing
// checks t for NULL: where btf_type_by_id returns NULL the kernel oopses.
func (e *env) checkLdImmBTFIDRFC(idx int) error {
	s, next := e.orig[idx], e.orig[idx+1]
	id := uint32(int32(next.Off))<<16 | uint32(int32(s.Off))
	if r, ok := e.rfcIDs[id]; ok && !e.cfg.Explain {
		e.cur.regs[s.Dst] = r // stored Written, as check_reg_arg left it
		return nil
	}
	b, err := e.ctx.Vmlinux()
	if err != nil {
		return err
	}
	if b == nil {
		return e.oops(msgOopsNoBTF, id)
	}
	if e.cfg.Explain {
		e.passed("btf id = (u32)(s16)insn[1].off << 16 | (u32)(s16)insn[0].off = %d << 16 | %d = %d", next.Off, s.Off, id)
	}
	t, ok := b.Type(id)
	if !ok {
		if s.Off < 0 {
			return e.oops(msgOopsSignExt, uint16(s.Off), s.Off, id)
		}
		return e.oops(msgOopsBTFNull, id, s.Off, next.Off, b.NumTypes())
	}
	typeID := b.SizeType(t)
	if e.cfg.Explain {
		e.passed("btf_type_by_id(%d) is the %s %q; t->type reads %d", id, btfctx.KindOf(t), t.TypeName(), typeID)
	}
	r := regstate.Reg{Type: regstate.PtrToBTFID, Known: true, BTFID: typeID, Written: true}
	if ref, ok := b.Type(typeID); ok {
		r.BTFName = ref.TypeName()
	} else {
		r.BTFBad = true
	}
	if e.rfcIDs == nil {
		e.rfcIDs = map[uint32]regstate.Reg{}
	}
	e.rfcIDs[id] = r
	e.cur.regs[s.Dst] = r
	return nil
}

var aluOpName = [16]string{"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian"}

// checkALU models check_alu_op for the modeled values: known scalars,
// fully unknown scalars where the kernel produces one, and pointer ± a
// constant.
func (e *env) checkALU(s insn.Slot) error {
	p := e.p
	op := s.Op()
	is64 := s.Class() == insn.ClassALU64
	regs := &e.cur.regs
	switch {
	case op == insn.OpEND || op == insn.OpNEG:
		if op == insn.OpNEG {
			if s.Source() != insn.SrcK || s.Src != 0 || s.Off != 0 || s.Imm != 0 {
				return e.reject(EINVAL, msgNegReserved)
			}
		} else if s.Src != 0 || s.Off != 0 || (s.Imm != 16 && s.Imm != 32 && s.Imm != 64) ||
			(is64 && (!p.Has(FeatBswap) || s.Source() != insn.SrcK)) {
			return e.reject(EINVAL, msgEndReserved)
		}
		if err := e.checkRegArg(s.Dst, srcOp); err != nil {
			return err
		}
		d := regs[s.Dst]
		exact := d.Type == regstate.Scalar && ((op == insn.OpNEG && p.Has(FeatNegConst)) || (op == insn.OpEND && p.Has(FeatEndConst)))
		if !exact {
			return e.checkRegArg(s.Dst, dstOp)
		}
		if err := e.checkRegArg(s.Dst, dstOpNoMark); err != nil {
			return err
		}
		if !d.Known {
			// adjust_scalar_min_max_vals(dst, dst). NEG starts with
			// __mark_reg_known(dst, 0), which clears the id. BPF_END
			// clears it too, except le64 (ALU, TO_LE, 64: no operation
			// on a little-endian host), which keeps it; that is observed
			// on the live 6.18.44 (le16/le32 clear it even when the value
			// does not change), not read in its source.

			v := scalar.ALU(s.Code, s.Off, s.Imm, d.ScalarValue(), d.ScalarValue())
			if err := v.Check(); err != nil {
				return e.unsupported("reg_bounds_sanity_check fails after the ALU op (REG INVARIANTS VIOLATION is not modeled)")
			}
			keep := op == insn.OpEND && !is64 && s.Source() == insn.SrcK && s.Imm == 64
			if keep && d.AddConst {
				return e.unsupported("le64 of a BPF_ADD_CONST scalar is not modeled")
			}
			regs[s.Dst].SetScalar(v)
			if !keep {
				regs[s.Dst].ID, regs[s.Dst].AddConst, regs[s.Dst].Off = 0, false, 0
			}
			return nil
		}
		var v uint64
		if op == insn.OpNEG {
			v = -d.Value
			if !is64 {
				v = uint64(-uint32(d.Value))
			}
		} else {
			v = endian(d.Value, s.Imm, is64 || s.Source() == insn.SrcX)
		}
		e.setConst(s.Dst, v)
		return nil

	case op == insn.OpMOV:
		return e.checkMov(s, is64)

	case op > insn.OpEND:
		return e.reject(EINVAL, msgInvalidALUOp, op)
	}

	offOK := s.Off == 0 || (p.Has(FeatSDiv) && s.Off == 1 && (op == insn.OpDIV || op == insn.OpMOD))
	if s.Source() == insn.SrcX {
		if s.Imm != 0 || !offOK {
			return e.reject(EINVAL, msgALUReserved)
		}
		if err := e.checkRegArg(s.Src, srcOp); err != nil {
			return err
		}
	} else if s.Src != 0 || !offOK {
		return e.reject(EINVAL, msgALUReserved)
	}
	if err := e.checkRegArg(s.Dst, srcOp); err != nil {
		return err
	}
	if (op == insn.OpMOD || op == insn.OpDIV) && s.Source() == insn.SrcK && s.Imm == 0 {
		return e.reject(EINVAL, msgDivByZero)
	}
	if (op == insn.OpLSH || op == insn.OpRSH || op == insn.OpARSH) && s.Source() == insn.SrcK {
		size := int32(32)
		if is64 {
			size = 64
		}
		if s.Imm < 0 || s.Imm >= size {
			return e.reject(EINVAL, msgInvalidShift, s.Imm)
		}
	}
	if err := e.checkRegArg(s.Dst, dstOpNoMark); err != nil {
		return err
	}
	if e.cfg.Explain {
		e.passed("the reserved fields are 0, and no division by a zero immediate or out-of-range shift")
	}
	return e.adjustRegMinMax(s, is64)
}

// endian is BPF_END on a little-endian host: TO_LE truncates, TO_BE and
// ALU64 bswap swap the low imm bits.
func endian(v uint64, size int32, swap bool) uint64 {
	switch size {
	case 16:
		if swap {
			return uint64(bits.ReverseBytes16(uint16(v)))
		}
		return uint64(uint16(v))
	case 32:
		if swap {
			return uint64(bits.ReverseBytes32(uint32(v)))
		}
		return uint64(uint32(v))
	}
	if swap {
		return bits.ReverseBytes64(v)
	}
	return v
}

func (e *env) checkMov(s insn.Slot, is64 bool) error {
	p := e.p
	if s.Source() == insn.SrcX {
		switch {
		case !p.Has(FeatMovSX):
			if s.Imm != 0 || s.Off != 0 {
				return e.reject(EINVAL, msgMovReserved)
			}
		case !is64:
			if (s.Off != 0 && s.Off != 8 && s.Off != 16) || s.Imm != 0 {
				return e.reject(EINVAL, msgMovReserved)
			}
		case s.Off == 1: // BPF_ADDR_SPACE_CAST
			if s.Imm != 1 && s.Imm != 1<<16 {
				return e.reject(EINVAL, msgAddrSpaceCast)
			}
			if e.arena == nil {
				return e.reject(EINVAL, msgAddrSpaceArena)
			}
			return e.unsupported("addr_space_cast (arena pointers are not modeled)")
		default:
			if (s.Off != 0 && s.Off != 8 && s.Off != 16 && s.Off != 32) || s.Imm != 0 {
				return e.reject(EINVAL, msgMovReserved)
			}
		}
		if err := e.checkRegArg(s.Src, srcOp); err != nil {
			return err
		}
	} else if s.Src != 0 || s.Off != 0 {
		return e.reject(EINVAL, msgMovReserved)
	}
	if err := e.checkRegArg(s.Dst, dstOpNoMark); err != nil {
		return err
	}
	if e.cfg.Explain {
		e.passed("the reserved fields of BPF_MOV are 0")
	}
	if s.Source() == insn.SrcK {
		v := uint64(int64(s.Imm))
		if !is64 {
			v = uint64(uint32(s.Imm))
		}
		e.setConst(s.Dst, v)
		return nil
	}
	src := e.cur.regs[s.Src]
	if src.Type == regstate.Scalar && src.AddConst && (src.Known || src.Width32) {
		return e.unsupported("a move of a constant or 32-bit unknown BPF_ADD_CONST scalar is not modeled")
	}
	if s.Off != 0 {
		// movsx: sign-extend the low off bits.
		if src.Type != regstate.Scalar {
			e.markUnknown(s.Dst)
			if !is64 {
				return e.unsupported("w%d = (s%d)w%d of a pointer (range tracking is not modeled)", s.Dst, s.Off, s.Src)
			}
			return nil
		}
		if !src.Known {
			if !p.Has(WalkRanges) {
				return e.unsupported("sign-extending move of a scalar that is not a constant (range tracking is not modeled)")
			}
			// no_sext: the copy keeps (and first gets) the source's id.
			sv := src.ScalarValue()
			noSext := sv.UMax < 1<<(s.Off-1)
			if noSext {
				src = e.assignScalarID(s.Src)
			}
			if is64 {
				sv = scalar.MovSx64(sv, s.Off)
			} else {
				sv = scalar.MovSx32(sv, s.Off)
			}
			if !noSext {
				src.ID, src.AddConst, src.Off = 0, false, 0
			}
			src.SetScalar(sv)
			e.cur.regs[s.Dst] = src
			return nil
		}
		v := signExtend(src.Value, uint(s.Off))
		if !is64 {
			v = uint64(uint32(v))
		}
		e.setConst(s.Dst, v)
		return nil
	}
	if is64 {
		// copy_register_state; a non-constant scalar gets an id first
		// (assign_scalar_id_before_mov) which both copies share.
		if src.Type == regstate.Scalar && !src.Known {
			src = e.assignScalarID(s.Src)
		}
		src.Written = !e.p.Has(FeatLogNoLiveness)
		e.cur.regs[s.Dst] = src
		return nil
	}
	// w = w: zero-extended copy of a scalar; a pointer becomes unknown
	// (the loader is privileged: no "partial copy of pointer").
	switch {
	case src.Type == regstate.Scalar && src.Known:
		e.setConst(s.Dst, uint64(uint32(src.Value)))
	case p.Has(WalkRanges) && src.Type == regstate.Scalar && src.Ranged:
		// is_src_reg_u32: the copy keeps (and first gets) the id only
		// when the source fits in 32 bits.
		sv := src.ScalarValue()
		if sv.UMax <= 0xffffffff {
			src = e.assignScalarID(s.Src)
		} else {
			src.ID, src.AddConst, src.Off = 0, false, 0
		}
		src.SetScalar(scalar.Mov32(sv))
		e.cur.regs[s.Dst] = src
	case src.Type == regstate.Scalar && src.Width32:
		if src.ID == 0 {
			e.idGen++
			e.cur.regs[s.Src].ID = e.idGen
			src = e.cur.regs[s.Src]
		}
		src.Written = !e.p.Has(FeatLogNoLiveness)
		e.cur.regs[s.Dst] = src
	default:
		e.markUnknown(s.Dst)
		e.cur.regs[s.Dst].Width32 = true
	}
	return nil
}

// assignScalarID is assign_scalar_id_before_mov: a BPF_ADD_CONST link
// of the source is dropped (clear_scalar_id), then a non-constant scalar
// without an id gets a fresh one. It returns the source register as the
// copy takes it.
func (e *env) assignScalarID(r uint8) regstate.Reg {
	reg := &e.cur.regs[r]
	if reg.Type != regstate.Scalar {
		return *reg
	}
	if reg.AddConst {
		reg.ID, reg.AddConst, reg.Off = 0, false, 0
	}
	if !reg.Known && reg.ID == 0 {
		e.idGen++
		reg.ID = e.idGen
	}
	return *reg
}

func signExtend(v uint64, bits uint) uint64 {
	shift := 64 - bits
	return uint64(int64(v<<shift) >> shift)
}

// adjustRegMinMax models adjust_reg_min_max_vals for the modeled values.
func (e *env) adjustRegMinMax(s insn.Slot, is64 bool) error {
	op := s.Op()
	regs := &e.cur.regs
	dst := regs[s.Dst]
	src := regstate.Const(uint64(int64(s.Imm)))
	if s.Source() == insn.SrcX {
		src = regs[s.Src]
		if src.Type != regstate.Scalar {
			if dst.Type != regstate.Scalar {
				if op == insn.OpSUB {
					e.markUnknown(s.Dst)
					return nil
				}
				return e.reject(EACCES, msgPtrPtr, s.Dst, aluOpName[op>>4])
			}
			if err := e.markChainPrecision(int(s.Dst)); err != nil {
				return err
			}
			return e.adjustPtr(s, is64, src, dst, true)
		}
		if dst.Type != regstate.Scalar {
			if err := e.markChainPrecision(int(s.Src)); err != nil {
				return err
			}
			return e.adjustPtr(s, is64, dst, src, false)
		}
	} else if dst.Type != regstate.Scalar {
		return e.adjustPtr(s, is64, dst, src, false)
	}
	return e.adjustScalar(s, is64, dst, src)
}

// adjustScalar models adjust_scalar_min_max_vals on two scalars.
func (e *env) adjustScalar(s insn.Slot, is64 bool, dst, src regstate.Reg) error {
	op := s.Op()
	if e.p.Has(WalkRanges) && (!dst.Known || !src.Known) {
		return e.adjustScalarRanged(s, is64, dst, src)
	}
	safe := false
	switch op {
	case insn.OpADD, insn.OpSUB, insn.OpAND, insn.OpOR, insn.OpMUL:
		safe = true
	case insn.OpXOR:
		safe = e.p.Has(FeatXorRange) // scalar_min_max_xor arrived in v5.10
	case insn.OpLSH, insn.OpRSH, insn.OpARSH:
		width := uint64(32)
		if is64 {
			width = 64
		}
		safe = src.Known && (is64 && src.Value < width || !is64 && uint64(uint32(src.Value)) < width)
		if !src.Known {
			return e.unsupported("shift by a scalar that is not a constant (range tracking is not modeled)")
		}
	}
	if e.p.Has(FeatShiftRangeUmax) {
		// is_safe_to_compute_dst_reg_range (v6.18): an ALU32 shift by a
		// constant tests the 64-bit umax, not the subregister.
		safe = scalar.SafeToCompute(s.Code, src.ScalarValue())
	}
	if !safe {
		// is_safe_to_compute_dst_reg_range is false: __mark_reg_unknown.
		e.markUnknown(s.Dst)
		if src.Known && !is64 && !e.p.Has(FeatShiftRangeUmax) {
			// Before it, a known source reached the switch, whose
			// default (DIV, MOD, XOR before v5.10) and too-wide shifts
			// mark_reg_unknown and break: zext_32_to_64 follows.
			e.cur.regs[s.Dst].Width32 = true
		}
		return nil
	}
	if !dst.Known || !src.Known {
		return e.unsupported("%s on a scalar that is not a constant (range tracking is not modeled)", aluOpName[op>>4])
	}
	a, b := dst.Value, src.Value
	var v uint64
	if is64 {
		switch op {
		case insn.OpADD:
			v = a + b
		case insn.OpSUB:
			v = a - b
		case insn.OpMUL:
			v = a * b
		case insn.OpAND:
			v = a & b
		case insn.OpOR:
			v = a | b
		case insn.OpXOR:
			v = a ^ b
		case insn.OpLSH:
			v = a << b
		case insn.OpRSH:
			v = a >> b
		case insn.OpARSH:
			v = uint64(int64(a) >> b)
		}
	} else {
		x, y := uint32(a), uint32(b)
		var w uint32
		switch op {
		case insn.OpADD:
			w = x + y
		case insn.OpSUB:
			w = x - y
		case insn.OpMUL:
			w = x * y
		case insn.OpAND:
			w = x & y
		case insn.OpOR:
			w = x | y
		case insn.OpXOR:
			w = x ^ y
		case insn.OpLSH:
			w = x << y
		case insn.OpRSH:
			w = x >> y
		case insn.OpARSH:
			w = uint32(int32(x) >> y)
		}
		v = uint64(w)
	}
	e.setConst(s.Dst, v)
	return nil
}

// adjustScalarRanged models adjust_scalar_min_max_vals (v6.18) when an
// operand is not a constant, through scalar.ALU, and the scalar id rule
// of adjust_reg_min_max_vals after it (clear_scalar_id, or the
// BPF_ADD_CONST link, which is not modeled).
func (e *env) adjustScalarRanged(s insn.Slot, is64 bool, dst, src regstate.Reg) error {
	sv := src.ScalarValue()
	dv := dst.ScalarValue()
	if !scalar.SafeToCompute(s.Code, sv) {
		// __mark_reg_unknown; the id goes with it.
		e.markUnknown(s.Dst)
		return nil
	}
	if _, _, fork := scalar.Fork(s.Code, dv, sv); fork {
		return e.unsupported("maybe_fork_scalars (AND/OR of a scalar in [-1, 0]) is not modeled")
	}
	// 6.18 links rX += K and rX -= K (the log's "id=1+2", "id=1-4").
	// Modeled: a 64-bit ADD or SUB on a scalar with a plain id whose delta
	// is in [-S32_MAX, S32_MAX] and not 0, and a second one on a linked
	// register, which clears the id (both observed on the live 6.18.44);
	// ALU32 links and the other deltas are not established here.
	addConst := int64(0)
	if dst.ID != 0 && (s.Op() == insn.OpADD || s.Op() == insn.OpSUB) && sv.IsConst() {
		addConst = int64(sv.VarOff.Value)
		if s.Op() == insn.OpSUB {
			addConst = -addConst
		}
		switch {
		case is64 && dst.AddConst:
			addConst = 0 // clear_scalar_id
		case !is64 || addConst == 0 || addConst < -0x7fffffff || addConst > 0x7fffffff:
			return e.unsupported("rX += K on a linked scalar (BPF_ADD_CONST) of this width or delta is not modeled")
		}
	}
	v := scalar.ALU(s.Code, s.Off, s.Imm, dv, sv)
	if err := v.Check(); err != nil {
		return e.unsupported("reg_bounds_sanity_check fails after the ALU op (REG INVARIANTS VIOLATION is not modeled)")
	}
	r := &e.cur.regs[s.Dst]
	r.SetScalar(v)
	if addConst != 0 {
		r.AddConst, r.Off = true, int32(addConst)
		return nil
	}
	r.ID, r.AddConst, r.Off = 0, false, 0 // clear_scalar_id
	return nil
}

// adjustPtr models adjust_ptr_min_max_vals (v6.18) for a privileged
// loader (bypass_spec_v1: sanitize_ptr_alu and sanitize_check_bounds do
// nothing): a constant accumulates into the fixed offset, a variable
// offset into var_off and the bounds (map values and the stack only:
// other pointer types with a variable offset are not modeled).
func (e *env) adjustPtr(s insn.Slot, is64 bool, ptr, off regstate.Reg, dstIsOff bool) error {
	op := s.Op()
	ov := off.ScalarValue()
	known := ov.VarOff.IsConst()
	if !known && !e.p.Has(WalkMemory) {
		return e.unsupported("pointer arithmetic with a variable offset is not modeled")
	}
	if !is64 {
		if op == insn.OpSUB {
			e.markUnknown(s.Dst)
			return nil
		}
		return e.reject(EACCES, msgPtr32, s.Dst)
	}
	tname := ptr.TypeString()
	if !e.p.Has(FeatLogScalarName) {
		tname = ptr.TypeString59()
	}
	if ptr.Flags&regstate.PtrMaybeNull != 0 {
		return e.reject(EACCES, msgPtrMaybeNull, s.Dst, tname)
	}
	switch ptr.Type {
	case regstate.PtrToCtx, regstate.PtrToMapValue, regstate.PtrToStack, regstate.PtrToBTFID, regstate.PtrToMem, regstate.PtrToFunc,
		regstate.PtrToPacket, regstate.PtrToPacketMeta:
	case regstate.ConstPtrToMap:
		if known && ov.SMin == 0 && op == insn.OpADD {
			break
		}
		return e.reject(EACCES, msgPtrOnType, s.Dst, tname)
	default:
		return e.reject(EACCES, msgPtrOnType, s.Dst, tname)
	}
	varOK := ptr.Type == regstate.PtrToMapValue || ptr.Type == regstate.PtrToStack || ptr.Type.IsPacket() ||
		ptr.Type == regstate.PtrToCtx // check_ptr_off_reg refuses any access through it
	if !known && ptr.Type == regstate.PtrToCtx && !e.p.Has(WalkMemory) {
		varOK = false
	}
	if !known && !varOK {
		return e.unsupported("pointer arithmetic with a variable offset on %s is not modeled", tname)
	}
	pv := ptr.ScalarValue()
	// check_reg_sane_offset of the offset, then of the pointer.
	if err := e.saneOffset(ov, off.Off, tname); err != nil {
		return err
	}
	if err := e.saneOffset(pv, ptr.Off, tname); err != nil {
		return err
	}
	r := ptr
	r.Written = !e.p.Has(FeatLogNoLiveness)
	var nv scalar.Value
	switch op {
	case insn.OpADD:
		if known && int64(ptr.Off)+ov.SMin == int64(int32(int64(ptr.Off)+ov.SMin)) {
			// pointer += K: into the fixed offset.
			r.Off = int32(int64(ptr.Off) + ov.SMin)
			if err := e.saneOffset(pv, r.Off, tname); err != nil {
				return err
			}
			e.cur.regs[s.Dst] = r
			return nil
		}
		nv.SMin, nv.SMax = math.MinInt64, math.MaxInt64
		if a, ok1 := addS64(pv.SMin, ov.SMin); ok1 {
			if b, ok2 := addS64(pv.SMax, ov.SMax); ok2 {
				nv.SMin, nv.SMax = a, b
			}
		}
		nv.UMin, nv.UMax = 0, math.MaxUint64
		if a, c1 := bits.Add64(pv.UMin, ov.UMin, 0); c1 == 0 {
			if b, c2 := bits.Add64(pv.UMax, ov.UMax, 0); c2 == 0 {
				nv.UMin, nv.UMax = a, b
			}
		}
		nv.VarOff = pv.VarOff.Add(ov.VarOff)
		if ptr.Type.IsPacket() {
			// A new base pointer: a new id and no range yet.
			e.idGen++
			r.ID, r.MemSize = e.idGen, 0
		}
	case insn.OpSUB:
		if dstIsOff {
			return e.reject(EACCES, msgSubPtrFromScal, s.Dst)
		}
		if ptr.Type == regstate.PtrToStack {
			return e.reject(EACCES, msgSubFromStack, s.Dst)
		}
		if known && int64(ptr.Off)-ov.SMin == int64(int32(int64(ptr.Off)-ov.SMin)) {
			r.Off = int32(int64(ptr.Off) - ov.SMin)
			if err := e.saneOffset(pv, r.Off, tname); err != nil {
				return err
			}
			e.cur.regs[s.Dst] = r
			return nil
		}
		nv.SMin, nv.SMax = math.MinInt64, math.MaxInt64
		if a, ok1 := subS64(pv.SMin, ov.SMax); ok1 {
			if b, ok2 := subS64(pv.SMax, ov.SMin); ok2 {
				nv.SMin, nv.SMax = a, b
			}
		}
		if pv.UMin < ov.UMax {
			nv.UMin, nv.UMax = 0, math.MaxUint64
		} else {
			nv.UMin, nv.UMax = pv.UMin-ov.UMax, pv.UMax-ov.UMin
		}
		nv.VarOff = pv.VarOff.Sub(ov.VarOff)
		if ptr.Type.IsPacket() {
			e.idGen++
			r.ID = e.idGen
			if ov.SMin < 0 {
				r.MemSize = 0
			}
		}
	case insn.OpAND, insn.OpOR, insn.OpXOR:
		return e.reject(EACCES, msgPtrBitwise, s.Dst, aluOpName[op>>4])
	default:
		return e.reject(EACCES, msgPtrArithOp, s.Dst, aluOpName[op>>4])
	}
	// "pointer types do not carry 32-bit bounds at the moment"
	// (__mark_reg32_unbounded), then reg_bounds_sync.
	nv.Mark32Unbounded()
	nv.Sync()
	if err := e.saneOffset(nv, r.Off, tname); err != nil {
		return err
	}
	setPtrOffset(&r, nv)
	e.cur.regs[s.Dst] = r
	return nil
}

// setPtrOffset gives a pointer the variable part of its offset: a
// constant var_off is Known (its value), anything else Ranged.
func setPtrOffset(r *regstate.Reg, v scalar.Value) {
	r.Known, r.Value, r.Ranged, r.Range = false, 0, false, scalar.Value{}
	if v.VarOff.IsConst() {
		r.Known, r.Value = true, v.VarOff.Value
		return
	}
	r.Ranged, r.Range = true, v
}

// saneOffset models check_reg_sane_offset: each refusal is EINVAL.
func (e *env) saneOffset(v scalar.Value, off int32, tname string) error {
	if v.VarOff.IsConst() {
		if val := int64(v.VarOff.Value); val >= maxVarOff || val <= -maxVarOff {
			return e.reject(EINVAL, msgPtrMath, tname, val)
		}
	}
	if off >= maxVarOff || off <= -maxVarOff {
		return e.reject(EINVAL, msgPtrOffset, tname, off)
	}
	if v.SMin == math.MinInt64 {
		return e.reject(EINVAL, msgPtrUnboundedMin, tname)
	}
	if v.SMin >= maxVarOff || v.SMin <= -maxVarOff {
		return e.reject(EINVAL, msgPtrOutOfBounds, v.SMin, tname)
	}
	return nil
}

// addS64 and subS64 are check_add_overflow and check_sub_overflow on s64.
func addS64(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func subS64(a, b int64) (int64, bool) {
	c := a - b
	return c, (c < a) == (b > 0)
}
