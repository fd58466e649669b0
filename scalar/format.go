package scalar

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/verisim/verisim/tnum"
)

// Format returns what print_reg_state (kernel/bpf/log.c, Linux 6.18)
// prints for a scalar register that is neither precise nor linked (the P
// prefix and id= are the register's, not the value's; see AppendRanges): a
// constant tnum as its number (verbose_snum: decimal within s16, else
// %#llx), otherwise "scalar(" with the ranges and var_off that differ from
// the unknown defaults, then ")".
func Format(v Value) string {
	if v.VarOff.IsConst() {
		return string(appendSnum(nil, int64(v.VarOff.Value)))
	}
	b := append(make([]byte, 0, 96), "scalar("...)
	b = AppendRanges(b, v, "")
	return string(append(b, ')'))
}

// AppendRanges appends print_scalar_ranges and the var_off print_reg_state
// adds after it for a non-constant scalar: the fields of v that are not
// their unknown defaults, each preceded by sep for the first and by a
// comma after that. A field whose number equals a later one's (smin with
// umin, smin32 and umin32; smax with umax, smax32 and umax32) shares its
// "=", unless one of them is a negative signed value and the other not. A
// signed 32-bit bound is shown sign-extended when decimal and as its u32
// bits when hex.
func AppendRanges(b []byte, v Value, sep string) []byte {
	type field struct {
		name string
		val  uint64
		omit bool
	}
	s32 := func(x int32) uint64 {
		if isSnumDecimal(int64(x)) {
			return uint64(int64(x))
		}
		return uint64(uint32(x))
	}
	fs := [8]field{
		{"smin", uint64(v.SMin), v.SMin == math.MinInt64},
		{"smax", uint64(v.SMax), v.SMax == math.MaxInt64},
		{"umin", v.UMin, v.UMin == 0},
		{"umax", v.UMax, v.UMax == math.MaxUint64},
		{"smin32", s32(v.S32Min), v.S32Min == math.MinInt32},
		{"smax32", s32(v.S32Max), v.S32Max == math.MaxInt32},
		{"umin32", uint64(v.U32Min), v.U32Min == 0},
		{"umax32", uint64(v.U32Max), v.U32Max == math.MaxUint32},
	}
	for i := range fs {
		m1 := &fs[i]
		if m1.omit {
			continue
		}
		neg1 := m1.name[0] == 's' && int64(m1.val) < 0
		b = append(b, sep...)
		b = append(b, m1.name...)
		b = append(b, '=')
		sep = ","
		for j := i + 2; j < len(fs); j += 2 {
			m2 := &fs[j]
			if m2.omit || m2.val != m1.val {
				continue
			}
			// Don't mix negatives with positives.
			if neg2 := m2.name[0] == 's' && int64(m2.val) < 0; neg2 != neg1 {
				continue
			}
			m2.omit = true
			b = append(b, m2.name...)
			b = append(b, '=')
		}
		if m1.name[0] == 's' {
			b = appendSnum(b, int64(m1.val))
		} else {
			b = appendUnum(b, m1.val)
		}
	}
	if !v.VarOff.IsUnknown() {
		b = append(b, sep...)
		b = append(b, "var_off="...)
		b = append(b, v.VarOff.String()...)
	}
	return b
}

// isSnumDecimal models is_snum_decimal: within [S16_MIN, S16_MAX].
func isSnumDecimal(x int64) bool { return x >= math.MinInt16 && x <= math.MaxInt16 }

// appendSnum models verbose_snum.
func appendSnum(b []byte, x int64) []byte {
	if isSnumDecimal(x) {
		return strconv.AppendInt(b, x, 10)
	}
	return fmt.Appendf(b, "%#x", uint64(x))
}

// appendUnum models verbose_unum: decimal up to U16_MAX, else %#llx.
func appendUnum(b []byte, x uint64) []byte {
	if x <= math.MaxUint16 {
		return strconv.AppendUint(b, x, 10)
	}
	return fmt.Appendf(b, "%#x", x)
}

