// Command verisim simulates the Linux BPF verifier on raw instruction
// streams.
//
//	verisim verify [flags] FILE
//
// See the README for the flags and the JSON output contract.
package main

import (
	"fmt"
	"io"
	"os"
)

// usageError is bad usage or unreadable input: exit status 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

const usage = `usage: verisim <command> [flags] FILE

commands:
  verify   verify a raw instruction stream (8 bytes a slot, little-endian) and
           print the kernel's log and verdict
  explain  verify FILE and tell, instruction by instruction, which kernel
           function checked what, and why the verdict is what it is
  diff     verify FILE under both profiles and show where they part and the
           kernel change behind it
  bench    time the simulator, the live kernel (when it can be asked) and
           cilium/ebpf's decoder on the same streams

run "verisim verify -h" for its flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
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
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usagef("unknown command %q (want verify, explain, diff or bench)", args[0])
	}
	if err != nil {
		fmt.Fprintf(stderr, "verisim: %v\n", err)
		return 2
	}
	return status
}
