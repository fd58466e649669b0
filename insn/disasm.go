package insn

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/cilium/ebpf/asm"
)

// Disasm returns the kernel's text for slot s, without a newline, as
// print_bpf_insn (kernel/bpf/disasm.c, v6.18) prints it in the verifier log:
// "(18) r1 = 0x1234", "(b7) r0 = 0", "(95) exit".
//
// next is the slot after s; it is only read for an ld_imm64 (the kernel
// prints the 64-bit immediate built from both halves), and a nil next prints
// the low half alone. allowPtrLeaks mirrors env->allow_ptr_leaks: without it
// the immediates of MAP_FD and MAP_VALUE loads print as 0x0.
func Disasm(s Slot, next *Slot, allowPtrLeaks bool) string {
	class := s.Class()
	switch class {
	case ClassALU, ClassALU64:
		return disasmALU(s)
	case ClassSTX:
		return disasmSTX(s)
	case ClassST:
		switch s.Mode() {
		case ModeMEM:
			return fmt.Sprintf("(%02x) *(%s *)(r%d %+d) = %d", s.Code, ldstSize[s.SizeField()>>3], s.Dst, s.Off, s.Imm)
		case 0xc0: // BPF_NOSPEC, internal only
			return fmt.Sprintf("(%02x) nospec", s.Code)
		}
		return fmt.Sprintf("BUG_st_%02x", s.Code)
	case ClassLDX:
		switch s.Mode() {
		case ModeMEM:
			return fmt.Sprintf("(%02x) r%d = *(%s *)(r%d %+d)", s.Code, s.Dst, ldstSize[s.SizeField()>>3], s.Src, s.Off)
		case ModeMEMSX:
			return fmt.Sprintf("(%02x) r%d = *(%s *)(r%d %+d)", s.Code, s.Dst, ldsxSize[s.SizeField()>>3], s.Src, s.Off)
		}
		return fmt.Sprintf("BUG_ldx_%02x", s.Code)
	case ClassLD:
		switch {
		case s.Mode() == ModeABS:
			return fmt.Sprintf("(%02x) r0 = *(%s *)skb[%d]", s.Code, ldstSize[s.SizeField()>>3], s.Imm)
		case s.Mode() == ModeIND:
			return fmt.Sprintf("(%02x) r0 = *(%s *)skb[r%d + %d]", s.Code, ldstSize[s.SizeField()>>3], s.Src, s.Imm)
		case s.Mode() == ModeIMM && s.SizeField() == SizeDW:
			imm := uint64(uint32(s.Imm))
			if next != nil {
				imm = s.Imm64(*next)
			}
			if (s.Src == PseudoMapFD || s.Src == PseudoMapValue) && !allowPtrLeaks {
				imm = 0
			}
			return fmt.Sprintf("(%02x) r%d = 0x%x", s.Code, s.Dst, imm)
		}
		return fmt.Sprintf("BUG_ld_%02x", s.Code)
	case ClassJMP, ClassJMP32:
		return disasmJump(s)
	}
	panic("unreachable: class has three bits")
}

var ldstSize = [4]string{"u32", "u16", "u8", "u64"}
var ldsxSize = [4]string{"s32", "s16", "s8", ""}

