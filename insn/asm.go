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
//
// An ALU instruction keeps its off field: cilium/ebpf v0.22's
// Instruction.Marshal writes into it only what its extended opcodes need
// (1 for SDiv and SMod, 8, 16 or 32 for MovSX) and 0 otherwise, which
// would drop the off of addr_space_cast (BPF_MOV64_REG with off 1, v6.9)
// and the reserved fields a selftest sets on purpose; its decoder keeps
// them.
func FromAsm(insns asm.Instructions) ([]Slot, error) {
	var buf bytes.Buffer
	if err := insns.Marshal(&buf, binary.LittleEndian); err != nil {
		return nil, fmt.Errorf("marshal instructions: %w", err)
	}
	slots, err := Decode(buf.Bytes())
	if err != nil {
		return nil, err
	}
	i := 0
	for _, ins := range insns {
		if ins.OpCode.Class().IsALU() && ins.Offset != 0 {
			switch ins.OpCode.ALUOp() {
			case asm.SDiv, asm.SMod, asm.MovSX8, asm.MovSX16, asm.MovSX32:
			default:
				slots[i].Off = ins.Offset
			}
		}
		i += int(ins.Size() / asm.InstructionSize)
	}
	return slots, nil
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
