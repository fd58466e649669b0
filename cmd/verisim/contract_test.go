package main

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/verisim/verisim/insn"
)

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// fifo makes a named pipe that a goroutine fills with chunk, over and
// over, until the reader goes away.
func fifo(t *testing.T, chunk []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	go func() {
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer f.Close()
		for {
			if _, err := f.Write(chunk); err != nil {
				return // EPIPE: the reader is done
			}
		}
	}()
	return p
}

// endless is a reader that never ends.
type endless struct{ b byte }

func (e endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = e.b
	}
	return len(p), nil
}

func slotsOf(t *testing.T, s ...insn.Slot) string {
	return writeFile(t, "prog.bin", insn.Encode(s))
}

var (
	movR0 = insn.Slot{Code: 0xb7}
	exitS = insn.Slot{Code: 0x95}
	call  = insn.Slot{Code: 0x85, Imm: 1} // map_lookup_elem: its map argument is not modeled yet
)

// TestHostileInput: every input that could hang verisim or exhaust memory
// is refused with exit 2 and one line naming the input and the limit. The
// time and memory these take are measured in the README (Hostile input).
func TestHostileInput(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	random := func(n int) []byte {
		b := make([]byte, n)
		rnd.Read(b)
		return b
	}
	elf, err := os.ReadFile("../../verifier/object/testdata/globals.o")
	if err != nil {
		t.Fatal(err)
	}
	tinyBTF, err := os.ReadFile(ex + "tiny.btf")
	if err != nil {
		t.Fatal(err)
	}
	good := ex + "r0-not-written.bin"
	cases := []struct {
		name  string
		stdin []byte
		args  []string
		want  string
	}{
		{"verify /dev/zero", nil, []string{"verify", "/dev/zero"}, "/dev/zero: more than the kernel's limit of 1000000 instructions (verisim reads at most 8000008 bytes)"},
		{"explain /dev/zero", nil, []string{"explain", "/dev/zero"}, "/dev/zero: more than the kernel's limit of 1000000 instructions"},
		{"diff /dev/zero", nil, []string{"diff", "/dev/zero"}, "/dev/zero: more than the kernel's limit of 1000000 instructions"},
		{"a FIFO of endless slots", nil, []string{"verify", fifo(t, make([]byte, 4096))}, "more than the kernel's limit of 1000000 instructions"},
		{"a FIFO of an endless ELF", nil, []string{"verify", fifo(t, append([]byte("\x7fELF"), make([]byte, 4092)...))}, "an ELF object of more than 33554432 bytes"},
		{"10M random slots", nil, []string{"verify", writeFile(t, "10m.bin", random(80_000_000))}, "more than the kernel's limit of 1000000 instructions"},
		{"truncated ELF", nil, []string{"verify", writeFile(t, "trunc.o", elf[:len(elf)/2])}, "trunc.o: parse ELF: EOF"},
		{"random ELF", nil, []string{"verify", writeFile(t, "rand.o", append([]byte("\x7fELF"), random(4096)...))}, "rand.o: parse ELF: "},
		{"--format elf on raw slots", nil, []string{"verify", "--format", "elf", good}, "--format elf, but it does not start with the ELF magic"},
		{"--btf /dev/zero", nil, []string{"verify", "--btf", "/dev/zero", good}, "magic 0x0000 is not BTF's 0xeb9f"},
		{"--btf a FIFO of endless BTF", nil, []string{"verify", "--btf", fifo(t, append([]byte{0x9f, 0xeb}, make([]byte, 4094)...)), good}, "input too large: more than"},
		{"--btf random", nil, []string{"verify", "--btf", writeFile(t, "rand.btf", random(4096)), good}, "is not BTF's 0xeb9f"},
		{"--btf truncated", nil, []string{"verify", "--btf", writeFile(t, "trunc.btf", tinyBTF[:len(tinyBTF)/2]), good}, "corrupt input"},
		{"--btf-fd truncated", nil, []string{"verify", "--btf-fd", "3=" + writeFile(t, "trunc.btf", tinyBTF[:30]), good}, "--btf-fd \"3="},
		{"--btf-fd missing, fd unused", nil, []string{"verify", "--btf-fd", "3=/nope", good}, "no such file"},
		{"--kallsyms /dev/zero", nil, []string{"verify", "--kallsyms", "/dev/zero", good}, "kallsyms line 1: corrupt input: longer than 4096 bytes"},
		{"--kallsyms garbage", nil, []string{"verify", "--kallsyms", writeFile(t, "g", []byte("hello world\n")), good}, "kallsyms line 1"},
		{"--kallsyms endless FIFO", nil, []string{"verify", "--kallsyms", fifo(t, bytes.Repeat([]byte("ffffffff81000000 T sym\n"), 100)), good}, "kallsyms: "},
		{"endless stdin", nil, []string{"verify", "-"}, "standard input: more than the kernel's limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			var stdin = bytes.NewReader(tc.stdin)
			var code int
			if tc.name == "endless stdin" {
				code = run(tc.args, endless{}, &out, &errb)
			} else {
				code = run(tc.args, stdin, &out, &errb)
			}
			errs := errb.String()
			if code != 2 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", code, errs, tc.want)
			}
		})
	}
	// An empty kallsyms listing is valid: it lists no symbol.
	empty := writeFile(t, "empty", nil)
	if code, out, errs := runCLI(t, nil, "verify", "--kallsyms", empty, good); code != 1 || errs != "" {
		t.Errorf("empty kallsyms: exit %d, stderr %q\n%s", code, errs, out)
	}
}

