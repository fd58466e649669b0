package fuzz

import (
	"encoding/binary"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// LdImm64 is the structured input of FuzzLdImm64 and FuzzDifferential: one
// ld_imm64 at slot 0 with every field chosen, then a tail from a menu.
type LdImm64 struct {
	Profile           *verifier.Profile
	Dst, Src          uint8
	Off0, Off1        int16
	Imm0, Imm1        int32
	Code1, Dst1, Src1 uint8 // the second slot's reserved fields
	Tail              int
	// NoFDArray and NoVmlinuxFD leave fd_array and the vmlinux BTF fd out
	// of the Decl (a profile without fd_array never has one).
	NoFDArray, NoVmlinuxFD bool
}

// Tails are the instructions that may follow the ld_imm64.
var Tails = [][]insn.Slot{
	{{Code: 0xb7}, {Code: insn.CodeExit}},         // r0 = 0; exit
	{{Code: insn.CodeExit}},                       // exit (R0 set only by an ld_imm64 into r0)
	{{Code: 0xbf, Src: 1}, {Code: insn.CodeExit}}, // r0 = r1; exit
	{{Code: 0xb7}, {Code: 0x55, Dst: 1, Off: 1}, {Code: 0xb7, Imm: 1}, {Code: insn.CodeExit}}, // if r1 != 0 skip
	{{Code: 0xb7}, {Code: 0x07, Dst: 1, Imm: 8}, {Code: insn.CodeExit}},                       // r1 += 8
	// *(u64 *)(r10 -8) = r1; r0 = *(u64 *)(r10 -8); exit: a spill and
	// fill of whatever r1 holds.
	{{Code: 0x7b, Dst: 10, Src: 1, Off: -8}, {Code: 0x79, Src: 10, Off: -8}, {Code: insn.CodeExit}},
	// *(u32 *)(r10 -4) = r1: a narrow spill (refused for a pointer).
	{{Code: 0x63, Dst: 10, Src: 1, Off: -4}, {Code: 0xb7}, {Code: insn.CodeExit}},
	// r0 = *(u8 *)(r1 +0): a load through what r1 holds.
	{{Code: 0x71, Src: 1}, {Code: 0xb7}, {Code: insn.CodeExit}},
	{}, // nothing (last: FuzzLdImm64 relies on it)
}

// DecodeLdImm64 reads a structured input: 18 bytes of fields, the rest
// ignored. immMenu maps small imm0 selectors to interesting values (fds and
// BTF ids); a selector byte >= len(immMenu) keeps the raw imm0.
func DecodeLdImm64(data []byte, immMenu []int32) LdImm64 {
	var b [20]byte
	copy(b[:], data)
	x := LdImm64{
		Profile: profileOf(b[0]),
		Dst:     b[1] & 0xf,
		Src:     b[1] >> 4,
		Off0:    int16(binary.LittleEndian.Uint16(b[2:])),
		Off1:    int16(binary.LittleEndian.Uint16(b[4:])),
		Imm0:    int32(binary.LittleEndian.Uint32(b[6:])),
		Imm1:    int32(binary.LittleEndian.Uint32(b[10:])),
		Tail:    int(b[14]) % len(Tails),
	}
	// Reserved second-slot fields are zero three times out of four.
	if b[15]&3 == 3 {
		x.Code1, x.Dst1, x.Src1 = b[16], b[17]&0xf, b[17]>>4
	}
	if sel := int(b[18]); sel < len(immMenu) {
		x.Imm0 = immMenu[sel]
	}
	if sel := int(b[19]); sel < 4 {
		x.Imm1 = []int32{0, fixtures.FDVmlinux, fixtures.FDFile, fixtures.FDClosed}[sel]
	}
	x.NoFDArray = b[15]&4 != 0
	x.NoVmlinuxFD = b[15]&8 != 0
	return x
}

// Slots returns the stream.
func (x LdImm64) Slots() []insn.Slot {
	out := []insn.Slot{
		{Code: insn.CodeLdImm64, Dst: x.Dst, Src: x.Src, Off: x.Off0, Imm: x.Imm0},
		{Code: x.Code1, Dst: x.Dst1, Src: x.Src1, Off: x.Off1, Imm: x.Imm1},
	}
	return append(out, Tails[x.Tail]...)
}

// Decl returns the fd table: the standard one, maybe without fd_array or
// the vmlinux BTF fd.
func (x LdImm64) Decl() btfctx.Decl {
	d := fixtures.DeclFor(x.Profile, fixtures.StdDecl())
	if x.NoFDArray {
		d.FDArray, d.HasFDArray = nil, false
	}
	if x.NoVmlinuxFD {
		d.BTFs = nil
	}
	return d
}

// ImmMenu returns the imm0 values worth picking: the standard fds, fd_array
// indexes, and BTF ids of one of each kind in ids.
func ImmMenu(ids []uint32) []int32 {
	m := []int32{fixtures.FDArray48, fixtures.FDHash, fixtures.FDArray4x2, fixtures.FDPercpu, fixtures.FDVmlinux,
		fixtures.FDFile, fixtures.FDClosed, 0, 1, 2, 3, 4, 5, -1}
	for _, id := range ids {
		m = append(m, int32(id))
	}
	return m
}
