package verifier_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

func s(code, dst, src uint8, off int16, imm int32) insn.Slot {
	return insn.Slot{Code: code, Dst: dst, Src: src, Off: off, Imm: imm}
}

// ld is an ld_imm64 with a clean second slot carrying imm1.
func ld(dst, src uint8, off int16, imm, imm1 int32) []insn.Slot {
	return []insn.Slot{s(0x18, dst, src, off, imm), s(0, 0, 0, 0, imm1)}
}

func prog(parts ...any) []insn.Slot {
	var out []insn.Slot
	for _, p := range parts {
		switch p := p.(type) {
		case insn.Slot:
			out = append(out, p)
		case []insn.Slot:
			out = append(out, p...)
		}
	}
	return out
}

var (
	exit = s(0x95, 0, 0, 0, 0)
	mov0 = s(0xb7, 0, 0, 0, 0)
)

type want struct {
	Verdict verifier.Verdict
	Errno   verifier.Errno
	Message string
	Insn    int
}

// env is the standard fd table (fixtures.StdDecl) over the tiny BTF, with
// fd_array for 6.18 and without it for the rfc profile, whose bpf_attr has
// no such field.
type env struct{ with, without *btfctx.Context }

func (e env) For(p *verifier.Profile) *btfctx.Context {
	if p == verifier.RFC {
		return e.without
	}
	return e.with
}

func ctx(t *testing.T) (env, *fixtures.Tiny) {
	t.Helper()
	tiny, err := fixtures.NewTiny()
	if err != nil {
		t.Fatal(err)
	}
	d := fixtures.StdDecl()
	with, err := btfctx.New(d, tiny.Options())
	if err != nil {
		t.Fatal(err)
	}
	d.FDArray, d.HasFDArray = nil, false
	without, err := btfctx.New(d, tiny.Options())
	if err != nil {
		t.Fatal(err)
	}
	return env{with, without}, tiny
}

