//go:build linux

package helpers_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/helpers"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/verifier"
)

// Messages of check_helper_call (kernel/bpf/verifier.c, v6.18) the live
// test reads.
const (
	msgGPL   = "cannot call GPL-restricted function from non-GPL compatible program"
	msgSleep = "helper call might sleep in a non-sleepable prog"
)

// requireLive skips unless the oracle is a 6.18 kernel.
func requireLive(t *testing.T) {
	t.Helper()
	oracle.Require(t)
	if r := oracle.Release(); r != helpers.Kernel && !strings.HasPrefix(r, helpers.Kernel+".") && !strings.HasPrefix(r, helpers.Kernel+"-") {
		t.Skipf("the table is 6.18's, the kernel is %s", r)
	}
}

// probe is what one load of "call #id" says about a helper.
type probe struct {
	avail   bool
	nargs   int
	message string
}

// load runs slots (a call at insn at) for type pt and reads get_helper_proto's
// answer: "cannot use helper" / "unknown func" / "invalid func" at the
// call means no prototype; else the Live regs line before the call shows
// its arguments (compute_live_registers, get_call_summary).
func load(t *testing.T, pt uint32, slots []insn.Slot, at int, license string) probe {
	t.Helper()
	res, err := oracle.Run(slots, oracle.Config{ProgType: verifier.ProgType(pt), Decl: btfctx.Decl{}, LogLevel: 2, License: license})
	if err != nil {
		t.Fatal(err)
	}
	p := probe{message: res.Message}
	if res.Insn == at && (strings.HasPrefix(res.Message, "unknown func") || strings.Contains(res.Message, "cannot use helper") ||
		strings.Contains(res.Message, "invalid func")) {
		return p
	}
	prefix := fmt.Sprintf("%7d: ", at)
	for _, l := range res.Log {
		if strings.HasPrefix(l, prefix) && len(l) >= len(prefix)+6 {
			p.avail = true
			for i := 1; i <= 5; i++ {
				if l[len(prefix)+i] != '.' {
					p.nargs++
				}
			}
			return p
		}
	}
	t.Fatalf("type %d: no Live regs line for insn %d in %q", pt, at, res.Log)
	return p
}

func callAt0(id int32) []insn.Slot {
	return []insn.Slot{{Code: insn.CodeCall, Imm: id}, {Code: 0xb7}, {Code: insn.CodeExit}}
}

// TestLive checks every entry against the running kernel: that the
// helper is available (get_func_proto returns a prototype with .func)
// exactly where the table says, with as many arguments, that it is
// gpl_only (a load with a non-GPL license meets msgGPL) and might_sleep
// (a GPL load of a program that is not sleepable meets msgSleep) exactly
// when the prototype says, and that the first argument refuses a zero
// scalar exactly when its type is a pointer that may not be NULL
// (check_func_arg: "R1 type=scalar expected=...").
func TestLive(t *testing.T) {
	requireLive(t)
	// r1..r5 = 0; call id; r0 = 0; exit
	zeroArgs := func(id int32) []insn.Slot {
		var s []insn.Slot
		for r := uint8(1); r <= 5; r++ {
			s = append(s, insn.Slot{Code: 0xb7, Dst: r})
		}
		return append(s, insn.Slot{Code: insn.CodeCall, Imm: id}, insn.Slot{Code: 0xb7}, insn.Slot{Code: insn.CodeExit})
	}
	cells, avail, diffs := 0, 0, 0
	fail := func(format string, a ...any) {
		diffs++
		if diffs <= 50 {
			t.Errorf(format, a...)
		}
	}
	for _, pt := range helpers.ProgTypes() {
		name := verifier.ProgType(pt).String()
		for id := int32(0); id < helpers.MaxID; id++ {
			cells++
			h, _ := helpers.ByID(id)
			p, ok := helpers.For(pt, id)
			got := load(t, pt, callAt0(id), 0, "")
			if got.avail != ok || ok && got.nargs != p.NumArgs() {
				fail("%s %s#%d: kernel available=%v args=%d, table %v", name, h.Name, id, got.avail, got.nargs, describe(p))
				continue
			}
			if !ok {
				continue
			}
			avail++
			if sleep := got.message == msgSleep; sleep != p.MightSleep {
				fail("%s %s: kernel might_sleep=%v (%q), table %v (%s)", name, h.Name, sleep, got.message, p.MightSleep, p.Name)
			}
			nonGPL := load(t, pt, callAt0(id), 0, "Proprietary")
			if gpl := nonGPL.message == msgGPL; gpl != p.GPLOnly {
				fail("%s %s: kernel gpl_only=%v (%q), table %v (%s)", name, h.Name, gpl, nonGPL.message, p.GPLOnly, p.Name)
			}
			if p.MightSleep || p.Allowed != "" || p.NumArgs() == 0 {
				continue
			}
			z := load(t, pt, zeroArgs(id), 5, "")
			refused := strings.HasPrefix(z.message, "R1 type=scalar expected=")
			if want := !acceptsZero(p.Args[0]); refused != want {
				fail("%s %s: kernel refuses a zero arg1: %v (%q), table %v (%s)", name, h.Name, refused, z.message, p.Args[0], p.Name)
			}
		}
	}
	t.Logf("%d cells, %d available, %d differences", cells, avail, diffs)
}

