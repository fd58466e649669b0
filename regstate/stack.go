package regstate

// SlotType is the type of one byte of a stack slot (enum
// bpf_stack_slot_type, include/linux/bpf_verifier.h). The zero value is
// STACK_INVALID: never written.
type SlotType uint8

// Stack byte types. verisim produces the first four; the others are
// listed so that the printed characters stay in the kernel's order.
const (
	SlotInvalid SlotType = iota // STACK_INVALID
	SlotSpill                   // STACK_SPILL: part of a spilled register
	SlotMisc                    // STACK_MISC: some written value
	SlotZero                    // STACK_ZERO: a written zero
	SlotDynptr                  // STACK_DYNPTR
	SlotIter                    // STACK_ITER
	SlotIRQFlag                 // STACK_IRQ_FLAG
)

// slotChars is slot_type_char (kernel/bpf/log.c, v6.18).
const slotChars = "?rm0dif"

// Char is the character print_verifier_state prints for the byte type.
func (t SlotType) Char() byte { return slotChars[t] }

// RegSize is BPF_REG_SIZE: the bytes of one stack slot.
const RegSize = 8

// StackSlot is one 8-byte stack slot (struct bpf_stack_state): the
// register spilled into it and the type of each byte. Types[7] is the
// byte at the slot's lowest address (fp-8 for slot 0), Types[0] the one
// at its highest: byte fp+off is Types[(-off-1)%8] of slot (-off-1)/8.
type StackSlot struct {
	Spilled Reg
	Types   [RegSize]SlotType
}

// IsSpilled is is_spilled_reg: the slot holds a spilled register (of any
// width: its lowest-address byte is STACK_SPILL).
func (s *StackSlot) IsSpilled() bool { return s.Types[RegSize-1] == SlotSpill }

// IsSpilledScalar is is_spilled_scalar_reg.
func (s *StackSlot) IsSpilledScalar() bool { return s.IsSpilled() && s.Spilled.Type == Scalar }

// IsSpilledScalar64 is is_spilled_scalar_reg64: a spill of all 8 bytes.
func (s *StackSlot) IsSpilledScalar64() bool {
	return s.Types[0] == SlotSpill && s.Spilled.Type == Scalar
}

// IsSpecial is is_stack_slot_special: a spill, dynptr or iterator slot.
func (s *StackSlot) IsSpecial() bool {
	switch s.Types[RegSize-1] {
	case SlotInvalid, SlotMisc, SlotZero:
		return false
	}
	return true
}

// Valid reports whether some byte of the slot was written (the slots
// print_verifier_state prints).
func (s *StackSlot) Valid() bool { return s.Types != [RegSize]SlotType{} }

// TypeChars returns the slot's bytes as print_verifier_state prints them
// before a spilled register: every byte for a slot that holds none, the
// bytes above the spill otherwise ("mmmm" before a 4-byte spill).
func (s *StackSlot) TypeChars() string {
	var b [RegSize]byte
	n := 0
	for j, t := range s.Types {
		if s.IsSpilled() && t == SlotSpill {
			break
		}
		b[j] = t.Char()
		n = j + 1
	}
	return string(b[:n])
}
