package insn

import (
	"bytes"
	"encoding/binary"
	"fmt"

	"github.com/cilium/ebpf/asm"
)

// FromAsm encodes a cilium/ebpf instruction stream into raw slots. Every
// reference (map, symbol, call target) must already be resolved, as for
// asm.Instructions.Marshal.
func FromAsm(insns asm.Instructions) ([]Slot, error) {
	var buf bytes.Buffer
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return nil, fmt.Errorf("marshal instructions: %w", err)
	}
	return Decode(buf.Bytes())
}

// ToAsm converts raw slots into cilium/ebpf instructions. It fails where
// cilium/ebpf's decoder does, for example on an ld_imm64 whose second half
// is missing or has non-zero reserved fields; use the slots themselves for
// such streams.
func ToAsm(slots []Slot) (asm.Instructions, error) {
	insns, err := asm.AppendInstructions(nil, bytes.NewReader(Encode(slots)), binary.LittleEndian, "linux")
	if err != nil {
		return nil, fmt.Errorf("unmarshal instructions: %w", err)
	}
	return insns, nil
}
