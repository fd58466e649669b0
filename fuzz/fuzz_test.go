package fuzz_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/fuzz"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/explain"
	"github.com/verisim/verisim/verifier/object"
)

func tiny(f *testing.F) *fixtures.Tiny {
	t, err := fixtures.NewTiny()
	if err != nil {
		f.Fatal(err)
	}
	return t
}

// FuzzDecode: bytes -> slots -> bytes is the identity for whole slots, and
// the disassembler and both register printers never panic.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		slots, err := insn.Decode(data)
		if len(data)%insn.Size != 0 {
			if err == nil {
				t.Fatalf("Decode(%d bytes) succeeded", len(data))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := insn.Encode(slots); !bytes.Equal(got, data) {
			t.Fatalf("Encode(Decode(b)) = %x, want %x", got, data)
		}
		for i, s := range slots {
			var next *insn.Slot
			if i+1 < len(slots) {
				next = &slots[i+1]
			}
			if insn.Disasm(s, next, i%2 == 0) == "" {
				t.Fatalf("empty disassembly of %+v", s)
			}
			r := regstate.Reg{Type: regstate.Type(s.Dst % 9), Flags: regstate.Flag(s.Src % 4), Known: s.Off%2 == 0,
				Value: s.Imm64(s), Off: s.Imm, Precise: s.Code%2 == 0, Width32: s.Code%3 == 0, ID: uint32(s.Code),
				Map: &regstate.MapRef{Name: "m", KeySize: 4, ValueSize: uint32(s.Imm)}, BTFName: "t", MemSize: uint32(s.Imm)}
			_ = r.Format618() + r.Format59()
		}
	})
}

