package scalar

import (
	"math"
	"math/bits"
)

// ALU models adjust_scalar_min_max_vals (kernel/bpf/verifier.c, Linux
// 6.18) for a scalar dst and a scalar src: the value of dst after the
// ALU or ALU64 instruction with opcode code and fields off and imm. For a
// BPF_K source, src is Imm(imm); for NEG and END it is ignored.
//
// An operation whose range the kernel does not compute
// (SafeToCompute false: DIV and MOD, and shifts by a non-constant or an
// out-of-range amount) gives Unknown. The caller is responsible for the
// parts of adjust_reg_min_max_vals and check_alu_op around it: MOV is
// not an operation here (see Mov32, MovSx64, MovSx32), pointers and
// scalar ids are not modeled, and an AND or OR with a constant source on
// a dst in [-1, 0] first forks the state (Fork).
func ALU(code uint8, off int16, imm int32, dst, src Value) Value {
	op := opOf(code)
	alu32 := classOf(code) != classALU64
	if op == NEG {
		src = dst
	}
	if !SafeToCompute(code, src) {
		return Unknown()
	}
	switch op {
	case ADD:
		dst.add32(src)
		dst.add64(src)
		dst.VarOff = dst.VarOff.Add(src.VarOff)
	case SUB:
		dst.sub32(src)
		dst.sub64(src)
		dst.VarOff = dst.VarOff.Sub(src.VarOff)
	case NEG:
		// env->fake_reg[0] = *dst_reg; __mark_reg_known(dst_reg, 0);
		// then 0 - fake_reg[0].
		dst.MarkKnown(0)
		dst.sub32(src)
		dst.sub64(src)
		dst.VarOff = src.VarOff.Neg()
	case MUL:
		dst.VarOff = dst.VarOff.Mul(src.VarOff)
		dst.mul32(src)
		dst.mul64(src)
	case AND:
		dst.VarOff = dst.VarOff.And(src.VarOff)
		dst.and32(src)
		dst.and64(src)
	case OR:
		dst.VarOff = dst.VarOff.Or(src.VarOff)
		dst.or32(src)
		dst.or64(src)
	case XOR:
		dst.VarOff = dst.VarOff.Xor(src.VarOff)
		dst.xor32(src)
		dst.xor64(src)
	case LSH:
		if alu32 {
			dst.lsh32(src)
		} else {
			dst.lsh64(src)
		}
	case RSH:
		if alu32 {
			dst.rsh32(src)
		} else {
			dst.rsh64(src)
		}
	case ARSH:
		if alu32 {
			dst.arsh32(src)
		} else {
			dst.arsh64(src)
		}
	case END:
		dst.byteSwap(code, imm)
	}
	// ALU32 results are zero-extended; BPF_END truncates on its own (le64
	// is a 64-bit operation in class ALU).
	if alu32 && op != END {
		dst.Zext32To64()
	}
	dst.Sync()
	return dst
}

// SafeToCompute models is_safe_to_compute_dst_reg_range (Linux 6.18):
// whether the kernel computes dst's range for the instruction with opcode
// code and source src, rather than marking dst unknown. ADD, SUB, NEG,
// MUL, AND, OR, XOR and END always; a shift only by a constant below the
// operation's width (for ALU32 the constant is the subregister, yet the
// width test reads the 64-bit umax); DIV and MOD never.
func SafeToCompute(code uint8, src Value) bool {
	bitness := uint64(32)
	srcConst := false
	if classOf(code) == classALU64 {
		bitness = 64
		srcConst = src.VarOff.IsConst() && src.SMin == src.SMax && src.UMin == src.UMax
	} else {
		srcConst = src.VarOff.SubregIsConst() && src.S32Min == src.S32Max && src.U32Min == src.U32Max
	}
	switch opOf(code) {
	case ADD, SUB, NEG, AND, XOR, OR, MUL, END:
		return true
	case LSH, RSH, ARSH:
		// Shifts by 31 or 63 and more are undefined, negative ones
		// included.
		return srcConst && src.UMax < bitness
	}
	return false
}

