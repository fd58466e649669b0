package fuzz

import (
	"fmt"
	"strings"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/verifier"
)

// CheckResult checks what must hold for any result, from the input alone:
// the errno matches the verdict, an oops only comes from the RFC's
// BPF_PSEUDO_BTF_ID, and an accepted stream has every ld_imm64 second slot
// clean, only opcodes of the profile's table, and R0 initialised at every
// exit it reached.
func CheckResult(in Input, r verifier.Result) error {
	switch r.Verdict {
	case verifier.Accept:
		if r.Errno != 0 || r.Message != "" || r.Insn != -1 {
			return fmt.Errorf("accepted with errno %v, message %q, insn %d", r.Errno, r.Message, r.Insn)
		}
	case verifier.Reject:
		if r.Errno == 0 {
			return fmt.Errorf("rejected without an errno: %q", r.Message)
		}
	case verifier.Oops:
		if in.Profile != verifier.RFC || r.Insn < 0 || r.Insn+1 >= len(in.Slots) ||
			in.Slots[r.Insn].Code != insn.CodeLdImm64 || in.Slots[r.Insn].Src != insn.PseudoBTFID {
			return fmt.Errorf("oops outside the RFC's BTF_ID decode: insn %d, %s", r.Insn, r.Message)
		}
	case verifier.Unsupported:
		if !strings.HasPrefix(r.Message, "verisim: ") {
			return fmt.Errorf("unsupported without an explanation: %q", r.Message)
		}
	default:
		return fmt.Errorf("unknown verdict %d", r.Verdict)
	}
	if r.Insn < -1 || r.Insn >= len(in.Slots) {
		return fmt.Errorf("insn %d out of range", r.Insn)
	}
	if r.Stats.Processed > verifier.MaxInsns+1 {
		return fmt.Errorf("processed %d instructions, over the complexity limit", r.Stats.Processed)
	}
	if r.Verdict != verifier.Accept {
		return nil
	}
	for i := 0; i < len(in.Slots); i++ {
		s := in.Slots[i]
		if !in.Profile.Table[s.Code] {
			return fmt.Errorf("accepted with opcode %#02x at %d", s.Code, i)
		}
		if s.Code == insn.CodeLdImm64 {
			if i+1 >= len(in.Slots) {
				return fmt.Errorf("accepted with a truncated ld_imm64 at %d", i)
			}
			n := in.Slots[i+1]
			if n.Code != 0 || n.Dst != 0 || n.Src != 0 || n.Off != 0 {
				return fmt.Errorf("accepted with a dirty ld_imm64 second slot at %d: %+v", i+1, n)
			}
			i++
		}
	}
	for _, st := range r.Steps {
		if in.Slots[st.Insn].Code == insn.CodeExit && st.Regs[0].Type == regstate.NotInit {
			return fmt.Errorf("accepted with R0 not initialised at the exit at %d", st.Insn)
		}
	}
	return nil
}