// acceptsZero reports whether check_func_arg takes a scalar 0 for an
// argument of type a: the scalar kinds, and any type that may be NULL
// (register_is_null && type_may_be_null skips the type check).
func acceptsZero(a helpers.ArgType) bool {
	if a.Flags()&helpers.PtrMaybeNull != 0 {
		return true
	}
	switch a.Base() {
	case helpers.ArgAnything, helpers.ArgConstSize, helpers.ArgConstSizeOrZero, helpers.ArgConstAllocSizeOrZero:
		return true
	}
	return false
}

func describe(p *helpers.Proto) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprintf("%s with %d args", p.Name, p.NumArgs())
}

// TestLiveConfig: the configuration the table assumes is the running
// kernel's.
func TestLiveConfig(t *testing.T) {
	requireLive(t)
	live := readConfig(t, "/proc/config.gz")
	for _, c := range helpers.Config() {
		k, want, _ := strings.Cut(c, "=")
		got := live[k]
		if got == "" {
			got = "n"
		}
		if got != want {
			t.Errorf("%s: the running kernel has %s", c, got)
		}
	}
}

// TestLiveLoopArg: 6.18.44's bpf_loop takes any first argument (the
// table's ARG_ANYTHING), not only a scalar as 6.12.111's ARG_SCALAR: a
// frame pointer in R1 passes the R1 check.
func TestLiveLoopArg(t *testing.T) {
	requireLive(t)
	h, _ := helpers.ByName("bpf_loop")
	p, ok := helpers.For(uint32(verifier.SocketFilter), h.ID)
	if !ok || p.Args[0] != helpers.ArgAnything {
		t.Fatalf("table: bpf_loop arg1 %v", p)
	}
	slots := []insn.Slot{
		{Code: 0xbf, Dst: 1, Src: 10}, // r1 = r10
		{Code: 0xb7, Dst: 2}, {Code: 0xb7, Dst: 3}, {Code: 0xb7, Dst: 4},
		{Code: insn.CodeCall, Imm: h.ID}, {Code: 0xb7}, {Code: insn.CodeExit},
	}
	res, err := oracle.Run(slots, oracle.Config{ProgType: verifier.SocketFilter, Decl: btfctx.Decl{}, LogLevel: 1})
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(res.Message, "R1 ") || !strings.HasPrefix(res.Message, "R2 ") {
		t.Errorf("bpf_loop(r10, 0, 0, 0): %q, want the R2 (callback) check to fail first", res.Message)
	}
}

// readConfig reads a .config (gzip or plain) into CONFIG_X -> value.
func readConfig(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no kernel configuration: %v", err)
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if b, err = io.ReadAll(z); err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.HasPrefix(k, "CONFIG_") {
			out[k] = v
		}
	}
	return out
}
