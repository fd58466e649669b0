package main

import (
	"encoding/json"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/verifier/explain"
)

// colorFor reports whether to colour output: only on a terminal, and never
// when NO_COLOR is set.
func colorFor(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// cmdExplain is "verisim explain [verify's flags] FILE".
func cmdExplain(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("explain", stderr)
	targets, done, err := v.setup(args, stdin)
	if done || err != nil {
		return exitStatus(err), err
	}
	status := 0
	for _, t := range targets {
		ex, res, err := explain.Build(t.slots, t.cfg)
		if err != nil {
			return 2, err
		}
		if !res.Accepted() {
			status = 1
		}
		if *v.json {
			if err := json.NewEncoder(stdout).Encode(struct {
				Program string `json:"program,omitempty"`
				explain.Explanation
			}{t.program, ex}); err != nil {
				return 2, err
			}
			continue
		}
		t.header(stdout)
		ex.Render(stdout, explain.Style{Color: colorFor(stdout)})
	}
	return status, nil
}

// cmdDiff is "verisim diff [verify's flags] FILE": both profiles.
func cmdDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("diff", stderr)
	targets, done, err := v.setup(args, stdin)
	if done || err != nil {
		return exitStatus(err), err
	}
	status := 0
	for _, t := range targets {
		d, err := explain.BuildDiff(t.slots, t.cfg)
		if err != nil {
			return 2, err
		}
		if !d.Same {
			status = 1
		}
		if *v.json {
			if err := json.NewEncoder(stdout).Encode(struct {
				Program string `json:"program,omitempty"`
				explain.Diff
			}{t.program, d}); err != nil {
				return 2, err
			}
			continue
		}
		t.header(stdout)
		d.Render(stdout, explain.Style{Color: colorFor(stdout)})
	}
	return status, nil
}
