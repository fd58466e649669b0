package regstate

import (
	"fmt"
	"strings"

	"github.com/verisim/verisim/scalar"
)

// typeNames618 is reg_type_str's table (kernel/bpf/verifier.c, v6.18).
var typeNames618 = [...]string{
	NotInit:       "?",
	Scalar:        "scalar",
	PtrToCtx:      "ctx",
	ConstPtrToMap: "map_ptr",
	PtrToMapValue: "map_value",
	PtrToStack:    "fp",
	PtrToBTFID:    "ptr_",
	PtrToMem:      "mem",
	PtrToFunc:     "func",
	PtrToPacket:   "pkt", PtrToPacketMeta: "pkt_meta", PtrToPacketEnd: "pkt_end",
}

// typeNames59 is reg_type_str's table in the 5.9 verifier.
var typeNames59 = [...]string{
	NotInit:       "?",
	Scalar:        "inv",
	PtrToCtx:      "ctx",
	ConstPtrToMap: "map_ptr",
	PtrToMapValue: "map_value",
	PtrToStack:    "fp",
	PtrToBTFID:    "ptr_",
	PtrToMem:      "mem",
	PtrToFunc:     "func",
	PtrToPacket:   "pkt", PtrToPacketMeta: "pkt_meta", PtrToPacketEnd: "pkt_end",
}

// TypeString returns the 6.18 reg_type_str of the register's type and
// flags, e.g. "rdonly_mem", "percpu_ptr_", "scalar".
func (r Reg) TypeString() string {
	var b strings.Builder
	if r.Flags&MemRdonly != 0 {
		b.WriteString("rdonly_")
	}
	if r.Flags&MemRingbuf != 0 {
		b.WriteString("ringbuf_")
	}
	if r.Flags&MemPercpu != 0 {
		b.WriteString("percpu_")
	}
	b.WriteString(typeNames618[r.Type])
	if r.Flags&PtrMaybeNull != 0 {
		// reg_type_str's postfix ("or_null_" before a BTF id's name).
		if r.Type == PtrToBTFID {
			b.WriteString("or_null_")
		} else {
			b.WriteString("_or_null")
		}
	}
	return b.String()
}

// snum formats like verbose_snum (kernel/bpf/log.c): decimal within s16,
// "%#llx" of the u64 otherwise.
func snum(v int64) string {
	if v >= -32768 && v <= 32767 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", uint64(v))
}

