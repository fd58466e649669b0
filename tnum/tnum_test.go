package tnum_test

import (
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/verisim/verisim/tnum"
)

// members calls f for every member of a (every x with x &^ Mask == Value).
func members(a tnum.Tnum, f func(uint64)) {
	s := uint64(0)
	for {
		f(a.Value | s)
		s = (s - a.Mask) & a.Mask
		if s == 0 {
			return
		}
	}
}

// window returns every well-formed Tnum whose known and unknown bits lie in
// the width bits starting at bit shift, the other bits known 0.
func window(width, shift uint) []tnum.Tnum {
	var out []tnum.Tnum
	n := uint64(1) << width
	for m := uint64(0); m < n; m++ {
		for v := uint64(0); v < n; v++ {
			if v&m == 0 {
				out = append(out, tnum.Tnum{Value: v << shift, Mask: m << shift})
			}
		}
	}
	return out
}

// randomTnum returns a Tnum with at most k unknown bits anywhere in the 64.
func randomTnum(r *rand.Rand, k int) tnum.Tnum {
	var m uint64
	for i := r.IntN(k + 1); i > 0; i-- {
		m |= 1 << r.IntN(64)
	}
	v := r.Uint64() &^ m
	return tnum.Tnum{Value: v, Mask: m}
}