// TestExitCodes: 0 accept, 1 reject or oops, 3 unsupported, 2 usage; over
// several files an input error wins, then a rejection, then unsupported.
func TestExitCodes(t *testing.T) {
	accept := slotsOf(t, movR0, exitS)
	reject := ex + "r0-not-written.bin"
	unsupported := slotsOf(t, call, exitS)
	cases := []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"accept", []string{"verify", accept}, 0, "verdict: accept\n"},
		{"reject", []string{"verify", reject}, 1, "verdict: reject (EACCES, insn 2): R0 !read_ok\n"},
		{"unsupported", []string{"verify", unsupported}, 3, "verdict: unsupported (insn 0): "},
		{"not modeled type", []string{"verify", "--prog-type", "tracing", accept}, 3, "verdict: unsupported: program type tracing is not modeled yet\n"},
		{"accept and unsupported", []string{"verify", accept, unsupported}, 3, ""},
		{"reject and unsupported", []string{"verify", unsupported, reject}, 1, ""},
		{"input error wins", []string{"verify", reject, "/nonexistent"}, 2, ""},
		{"explain unsupported", []string{"explain", unsupported}, 3, ""},
		{"diff same", []string{"diff", accept}, 0, ""},
		{"cgroup_skb attach type 5", []string{"verify", "--prog-type", "cgroup_skb", "--expected-attach-type", "5", accept}, 1, "verdict: reject (EINVAL)\n"},
		{"cgroup_skb egress", []string{"verify", "--prog-type", "cgroup_skb", "--expected-attach-type", "1", accept}, 3, "expected_attach_type 1 of a cgroup_skb program is not modeled"},
		{"attach_btf_id on a socket filter", []string{"verify", "--attach-btf-id", "1", accept}, 1, "verdict: reject (EINVAL)\n"},
		{"unknown prog flag", []string{"verify", "--prog-flags", "0x100000", accept}, 1, "verdict: reject (EINVAL)\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d (want %d), stdout %q, stderr %q", code, tc.code, out, errs)
			}
		})
	}
}

