package tnum

import (
	"fmt"
	"math/bits"
)

// Tnum is struct tnum: Value holds the known 1 bits, Mask the unknown
// bits. The zero Tnum is the constant 0.
type Tnum struct {
	Value, Mask uint64
}

// Unknown is tnum_unknown: every bit unknown.
var Unknown = Tnum{Value: 0, Mask: ^uint64(0)}

// Const models tnum_const: every bit known, equal to v.
func Const(v uint64) Tnum { return Tnum{Value: v} }

// Range models tnum_range: the smallest Tnum holding every value in
// [min, max] (min <= max) whose form is a common prefix and an unknown
// suffix.
func Range(min, max uint64) Tnum {
	chi := min ^ max
	n := bits.Len64(chi) // fls64
	// The kernel special-cases 1ULL << 64, which C leaves undefined.
	if n > 63 {
		return Unknown
	}
	delta := uint64(1)<<n - 1
	return Tnum{Value: min &^ delta, Mask: delta}
}

// Lshift models tnum_lshift. The kernel only shifts by less than 64.
func (a Tnum) Lshift(shift uint8) Tnum {
	return Tnum{Value: a.Value << shift, Mask: a.Mask << shift}
}

// Rshift models tnum_rshift. The kernel only shifts by less than 64.
func (a Tnum) Rshift(shift uint8) Tnum {
	return Tnum{Value: a.Value >> shift, Mask: a.Mask >> shift}
}

// Arshift models tnum_arshift: an arithmetic right shift of a 32-bit
// (insnBitness 32, the result zero-extended) or 64-bit value by minShift.
func (a Tnum) Arshift(minShift uint8, insnBitness uint8) Tnum {
	if insnBitness == 32 {
		return Tnum{
			Value: uint64(uint32(int32(uint32(a.Value)) >> minShift)),
			Mask:  uint64(uint32(int32(uint32(a.Mask)) >> minShift)),
		}
	}
	return Tnum{
		Value: uint64(int64(a.Value) >> minShift),
		Mask:  uint64(int64(a.Mask) >> minShift),
	}
}

// Add models tnum_add.
func (a Tnum) Add(b Tnum) Tnum {
	sm := a.Mask + b.Mask
	sv := a.Value + b.Value
	sigma := sm + sv
	chi := sigma ^ sv
	mu := chi | a.Mask | b.Mask
	return Tnum{Value: sv &^ mu, Mask: mu}
}

// Sub models tnum_sub.
func (a Tnum) Sub(b Tnum) Tnum {
	dv := a.Value - b.Value
	alpha := dv + a.Mask
	beta := dv - b.Mask
	chi := alpha ^ beta
	mu := chi | a.Mask | b.Mask
	return Tnum{Value: dv &^ mu, Mask: mu}
}

// Neg models tnum_neg: tnum_sub(TNUM(0, 0), a).
func (a Tnum) Neg() Tnum { return Tnum{}.Sub(a) }

// And models tnum_and.
func (a Tnum) And(b Tnum) Tnum {
	alpha := a.Value | a.Mask
	beta := b.Value | b.Mask
	v := a.Value & b.Value
	return Tnum{Value: v, Mask: alpha & beta &^ v}
}

// Or models tnum_or.
func (a Tnum) Or(b Tnum) Tnum {
	v := a.Value | b.Value
	mu := a.Mask | b.Mask
	return Tnum{Value: v, Mask: mu &^ v}
}

// Xor models tnum_xor.
func (a Tnum) Xor(b Tnum) Tnum {
	v := a.Value ^ b.Value
	mu := a.Mask | b.Mask
	return Tnum{Value: v &^ mu, Mask: mu}
}

// Mul models tnum_mul as Linux 6.18 has it: long multiplication over the
// bits of a, adding b where a bit of a is a known 1 and taking the union
// of "added" and "not added" where it is unknown.
func (a Tnum) Mul(b Tnum) Tnum {
	var acc Tnum
	for a.Value != 0 || a.Mask != 0 {
		if a.Value&1 != 0 {
			// LSB of a is a certain 1.
			acc = acc.Add(b)
		} else if a.Mask&1 != 0 {
			// LSB of a is uncertain: acc_0 = acc, acc_1 = acc + b.
			acc = acc.Union(acc.Add(b))
		}
		a = a.Rshift(1)
		b = b.Lshift(1)
	}
	return acc
}

// Overlap models tnum_overlap: whether a and b agree on the bits both
// know, that is, whether they may share a member.
func (a Tnum) Overlap(b Tnum) bool {
	mu := ^a.Mask & ^b.Mask
	return a.Value&mu == b.Value&mu
}

// Intersect models tnum_intersect: the values in both a and b. Where a and
// b disagree on a known bit the result has it as a known 1.
func (a Tnum) Intersect(b Tnum) Tnum {
	v := a.Value | b.Value
	mu := a.Mask & b.Mask
	return Tnum{Value: v &^ mu, Mask: mu}
}

// Union models tnum_union: a Tnum holding every member of a and of b,
// unknown wherever they disagree.
func (a Tnum) Union(b Tnum) Tnum {
	v := a.Value & b.Value
	mu := (a.Value ^ b.Value) | a.Mask | b.Mask
	return Tnum{Value: v &^ mu, Mask: mu}
}

