package main

import (
	"encoding/json"
	"errors"
	"flag"
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
	name, err := v.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, err
	}
	cfg, err := v.config()
	if err != nil {
		return 2, err
	}
	slots, err := readStream(name, stdin)
	if err != nil {
		return 2, err
	}
	ex, res, err := explain.Build(slots, cfg)
	if err != nil {
		return 2, err
	}
	if *v.json {
		if err := json.NewEncoder(stdout).Encode(ex); err != nil {
			return 2, err
		}
	} else {
		ex.Render(stdout, explain.Style{Color: colorFor(stdout)})
	}
	if res.Accepted() {
		return 0, nil
	}
	return 1, nil
}

// cmdDiff is "verisim diff [verify's flags] FILE": both profiles.
func cmdDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("diff", stderr)
	name, err := v.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if err != nil {
		return 2, err
	}
	cfg, err := v.config()
	if err != nil {
		return 2, err
	}
	slots, err := readStream(name, stdin)
	if err != nil {
		return 2, err
	}
	d, err := explain.BuildDiff(slots, cfg)
	if err != nil {
		return 2, err
	}
	if *v.json {
		if err := json.NewEncoder(stdout).Encode(d); err != nil {
			return 2, err
		}
	} else {
		d.Render(stdout, explain.Style{Color: colorFor(stdout)})
	}
	if d.Same {
		return 0, nil
	}
	return 1, nil
}
