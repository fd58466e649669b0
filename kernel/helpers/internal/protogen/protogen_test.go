package main

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

// TestGolden regenerates the table from the kernel source and the
// committed configuration and compares it with kernel/helpers/table_618.go.
// The source is VERISIM_LINUX_SRC (a directory or Debian's
// linux-source-6.12.tar.xz), else /usr/src/linux-source-6.12 (.tar.xz),
// where `apt-get install linux-source-6.12` puts it; without it the test
// skips.
func TestGolden(t *testing.T) {
	src := os.Getenv("VERISIM_LINUX_SRC")
	if src == "" {
		for _, p := range []string{"/usr/src/linux-source-6.12", "/usr/src/linux-source-6.12.tar.xz"} {
			if _, err := os.Stat(p); err == nil {
				src = p
				break
			}
		}
	}
	if src == "" {
		t.Skip("no kernel source: set VERISIM_LINUX_SRC to linux-source-6.12 (a directory or the .tar.xz)")
	}
	tr, err := readTree(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := readConfig("config-6.18", false)
	if err != nil {
		t.Fatal(err)
	}
	got, err := generate(tr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../../table_618.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the generated table differs from table_618.go (go generate ./kernel/helpers):\n%s", firstDiff(string(want), string(got)))
	}
	// config-6.18 is exactly what the generator consults: rewriting it
	// from a whole .config gives the same file
	var used, listed []string
	for k := range cfg.used {
		used = append(used, k)
	}
	for k := range cfg.vals {
		listed = append(listed, k)
	}
	sort.Strings(used)
	sort.Strings(listed)
	if strings.Join(used, " ") != strings.Join(listed, " ") {
		t.Errorf("config-6.18 lists %d symbols, the generator consults %d", len(listed), len(used))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n-%s\n+%s", i+1, x, y)
		}
	}
	return ""
}

func testConfig(vals map[string]string) *config {
	return &config{vals: vals, macros: builtinMacros(), used: map[string]bool{}}
}

// TestCond: #if conditions as include/linux/kconfig.h defines them.
func TestCond(t *testing.T) {
	cfg := testConfig(map[string]string{"CONFIG_Y": "y", "CONFIG_M": "m", "CONFIG_N": "n"})
	f := &file{defines: map[string]string{"LOCAL": "1"}}
	for _, tc := range []struct {
		expr string
		want tri
	}{
		{"defined(CONFIG_Y)", triTrue},
		{"defined(CONFIG_M)", triFalse}, // an m option defines CONFIG_M_MODULE
		{"defined(CONFIG_M_MODULE)", triTrue},
		{"IS_ENABLED(CONFIG_M)", triTrue},
		{"IS_BUILTIN(CONFIG_M)", triFalse},
		{"IS_MODULE(CONFIG_M)", triTrue},
		{"IS_ENABLED(CONFIG_N)", triFalse},
		{"CONFIG_Y && !defined(CONFIG_N)", triTrue},
		{"defined(CONFIG_UNLISTED)", triUnknown},
		{"defined(CONFIG_UNLISTED) && 0", triFalse},
		{"defined(CONFIG_UNLISTED) || CONFIG_Y", triTrue},
		{"LOCAL == 1", triTrue},
		{"BITS_PER_LONG == 64", triUnknown},
		{"defined(__KERNEL__)", triTrue},
	} {
		got, _, err := evalCond(tc.expr, f, cfg)
		if err != nil || got != tc.want {
			t.Errorf("%s = %v, %v; want %v", tc.expr, got, err, tc.want)
		}
	}
}

