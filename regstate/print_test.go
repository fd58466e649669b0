package regstate_test

import (
	"testing"

	"github.com/verisim/verisim/regstate"
)

// TestFormat checks both log formats for every form the modeled
// instructions produce (6.18: kernel/bpf/log.c print_reg_state; 5.9:
// print_verifier_state), against strings captured from Linux 6.18.44 logs
// where the form exists there.
func TestFormat(t *testing.T) {
	arr := &regstate.MapRef{Name: "arr", KeySize: 4, ValueSize: 48}
	cases := []struct {
		r         regstate.Reg
		f618, f59 string
	}{
		{regstate.Const(4660), "4660", "inv4660"},
		{regstate.Const(0x8000), "0x8000", "inv32768"},
		{regstate.Const(^uint64(0)), "-1", "inv-1"},
		{regstate.Const(0xffffffffffff63c0), "0xffffffffffff63c0", "inv-40000"},
		{regstate.Const(0xffffffff), "0xffffffff", "inv4294967295"},
		{regstate.Reg{Type: regstate.Scalar, Known: true, Value: 1, Precise: true}, "P1", "invP1"},
		{regstate.Unknown(), "scalar()", "inv(id=0)"},
		{regstate.Reg{Type: regstate.Scalar, ID: 1}, "scalar(id=1)", "inv(id=1)"},
		{regstate.Reg{Type: regstate.Scalar, Width32: true}, "scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
			"inv(id=0,umax_value=4294967295,var_off=(0x0; 0xffffffff))"},
		{regstate.Reg{Type: regstate.PtrToCtx, Known: true}, "ctx()", "ctx(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToCtx, Known: true, Off: 8}, "ctx(off=8)", "ctx(id=0,off=8,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToStack, Known: true}, "fp0", "fp0"},
		{regstate.Reg{Type: regstate.PtrToStack, Known: true, Off: -8}, "fp-8", "fp-8"},
		{regstate.Reg{Type: regstate.ConstPtrToMap, Known: true, Map: arr}, "map_ptr(map=arr,ks=4,vs=48)", "map_ptr(id=0,off=0,ks=4,vs=48,imm=0)"},
		{regstate.Reg{Type: regstate.ConstPtrToMap, Known: true, Map: &regstate.MapRef{KeySize: 4, ValueSize: 8}}, "map_ptr(ks=4,vs=8)", "map_ptr(id=0,off=0,ks=4,vs=8,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToMapValue, Known: true, Map: arr, Off: 8}, "map_value(map=arr,ks=4,vs=48,off=8)", "map_value(id=0,off=8,ks=4,vs=48,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToBTFID, Known: true, BTFName: "task_struct"}, "ptr_task_struct()", "ptr_task_struct(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToBTFID, Flags: regstate.MemPercpu, Known: true, BTFName: "rq"}, "percpu_ptr_rq()", "ptr_rq(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToBTFID, Known: true}, "ptr_()", "ptr_(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly, Known: true, MemSize: 4}, "rdonly_mem(sz=4)", "mem(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly, Known: true}, "rdonly_mem(sz=0)", "mem(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly, Known: true, MemSize: 70000}, "rdonly_mem(sz=0x11170)", "mem(id=0,off=0,imm=0)"},
		{regstate.Reg{Type: regstate.PtrToFunc, Known: true}, "func()", "func(id=0,off=0,imm=0)"},
	}
	for _, c := range cases {
		if got := c.r.Format618(); got != c.f618 {
			t.Errorf("Format618(%+v) = %q, want %q", c.r, got, c.f618)
		}
		if got := c.r.Format59(); got != c.f59 {
			t.Errorf("Format59(%+v) = %q, want %q", c.r, got, c.f59)
		}
	}
}
