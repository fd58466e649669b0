package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const ex = "../../docs/examples/"

func runCLI(t *testing.T, stdin []byte, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func tinyFlags(kernel string) []string {
	return []string{"verify", "--kernel", kernel, "--btf", ex + "tiny.btf", "--kallsyms", ex + "tiny.kallsyms"}
}

func TestVerifyJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, append(tinyFlags("6.18"), "--json", ex+"r0-not-written.bin")...)
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	want := map[string]any{
		"file": ex + "r0-not-written.bin", "kernel": "6.18", "prog_type": "socket_filter",
		"stats":   map[string]any{"processed": float64(2), "max_states_per_insn": float64(0), "total_states": float64(0), "peak_states": float64(0)},
		"verdict": "reject", "accepted": false, "errno": "EACCES", "error": "R0 !read_ok", "insn": float64(2),
		"log": []any{
			"0: R1=ctx() R10=fp0",
			"0: (18) r1 = 0x1234                   ; R1=4660",
			"2: (95) exit",
			"R0 !read_ok",
			"processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0",
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("JSON (-want +got):\n%s", d)
	}
}

func TestVerifyExitCodes(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"accept", append(tinyFlags("rfc"), ex+"ksym-rfc.bin"), 0},
		{"reject", append(tinyFlags("6.18"), ex+"ksym-rfc.bin"), 1},
		{"oops", append(tinyFlags("rfc"), ex+"ksym-sign-extended.bin"), 1},
		{"map declared", append(tinyFlags("6.18"), "--map", "fd=3,type=array,key=4,value=48,entries=1,name=vals", ex+"map-value-47.bin"), 0},
		{"map value past the end", append(tinyFlags("6.18"), "--map", "fd=3,type=array,key=4,value=48,entries=1", ex+"map-value-48.bin"), 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tc.args...)
			if code != tc.code || errs != "" {
				t.Errorf("exit %d (want %d), stderr %q\n%s", code, tc.code, errs, out)
			}
		})
	}
}

func TestVerifyHumanOutput(t *testing.T) {
	_, out, _ := runCLI(t, nil, append(tinyFlags("rfc"), ex+"ksym-sign-extended.bin")...)
	want := "0: (18) r1 = 0xffffffff82a1c080\n" +
		"verdict: oops (insn 0): oops: btf id 33891 was split into insn[0].off = -31645; the RFC widens the s16 to 0xffff8463 and btf_type_by_id returns NULL: the RFC kernel dereferences NULL here\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("output:\n%s\nwant it to end with:\n%s", out, want)
	}
}

func TestVerifyStdin(t *testing.T) {
	b, err := os.ReadFile(ex + "ksym-rfc.bin")
	if err != nil {
		t.Fatal(err)
	}
	if code, out, errs := runCLI(t, b, append(tinyFlags("rfc"), "-")...); code != 0 {
		t.Errorf("exit %d, stderr %q\n%s", code, errs, out)
	}
}

