package scalar

// Opcode parts the transfer functions dispatch on, as in
// include/uapi/linux/bpf.h and bpf_common.h. The package takes an
// instruction's raw opcode byte, off and imm, so that it needs no other
// verisim package.
const (
	classALU   = 0x04
	classJMP   = 0x05
	classJMP32 = 0x06
	classALU64 = 0x07

	srcX = 0x08 // BPF_X; for BPF_END, BPF_TO_BE
)

// ALU operations (BPF_OP of a BPF_ALU or BPF_ALU64 opcode).
const (
	ADD  uint8 = 0x00
	SUB  uint8 = 0x10
	MUL  uint8 = 0x20
	DIV  uint8 = 0x30
	OR   uint8 = 0x40
	AND  uint8 = 0x50
	LSH  uint8 = 0x60
	RSH  uint8 = 0x70
	NEG  uint8 = 0x80
	MOD  uint8 = 0x90
	XOR  uint8 = 0xa0
	MOV  uint8 = 0xb0
	ARSH uint8 = 0xc0
	END  uint8 = 0xd0
)

// Conditional jumps (BPF_OP of a BPF_JMP or BPF_JMP32 opcode), and
// JSETNot, the kernel's BPF_JSET | BPF_X: the false branch of JSET, which
// rev_opcode returns.
const (
	JEQ     uint8 = 0x10
	JGT     uint8 = 0x20
	JGE     uint8 = 0x30
	JSET    uint8 = 0x40
	JNE     uint8 = 0x50
	JSGT    uint8 = 0x60
	JSGE    uint8 = 0x70
	JLT     uint8 = 0xa0
	JLE     uint8 = 0xb0
	JSLT    uint8 = 0xc0
	JSLE    uint8 = 0xd0
	JSETNot       = JSET | srcX
)

func opOf(code uint8) uint8    { return code & 0xf0 }
func classOf(code uint8) uint8 { return code & 0x07 }