// ErrSyntax is returned by Parse for text that is not a scalar in the 6.18
// log's syntax.
var ErrSyntax = errors.New("not a scalar in the 6.18 log syntax")

// Parse reads a scalar as Format prints it, the inverse of Format: a
// number (decimal, possibly negative, or 0x hex) for a constant, or
// "scalar(...)" with any of smin, smax, umin, umax, smin32, smax32, umin32,
// umax32 (several may share a number: "smin=smin32=-5") and var_off=(v; m).
// Fields that are absent take their unknown defaults. Parse does not
// accept the register's P prefix or id=; strip them first.
func Parse(s string) (Value, error) {
	if !strings.HasPrefix(s, "scalar(") {
		x, err := parseNum(s)
		if err != nil {
			return Value{}, fmt.Errorf("parse %q: %w", s, ErrSyntax)
		}
		return Known(x), nil
	}
	body, ok := strings.CutSuffix(strings.TrimPrefix(s, "scalar("), ")")
	if !ok {
		return Value{}, fmt.Errorf("parse %q: %w", s, ErrSyntax)
	}
	v := Unknown()
	if body == "" {
		return v, nil
	}
	for _, f := range strings.Split(body, ",") {
		parts := strings.Split(f, "=")
		if len(parts) < 2 {
			return Value{}, fmt.Errorf("parse %q: field %q: %w", s, f, ErrSyntax)
		}
		text := parts[len(parts)-1]
		if len(parts) == 2 && parts[0] == "var_off" {
			t, err := parseTnum(text)
			if err != nil {
				return Value{}, fmt.Errorf("parse %q: %w", s, err)
			}
			v.VarOff = t
			continue
		}
		x, err := parseNum(text)
		if err != nil {
			return Value{}, fmt.Errorf("parse %q: field %q: %w", s, f, ErrSyntax)
		}
		for _, name := range parts[:len(parts)-1] {
			switch name {
			case "smin":
				v.SMin = int64(x)
			case "smax":
				v.SMax = int64(x)
			case "umin":
				v.UMin = x
			case "umax":
				v.UMax = x
			case "smin32":
				v.S32Min = int32(uint32(x))
			case "smax32":
				v.S32Max = int32(uint32(x))
			case "umin32":
				v.U32Min = uint32(x)
			case "umax32":
				v.U32Max = uint32(x)
			default:
				return Value{}, fmt.Errorf("parse %q: field %q: %w", s, name, ErrSyntax)
			}
		}
	}
	return v, nil
}

// parseNum reads a number as verbose_snum or verbose_unum prints it, as
// its 64 bits.
func parseNum(s string) (uint64, error) {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		return strconv.ParseUint(h, 16, 64)
	}
	if strings.HasPrefix(s, "-") {
		x, err := strconv.ParseInt(s, 10, 64)
		return uint64(x), err
	}
	return strconv.ParseUint(s, 10, 64)
}

// parseTnum reads tnum_strn's "(%#llx; %#llx)", or a constant.
func parseTnum(s string) (tnum.Tnum, error) {
	in, ok1 := strings.CutPrefix(s, "(")
	in, ok2 := strings.CutSuffix(in, ")")
	if !ok1 && !ok2 {
		x, err := parseNum(s)
		if err != nil {
			return tnum.Tnum{}, fmt.Errorf("var_off %q: %w", s, ErrSyntax)
		}
		return tnum.Const(x), nil
	}
	if !ok1 || !ok2 {
		return tnum.Tnum{}, fmt.Errorf("var_off %q: %w", s, ErrSyntax)
	}
	vs, ms, ok := strings.Cut(in, "; ")
	if !ok {
		return tnum.Tnum{}, fmt.Errorf("var_off %q: %w", s, ErrSyntax)
	}
	val, err1 := parseNum(vs)
	mask, err2 := parseNum(ms)
	if err1 != nil || err2 != nil {
		return tnum.Tnum{}, fmt.Errorf("var_off %q: %w", s, ErrSyntax)
	}
	return tnum.Tnum{Value: val, Mask: mask}, nil
}
