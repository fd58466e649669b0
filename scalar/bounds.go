package scalar

import (
	"math"

	"github.com/verisim/verisim/tnum"
)

// UpdateBounds models __update_reg_bounds: the bounds narrowed by what the
// tnum says.
func (v *Value) UpdateBounds() {
	v.Update32Bounds()
	v.Update64Bounds()
}

// Update32Bounds models __update_reg32_bounds.
func (v *Value) Update32Bounds() {
	t := v.VarOff.Subreg()
	// min signed is max(sign bit) | min(other bits)
	v.S32Min = max(v.S32Min, int32(uint32(t.Value|(t.Mask&0x80000000))))
	// max signed is min(sign bit) | max(other bits)
	v.S32Max = min(v.S32Max, int32(uint32(t.Value|(t.Mask&0x7fffffff))))
	v.U32Min = max(v.U32Min, uint32(t.Value))
	v.U32Max = min(v.U32Max, uint32(t.Value|t.Mask))
}

// Update64Bounds models __update_reg64_bounds as the 6.18 stable series has
// it ("bpf: Improve bounds when tnum has a single possible value"): after
// narrowing the bounds by the tnum, a u64 range that meets the tnum in
// exactly one value makes the value that constant (___mark_reg_known).
func (v *Value) Update64Bounds() {
	t := v.VarOff
	v.SMin = max(v.SMin, int64(t.Value|(t.Mask&(1<<63))))
	v.SMax = min(v.SMax, int64(t.Value|(t.Mask&(1<<63-1))))
	v.UMin = max(v.UMin, t.Value)
	v.UMax = min(v.UMax, t.Value|t.Mask)

	// Check if u64 and tnum overlap in a single value.
	next := t.Step(v.UMin)
	uminIn := v.UMin&^t.Mask == t.Value
	tmax := t.Value | t.Mask
	switch {
	case uminIn && next > v.UMax:
		// The u64 range and the tnum only overlap in umin.
		v.MarkKnown(v.UMin)
	case !uminIn && next == tmax:
		// They only overlap in the largest member of the tnum.
		v.MarkKnown(tmax)
	case !uminIn && next <= v.UMax && t.Step(next) > v.UMax:
		// They only overlap in one value between umin (excluded) and
		// umax.
		v.MarkKnown(next)
	}
}

// Deduce32Bounds models __reg32_deduce_bounds: the 32-bit bounds learned
// from the 64-bit ones and from each other.
func (v *Value) Deduce32Bounds() {
	// If the upper 32 bits of the u64 range stay the same, its lower 32
	// bits are a valid u32 range, and maybe a valid s32 range.
	if v.UMin>>32 == v.UMax>>32 {
		v.U32Min = max(v.U32Min, uint32(v.UMin))
		v.U32Max = min(v.U32Max, uint32(v.UMax))
		if int32(v.UMin) <= int32(v.UMax) {
			v.S32Min = max(v.S32Min, int32(v.UMin))
			v.S32Max = min(v.S32Max, int32(v.UMax))
		}
	}
	if v.SMin>>32 == v.SMax>>32 {
		// The lower 32 bits should form a proper u32 range.
		if uint32(v.SMin) <= uint32(v.SMax) {
			v.U32Min = max(v.U32Min, uint32(v.SMin))
			v.U32Max = min(v.U32Max, uint32(v.SMax))
		}
		// The lower 32 bits should form a proper s32 range.
		if int32(v.SMin) <= int32(v.SMax) {
			v.S32Min = max(v.S32Min, int32(v.SMin))
			v.S32Max = min(v.S32Max, int32(v.SMax))
		}
	}
	// The upper 32 bits are two consecutive numbers (0xffffffff to 0 too)
	// while the lower 32 bits go from negative to non-negative: still a
	// valid s32 range.
	if uint32(v.UMin>>32)+1 == uint32(v.UMax>>32) && int32(v.UMin) < 0 && int32(v.UMax) >= 0 {
		v.S32Min = max(v.S32Min, int32(v.UMin))
		v.S32Max = min(v.S32Max, int32(v.UMax))
	}
	if uint32(v.SMin>>32)+1 == uint32(v.SMax>>32) && int32(v.SMin) < 0 && int32(v.SMax) >= 0 {
		v.S32Min = max(v.S32Min, int32(v.SMin))
		v.S32Max = min(v.S32Max, int32(v.SMax))
	}
	// A u32 range that does not cross the sign bit is an s32 range.
	if int32(v.U32Min) <= int32(v.U32Max) {
		v.S32Min = max(v.S32Min, int32(v.U32Min))
		v.S32Max = min(v.S32Max, int32(v.U32Max))
	}
	// An s32 range that does not cross the sign boundary is a u32 range;
	// one that does may still meet the u32 range on one side only.
	if uint32(v.S32Min) <= uint32(v.S32Max) {
		v.U32Min = max(uint32(v.S32Min), v.U32Min)
		v.U32Max = min(uint32(v.S32Max), v.U32Max)
	} else {
		if v.U32Max < uint32(v.S32Min) {
			v.S32Min = int32(v.U32Min)
			v.U32Max = min(v.U32Max, uint32(v.S32Max))
		} else if uint32(v.S32Max) < v.U32Min {
			v.S32Max = int32(v.U32Max)
			v.U32Min = max(v.U32Min, uint32(v.S32Min))
		}
	}
}