// Fork models maybe_fork_scalars (Linux 6.18 with the stable fix
// "bpf: Fix unsound scalar forking in maybe_fork_scalars() for BPF_OR"):
// for AND or OR with a constant source, a dst whose signed range is
// exactly [-1, 0] (64-bit first, else 32-bit) is split in two. The current
// path goes on with cur (-1) and the kernel pushes a branch that
// re-executes the instruction with pushed (0). ok is false when there is
// no fork.
func Fork(code uint8, dst, src Value) (cur, pushed Value, ok bool) {
	op := opOf(code)
	if (op != AND && op != OR) || !src.VarOff.IsConst() {
		return dst, dst, false
	}
	cur, pushed = dst, dst
	switch {
	case dst.SMin == -1 && dst.SMax == 0:
		pushed.MarkKnown(0)
		cur.MarkKnown(math.MaxUint64)
	case dst.S32Min == -1 && dst.S32Max == 0:
		pushed.MarkKnown32(0)
		cur.MarkKnown32(math.MaxUint64)
	default:
		return dst, dst, false
	}
	return cur, pushed, true
}

// add32 models scalar32_min_max_add (Linux 6.18): the signed bounds are
// lost on any overflow, the unsigned ones only when some but not all sums
// overflow.
func (v *Value) add32(src Value) {
	smin, o1 := addOverflow32(v.S32Min, src.S32Min)
	smax, o2 := addOverflow32(v.S32Max, src.S32Max)
	if o1 || o2 {
		smin, smax = math.MinInt32, math.MaxInt32
	}
	v.S32Min, v.S32Max = smin, smax
	umin, minOverflow := bits.Add32(v.U32Min, src.U32Min, 0)
	umax, maxOverflow := bits.Add32(v.U32Max, src.U32Max, 0)
	v.U32Min, v.U32Max = umin, umax
	if minOverflow == 0 && maxOverflow != 0 {
		v.U32Min, v.U32Max = 0, math.MaxUint32
	}
}

// add64 models scalar_min_max_add (Linux 6.18).
func (v *Value) add64(src Value) {
	smin, o1 := addOverflow64(v.SMin, src.SMin)
	smax, o2 := addOverflow64(v.SMax, src.SMax)
	if o1 || o2 {
		smin, smax = math.MinInt64, math.MaxInt64
	}
	v.SMin, v.SMax = smin, smax
	umin, minOverflow := bits.Add64(v.UMin, src.UMin, 0)
	umax, maxOverflow := bits.Add64(v.UMax, src.UMax, 0)
	v.UMin, v.UMax = umin, umax
	if minOverflow == 0 && maxOverflow != 0 {
		v.UMin, v.UMax = 0, math.MaxUint64
	}
}

// sub32 models scalar32_min_max_sub (Linux 6.18): the unsigned bounds are
// lost only when some but not all differences underflow.
func (v *Value) sub32(src Value) {
	smin, o1 := subOverflow32(v.S32Min, src.S32Max)
	smax, o2 := subOverflow32(v.S32Max, src.S32Min)
	if o1 || o2 {
		smin, smax = math.MinInt32, math.MaxInt32
	}
	v.S32Min, v.S32Max = smin, smax
	umin, minUnderflow := bits.Sub32(v.U32Min, src.U32Max, 0)
	umax, maxUnderflow := bits.Sub32(v.U32Max, src.U32Min, 0)
	v.U32Min, v.U32Max = umin, umax
	if minUnderflow != 0 && maxUnderflow == 0 {
		v.U32Min, v.U32Max = 0, math.MaxUint32
	}
}

// sub64 models scalar_min_max_sub (Linux 6.18).
func (v *Value) sub64(src Value) {
	smin, o1 := subOverflow64(v.SMin, src.SMax)
	smax, o2 := subOverflow64(v.SMax, src.SMin)
	if o1 || o2 {
		smin, smax = math.MinInt64, math.MaxInt64
	}
	v.SMin, v.SMax = smin, smax
	umin, minUnderflow := bits.Sub64(v.UMin, src.UMax, 0)
	umax, maxUnderflow := bits.Sub64(v.UMax, src.UMin, 0)
	v.UMin, v.UMax = umin, umax
	if minUnderflow != 0 && maxUnderflow == 0 {
		v.UMin, v.UMax = 0, math.MaxUint64
	}
}

// mul32 models scalar32_min_max_mul (Linux 6.18): unsigned bounds from
// the products of the extremes unless they overflow, signed bounds from
// the four signed products unless one overflows.
func (v *Value) mul32(src Value) {
	umax, o1 := mulOverflowU32(v.U32Max, src.U32Max)
	umin, o2 := mulOverflowU32(v.U32Min, src.U32Min)
	if o1 || o2 {
		umin, umax = 0, math.MaxUint32
	}
	v.U32Min, v.U32Max = umin, umax
	var p [4]int32
	var o [4]bool
	p[0], o[0] = mulOverflowS32(v.S32Min, src.S32Min)
	p[1], o[1] = mulOverflowS32(v.S32Min, src.S32Max)
	p[2], o[2] = mulOverflowS32(v.S32Max, src.S32Min)
	p[3], o[3] = mulOverflowS32(v.S32Max, src.S32Max)
	if o[0] || o[1] || o[2] || o[3] {
		v.S32Min, v.S32Max = math.MinInt32, math.MaxInt32
	} else {
		v.S32Min = min(p[0], p[1], p[2], p[3])
		v.S32Max = max(p[0], p[1], p[2], p[3])
	}
}

