package insn

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Size is the size of one instruction slot in bytes.
const Size = 8

// Slot is one 8-byte instruction slot, struct bpf_insn:
//
//	 msb                                                        lsb
//	+------------------------+----------------+----+----+--------+
//	|immediate (s32)         |offset (s16)    |src |dst |opcode  |
//	+------------------------+----------------+----+----+--------+
//
// In memory (little-endian) byte 0 is the opcode, byte 1 holds dst_reg in
// its low nibble and src_reg in its high nibble, bytes 2-3 the offset and
// bytes 4-7 the immediate. An ld_imm64 occupies two slots; the second one is
// a Slot like any other, so that its reserved fields stay visible.
type Slot struct {
	Code uint8
	Dst  uint8 // 0..15
	Src  uint8 // 0..15
	Off  int16
	Imm  int32
}

// ErrLength is returned by Decode when the input is not a whole number of
// slots.
var ErrLength = errors.New("length is not a multiple of 8 bytes")

// Decode splits b into slots. It fails only when len(b) is not a multiple
// of Size; an empty input gives an empty, non-nil slice.
func Decode(b []byte) ([]Slot, error) {
	if len(b)%Size != 0 {
		return nil, fmt.Errorf("decode %d bytes: %w", len(b), ErrLength)
	}
	out := make([]Slot, len(b)/Size)
	for i := range out {
		out[i] = decodeSlot(b[i*Size:])
	}
	return out, nil
}

func decodeSlot(b []byte) Slot {
	return Slot{
		Code: b[0],
		Dst:  b[1] & 0x0f,
		Src:  b[1] >> 4,
		Off:  int16(binary.LittleEndian.Uint16(b[2:])),
		Imm:  int32(binary.LittleEndian.Uint32(b[4:])),
	}
}

// Encode returns the little-endian bytes of slots; Encode(Decode(b)) == b.
func Encode(slots []Slot) []byte {
	return AppendEncode(make([]byte, 0, len(slots)*Size), slots)
}

// AppendEncode appends the bytes of slots to b.
func AppendEncode(b []byte, slots []Slot) []byte {
	for _, s := range slots {
		b = append(b, s.Code, s.Dst&0x0f|s.Src<<4)
		b = binary.LittleEndian.AppendUint16(b, uint16(s.Off))
		b = binary.LittleEndian.AppendUint32(b, uint32(s.Imm))
	}
	return b
}

// Instruction classes (BPF_CLASS).
const (
	ClassLD    = 0x00
	ClassLDX   = 0x01
	ClassST    = 0x02
	ClassSTX   = 0x03
	ClassALU   = 0x04
	ClassJMP   = 0x05
	ClassJMP32 = 0x06
	ClassALU64 = 0x07
)

// Sizes (BPF_SIZE) for load and store classes.
const (
	SizeW  = 0x00
	SizeH  = 0x08
	SizeB  = 0x10
	SizeDW = 0x18
)

// Modes (BPF_MODE) for load and store classes.
const (
	ModeIMM    = 0x00
	ModeABS    = 0x20
	ModeIND    = 0x40
	ModeMEM    = 0x60
	ModeMEMSX  = 0x80
	ModeATOMIC = 0xc0
)

// Operation codes (BPF_OP) for ALU and JMP classes.
const (
	OpADD  = 0x00
	OpSUB  = 0x10
	OpMUL  = 0x20
	OpDIV  = 0x30
	OpOR   = 0x40
	OpAND  = 0x50
	OpLSH  = 0x60
	OpRSH  = 0x70
	OpNEG  = 0x80
	OpMOD  = 0x90
	OpXOR  = 0xa0
	OpMOV  = 0xb0
	OpARSH = 0xc0
	OpEND  = 0xd0

	OpJA    = 0x00
	OpJEQ   = 0x10
	OpJGT   = 0x20
	OpJGE   = 0x30
	OpJSET  = 0x40
	OpJNE   = 0x50
	OpJSGT  = 0x60
	OpJSGE  = 0x70
	OpCALL  = 0x80
	OpEXIT  = 0x90
	OpJLT   = 0xa0
	OpJLE   = 0xb0
	OpJSLT  = 0xc0
	OpJSLE  = 0xd0
	OpJCOND = 0xe0
)