func verify(t *testing.T, p *verifier.Profile, c env, slots []insn.Slot, level uint32) verifier.Result {
	t.Helper()
	r, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: c.For(p), LogLevel: verifier.LogLevel(level)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func check(t *testing.T, p *verifier.Profile, c env, slots []insn.Slot, w want) {
	t.Helper()
	r := verify(t, p, c, slots, 1)
	got := want{r.Verdict, r.Errno, r.Message, r.Insn}
	if d := cmp.Diff(w, got); d != "" {
		t.Errorf("Verify(%s) (-want +got):\n%s\nlog:\n%s", p.Name, d, strings.Join(r.Log, "\n"))
	}
}

func reject(errno verifier.Errno, msg string, insn int) want {
	return want{verifier.Reject, errno, msg, insn}
}

var accept = want{Verdict: verifier.Accept, Insn: -1}

// TestChecks has one case per check of the specification, in both
// profiles where they agree and per profile where they do not. Each name
// is the kernel function and the condition.
func TestChecks(t *testing.T) {
	c, tiny := ctx(t)
	rfc, l618 := verifier.RFC, verifier.Linux618
	both := []*verifier.Profile{rfc, l618}
	cases := []struct {
		name     string
		profiles []*verifier.Profile
		slots    []insn.Slot
		want     want
	}{
		// bpf_prog_load (syscall.c)
		{"bpf_prog_load/insn_cnt == 0", both, nil, want{verifier.Reject, verifier.E2BIG, "", -1}},

		// replace_map_fd_with_map_ptr / resolve_pseudo_ldimm64
		{"prepass/LDX mode not MEM", both, prog(s(0x41, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_LDX uses reserved fields", -1)},
		{"prepass/LDX imm != 0", both, prog(s(0x61, 0, 1, 0, 1), exit), reject(verifier.EINVAL, "BPF_LDX uses reserved fields", -1)},
		{"prepass/LDX MEMSX is known to 6.18 only", []*verifier.Profile{rfc}, prog(s(0x81, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_LDX uses reserved fields", -1)},
		{"prepass/STX imm != 0 (5.9 only)", []*verifier.Profile{rfc}, prog(mov0, s(0x7b, 10, 1, -8, 1), exit), reject(verifier.EINVAL, "BPF_STX uses reserved fields", -1)},
		{"do_check_insn/STX imm != 0 (6.18)", []*verifier.Profile{l618}, prog(mov0, s(0x7b, 10, 1, -8, 1), exit), reject(verifier.EINVAL, "BPF_STX uses reserved fields", 1)},
		{"prepass/second slot missing", []*verifier.Profile{rfc}, prog(s(0x18, 0, 0, 0, 0)), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"check_subprogs/lone first half is the last slot (6.18)", []*verifier.Profile{l618}, prog(s(0x18, 0, 0, 0, 0)), reject(verifier.EINVAL, "last insn is not an exit or jmp", -1)},
		{"prepass/second slot code != 0", both, prog(s(0x18, 0, 0, 0, 0), exit), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"prepass/second slot dst != 0", both, prog(s(0x18, 0, 0, 0, 0), s(0, 1, 0, 0, 0), exit), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"prepass/second slot src != 0", both, prog(s(0x18, 0, 0, 0, 0), s(0, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"prepass/second slot off != 0", both, prog(s(0x18, 0, 0, 0, 0), s(0, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"prepass/src 7 unrecognized", both, prog(ld(0, 7, 0, 0, 0), exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"prepass/src 15 unrecognized", both, prog(ld(0, 15, 0, 0, 0), exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"prepass/src 4 unrecognized before v5.13", []*verifier.Profile{rfc}, prog(ld(0, 4, 0, 1, 0), exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"prepass/src 5 unrecognized before v5.14", []*verifier.Profile{rfc}, prog(ld(0, 5, 0, 0, 0), exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"prepass/MAP_FD with insn[1].imm != 0", both, prog(ld(1, 1, 0, fixtures.FDArray48, 1), mov0, exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"prepass/MAP_IDX with insn[1].imm != 0", []*verifier.Profile{l618}, prog(ld(1, 5, 0, 0, 1), mov0, exit), reject(verifier.EINVAL, "unrecognized bpf_ld_imm64 insn", -1)},
		{"__bpf_map_get/closed fd: EBADF", both, prog(ld(1, 1, 0, fixtures.FDClosed, 0), mov0, exit), reject(verifier.EBADF, "fd 999 is not pointing to valid bpf_map", -1)},
		{"__bpf_map_get/non-map fd: EINVAL", both, prog(ld(1, 2, 0, fixtures.FDFile, 0), mov0, exit), reject(verifier.EINVAL, "fd 200 is not pointing to valid bpf_map", -1)},
		{"__bpf_map_get/btf fd is not a map", both, prog(ld(1, 1, 0, fixtures.FDVmlinux, 0), mov0, exit), reject(verifier.EINVAL, "fd 150 is not pointing to valid bpf_map", -1)},
		{"prepass/direct value offset >= BPF_MAX_VAR_OFF", both, prog(ld(1, 2, 0, fixtures.FDArray48, 1<<29), mov0, exit), reject(verifier.EINVAL, "direct value offset of 536870912 is not allowed", -1)},
		{"prepass/direct value offset -1 prints as u32", both, prog(ld(1, 2, 0, fixtures.FDArray48, -1), mov0, exit), reject(verifier.EINVAL, "direct value offset of 4294967295 is not allowed", -1)},
		{"prepass/no map_direct_value_addr (hash)", both, prog(ld(1, 2, 0, fixtures.FDHash, 0), mov0, exit), reject(verifier.EINVAL, "no direct value access support for this map type", -1)},
		{"prepass/no map_direct_value_addr (percpu array)", both, prog(ld(1, 2, 0, fixtures.FDPercpu, 0), mov0, exit), reject(verifier.EINVAL, "no direct value access support for this map type", -1)},
		{"array_map_direct_value_addr/max_entries != 1: ENOTSUPP", both, prog(ld(1, 2, 0, fixtures.FDArray4x2, 0), mov0, exit), reject(verifier.ENOTSUPP, "invalid access to map value pointer, value_size=4 off=0", -1)},
		{"array_map_direct_value_addr/off >= value_size", both, prog(ld(1, 2, 0, fixtures.FDArray48, 48), mov0, exit), reject(verifier.EINVAL, "invalid access to map value pointer, value_size=48 off=48", -1)},
		{"array_map_direct_value_addr/last byte", both, prog(ld(1, 2, 0, fixtures.FDArray48, 47), mov0, exit), accept},
		{"resolve_pseudo_ldimm64/fd_array index 4 is the btf fd", []*verifier.Profile{l618}, prog(ld(1, 5, 0, 4, 0), mov0, exit), reject(verifier.EINVAL, "fd 150 is not pointing to valid bpf_map", -1)},
		{"resolve_pseudo_ldimm64/fd_array index past the end faults", []*verifier.Profile{l618}, prog(ld(1, 5, 0, 5, 0), mov0, exit), reject(verifier.EFAULT, "", -1)},
		{"resolve_pseudo_ldimm64/negative fd_array index reads fd -1", []*verifier.Profile{l618}, prog(ld(1, 6, 0, -1, 0), mov0, exit), reject(verifier.EBADF, "fd -1 is not pointing to valid bpf_map", -1)},
		{"resolve_pseudo_ldimm64/fd_array entry closed", []*verifier.Profile{l618}, prog(ld(1, 5, 0, 2, 0), mov0, exit), reject(verifier.EBADF, "fd 999 is not pointing to valid bpf_map", -1)},
		{"resolve_pseudo_ldimm64/MAP_IDX_VALUE", []*verifier.Profile{l618}, prog(ld(1, 6, 0, 0, 8), mov0, exit), accept},
		{"prepass/unknown opcode", both, prog(s(0x8f, 0, 0, 0, 0), exit), reject(verifier.EINVAL, "unknown opcode 8f", -1)},
		{"prepass/stray second half is opcode 00", both, prog(s(0, 0, 0, 0, 0), mov0, exit), reject(verifier.EINVAL, "unknown opcode 00", -1)},
		{"prepass/gotol is unknown before v6.4", []*verifier.Profile{rfc}, prog(mov0, s(0x06, 0, 0, 0, 0), exit), reject(verifier.EINVAL, "unknown opcode 06", -1)},

		// check_pseudo_btf_id (6.18)
		{"check_pseudo_btf_id/percpu struct VAR", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.Runqueues), 0), mov0, exit), accept},
		{"check_pseudo_btf_id/FUNC", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.GetPidTgid), 0), mov0, exit), accept},
		{"check_pseudo_btf_id/btf fd is vmlinux", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.InitTask), fixtures.FDVmlinux), mov0, exit), accept},
		{"check_pseudo_btf_id/bad module fd", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.InitTask), fixtures.FDFile), mov0, exit), reject(verifier.EINVAL, "invalid module BTF object FD specified.", -1)},
		{"check_pseudo_btf_id/closed module fd", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.InitTask), fixtures.FDClosed), mov0, exit), reject(verifier.EINVAL, "invalid module BTF object FD specified.", -1)},
		{"__check_pseudo_btf_id/id past the last type: ENOENT", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.NumTypes), 0), mov0, exit), reject(verifier.ENOENT, fmt.Sprintf("ldimm64 insn specifies invalid btf_id %d.", tiny.NumTypes), -1)},
		{"__check_pseudo_btf_id/id printed with %d", []*verifier.Profile{l618}, prog(ld(1, 3, 0, -5, 0), mov0, exit), reject(verifier.ENOENT, "ldimm64 insn specifies invalid btf_id -5.", -1)},
		{"__check_pseudo_btf_id/void is not VAR or FUNC", []*verifier.Profile{l618}, prog(ld(1, 3, 0, 0, 0), mov0, exit), reject(verifier.EINVAL, "pseudo btf_id 0 in ldimm64 isn't KIND_VAR or KIND_FUNC", -1)},
		{"__check_pseudo_btf_id/STRUCT is not VAR or FUNC", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.TaskStruct), 0), mov0, exit), reject(verifier.EINVAL, "pseudo btf_id 3 in ldimm64 isn't KIND_VAR or KIND_FUNC", -1)},
		{"__check_pseudo_btf_id/no kallsyms address", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.NoSymVar), 0), mov0, exit), reject(verifier.ENOENT, "ldimm64 failed to find the address for kernel symbol 'no_sym_var'.", -1)},
		{"__check_pseudo_btf_id/size of a FUNC_PROTO", []*verifier.Profile{l618}, prog(ld(1, 3, 0, int32(tiny.FnVar), 0), mov0, exit), reject(verifier.EINVAL, "ldimm64 unable to resolve the size of type '': -22", -1)},
		{"__check_pseudo_btf_id/checked in dead code", []*verifier.Profile{l618}, prog(s(0xb7, 0, 0, 0, 1), s(0x15, 0, 0, 2, 1), ld(1, 3, 0, 0, 0), mov0, exit), reject(verifier.EINVAL, "pseudo btf_id 0 in ldimm64 isn't KIND_VAR or KIND_FUNC", -1)},

		// The RFC's BPF_PSEUDO_BTF_ID in check_ld_imm
		{"rfc check_ld_imm/VAR id in insn[0].off", []*verifier.Profile{rfc}, prog(ld(1, 3, int16(tiny.InitTask), 0x1000, -1), mov0, exit), accept},
		{"rfc check_ld_imm/any id below the type count", []*verifier.Profile{rfc}, prog(ld(1, 3, int16(tiny.TaskStruct), 0x1000, -1), mov0, exit), accept},
		{"rfc check_ld_imm/id past the type count oopses", []*verifier.Profile{rfc}, prog(ld(1, 3, int16(tiny.NumTypes), 0x1000, -1), mov0, exit),
			want{verifier.Oops, 0, fmt.Sprintf("oops: btf id %d (insn[0].off = %[1]d, insn[1].off = 0) is past the last vmlinux BTF type (%[1]d types): btf_type_by_id returns NULL and the RFC's check_ld_imm dereferences it (t->type)", tiny.NumTypes), 0}},
		{"rfc check_ld_imm/sign-extended id oopses", []*verifier.Profile{rfc}, prog(ld(1, 3, -2, 0x1000, -1), mov0, exit),
			want{verifier.Oops, 0, "oops: btf id 65534 was split into insn[0].off = -2; the RFC widens the s16 to 0xfffffffe and btf_type_by_id returns NULL: the RFC kernel dereferences NULL here", 0}},
		{"rfc replace_map_fd_with_map_ptr/id >= 65536 dies on insn[1].off", []*verifier.Profile{rfc}, prog(s(0x18, 1, 3, 0x1170, 0), s(0, 0, 0, 1, 0), mov0, exit), reject(verifier.EINVAL, "invalid bpf_ld_imm64 insn", -1)},
		{"rfc check_ld_imm/dead code is not decoded", []*verifier.Profile{rfc}, prog(s(0xb7, 0, 0, 0, 1), s(0x15, 0, 0, 2, 1), ld(1, 3, -2, 0, 0), mov0, exit), accept},

		// add_subprog_and_kfunc / check_subprogs / check_cfg
		{"add_subprog/PSEUDO_FUNC target out of range", []*verifier.Profile{l618}, prog(ld(2, 4, 0, 100, 0), mov0, exit), reject(verifier.EINVAL, "call to invalid destination", -1)},
		{"check_ld_imm/PSEUDO_FUNC without func_info", []*verifier.Profile{l618}, prog(ld(2, 4, 0, 3, 0), mov0, exit, mov0, exit), reject(verifier.EINVAL, "missing btf func_info", 0)},
		{"check_subprogs/a subprog splits main before its exit", []*verifier.Profile{l618}, prog(ld(2, 4, 0, 2, 0), mov0, exit, mov0, exit), reject(verifier.EINVAL, "last insn is not an exit or jmp", -1)},
		{"check_subprogs/jump out of range", both, prog(mov0, s(0x05, 0, 0, 5, 0), exit), reject(verifier.EINVAL, "jump out of range from insn 1 to 7", -1)},
		{"check_subprogs/last insn", both, prog(mov0, exit, mov0), reject(verifier.EINVAL, "last insn is not an exit or jmp", -1)},
		{"check_cfg/unreachable insn", both, prog(mov0, exit, mov0, exit), reject(verifier.EINVAL, "unreachable insn 2", -1)},
		{"check_cfg/jump into the middle of ldimm64 (6.7+)", []*verifier.Profile{l618}, prog(mov0, s(0x15, 1, 0, 1, 0), ld(0, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "jump into the middle of ldimm64 insn 2", -1)},
		{"check_cfg/unreachable is reported before the middle of ldimm64", []*verifier.Profile{l618}, prog(mov0, s(0x05, 0, 0, 1, 0), ld(0, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "unreachable insn 2", -1)},
		{"check_ld_imm/jump into a second half (5.9)", []*verifier.Profile{rfc}, prog(mov0, s(0x15, 1, 0, 1, 0), ld(0, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "invalid BPF_LD_IMM insn", 3)},
		{"check_cfg/unreachable second half (5.9 walks it)", []*verifier.Profile{rfc}, prog(mov0, exit, ld(0, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "unreachable insn 2", -1)},

		// check_ld_imm
		{"check_ld_imm/off != 0", both, prog(ld(0, 0, 1, 1, 0), exit), reject(verifier.EINVAL, "BPF_LD_IMM64 uses reserved fields", 0)},
		{"check_ld_imm/off != 0 before frame pointer (6.18)", []*verifier.Profile{l618}, prog(ld(10, 0, 1, 1, 0), mov0, exit), reject(verifier.EINVAL, "BPF_LD_IMM64 uses reserved fields", 0)},
		{"check_ld_imm/frame pointer before off != 0 (RFC)", []*verifier.Profile{rfc}, prog(ld(10, 0, 1, 1, 0), mov0, exit), reject(verifier.EACCES, "frame pointer is read only", 0)},
		{"check_ld_imm/R11 before off != 0 (RFC)", []*verifier.Profile{rfc}, prog(ld(11, 0, 1, 1, 0), mov0, exit), reject(verifier.EINVAL, "R11 is invalid", 0)},
		{"check_reg_arg/dst r10", both, prog(ld(10, 0, 0, 1, 0), mov0, exit), reject(verifier.EACCES, "frame pointer is read only", 0)},
		{"check_reg_arg/dst r11", both, prog(ld(11, 0, 0, 1, 0), mov0, exit), reject(verifier.EINVAL, "R11 is invalid", 0)},

		// check_alu_op
		{"check_alu_op/MOV K src != 0", both, prog(s(0xb7, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_MOV uses reserved fields", 0)},
		{"check_alu_op/MOV X imm != 0", both, prog(s(0xbf, 0, 1, 0, 1), exit), reject(verifier.EINVAL, "BPF_MOV uses reserved fields", 0)},
		{"check_alu_op/movsx off 8 (6.18)", []*verifier.Profile{l618}, prog(s(0xb7, 1, 0, 0, 0xff), s(0xbf, 0, 1, 8, 0), exit), accept},
		{"check_alu_op/MOV X off 8 before movsx (5.9)", []*verifier.Profile{rfc}, prog(s(0xb7, 1, 0, 0, 0xff), s(0xbf, 0, 1, 8, 0), exit), reject(verifier.EINVAL, "BPF_MOV uses reserved fields", 1)},
		{"check_alu_op/ALU K src != 0", both, prog(mov0, s(0x07, 0, 1, 0, 1), exit), reject(verifier.EINVAL, "BPF_ALU uses reserved fields", 1)},
		{"check_alu_op/ALU off -1", both, prog(mov0, s(0x07, 0, 0, -1, 1), exit), reject(verifier.EINVAL, "BPF_ALU uses reserved fields", 1)},
		{"check_alu_op/NEG reserved", both, prog(mov0, s(0x87, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_NEG uses reserved fields", 1)},
		{"check_alu_op/END imm 8", both, prog(mov0, s(0xd4, 0, 0, 0, 8), exit), reject(verifier.EINVAL, "BPF_END uses reserved fields", 1)},
		{"check_alu_op/div by zero", both, prog(mov0, s(0x37, 0, 0, 0, 0), exit), reject(verifier.EINVAL, "div by zero", 1)},
		{"check_alu_op/invalid shift", both, prog(mov0, s(0x67, 0, 0, 0, 64), exit), reject(verifier.EINVAL, "invalid shift 64", 1)},
		{"check_alu_op/invalid shift 32 on ALU32", both, prog(mov0, s(0x64, 0, 0, 0, 32), exit), reject(verifier.EINVAL, "invalid shift 32", 1)},
		{"check_reg_arg/src not initialised", both, prog(s(0xbf, 0, 3, 0, 0), exit), reject(verifier.EACCES, "R3 !read_ok", 0)},
		{"check_reg_arg/src checked before dst", both, prog(s(0x0f, 0, 3, 0, 0), exit), reject(verifier.EACCES, "R3 !read_ok", 0)},
		{"check_alu_op/r10 is read only", both, prog(s(0x07, 10, 0, 0, 8), mov0, exit), reject(verifier.EACCES, "frame pointer is read only", 0)},
		{"adjust_ptr_min_max_vals/ctx *= 2", both, prog(s(0x27, 1, 0, 0, 2), mov0, exit), reject(verifier.EACCES, "R1 pointer arithmetic with *= operator prohibited", 0)},
		{"adjust_ptr_min_max_vals/ctx &= 2", both, prog(s(0x57, 1, 0, 0, 2), mov0, exit), reject(verifier.EACCES, "R1 bitwise operator &= on pointer prohibited", 0)},
		{"adjust_ptr_min_max_vals/32-bit on ctx", both, prog(s(0x04, 1, 0, 0, 2), mov0, exit), reject(verifier.EACCES, "R1 32-bit pointer arithmetic prohibited", 0)},
		{"adjust_ptr_min_max_vals/stack -= 8", both, prog(s(0xbf, 2, 10, 0, 0), s(0x17, 2, 0, 0, 8), mov0, exit), reject(verifier.EACCES, "R2 subtraction from stack pointer prohibited", 1)},
		{"adjust_ptr_min_max_vals/map_ptr += 8", both, prog(ld(1, 1, 0, fixtures.FDArray48, 0), s(0x07, 1, 0, 0, 8), mov0, exit), reject(verifier.EACCES, "R1 pointer arithmetic on map_ptr prohibited", 2)},
		{"adjust_reg_min_max_vals/pointer += pointer", both, prog(s(0x0f, 1, 10, 0, 0), mov0, exit), reject(verifier.EACCES, "R1 pointer += pointer prohibited", 0)},
		{"adjust_ptr_min_max_vals/scalar -= pointer", both, prog(mov0, s(0x1f, 0, 1, 0, 0), exit), reject(verifier.EACCES, "R0 tried to subtract pointer from scalar", 1)},

		// jumps and exit
		{"do_check_insn/JA imm != 0", both, prog(mov0, s(0x05, 0, 0, 0, 1), exit), reject(verifier.EINVAL, "BPF_JA uses reserved fields", 1)},
		{"do_check_insn/gotol off != 0 (6.18)", []*verifier.Profile{l618}, prog(mov0, s(0x06, 0, 0, 1, 0), exit), reject(verifier.EINVAL, "BPF_JA uses reserved fields", 1)},
		{"do_check_insn/EXIT src != 0", both, prog(mov0, s(0x95, 0, 1, 0, 0)), reject(verifier.EINVAL, "BPF_EXIT uses reserved fields", 1)},
		{"do_check_insn/EXIT off is not checked", both, prog(mov0, s(0x95, 0, 0, 1, 0)), accept},
		{"do_check_insn/CALL off != 0", both, prog(mov0, s(0x85, 0, 0, 1, 1), exit), reject(verifier.EINVAL, "BPF_CALL uses reserved fields", 1)},
		{"check_cond_jmp_op/K with src != 0", both, prog(mov0, s(0x15, 0, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_JMP/JMP32 uses reserved fields", 1)},
		{"check_cond_jmp_op/dst read before reserved fields", []*verifier.Profile{l618, verifier.Linux612, verifier.Linux61}, prog(mov0, s(0x15, 2, 1, 0, 0), exit), reject(verifier.EACCES, "R2 !read_ok", 1)},
		// 5.10's check_cond_jmp_op checks the source operand first, and so
		// does the 5.9 code the RFC is on (5.10 itself: the recorded
		// regression/jmp-x-imm-before-dst of oracle/vm).
		{"check_cond_jmp_op/reserved fields before dst read", []*verifier.Profile{rfc}, prog(mov0, s(0x15, 2, 1, 0, 0), exit), reject(verifier.EINVAL, "BPF_JMP/JMP32 uses reserved fields", 1)},
		{"check_cond_jmp_op/X: imm checked before dst read", []*verifier.Profile{rfc}, prog(s(0x1d, 2, 0, 0, 1), exit), reject(verifier.EINVAL, "BPF_JMP/JMP32 uses reserved fields", 0)},
		{"check_cond_jmp_op/X: dst read before imm", []*verifier.Profile{l618, verifier.Linux612, verifier.Linux61}, prog(s(0x1d, 2, 0, 0, 1), exit), reject(verifier.EACCES, "R2 !read_ok", 0)},
		{"check_cond_jmp_op/known branch skips the bad path", both, prog(s(0xb7, 0, 0, 0, 1), s(0x15, 0, 0, 1, 1), s(0xbf, 0, 5, 0, 0), exit), accept},
		{"check_cond_jmp_op/unknown branch explores both", both, prog(mov0, s(0x15, 1, 0, 1, 5), s(0xbf, 0, 5, 0, 0), exit), reject(verifier.EACCES, "R5 !read_ok", 2)},
		{"check_return_code/R0 not written", both, prog(ld(1, 0, 0, 1, 0), exit), reject(verifier.EACCES, "R0 !read_ok", 2)},
		{"check_return_code/pointer R0 is fine when privileged", both, prog(s(0xbf, 0, 1, 0, 0), exit), accept},
		{"is_branch_taken/map_value != 0 is known (6.18 follows one path)", []*verifier.Profile{l618}, prog(ld(1, 2, 0, fixtures.FDArray48, 0), mov0, s(0x55, 1, 0, 1, 0), s(0xbf, 0, 7, 0, 0), exit), accept},
		{"is_branch_taken/map_value != 0 is known in 5.9 too", []*verifier.Profile{rfc}, prog(ld(1, 2, 0, fixtures.FDArray48, 0), mov0, s(0x55, 1, 0, 1, 0), s(0xbf, 0, 7, 0, 0), exit), accept},
		{"is_branch_taken/map_ptr != 0 is unknown in 5.9", []*verifier.Profile{rfc}, prog(ld(1, 1, 0, fixtures.FDArray48, 0), mov0, s(0x55, 1, 0, 1, 0), s(0xbf, 0, 7, 0, 0), exit), reject(verifier.EACCES, "R7 !read_ok", 4)},

		// unsupported, never accept
		{"unsupported/memory load", []*verifier.Profile{rfc}, prog(s(0x61, 0, 1, 0, 0), exit), want{verifier.Unsupported, 0, "verisim: memory loads are not modeled: (61) r0 = *(u32 *)(r1 +0)", 0}},
		{"context load/skb->len", []*verifier.Profile{l618}, prog(s(0x61, 0, 1, 0, 0), exit), accept},
		{"context load/misaligned", []*verifier.Profile{l618}, prog(s(0x61, 0, 1, 1, 0), exit), reject(verifier.EACCES, "invalid bpf_context access off=1 size=4", 0)},
		{"atomic/add on the stack", []*verifier.Profile{l618}, prog(mov0, s(0xdb, 10, 0, -8, 0), exit), accept},
		{"atomic/on the context", []*verifier.Profile{l618}, prog(mov0, s(0xdb, 1, 0, 0, 0), exit), reject(verifier.EACCES, "BPF_ATOMIC stores into R1 ctx is not allowed", 1)},
		{"atomic/byte size", []*verifier.Profile{l618}, prog(mov0, s(0xd3, 10, 0, -8, 0), exit), reject(verifier.EINVAL, "invalid atomic operand size", 1)},
		{"unsupported/load-acquire", []*verifier.Profile{l618}, prog(mov0, s(0xdb, 0, 10, -8, 0x100), exit), want{verifier.Unsupported, 0, "verisim: load-acquire and store-release (check_atomic_load, check_atomic_store) are not modeled: (db) r0 = load_acquire((u64 *)(r10 -8))", 1}},
		{"unsupported/helper call under rfc", []*verifier.Profile{verifier.RFC}, prog(s(0x85, 0, 0, 0, 7), exit), want{verifier.Unsupported, 0, "verisim: calls are not modeled: (85) call bpf_get_prandom_u32#7", 0}},
		{"check_helper_call/a scalar helper sets r0", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 7), exit), accept},
		{"check_helper_call/r1-r5 are not readable after a call", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 7), s(0xbf, 0, 1, 0, 0), exit), reject(verifier.EACCES, "R1 !read_ok", 1)},
		{"check_helper_call/bpf_unspec has no prototype", []*verifier.Profile{l618}, prog(mov0, s(0x85, 0, 0, 0, 0), exit), reject(verifier.EINVAL, "program of this type cannot use helper bpf_unspec#0", 1)},
		{"check_helper_call/an id past __BPF_FUNC_MAX_ID", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 4000), exit), reject(verifier.EINVAL, "invalid func unknown#4000", 0)},
		{"check_helper_call/an argument that is not ARG_ANYTHING", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 25), exit), want{verifier.Unsupported, 0, "verisim: bpf_perf_event_output#25 takes ARG_CONST_MAP_PTR as argument 2: not modeled", 0}},
		// As the live 6.18.44 answers: check_reg_type's map_ptr_types.
		{"check_reg_type/ringbuf_output given the context", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 130), exit), reject(verifier.EACCES, "R1 type=ctx expected=map_ptr", 0)},
		{"check_helper_call/map_lookup_elem on the context", []*verifier.Profile{l618}, prog(s(0x85, 0, 0, 0, 1), exit), want{verifier.Unsupported, 0, "verisim: bpf_map_lookup_elem#1 with ctx in R1 (check_reg_type) is not modeled", 0}},
		{"check_helper_call/map_lookup_elem without a key", []*verifier.Profile{l618}, prog(ld(1, 1, 0, 100, 0), s(0x85, 0, 0, 0, 1), exit), reject(verifier.EACCES, "R2 !read_ok", 2)},
		// The live 6.18.44 walks the loop three times (a new state
		// needs 2 jumps and 8 instructions) and finds the state at 0
		// again: the last line printed is insn 0's.
		{"is_state_visited/infinite loop", []*verifier.Profile{l618}, prog(mov0, s(0x15, 1, 0, -2, 0), exit), reject(verifier.EINVAL, "old state: R0=0 R1=ctx() R10=fp0", 0)},
		{"unsupported/loop", []*verifier.Profile{verifier.Linux612}, prog(mov0, s(0x15, 1, 0, -2, 0), exit), want{verifier.Unsupported, 0, "verisim: the program has a loop (a back-edge in check_cfg); bounded loops are not modeled", -1}},
	}
	for _, tc := range cases {
		for _, p := range tc.profiles {
			t.Run(p.Name+"/"+tc.name, func(t *testing.T) { check(t, p, c, tc.slots, tc.want) })
		}
	}
	// bpf_check_uarg_tail_zero: the 5.9 bpf_attr ends before fd_array.
	t.Run("rfc/bpf_prog_load/fd_array does not exist in 5.9", func(t *testing.T) {
		check(t, rfc, env{without: c.with}, prog(mov0, exit), want{verifier.Reject, verifier.E2BIG, "", -1})
	})
}

// TestBacktrackStackPointer: a register comparison with a stack pointer
// records INSN_F_DST_REG_STACK/INSN_F_SRC_REG_STACK in the instruction
// history (check_cond_jmp_op, push_jmp_history), and backtrack_insn then
// asks only the scalar operand to be precise, not the stack pointer
// (kernel/bpf/verifier.c, v6.18). The program is test_loader's
// verifier_precision bpf_cond_op_not_r10; the lines are Linux 6.18.44's.
func TestBacktrackStackPointer(t *testing.T) {
	c, _ := ctx(t)
	slots := prog(mov0, ld(2, 0, 0, 0x256c6c78, 0x20202000),
		s(0xbf, 3, 10, 0, 0), // r3 = r10
		s(0xbd, 3, 2, 1, 0),  // if r3 <= r2 goto pc+1
		s(0xb5, 2, 0, 2, 8),  // if r2 <= 0x8 goto pc+2
		ld(0, 0, 0, 2, 0), exit)
	r, err := verifier.Verify(slots, verifier.Config{ProgType: verifier.RawTracepoint, Env: c.For(verifier.Linux618), LogLevel: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range r.Log {
		if strings.HasPrefix(l, "mark_precise: ") {
			got = append(got, l)
		}
	}
	want := []string{
		"mark_precise: frame0: last_idx 5 first_idx 0 subseq_idx -1 ",
		"mark_precise: frame0: regs=r2 stack= before 4: (bd) if r3 <= r2 goto pc+1",
		"mark_precise: frame0: regs=r2 stack= before 3: (bf) r3 = r10",
		"mark_precise: frame0: regs=r2 stack= before 1: (18) r2 = 0x20202000256c6c78",
	}
	if r.Verdict != verifier.Accept {
		t.Errorf("verdict %s", r)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("backtracking (-kernel +simulator):\n%s", d)
	}
}

// TestSMPProcessorID: do_refine_retval_range bounds
// bpf_get_smp_processor_id's r0 by the machine's nr_cpu_ids (the
// recording host's 2 gives the line Linux 6.18.44 printed there); an
// unknown nr_cpu_ids leaves the call unsupported.
func TestSMPProcessorID(t *testing.T) {
	tiny, err := fixtures.NewTiny()
	if err != nil {
		t.Fatal(err)
	}
	slots := prog(s(0x85, 0, 0, 0, 8), exit)
	for _, tc := range []struct {
		cpus int
		want string
	}{
		{2, "0: (85) call bpf_get_smp_processor_id#8       ; R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=1,var_off=(0x0; 0x1))"},
		{6, "0: (85) call bpf_get_smp_processor_id#8       ; R0=scalar(smin=smin32=0,smax=umax=smax32=umax32=5,var_off=(0x0; 0x7))"},
		{0, ""},
	} {
		opts := tiny.Options()
		opts.NrCPUIDs = tc.cpus
		c, err := btfctx.New(btfctx.Decl{}, opts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := verifier.Verify(slots, verifier.Config{ProgType: verifier.SocketFilter, Env: c, LogLevel: 2})
		if err != nil {
			t.Fatal(err)
		}
		if tc.cpus == 0 {
			if r.Verdict != verifier.Unsupported || !strings.Contains(r.Message, "nr_cpu_ids") {
				t.Errorf("nr_cpu_ids unknown: %v %q", r.Verdict, r.Message)
			}
			continue
		}
		found := false
		for _, l := range r.Log {
			found = found || l == tc.want
		}
		if r.Verdict != verifier.Accept || !found {
			t.Errorf("nr_cpu_ids %d: %v, log %q, want the line %q", tc.cpus, r.Verdict, r.Log, tc.want)
		}
	}
}

// TestHelperPacketAccess: a helper without pkt_access given a packet
// pointer (bpf_trace_printk's format, in an XDP program after the bounds
// check) is check_func_arg's msgHelperPktAccess, as Linux 6.18.44 answers.
func TestHelperPacketAccess(t *testing.T) {
	slots := prog(s(0x61, 2, 1, 0, 0), // r2 = data
		s(0x61, 3, 1, 4, 0), // r3 = data_end
		s(0xbf, 4, 2, 0, 0), // r4 = r2
		s(0x07, 4, 0, 0, 8), // r4 += 8
		s(0x2d, 4, 3, 5, 0), // if r4 > r3 goto +5
		s(0xbf, 1, 2, 0, 0), // r1 = r2
		s(0xb7, 2, 0, 0, 8), // r2 = 8
		s(0x85, 0, 0, 0, 6), // call bpf_trace_printk
		mov0, exit, mov0, exit)
	r, err := verifier.Verify(slots, verifier.Config{ProgType: verifier.XDP, LogLevel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != verifier.Reject || r.Errno != verifier.EACCES || r.Message != "helper access to the packet is not allowed" || r.Insn != 7 {
		t.Errorf("got %s", r)
	}
}
