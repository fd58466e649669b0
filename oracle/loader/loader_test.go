package loader

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMessageOf(t *testing.T) {
	cases := []struct {
		log  []string
		msg  string
		insn int
	}{
		{[]string{"func#0 @0", "fd 1 is not pointing to valid bpf_map", "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"}, "fd 1 is not pointing to valid bpf_map", -1},
		{[]string{"0: R1=ctx() R10=fp0", "0: (18) r1 = 0x1234                   ; R1=4660", "2: (95) exit", "R0 !read_ok", "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"}, "R0 !read_ok", 2},
		{[]string{"0: (18) r10 = 0x0", "frame pointer is read only", "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"}, "frame pointer is read only", 0},
		{[]string{"func#0 @0", "processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"}, "", -1},
	}
	for _, c := range cases {
		msg, idx := messageOf(c.log)
		if msg != c.msg || idx != c.insn {
			t.Errorf("messageOf(%q) = %q, %d; want %q, %d", c.log, msg, idx, c.msg, c.insn)
		}
	}
}

func TestNormalize(t *testing.T) {
	got := Normalize([]string{"0: (18) r1 = 0xffff88810025b200       ; R1=map_ptr(ks=4,vs=8)", "r2 = 0x1234"})
	want := []string{"0: (18) r1 = 0xKADDR       ; R1=map_ptr(ks=4,vs=8)", "r2 = 0x1234"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	if Normalize(nil) != nil {
		t.Error("Normalize(nil) is not nil")
	}
}