// FuzzVerify: arbitrary streams and fd tables in both profiles never panic,
// give the same result twice, and satisfy fuzz.CheckResult.
func FuzzVerify(f *testing.F) {
	opts := tiny(f).Options()
	f.Fuzz(func(t *testing.T, data []byte) {
		in := fuzz.Decode(data)
		cfg, err := in.Config(opts, true)
		if err != nil {
			t.Fatal(err)
		}
		r1, err := verifier.Verify(in.Slots, cfg)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := verifier.Verify(in.Slots, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(r1, r2); d != "" {
			t.Fatalf("two runs differ (-first +second):\n%s", d)
		}
		if err := fuzz.CheckResult(in, r1); err != nil {
			t.Fatalf("%v\nprofile %s, %s\n%s", err, in.Profile.Name, fixtures.EncodeSlots(in.Slots), strings.Join(r1.Log, "\n"))
		}
		// explain and diff take every input verify takes, and agree with it.
		ex, r3, err := explain.Build(in.Slots, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if r3.Verdict != r1.Verdict || r3.Errno != r1.Errno || r3.Message != r1.Message || r3.Insn != r1.Insn {
			t.Fatalf("explain's verification differs from verify's: %v %v %q %d", r3.Verdict, r3.Errno, r3.Message, r3.Insn)
		}
		var built, streamed bytes.Buffer
		ex.Render(&built, explain.Style{Color: true})
		if _, err := explain.Stream(&streamed, in.Slots, cfg, explain.Output{Style: explain.Style{Color: true}}); err != nil {
			t.Fatal(err)
		}
		if built.String() != streamed.String() {
			t.Fatalf("streamed explanation differs from the built one:\n%s\n---\n%s", built.String(), streamed.String())
		}
		d, err := explain.BuildDiff(in.Slots, cfg, verifier.RFC, verifier.Linux618)
		if err != nil {
			t.Fatal(err)
		}
		d.Render(io.Discard, explain.Style{})
	})
}

// prePassMessages are the errors of the passes before do_check that a
// malformed ld_imm64 second slot can be preceded by (add_subprog_and_kfunc,
// check_subprogs, process_fd_array) or produce (the pre-pass).
var laterPasses = []string{"unreachable insn", "jump into the middle of ldimm64", "back-edge from insn"}

// FuzzLdImm64: one ld_imm64 with every field chosen, with the model's
// invariants per profile:
//   - rfc: src 3 decodes btf id (u32)(s16)insn[0].off (insn[1].off must be
//     0), and the verdict is oops exactly when that id names no type;
//   - 6.18: an accepted BTF_ID has insn[0].off == 0 and an imm naming a VAR
//     or FUNC;
//   - 6.18: a dirty second slot is reported by the pre-pass or a pass
//     before it, never by check_cfg or do_check.
func FuzzLdImm64(f *testing.F) {
	tn := tiny(f)
	vf := []uint32{tn.Runqueues, tn.CPUNumber, tn.InitTask, tn.Jiffies, tn.ConstTask, tn.FnVar, tn.NoSymVar, tn.GetPidTgid, tn.NoSymFunc}
	menu := fuzz.ImmMenu(append(slices.Clone(vf), tn.TaskStruct, tn.NumTypes))
	varOrFunc := map[int32]bool{}
	for _, id := range vf {
		varOrFunc[int32(id)] = true
	}
	opts := tn.Options()
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzz.DecodeLdImm64(data, menu)
		slots := x.Slots()
		ctx, err := btfctx.New(x.Decl(), opts)
		if err != nil {
			t.Fatal(err)
		}
		r, err := verifier.Verify(slots, verifier.Config{Profile: x.Profile, ProgType: verifier.SocketFilter, Env: ctx, LogLevel: 1})
		if err != nil {
			t.Fatal(err)
		}
		in := fuzz.Input{Profile: x.Profile, Slots: slots}
		if err := fuzz.CheckResult(in, r); err != nil {
			t.Fatal(err)
		}
		dirty := x.Code1 != 0 || x.Dst1 != 0 || x.Src1 != 0 || x.Off1 != 0
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("%s: %s\n%s %s %q insn %d", x.Profile.Name, fmt.Sprintf(format, args...), fixtures.EncodeSlots(slots), r.Verdict, r.Message, r.Insn)
		}
		if x.Profile == verifier.RFC && x.Src == insn.PseudoBTFID {
			id := uint32(int32(x.Off0)) // (u32)(s16)insn[0].off, insn[1].off == 0
			switch {
			case dirty && r.Message != "invalid bpf_ld_imm64 insn" && r.Verdict != verifier.Oops:
				// A tail error from an earlier pass is impossible: the
				// pre-pass runs first in 5.9.
				fail("a dirty second slot must fail the pre-pass")
			case !dirty && x.Dst < 10 && x.Tail != len(fuzz.Tails)-1 && (r.Verdict == verifier.Oops) != (id >= tn.NumTypes):
				// (Without a tail check_subprogs rejects before do_check.)
				fail("btf id %d (%d types): oops must mean an id past the last type", id, tn.NumTypes)
			}
		}
		if x.Profile == verifier.Linux618 {
			if x.Src == insn.PseudoBTFID && r.Verdict == verifier.Accept && (x.Off0 != 0 || !varOrFunc[x.Imm0]) {
				fail("accepted a BTF_ID with off %d, imm %d", x.Off0, x.Imm0)
			}
			if dirty && r.Verdict == verifier.Reject {
				if r.Insn != -1 {
					fail("a dirty second slot reported by do_check")
				}
				for _, m := range laterPasses {
					if strings.HasPrefix(r.Message, m) {
						fail("a dirty second slot reported by check_cfg")
					}
				}
			}
		}
	})
}

// FuzzDifferential runs the structured input through the simulator and the
// live kernel (skipped without it) and fails on any disagreement in
// verdict, errno, error line, instruction index or level-2 log.
func FuzzDifferential(f *testing.F) {
	p := oracle.Require(f)
	opts := fixtures.HostOptions()
	ids, _, err := fixtures.LoadIDs(opts)
	if err != nil {
		f.Fatal(err)
	}
	menu := fuzz.ImmMenu([]uint32{ids.PercpuStructVar, ids.PercpuIntVar, ids.LowVar, ids.HighVar, ids.Func, ids.FuncNoSym, ids.Struct, ids.Int, ids.NumTypes})
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzz.DecodeLdImm64(data, menu)
		x.Profile = p
		slots := x.Slots()
		decl := x.Decl()
		kern, err := oracle.Run(slots, oracle.Config{ProgType: verifier.SocketFilter, Decl: decl, LogLevel: 2})
		if err != nil {
			t.Skip(err) // the stream names an fd this process has open
		}
		ctx, err := btfctx.New(decl, opts)
		if err != nil {
			t.Fatal(err)
		}
		sim, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: ctx, LogLevel: 2})
		if err != nil {
			t.Fatal(err)
		}
		if sim.Verdict == verifier.Unsupported {
			return
		}
		type outcome struct {
			Verdict verifier.Verdict
			Errno   verifier.Errno
			Message string
			Insn    int
			Log     []string
		}
		want := outcome{kern.Verdict, kern.Errno, kern.Message, kern.Insn, oracle.Normalize(kern.Log)}
		got := outcome{sim.Verdict, sim.Errno, sim.Message, sim.Insn, oracle.Normalize(sim.Log)}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("simulator disagrees with the kernel (-kernel +simulator):\n%s\nstream %s, decl %+v", d, fixtures.EncodeSlots(slots), decl)
		}
	})
}