// Deduce64Bounds models __reg64_deduce_bounds: the signed and unsigned
// 64-bit bounds learned from each other.
func (v *Value) Deduce64Bounds() {
	// A u64 range within one half of the number line is an s64 range.
	if int64(v.UMin) <= int64(v.UMax) {
		v.SMin = max(v.SMin, int64(v.UMin))
		v.SMax = min(v.SMax, int64(v.UMax))
	}
	// An s64 range that does not cross the sign boundary is a u64 range;
	// one that does may still meet the u64 range on one side only.
	if uint64(v.SMin) <= uint64(v.SMax) {
		v.UMin = max(uint64(v.SMin), v.UMin)
		v.UMax = min(uint64(v.SMax), v.UMax)
	} else {
		if v.UMax < uint64(v.SMin) {
			v.SMin = int64(v.UMin)
			v.UMax = min(v.UMax, uint64(v.SMax))
		} else if uint64(v.SMax) < v.UMin {
			v.SMax = int64(v.UMax)
			v.UMin = max(v.UMin, uint64(v.SMin))
		}
	}
}

// DeduceMixedBounds models __reg_deduce_mixed_bounds as Linux 6.18 has it:
// the 64-bit bounds tightened by the u32 ones, and the special case of a
// sign-extended 32-bit value known non-negative. (6.12 also tightened them
// by an s32 range that is a valid u32 range; "bpf: Simplify bounds
// refinement from s32" removed that as redundant: __reg32_deduce_bounds has
// already narrowed the u32 range by such an s32 range.)
func (v *Value) DeduceMixedBounds() {
	// u32 -> u64 tightening, always well-formed.
	newUMin := v.UMin&^0xffffffff | uint64(v.U32Min)
	newUMax := v.UMax&^0xffffffff | uint64(v.U32Max)
	v.UMin = max(v.UMin, newUMin)
	v.UMax = min(v.UMax, newUMax)
	// u32 -> s64 tightening: a u32 range embedded in s64 stays valid.
	newSMin := int64(uint64(v.SMin)&^0xffffffff | uint64(v.U32Min))
	newSMax := int64(uint64(v.SMax)&^0xffffffff | uint64(v.U32Max))
	v.SMin = max(v.SMin, newSMin)
	v.SMax = min(v.SMax, newSMax)

	// After a sign-extending load the upper 32 bits are all 0s or all
	// 1s; with the lower 32 bits non-negative and the value at least
	// (s64)S32_MIN they cannot be all 1s.
	if v.S32Min >= 0 && v.SMin >= math.MinInt32 && v.SMax <= math.MaxInt32 {
		v.SMin, v.SMax = int64(v.S32Min), int64(v.S32Max)
		v.UMin, v.UMax = uint64(v.S32Min), uint64(v.S32Max)
		v.VarOff = v.VarOff.Intersect(tnum.Range(uint64(v.SMin), uint64(v.SMax)))
	}
}

// DeduceBounds models __reg_deduce_bounds: Deduce32Bounds, Deduce64Bounds
// and DeduceMixedBounds in that order.
func (v *Value) DeduceBounds() {
	v.Deduce32Bounds()
	v.Deduce64Bounds()
	v.DeduceMixedBounds()
}

// BoundOffset models __reg_bound_offset: the tnum narrowed by the unsigned
// 64-bit and 32-bit ranges.
func (v *Value) BoundOffset() {
	var64 := v.VarOff.Intersect(tnum.Range(v.UMin, v.UMax))
	var32 := var64.Subreg().Intersect(tnum.Range(uint64(v.U32Min), uint64(v.U32Max)))
	v.VarOff = var64.ClearSubreg().Or(var32)
}

// Sync models reg_bounds_sync: bounds from the tnum, three rounds of
// deduction between the bounds, the tnum from the bounds, and bounds from
// the tnum again.
func (v *Value) Sync() {
	v.UpdateBounds()
	v.DeduceBounds()
	v.DeduceBounds()
	v.DeduceBounds()
	v.BoundOffset()
	v.UpdateBounds()
}

// Synced returns a copy of v after Sync.
func (v Value) Synced() Value {
	v.Sync()
	return v
}

// AssignU32Into64 models __reg_assign_32_into_64: the 64-bit bounds set
// from the 32-bit ones, for a zero-extended subregister.
func (v *Value) AssignU32Into64() {
	v.UMin, v.UMax = uint64(v.U32Min), uint64(v.U32Max)
	// Pull the 32-bit signed bounds in only when both are non-negative;
	// otherwise the worst case, refined later from the tnum.
	if v.S32Min >= 0 && v.S32Max >= 0 {
		v.SMin, v.SMax = int64(v.S32Min), int64(v.S32Max)
	} else {
		v.SMin, v.SMax = 0, math.MaxUint32
	}
}