// TestFlagsAnywhere: flags after and between FILEs, several FILEs with a
// header each, and -- before a FILE that starts with a dash.
func TestFlagsAnywhere(t *testing.T) {
	accept := slotsOf(t, movR0, exitS)
	code, out, errs := runCLI(t, nil, "verify", accept, "--log-level", "2", ex+"r0-not-written.bin", "--kernel", "6.18")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"file " + accept + ":\n", "file " + ex + "r0-not-written.bin:\n", "0: (b7) r0 = 0", "verdict: accept\n", "verdict: reject (EACCES, insn 2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	dash := filepath.Join(t.TempDir(), "-prog.bin")
	if err := os.WriteFile(dash, insn.Encode([]insn.Slot{movR0, exitS}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(filepath.Dir(dash)); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(mustWd(t))
	if code, out, errs := runCLI(t, nil, "verify", "--json", "--", "-prog.bin"); code != 0 || !strings.Contains(out, `"file":"-prog.bin"`) {
		t.Errorf("-- -prog.bin: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

var startWd, _ = os.Getwd()

func mustWd(t *testing.T) string { return startWd }

// TestJSONEveryOutcome: under --json every outcome is an object on
// standard output, loader and flag errors included (docs/json.md).
func TestJSONEveryOutcome(t *testing.T) {
	obj := "../../verifier/object/testdata/"
	cases := []struct {
		name string
		args []string
		want []map[string]any
	}{
		{"loader error", []string{"verify", "--json", "--kernel", "rfc", obj + "ksym_percpu_struct.o"},
			[]map[string]any{{"file": obj + "ksym_percpu_struct.o", "verdict": "error", "accepted": false}}},
		{"flag error", []string{"verify", "--json", "--log-level", "9", ex + "r0-not-written.bin"},
			[]map[string]any{{"verdict": "error", "accepted": false}}},
		{"missing and good", []string{"verify", "--json", "/nonexistent", ex + "r0-not-written.bin"},
			[]map[string]any{{"file": "/nonexistent", "verdict": "error"}, {"verdict": "reject", "errno": "EACCES"}}},
		{"unsupported has no stats", []string{"verify", "--json", slotsOf(t, call, exitS)},
			[]map[string]any{{"verdict": "unsupported", "stats": nil, "accepted": false}}},
		{"object programs", []string{"verify", "--json", obj + "globals.o"},
			[]map[string]any{{"program": "use_globals", "section": "socket", "verdict": "accept", "prog_type": "socket_filter"}, {"program": "use_map", "verdict": "accept"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, out, _ := runCLI(t, nil, tc.args...)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(tc.want), out)
			}
			for i, l := range lines {
				var got map[string]any
				if err := json.Unmarshal([]byte(l), &got); err != nil {
					t.Fatalf("line %d: %v: %s", i, err, l)
				}
				for k, v := range tc.want[i] {
					if g, ok := got[k]; !ok || (v != nil && g != v) || (v == nil && g != nil) {
						t.Errorf("line %d: %s = %v, want %v", i, k, g, v)
					}
				}
				if got["verdict"] == "error" && got["input_error"] == "" {
					t.Errorf("line %d: an error object without input_error", i)
				}
			}
		})
	}
}

// TestNothingIgnored: a flag that cannot take effect is refused with the
// reason, and maps the kernel would not create are refused as it would.
func TestNothingIgnored(t *testing.T) {
	obj := "../../verifier/object/testdata/globals.o"
	good := ex + "r0-not-written.bin"
	elfMagic := writeFile(t, "elfish.bin", insn.Encode([]insn.Slot{{Code: 0x7f, Dst: 'E', Src: 'E' >> 4, Off: 'L' | 'F'<<8}, movR0, exitS}))
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"--prog-type with an object", []string{"verify", "--prog-type", "xdp", obj}, "--prog-type does not apply to " + obj + ", an ELF object: each program's type comes from its section name"},
		{"--fd-array-cnt with an object", []string{"verify", "--fd-array-cnt", "1", obj}, "--fd-array-cnt does not apply"},
		{"--map with an object", []string{"verify", "--map", "fd=3,type=array,key=4,value=4,entries=1", obj}, "--map does not apply"},
		{"--license with an object", []string{"verify", "--license", "MIT", obj}, "--license does not apply"},
		{"--prog-flags with an object", []string{"verify", "--prog-flags", "1", obj}, "--prog-flags does not apply"},
		{"--prog-flags past 32 bits", []string{"verify", "--prog-flags", "4294967296", good}, "--prog-flags 4294967296 does not fit 32 bits"},
		{"--program with raw slots", []string{"verify", "--program", "x", good}, "--program applies to an ELF object"},
		{"--nr-cpu-ids zero", []string{"verify", "--nr-cpu-ids", "0", good}, `--nr-cpu-ids "0": want a number of CPUs from 1 to 8192`},
		{"--nr-cpu-ids a word", []string{"verify", "--nr-cpu-ids", "many", good}, `--nr-cpu-ids "many": want a number of CPUs`},
		{"diff one kernel", []string{"diff", "--kernel", "6.18", good}, "diff compares two profiles, A,B"},
		{"diff same kernel twice", []string{"diff", "--kernel", "6.18,6.18", good}, "the two profiles are the same"},
		{"verify the same kernel twice", []string{"verify", "--kernel", "6.18,6.18", good}, "6.18 is named twice"},
		{"verify an unknown kernel among several", []string{"verify", "--kernel", "6.18,4.19", good}, `unknown kernel profile "4.19"`},
		{"bench negative time", []string{"bench", "--time", "-1s"}, "--time -1s: want a duration more than 0"},
		{"bench zero time", []string{"bench", "--time", "0s"}, "--time 0s"},
		{"array key 0", []string{"verify", "--map", "fd=3,type=array,key=0,value=4,entries=1", good}, "the array map at fd 3: BPF_MAP_CREATE would fail with EINVAL in array_map_alloc_check: key_size 0"},
		{"array value 4294967295", []string{"verify", "--map", "fd=3,type=array,key=4,value=4294967295,entries=1", good}, "E2BIG in array_map_alloc_check"},
		{"hash unknown flag", []string{"verify", "--map", "fd=3,type=hash,key=4,value=4,entries=1,flags=0x40000000", good}, "EINVAL in htab_map_alloc_check: map_flags 0x40000000"},
		{"extra on an array", []string{"verify", "--map", "fd=3,type=array,key=4,value=4,entries=1,extra=1", good}, "map_extra is 1"},
		{"explain --log-level", []string{"explain", "--log-level", "2", good}, "--log-level does not apply to explain"},
		{"diff --log-level", []string{"diff", "--log-level", "1", good}, "--log-level does not apply to diff"},
		{"two stdins", []string{"verify", "-", "-"}, "standard input (-) is named 2 times"},
		{"bad format", []string{"verify", "--format", "hex", good}, `--format "hex": want raw or elf`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tc.args...)
			if code != 2 || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, tc.want)
			}
		})
	}
	// --format raw reads a stream that starts with \x7fELF as slots.
	code, out, errs := runCLI(t, nil, "verify", "--format", "raw", elfMagic)
	if code != 1 || !strings.Contains(out, "0: (7f) r5 >>= r4\nBPF_ALU uses reserved fields") {
		t.Errorf("--format raw: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// bench --kernel-stream=false times only the streams of --sizes.
	code, out, errs = runCLI(t, nil, "bench", "--json", "--sizes", "1000", "--time", "1ms", "--kernel-stream=false")
	if code != 0 || strings.Count(out, "\n") != 5 || strings.Contains(out, "ldimm64-200k") {
		t.Errorf("bench --kernel-stream=false: exit %d, stderr %q\n%s", code, errs, out)
	}
}

// TestHelpAndVersion: --version, help COMMAND and COMMAND -h name every
// FILE form and exit 0.
func TestHelpAndVersion(t *testing.T) {
	code, out, _ := runCLI(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(out, "verisim ") || !strings.Contains(out, "profiles rfc, 5.10, 6.1, 6.12, 6.18 (default 6.18)") {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"help", "verify"}, {"help", "explain"}, {"help", "diff"}} {
		code, out, errs := runCLI(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "usage: verisim "+args[1]+" [flags] FILE...") ||
			!strings.Contains(out, "compiled BPF ELF object") || !strings.Contains(out, "- for standard input") || !strings.Contains(out, "-format") {
			t.Errorf("%v: exit %d, stderr %q\n%s", args, code, errs, out)
		}
	}
	if code, _, errs := runCLI(t, nil, "verify", "-h"); code != 0 || !strings.Contains(errs, "usage: verisim verify") {
		t.Errorf("verify -h: exit %d, stderr %q", code, errs)
	}
	if code, out, _ := runCLI(t, nil, "help", "bench"); code != 0 || !strings.HasPrefix(out, "usage: verisim bench") {
		t.Errorf("help bench: exit %d\n%s", code, out)
	}
}
