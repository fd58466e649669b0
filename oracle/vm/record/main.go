//go:build linux

// Command record records the fixtures generators' streams from each older
// kernel booted under qemu (package oracle/vm): "go generate ./oracle/vm"
// after oracle/vm/fetch-kernels.sh. No root is needed.
//
// For each kernel it reads the kernel's own vmlinux BTF and kallsyms (one
// boot, kept in the kernel cache), finds the generators' ids in them by
// name and kind (fixtures.FindIDs: ids differ per kernel), generates the
// streams, and loads each at log levels 2 and 1 in a second boot. It writes
// testdata/<version>/recorded-<generator>.jsonl in the fixtures format and
// the kernel's data under kernel/vmlinux/<version>/ in the 6.18 layout
// (vmlinux.btf.gz, and kallsyms.gz with every vmlinux symbol and the module
// symbols that have BTF). It records only: no profile models these
// kernels yet, so the fixtures' profile field names the kernel version a
// profile will have.
//
// Where a kernel lacks what a declaration asks for, the declaration is
// adapted before loading and recorded as loaded: 5.10 gives its vmlinux
// BTF no id, so no fd can hold it (BPF_BTF_GET_FD_BY_ID, 5.11), and the
// vmlinux BTF fd is dropped; 5.10's bpf_attr has no fd_array (5.14), so
// every load that sets one is E2BIG before the verifier runs, and fd_array
// is kept only on the maps/fd-array* streams, which are about it (the
// others, BPF_PSEUDO_MAP_IDX among them, then show 5.10's verifier). A stream whose load
// cannot be set up (a map type the kernel does not have) is skipped, and
// the reasons are counted.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/oracle/vm"
	"github.com/verisim/verisim/verifier"
)

