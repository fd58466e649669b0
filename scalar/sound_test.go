package scalar_test

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/verisim/verisim/scalar"
	"github.com/verisim/verisim/tnum"
)

// The brute-force checks draw abstract values whose sets are small (a tnum
// with at most five unknown bits, placed anywhere in the 64, often at the
// edges that matter: the low bits, bits 7/8 and 15/16 of the sign
// extensions, 31/32 and 63) but whose bounds cut those sets at random, and
// compare each transfer function with the concrete operation on every
// member.

// members returns the elements of v's set, the tnum's members within all
// eight bounds.
func members(v scalar.Value) []uint64 {
	var out []uint64
	t := v.VarOff
	s := uint64(0)
	for {
		if x := t.Value | s; v.Contains(x) {
			out = append(out, x)
		}
		s = (s - t.Mask) & t.Mask
		if s == 0 {
			return out
		}
	}
}

var bitPositions = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 30, 31, 32, 33, 47, 62, 63}

func randTnum(r *rand.Rand, maxUnknown int) tnum.Tnum {
	var m uint64
	for i := r.IntN(maxUnknown + 1); i > 0; i-- {
		if r.IntN(3) == 0 {
			m |= 1 << r.IntN(64)
		} else {
			m |= 1 << bitPositions[r.IntN(len(bitPositions))]
		}
	}
	var v uint64
	switch r.IntN(6) {
	case 0: // small non-negative
		v = r.Uint64() & 0xff
	case 1: // small negative
		v = 0xffffffffffffff00 | r.Uint64()&0xff
	case 2: // non-negative 32-bit
		v = uint64(r.Uint32())
	case 3: // negative 32-bit, sign-extended
		v = uint64(int64(int32(r.Uint32() | 0x80000000)))
	case 4: // near the top of the 32-bit range, upper half set
		v = 0xffffffff00000000 | uint64(r.Uint32())
	default:
		v = r.Uint64()
	}
	return tnum.Tnum{Value: v &^ m, Mask: m}
}

// randValue returns a value whose bounds may each cut its tnum's members
// (not necessarily synced: some bounds are left loose).
func randValue(r *rand.Rand, maxUnknown int) scalar.Value {
	v := scalar.Unknown()
	v.VarOff = randTnum(r, maxUnknown)
	all := members(v)
	pick := func(less func(a, b uint64) bool) (lo, hi uint64) {
		s := append([]uint64(nil), all...)
		sort.Slice(s, func(i, j int) bool { return less(s[i], s[j]) })
		i, j := r.IntN(len(s)), r.IntN(len(s))
		if i > j {
			i, j = j, i
		}
		return s[i], s[j]
	}
	if r.IntN(2) == 0 {
		v.UMin, v.UMax = pick(func(a, b uint64) bool { return a < b })
	}
	if r.IntN(2) == 0 {
		lo, hi := pick(func(a, b uint64) bool { return int64(a) < int64(b) })
		v.SMin, v.SMax = int64(lo), int64(hi)
	}
	if r.IntN(3) == 0 {
		lo, hi := pick(func(a, b uint64) bool { return uint32(a) < uint32(b) })
		v.U32Min, v.U32Max = uint32(lo), uint32(hi)
	}
	if r.IntN(3) == 0 {
		lo, hi := pick(func(a, b uint64) bool { return int32(a) < int32(b) })
		v.S32Min, v.S32Max = int32(lo), int32(hi)
	}
	return v
}

// randInput is randValue after Sync, as every register the kernel computes
// with is, and not empty.
func randInput(r *rand.Rand, maxUnknown int) (scalar.Value, []uint64) {
	for {
		v := randValue(r, maxUnknown).Synced()
		if m := members(v); len(m) > 0 {
			return v, m
		}
	}
}

const rounds = 20000

// TestSyncSound: reg_bounds_sync and each of its steps keep every member of
// any value, synced or not; a synced non-empty value passes
// reg_bounds_sanity_check.
func TestSyncSound(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	steps := []struct {
		name string
		f    func(*scalar.Value)
	}{
		{"update_reg_bounds", (*scalar.Value).UpdateBounds},
		{"update_reg32_bounds", (*scalar.Value).Update32Bounds},
		{"update_reg64_bounds", (*scalar.Value).Update64Bounds},
		{"reg32_deduce_bounds", (*scalar.Value).Deduce32Bounds},
		{"reg64_deduce_bounds", (*scalar.Value).Deduce64Bounds},
		{"reg_deduce_mixed_bounds", (*scalar.Value).DeduceMixedBounds},
		{"reg_deduce_bounds", (*scalar.Value).DeduceBounds},
		{"reg_bound_offset", (*scalar.Value).BoundOffset},
		{"reg_bounds_sync", (*scalar.Value).Sync},
	}
	checks := 0
	for range rounds * 5 {
		v := randValue(r, 6)
		ms := members(v)
		for _, s := range steps {
			w := v
			s.f(&w)
			for _, x := range ms {
				checks++
				if !w.Contains(x) {
					t.Fatalf("%s(%+v) = %+v loses %#x", s.name, v, w, x)
				}
			}
		}
		if w := v.Synced(); len(ms) > 0 {
			if err := w.Check(); err != nil {
				t.Fatalf("Sync(%+v) = %+v: %v", v, w, err)
			}
		}
	}
	t.Logf("%d member checks", checks)
}

