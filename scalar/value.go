package scalar

import (
	"fmt"
	"math"

	"github.com/verisim/verisim/tnum"
)

// Value is the scalar part of struct bpf_reg_state
// (include/linux/bpf_verifier.h): the tnum and the signed and unsigned
// 64-bit and 32-bit bounds. A Value stands for every 64-bit x that lies in
// VarOff and within all eight bounds (Contains).
//
// The zero Value is the constant 0, Known(0).
type Value struct {
	VarOff         tnum.Tnum
	SMin, SMax     int64
	UMin, UMax     uint64
	S32Min, S32Max int32
	U32Min, U32Max uint32
}

// Known models ___mark_reg_known (the scalar fields __mark_reg_known sets):
// the constant imm.
func Known(imm uint64) Value {
	var v Value
	v.MarkKnown(imm)
	return v
}

// Imm is the source operand the kernel builds for an instruction's
// immediate (adjust_reg_min_max_vals and check_cond_jmp_op:
// __mark_reg_known(&fake_reg, insn->imm)): imm sign-extended to 64 bits.
func Imm(imm int32) Value { return Known(uint64(int64(imm))) }

// Unknown models __mark_reg_unknown (__mark_reg_unknown_imprecise) for
// the scalar fields: any 64-bit value.
func Unknown() Value {
	var v Value
	v.VarOff = tnum.Unknown
	v.MarkUnbounded()
	return v
}

// MarkKnown models ___mark_reg_known: every field says imm.
func (v *Value) MarkKnown(imm uint64) {
	v.VarOff = tnum.Const(imm)
	v.SMin, v.SMax = int64(imm), int64(imm)
	v.UMin, v.UMax = imm, imm
	v.S32Min, v.S32Max = int32(imm), int32(imm)
	v.U32Min, v.U32Max = uint32(imm), uint32(imm)
}

// MarkKnown32 models __mark_reg32_known: the lower 32 bits are imm, the
// 64-bit bounds are left as they are.
func (v *Value) MarkKnown32(imm uint64) {
	v.VarOff = v.VarOff.ConstSubreg(uint32(imm))
	v.S32Min, v.S32Max = int32(imm), int32(imm)
	v.U32Min, v.U32Max = uint32(imm), uint32(imm)
}

// MarkUnbounded models __mark_reg_unbounded: all eight bounds unbounded,
// the tnum kept.
func (v *Value) MarkUnbounded() {
	v.Mark64Unbounded()
	v.Mark32Unbounded()
}

// Mark64Unbounded models __mark_reg64_unbounded.
func (v *Value) Mark64Unbounded() {
	v.SMin, v.SMax = math.MinInt64, math.MaxInt64
	v.UMin, v.UMax = 0, math.MaxUint64
}

// Mark32Unbounded models __mark_reg32_unbounded.
func (v *Value) Mark32Unbounded() {
	v.S32Min, v.S32Max = math.MinInt32, math.MaxInt32
	v.U32Min, v.U32Max = 0, math.MaxUint32
}

// IsConst reports whether the tnum is a constant, as tnum_is_const on
// var_off (which is what the log and the verifier test).
func (v Value) IsConst() bool { return v.VarOff.IsConst() }

// IsConst32 models is_reg_const(reg, true)'s test on the lower 32 bits:
// tnum_subreg_is_const.
func (v Value) IsConst32() bool { return v.VarOff.SubregIsConst() }

// Contains reports whether x satisfies every part of v: the tnum and the
// eight bounds. This is the set of values v stands for.
func (v Value) Contains(x uint64) bool {
	return v.VarOff.Contains(x) &&
		v.UMin <= x && x <= v.UMax &&
		v.SMin <= int64(x) && int64(x) <= v.SMax &&
		v.U32Min <= uint32(x) && uint32(x) <= v.U32Max &&
		v.S32Min <= int32(x) && int32(x) <= v.S32Max
}

// Check models reg_bounds_sanity_check: nil when the bounds are ordered and
// a constant tnum (or subregister) agrees with them, otherwise an error
// whose text is the kernel's (the part after "REG INVARIANTS VIOLATION
// (ctx): "). The kernel then reports a verifier bug and, unless the program
// was loaded with BPF_F_TEST_REG_INVARIANTS, marks the register unbounded
// (MarkUnbounded) and goes on.
func (v Value) Check() error {
	var msg string
	switch {
	case v.UMin > v.UMax || v.SMin > v.SMax || v.U32Min > v.U32Max || v.S32Min > v.S32Max:
		msg = "range bounds violation"
	case v.VarOff.IsConst() && (v.UMin != v.VarOff.Value || v.UMax != v.VarOff.Value ||
		v.SMin != int64(v.VarOff.Value) || v.SMax != int64(v.VarOff.Value)):
		msg = "const tnum out of sync with range bounds"
	case v.VarOff.SubregIsConst() && (v.U32Min != uint32(v.VarOff.Value) || v.U32Max != uint32(v.VarOff.Value) ||
		v.S32Min != int32(v.VarOff.Value) || v.S32Max != int32(v.VarOff.Value)):
		msg = "const subreg tnum out of sync with range bounds"
	default:
		return nil
	}
	return fmt.Errorf("%s u64=[%#x, %#x] s64=[%#x, %#x] u32=[%#x, %#x] s32=[%#x, %#x] var_off=(%#x, %#x)",
		msg, v.UMin, v.UMax, uint64(v.SMin), uint64(v.SMax), v.U32Min, v.U32Max,
		uint32(v.S32Min), uint32(v.S32Max), v.VarOff.Value, v.VarOff.Mask)
}

func tnumConst(v uint64) tnum.Tnum { return tnum.Const(v) }
