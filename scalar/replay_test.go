package scalar_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/verisim/verisim/scalar"
	"github.com/verisim/verisim/scalar/internal/kcase"
)

// replay runs one recorded case through the package and returns what
// disagrees with the kernel ("" when nothing does) and the case's kind,
// for the totals.
func replay(c kcase.Case) (kind, diff string) {
	if c.Code&7 == 0x01 { // BPF_LDX of a spilled scalar
		return ldx(c)
	}
	dst, err := scalar.Parse(c.DstIn)
	if err != nil {
		return "unparsed", err.Error()
	}
	x := c.Code&0x08 != 0
	src := scalar.Imm(c.Imm)
	if x {
		if src, err = scalar.Parse(c.SrcIn); err != nil {
			return "unparsed", err.Error()
		}
	}
	class, op := c.Code&7, c.Code&0xf0
	alu32 := class == 0x04
	kind = kindOf(c)
	if c.IsJump() {
		is32 := class == 0x06
		pred := scalar.BranchTaken(dst, src, op, is32)
		if pred != c.Pred {
			return kind, fmt.Sprintf("BranchTaken = %d, kernel %d", pred, c.Pred)
		}
		if pred != -1 {
			// Nothing is refined.
			if c.DstOut == "" {
				return kind, ""
			}
			return kind, cmpOut("fall dst", dst, c.DstOut)
		}
		var ta, tb, fa, fb scalar.Value
		if x && c.Src == c.Dst {
			ta, fa = scalar.SetMinMaxSame(dst, op, is32)
			tb, fb = ta, fa
		} else {
			ta, tb, fa, fb = scalar.SetMinMax(dst, src, op, is32)
		}
		// reg_bounds_sanity_check's fallback without
		// BPF_F_TEST_REG_INVARIANTS: the register unbounded.
		for _, v := range []*scalar.Value{&ta, &tb, &fa, &fb} {
			if v.Check() != nil {
				v.MarkUnbounded()
			}
		}
		d := ""
		if c.DstOut != "" {
			d = cmpOut("fall dst", fa, c.DstOut)
		}
		if x && c.SrcOut != "" && d == "" {
			d = cmpOut("fall src", fb, c.SrcOut)
		}
		if c.DstTaken != "" && d == "" {
			d = cmpOut("taken dst", ta, c.DstTaken)
		}
		if x && c.SrcTaken != "" && d == "" {
			d = cmpOut("taken src", tb, c.SrcTaken)
		}
		return kind, d
	}
	var got scalar.Value
	switch {
	case op == scalar.MOV && !x:
		got = scalar.Imm(c.Imm)
		if alu32 {
			got = scalar.Known(uint64(uint32(c.Imm)))
		}
	case op == scalar.MOV && alu32 && c.Off == 0:
		got = scalar.Mov32(src)
	case op == scalar.MOV && alu32:
		got = scalar.MovSx32(src, c.Off)
	case op == scalar.MOV && c.Off == 0:
		got = src
	case op == scalar.MOV:
		got = scalar.MovSx64(src, c.Off)
	default:
		if cur, _, ok := scalar.Fork(c.Code, dst, src); ok {
			dst = cur
		}
		got = scalar.ALU(c.Code, c.Off, c.Imm, dst, src)
	}
	return kind, cmpOut("dst", got, c.DstOut)
}

// ldx replays a narrower load of a spilled scalar: check_mem_access copies
// it (check_stack_read_fixed_off) and coerces it to the load's size.
func ldx(c kcase.Case) (kind, diff string) {
	size := map[uint8]int{0x00: 4, 0x08: 2, 0x10: 1}[c.Code&0x18]
	sx := c.Code&0xe0 == 0x80
	kind = fmt.Sprintf("ldx%d", size*8)
	if sx {
		kind = fmt.Sprintf("ldsx%d", size*8)
	}
	v, err := scalar.Parse(c.SrcIn)
	if err != nil {
		return "unparsed", err.Error()
	}
	if sx {
		v.CoerceToSizeSx(size)
	} else {
		v.CoerceToSize(size)
	}
	return kind, cmpOut("dst", v, c.DstOut)
}