// concrete is the operation an ALU instruction performs on the machine
// (little-endian), for the instructions ALU models.
func concrete(code uint8, off int16, imm int32, x, y uint64) uint64 {
	op := code & 0xf0
	if code&7 == 0x04 { // BPF_ALU: 32-bit, zero-extended
		a, b := uint32(x), uint32(y)
		var z uint32
		switch op {
		case scalar.ADD:
			z = a + b
		case scalar.SUB:
			z = a - b
		case scalar.MUL:
			z = a * b
		case scalar.DIV:
			z = bpfDiv32(a, b, off == 1)
		case scalar.MOD:
			z = bpfMod32(a, b, off == 1)
		case scalar.OR:
			z = a | b
		case scalar.AND:
			z = a & b
		case scalar.XOR:
			z = a ^ b
		case scalar.LSH:
			z = a << (b & 31)
		case scalar.RSH:
			z = a >> (b & 31)
		case scalar.ARSH:
			z = uint32(int32(a) >> (b & 31))
		case scalar.NEG:
			z = -a
		case scalar.END:
			toBE := code&0x08 != 0
			switch {
			case imm == 16 && toBE:
				return uint64(bits.ReverseBytes16(uint16(x)))
			case imm == 16:
				return uint64(uint16(x))
			case imm == 32 && toBE:
				return uint64(bits.ReverseBytes32(uint32(x)))
			case imm == 32:
				return uint64(uint32(x))
			case toBE:
				return bits.ReverseBytes64(x)
			default:
				return x
			}
		}
		return uint64(z)
	}
	switch op {
	case scalar.ADD:
		return x + y
	case scalar.SUB:
		return x - y
	case scalar.MUL:
		return x * y
	case scalar.DIV:
		return bpfDiv64(x, y, off == 1)
	case scalar.MOD:
		return bpfMod64(x, y, off == 1)
	case scalar.OR:
		return x | y
	case scalar.AND:
		return x & y
	case scalar.XOR:
		return x ^ y
	case scalar.LSH:
		return x << (y & 63)
	case scalar.RSH:
		return x >> (y & 63)
	case scalar.ARSH:
		return uint64(int64(x) >> (y & 63))
	case scalar.NEG:
		return -x
	case scalar.END: // BPF_ALU64: bswap
		switch imm {
		case 16:
			return uint64(bits.ReverseBytes16(uint16(x)))
		case 32:
			return uint64(bits.ReverseBytes32(uint32(x)))
		}
		return bits.ReverseBytes64(x)
	}
	panic("no such operation")
}

func bpfDiv64(x, y uint64, signed bool) uint64 {
	switch {
	case y == 0:
		return 0
	case signed && int64(y) == -1:
		return -x
	case signed:
		return uint64(int64(x) / int64(y))
	}
	return x / y
}

func bpfMod64(x, y uint64, signed bool) uint64 {
	switch {
	case y == 0:
		return x
	case signed && int64(y) == -1:
		return 0
	case signed:
		return uint64(int64(x) % int64(y))
	}
	return x % y
}

func bpfDiv32(x, y uint32, signed bool) uint32 {
	switch {
	case y == 0:
		return 0
	case signed && int32(y) == -1:
		return -x
	case signed:
		return uint32(int32(x) / int32(y))
	}
	return x / y
}

func bpfMod32(x, y uint32, signed bool) uint32 {
	switch {
	case y == 0:
		return x
	case signed && int32(y) == -1:
		return 0
	case signed:
		return uint32(int32(x) % int32(y))
	}
	return x % y
}

