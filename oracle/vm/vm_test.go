//go:build linux

package vm

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/oracle/vm/wire"
	"github.com/verisim/verisim/verifier"
)

// readCpio parses a newc archive back (the kernel's
// init/initramfs.c reads the same fields).
func readCpio(t *testing.T, b []byte) []cpioEntry {
	t.Helper()
	var out []cpioEntry
	field := func(h []byte, i int) uint32 {
		v, err := strconv.ParseUint(string(h[6+8*i:6+8*i+8]), 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		return uint32(v)
	}
	align := func(n int) int { return (n + 3) &^ 3 }
	for off := 0; ; {
		h := b[off : off+110]
		if string(h[:6]) != "070701" {
			t.Fatalf("offset %d: magic %q", off, h[:6])
		}
		mode, size, rmaj, rmin, nsize := field(h, 1), int(field(h, 6)), field(h, 9), field(h, 10), int(field(h, 11))
		name := string(b[off+110 : off+110+nsize-1])
		off = align(off + 110 + nsize)
		data := b[off : off+size]
		off = align(off + size)
		if name == "TRAILER!!!" {
			if off != len(b) {
				t.Fatalf("%d bytes after the trailer", len(b)-off)
			}
			return out
		}
		e := cpioEntry{Name: name, Mode: fs.FileMode(mode & 0o777), Major: rmaj, Minor: rmin}
		switch mode &^ 0o7777 {
		case sIFDIR:
			e.Mode |= fs.ModeDir
		case sIFCHR:
			e.Mode |= fs.ModeDevice | fs.ModeCharDevice
		case sIFREG:
			e.Data = data
		default:
			t.Fatalf("%s: mode %o", name, mode)
		}
		out = append(out, e)
	}
}

func TestCpio(t *testing.T) {
	in := []cpioEntry{
		{Name: "/init", Mode: 0o755, Data: []byte("#!")},
		{Name: "dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "a/b/c.txt", Mode: 0o644, Data: []byte("hello")},
		{Name: "empty", Mode: 0o644},
	}
	var buf bytes.Buffer
	if err := writeCpio(&buf, in); err != nil {
		t.Fatal(err)
	}
	want := []cpioEntry{
		{Name: "a", Mode: fs.ModeDir | 0o755},
		{Name: "a/b", Mode: fs.ModeDir | 0o755},
		{Name: "a/b/c.txt", Mode: 0o644, Data: []byte("hello")},
		{Name: "dev", Mode: fs.ModeDir | 0o755},
		{Name: "dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "empty", Mode: 0o644, Data: []byte{}},
		{Name: "init", Mode: 0o755, Data: []byte("#!")},
	}
	if d := cmp.Diff(want, readCpio(t, buf.Bytes())); d != "" {
		t.Errorf("writeCpio round trip (-want +got):\n%s", d)
	}
	var again bytes.Buffer
	writeCpio(&again, in)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("writeCpio is not deterministic")
	}
	if err := writeCpio(&buf, []cpioEntry{{Name: "x", Mode: 0o644}, {Name: "/x", Mode: 0o644}}); err == nil {
		t.Error("writeCpio took one name twice")
	}
}

// TestInitramfs checks what the guest is given: /init, the console node,
// the modules in order, and the batch with its BTF blobs moved into the
// archive (the caller's Decl untouched).
func TestInitramfs(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	init := write("init", "ELF")
	k := &Kernel{Name: "x", Dir: dir, Modules: []string{write("virtio.ko", "m1"), write("virtio_console.ko", "m2")}}
	write("user.btf", "BTF")
	decl := btfctx.Decl{BTFs: []btfctx.BTFDecl{{FD: 150, Source: "vmlinux"}, {FD: 151, Source: "user.btf"}}}
	batch := []Job{
		{Slots: []insn.Slot{{Code: 0xb7}, {Code: 0x95}}, Config: loader.Config{ProgType: verifier.SocketFilter, Decl: decl, LogLevel: 2}},
		{Slots: []insn.Slot{{Code: 0x95}}, Config: loader.Config{ProgType: verifier.XDP, Decl: decl}},
	}
	out := filepath.Join(dir, "initrd")
	if err := writeInitramfs(out, init, k, batch, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	if decl.BTFs[1].Source != "user.btf" {
		t.Errorf("writeInitramfs changed the caller's Decl: %+v", decl.BTFs)
	}
	raw, _ := os.ReadFile(out)
	files := map[string][]byte{}
	for _, e := range readCpio(t, raw) {
		files[e.Name] = e.Data
		if e.Name == "dev/console" && (e.Major != 5 || e.Minor != 1) {
			t.Errorf("/dev/console is %d,%d", e.Major, e.Minor)
		}
	}
	for name, want := range map[string]string{"init": "ELF", "modules/0-virtio.ko": "m1", "modules/1-virtio_console.ko": "m2", "btf/0.btf": "BTF"} {
		if string(files[name]) != want {
			t.Errorf("%s = %q, want %q", name, files[name], want)
		}
	}
	var b wire.Batch
	if err := json.Unmarshal(files[strings.TrimPrefix(wire.BatchPath, "/")], &b); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"/modules/0-virtio.ko", "/modules/1-virtio_console.ko"}, b.Modules); d != "" {
		t.Errorf("modules (-want +got):\n%s", d)
	}
	if len(b.Jobs) != 2 || b.Jobs[1].Config.ProgType != verifier.XDP || !bytes.Equal(b.Jobs[0].Insns, insn.Encode(batch[0].Slots)) {
		t.Fatalf("jobs = %+v", b.Jobs)
	}
	wantDecl := btfctx.Decl{BTFs: []btfctx.BTFDecl{{FD: 150, Source: "vmlinux"}, {FD: 151, Source: "/btf/0.btf"}}}
	for _, j := range b.Jobs {
		if d := cmp.Diff(wantDecl, j.Config.Decl); d != "" {
			t.Errorf("decl in the guest (-want +got):\n%s", d)
		}
	}
}

func TestRequireSkips(t *testing.T) {
	t.Setenv("VERISIM_KERNELS", t.TempDir())
	t.Setenv("VERISIM_VM", "")
	if _, err := Available("6.1"); err == nil || !strings.Contains(err.Error(), "fetch-kernels.sh") {
		t.Errorf("Available in an empty cache: %v", err)
	}
}

// ksymID finds a VAR by name in a kernel's BTF (0 when it has none).
func ksymID(t *testing.T, raw []byte, name string) uint32 {
	t.Helper()
	b, err := btfctx.LoadBTF("vmlinux", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for id := uint32(1); id < b.NumTypes(); id++ {
		if v, ok := b.Type(id); ok {
			if _, isVar := v.(*btf.Var); isVar && v.TypeName() == name {
				return id
			}
		}
	}
	return 0
}

// TestBoot boots each kernel once with a small batch and checks that the
// answers are the kernel's: the trivial program loads, an unknown opcode
// is EINVAL with resolve_pseudo_ldimm64's message, a map fd and the
// runqueues VAR ksym resolve (the VAR on 6.1 and 6.12; 5.10's BTF has no
// VARs), fd_array is E2BIG before 5.14, and BPF_F_TEST_REG_INVARIANTS is
// EINVAL before 6.7.
func TestBoot(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			Require(t, v)
			t.Parallel()
			btfRaw, _, err := KernelData(v)
			if err != nil {
				t.Fatal(err)
			}
			rq := ksymID(t, btfRaw, "runqueues")
			if (rq == 0) != (v == "5.10") {
				t.Fatalf("runqueues VAR id %d in %s's BTF", rq, v)
			}
			arr := btfctx.Decl{Maps: []btfctx.MapDecl{{FD: 100, Map: btfctx.Map{Type: btfctx.MapArray, KeySize: 4, ValueSize: 48, MaxEntries: 1, Name: "arr"}}}}
			withArray := arr
			withArray.FDArray, withArray.HasFDArray = []int32{100}, true
			ld := func(dst, src uint8, imm, imm1 int32) []insn.Slot {
				return []insn.Slot{{Code: 0x18, Dst: dst, Src: src, Imm: imm}, {Imm: imm1}}
			}
			exit, mov0 := insn.Slot{Code: 0x95}, insn.Slot{Code: 0xb7}
			job := func(decl btfctx.Decl, flags uint32, slots ...insn.Slot) Job {
				return Job{Slots: slots, Config: loader.Config{ProgType: verifier.SocketFilter, Decl: decl, LogLevel: 2, ProgFlags: flags}}
			}
			batch := []Job{
				job(arr, 0, mov0, exit),
				job(arr, 0, insn.Slot{Code: 0xff}, exit),
				job(arr, 0, append(ld(1, 1, 100, 0), mov0, exit)...),
				job(withArray, 0, append(ld(1, 5, 0, 0), mov0, exit)...),
				job(arr, 128, mov0, exit),
				job(arr, 0, append(ld(1, 3, int32(rq), 0), mov0, exit)...),
			}
			rep, err := Boot(v, batch, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: boot %v, ready %v, %d loads in %v, wall %v, qemu max RSS %d MiB",
				rep.Release, rep.Boot, rep.Ready, len(batch), rep.Loads, rep.Wall, rep.MaxRSS>>20)
			for i, o := range rep.Outcomes {
				if o.Err != nil {
					t.Fatalf("job %d: %v", i, o.Err)
				}
				r := o.Result
				if (r.Verdict == verifier.Accept) != (r.Errno == 0) || r.Verdict != verifier.Accept && r.Verdict != verifier.Reject {
					t.Errorf("job %d: malformed result %+v", i, r)
				}
			}
			type short struct {
				Verdict verifier.Verdict
				Errno   verifier.Errno
				Message string
			}
			got := make([]short, len(rep.Outcomes))
			for i, o := range rep.Outcomes {
				got[i] = short{o.Result.Verdict, o.Result.Errno, o.Result.Message}
			}
			accept := short{Verdict: verifier.Accept}
			want := []short{
				accept,
				{verifier.Reject, verifier.EINVAL, "unknown opcode ff"},
				accept,
				accept,
				accept,
				accept,
			}
			if v == "5.10" {
				want[3] = short{verifier.Reject, verifier.E2BIG, ""}
				want[5] = short{verifier.Reject, verifier.EINVAL, "pseudo btf_id 0 in ldimm64 isn't KIND_VAR."}
			}
			if v != "6.12" {
				want[4] = short{verifier.Reject, verifier.EINVAL, ""}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("answers of %s (-want +got):\n%s", rep.Release, d)
			}
			if rq != 0 {
				log := strings.Join(rep.Outcomes[5].Result.Log, "\n")
				if !strings.Contains(log, "R1_w=percpu_ptr_rq(") {
					t.Errorf("the runqueues load's log has no percpu_ptr_rq:\n%s", log)
				}
				t.Logf("runqueues (id %d) on %s:\n%s", rq, rep.Release, log)
			}
		})
	}
}