// pairSets are the operand pairs of the brute-force checks: a 5-bit window
// at bit 0 and 4-bit windows across the 32-bit boundary and at the top
// (every pair within a window, and across the first and the last), and random 64-bit tnums with few unknown
// bits.
func pairSets(t *testing.T) [][2]tnum.Tnum {
	t.Helper()
	var sets [][]tnum.Tnum
	sets = append(sets, window(5, 0))
	for _, sh := range []uint{29, 60} {
		sets = append(sets, window(4, sh))
	}
	var out [][2]tnum.Tnum
	for _, s := range sets {
		for _, a := range s {
			for _, b := range s {
				out = append(out, [2]tnum.Tnum{a, b})
			}
		}
	}
	for _, a := range sets[0] {
		for _, b := range sets[2] {
			out = append(out, [2]tnum.Tnum{a, b}, [2]tnum.Tnum{b, a})
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		out = append(out, [2]tnum.Tnum{randomTnum(r, 5), randomTnum(r, 5)})
	}
	return out
}

func wellFormed(a tnum.Tnum) bool { return a.Value&a.Mask == 0 }

// TestBinarySound: for each binary operation, every x in a and y in b give
// op(x, y) in op#(a, b), and the result is well formed.
func TestBinarySound(t *testing.T) {
	ops := []struct {
		name string
		abs  func(a, b tnum.Tnum) tnum.Tnum
		conc func(x, y uint64) uint64
	}{
		{"add", tnum.Tnum.Add, func(x, y uint64) uint64 { return x + y }},
		{"sub", tnum.Tnum.Sub, func(x, y uint64) uint64 { return x - y }},
		{"mul", tnum.Tnum.Mul, func(x, y uint64) uint64 { return x * y }},
		{"and", tnum.Tnum.And, func(x, y uint64) uint64 { return x & y }},
		{"or", tnum.Tnum.Or, func(x, y uint64) uint64 { return x | y }},
		{"xor", tnum.Tnum.Xor, func(x, y uint64) uint64 { return x ^ y }},
	}
	pairs := pairSets(t)
	for _, op := range ops {
		t.Run(op.name, func(t *testing.T) {
			checks := 0
			for _, p := range pairs {
				a, b := p[0], p[1]
				got := op.abs(a, b)
				if !wellFormed(got) {
					t.Fatalf("%v %s %v = %v: value and mask overlap", a, op.name, b, got)
				}
				members(a, func(x uint64) {
					members(b, func(y uint64) {
						checks++
						if z := op.conc(x, y); !got.Contains(z) {
							t.Fatalf("%v %s %v = %v misses %#x %s %#x = %#x", a, op.name, b, got, x, op.name, y, z)
						}
					})
				})
			}
			t.Logf("%d operand pairs, %d concrete checks", len(pairs), checks)
		})
	}
}

// TestUnarySound covers the shifts, neg, casts, subregister operations and
// byte swaps over every 6-bit window Tnum at several offsets and random
// tnums.
func TestUnarySound(t *testing.T) {
	var in []tnum.Tnum
	for _, sh := range []uint{0, 13, 26, 29, 45, 58} {
		in = append(in, window(6, sh)...)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		in = append(in, randomTnum(r, 8))
	}
	type unary struct {
		name string
		abs  func(tnum.Tnum) tnum.Tnum
		conc func(uint64) uint64
	}
	ops := []unary{
		{"neg", tnum.Tnum.Neg, func(x uint64) uint64 { return -x }},
		{"subreg", tnum.Tnum.Subreg, func(x uint64) uint64 { return uint64(uint32(x)) }},
		{"clear_subreg", tnum.Tnum.ClearSubreg, func(x uint64) uint64 { return x &^ 0xffffffff }},
		{"bswap16", tnum.Tnum.Bswap16, func(x uint64) uint64 { return uint64(bits.ReverseBytes16(uint16(x))) }},
		{"bswap32", tnum.Tnum.Bswap32, func(x uint64) uint64 { return uint64(bits.ReverseBytes32(uint32(x))) }},
		{"bswap64", tnum.Tnum.Bswap64, bits.ReverseBytes64},
	}
	for _, size := range []uint8{1, 2, 4, 8} {
		ops = append(ops, unary{"cast", func(a tnum.Tnum) tnum.Tnum { return a.Cast(size) }, func(x uint64) uint64 {
			if size == 8 {
				return x
			}
			return x & (1<<(8*uint(size)) - 1)
		}})
	}
	for _, sh := range []uint8{0, 1, 7, 31, 32, 33, 63} {
		ops = append(ops,
			unary{"lshift", func(a tnum.Tnum) tnum.Tnum { return a.Lshift(sh) }, func(x uint64) uint64 { return x << sh }},
			unary{"rshift", func(a tnum.Tnum) tnum.Tnum { return a.Rshift(sh) }, func(x uint64) uint64 { return x >> sh }},
			unary{"arshift64", func(a tnum.Tnum) tnum.Tnum { return a.Arshift(sh, 64) }, func(x uint64) uint64 { return uint64(int64(x) >> sh) }})
		if sh < 32 {
			ops = append(ops, unary{"arshift32", func(a tnum.Tnum) tnum.Tnum { return a.Arshift(sh, 32) }, func(x uint64) uint64 {
				return uint64(uint32(int32(uint32(x)) >> sh))
			}})
		}
	}
	for _, k := range []uint32{0, 1, 0x80000000, 0xdeadbeef} {
		ops = append(ops, unary{"const_subreg", func(a tnum.Tnum) tnum.Tnum { return a.ConstSubreg(k) }, func(x uint64) uint64 {
			return x&^0xffffffff | uint64(k)
		}})
	}
	sub := tnum.Tnum{Value: 0x5, Mask: 0xf0}
	ops = append(ops, unary{"with_subreg", func(a tnum.Tnum) tnum.Tnum { return a.WithSubreg(sub) }, nil})
	for _, op := range ops {
		for _, a := range in {
			got := op.abs(a)
			if !wellFormed(got) {
				t.Fatalf("%s(%v) = %v: value and mask overlap", op.name, a, got)
			}
			if op.conc == nil {
				members(a, func(x uint64) {
					members(sub, func(y uint64) {
						if z := x&^0xffffffff | uint64(uint32(y)); !got.Contains(z) {
							t.Fatalf("with_subreg(%v, %v) = %v misses %#x", a, sub, got, z)
						}
					})
				})
				continue
			}
			members(a, func(x uint64) {
				if z := op.conc(x); !got.Contains(z) {
					t.Fatalf("%s(%v) = %v misses %s(%#x) = %#x", op.name, a, got, op.name, x, z)
				}
			})
		}
	}
}

// TestRange: tnum_range holds every value of [min, max] and is a common
// prefix with an unknown suffix; a full-width range is unknown.
func TestRange(t *testing.T) {
	for _, sh := range []uint{0, 30, 58} {
		for lo := uint64(0); lo < 64; lo++ {
			for hi := lo; hi < 64; hi++ {
				min, max := lo<<sh, hi<<sh|(1<<sh-1)
				got := tnum.Range(min, max)
				if !wellFormed(got) || got.Mask&(got.Mask+1) != 0 {
					t.Fatalf("Range(%#x, %#x) = %v: not a prefix and a suffix", min, max, got)
				}
				if !got.Contains(min) || !got.Contains(max) || !got.Contains(min+(max-min)/2) {
					t.Fatalf("Range(%#x, %#x) = %v misses a member", min, max, got)
				}
			}
		}
	}
	if got := tnum.Range(0, ^uint64(0)); got != tnum.Unknown {
		t.Errorf("Range(0, U64_MAX) = %v, want unknown", got)
	}
	if got := tnum.Range(1<<63, 1<<63); got != tnum.Const(1<<63) {
		t.Errorf("Range(1<<63, 1<<63) = %v, want the constant", got)
	}
	// The kernel's comment: chi = 4 gives bits = 3, delta = 7.
	if got, want := tnum.Range(3, 4), (tnum.Tnum{Value: 0, Mask: 7}); got != want {
		t.Errorf("Range(3, 4) = %v, want %v", got, want)
	}
}

// TestSetOperations: tnum_in, tnum_overlap, tnum_intersect, tnum_union,
// tnum_is_aligned and tnum_step checked exactly against the member sets
// of every pair of 4-bit window tnums.
func TestSetOperations(t *testing.T) {
	all := append(window(4, 0), window(4, 30)...)
	set := func(a tnum.Tnum) map[uint64]bool {
		m := map[uint64]bool{}
		members(a, func(x uint64) { m[x] = true })
		return m
	}
	for _, a := range all {
		sa := set(a)
		for _, size := range []uint64{0, 1, 2, 4, 8, 1 << 31} {
			want := true
			for x := range sa {
				if size != 0 && x%size != 0 {
					want = false
				}
			}
			if got := a.IsAligned(size); got != want {
				t.Fatalf("IsAligned(%v, %d) = %v, want %v", a, size, got, want)
			}
		}
		tmin, tmax := a.Value, a.Value|a.Mask
		// Every z in [tmin, tmax) that matters: the members and their
		// neighbours.
		var zs []uint64
		for x := range sa {
			zs = append(zs, x, x+1, x-1)
		}
		for _, z := range zs {
			if z < tmin || z >= tmax {
				continue
			}
			want := tmax
			for x := range sa {
				if x > z && x < want {
					want = x
				}
			}
			if got := a.Step(z); got != want {
				t.Fatalf("Step(%v, %#x) = %#x, want %#x", a, z, got, want)
			}
		}
		if a.Step(tmax) != tmax || a.Step(^uint64(0)) != tmax || (tmin > 0 && a.Step(tmin-1) != tmin) {
			t.Fatalf("Step(%v) at the ends", a)
		}
		for _, b := range all {
			sb := set(b)
			subset, common := true, false
			for x := range sb {
				if !sa[x] {
					subset = false
				} else {
					common = true
				}
			}
			if got := a.In(b); got != subset {
				t.Fatalf("In(%v, %v) = %v, want %v", a, b, got, subset)
			}
			if got := a.Overlap(b); got != common {
				t.Fatalf("Overlap(%v, %v) = %v, want %v", a, b, got, common)
			}
			i := a.Intersect(b)
			u := a.Union(b)
			if !wellFormed(i) || !wellFormed(u) {
				t.Fatalf("Intersect/Union(%v, %v) not well formed: %v %v", a, b, i, u)
			}
			for x := range sa {
				if sb[x] && !i.Contains(x) {
					t.Fatalf("Intersect(%v, %v) = %v misses %#x", a, b, i, x)
				}
				if !u.Contains(x) {
					t.Fatalf("Union(%v, %v) = %v misses %#x", a, b, u, x)
				}
			}
			for x := range sb {
				if !u.Contains(x) {
					t.Fatalf("Union(%v, %v) = %v misses %#x", a, b, u, x)
				}
			}
		}
	}
}

// TestMulUnion is the example in tnum_mul's comment (Linux 6.18): 11 * x1
// is union(0011, 1001) == x0x1.
func TestMulUnion(t *testing.T) {
	a := tnum.Tnum{Value: 1, Mask: 2} // x1
	b := tnum.Const(3)                // 11
	if got, want := a.Mul(b), (tnum.Tnum{Value: 1, Mask: 0xa}); got != want {
		t.Errorf("x1 * 11 = %v, want %v", got, want)
	}
}

func TestPredicates(t *testing.T) {
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"const", tnum.Const(5).IsConst(), true},
		{"not const", tnum.Tnum{Mask: 1}.IsConst(), false},
		{"equals const", tnum.Const(5).EqualsConst(5), true},
		{"equals other", tnum.Const(5).EqualsConst(6), false},
		{"unknown", tnum.Unknown.IsUnknown(), true},
		{"not unknown", tnum.Tnum{Mask: 1<<63 - 1}.IsUnknown(), false},
		{"subreg const", tnum.Tnum{Value: 7, Mask: 0xff00000000}.SubregIsConst(), true},
		{"subreg equals", tnum.Tnum{Value: 7, Mask: 0xff00000000}.SubregEqualsConst(7), true},
		{"subreg not const", tnum.Tnum{Mask: 0x80000000}.SubregIsConst(), false},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestString: tnum_strn in kernel/bpf/log.c prints a constant in decimal
// up to U16_MAX and in hex above, and otherwise (%#llx; %#llx), where the
// kernel's %#llx prints 0 as 0x0.
func TestString(t *testing.T) {
	tests := []struct {
		in   tnum.Tnum
		want string
	}{
		{tnum.Const(0), "0"},
		{tnum.Const(65535), "65535"},
		{tnum.Const(65536), "0x10000"},
		{tnum.Unknown, "(0x0; 0xffffffffffffffff)"},
		{tnum.Tnum{Value: 0xe00, Mask: 0x100}, "(0xe00; 0x100)"},
	}
	for _, tc := range tests {
		if got := tc.in.String(); got != tc.want {
			t.Errorf("String(%#v) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got, want := (tnum.Tnum{Value: 5, Mask: 2}).Sbin(), "00000000000000000000000000000000000000000000000000000000000001x1"; got != want {
		t.Errorf("Sbin = %q, want %q", got, want)
	}
}
