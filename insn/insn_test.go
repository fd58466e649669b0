package insn_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/insn"
)

func TestDecodeLength(t *testing.T) {
	for _, n := range []int{1, 7, 9, 15} {
		if _, err := insn.Decode(make([]byte, n)); !errors.Is(err, insn.ErrLength) {
			t.Errorf("Decode(%d bytes) error = %v, want ErrLength", n, err)
		}
	}
	got, err := insn.Decode(nil)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Decode(nil) = %v, %v; want an empty slice", got, err)
	}
}

func TestDecodeFields(t *testing.T) {
	b := []byte{0x18, 0x3a, 0xfe, 0xff, 0x78, 0x56, 0x34, 0x12}
	got, err := insn.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []insn.Slot{{Code: 0x18, Dst: 0xa, Src: 3, Off: -2, Imm: 0x12345678}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Decode (-want +got):\n%s", d)
	}
	if !bytes.Equal(insn.Encode(got), b) {
		t.Errorf("Encode(Decode(b)) = %x, want %x", insn.Encode(got), b)
	}
}

// TestDisasm checks the kernel's text (kernel/bpf/disasm.c) for every form,
// as captured from Linux 6.18.44 logs.
func TestDisasm(t *testing.T) {
	s := func(code, dst, src uint8, off int16, imm int32) insn.Slot {
		return insn.Slot{Code: code, Dst: dst, Src: src, Off: off, Imm: imm}
	}
	cases := []struct {
		s    insn.Slot
		next *insn.Slot
		want string
	}{
		{s(0x18, 1, 0, 0, 0x1234), &insn.Slot{}, "(18) r1 = 0x1234"},
		{s(0x18, 2, 0, 0, -1), &insn.Slot{Imm: -1}, "(18) r2 = 0xffffffffffffffff"},
		{s(0x18, 1, 1, 0, 5), &insn.Slot{}, "(18) r1 = 0x0"}, // MAP_FD without allow_ptr_leaks
		{s(0xb7, 0, 0, 0, 0), nil, "(b7) r0 = 0"},
		{s(0xb7, 3, 0, 0, -1), nil, "(b7) r3 = -1"},
		{s(0xb4, 3, 0, 0, -1), nil, "(b4) w3 = -1"},
		{s(0x07, 0, 0, 0, -7), nil, "(07) r0 += -7"},
		{s(0x04, 0, 0, 0, 3), nil, "(04) w0 += 3"},
		{s(0x0f, 0, 2, 0, 0), nil, "(0f) r0 += r2"},
		{s(0x0c, 0, 2, 0, 0), nil, "(0c) w0 += w2"},
		{s(0xbc, 0, 0, 0, 0), nil, "(bc) w0 = w0"},
		{s(0xc7, 0, 0, 0, 3), nil, "(c7) r0 s>>= 3"},
		{s(0x37, 0, 0, 1, 3), nil, "(37) r0 s/= 3"},
		{s(0x9c, 0, 2, 1, 0), nil, "(9c) w0 s%= w2"},
		{s(0xbf, 4, 0, 8, 0), nil, "(bf) r4 = (s8)r0"},
		{s(0xbc, 4, 0, 16, 0), nil, "(bc) w4 = (s16)w0"},
		{s(0x87, 0, 0, 0, 0), nil, "(87) r0 = -r0"},
		{s(0x84, 0, 0, 0, 0), nil, "(84) w0 = -w0"},
		{s(0xd4, 0, 0, 0, 16), nil, "(d4) r0 = le16 r0"},
		{s(0xdc, 0, 0, 0, 64), nil, "(dc) r0 = be64 r0"},
		{s(0xd7, 0, 0, 0, 32), nil, "(d7) r0 = bswap32 r0"},
		{s(0x61, 2, 1, 0, 0), nil, "(61) r2 = *(u32 *)(r1 +0)"},
		{s(0x79, 5, 10, -8, 0), nil, "(79) r5 = *(u64 *)(r10 -8)"},
		{s(0x91, 6, 10, -32, 0), nil, "(91) r6 = *(s8 *)(r10 -32)"},
		{s(0x7a, 10, 0, -16, 5), nil, "(7a) *(u64 *)(r10 -16) = 5"},
		{s(0x7b, 10, 1, -8, 0), nil, "(7b) *(u64 *)(r10 -8) = r1"},
		{s(0xdb, 10, 0, -32, 0), nil, "(db) lock *(u64 *)(r10 -32) += r0"},
		{s(0xdb, 10, 0, -32, 1), nil, "(db) r0 = atomic64_fetch_add((u64 *)(r10 -32), r0)"},
		{s(0xdb, 10, 3, -32, 0xf1), nil, "(db) r0 = atomic64_cmpxchg((u64 *)(r10 -32), r0, r3)"},
		{s(0xdb, 7, 10, -32, 0x100), nil, "(db) r7 = load_acquire((u64 *)(r10 -32))"},
		{s(0xdb, 10, 0, -32, 0x110), nil, "(db) store_release((u64 *)(r10 -32), r0)"},
		{s(0x20, 0, 0, 0, 12), nil, "(20) r0 = *(u32 *)skb[12]"},
		{s(0x48, 0, 2, 0, 4), nil, "(48) r0 = *(u16 *)skb[r2 + 4]"},
		{s(0x05, 0, 0, 0, 0), nil, "(05) goto pc+0"},
		{s(0x05, 0, 0, -1, 0), nil, "(05) goto pc-1"},
		{s(0x06, 0, 0, 0, 1), nil, "(06) gotol pc+1"},
		{s(0x15, 1, 0, 1, 5), nil, "(15) if r1 == 0x5 goto pc+1"},
		{s(0x15, 2, 0, 0, -5), nil, "(15) if r2 == 0xfffffffb goto pc+0"},
		{s(0x26, 2, 0, 1, 5), nil, "(26) if w2 > 0x5 goto pc+1"},
		{s(0x1d, 2, 3, 0, 0), nil, "(1d) if r2 == r3 goto pc+0"},
		{s(0xae, 2, 0, 1, 0), nil, "(ae) if w2 < w0 goto pc+1"},
		{s(0xe5, 0, 0, 1, 0), nil, "(e5) may_goto pc+1"},
		// JCOND with another src_reg: bpf_jmp_string[14] is NULL.
		{s(0xe5, 1, 3, 0, 0x8463), nil, "(e5) if r1 (null) 0x8463 goto pc+0"},
		{s(0x85, 0, 0, 0, 7), nil, "(85) call bpf_get_prandom_u32#7"},
		{s(0x85, 0, 0, 0, 1), nil, "(85) call bpf_map_lookup_elem#1"},
		{s(0x85, 0, 1, 0, 2), nil, "(85) call pc+2"},
		{s(0x95, 0, 0, 0, 0), nil, "(95) exit"},
		{s(0x00, 0, 0, 0, 0), nil, "BUG_ld_00"},
	}
	for _, tc := range cases {
		if got := insn.Disasm(tc.s, tc.next, tc.s.Code != 0x18 || tc.s.Src == 0); got != tc.want {
			t.Errorf("Disasm(%+v) = %q, want %q", tc.s, got, tc.want)
		}
	}
}