var aluOp = [16]string{"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""}

// bpf_jmp_string (kernel/bpf/disasm.c) names no op 0xe0 (JCOND) or 0xf0:
// the kernel prints the NULL entry as vsnprintf does, "(null)".
var jmpOp = [16]string{"jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", "(null)", "(null)"}

func regChar(class uint8) byte {
	if class == ClassALU || class == ClassJMP32 {
		return 'w'
	}
	return 'r'
}

func disasmALU(s Slot) string {
	class := s.Class()
	r := regChar(class)
	op := s.Op()
	switch {
	case op == OpEND && class == ClassALU64:
		return fmt.Sprintf("(%02x) r%d = bswap%d r%d", s.Code, s.Dst, s.Imm, s.Dst)
	case op == OpEND:
		endian := "le"
		if s.Source() == SrcX {
			endian = "be"
		}
		return fmt.Sprintf("(%02x) r%d = %s%d r%d", s.Code, s.Dst, endian, s.Imm, s.Dst)
	case op == OpNEG:
		return fmt.Sprintf("(%02x) %c%d = -%c%d", s.Code, r, s.Dst, r, s.Dst)
	case s.Code == ClassALU64|OpMOV|SrcX && s.Off == 1: // BPF_ADDR_SPACE_CAST
		return fmt.Sprintf("(%02x) r%d = addr_space_cast(r%d, %d, %d)", s.Code, s.Dst, s.Src, uint32(s.Imm)>>16, uint16(s.Imm))
	case s.Code == ClassALU64|OpMOV|SrcX && s.Off == -1: // BPF_ADDR_PERCPU, internal only
		return fmt.Sprintf("(%02x) r%d = &(void __percpu *)(r%d)", s.Code, s.Dst, s.Src)
	}
	name := aluOp[op>>4]
	if (op == OpDIV || op == OpMOD) && s.Off == 1 {
		name = "s" + name
	}
	if s.Source() == SrcX {
		sx := ""
		if op == OpMOV {
			switch s.Off {
			case 8:
				sx = "(s8)"
			case 16:
				sx = "(s16)"
			case 32:
				sx = "(s32)"
			}
		}
		return fmt.Sprintf("(%02x) %c%d %s %s%c%d", s.Code, r, s.Dst, name, sx, r, s.Src)
	}
	return fmt.Sprintf("(%02x) %c%d %s %d", s.Code, r, s.Dst, name, s.Imm)
}

// Atomic operation immediates (BPF_ATOMIC).
const (
	atomicFetch   = 0x01
	atomicXchg    = 0xe0 | atomicFetch
	atomicCmpXchg = 0xf0 | atomicFetch
	loadAcq       = 0x100
	storeRel      = 0x110
)

var atomicName = map[int32]string{OpADD: "add", OpAND: "and", OpOR: "or", OpXOR: "xor"}

func disasmSTX(s Slot) string {
	size := ldstSize[s.SizeField()>>3]
	if s.Mode() == ModeMEM {
		return fmt.Sprintf("(%02x) *(%s *)(r%d %+d) = r%d", s.Code, size, s.Dst, s.Off, s.Src)
	}
	if s.Mode() != ModeATOMIC {
		return fmt.Sprintf("BUG_%02x", s.Code)
	}
	bits := ""
	if s.SizeField() == SizeDW {
		bits = "64"
	}
	switch imm := s.Imm; {
	case imm == OpADD || imm == OpAND || imm == OpOR || imm == OpXOR:
		return fmt.Sprintf("(%02x) lock *(%s *)(r%d %+d) %s r%d", s.Code, size, s.Dst, s.Off, aluOp[imm>>4], s.Src)
	case imm == OpADD|atomicFetch || imm == OpAND|atomicFetch || imm == OpOR|atomicFetch || imm == OpXOR|atomicFetch:
		return fmt.Sprintf("(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %+d), r%d)", s.Code, s.Src, bits, atomicName[imm&^atomicFetch], size, s.Dst, s.Off, s.Src)
	case imm == atomicCmpXchg:
		return fmt.Sprintf("(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %+d), r0, r%d)", s.Code, bits, size, s.Dst, s.Off, s.Src)
	case imm == atomicXchg:
		return fmt.Sprintf("(%02x) r%d = atomic%s_xchg((%s *)(r%d %+d), r%d)", s.Code, s.Src, bits, size, s.Dst, s.Off, s.Src)
	case imm == loadAcq:
		return fmt.Sprintf("(%02x) r%d = load_acquire((%s *)(r%d %+d))", s.Code, s.Dst, size, s.Src, s.Off)
	case imm == storeRel:
		return fmt.Sprintf("(%02x) store_release((%s *)(r%d %+d), r%d)", s.Code, size, s.Dst, s.Off, s.Src)
	}
	return fmt.Sprintf("BUG_%02x", s.Code)
}

func disasmJump(s Slot) string {
	class := s.Class()
	op := s.Op()
	switch {
	case op == OpCALL:
		if s.Src == PseudoCall {
			return fmt.Sprintf("(%02x) call pc%+d", s.Code, s.Imm)
		}
		return fmt.Sprintf("(%02x) call %s#%d", s.Code, callName(s), s.Imm)
	case s.Code == CodeJA:
		return fmt.Sprintf("(%02x) goto pc%+d", s.Code, s.Off)
	case s.Code == ClassJMP|OpJCOND && s.Src == 0: // BPF_MAY_GOTO
		return fmt.Sprintf("(%02x) may_goto pc%+d", s.Code, s.Off)
	case s.Code == CodeJA32:
		return fmt.Sprintf("(%02x) gotol pc%+d", s.Code, s.Imm)
	case s.Code == CodeExit:
		return fmt.Sprintf("(%02x) exit", s.Code)
	}
	r := regChar(class)
	if s.Source() == SrcX {
		return fmt.Sprintf("(%02x) if %c%d %s %c%d goto pc%+d", s.Code, r, s.Dst, jmpOp[op>>4], r, s.Src, s.Off)
	}
	return fmt.Sprintf("(%02x) if %c%d %s 0x%x goto pc%+d", s.Code, r, s.Dst, jmpOp[op>>4], uint32(s.Imm), s.Off)
}

// callName mirrors __func_get_name (kernel/bpf/disasm.c): the helper's
// "bpf_" name for src 0, "kernel-function" for a kfunc the log cannot name,
// "unknown" otherwise.
func callName(s Slot) string {
	if s.Src == 0 && s.Imm >= 0 {
		if name, ok := HelperName(s.Imm); ok {
			return name
		}
	}
	if s.Src == PseudoKfuncCall {
		return "kernel-function"
	}
	return "unknown"
}

// HelperName returns the kernel's func_id_str entry for helper id, e.g.
// "bpf_map_lookup_elem" for 1. The names come from cilium/ebpf's
// asm.BuiltinFunc, converted from Go's FnMapLookupElem to the kernel's
// snake case.
func HelperName(id int32) (string, bool) {
	s := asm.BuiltinFunc(id).String()
	if !strings.HasPrefix(s, "Fn") {
		return "", false
	}
	var b strings.Builder
	b.WriteString("bpf")
	for _, c := range s[2:] {
		// Digits stay with the word before them: L3CsumReplace -> l3_csum_replace.
		if unicode.IsUpper(c) {
			b.WriteByte('_')
			c = unicode.ToLower(c)
		}
		b.WriteRune(c)
	}
	return b.String(), true
}