// unum formats like verbose_unum: decimal up to U16_MAX, "%#llx" otherwise.
func unum(v uint64) string {
	if v <= 65535 {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

// Format618 prints the register as print_reg_state (kernel/bpf/log.c,
// v6.18) does, without the "R%d=" prefix: "4660", "P1", "ctx()",
// "map_value(map=arr,ks=4,vs=48,off=8)", "rdonly_mem(sz=4)",
// "ptr_task_struct()", "fp0", "scalar()".
func (r Reg) Format618() string {
	var b strings.Builder
	if r.Type == Scalar && r.Precise {
		b.WriteByte('P')
	}
	if r.Type == Scalar && r.Known {
		b.WriteString(snum(int64(r.Value)))
		return b.String()
	}
	b.WriteString(r.TypeString())
	if r.Type == PtrToStack && r.Known {
		b.WriteString(snum(int64(r.Value) + int64(r.Off)))
		return b.String()
	}
	if r.Type == PtrToBTFID {
		b.WriteString(r.BTFName)
	}
	b.WriteByte('(')
	sep := ""
	add := func(s string) {
		b.WriteString(sep)
		b.WriteString(s)
		sep = ","
	}
	if r.ID != 0 {
		add(fmt.Sprintf("id=%d", r.ID))
		if r.Type == Scalar && r.AddConst {
			fmt.Fprintf(&b, "%+d", r.Off)
		}
	}
	if r.RefObjID != 0 {
		add(fmt.Sprintf("ref_obj_id=%d", r.RefObjID))
	}
	if r.Type == Scalar && r.Width32 {
		add("smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff)")
	}
	if r.Type == Scalar && r.Ranged {
		b.WriteString(string(scalar.AppendRanges(nil, r.Range, sep)))
		sep = ","
	}
	if (r.Type == ConstPtrToMap || r.Type == PtrToMapValue) && r.Map != nil {
		if r.Map.Name != "" {
			add("map=" + r.Map.Name)
		}
		add(fmt.Sprintf("ks=%d,vs=%d", r.Map.KeySize, r.Map.ValueSize))
	}
	if r.Type != Scalar && r.Off != 0 {
		add("off=" + snum(int64(r.Off)))
	}
	if r.Type.IsPacket() {
		add("r=" + unum(uint64(int64(int32(r.MemSize)))))
	}
	if r.Type == PtrToMem {
		add("sz=" + unum(uint64(r.MemSize)))
	}
	if r.Known && r.Value != 0 {
		add("imm=" + snum(int64(r.Value)))
	}
	if r.Type != Scalar && r.Ranged {
		// A variable offset: print_scalar_ranges and var_off.
		b.WriteString(string(scalar.AppendRanges(nil, r.Range, sep)))
	}
	b.WriteByte(')')
	return b.String()
}

// Format59 prints the register as the 5.9 print_verifier_state does after
// "R%d<liveness>=": "inv4660", "ctx(id=0,off=0,imm=0)",
// "map_ptr(id=0,off=0,ks=4,vs=8,imm=0)", "ptr_task_struct(id=0,off=0,imm=0)",
// "fp0", "inv(id=0)".
func (r Reg) Format59() string {
	var b strings.Builder
	b.WriteString(typeNames59[r.Type])
	if r.Type == Scalar && r.Precise {
		b.WriteByte('P')
	}
	if (r.Type == Scalar || r.Type == PtrToStack) && r.Known {
		fmt.Fprintf(&b, "%d", int64(r.Value)+int64(r.Off))
		return b.String()
	}
	if r.Type == PtrToBTFID {
		b.WriteString(r.BTFName)
	}
	fmt.Fprintf(&b, "(id=%d", r.ID)
	if r.Type != Scalar {
		fmt.Fprintf(&b, ",off=%d", r.Off)
	}
	if (r.Type == ConstPtrToMap || r.Type == PtrToMapValue) && r.Map != nil {
		fmt.Fprintf(&b, ",ks=%d,vs=%d", r.Map.KeySize, r.Map.ValueSize)
	}
	if r.Known {
		fmt.Fprintf(&b, ",imm=%x", r.Value)
	} else if r.Width32 {
		b.WriteString(",umax_value=4294967295,var_off=(0x0; 0xffffffff)")
	}
	b.WriteByte(')')
	return b.String()
}

// TypeString59 returns the 5.9 reg_type_str of the register's type.
func (r Reg) TypeString59() string { return typeNames59[r.Type] }

// Format61 prints the register as the 6.1 print_verifier_state does after
// "R%d<liveness>=": "32", "P7", "ctx(off=0,imm=0)",
// "map_ptr(off=0,ks=4,vs=8,imm=0)", "fp-8", "scalar()",
// "scalar(umax=4294967295,var_off=(0x0; 0xffffffff))". Ranged scalars are
// not printed in this form (the 6.1 walk has no ranges): they print as
// Format618 would.
func (r Reg) Format61() string {
	var b strings.Builder
	if r.Type == Scalar && r.Precise {
		b.WriteByte('P')
	}
	if (r.Type == Scalar || r.Type == PtrToStack) && r.Known {
		if r.Type != Scalar {
			b.WriteString(r.TypeString())
		}
		fmt.Fprintf(&b, "%d", int64(r.Value)+int64(r.Off))
		return b.String()
	}
	b.WriteString(r.TypeString())
	if r.Type == PtrToBTFID {
		b.WriteString(r.BTFName)
	}
	b.WriteByte('(')
	sep := ""
	add := func(s string) {
		b.WriteString(sep)
		b.WriteString(s)
		sep = ","
	}
	if r.ID != 0 {
		add(fmt.Sprintf("id=%d", r.ID))
	}
	if r.Type != Scalar {
		add(fmt.Sprintf("off=%d", r.Off))
	}
	if (r.Type == ConstPtrToMap || r.Type == PtrToMapValue) && r.Map != nil {
		add(fmt.Sprintf("ks=%d,vs=%d", r.Map.KeySize, r.Map.ValueSize))
	}
	switch {
	case r.Known:
		add(fmt.Sprintf("imm=%x", r.Value))
	case r.Width32:
		add("umax=4294967295,var_off=(0x0; 0xffffffff)")
	}
	b.WriteByte(')')
	return b.String()
}