// mul64 models scalar_min_max_mul (Linux 6.18).
func (v *Value) mul64(src Value) {
	umax, o1 := mulOverflowU64(v.UMax, src.UMax)
	umin, o2 := mulOverflowU64(v.UMin, src.UMin)
	if o1 || o2 {
		umin, umax = 0, math.MaxUint64
	}
	v.UMin, v.UMax = umin, umax
	var p [4]int64
	var o [4]bool
	p[0], o[0] = mulOverflowS64(v.SMin, src.SMin)
	p[1], o[1] = mulOverflowS64(v.SMin, src.SMax)
	p[2], o[2] = mulOverflowS64(v.SMax, src.SMin)
	p[3], o[3] = mulOverflowS64(v.SMax, src.SMax)
	if o[0] || o[1] || o[2] || o[3] {
		v.SMin, v.SMax = math.MinInt64, math.MaxInt64
	} else {
		v.SMin = min(p[0], p[1], p[2], p[3])
		v.SMax = max(p[0], p[1], p[2], p[3])
	}
}

// and32 models scalar32_min_max_and. dst's tnum is already the AND of the
// operands.
func (v *Value) and32(src Value) {
	srcKnown := src.VarOff.SubregIsConst()
	dstKnown := v.VarOff.SubregIsConst()
	t := v.VarOff.Subreg()
	if srcKnown && dstKnown {
		v.MarkKnown32(t.Value)
		return
	}
	// The minimum from the tnum, the maximum the smaller of the maxima.
	v.U32Min = uint32(t.Value)
	v.U32Max = min(v.U32Max, src.U32Max)
	v.s32FromU32()
}

// and64 models scalar_min_max_and.
func (v *Value) and64(src Value) {
	if src.VarOff.IsConst() && v.VarOff.IsConst() {
		v.MarkKnown(v.VarOff.Value)
		return
	}
	v.UMin = v.VarOff.Value
	v.UMax = min(v.UMax, src.UMax)
	v.s64FromU64()
	v.UpdateBounds()
}

// or32 models scalar32_min_max_or.
func (v *Value) or32(src Value) {
	srcKnown := src.VarOff.SubregIsConst()
	dstKnown := v.VarOff.SubregIsConst()
	t := v.VarOff.Subreg()
	if srcKnown && dstKnown {
		v.MarkKnown32(t.Value)
		return
	}
	// The maximum from the tnum, the minimum the larger of the minima.
	v.U32Min = max(v.U32Min, src.U32Min)
	v.U32Max = uint32(t.Value | t.Mask)
	v.s32FromU32()
}

// or64 models scalar_min_max_or.
func (v *Value) or64(src Value) {
	if src.VarOff.IsConst() && v.VarOff.IsConst() {
		v.MarkKnown(v.VarOff.Value)
		return
	}
	v.UMin = max(v.UMin, src.UMin)
	v.UMax = v.VarOff.Value | v.VarOff.Mask
	v.s64FromU64()
	v.UpdateBounds()
}

// xor32 models scalar32_min_max_xor.
func (v *Value) xor32(src Value) {
	srcKnown := src.VarOff.SubregIsConst()
	dstKnown := v.VarOff.SubregIsConst()
	t := v.VarOff.Subreg()
	if srcKnown && dstKnown {
		v.MarkKnown32(t.Value)
		return
	}
	// Both the minimum and the maximum from the tnum.
	v.U32Min = uint32(t.Value)
	v.U32Max = uint32(t.Value | t.Mask)
	v.s32FromU32()
}

// xor64 models scalar_min_max_xor.
func (v *Value) xor64(src Value) {
	if src.VarOff.IsConst() && v.VarOff.IsConst() {
		v.MarkKnown(v.VarOff.Value)
		return
	}
	v.UMin = v.VarOff.Value
	v.UMax = v.VarOff.Value | v.VarOff.Mask
	v.s64FromU64()
	v.UpdateBounds()
}