// Source operand (BPF_SRC).
const (
	SrcK = 0x00
	SrcX = 0x08
)

// Well-known whole opcodes.
const (
	CodeLdImm64 = ClassLD | ModeIMM | SizeDW // 0x18
	CodeExit    = ClassJMP | OpEXIT          // 0x95
	CodeJA      = ClassJMP | OpJA            // 0x05
	CodeJA32    = ClassJMP32 | OpJA          // 0x06
	CodeCall    = ClassJMP | OpCALL          // 0x85
)

// Pseudo src_reg values of an ld_imm64 (include/uapi/linux/bpf.h).
const (
	PseudoMapFD       = 1
	PseudoMapValue    = 2
	PseudoBTFID       = 3
	PseudoFunc        = 4
	PseudoMapIdx      = 5
	PseudoMapIdxValue = 6
)

// Pseudo src_reg values of a call.
const (
	PseudoCall      = 1
	PseudoKfuncCall = 2
)

// Class returns BPF_CLASS(code).
func (s Slot) Class() uint8 { return s.Code & 0x07 }

// Op returns BPF_OP(code) for ALU and JMP classes.
func (s Slot) Op() uint8 { return s.Code & 0xf0 }

// Source returns BPF_SRC(code): SrcK or SrcX.
func (s Slot) Source() uint8 { return s.Code & 0x08 }

// SizeField returns BPF_SIZE(code) for load and store classes.
func (s Slot) SizeField() uint8 { return s.Code & 0x18 }

// Mode returns BPF_MODE(code) for load and store classes.
func (s Slot) Mode() uint8 { return s.Code & 0xe0 }

// IsLdImm64 reports whether s is the first half of an ld_imm64
// (bpf_is_ldimm64: code == BPF_LD|BPF_IMM|BPF_DW).
func (s Slot) IsLdImm64() bool { return s.Code == CodeLdImm64 }

// IsJump reports whether s belongs to the JMP or JMP32 class.
func (s Slot) IsJump() bool { c := s.Class(); return c == ClassJMP || c == ClassJMP32 }

// Imm64 returns the 64-bit immediate of an ld_imm64 whose second half is
// next: (u64)(u32)next.Imm << 32 | (u32)s.Imm.
func (s Slot) Imm64(next Slot) uint64 {
	return uint64(uint32(next.Imm))<<32 | uint64(uint32(s.Imm))
}

// JumpOffset returns the slot offset a jump adds to idx+1: imm for
// JMP32|JA (gotol), off otherwise (bpf_jmp_offset).
func (s Slot) JumpOffset() int32 {
	if s.Code == CodeJA32 {
		return s.Imm
	}
	return int32(s.Off)
}

// FDs returns the file descriptors the ld_imm64s of slots name directly,
// in order: the imm of each MAP_FD and MAP_VALUE load and the nonzero
// insn[1].imm (a module BTF fd) of each BTF_ID load. Indexes into fd_array
// are not fds and are left out.
func FDs(slots []Slot) []int32 {
	var out []int32
	for i := 0; i+1 < len(slots); i++ {
		s := slots[i]
		if !s.IsLdImm64() {
			continue
		}
		switch s.Src {
		case PseudoMapFD, PseudoMapValue:
			out = append(out, s.Imm)
		case PseudoBTFID:
			if fd := slots[i+1].Imm; fd != 0 {
				out = append(out, fd)
			}
		}
		i++
	}
	return out
}

// PseudoName names an ld_imm64 src_reg value as the uapi header does
// ("BPF_PSEUDO_MAP_FD", ...), or "" for a value it does not define.
func PseudoName(src uint8) string {
	switch src {
	case PseudoMapFD:
		return "BPF_PSEUDO_MAP_FD"
	case PseudoMapValue:
		return "BPF_PSEUDO_MAP_VALUE"
	case PseudoBTFID:
		return "BPF_PSEUDO_BTF_ID"
	case PseudoFunc:
		return "BPF_PSEUDO_FUNC"
	case PseudoMapIdx:
		return "BPF_PSEUDO_MAP_IDX"
	case PseudoMapIdxValue:
		return "BPF_PSEUDO_MAP_IDX_VALUE"
	}
	return ""
}