func cmpOut(what string, got scalar.Value, want string) string {
	if g := scalar.Format(got); g != want {
		return fmt.Sprintf("%s: got %s, kernel %s", what, g, want)
	}
	return ""
}

// kindOf names a case's operation for the totals: "alu64 add k",
// "jmp32 jslt x", "mov32 sx", ...
func kindOf(c kcase.Case) string {
	class, op := c.Code&7, c.Code&0xf0
	x := c.Code&0x08 != 0
	src := "k"
	if x {
		src = "x"
	}
	if class == 0x05 || class == 0x06 {
		names := map[uint8]string{0x10: "jeq", 0x20: "jgt", 0x30: "jge", 0x40: "jset", 0x50: "jne",
			0x60: "jsgt", 0x70: "jsge", 0xa0: "jlt", 0xb0: "jle", 0xc0: "jslt", 0xd0: "jsle"}
		cl := "jmp"
		if class == 0x06 {
			cl = "jmp32"
		}
		if x && c.Src == c.Dst {
			src = "same"
		}
		return fmt.Sprintf("%s %s %s", cl, names[op], src)
	}
	names := map[uint8]string{0x00: "add", 0x10: "sub", 0x20: "mul", 0x30: "div", 0x40: "or", 0x50: "and",
		0x60: "lsh", 0x70: "rsh", 0x80: "neg", 0x90: "mod", 0xa0: "xor", 0xb0: "mov", 0xc0: "arsh", 0xd0: "end"}
	cl := "alu64"
	if class == 0x04 {
		cl = "alu32"
	}
	name := names[op]
	switch {
	case op == 0x80:
		return cl + " neg"
	case op == 0xd0:
		kind := map[bool]string{false: "le", true: "be"}[x]
		if class == 0x07 {
			kind = "bswap"
		}
		return fmt.Sprintf("%s %s%d", cl, kind, c.Imm)
	case (op == 0x30 || op == 0x90) && c.Off == 1:
		name = "s" + name
	case op == 0xb0 && c.Off != 0:
		return fmt.Sprintf("%s movsx%d", cl, c.Off)
	}
	return fmt.Sprintf("%s %s %s", cl, name, src)
}

func readCases(t *testing.T, path string) []kcase.Case {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []kcase.Case
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c kcase.Case
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// check replays cases and fails on every disagreement; with -v it prints
// the totals per kind of operation.
func check(t *testing.T, cases []kcase.Case) {
	t.Helper()
	total, agree := map[string]int{}, map[string]int{}
	bad := 0
	for _, c := range cases {
		kind, d := replay(c)
		total[kind]++
		if d == "" {
			agree[kind]++
			continue
		}
		bad++
		if bad <= 50 {
			t.Errorf("%s [%s] dst=%s src=%s: %s", c.Text, kind, c.DstIn, c.SrcIn, d)
		}
	}
	kinds := make([]string, 0, len(total))
	for k := range total {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-20s %5d/%d", k, agree[k], total[k])
	}
	t.Logf("%d cases, %d agree exactly, %d disagree", len(cases), len(cases)-bad, bad)
}

// TestKernelCases replays the cases recorded from the live 6.18 kernel
// (testdata/kernel.jsonl.gz, go generate ./scalar): the state printed
// after each ALU, MOV and conditional jump must be what the package
// computes from the state printed before it, and the outcome of each jump
// must be BranchTaken's.
func TestKernelCases(t *testing.T) {
	cases := readCases(t, "testdata/kernel.jsonl.gz")
	b, err := os.ReadFile("testdata/kernel.meta.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Release  string `json:"release"`
		Distinct int    `json:"distinct"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Distinct != len(cases) || !strings.HasPrefix(meta.Release, "6.18") {
		t.Fatalf("kernel.meta.json says %d cases from %s; the recording has %d", meta.Distinct, meta.Release, len(cases))
	}
	t.Logf("recorded from Linux %s", meta.Release)
	check(t, cases)
}