// TestVerifyBadInput: every bad input exits 2 with one line naming the
// problem.
func TestVerifyBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	odd := write("odd.bin", make([]byte, 13))
	big := write("big.bin", make([]byte, 8*1_000_001))
	junkBTF := write("junk.btf", []byte("not btf"))
	junkSyms := write("junk.kallsyms", []byte("zzzz T x\n"))
	good := ex + "ksym-rfc.bin"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"odd length", []string{"verify", odd}, "is not a multiple of 8"},
		{"too many slots", []string{"verify", big}, "more than the kernel's limit of 1000000"},
		{"unknown flag", []string{"verify", "--frobnicate", good}, "flag provided but not defined"},
		{"no file", []string{"verify"}, "want at least one FILE"},
		{"missing file", []string{"verify", filepath.Join(dir, "nope.bin")}, "no such file"},
		{"bad map type", []string{"verify", "--map", "fd=3,type=arr,key=4,value=4,entries=1", good}, `unknown map type "arr"`},
		{"map without entries", []string{"verify", "--map", "fd=3,type=array,key=4,value=4", good}, "entries= is required"},
		{"map bad number", []string{"verify", "--map", "fd=3,type=array,key=x,value=4,entries=1", good}, `key="x"`},
		{"map unknown key", []string{"verify", "--map", "fd=3,type=array,key=4,value=4,entries=1,colour=red", good}, `unknown key "colour"`},
		{"map fd twice", []string{"verify", "--map", "fd=3,type=array,key=4,value=4,entries=1", "--file-fd", "3", good}, "fd 3 is declared twice"},
		{"bad kernel", []string{"verify", "--kernel", "5.4", good}, `unknown kernel profile "5.4"`},
		{"bad prog type", []string{"verify", "--prog-type", "nope", good}, `unknown program type "nope"`},
		{"bad log level", []string{"verify", "--log-level", "3", good}, "--log-level 3"},
		{"bad fd array", []string{"verify", "--fd-array", "3,x", good}, `"x" is not a file descriptor`},
		{"corrupt btf", []string{"verify", "--btf", junkBTF, good}, "corrupt input"},
		{"unreadable btf", []string{"verify", "--btf", filepath.Join(dir, "none.btf"), good}, "no such file"},
		{"corrupt kallsyms", []string{"verify", "--kallsyms", junkSyms, good}, "kallsyms line 1"},
		{"unknown command", []string{"frob"}, `unknown command "frob"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tc.args...)
			lines := strings.Split(strings.TrimSuffix(errs, "\n"), "\n")
			if code != 2 || out != "" || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", code, out, errs, tc.want)
			}
			if tc.name != "unknown flag" && len(lines) != 1 {
				t.Errorf("stderr has %d lines, want 1: %q", len(lines), errs)
			}
		})
	}
}

// TestExplainJSON checks the explain --json contract: the verdict, and the
// failing check as the last check of the last step.
func TestExplainJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "explain", "--kernel", "6.18", "--btf", ex+"tiny.btf", "--kallsyms", ex+"tiny.kallsyms", "--json", ex+"r0-not-written.bin")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	type check struct {
		Insn int    `json:"insn"`
		Func string `json:"func"`
		What string `json:"what"`
		OK   bool   `json:"ok"`
	}
	var got struct {
		Profile, Verdict, Errno, Error string
		Insn                           int
		Steps                          []struct {
			Insn   int    `json:"insn"`
			Text   string `json:"text"`
			Checks []struct {
				Func   string  `json:"func"`
				Checks []check `json:"checks"`
			} `json:"checks"`
		}
		Why, Fix string
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	if got.Profile != "6.18" || got.Verdict != "reject" || got.Errno != "EACCES" || got.Error != "R0 !read_ok" || got.Insn != 2 {
		t.Errorf("verdict = %s %s %s %q at %d", got.Profile, got.Verdict, got.Errno, got.Error, got.Insn)
	}
	if got.Why == "" || got.Fix == "" {
		t.Errorf("why %q, fix %q: both wanted for a rejection", got.Why, got.Fix)
	}
	if len(got.Steps) != 2 {
		t.Fatalf("%d steps, want 2 (insn 0 and the exit)", len(got.Steps))
	}
	last := got.Steps[1]
	if last.Insn != 2 || last.Text != "(95) exit" {
		t.Errorf("last step = %d %q", last.Insn, last.Text)
	}
	g := last.Checks[len(last.Checks)-1]
	want := check{Insn: 2, Func: "check_reg_arg", What: "R0 !read_ok", OK: false}
	if len(g.Checks) == 0 || g.Func != want.Func {
		t.Fatalf("last group = %+v", g)
	}
	if d := cmp.Diff(want, g.Checks[len(g.Checks)-1]); d != "" {
		t.Errorf("failing check (-want +got):\n%s", d)
	}
}

// TestDiffJSON checks the diff --json contract on the seed's encoding,
// which the two profiles judge differently.
func TestDiffJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "diff", "--btf", ex+"tiny.btf", "--kallsyms", ex+"tiny.kallsyms", "--json", ex+"ksym-rfc.bin")
	if code != 1 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var got struct {
		Sides []struct {
			Profile, Verdict, Errno, Error string
		}
		Same        bool
		Divergences []string
		Changes     []struct{ Version, Commit string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, out)
	}
	type side struct{ Profile, Verdict, Errno, Error string }
	var sides []side
	for _, s := range got.Sides {
		sides = append(sides, side(s))
	}
	want := []side{
		{"rfc", "accept", "", ""},
		{"6.18", "reject", "EINVAL", "invalid module BTF object FD specified."},
	}
	if d := cmp.Diff(want, sides); d != "" {
		t.Errorf("sides (-want +got):\n%s", d)
	}
	if got.Same || len(got.Divergences) != 1 || !strings.Contains(got.Divergences[0], "check_pseudo_btf_id at insn 0") {
		t.Errorf("same %v, divergences %q", got.Same, got.Divergences)
	}
	var commits []string
	for _, c := range got.Changes {
		commits = append(commits, c.Version+" "+c.Commit)
	}
	if d := cmp.Diff([]string{"v5.10 4976b718c355", "v5.12 541c3bad8dc5"}, commits); d != "" {
		t.Errorf("kernel changes (-want +got):\n%s", d)
	}
}

// TestBenchJSON checks the bench --json contract on small streams.
func TestBenchJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "bench", "--json", "--sizes", "1000", "--time", "1ms")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{"ldimm64-200k", "ldimm64-1k", "maps64-1k", "branchy-1k", "stackwork-1k", "small-10"}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(want), out)
	}
	for i, l := range lines {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if r["stream"] != want[i] {
			t.Errorf("line %d stream = %v, want %s", i, r["stream"], want[i])
		}
		for _, k := range []string{"insns", "sim_ns_per_insn", "kernel_ns_per_insn", "decode_ns_per_insn"} {
			if _, ok := r[k]; !ok {
				t.Errorf("line %d has no %q", i, k)
			}
		}
		if v, _ := r["sim_ns_per_insn"].(float64); v <= 0 {
			t.Errorf("line %d sim_ns_per_insn = %v", i, r["sim_ns_per_insn"])
		}
	}
	if code, _, errs := runCLI(t, nil, "bench", "--sizes", "3"); code != 2 || !strings.Contains(errs, "--sizes") {
		t.Errorf("bench --sizes 3: exit %d, stderr %q", code, errs)
	}
}

// TestVerifyObject: an ELF object verifies program by program, with a
// "program" field in JSON; a loader error exits 2 naming the ksym.
func TestVerifyObject(t *testing.T) {
	obj := "../../verifier/object/testdata/"
	code, out, errs := runCLI(t, nil, "verify", "--kernel", "6.18", "--json", obj+"globals.o")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var progs []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		progs = append(progs, r["program"].(string)+":"+r["verdict"].(string))
	}
	if d := cmp.Diff([]string{"use_globals:accept", "use_map:accept"}, progs); d != "" {
		t.Errorf("programs (-want +got):\n%s", d)
	}
	code, _, errs = runCLI(t, nil, "verify", "--kernel", "6.18", "--btf", "/nonexistent-so-no-vmlinux", obj+"ksym_plain_struct.o")
	if code != 2 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing --btf: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, nil, "verify", "--kernel", "rfc", obj+"ksym_percpu_struct.o")
	if code != 2 || !strings.Contains(errs, "extern (ksym) 'runqueues' is not typeless (void)") {
		t.Errorf("rfc typed ksym: exit %d, stderr %q", code, errs)
	}
	code, _, errs = runCLI(t, nil, "verify", "--program", "nope", obj+"globals.o")
	if code != 2 || !strings.Contains(errs, `has no program "nope"`) {
		t.Errorf("--program nope: exit %d, stderr %q", code, errs)
	}
}

// TestVerifyMatrix: verify --kernel all gives one row per kernel, oldest
// first, per FILE; under --json an object per kernel; a FILE that cannot
// be read is reported once, not once per kernel.
func TestVerifyMatrix(t *testing.T) {
	code, out, errs := runCLI(t, nil, append(tinyFlags("all"), ex+"off-and-r10.bin", ex+"r0-not-written.bin", "/nonexistent")...)
	want := `file ` + ex + `off-and-r10.bin:
rfc   reject (EACCES, insn 0): frame pointer is read only
5.10  reject (EINVAL, insn 0): BPF_LD_IMM64 uses reserved fields
6.1   reject (EINVAL, insn 0): BPF_LD_IMM64 uses reserved fields
6.12  reject (EINVAL, insn 0): BPF_LD_IMM64 uses reserved fields
6.18  reject (EINVAL, insn 0): BPF_LD_IMM64 uses reserved fields
file ` + ex + `r0-not-written.bin:
rfc   reject (EACCES, insn 2): R0 !read_ok
5.10  reject (EACCES, insn 2): R0 !read_ok
6.1   reject (EACCES, insn 2): R0 !read_ok
6.12  reject (EACCES, insn 2): R0 !read_ok
6.18  reject (EACCES, insn 2): R0 !read_ok
`
	if code != 2 || out != want || errs != "verisim: open /nonexistent: no such file or directory\n" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant exit 2 and:\n%s", code, errs, out, want)
	}
	code, out, errs = runCLI(t, nil, append(tinyFlags("6.1,6.18"), "--json", ex+"r0-not-written.bin")...)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 1 || errs != "" || len(lines) != 2 {
		t.Fatalf("--json: exit %d, stderr %q, %d lines:\n%s", code, errs, len(lines), out)
	}
	for i, k := range []string{"6.1", "6.18"} {
		var got struct{ Kernel, Error string }
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil || got.Kernel != k || got.Error != "R0 !read_ok" {
			t.Errorf("--json line %d: %v %+v, want kernel %s", i, err, got, k)
		}
	}
}
