package oracle

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// TestLive loads a few streams into the running kernel (skipped without
// root; VERISIM_LIVE=1 makes that a failure).
func TestLive(t *testing.T) {
	Require(t)
	decl := btfctx.Decl{
		Maps:  []btfctx.MapDecl{{FD: 100, Map: btfctx.Map{Type: btfctx.MapArray, KeySize: 4, ValueSize: 48, MaxEntries: 1, Name: "arr"}}},
		Files: []int32{200},
	}
	ld := func(dst, src uint8, imm, imm1 int32) []insn.Slot {
		return []insn.Slot{{Code: 0x18, Dst: dst, Src: src, Imm: imm}, {Imm: imm1}}
	}
	exit := insn.Slot{Code: 0x95}
	cases := []struct {
		slots []insn.Slot
		want  verifier.Result
	}{
		{append(ld(0, 0, 7, 0), exit), verifier.Result{Verdict: verifier.Accept, Insn: -1}},
		{append(ld(1, 0, 7, 0), exit), verifier.Result{Verdict: verifier.Reject, Errno: verifier.EACCES, Message: "R0 !read_ok", Insn: 2}},
		{append(ld(1, 1, 200, 0), exit), verifier.Result{Verdict: verifier.Reject, Errno: verifier.EINVAL, Message: "fd 200 is not pointing to valid bpf_map", Insn: -1}},
		{append(ld(1, 1, 999, 0), exit), verifier.Result{Verdict: verifier.Reject, Errno: verifier.EBADF, Message: "fd 999 is not pointing to valid bpf_map", Insn: -1}},
		{append(ld(1, 2, 100, 48), exit), verifier.Result{Verdict: verifier.Reject, Errno: verifier.EINVAL, Message: "invalid access to map value pointer, value_size=48 off=48", Insn: -1}},
	}
	for _, c := range cases {
		got, err := Run(c.slots, Config{ProgType: verifier.SocketFilter, Decl: decl, LogLevel: 1})
		if err != nil {
			t.Fatal(err)
		}
		got.Log, got.Stats = nil, verifier.Stats{}
		if d := cmp.Diff(c.want, got); d != "" {
			t.Errorf("Run(%x) (-want +got):\n%s", insn.Encode(c.slots), d)
		}
	}
	// A declared fd that this process already uses is refused.
	if _, err := Run(append(ld(0, 0, 1, 0), exit), Config{ProgType: verifier.SocketFilter, Decl: btfctx.Decl{Maps: []btfctx.MapDecl{{FD: 1, Map: decl.Maps[0].Map}}}, LogLevel: 1}); err == nil {
		t.Error("Run placed a map over fd 1")
	}
}

// TestLicense: Config.License is bpf_attr.license, "GPL" when empty. A
// gpl_only helper (bpf_trace_printk, #6) is refused to a non-GPL program
// before its arguments are checked (check_helper_call).
func TestLicense(t *testing.T) {
	Require(t)
	slots := []insn.Slot{{Code: insn.CodeCall, Imm: 6}, {Code: 0xb7}, {Code: insn.CodeExit}}
	const gpl = "cannot call GPL-restricted function from non-GPL compatible program"
	for _, c := range []struct {
		license string
		refused bool
	}{{"", false}, {"GPL", false}, {"Dual BSD/GPL", false}, {"Proprietary", true}} {
		res, err := Run(slots, Config{ProgType: verifier.SocketFilter, Decl: btfctx.Decl{}, License: c.license})
		if err != nil {
			t.Fatal(err)
		}
		if (res.Message == gpl) != c.refused {
			t.Errorf("license %q: %q, want refused=%v", c.license, res.Message, c.refused)
		}
	}
}

// TestLiveAttachBTFID: a tracing program needs an attach target
// (check_attach_btf_id: "Tracing programs must provide btf_id"); with the
// id of a raw tracepoint's btf_trace_ typedef, as libbpf resolves
// tp_btf/sys_enter, it verifies.
func TestLiveAttachBTFID(t *testing.T) {
	Require(t)
	vm, err := btfctx.HostBTF()
	if err != nil {
		t.Fatal(err)
	}
	id := vm.FindByName("btf_trace_sys_enter", btfctx.KindTypedef)
	if id == 0 {
		t.Skip("no btf_trace_sys_enter in vmlinux BTF")
	}
	prog := []insn.Slot{{Code: 0xb7}, {Code: 0x95}} // r0 = 0; exit
	const rawTP = 23                                // BPF_TRACE_RAW_TP
	for _, c := range []struct {
		id   uint32
		want string
	}{
		{0, "reject (EINVAL): Tracing programs must provide btf_id"},
		{id, "accept"},
	} {
		got, err := Run(prog, Config{ProgType: verifier.Tracing, ExpectedAttachType: rawTP, AttachBTFID: c.id, LogLevel: 1})
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != c.want {
			t.Errorf("attach_btf_id %d: %s, want %s", c.id, got, c.want)
		}
	}
}
