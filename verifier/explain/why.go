package explain

import (
	"fmt"
	"strings"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// failingInsn is the instruction the failed check was about, or the
// result's.
func failingInsn(res verifier.Result, failed *verifier.Check) int {
	if failed != nil {
		return failed.Insn
	}
	return res.Insn
}

// whyFix says in one sentence why the verdict is not accept, and which
// field to change to get past the check.
func whyFix(p *verifier.Profile, ctx *btfctx.Context, slots []insn.Slot, res verifier.Result, failed *verifier.Check) (string, string) {
	at := failingInsn(res, failed)
	var s, next insn.Slot
	if at >= 0 && at < len(slots) {
		s = slots[at]
		if at+1 < len(slots) {
			next = slots[at+1]
		}
	}
	m, id := res.Message, res.MessageID
	switch {
	case res.Verdict == verifier.Oops:
		if s.Src == insn.PseudoBTFID && s.Off < 0 {
			return m, "none within the RFC's encoding: ids 32768-65535 do not survive the (u32)(s16) cast; the merged design (v5.10) carries the id in imm"
		}
		return m, "use a btf id below the number of vmlinux types"
	case res.Verdict == verifier.Unsupported:
		return strings.TrimPrefix(m, "verisim: ") + "; the kernel's answer is not known to verisim", "check this program against a real kernel (verisim's oracle package)"
	case len(slots) == 0 || len(slots) > verifier.MaxInsns:
		return "bpf_prog_load refuses a program of 0 or more than 1,000,000 instructions before the verifier runs", "give between 1 and 1,000,000 slots"
	case id == verifier.MsgInvalidLdImm64:
		switch {
		case at == len(slots)-1:
			return fmt.Sprintf("the ld_imm64 at insn %d is the last slot: its second half is missing", at), "add the second slot (code 0, imm = the upper 32 bits)"
		case next.Code != 0:
			return fmt.Sprintf("the second slot of the ld_imm64 at insn %d has code %#02x: it must be all zero except imm", at, next.Code), fmt.Sprintf("set insn[%d].code to 0 (or drop the stray 0x18 at %d)", at+1, at)
		case next.Dst != 0:
			return fmt.Sprintf("the second slot of the ld_imm64 at insn %d has dst_reg %d: it must be all zero except imm", at, next.Dst), fmt.Sprintf("set insn[%d].dst_reg to 0", at+1)
		case next.Src != 0:
			return fmt.Sprintf("the second slot of the ld_imm64 at insn %d has src_reg %d: it must be all zero except imm", at, next.Src), fmt.Sprintf("set insn[%d].src_reg to 0", at+1)
		case next.Off != 0 && s.Src == insn.PseudoBTFID && p.Has(verifier.FeatRFCBTFIDInOffs):
			id := uint32(int32(next.Off))<<16 | uint32(uint16(s.Off))
			return fmt.Sprintf("the RFC puts the high 16 bits of btf id %d in insn[1].off = %d, but the pre-pass requires insn[1].off == 0: no id >= 65536 can be loaded", id, next.Off),
				"none within the RFC's encoding; the merged design (v5.10) carries the id in imm"
		case next.Off != 0:
			return fmt.Sprintf("the second slot of the ld_imm64 at insn %d has off %d: it must be all zero except imm", at, next.Off), fmt.Sprintf("set insn[%d].off to 0", at+1)
		}
	case id == verifier.MsgUnrecognized:
		if (s.Src == insn.PseudoMapFD || s.Src == insn.PseudoMapIdx) && next.Imm != 0 {
			return fmt.Sprintf("a map fd load (src_reg %d) must have insn[1].imm == 0, not %d", s.Src, next.Imm), fmt.Sprintf("set insn[%d].imm to 0", at+1)
		}
		return fmt.Sprintf("src_reg %d of the ld_imm64 at insn %d is not a pseudo value the %s kernel knows", s.Src, at, p.Name), "use src_reg 0 (a constant) or a pseudo value the kernel supports"
	case id == verifier.MsgLdImmReserved:
		return fmt.Sprintf("insn[0].off of an ld_imm64 must be 0, and it is %d", s.Off), fmt.Sprintf("set insn[%d].off to 0", at)
	case id == verifier.MsgFPReadOnly:
		return "r10 is the read-only frame pointer and the instruction writes it", fmt.Sprintf("write another register (insn[%d].dst_reg)", at)
	case id == verifier.MsgRegInvalid:
		return "the instruction names a register above r10", fmt.Sprintf("use a register r0-r9 (insn[%d])", at)
	case id == verifier.MsgRegNotRead:
		r := strings.TrimSuffix(strings.TrimPrefix(m, "R"), " !read_ok")
		if r == "0" && s.Code == insn.CodeExit {
			return "r0 holds the return value, and nothing wrote it on this path before the exit", "set r0 before the exit"
		}
		return fmt.Sprintf("r%s is read but nothing wrote it on this path", r), fmt.Sprintf("write r%s first", r)
	case id == verifier.MsgFdNotMap || id == verifier.MsgFdNotMapOrBTF:
		return fmt.Sprintf("the fd is %s, not a map", fdKind(ctx, m)), "declare a map at that fd (--map fd=N,...) or load a map's fd"
	case id == verifier.MsgDirectOffset:
		return fmt.Sprintf("the value offset insn[%d].imm, read as u32, is not below BPF_MAX_VAR_OFF (1 << 29)", at+1), fmt.Sprintf("use an offset inside the map value in insn[%d].imm", at+1)
	case id == verifier.MsgNoDirectAccess:
		return "only single-entry ARRAY maps (and arenas) give a direct value address", "load the map with src_reg 1 and look up the value, or use a 1-entry array"
	case id == verifier.MsgInvalidMapAccess:
		if res.Errno == verifier.ENOTSUPP {
			return "a direct value address exists only for an array with max_entries == 1", "use a 1-entry array map"
		}
		return "the value offset is not inside the map value", fmt.Sprintf("use an offset below the value size in insn[%d].imm", at+1)
	case id == verifier.MsgInvalidBTFID:
		return fmt.Sprintf("btf id %d names no type of the BTF object", s.Imm), fmt.Sprintf("put the id of a VAR or FUNC in insn[%d].imm", at)
	case id == verifier.MsgNotVarOrFunc || id == verifier.MsgNotVar:
		return fmt.Sprintf("btf id %d is not a VAR or FUNC: %s", s.Imm, typeLine(ctx, uint32(s.Imm))), "use the id of a VAR (a typed ksym) or a FUNC"
	case id == verifier.MsgNoKsymAddr:
		return "kallsyms has no address for that symbol (data symbols need CONFIG_KALLSYMS_ALL)", "use a symbol the kernel lists in /proc/kallsyms"
	case id == verifier.MsgBadModuleFD:
		return fmt.Sprintf("since v5.12 insn[1].imm of a BTF_ID load is a module BTF fd, and %d is not a BTF object", next.Imm),
			fmt.Sprintf("set insn[%d].imm to 0 for a vmlinux symbol", at+1)
	case id == verifier.MsgMissingBTF:
		return "there is no vmlinux BTF to look the id up in", "give vmlinux BTF (--btf)"
	case id == verifier.MsgLastInsn:
		return "execution could run off the end of a (sub)program: its last slot must be an exit or a jump", "end the program with an exit"
	case id == verifier.MsgUnreachable:
		return fmt.Sprintf("no path reaches %s", strings.TrimPrefix(m, "unreachable ")), "remove the dead code or jump to it"
	case id == verifier.MsgJumpIntoLdImm:
		return "a jump lands on the second slot of an ld_imm64", "jump to the ld_imm64's first slot or past it"
	case id == verifier.MsgJumpOutOfRange:
		return "a jump target is outside its (sub)program", "fix the jump offset"
	case id == verifier.MsgUnknownOpcode:
		return fmt.Sprintf("opcode %#02x is not an instruction of the %s kernel", s.Code, p.Name), fmt.Sprintf("fix insn[%d].code", at)
	case id == verifier.MsgMissingFuncInf:
		return "a BPF_PSEUDO_FUNC load needs BTF func_info for its callback, and verisim takes none", "load the program with BTF func_info"
	case res.Errno == verifier.EFAULT && m == "":
		return "the read of fd_array faults", "give an fd_array entry at that index"
	}
	if m == "" {
		return fmt.Sprintf("the kernel returns %s without a message", res.Errno), ""
	}
	return fmt.Sprintf("the kernel rejects it: %s", m), ""
}

func fdKind(ctx *btfctx.Context, m string) string {
	var fd int32
	fmt.Sscanf(m, "fd %d", &fd)
	if ctx == nil {
		return "closed"
	}
	switch ctx.Kind(fd) {
	case btfctx.FDFile:
		return "an open file"
	case btfctx.FDBTF:
		return "a BTF object"
	}
	return "closed"
}
