package helpers

import "strings"

// baseBits is BPF_BASE_TYPE_BITS (include/linux/bpf.h): an argument or
// return type is a base type in the low 8 bits and bpf_type_flag bits
// above.
const (
	baseBits = 8
	baseMask = 1<<baseBits - 1
)

// ArgType is enum bpf_arg_type with its bpf_type_flag bits, numbered as
// in 6.18. The zero value is ARG_DONTCARE (no argument).
type ArgType uint32

// RetType is enum bpf_return_type with its bpf_type_flag bits, numbered
// as in 6.18. The zero value is RET_INTEGER.
type RetType uint32

// TypeFlag is a set of enum bpf_type_flag bits (PTR_MAYBE_NULL,
// MEM_RDONLY, ...), numbered as in 6.18.
type TypeFlag uint32

// Base returns the base type (the low BPF_BASE_TYPE_BITS, base_type()).
func (t ArgType) Base() ArgType { return t & baseMask }

// Flags returns the bpf_type_flag bits (type_flag()).
func (t ArgType) Flags() TypeFlag { return TypeFlag(t &^ baseMask) }

// Base returns the base type (base_type()).
func (t RetType) Base() RetType { return t & baseMask }

// Flags returns the bpf_type_flag bits (type_flag()).
func (t RetType) Flags() TypeFlag { return TypeFlag(t &^ baseMask) }

// String returns the kernel's name of t: the enum constant when one has
// t's value (ARG_PTR_TO_UNINIT_MEM), else the base and its flags
// ("ARG_PTR_TO_MEM | MEM_RDONLY").
func (t ArgType) String() string {
	if n, ok := argNames[t]; ok {
		return n
	}
	return join(argNames[t.Base()], "ARG", uint32(t.Base()), t.Flags())
}

// String returns the kernel's name of t, as ArgType.String does.
func (t RetType) String() string {
	if n, ok := retNames[t]; ok {
		return n
	}
	return join(retNames[t.Base()], "RET", uint32(t.Base()), t.Flags())
}

// String returns the flags' names joined by " | " ("" for none).
func (f TypeFlag) String() string {
	var parts []string
	for _, n := range flagNames {
		if f&n.f != 0 {
			parts = append(parts, n.name)
			f &^= n.f
		}
	}
	if f != 0 {
		parts = append(parts, "TypeFlag("+hex(uint32(f))+")")
	}
	return strings.Join(parts, " | ")
}

func join(base, kind string, n uint32, f TypeFlag) string {
	if base == "" {
		base = kind + "(" + hex(n) + ")"
	}
	if f == 0 {
		return base
	}
	return base + " | " + f.String()
}

func hex(n uint32) string {
	const digits = "0123456789abcdef"
	if n == 0 {
		return "0x0"
	}
	var b []byte
	for ; n > 0; n >>= 4 {
		b = append([]byte{digits[n&15]}, b...)
	}
	return "0x" + string(b)
}