// s32FromU32 is the tail the 32-bit AND, OR and XOR share: the u32 range
// cast to s32 when it does not cross the sign boundary, else unbounded.
func (v *Value) s32FromU32() {
	if int32(v.U32Min) <= int32(v.U32Max) {
		v.S32Min, v.S32Max = int32(v.U32Min), int32(v.U32Max)
	} else {
		v.S32Min, v.S32Max = math.MinInt32, math.MaxInt32
	}
}

// s64FromU64 is the 64-bit twin of s32FromU32.
func (v *Value) s64FromU64() {
	if int64(v.UMin) <= int64(v.UMax) {
		v.SMin, v.SMax = int64(v.UMin), int64(v.UMax)
	} else {
		v.SMin, v.SMax = math.MinInt64, math.MaxInt64
	}
}

// lsh32Bounds models __scalar32_min_max_lsh.
func (v *Value) lsh32Bounds(uminVal, umaxVal uint64) {
	// All sign information is lost (except what the tnum keeps).
	v.S32Min, v.S32Max = math.MinInt32, math.MaxInt32
	// If the top bit may be shifted out, nothing is known.
	if umaxVal > 31 || uint64(v.U32Max) > 1<<(31-umaxVal) {
		v.U32Min, v.U32Max = 0, math.MaxUint32
	} else {
		v.U32Min <<= uminVal
		v.U32Max <<= umaxVal
	}
}

// lsh32 models scalar32_min_max_lsh.
func (v *Value) lsh32(src Value) {
	umaxVal, uminVal := uint64(src.U32Max), uint64(src.U32Min)
	// u32 ALU operations zero-extend the upper bits.
	sub := v.VarOff.Subreg()
	v.lsh32Bounds(uminVal, umaxVal)
	v.VarOff = sub.Lshift(uint8(uminVal)).Subreg()
	v.Mark64Unbounded()
	v.Update32Bounds()
}

// lsh64Bounds models __scalar64_min_max_lsh.
func (v *Value) lsh64Bounds(uminVal, umaxVal uint64) {
	// <<32 is special-cased: the compiler's sign extension of a
	// subregister is <<32 s>>32, and s32 bounds keep their sign.
	if uminVal == 32 && umaxVal == 32 {
		v.SMax = int64(v.S32Max) << 32
		v.SMin = int64(v.S32Min) << 32
	} else {
		v.SMin, v.SMax = math.MinInt64, math.MaxInt64
	}
	// If the top bit may be shifted out, nothing is known.
	if v.UMax > 1<<(63-umaxVal) {
		v.UMin, v.UMax = 0, math.MaxUint64
	} else {
		v.UMin <<= uminVal
		v.UMax <<= umaxVal
	}
}

// lsh64 models scalar_min_max_lsh.
func (v *Value) lsh64(src Value) {
	umaxVal, uminVal := src.UMax, src.UMin
	// The 64-bit part reads the unshifted 32-bit bounds: first.
	v.lsh64Bounds(uminVal, umaxVal)
	v.lsh32Bounds(uminVal, umaxVal)
	v.VarOff = v.VarOff.Lshift(uint8(uminVal))
	v.UpdateBounds()
}

// rsh32 models scalar32_min_max_rsh: signed bounds dropped and relearned
// from the unsigned ones and the tnum.
func (v *Value) rsh32(src Value) {
	sub := v.VarOff.Subreg()
	umaxVal, uminVal := src.U32Max, src.U32Min
	v.S32Min, v.S32Max = math.MinInt32, math.MaxInt32
	v.VarOff = sub.Rshift(uint8(uminVal))
	v.U32Min >>= umaxVal
	v.U32Max >>= uminVal
	v.Mark64Unbounded()
	v.Update32Bounds()
}

// rsh64 models scalar_min_max_rsh.
func (v *Value) rsh64(src Value) {
	umaxVal, uminVal := src.UMax, src.UMin
	v.SMin, v.SMax = math.MinInt64, math.MaxInt64
	v.VarOff = v.VarOff.Rshift(uint8(uminVal))
	v.UMin >>= umaxVal
	v.UMax >>= uminVal
	// The 32-bit bounds depend on the bits shifted in: unbounded, then
	// relearned from the tnum.
	v.Mark32Unbounded()
	v.UpdateBounds()
}

// arsh32 models scalar32_min_max_arsh; the shift amount is a constant here.
func (v *Value) arsh32(src Value) {
	uminVal := uint64(src.U32Min)
	v.S32Min = int32(uint32(v.S32Min >> uminVal))
	v.S32Max = int32(uint32(v.S32Max >> uminVal))
	v.VarOff = v.VarOff.Subreg().Arshift(uint8(uminVal), 32)
	// The unsigned bounds are dropped and relearned from the tnum.
	v.U32Min, v.U32Max = 0, math.MaxUint32
	v.Mark64Unbounded()
	v.Update32Bounds()
}