// TestALUSound: for every ALU and ALU64 operation, with register and
// immediate sources (shift amounts both constant in range and not),
// every x in dst and y in src give op(x, y) in ALU(dst, src), through
// maybe_fork_scalars when it splits dst.
func TestALUSound(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	ops := []uint8{scalar.ADD, scalar.SUB, scalar.MUL, scalar.DIV, scalar.OR, scalar.AND, scalar.LSH,
		scalar.RSH, scalar.NEG, scalar.MOD, scalar.XOR, scalar.ARSH, scalar.END}
	checks, cases := 0, 0
	for _, op := range ops {
		for _, class := range []uint8{0x04, 0x07} {
			for range rounds {
				code := class | op
				var off int16
				var imm int32
				dst, dx := randInput(r, 4)
				var src scalar.Value
				var sx []uint64
				width := 64
				if class == 0x04 {
					width = 32
				}
				switch {
				case op == scalar.NEG:
					src, sx = dst, []uint64{0}
				case op == scalar.END:
					imm = []int32{16, 32, 64}[r.IntN(3)]
					if class == 0x04 && r.IntN(2) == 0 {
						code |= 0x08 // to big endian
					}
					src, sx = dst, []uint64{0}
				case (op == scalar.LSH || op == scalar.RSH || op == scalar.ARSH) && r.IntN(2) == 0:
					imm = r.Int32N(int32(width))
					src, sx = scalar.Imm(imm), []uint64{uint64(imm)}
				case r.IntN(3) == 0:
					imm = r.Int32()
					if r.IntN(2) == 0 {
						imm = int32(r.IntN(33)) - 16
					}
					src, sx = scalar.Imm(imm), []uint64{uint64(int64(imm))}
				default:
					code |= 0x08
					src, sx = randInput(r, 4)
				}
				if op == scalar.DIV || op == scalar.MOD {
					off = int16(r.IntN(2))
				}
				cases++
				starts := []scalar.Value{dst}
				if cur, pushed, ok := scalar.Fork(code, dst, src); ok {
					starts = []scalar.Value{cur, pushed}
				}
				outs := make([]scalar.Value, len(starts))
				for i, s := range starts {
					outs[i] = scalar.ALU(code, off, imm, s, src)
				}
				for _, x := range dx {
					i := 0
					for i < len(starts) && !starts[i].Contains(x) {
						i++
					}
					if i == len(starts) {
						t.Fatalf("Fork(%#x, %+v) loses %#x", code, dst, x)
					}
					for _, y := range sx {
						if op == scalar.NEG || op == scalar.END {
							y = 0
						}
						checks++
						if z := concrete(code, off, imm, x, y); !outs[i].Contains(z) {
							t.Fatalf("ALU(%#x, off %d, imm %d)\n dst %+v\n src %+v\n = %+v (%s)\n misses %#x op %#x = %#x",
								code, off, imm, starts[i], src, outs[i], scalar.Format(outs[i]), x, y, z)
						}
					}
				}
			}
		}
	}
	t.Logf("%d operand pairs, %d concrete checks", cases, checks)
}

// TestMovSound covers the moves of a scalar: w1 = w2 and the sign
// extensions of BPF_MOVSX.
func TestMovSound(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	type mov struct {
		name string
		abs  func(scalar.Value) scalar.Value
		conc func(uint64) uint64
	}
	movs := []mov{
		{"mov32", scalar.Mov32, func(x uint64) uint64 { return uint64(uint32(x)) }},
		{"movsx64 8", func(v scalar.Value) scalar.Value { return scalar.MovSx64(v, 8) }, func(x uint64) uint64 { return uint64(int64(int8(x))) }},
		{"movsx64 16", func(v scalar.Value) scalar.Value { return scalar.MovSx64(v, 16) }, func(x uint64) uint64 { return uint64(int64(int16(x))) }},
		{"movsx64 32", func(v scalar.Value) scalar.Value { return scalar.MovSx64(v, 32) }, func(x uint64) uint64 { return uint64(int64(int32(x))) }},
		{"movsx32 8", func(v scalar.Value) scalar.Value { return scalar.MovSx32(v, 8) }, func(x uint64) uint64 { return uint64(uint32(int32(int8(x)))) }},
		{"movsx32 16", func(v scalar.Value) scalar.Value { return scalar.MovSx32(v, 16) }, func(x uint64) uint64 { return uint64(uint32(int32(int16(x)))) }},
	}
	for _, size := range []int{1, 2, 4} {
		movs = append(movs, mov{"coerce_reg_to_size", func(v scalar.Value) scalar.Value {
			v.CoerceToSize(size)
			return v
		}, func(x uint64) uint64 { return x & (1<<(8*size) - 1) }})
	}
	checks := 0
	for _, m := range movs {
		for range rounds {
			v, xs := randInput(r, 5)
			got := m.abs(v)
			for _, x := range xs {
				checks++
				if z := m.conc(x); !got.Contains(z) {
					t.Fatalf("%s(%+v) = %+v misses %#x -> %#x", m.name, v, got, x, z)
				}
			}
		}
	}
	t.Logf("%d concrete checks", checks)
}