func TestAsmRoundTrip(t *testing.T) {
	in := asm.Instructions{
		asm.LoadImm(asm.R1, 0x1234, asm.DWord),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	}
	slots, err := insn.FromAsm(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []insn.Slot{{Code: 0x18, Dst: 1, Imm: 0x1234}, {}, {Code: 0xb7}, {Code: 0x95}}
	if d := cmp.Diff(want, slots); d != "" {
		t.Errorf("FromAsm (-want +got):\n%s", d)
	}
	back, err := insn.ToAsm(slots)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 3 || back[0].Constant != 0x1234 {
		t.Errorf("ToAsm = %v", back)
	}
	// An ALU off survives both ways: addr_space_cast (r8 =
	// addr_space_cast(r0, 0x0, 0x1), bf 08 01 00 01 00 00 00, as clang
	// emits it), a reserved off on an ALU op, and the extended opcodes'.
	raw := []insn.Slot{{Code: 0xbf, Dst: 8, Off: 1, Imm: 1}, {Code: 0x07, Dst: 1, Off: 3, Imm: 1}, {Code: 0x3f, Dst: 1, Src: 2, Off: 1}, {Code: 0xbf, Dst: 1, Src: 2, Off: 16}, {Code: 0x95}}
	prog, err := insn.ToAsm(raw)
	if err != nil {
		t.Fatal(err)
	}
	again, err := insn.FromAsm(prog)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(raw, again); d != "" {
		t.Errorf("FromAsm(ToAsm) (-want +got):\n%s", d)
	}
	// cilium/ebpf refuses a malformed second half; the slots keep it.
	if _, err := insn.ToAsm([]insn.Slot{{Code: 0x18}, {Off: 1}, {Code: 0x95}}); err == nil {
		t.Error("ToAsm accepted a second half with off != 0")
	}
}