// arsh64 models scalar_min_max_arsh; the shift amount is a constant here.
func (v *Value) arsh64(src Value) {
	uminVal := src.UMin
	v.SMin >>= uminVal
	v.SMax >>= uminVal
	v.VarOff = v.VarOff.Arshift(uint8(uminVal), 64)
	v.UMin, v.UMax = 0, math.MaxUint64
	v.Mark32Unbounded()
	v.UpdateBounds()
}

// byteSwap models scalar_byte_swap (Linux 6.18 stable, "bpf: Add bitwise
// tracking for BPF_END"), for a little-endian machine: BPF_ALU64 bswap and
// BPF_ALU to_be swap the bytes of the tnum and drop the bounds; a 16- or
// 32-bit swap or to_le then truncates (coerce_reg_to_size); le64 is a
// no-op.
func (v *Value) byteSwap(code uint8, imm int32) {
	alu64 := classOf(code) == classALU64
	toLE := code&srcX == 0
	// The kernel's need_bswap is alu64 || (to_le == is_big_endian); this
	// package models the little-endian machines verisim is checked on.
	needSwap := alu64 || !toLE
	if needSwap {
		switch imm {
		case 16:
			v.VarOff = v.VarOff.Bswap16()
		case 32:
			v.VarOff = v.VarOff.Bswap32()
		case 64:
			v.VarOff = v.VarOff.Bswap64()
		}
		v.MarkUnbounded()
	}
	if imm == 16 || imm == 32 {
		v.CoerceToSize(int(imm / 8))
	}
}

// Mov32 models check_alu_op's "w1 = w2" for a scalar w2: the copy
// zero-extended (zext_32_to_64) and synced.
func Mov32(src Value) Value {
	src.Zext32To64()
	src.Sync()
	return src
}

// MovSx64 models check_alu_op's "r1 = (s8, s16, s32) r2" (BPF_ALU64
// BPF_MOV with off 8, 16 or 32) for a scalar r2: coerce_reg_to_size_sx.
func MovSx64(src Value, off int16) Value {
	src.CoerceToSizeSx(int(off) / 8)
	return src
}

// MovSx32 models check_alu_op's "w1 = (s8, s16) w2" (BPF_ALU BPF_MOV with
// off 8 or 16) for a scalar w2: coerce_subreg_to_size_sx, zero extension
// and Sync.
func MovSx32(src Value, off int16) Value {
	src.CoerceSubregToSizeSx(int(off) / 8)
	src.Zext32To64()
	src.Sync()
	return src
}

func addOverflow32(a, b int32) (int32, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func addOverflow64(a, b int64) (int64, bool) {
	s := a + b
	return s, (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0)
}

func subOverflow32(a, b int32) (int32, bool) {
	d := a - b
	return d, (a >= 0) != (b >= 0) && (d >= 0) != (a >= 0)
}

func subOverflow64(a, b int64) (int64, bool) {
	d := a - b
	return d, (a >= 0) != (b >= 0) && (d >= 0) != (a >= 0)
}

func mulOverflowU32(a, b uint32) (uint32, bool) {
	p := uint64(a) * uint64(b)
	return uint32(p), p>>32 != 0
}

func mulOverflowU64(a, b uint64) (uint64, bool) {
	hi, lo := bits.Mul64(a, b)
	return lo, hi != 0
}

func mulOverflowS32(a, b int32) (int32, bool) {
	p := int64(a) * int64(b)
	return int32(p), p != int64(int32(p))
}

func mulOverflowS64(a, b int64) (int64, bool) {
	p := a * b
	if a == 0 || b == 0 {
		return 0, false
	}
	// a * b overflows iff dividing back fails, or the one case division
	// cannot see: -1 * MinInt64.
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		return p, true
	}
	return p, p/b != a
}

// AddConstDelta models the BPF_ADD_CONST branch of sync_linked_regs
// (Linux 6.18): a linked register set to its known copy plus delta with
// scalar32_min_max_add, scalar_min_max_add and tnum_add, then
// reg_bounds_sync (the 6.12 source has no sync there; the live 6.18.44's
// log shows its result).
func AddConstDelta(v Value, delta int32) Value {
	d := Known(uint64(int64(delta)))
	v.add32(d)
	v.add64(d)
	v.VarOff = v.VarOff.Add(d.VarOff)
	v.Sync()
	return v
}
