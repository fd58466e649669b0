package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cilium/ebpf/asm"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/verifier"
)

// benchResult is one line of verisim bench --json.
type benchResult struct {
	Stream            string   `json:"stream"`
	Insns             int      `json:"insns"`
	SimNsPerInsn      float64  `json:"sim_ns_per_insn"`
	KernelNsPerInsn   *float64 `json:"kernel_ns_per_insn"`
	DecodeNsPerInsn   float64  `json:"decode_ns_per_insn"`
	SimVerdict        string   `json:"sim_verdict"`
	KernelVerdict     string   `json:"kernel_verdict,omitempty"`
	KernelUnavailable string   `json:"kernel_unavailable,omitempty"`
}

// timeit runs f until it took at least atLeast in total (and at least 3
// times) and returns the fastest run.
func timeit(atLeast time.Duration, f func()) time.Duration {
	best := time.Duration(1<<63 - 1)
	var total time.Duration
	for n := 0; n < 3 || total < atLeast; n++ {
		t0 := time.Now()
		f()
		d := time.Since(t0)
		total += d
		best = min(best, d)
	}
	return best
}

func cmdBench(args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per stream")
	kernel := fs.String("kernel", verifier.Default.Name, "kernel profile of the simulator: "+strings.Join(profileNames(), " or "))
	sizes := fs.String("sizes", "1000,100000,1000000", "sizes in slots of the ldimm64, maps64 and branchy streams, comma separated")
	kernelStream := fs.Bool("kernel-stream", true, "also time ldimm64-200k, the stream of the comparison with the kernel")
	minTime := fs.Duration("time", 300*time.Millisecond, "minimum total time of each measurement, more than 0 (the fastest run is reported)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: verisim bench [flags]\n\nTime the simulator, the live kernel (as root, on the profile's kernel) and\ncilium/ebpf's decoder on the same generated streams.\n\nflags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, usageError{err}
	}
	if fs.NArg() != 0 {
		return 2, usagef("bench takes no arguments")
	}
	if *minTime <= 0 {
		return 2, usagef("--time %v: want a duration more than 0", *minTime)
	}
	p, err := verifier.ProfileByName(*kernel)
	if err != nil {
		return 2, usageError{err}
	}
	var ns []int
	for _, f := range bytes.Split([]byte(*sizes), []byte(",")) {
		var n int
		if _, err := fmt.Sscan(string(f), &n); err != nil || n < 4 || n > verifier.MaxInsns {
			return 2, usagef("--sizes: %q is not a size between 4 and %d", f, verifier.MaxInsns)
		}
		ns = append(ns, n)
	}

	// Kernel data: the host's when readable (the kernel comparison needs
	// ids that the running kernel has), else the tiny BTF.
	opts := fixtures.HostOptions()
	var k fixtures.BenchKsym
	if ids, _, err := fixtures.LoadIDs(opts); err == nil {
		k = fixtures.BenchKsym{FuncID: ids.Func, VarID: ids.LowVar}
	} else {
		tiny, err := fixtures.NewTiny()
		if err != nil {
			return 2, err
		}
		opts = tiny.Options()
		k = fixtures.BenchKsym{FuncID: tiny.GetPidTgid, VarID: tiny.InitTask}
	}
	live, liveErr := oracle.Available()
	if liveErr == nil && live != p {
		liveErr = fmt.Errorf("the running kernel is %s, the simulator profile %s", oracle.Release(), p.Name)
	}

	var streams []fixtures.BenchStream
	if *kernelStream {
		streams = append(streams, fixtures.KernelBenchStream(p, k))
	}
	streams = append(streams, fixtures.BenchStreams(p, k, ns...)...)
	progress := isTerminal(stderr)
	var results []benchResult
	for i, s := range streams {
		if progress {
			fmt.Fprintf(stderr, "\rbench: %s (%d of %d)\x1b[K", s.Name, i+1, len(streams))
		}
		ctx, err := btfctx.New(s.Decl, opts)
		if err != nil {
			return 2, err
		}
		cfg := verifier.Config{Profile: p, ProgType: verifier.SocketFilter, Env: ctx}
		res, err := verifier.Verify(s.Slots, cfg)
		if err != nil {
			return 2, err
		}
		n := float64(len(s.Slots))
		r := benchResult{Stream: s.Name, Insns: len(s.Slots), SimVerdict: res.Verdict.String()}
		r.SimNsPerInsn = float64(timeit(*minTime, func() { verifier.Verify(s.Slots, cfg) }).Nanoseconds()) / n
		raw := insn.Encode(s.Slots)
		r.DecodeNsPerInsn = float64(timeit(*minTime, func() {
			asm.AppendInstructions(nil, bytes.NewReader(raw), binary.LittleEndian, "linux")
		}).Nanoseconds()) / n
		if liveErr != nil {
			r.KernelUnavailable = liveErr.Error()
		} else {
			var times []time.Duration
			for i := 0; i < 3; i++ {
				t, kres, err := oracle.VerificationTime(s.Slots, oracle.Config{ProgType: verifier.SocketFilter, Decl: s.Decl})
				if err != nil {
					return 2, fmt.Errorf("%s: %w", s.Name, err)
				}
				times = append(times, t)
				r.KernelVerdict = kres.Verdict.String()
			}
			sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
			v := float64(times[1].Nanoseconds()) / n
			r.KernelNsPerInsn = &v
		}
		results = append(results, r)
	}
	if progress {
		fmt.Fprint(stderr, "\r\x1b[K")
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, r := range results {
			if err := enc.Encode(r); err != nil {
				return 2, err
			}
		}
		return 0, nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stream\tslots\tsim ns/insn\tkernel ns/insn\tkernel/sim\tasm decode ns/insn\tsim/decode\tverdict (sim, kernel)\t")
	for _, r := range results {
		kern, ratio := "-", "-"
		if r.KernelNsPerInsn != nil {
			kern = fmt.Sprintf("%.1f", *r.KernelNsPerInsn)
			ratio = fmt.Sprintf("%.0f×", *r.KernelNsPerInsn/r.SimNsPerInsn)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%s\t%.1f\t%.2f×\t%s, %s\t\n", r.Stream, r.Insns, r.SimNsPerInsn, kern, ratio,
			r.DecodeNsPerInsn, r.SimNsPerInsn/r.DecodeNsPerInsn, r.SimVerdict, orDash(r.KernelVerdict))
	}
	tw.Flush()
	if liveErr != nil {
		fmt.Fprintf(stdout, "kernel column empty: %v\n", liveErr)
	}
	return 0, nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
