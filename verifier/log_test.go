package verifier_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/verifier"
)

// TestLog pins whole logs: the 6.18 level-2 format (func#, Live regs, the
// inline "; state" column, mark_precise) and the 5.9 level-2 format of the
// rfc profile, with the register forms each kind of ksym yields.
func TestLog(t *testing.T) {
	c, tiny := ctx(t)
	stats := func(n int) string {
		return "processed " + itoa(n) + " insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"
	}
	cases := []struct {
		name  string
		p     *verifier.Profile
		level uint32
		slots []insn.Slot
		want  []string
	}{
		{"6.18 level 2 constant", verifier.Linux618, 2, prog(ld(0, 0, 0, 0x1234, 0), exit), []string{
			"func#0 @0",
			"Live regs before insn:",
			"      0: .......... (18) r0 = 0x1234",
			"      2: 0......... (95) exit",
			"0: R1=ctx() R10=fp0",
			"0: (18) r0 = 0x1234                   ; R0=4660",
			"2: (95) exit",
			stats(2),
		}},
		{"6.18 level 1 success keeps the stats line only", verifier.Linux618, 1, prog(ld(0, 0, 0, 0x1234, 0), exit), []string{stats(2)}},
		{"6.18 ksym registers", verifier.Linux618, 1, prog(
			ld(1, 3, 0, int32(tiny.Runqueues), 0), ld(2, 3, 0, int32(tiny.CPUNumber), 0), ld(3, 3, 0, int32(tiny.InitTask), 0),
			ld(4, 3, 0, int32(tiny.Jiffies), 0), ld(5, 3, 0, int32(tiny.GetPidTgid), 0), ld(6, 3, 0, int32(tiny.ConstTask), 0),
			s(0xbf, 0, 9, 0, 0), exit), []string{
			"0: R1=ctx() R10=fp0",
			"0: (18) r1 = 0xffffffff82a1c000       ; R1=percpu_ptr_rq()",
			"2: (18) r2 = 0xffffffff82a1c040       ; R2=percpu_ptr_int()",
			"4: (18) r3 = 0xffffffff82a1c080       ; R3=ptr_task_struct()",
			"6: (18) r4 = 0xffffffff82a1c0c0       ; R4=rdonly_mem(sz=8)",
			"8: (18) r5 = 0xffffffff8150e310       ; R5=rdonly_mem(sz=0)",
			"10: (18) r6 = 0xffffffff82a1c100      ; R6=ptr_()",
			"12: (bf) r0 = r9",
			"R9 !read_ok",
			stats(7),
		}},
		{"6.18 map registers", verifier.Linux618, 1, prog(
			ld(1, 1, 0, fixtures.FDArray48, 0), ld(2, 2, 0, fixtures.FDArray48, 8), ld(3, 1, 0, fixtures.FDArray4x2, 0),
			s(0xbf, 0, 9, 0, 0), exit), []string{
			"0: R1=ctx() R10=fp0",
			"0: (18) r1 = 0xffff888100000000       ; R1=map_ptr(map=arr48,ks=4,vs=48)",
			"2: (18) r2 = 0xffff888100000118       ; R2=map_value(map=arr48,ks=4,vs=48,off=8)",
			"4: (18) r3 = 0xffff888100002000       ; R3=map_ptr(ks=4,vs=4)",
			"6: (bf) r0 = r9",
			"R9 !read_ok",
			stats(4),
		}},
		{"6.18 scalars", verifier.Linux618, 1, prog(
			ld(0, 0, 0, 0x8000, 0), ld(2, 0, 0, -1, -1), s(0xb4, 4, 0, 0, -1), s(0xb7, 5, 0, 0, -40000),
			s(0x37, 5, 0, 0, 3), s(0xbc, 6, 1, 0, 0), s(0xbf, 7, 5, 0, 0), s(0xbf, 0, 9, 0, 0), exit), []string{
			"0: R1=ctx() R10=fp0",
			"0: (18) r0 = 0x8000                   ; R0=0x8000",
			"2: (18) r2 = 0xffffffffffffffff       ; R2=-1",
			"4: (b4) w4 = -1                       ; R4=0xffffffff",
			"5: (b7) r5 = -40000                   ; R5=0xffffffffffff63c0",
			"6: (37) r5 /= 3                       ; R5=scalar()",
			"7: (bc) w6 = w1                       ; R1=ctx() R6=scalar(smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))",
			"8: (bf) r7 = r5                       ; R5=scalar(id=1) R7=scalar(id=1)",
			"9: (bf) r0 = r9",
			"R9 !read_ok",
			stats(8),
		}},
		{"6.18 known branch marks precision", verifier.Linux618, 2, prog(s(0xb7, 0, 0, 0, 1), s(0x15, 0, 0, 1, 1), s(0xb7, 0, 0, 0, 2), exit), []string{
			"func#0 @0",
			"Live regs before insn:",
			"      0: .......... (b7) r0 = 1",
			"      1: 0......... (15) if r0 == 0x1 goto pc+1",
			"      2: .......... (b7) r0 = 2",
			"      3: 0......... (95) exit",
			"0: R1=ctx() R10=fp0",
			"0: (b7) r0 = 1                        ; R0=1",
			"1: (15) if r0 == 0x1 goto pc+1",
			"mark_precise: frame0: last_idx 1 first_idx 0 subseq_idx -1 ",
			"mark_precise: frame0: regs=r0 stack= before 0: (b7) r0 = 1",
			"1: R0=1",
			"3: (95) exit",
			stats(3),
		}},
		{"6.18 level 1 failure keeps the failing path", verifier.Linux618, 1, prog(s(0xb7, 0, 0, 0, 0), s(0x15, 1, 0, 2, 5), s(0xb7, 0, 0, 0, 2), exit, s(0xbf, 0, 9, 0, 0), exit), []string{
			"0: R1=ctx() R10=fp0",
			"0: (b7) r0 = 0                        ; R0=0",
			// The rewind to the push point keeps the first padding space
			// that replaced the jump line's newline.
			"1: (15) if r1 == 0x5 goto pc+2 4: R0=0 R1=ctx() R10=fp0",
			"4: (bf) r0 = r9",
			"R9 !read_ok",
			stats(5),
		}},
		{"rfc level 2 ksym", verifier.RFC, 2, prog(ld(1, 3, int16(tiny.InitTask), 0x1000, -1), ld(2, 1, 0, fixtures.FDArray48, 0), mov0, exit), []string{
			"func#0 @0",
			"0: R1=ctx(id=0,off=0,imm=0) R10=fp0",
			"0: (18) r1 = 0xffffffff00001000",
			"2: R1_w=ptr_task_struct(id=0,off=0,imm=0) R10=fp0",
			"2: (18) r2 = 0xffff888100000000",
			"4: R1_w=ptr_task_struct(id=0,off=0,imm=0) R2_w=map_ptr(id=0,off=0,ks=4,vs=48,imm=0) R10=fp0",
			"4: (b7) r0 = 0",
			"5: R0_w=inv0 R1_w=ptr_task_struct(id=0,off=0,imm=0) R2_w=map_ptr(id=0,off=0,ks=4,vs=48,imm=0) R10=fp0",
			"5: (95) exit",
			stats(4),
		}},
		{"rfc level 1 rejection", verifier.RFC, 1, prog(ld(1, 0, 0, 0x1234, 0), exit), []string{
			"0: (18) r1 = 0x1234",
			"2: (95) exit",
			"R0 !read_ok",
			stats(2),
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := verify(t, tc.p, c, tc.slots, tc.level)
			if d := cmp.Diff(tc.want, r.Log); d != "" {
				t.Errorf("log (-want +got):\n%s", d)
			}
		})
	}
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}

// TestKeepStates checks the per-instruction register states.
func TestKeepStates(t *testing.T) {
	c, tiny := ctx(t)
	r, err := verifier.Verify(prog(ld(1, 3, 0, int32(tiny.Jiffies), 0), mov0, exit),
		verifier.Config{Profile: verifier.Linux618, ProgType: verifier.SocketFilter, Env: c.For(verifier.Linux618), KeepStates: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Steps) != 3 {
		t.Fatalf("got %d steps, want 3", len(r.Steps))
	}
	mem := regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRdonly, Known: true, MemSize: 8}
	if d := cmp.Diff(mem, r.Steps[0].Regs[1]); d != "" {
		t.Errorf("r1 after insn 0 (-want +got):\n%s", d)
	}
	if r.Steps[0].Insn != 0 || r.Steps[1].Insn != 2 || r.Steps[2].Insn != 3 {
		t.Errorf("step insns = %d %d %d, want 0 2 3", r.Steps[0].Insn, r.Steps[1].Insn, r.Steps[2].Insn)
	}
	if got := r.Steps[1].Regs[0]; !got.IsConst() || got.Value != 0 {
		t.Errorf("r0 after insn 2 = %+v, want the constant 0", got)
	}
}
