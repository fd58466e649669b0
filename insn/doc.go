// Package insn decodes raw BPF instruction slots exactly as the kernel sees
// them in bpf_attr.insns, and prints them the way the kernel's disassembler
// (kernel/bpf/disasm.c, print_bpf_insn) does in the verifier log.
//
// It is the first stage of verisim's flow:
//
//	bytes ──► insn.Slot[] ──► verifier passes ──► regstate ──► log
//
// Decoding never fails on content: a malformed ld_imm64 second half, an
// unknown opcode or a register number above 10 stay representable, because
// the verifier has to see and reject them itself. Only a length that is not a
// multiple of eight bytes is an error. cilium/ebpf's asm package is used as a
// converter for well-formed programs (FromAsm, ToAsm), never as the decoder.
package insn