// FuzzProgBTF: a compiled program with its BTF, func_info and line_info
// changed anywhere (the blob's bytes and the records) never panics the
// simulator, gives the same answer twice, and is accepted only with
// records that check_btf_func_early and check_btf_line would pass (the
// first func_info and line_info records at insn 0, offsets increasing and
// inside the program).
func FuzzProgBTF(f *testing.F) {
	obj, err := object.LoadFile("../verifier/object/testdata/globals.o", object.Options{Kernel: fixtures.ShippedOptions()})
	if err != nil {
		f.Fatal(err)
	}
	p := obj.Programs[0]
	ctx, err := btfctx.New(p.Decl, fixtures.ShippedOptions())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(p.BTF.Raw, btfctx.EncodeFuncInfo(p.BTF.FuncInfo), btfctx.EncodeLineInfo(p.BTF.LineInfo), uint8(2))
	f.Add(p.BTF.Raw[:30], []byte{}, btfctx.EncodeLineInfo(p.BTF.LineInfo), uint8(1))
	f.Fuzz(func(t *testing.T, raw, fi, li []byte, level uint8) {
		fis, err1 := btfctx.DecodeFuncInfo(fi[:len(fi)/btfctx.FuncInfoSize*btfctx.FuncInfoSize])
		lis, err2 := btfctx.DecodeLineInfo(li[:len(li)/btfctx.LineInfoSize*btfctx.LineInfoSize])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		b := &btfctx.ProgBTF{Raw: raw, FuncInfo: fis, LineInfo: lis}
		cfg := verifier.Config{ProgType: p.ProgType, Env: ctx, LogLevel: verifier.LogLevel(level % 3), BTF: b}
		r1, err := verifier.Verify(p.Slots, cfg)
		if err != nil {
			if !errors.Is(err, verifier.ErrConfig) || r1.Accepted() {
				t.Fatalf("error %v with result %v", err, r1)
			}
			return
		}
		r2, _ := verifier.Verify(p.Slots, cfg)
		if d := cmp.Diff(r1, r2); d != "" {
			t.Fatalf("two runs differ:\n%s", d)
		}
		if !r1.Accepted() {
			return
		}
		for i, x := range fis {
			if (i == 0 && x.InsnOff != 0) || (i > 0 && x.InsnOff <= fis[i-1].InsnOff) {
				t.Fatalf("accepted with func_info %+v", fis)
			}
		}
		for i, x := range lis {
			if (i == 0 && x.InsnOff != 0) || (i > 0 && x.InsnOff <= lis[i-1].InsnOff) || int(x.InsnOff) >= len(p.Slots) {
				t.Fatalf("accepted with line_info %+v", lis)
			}
		}
	})
}

// FuzzObject: any bytes given as an ELF object load or fail with an error;
// the loader never panics, and a program it loads verifies.
func FuzzObject(f *testing.F) {
	for _, name := range []string{"globals.o", "kconfig.o", "core.o", "ksym_weak_var.o"} {
		b, err := os.ReadFile("../verifier/object/testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// The tiny BTF: parsing vmlinux's under the fuzzer's coverage
	// instrumentation takes most of a minute per worker.
	opts := tiny(f).Options()
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := object.Load(bytes.NewReader(b), object.Options{Kernel: opts})
		if err != nil {
			return
		}
		for _, p := range obj.Programs {
			if p.Err != nil {
				continue
			}
			ctx, err := btfctx.New(p.Decl, opts)
			if err != nil {
				continue // a map BPF_MAP_CREATE would refuse
			}
			if _, err := verifier.Verify(p.Slots, verifier.Config{ProgType: p.ProgType, Env: ctx, BTF: p.BTF, LogLevel: 2}); err != nil && !errors.Is(err, verifier.ErrConfig) {
				t.Fatalf("%s: %v", p.Name, err)
			}
		}
	})
}
