package object_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
	"github.com/verisim/verisim/verifier/verifiertest"
)

// kernel is this machine's vmlinux BTF (shipped with the fixtures) and the
// kallsyms lines the objects need (recorded with them).
var kernel = sync.OnceValue(func() btfctx.Options {
	opts := fixtures.ShippedOptions()
	opts.Kallsyms = btfctx.Once(func() (*btfctx.Kallsyms, error) { return btfctx.LoadKallsymsFile("testdata/kallsyms") })
	return opts
})

// expectUnsupported are the programs that need more of the walk (kfunc
// calls): their comparison with bpftool is recorded and waits for it.
var expectUnsupported = map[string]bool{"call_kfuncs": true}

type record struct {
	Object   string   `json:"object"`
	Programs []string `json:"programs"`
	Loaded   bool     `json:"loaded"`
	Stage    string   `json:"stage"`
	Errno    string   `json:"errno"`
	Error    string   `json:"error"`
	Log      []string `json:"log"`
	// Xlated is the hex of each loaded program's instructions as the
	// kernel holds them.
	Xlated map[string]string `json:"xlated"`
}

// TestToolchain compares, object by object, the loader and the 6.18
// simulator with what bpftool (libbpf) and the kernel did on this machine.
func TestToolchain(t *testing.T) {
	f, err := os.Open("testdata/bpftool.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var rec record
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		n++
		t.Run(rec.Object, func(t *testing.T) {
			obj, err := object.LoadFile("testdata/"+rec.Object, object.Options{Profile: verifier.Linux618, Kernel: kernel()})
			if rec.Stage == "libbpf" {
				if err == nil || !errors.Is(err, object.ErrKsym) || !strings.Contains(err.Error(), rec.Error) {
					t.Fatalf("libbpf failed with %q; the loader says %v", rec.Error, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("libbpf loaded it; the loader says %v", err)
			}
			for _, p := range obj.Programs {
				if x, ok := rec.Xlated[p.Name]; ok {
					sameAsKernel(t, p, x)
				}
				ctx, err := btfctx.New(p.Decl, kernel())
				if err != nil {
					t.Fatal(err)
				}
				res, err := verifier.Verify(p.Slots, verifier.Config{Profile: verifier.Linux618, ProgType: p.ProgType, Env: ctx, BTF: p.BTF})
				if err != nil {
					t.Fatal(err)
				}
				if res.Verdict == verifier.Unsupported {
					if !expectUnsupported[p.Name] {
						t.Errorf("%s: unsupported (%s), not expected", p.Name, res.Message)
					}
					continue
				}
				if expectUnsupported[p.Name] {
					t.Errorf("%s is modeled now: drop it from expectUnsupported", p.Name)
				}
				want := "accept"
				if !rec.Loaded {
					want = "reject"
				}
				if res.Verdict.String() != want || (!rec.Loaded && (res.Message != rec.Error || res.Errno.String() != rec.Errno)) {
					t.Errorf("%s: simulator %s %s %q; kernel via bpftool: loaded %v %s %q", p.Name, res.Verdict, res.Errno, res.Message, rec.Loaded, rec.Errno, rec.Error)
				}
			}
		})
	}
	if n < 10 {
		t.Errorf("%d records, want the 10 objects", n)
	}
}

// deadCode are the programs whose branches the kernel proved and removed
// (opt_hard_wire_dead_code_branches, opt_remove_dead_code), so their
// xlated form is shorter than what was loaded: bpf_ksym_exists of a FUNC
// that exists is never null.
var deadCode = map[string]bool{"func_exists": true}

// sameAsKernel compares the loader's relocated instructions with the ones
// the kernel held after bpftool loaded the object (bpf_prog_get_info_by_fd's
// xlated_prog_insns): CO-RE and weak ksyms are resolved by the loader
// alone, so those slots must be identical. The kernel rewrites helper
// calls (do_misc_fixups, which also inlines some helpers) and the pseudo
// ld_imm64s (convert_pseudo_ld_imm64 clears src_reg and the imms hold
// kernel addresses), so programs with calls are skipped and pseudo loads
// are compared on their register only.
func sameAsKernel(t *testing.T, p object.Program, xlatedHex string) {
	t.Helper()
	raw, err := hex.DecodeString(xlatedHex)
	if err != nil {
		t.Fatal(err)
	}
	want, err := insn.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.Slots {
		if s.Code == 0x85 {
			return
		}
	}
	if deadCode[p.Name] {
		if len(want) >= len(p.Slots) {
			t.Errorf("%s: the kernel holds %d slots of %d: drop it from deadCode", p.Name, len(want), len(p.Slots))
		}
		return
	}
	if len(want) != len(p.Slots) {
		t.Fatalf("%s: %d slots, the kernel holds %d", p.Name, len(p.Slots), len(want))
	}
	compared := 0
	for i := 0; i < len(want); i++ {
		got := p.Slots[i]
		if got.IsLdImm64() && got.Src != 0 {
			if got.Dst != want[i].Dst {
				t.Errorf("%s slot %d: ld_imm64 into r%d, the kernel's into r%d", p.Name, i, got.Dst, want[i].Dst)
			}
			i++
			continue
		}
		if got != want[i] {
			t.Errorf("%s slot %d: %s, the kernel holds %s", p.Name, i, insn.Disasm(got, nil, true), insn.Disasm(want[i], nil, true))
		}
		compared++
	}
	if compared == 0 {
		t.Errorf("%s: no slot compared", p.Name)
	}
}

// tinyKernel serves the synthetic BTF with the given kallsyms text.
func tinyKernel(t *testing.T, kallsyms string) (btfctx.Options, *fixtures.Tiny) {
	tiny, err := fixtures.NewTiny()
	if err != nil {
		t.Fatal(err)
	}
	opts := tiny.Options()
	opts.Kallsyms = btfctx.Once(func() (*btfctx.Kallsyms, error) { return btfctx.ParseKallsyms(strings.NewReader(kallsyms)) })
	return opts, tiny
}

func firstLd(t *testing.T, path string, p *verifier.Profile, k btfctx.Options) ([]insn.Slot, error) {
	obj, err := object.LoadFile(path, object.Options{Profile: p, Kernel: k})
	if err != nil {
		return nil, err
	}
	for i, s := range obj.Programs[0].Slots {
		if s.IsLdImm64() {
			return obj.Programs[0].Slots[i : i+2], nil
		}
	}
	t.Fatalf("%s has no ld_imm64", path)
	return nil, nil
}

// TestRelocation checks each ksym relocation rule, slot by slot.
func TestRelocation(t *testing.T) {
	const syms = "ffffffff82a1c000 D runqueues\nffffffff81000000 T _stext\n"
	k, tiny := tinyKernel(t, syms)
	kNoAddr, _ := tinyKernel(t, "ffffffff81000000 T _stext\n")
	ld := func(src uint8, off0, off1 int16, imm0, imm1 int32) []insn.Slot {
		return []insn.Slot{{Code: 0x18, Dst: 1, Src: src, Off: off0, Imm: imm0}, {Off: off1, Imm: imm1}}
	}
	id := int32(tiny.Runqueues)
	cases := []struct {
		name   string
		obj    string
		p      *verifier.Profile
		k      btfctx.Options
		want   []insn.Slot
		errHas string
	}{
		{"rfc: a typeless ksym with a VAR gets src 3, the id in the offs, the address in the imms",
			"ksym_typeless_var.o", verifier.RFC, k, ld(3, int16(id), 0, int32(-2103328768), -1), ""},
		{"rfc: weak and without address: src 3 and the id, address 0",
			"ksym_weak_var.o", verifier.RFC, kNoAddr, ld(3, int16(id), 0, 0, 0), ""},
		{"rfc: strong and without address: not resolved",
			"ksym_typeless_var.o", verifier.RFC, kNoAddr, nil, "extern runqueues (strong) not resolved"},
		{"rfc: no VAR of that name: best effort, a plain address load",
			"ksym_typeless.o", verifier.RFC, k, ld(0, 0, 0, int32(-2130706432), -1), ""},
		{"rfc: a typed declaration is refused",
			"ksym_percpu_struct.o", verifier.RFC, k, nil, "extern (ksym) 'runqueues' is not typeless (void)"},
		{"rfc: a function ksym is refused",
			"ksym_func.o", verifier.RFC, k, nil, "extern function bpf_task_acquire is unsupported under .ksyms section"},
		{"6.18: a typed VAR: src 3, imm = id, insn[1].imm = 0",
			"ksym_percpu_struct.o", verifier.Linux618, k, ld(3, 0, 0, id, 0), ""},
		{"6.18: a typed VAR of another name",
			"ksym_plain_struct.o", verifier.Linux618, k, ld(3, 0, 0, int32(tiny.InitTask), 0), ""},
		{"6.18: a typeless ksym: the kallsyms address",
			"ksym_typeless.o", verifier.Linux618, k, ld(0, 0, 0, int32(-2130706432), -1), ""},
		{"6.18: a weak typeless ksym without address is 0",
			"ksym_weak_var.o", verifier.Linux618, kNoAddr, ld(0, 0, 0, 0, 0), ""},
		{"6.18: a weak FUNC ksym missing from BTF is 0",
			"ksym_func.o", verifier.Linux618, k, ld(0, 0, 0, 0, 0), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := firstLd(t, "testdata/"+tc.obj, tc.p, tc.k)
			if tc.errHas != "" {
				if err == nil || !errors.Is(err, object.ErrKsym) || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("error = %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ld_imm64 (-want +got):\n%s", d)
			}
		})
	}
}

// TestRelocationBigID: under the RFC an id >= 65536 is split over the two
// offs, and the verifier then rejects the second slot (the seed's defect).
func TestRelocationBigID(t *testing.T) {
	var types []btf.Type
	for i := 0; i < 70000; i++ {
		types = append(types, &btf.Int{Name: "i", Size: 4})
	}
	rq := &btf.Struct{Name: "rq", Size: 4, Members: []btf.Member{{Name: "cpu", Type: types[0]}}}
	types = append(types, &btf.Var{Name: "runqueues", Type: rq, Linkage: btf.GlobalVar})
	b, err := btf.NewBuilder(types, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := btfctx.LoadBTF("big", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	k := btfctx.Options{
		Vmlinux: func() (*btfctx.BTF, error) { return vm, nil },
		Kallsyms: func() (*btfctx.Kallsyms, error) {
			return btfctx.ParseKallsyms(strings.NewReader("ffffffff82a1c000 D runqueues\n"))
		},
	}
	id := vm.FindByName("runqueues", btfctx.KindVar)
	if id < 65536 {
		t.Fatalf("id %d, want >= 65536", id)
	}
	obj, err := object.LoadFile("testdata/ksym_typeless_var.o", object.Options{Profile: verifier.RFC, Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	p := obj.Programs[0]
	want := []insn.Slot{{Code: 0x18, Dst: 1, Src: 3, Off: int16(id), Imm: int32(-2103328768)}, {Off: int16(id >> 16), Imm: -1}}
	if d := cmp.Diff(want, p.Slots[:2]); d != "" {
		t.Errorf("ld_imm64 (-want +got):\n%s", d)
	}
	ctx, _ := btfctx.New(p.Decl, k)
	res, err := verifier.Verify(p.Slots, verifier.Config{Profile: verifier.RFC, ProgType: p.ProgType, Env: ctx})
	if err != nil || res.Message != "invalid bpf_ld_imm64 insn" {
		t.Errorf("verify: %v %s %q", err, res.Verdict, res.Message)
	}
}

// TestKfuncCalls: a kfunc call gets the FUNC's vmlinux BTF id in imm and
// off 0 (libbpf's RELO_EXTERN_CALL), and a weak kfunc no kernel has is
// poisoned into a call of helper 2002000000 + its index in libbpf's
// sorted externs (poison_kfunc_call): bpf_task_from_pid, bpf_task_release,
// bpf_verisim_missing. The rfc profile's libbpf refuses function externs.
func TestKfuncCalls(t *testing.T) {
	obj, err := object.LoadFile("testdata/kfunc_call.o", object.Options{Kernel: kernel()})
	if err != nil {
		t.Fatal(err)
	}
	vm, err := kernel().Vmlinux()
	if err != nil {
		t.Fatal(err)
	}
	p := obj.Programs[0]
	var got []string
	for _, k := range p.Ksyms {
		if !k.Call {
			continue
		}
		s := p.Slots[k.Insn]
		got = append(got, fmt.Sprintf("%s: code %#x src %d off %d imm %d", k.Name, s.Code, s.Src, s.Off, s.Imm))
	}
	want := []string{
		fmt.Sprintf("bpf_task_from_pid: code 0x85 src 2 off 0 imm %d", vm.FindByName("bpf_task_from_pid", btfctx.KindFunc)),
		fmt.Sprintf("bpf_task_release: code 0x85 src 2 off 0 imm %d", vm.FindByName("bpf_task_release", btfctx.KindFunc)),
		"bpf_verisim_missing: code 0x85 src 0 off 0 imm 2002000002",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("kfunc calls (-want +got):\n%s", d)
	}
	_, err = object.LoadFile("testdata/kfunc_call.o", object.Options{Profile: verifier.RFC, Kernel: kernel()})
	if !errors.Is(err, object.ErrKsym) || !strings.Contains(err.Error(), "is unsupported under .ksyms section") {
		t.Errorf("rfc: error %v, want libbpf 5.9's refusal of function externs", err)
	}
}

// TestRingbufSize: libbpf rounds a ring buffer's max_entries up to a
// power-of-2 number of pages (adjust_ringbuf_sz); other maps keep theirs.
func TestRingbufSize(t *testing.T) {
	for _, tc := range []struct {
		typ        ebpf.MapType
		size, want uint32
	}{
		{ebpf.RingBuf, 0, 0},         // left for the kernel to refuse
		{ebpf.RingBuf, 4096, 4096},   // a power-of-2 number of pages stays
		{ebpf.RingBuf, 8192, 8192},   //
		{ebpf.UserRingbuf, 8, 4096},  // verifier_iterating_callbacks' ringbuf
		{ebpf.RingBuf, 4097, 8192},   //
		{ebpf.RingBuf, 12288, 16384}, // 3 pages is not a power of 2
		{ebpf.RingBuf, 1 << 31, 1 << 31},
		{ebpf.RingBuf, 1<<31 + 1, 1<<31 + 1}, // no larger power of 2 fits
		{ebpf.Array, 8, 8},
	} {
		if got := object.MapOf(&ebpf.MapSpec{Type: tc.typ, MaxEntries: tc.size}).MaxEntries; got != tc.want {
			t.Errorf("%s max_entries %d: %d, want %d", tc.typ, tc.size, got, tc.want)
		}
	}
}

// TestMapsAndGlobals: maps get fds in libbpf's declaration order (.maps,
// then the data sections), from 3 up as in a process with fds 0-2 open,
// with their real attributes, and the loads name them.
func TestMapsAndGlobals(t *testing.T) {
	obj, err := object.LoadFile("testdata/globals.o", object.Options{Profile: verifier.Linux618})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range obj.Maps {
		got = append(got, m.Name+"@"+m.Type.String()+"/"+itoa(int(m.FD))+"/"+itoa(int(m.ValueSize))+"/"+itoa(int(m.Flags)))
	}
	want := []string{"counters@array/3/8/0", ".rodata@array/4/4/128", ".data@array/5/8/0", ".bss@array/6/8/0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("maps (-want +got):\n%s", d)
	}
	if len(obj.Programs) != 2 || obj.Programs[0].Name != "use_globals" || obj.Programs[1].Name != "use_map" {
		t.Fatalf("programs = %+v", obj.Programs)
	}
	g := obj.Programs[0].Slots
	for i, fd := range []int32{4, 5, 6} {
		if s := g[2*i]; s.Code != 0x18 || s.Src != insn.PseudoMapValue || s.Imm != fd {
			t.Errorf("slot %d = %+v, want a MAP_VALUE load of fd %d", 2*i, s, fd)
		}
	}
	if s := obj.Programs[1].Slots[0]; s.Src != insn.PseudoMapFD || s.Imm != 3 {
		t.Errorf("use_map slot 0 = %+v, want a MAP_FD load of fd 3", s)
	}
	if d := cmp.Diff([]int32{0, 1, 2}, obj.Programs[0].Decl.Files); d != "" {
		t.Errorf("open files (-want +got):\n%s", d)
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// TestKconfig: .kconfig externs load from a read-only array the size of
// the .kconfig DATASEC, at each variable's offset (the same offsets libbpf
// gave them on this machine: bpftool.jsonl's xlated kernel_version).
func TestKconfig(t *testing.T) {
	obj, err := object.LoadFile("testdata/kconfig.o", object.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := btfctx.MapDecl{FD: 3, Map: btfctx.Map{Type: btfctx.MapArray, KeySize: 4, ValueSize: 5, MaxEntries: 1, Flags: btfctx.MapFlagRdonlyProg, Name: ".kconfig"}}
	if d := cmp.Diff([]btfctx.MapDecl{want}, obj.Maps); d != "" {
		t.Errorf("maps (-want +got):\n%s", d)
	}
	s := obj.Programs[0].Slots
	for i, off := range []int32{0, 4} {
		if ld := s[2*i : 2*i+2]; ld[0].Src != insn.PseudoMapValue || ld[0].Imm != 3 || ld[1].Imm != off {
			t.Errorf("load %d = %+v, want a MAP_VALUE load of fd 3 at offset %d", i, ld, off)
		}
	}
	verifiertest.Expect(t, verifiertest.Object(t, "testdata/kconfig.o", "kernel_version"), verifiertest.Accepted())
}

// TestMixedTypes: each program of an object is loaded on its own: one the
// loader cannot load does not stop its siblings, and a type whose rules
// are not modeled verifies as unsupported.
func TestMixedTypes(t *testing.T) {
	obj, err := object.LoadFile("testdata/mixed/mixed.o", object.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range obj.Programs {
		if p.Err != nil {
			got[p.Name] = "loader: " + p.Err.Error()
			continue
		}
		ctx, err := btfctx.New(p.Decl, kernel())
		if err != nil {
			t.Fatal(err)
		}
		res, err := verifier.Verify(p.Slots, verifier.Config{ProgType: p.ProgType, Env: ctx})
		if err != nil {
			t.Fatal(err)
		}
		got[p.Name] = p.ProgType.String() + ": " + res.String()
	}
	want := map[string]string{
		"plain":        "socket_filter: accept",
		"traced":       "tracing: unsupported: program type tracing is not modeled yet",
		"hooked":       "lsm: unsupported: program type lsm is not modeled yet",
		"unnamed_type": "loader: missing BPF prog type, check ELF section name 'nonsense'",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("programs (-want +got):\n%s", d)
	}
}

// TestSpecialFields: a map value with a BTF special field is declared as
// such, and a program using the map is unsupported rather than judged
// without check_map_prog_compatibility's rules on it (the kernel refuses
// this kprobe: "tracing progs cannot use bpf_spin_lock yet").
func TestSpecialFields(t *testing.T) {
	obj, err := object.LoadFile("testdata/mixed/spinlock.o", object.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(obj.Maps) != 1 || obj.Maps[0].Special != "bpf_spin_lock" {
		t.Fatalf("maps = %+v", obj.Maps)
	}
	p := obj.Programs[0]
	ctx, err := btfctx.New(p.Decl, kernel())
	if err != nil {
		t.Fatal(err)
	}
	res, err := verifier.Verify(p.Slots, verifier.Config{ProgType: p.ProgType, Env: ctx, BTF: p.BTF})
	if err != nil {
		t.Fatal(err)
	}
	if want := `unsupported: verisim: map "locked" has BTF special fields (bpf_spin_lock): their rules are not modeled`; res.String() != want {
		t.Errorf("got %s, want %s", res, want)
	}
}

// TestMapDecl: a spec's map is declared with every attribute
// BPF_MAP_CREATE checks, and its name cut to the kernel's 15 bytes.
func TestMapDecl(t *testing.T) {
	got := object.MapDecl(7, &ebpf.MapSpec{Name: "a_rather_long_map_name", Type: ebpf.Hash, KeySize: 4, ValueSize: 16,
		MaxEntries: 32, Flags: 1, MapExtra: 0})
	want := btfctx.MapDecl{FD: 7, Map: btfctx.Map{Type: btfctx.MapHash, KeySize: 4, ValueSize: 16, MaxEntries: 32, Flags: 1, Name: "a_rather_long_m"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("MapDecl (-want +got):\n%s", d)
	}
}

// TestAssociateMaps: map loads of named maps get their fds (MAP_FD and
// MAP_VALUE, the value offset kept); other loads keep their reference.
func TestAssociateMaps(t *testing.T) {
	insns := asm.Instructions{
		asm.LoadMapPtr(asm.R1, 0).WithReference("counters"),
		asm.LoadMapValue(asm.R2, 0, 8).WithReference(".data"),
		asm.LoadImm(asm.R3, 0, asm.DWord).WithReference("some_ksym"),
		asm.Mov.Imm(asm.R0, 0),
		asm.Return(),
	}
	if err := object.AssociateMaps(insns, map[string]int32{"counters": 3, ".data": 4}); err != nil {
		t.Fatal(err)
	}
	if insns[0].Reference() != "" || insns[1].Reference() != "" || insns[2].Reference() != "some_ksym" {
		t.Errorf("references after: %q %q %q", insns[0].Reference(), insns[1].Reference(), insns[2].Reference())
	}
	insns[2] = insns[2].WithReference("")
	slots, err := insn.FromAsm(insns)
	if err != nil {
		t.Fatal(err)
	}
	type ld struct {
		Src        uint8
		Imm0, Imm1 int32 // the fd, and a MAP_VALUE's offset
	}
	got := []ld{{slots[0].Src, slots[0].Imm, slots[1].Imm}, {slots[2].Src, slots[2].Imm, slots[3].Imm}}
	want := []ld{{insn.PseudoMapFD, 3, 0}, {insn.PseudoMapValue, 4, 8}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("map loads (-want +got):\n%s", d)
	}
}
