// Command verisim simulates the Linux BPF verifier on raw instruction
// streams and compiled BPF objects.
//
//	verisim verify [flags] FILE...
//	verisim explain [flags] FILE...
//	verisim diff [flags] FILE...
//	verisim stat [flags] FILE...
//	verisim bench [flags]
//
// See the README for the flags, docs/json.md for the JSON output.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/verisim/verisim/verifier"
)

// usageError is bad usage or unreadable input: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const usage = `usage: verisim <command> [flags] FILE...

commands:
  verify   verify raw instruction streams (8 bytes a slot, little-endian) or
           compiled BPF objects, and print the kernel's log and verdict
  explain  verify FILE and tell, instruction by instruction, which kernel
           function checked what, and why the verdict is what it is
  diff     verify FILE under two profiles and show where they part and the
           kernel change behind it
  stat     one row per program: verdict, errno, error line, instructions
           processed, states and time, as a table, CSV or JSON; --compare
           shows two profiles side by side
  bench    time the simulator, the live kernel (when it can be asked) and
           cilium/ebpf's decoder on the same streams
  version  print verisim's version and profiles

run "verisim help COMMAND" for a command's flags.
exit status: 0 accepted, 1 rejected (or the modeled kernel would crash),
3 unsupported (verisim does not model what the program reached), 2 bad
usage or unreadable input. diff: 0 same verdict, 1 different; stat
--compare: as verify over both profiles, and 1 when any program differs.
`

// commandUsage is the head of a command's -h output.
func commandUsage(cmd string) string {
	files := `
FILE is a raw instruction stream (8 bytes a slot, little-endian, as in
bpf_attr.insns; at most 1,000,000 slots), a compiled BPF ELF object (at most
32 MiB; every program, or --program NAME), or - for standard input. The
format is detected from the first four bytes unless --format says.
Flags and FILEs may come in any order; -- ends the flags.

flags:
`
	switch cmd {
	case "verify":
		return "usage: verisim verify [flags] FILE...\n\nVerify each FILE as the kernel profile would and print its log and verdict.\n" + files
	case "explain":
		return "usage: verisim explain [flags] FILE...\n\nVerify each FILE and explain every check, instruction by instruction, as it runs.\n" + files
	case "diff":
		return "usage: verisim diff [flags] FILE...\n\nVerify each FILE under two profiles (--kernel A,B) and show where they part.\n" + files
	case "stat":
		return "usage: verisim stat [flags] FILE...\n\nVerify every program of each FILE and print one row per program, sorted by\nfile and program: verdict, errno, the kernel's error line, insn, instructions\nprocessed, total and peak states, max states per insn and the simulator's\nwall time. --output table (with a totals line), csv or json; --compare runs\ntwo profiles (--kernel A,B) side by side. Exit status as verify's; with\n--compare also 1 when any program differs.\n" + files
	}
	return ""
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// version is the module version and VCS revision of the binary, when the
// Go toolchain recorded them.
func version() string {
	v := "(devel)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
	}
	var names []string
	for _, p := range verifier.Profiles() {
		names = append(names, p.Name)
	}
	return fmt.Sprintf("verisim %s; profiles %s (default %s)", v, strings.Join(names, ", "), verifier.Default.Name)
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	var status int
	switch args[0] {
	case "verify":
		status, err = cmdVerify(args[1:], stdin, stdout, stderr)
	case "bench":
		status, err = cmdBench(args[1:], stdout, stderr)
	case "explain":
		status, err = cmdExplain(args[1:], stdin, stdout, stderr)
	case "diff":
		status, err = cmdDiff(args[1:], stdin, stdout, stderr)
	case "stat":
		status, err = cmdStat(args[1:], stdin, stdout, stderr)
	case "version", "--version", "-version":
		if len(args) > 1 {
			err = usagef("version takes no arguments")
			break
		}
		fmt.Fprintln(stdout, version())
		return 0
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return run([]string{args[1], "-h"}, stdin, stdout, stdout)
		}
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q (want verify, explain, diff, stat, bench or version)", args[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "verisim: %v\n", err)
		return exitUsage
	}
	return status
}