// TestEval runs a get_func_proto written the kernel's way: a switch on
// func_id with a case the configuration drops, a default that calls the
// base, a capability check, an expected_attach_type switch, a ternary
// and a local proto variable.
func TestEval(t *testing.T) {
	const src = `
static const struct bpf_func_proto a_proto = { .func = a, .ret_type = RET_INTEGER, .arg1_type = ARG_ANYTHING, };
static const struct bpf_func_proto b_proto = { .func = b, .gpl_only = true, .ret_type = RET_VOID, };
const struct bpf_func_proto weak_proto __weak;
static const struct bpf_func_proto *
base_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	switch (func_id) {
	case BPF_FUNC_one:
		return &a_proto;
	default:
		break;
	}
	if (!bpf_token_capable(prog->aux->token, CAP_BPF))
		return NULL;
	switch (func_id) {
	case BPF_FUNC_two:
		return prog->sleepable ? NULL : &b_proto;
	case BPF_FUNC_four:
		return &weak_proto;
	default:
		return NULL;
	}
}
static const struct bpf_func_proto *
type_proto(enum bpf_func_id func_id, const struct bpf_prog *prog)
{
	const struct bpf_func_proto *fn;

	fn = other(func_id, prog);
	if (fn)
		return fn;
	switch (func_id) {
#ifdef CONFIG_OFF
	case BPF_FUNC_three:
		return &a_proto;
#endif
	case BPF_FUNC_five:
		switch (prog->expected_attach_type) {
		case BPF_CGROUP_INET_INGRESS:
			return NULL;
		default:
			return &a_proto;
		}
	default:
		return base_proto(func_id, prog);
	}
}
static const struct bpf_func_proto *other(enum bpf_func_id id, const struct bpf_prog *prog)
{
	return id == BPF_FUNC_six ? &b_proto : NULL;
}
const struct bpf_verifier_ops t_verifier_ops = { .get_func_proto = type_proto, };
`
	cfg := testConfig(map[string]string{"CONFIG_OFF": "n"})
	ix := newIndex()
	ix.src = tree{"net/x/Makefile": "obj-y += x.o\n"}
	if err := ix.add("net/x/x.c", src, cfg); err != nil {
		t.Fatal(err)
	}
	consts := map[string]int64{"BPF_FUNC_one": 1, "BPF_FUNC_two": 2, "BPF_FUNC_three": 3, "BPF_FUNC_four": 4,
		"BPF_FUNC_five": 5, "BPF_FUNC_six": 6, "BPF_CGROUP_INET_INGRESS": 0}
	e := &evaluator{ix: ix, consts: consts, cfg: cfg, delta: &delta{}, bodies: map[*funcDef]*blockStmt{}, patches: map[*protoDef]*protoDef{}}
	fn := ix.ops["t_verifier_ops"]
	for _, tc := range []struct {
		id      int64
		helper  string
		want    string
		assumes string
		notes   string
	}{
		{1, "one", "a_proto", "", ""},
		{2, "two", "b_proto", "capable(CAP_BPF) not sleepable", ""},
		{3, "three", "", "CONFIG_OFF=n capable(CAP_BPF)", "type_proto: case BPF_FUNC_three compiled out (defined(CONFIG_OFF))"},
		{4, "four", "weak_proto", "capable(CAP_BPF)", ""},
		{5, "five", "", "expected_attach_type=0", ""},
		{6, "six", "b_proto", "", ""},
		{7, "seven", "", "capable(CAP_BPF)", ""},
	} {
		c, err := e.cell(fn, ix.opsAt["t_verifier_ops"], tc.id, tc.helper)
		if err != nil {
			t.Fatalf("%s: %v", tc.helper, err)
		}
		got := ""
		if c.proto != nil {
			got = c.proto.name
		}
		if got != tc.want || strings.Join(sortedSet(c.assumes), " ") != tc.assumes || strings.Join(c.notes, "; ") != tc.notes {
			t.Errorf("%s: %q %v %v; want %q [%s] [%s]", tc.helper, got, sortedSet(c.assumes), c.notes, tc.want, tc.assumes, tc.notes)
		}
	}
	if p := ix.protos["weak_proto"][0]; !p.weak || hasFunc(p) {
		t.Errorf("weak_proto: weak=%v func=%v", p.weak, hasFunc(p))
	}
}

// TestBuiltBy: Kbuild's obj- lines and ifeq blocks.
func TestBuiltBy(t *testing.T) {
	const mk = `obj-y := core.o
obj-$(CONFIG_A) += a.o \
	b.o
ifeq ($(CONFIG_NET),y)
obj-$(CONFIG_A) += n.o
endif
ifdef CONFIG_OFF
obj-y += off.o
endif
obj-${CONFIG_M} += m.o
`
	cfg := testConfig(map[string]string{"CONFIG_A": "y", "CONFIG_NET": "n", "CONFIG_OFF": "n", "CONFIG_M": "m"})
	for _, tc := range []struct {
		file string
		want bool
	}{{"core.c", true}, {"b.c", true}, {"n.c", false}, {"off.c", false}, {"m.c", false}} {
		got, _, err := builtBy(mk, "d/"+tc.file, cfg)
		if err != nil || got != tc.want {
			t.Errorf("%s: %v, %v; want %v", tc.file, got, err, tc.want)
		}
	}
	if _, _, err := builtBy(mk, "d/none.c", cfg); err == nil {
		t.Error("none.c: no error")
	}
}