// Cast models tnum_cast: all but the lowest size bytes cleared. The
// kernel calls it with size 1, 2 or 4 only (for 8, its
// (1ULL << 64) - 1 is undefined); here a size of 8 or more keeps a whole.
func (a Tnum) Cast(size uint8) Tnum {
	if size >= 8 {
		return a
	}
	m := uint64(1)<<(uint(size)*8) - 1
	return Tnum{Value: a.Value & m, Mask: a.Mask & m}
}

// IsAligned models tnum_is_aligned: whether every member is a multiple of
// size (a power of two; 0 is always aligned).
func (a Tnum) IsAligned(size uint64) bool {
	if size == 0 {
		return true
	}
	return (a.Value|a.Mask)&(size-1) == 0
}

// In models tnum_in: whether every member of b is a member of a.
func (a Tnum) In(b Tnum) bool {
	if b.Mask&^a.Mask != 0 {
		return false
	}
	b.Value &^= a.Mask
	return a.Value == b.Value
}

// Contains reports whether x is a member of a (x &^ Mask == Value). It is
// tnum_in(a, tnum_const(x)).
func (a Tnum) Contains(x uint64) bool { return x&^a.Mask == a.Value }

// IsConst models tnum_is_const: no unknown bits.
func (a Tnum) IsConst() bool { return a.Mask == 0 }

// EqualsConst models tnum_equals_const.
func (a Tnum) EqualsConst(b uint64) bool { return a.IsConst() && a.Value == b }

// IsUnknown models tnum_is_unknown: every bit unknown.
func (a Tnum) IsUnknown() bool { return ^a.Mask == 0 }

// Subreg models tnum_subreg: the lower 32 bits.
func (a Tnum) Subreg() Tnum { return a.Cast(4) }

// ClearSubreg models tnum_clear_subreg: the lower 32 bits known 0.
func (a Tnum) ClearSubreg() Tnum { return a.Rshift(32).Lshift(32) }

// WithSubreg models tnum_with_subreg: the upper 32 bits of reg and the lower
// 32 bits of subreg.
func (a Tnum) WithSubreg(subreg Tnum) Tnum {
	return a.ClearSubreg().Or(subreg.Subreg())
}

// ConstSubreg models tnum_const_subreg: the lower 32 bits known to be value.
func (a Tnum) ConstSubreg(value uint32) Tnum {
	return a.WithSubreg(Const(uint64(value)))
}

// SubregIsConst models tnum_subreg_is_const: the lower 32 bits known.
func (a Tnum) SubregIsConst() bool { return a.Subreg().IsConst() }

// SubregEqualsConst models tnum_subreg_equals_const.
func (a Tnum) SubregEqualsConst(b uint32) bool {
	return a.Subreg().EqualsConst(uint64(b))
}

// Bswap16 models tnum_bswap16: the lowest two bytes swapped, the rest
// cleared.
func (a Tnum) Bswap16() Tnum {
	return Tnum{
		Value: uint64(bits.ReverseBytes16(uint16(a.Value))),
		Mask:  uint64(bits.ReverseBytes16(uint16(a.Mask))),
	}
}

// Bswap32 models tnum_bswap32: the lowest four bytes reversed, the rest
// cleared.
func (a Tnum) Bswap32() Tnum {
	return Tnum{
		Value: uint64(bits.ReverseBytes32(uint32(a.Value))),
		Mask:  uint64(bits.ReverseBytes32(uint32(a.Mask))),
	}
}

// Bswap64 models tnum_bswap64: all eight bytes reversed.
func (a Tnum) Bswap64() Tnum {
	return Tnum{Value: bits.ReverseBytes64(a.Value), Mask: bits.ReverseBytes64(a.Mask)}
}

// Step models tnum_step: the smallest member of a greater than z, for
// a.Value <= z < a.Value|a.Mask. For z at or above the largest member it
// returns the largest member, and for z below the smallest member it
// returns the smallest.
func (a Tnum) Step(z uint64) uint64 {
	tmax := a.Value | a.Mask
	if z >= tmax {
		return tmax
	}
	if z < a.Value {
		return a.Value
	}
	// A member is a.Value | s for a submask s of a.Mask; the smallest s
	// greater than d = z - a.Value is d "incremented within the mask".
	d := z - a.Value
	carryMask := uint64(1)<<bits.Len64(d&^a.Mask) - 1
	filled := d | carryMask | ^a.Mask
	inc := (filled + 1) & a.Mask
	return a.Value | inc
}

// String models tnum_strn as kernel/bpf/log.c (6.18) prints var_off: a
// constant as its number (decimal up to 65535, else %#llx), otherwise
// "(%#llx; %#llx)".
func (a Tnum) String() string {
	if a.Mask == 0 {
		if a.Value <= 0xffff {
			return fmt.Sprintf("%d", a.Value)
		}
		return fmt.Sprintf("%#x", a.Value)
	}
	return fmt.Sprintf("(%#x; %#x)", a.Value, a.Mask)
}

// Sbin models tnum_sbin: the 64 bits from the most significant, each '0',
// '1' or 'x'.
func (a Tnum) Sbin() string {
	var b [64]byte
	for n := 64; n > 0; n-- {
		switch {
		case a.Mask&1 != 0:
			b[n-1] = 'x'
		case a.Value&1 != 0:
			b[n-1] = '1'
		default:
			b[n-1] = '0'
		}
		a.Mask >>= 1
		a.Value >>= 1
	}
	return string(b[:])
}