func cond(op uint8, is32 bool, x, y uint64) bool {
	if is32 {
		x, y = uint64(uint32(x)), uint64(uint32(y))
		switch op {
		case scalar.JSGT:
			return int32(x) > int32(y)
		case scalar.JSGE:
			return int32(x) >= int32(y)
		case scalar.JSLT:
			return int32(x) < int32(y)
		case scalar.JSLE:
			return int32(x) <= int32(y)
		}
	}
	switch op {
	case scalar.JEQ:
		return x == y
	case scalar.JNE:
		return x != y
	case scalar.JSET:
		return x&y != 0
	case scalar.JSETNot:
		return x&y == 0
	case scalar.JGT:
		return x > y
	case scalar.JGE:
		return x >= y
	case scalar.JLT:
		return x < y
	case scalar.JLE:
		return x <= y
	case scalar.JSGT:
		return int64(x) > int64(y)
	case scalar.JSGE:
		return int64(x) >= int64(y)
	case scalar.JSLT:
		return int64(x) < int64(y)
	case scalar.JSLE:
		return int64(x) <= int64(y)
	}
	panic("no such jump")
}

// TestBranchSound: is_scalar_branch_taken's definite answers hold for
// every pair of members; regs_refine_cond_op (alone and through
// reg_set_min_max, with one register on both sides too) keeps every pair
// that satisfies the branch's condition.
func TestBranchSound(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	ops := []uint8{scalar.JEQ, scalar.JNE, scalar.JSET, scalar.JGT, scalar.JGE, scalar.JLT, scalar.JLE,
		scalar.JSGT, scalar.JSGE, scalar.JSLT, scalar.JSLE}
	checks, decided := 0, 0
	for _, op := range ops {
		for _, is32 := range []bool{false, true} {
			for range rounds {
				a, ax := randInput(r, 4)
				var b scalar.Value
				var bx []uint64
				if r.IntN(2) == 0 {
					imm := int32(r.IntN(65)) - 32
					if r.IntN(2) == 0 {
						imm = int32(ax[r.IntN(len(ax))])
					}
					b, bx = scalar.Imm(imm), []uint64{uint64(int64(imm))}
				} else {
					b, bx = randInput(r, 4)
				}
				pred := scalar.BranchTaken(a, b, op, is32)
				if pred >= 0 {
					decided++
				}
				ra, rb := scalar.RefineCond(a, b, op, is32)
				na, nb := scalar.RefineCond(a, b, scalar.RevOpcode(op), is32)
				ta, tb, fa, fb := scalar.SetMinMax(a, b, op, is32)
				for _, x := range ax {
					for _, y := range bx {
						checks++
						c := cond(op, is32, x, y)
						if pred >= 0 && c != (pred == 1) {
							t.Fatalf("BranchTaken(%+v, %+v, %#x, %v) = %d, but %#x, %#x gives %v", a, b, op, is32, pred, x, y, c)
						}
						if c && (!ra.Contains(x) || !rb.Contains(y) || !ta.Contains(x) || !tb.Contains(y)) {
							t.Fatalf("taken %#x %v: %+v, %+v refined to %+v, %+v (synced %+v, %+v) loses %#x, %#x", op, is32, a, b, ra, rb, ta, tb, x, y)
						}
						if !c && (!na.Contains(x) || !nb.Contains(y) || !fa.Contains(x) || !fb.Contains(y)) {
							t.Fatalf("fall %#x %v: %+v, %+v refined to %+v, %+v (synced %+v, %+v) loses %#x, %#x", op, is32, a, b, na, nb, fa, fb, x, y)
						}
					}
				}
				st, sf := scalar.SetMinMaxSame(a, op, is32)
				for _, x := range ax {
					checks++
					if c := cond(op, is32, x, x); (c && !st.Contains(x)) || (!c && !sf.Contains(x)) {
						t.Fatalf("same register %#x %v: %+v to %+v / %+v loses %#x", op, is32, a, st, sf, x)
					}
				}
			}
		}
	}
	t.Logf("%d concrete checks, %d definite BranchTaken answers", checks, decided)
}

// TestFormatParse: Parse reads back what Format prints, for random values
// and the kernel's edge cases.
func TestFormatParse(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	vals := []scalar.Value{scalar.Unknown(), scalar.Known(0), scalar.Known(math.MaxUint64), scalar.Known(1 << 63)}
	for range 20000 {
		vals = append(vals, randValue(r, 8).Synced())
	}
	for _, v := range vals {
		s := scalar.Format(v)
		got, err := scalar.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if v.IsConst() {
			// A constant prints as its tnum alone.
			if !got.IsConst() || got.VarOff != v.VarOff {
				t.Fatalf("Parse(Format(%+v)) = %+v", v, got)
			}
			continue
		}
		if got != v {
			t.Fatalf("Parse(%q) = %+v, want %+v", s, got, v)
		}
	}
}