// Zext32To64 models zext_32_to_64: the result of a 32-bit operation, its
// upper 32 bits zero.
func (v *Value) Zext32To64() {
	v.VarOff = v.VarOff.Subreg()
	v.AssignU32Into64()
}

// CoerceToSize models coerce_reg_to_size: the value truncated to size
// bytes (1, 2 or 4; the kernel never calls it with 8), zero-extended, then
// Sync.
func (v *Value) CoerceToSize(size int) {
	v.VarOff = v.VarOff.Cast(uint8(size))
	mask := uint64(1)<<(uint(size)*8) - 1
	if v.UMin&^mask == v.UMax&^mask {
		v.UMin &= mask
		v.UMax &= mask
	} else {
		v.UMin, v.UMax = 0, mask
	}
	v.SMin, v.SMax = int64(v.UMin), int64(v.UMax)
	// Below 32 bits the 32-bit bounds are truncated too: push the 64-bit
	// bounds into them.
	if size < 4 {
		v.Mark32Unbounded()
	}
	v.Sync()
}

// sext returns x sign-extended from size bytes (1, 2 or 4).
func sext(x uint64, size int) int64 {
	switch size {
	case 1:
		return int64(int8(x))
	case 2:
		return int64(int16(x))
	default:
		return int64(int32(x))
	}
}

// setSext64Default models set_sext64_default_val.
func (v *Value) setSext64Default(size int) {
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	switch size {
	case 1:
		lo, hi = math.MinInt8, math.MaxInt8
	case 2:
		lo, hi = math.MinInt16, math.MaxInt16
	}
	v.SMin, v.S32Min = lo, int32(lo)
	v.SMax, v.S32Max = hi, int32(hi)
	v.UMin, v.U32Min = 0, 0
	v.UMax = math.MaxUint64
	v.U32Max = math.MaxUint32
	v.VarOff = tnum.Unknown
}

// CoerceToSizeSx models coerce_reg_to_size_sx: the lowest size bytes (1, 2
// or 4) sign-extended to 64 bits, for BPF_MOVSX (ALU64) and BPF_MEMSX
// loads. The kernel does not Sync here.
func (v *Value) CoerceToSizeSx(size int) {
	if v.VarOff.IsConst() {
		v.MarkKnown(uint64(sext(v.VarOff.Value, size)))
		return
	}
	numBits := uint(size) * 8
	topSMax := uint64(v.SMax) >> numBits << numBits
	topSMin := uint64(v.SMin) >> numBits << numBits
	if topSMax == topSMin {
		// The s64 min and max after sign extension.
		a, b := sext(uint64(v.SMax), size), sext(uint64(v.SMin), size)
		smax, smin := max(a, b), min(a, b)
		// Both of them non-negative or both negative.
		if (smax >= 0) == (smin >= 0) {
			v.SMin, v.S32Min = smin, int32(smin)
			v.SMax, v.S32Max = smax, int32(smax)
			v.UMin, v.U32Min = uint64(smin), uint32(smin)
			v.UMax, v.U32Max = uint64(smax), uint32(smax)
			v.VarOff = tnum.Range(uint64(smin), uint64(smax))
			return
		}
	}
	v.setSext64Default(size)
}

// setSext32Default models set_sext32_default_val.
func (v *Value) setSext32Default(size int) {
	if size == 1 {
		v.S32Min, v.S32Max = math.MinInt8, math.MaxInt8
	} else {
		v.S32Min, v.S32Max = math.MinInt16, math.MaxInt16
	}
	v.U32Min, v.U32Max = 0, math.MaxUint32
	v.VarOff = tnum.Unknown.Subreg()
}

// CoerceSubregToSizeSx models coerce_subreg_to_size_sx: the lowest size
// bytes (1 or 2) sign-extended to 32 bits, for the 32-bit BPF_MOVSX. The
// 64-bit bounds are left for the caller's Zext32To64.
func (v *Value) CoerceSubregToSizeSx(size int) {
	if v.VarOff.IsConst() {
		// As the kernel: the constant sign-extended to 64 bits in the
		// tnum, to 32 in the bounds.
		c := uint64(sext(v.VarOff.Value, size))
		v.VarOff = tnum.Const(c)
		v.S32Min, v.S32Max = int32(c), int32(c)
		v.U32Min, v.U32Max = uint32(c), uint32(c)
		return
	}
	numBits := uint(size) * 8
	topSMax := uint32(v.S32Max) >> numBits << numBits
	topSMin := uint32(v.S32Min) >> numBits << numBits
	if topSMax == topSMin {
		a, b := int32(sext(uint64(uint32(v.S32Max)), size)), int32(sext(uint64(uint32(v.S32Min)), size))
		smax, smin := max(a, b), min(a, b)
		if (smin >= 0) == (smax >= 0) {
			v.S32Min, v.S32Max = smin, smax
			v.U32Min, v.U32Max = uint32(smin), uint32(smax)
			v.VarOff = tnum.Range(uint64(int64(smin)), uint64(int64(smax))).Subreg()
			return
		}
	}
	v.setSext32Default(size)
}
