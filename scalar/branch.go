package scalar

import "math/bits"

// BranchTaken models is_scalar_branch_taken (Linux 6.18) for "if a op b
// goto": 1 when the branch is taken for every pair of values, 0 when it is
// taken for none, -1 when the bounds cannot tell. op is a conditional jump
// (JEQ ... JSLE); is32 compares the lower 32 bits (BPF_JMP32). For a
// BPF_K comparison b is Imm(imm).
func BranchTaken(a, b Value, op uint8, is32 bool) int {
	t1, t2 := a.VarOff, b.VarOff
	umin1, umax1, smin1, smax1 := a.UMin, a.UMax, a.SMin, a.SMax
	umin2, umax2, smin2, smax2 := b.UMin, b.UMax, b.SMin, b.SMax
	if is32 {
		t1, t2 = t1.Subreg(), t2.Subreg()
		umin1, umax1, smin1, smax1 = uint64(a.U32Min), uint64(a.U32Max), int64(a.S32Min), int64(a.S32Max)
		umin2, umax2, smin2, smax2 = uint64(b.U32Min), uint64(b.U32Max), int64(b.S32Min), int64(b.S32Max)
	}
	switch op {
	case JEQ, JNE:
		// taken is what JEQ answers; JNE is its negation.
		taken := -1
		switch {
		case t1.IsConst() && t2.IsConst():
			taken = b2i(t1.Value == t2.Value)
		case !t1.Overlap(t2):
			taken = 0
		case umin1 > umax2 || umax1 < umin2:
			// Non-overlapping ranges.
			taken = 0
		case smin1 > smax2 || smax1 < smin2:
			taken = 0
		case !is32 && (a.U32Min > b.U32Max || a.U32Max < b.U32Min ||
			a.S32Min > b.S32Max || a.S32Max < b.S32Min):
			// The 64-bit ranges are inconclusive but the 32-bit
			// subranges rule equality out.
			taken = 0
		}
		if taken >= 0 && op == JNE {
			taken = 1 - taken
		}
		return taken
	case JSET:
		if !isConst(b, is32) {
			a, b = b, a
			t1, t2 = t2, t1
		}
		if !isConst(b, is32) {
			return -1
		}
		if (^t1.Mask&t1.Value)&t2.Value != 0 {
			return 1
		}
		if (t1.Mask|t1.Value)&t2.Value == 0 {
			return 0
		}
	case JGT:
		if umin1 > umax2 {
			return 1
		} else if umax1 <= umin2 {
			return 0
		}
	case JSGT:
		if smin1 > smax2 {
			return 1
		} else if smax1 <= smin2 {
			return 0
		}
	case JLT:
		if umax1 < umin2 {
			return 1
		} else if umin1 >= umax2 {
			return 0
		}
	case JSLT:
		if smax1 < smin2 {
			return 1
		} else if smin1 >= smax2 {
			return 0
		}
	case JGE:
		if umin1 >= umax2 {
			return 1
		} else if umax1 < umin2 {
			return 0
		}
	case JSGE:
		if smin1 >= smax2 {
			return 1
		} else if smax1 < smin2 {
			return 0
		}
	case JLE:
		if umax1 <= umin2 {
			return 1
		} else if umin1 > umax2 {
			return 0
		}
	case JSLE:
		if smax1 <= smin2 {
			return 1
		} else if smin1 > smax2 {
			return 0
		}
	}
	return -1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isConst models is_reg_const for a scalar: the tnum (or its lower 32 bits)
// is a constant.
func isConst(v Value, is32 bool) bool {
	if is32 {
		return v.VarOff.SubregIsConst()
	}
	return v.VarOff.IsConst()
}

// constValue models reg_const_value.
func constValue(v Value, is32 bool) uint64 {
	if is32 {
		return uint64(uint32(v.VarOff.Value))
	}
	return v.VarOff.Value
}

// FlipOpcode models flip_opcode: the operation that compares b with a as
// op compares a with b.
func FlipOpcode(op uint8) uint8 {
	switch op {
	case JGE:
		return JLE
	case JGT:
		return JLT
	case JLE:
		return JGE
	case JLT:
		return JGT
	case JSGE:
		return JSLE
	case JSGT:
		return JSLT
	case JSLE:
		return JSGE
	case JSLT:
		return JSGT
	}
	return op // JEQ, JNE, JSET
}

// RevOpcode models rev_opcode: the condition of the false branch (JSET's
// is JSETNot). It returns 0 for an operation that is no conditional jump.
func RevOpcode(op uint8) uint8 {
	switch op {
	case JEQ:
		return JNE
	case JNE:
		return JEQ
	case JSET:
		return JSETNot
	case JSETNot:
		return JSET
	case JGE:
		return JLT
	case JGT:
		return JLE
	case JLE:
		return JGT
	case JLT:
		return JGE
	case JSGE:
		return JSLT
	case JSGT:
		return JSLE
	case JSLE:
		return JSGT
	case JSLT:
		return JSGE
	}
	return 0
}

// RefineCond models regs_refine_cond_op (Linux 6.18): a and b narrowed by
// the knowledge that "a op b" holds, without the reg_bounds_sync the
// kernel runs afterwards (SetMinMax does both). op is a conditional jump
// or JSETNot.
func RefineCond(a, b Value, op uint8, is32 bool) (Value, Value) {
	refineCondOp(&a, &b, op, is32)
	return a, b
}

// refineCondOp is regs_refine_cond_op on the kernel's pointers: r1 and r2
// are the same Value for "if rX op rX".
func refineCondOp(r1, r2 *Value, op uint8, is32 bool) {
	// GE, GT, SGE and SGT reuse the LE, LT, SLE and SLT logic.
	switch op {
	case JGE, JGT, JSGE, JSGT:
		op = FlipOpcode(op)
		r1, r2 = r2, r1
	}
	switch op {
	case JEQ:
		if is32 {
			r1.U32Min = max(r1.U32Min, r2.U32Min)
			r1.U32Max = min(r1.U32Max, r2.U32Max)
			r1.S32Min = max(r1.S32Min, r2.S32Min)
			r1.S32Max = min(r1.S32Max, r2.S32Max)
			r2.U32Min, r2.U32Max = r1.U32Min, r1.U32Max
			r2.S32Min, r2.S32Max = r1.S32Min, r1.S32Max
			t := r1.VarOff.Subreg().Intersect(r2.VarOff.Subreg())
			r1.VarOff = r1.VarOff.WithSubreg(t)
			r2.VarOff = r2.VarOff.WithSubreg(t)
		} else {
			r1.UMin = max(r1.UMin, r2.UMin)
			r1.UMax = min(r1.UMax, r2.UMax)
			r1.SMin = max(r1.SMin, r2.SMin)
			r1.SMax = min(r1.SMax, r2.SMax)
			r2.UMin, r2.UMax = r1.UMin, r1.UMax
			r2.SMin, r2.SMax = r1.SMin, r1.SMax
			r1.VarOff = r1.VarOff.Intersect(r2.VarOff)
			r2.VarOff = r1.VarOff
		}
	case JNE:
		if !isConst(*r2, is32) {
			r1, r2 = r2, r1
		}
		if !isConst(*r2, is32) {
			break
		}
		// Move a bound of r1 that is exactly the constant.
		val := constValue(*r2, is32)
		if is32 {
			if r1.U32Min == uint32(val) {
				r1.U32Min++
			}
			if r1.U32Max == uint32(val) {
				r1.U32Max--
			}
			if r1.S32Min == int32(val) {
				r1.S32Min++
			}
			if r1.S32Max == int32(val) {
				r1.S32Max--
			}
		} else {
			if r1.UMin == val {
				r1.UMin++
			}
			if r1.UMax == val {
				r1.UMax--
			}
			if r1.SMin == int64(val) {
				r1.SMin++
			}
			if r1.SMax == int64(val) {
				r1.SMax--
			}
		}
	case JSET:
		if !isConst(*r2, is32) {
			r1, r2 = r2, r1
		}
		if !isConst(*r2, is32) {
			break
		}
		val := constValue(*r2, is32)
		// "r1 & val" being true says which bit is set only for a
		// single-bit val.
		if val == 0 || bits.OnesCount64(val) != 1 {
			break
		}
		if is32 {
			t := r1.VarOff.Subreg().Or(tnumConst(val))
			r1.VarOff = r1.VarOff.WithSubreg(t)
		} else {
			r1.VarOff = r1.VarOff.Or(tnumConst(val))
		}
	case JSETNot:
		if !isConst(*r2, is32) {
			r1, r2 = r2, r1
		}
		if !isConst(*r2, is32) {
			break
		}
		val := constValue(*r2, is32)
		// Forget the ranges before narrowing the tnum, against
		// invariant violations on a dead branch.
		r1.MarkUnbounded()
		if is32 {
			t := r1.VarOff.Subreg().And(tnumConst(^val))
			r1.VarOff = r1.VarOff.WithSubreg(t)
		} else {
			r1.VarOff = r1.VarOff.And(tnumConst(^val))
		}
	case JLE:
		if is32 {
			r1.U32Max = min(r1.U32Max, r2.U32Max)
			r2.U32Min = max(r1.U32Min, r2.U32Min)
		} else {
			r1.UMax = min(r1.UMax, r2.UMax)
			r2.UMin = max(r1.UMin, r2.UMin)
		}
	case JLT:
		if is32 {
			r1.U32Max = min(r1.U32Max, r2.U32Max-1)
			r2.U32Min = max(r1.U32Min+1, r2.U32Min)
		} else {
			r1.UMax = min(r1.UMax, r2.UMax-1)
			r2.UMin = max(r1.UMin+1, r2.UMin)
		}
	case JSLE:
		if is32 {
			r1.S32Max = min(r1.S32Max, r2.S32Max)
			r2.S32Min = max(r1.S32Min, r2.S32Min)
		} else {
			r1.SMax = min(r1.SMax, r2.SMax)
			r2.SMin = max(r1.SMin, r2.SMin)
		}
	case JSLT:
		if is32 {
			r1.S32Max = min(r1.S32Max, r2.S32Max-1)
			r2.S32Min = max(r1.S32Min+1, r2.S32Min)
		} else {
			r1.SMax = min(r1.SMax, r2.SMax-1)
			r2.SMin = max(r1.SMin+1, r2.SMin)
		}
	}
}

// SetMinMax models reg_set_min_max for two scalars: the values of a and b
// on the branch where "a op b" holds (taken) and where it does not
// (fallthrough), each refined by RefineCond and then Sync. The kernel
// then runs reg_bounds_sanity_check on all four (Check). It is only called
// when BranchTaken is -1; for one register on both sides see
// SetMinMaxSame.
func SetMinMax(a, b Value, op uint8, is32 bool) (takenA, takenB, fallA, fallB Value) {
	fallA, fallB = RefineCond(a, b, RevOpcode(op), is32)
	fallA.Sync()
	fallB.Sync()
	takenA, takenB = RefineCond(a, b, op, is32)
	takenA.Sync()
	takenB.Sync()
	return takenA, takenB, fallA, fallB
}

// SetMinMaxSame is SetMinMax for "if rX op rX", one register on both sides
// (BranchTaken(a, a, op, is32) is -1): in Linux 6.18 reg_set_min_max
// refines the register against itself through two pointers to it, so that
// each side's update lands on the other, and syncs it twice. "if r1 >= r1"
// thus leaves r1 at its bounds moved inwards by one on the fall-through
// path, where the condition is false and the path is dead.
func SetMinMaxSame(a Value, op uint8, is32 bool) (taken, fall Value) {
	fall = a
	refineCondOp(&fall, &fall, RevOpcode(op), is32)
	fall.Sync()
	fall.Sync()
	taken = a
	refineCondOp(&taken, &taken, op, is32)
	taken.Sync()
	taken.Sync()
	return taken, fall
}