func main() {
	out := flag.String("out", "testdata", "output directory (one subdirectory per kernel)")
	kdata := flag.String("kernel-data", "../../kernel/vmlinux", "where each kernel's vmlinux BTF and kallsyms go")
	fixturesDir := flag.String("fixtures", "../../fixtures", "the fixtures package directory (the user BTF of its Decls)")
	kernels := flag.String("kernels", strings.Join(vm.Versions(), ","), "kernel versions")
	nRandom := flag.Int("random", 400, "number of seeded random mutations")
	flag.Parse()
	failed := false
	// One kernel at a time: the machine has two cores, and the loads/s
	// printed are then one TCG guest's.
	for _, v := range strings.Split(*kernels, ",") {
		if err := recordKernel(v, *out, *kdata, *fixturesDir, *nRandom); err != nil {
			log.Printf("%s: %v", v, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func recordKernel(v, out, kdata, fixturesDir string, nRandom int) error {
	if _, err := vm.Available(v); err != nil {
		return err
	}
	rawBTF, rawKallsyms, err := vm.KernelData(v)
	if err != nil {
		return err
	}
	vmBTF, err := btfctx.LoadBTF("vmlinux "+v, bytes.NewReader(rawBTF))
	if err != nil {
		return err
	}
	ks, err := btfctx.ParseKallsyms(bytes.NewReader(rawKallsyms))
	if err != nil {
		return err
	}
	ids := fixtures.FindIDs(vmBTF, ks)
	groups := map[string][]fixtures.Stream{
		"grid":        fixtures.Grid(ids),
		"structure":   fixtures.Structure(),
		"maps":        fixtures.Maps(),
		"btf":         fixtures.BTFStreams(ids),
		"random":      fixtures.Random(1, nRandom, ids),
		"alu":         fixtures.ALUStreams(1, 400),
		"regressions": fixtures.Regressions(ids),
	}
	for _, st := range fixtures.Selftests() {
		groups["selftests"] = append(groups["selftests"], st.Stream)
	}
	if rq := vmBTF.FindByName("runqueues", btfctx.KindVar); rq != 0 {
		groups["ksym"] = runqueues(rq)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	type ref struct {
		group string
		s     fixtures.Stream
	}
	var refs []ref
	var batch []vm.Job
	for _, g := range names {
		for _, s := range groups[g] {
			s.Decl = vm.AdaptDecl(v, s.Name, s.Decl)
			refs = append(refs, ref{g, s})
			for _, level := range []verifier.LogLevel{2, 1} {
				batch = append(batch, vm.Job{Slots: s.Slots, Config: loader.Config{ProgType: s.ProgType, Decl: s.Decl, LogLevel: level}})
			}
		}
	}
	rep, err := vm.Boot(v, batch, vm.Options{Dir: fixturesDir})
	if err != nil {
		return err
	}
	fs := map[string][]fixtures.Fixture{}
	skipped := map[string]int{}
	verdicts := map[string]int{}
	for i, r := range refs {
		o2, o1 := rep.Outcomes[2*i], rep.Outcomes[2*i+1]
		if o2.Err != nil || o1.Err != nil {
			err := o2.Err
			if err == nil {
				err = o1.Err
			}
			skipped[r.group+": "+err.Error()]++
			continue
		}
		r2, r1 := o2.Result, o1.Result
		fs[r.group] = append(fs[r.group], fixtures.Fixture{
			Name: r.s.Name, Profile: v, Release: rep.Release, ProgType: r.s.ProgType.String(),
			Decl: r.s.Decl, Insns: fixtures.EncodeSlots(r.s.Slots),
			Verdict: r2.Verdict.String(), Errno: r2.Errno.String(), Error: r2.Message, Insn: r2.Insn,
			Log: loader.Normalize(r2.Log), Log1: loader.Normalize(r1.Log),
		})
		verdicts[r2.Verdict.String()+" "+r2.Errno.String()]++
	}
	dir := filepath.Join(out, v)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	total := 0
	for _, g := range names {
		total += len(fs[g])
		if err := fixtures.WriteFile(filepath.Join(dir, "recorded-"+g+".jsonl"), fs[g]); err != nil {
			return err
		}
	}
	kd := filepath.Join(kdata, v)
	if err := os.MkdirAll(kd, 0o755); err != nil {
		return err
	}
	if err := fixtures.WriteGzip(filepath.Join(kd, "vmlinux.btf.gz"), func(w *bufio.Writer) error { _, err := w.Write(rawBTF); return err }); err != nil {
		return err
	}
	if err := fixtures.WriteKallsyms(filepath.Join(kd, "kallsyms.gz"), vmBTF, rawKallsyms); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): recorded %d streams (%d loads), skipped %d\n", v, rep.Release, total, len(batch), len(refs)-total)
	fmt.Fprintf(&b, "  boot %v (ready %v), %d loads in %v: %.0f loads/s; wall %v; qemu max RSS %d MiB\n",
		rep.Boot.Round(time.Millisecond), rep.Ready.Round(time.Millisecond), len(batch), rep.Loads.Round(time.Millisecond),
		float64(len(batch))/rep.Loads.Seconds(), rep.Wall.Round(time.Millisecond), rep.MaxRSS>>20)
	for _, m := range sortedKeys(verdicts) {
		fmt.Fprintf(&b, "  %5d %s\n", verdicts[m], m)
	}
	for _, m := range sortedKeys(skipped) {
		fmt.Fprintf(&b, "  skip %4d %s\n", skipped[m], m)
	}
	fmt.Print(b.String())
	return nil
}

// runqueues returns the typed VAR ksym path on the runqueues VAR (a
// per-CPU struct rq; 5.10's BTF has no VARs): the ld_imm64 alone
// (percpu_ptr_rq), dereferenced directly, moved, offset and returned, and
// through the helpers that take it, bpf_this_cpu_ptr (ptr_rq) and
// bpf_per_cpu_ptr (ptr_or_null_rq), with a load through the result.
func runqueues(id uint32) []fixtures.Stream {
	const perCPUPtr, thisCPUPtr = 153, 154 // BPF_FUNC_per_cpu_ptr, BPF_FUNC_this_cpu_ptr
	ld := func(dst uint8) []insn.Slot {
		return []insn.Slot{{Code: insn.CodeLdImm64, Dst: dst, Src: insn.PseudoBTFID, Imm: int32(id)}, {}}
	}
	mov := func(dst uint8, imm int32) insn.Slot { return insn.Slot{Code: 0xb7, Dst: dst, Imm: imm} }
	ldx := func(dst, src uint8, off int16) insn.Slot { return insn.Slot{Code: 0x61, Dst: dst, Src: src, Off: off} } // u32 load
	exit := insn.Slot{Code: insn.CodeExit}
	call := func(helper int32) insn.Slot { return insn.Slot{Code: insn.CodeCall, Imm: helper} }
	cat := func(parts ...[]insn.Slot) []insn.Slot {
		var out []insn.Slot
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	one := func(s ...insn.Slot) []insn.Slot { return s }
	cases := []struct {
		name  string
		slots []insn.Slot
	}{
		{"ld", cat(ld(1), one(mov(0, 0), exit))},
		{"deref", cat(ld(1), one(ldx(0, 1, 0), exit))},
		{"mov", cat(ld(1), one(insn.Slot{Code: 0xbf, Dst: 2, Src: 1}, mov(0, 0), exit))},
		{"plus8", cat(ld(1), one(insn.Slot{Code: 0x07, Dst: 1, Imm: 8}, mov(0, 0), exit))},
		{"returned", cat(ld(0), one(exit))},
		{"this-cpu-ptr", cat(ld(1), one(call(thisCPUPtr), mov(0, 0), exit))},
		{"this-cpu-ptr-load", cat(ld(1), one(call(thisCPUPtr), ldx(0, 0, 0), exit))},
		{"this-cpu-ptr-load-past-end", cat(ld(1), one(call(thisCPUPtr), ldx(0, 0, 0x7ff0), exit))},
		{"per-cpu-ptr", cat(ld(1), one(mov(2, 0), call(perCPUPtr), mov(0, 0), exit))},
		{"per-cpu-ptr-load-unchecked", cat(ld(1), one(mov(2, 0), call(perCPUPtr), ldx(0, 0, 0), exit))},
		{"per-cpu-ptr-load", cat(ld(1), one(mov(2, 0), call(perCPUPtr), insn.Slot{Code: 0x15, Dst: 0, Off: 1}, ldx(0, 0, 0), exit))},
	}
	var out []fixtures.Stream
	for _, pt := range []verifier.ProgType{verifier.SocketFilter, verifier.Kprobe} {
		for _, c := range cases {
			out = append(out, fixtures.Stream{Name: fmt.Sprintf("ksym/runqueues/%s/%s", c.name, pt), ProgType: pt, Decl: fixtures.StdDecl(), Slots: c.slots})
		}
	}
	return out
}

// adapt returns the Decl to load s with on kernel v (see the package
// comment).

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
