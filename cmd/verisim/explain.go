package main

import (
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
	return isTerminal(w)
}

// cmdExplain is "verisim explain [verify's flags] FILE...".
func cmdExplain(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("explain", stderr)
	ss, err := v.start(args)
	if err != nil {
		return v.fail(stdout, err)
	}
	rep := newReporter(v, ss.files, stdout, stderr)
	w := rep.buffered(stdout)
	defer w.Flush()
	v.each(ss.files, stdin, ss.cfg, ss.opts, rep, func(t target) error {
		if !*v.json {
			t.header(w, rep.manyFiles)
		}
		res, err := explain.Stream(w, t.slots, t.cfg, explain.Output{JSON: *v.json, Style: explain.Style{Color: colorFor(stdout)},
			Meta: explain.Meta{File: t.file, Program: t.program, Section: t.section}})
		if err != nil {
			return err
		}
		rep.status = worse(rep.status, statusOf(res.Verdict))
		return w.Flush()
	})
	return rep.status, nil
}

// cmdDiff is "verisim diff [verify's flags] FILE...": two profiles.
func cmdDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("diff", stderr)
	// The kernel data and fds are the same for both sides: the first
	// profile's shipped data unless --btf and --kallsyms say otherwise.
	ss, err := v.start(args)
	if err != nil {
		return v.fail(stdout, err)
	}
	ps := ss.ps
	rep := newReporter(v, ss.files, stdout, stderr)
	w := rep.buffered(stdout)
	defer w.Flush()
	v.each(ss.files, stdin, ss.cfg, ss.opts, rep, func(t target) error {
		if !*v.json {
			t.header(w, rep.manyFiles)
		}
		same, err := explain.StreamDiff(w, t.slots, t.cfg, ps[0], ps[1], explain.Output{JSON: *v.json, Style: explain.Style{Color: colorFor(stdout)},
			Meta: explain.Meta{File: t.file, Program: t.program, Section: t.section}})
		if err != nil {
			return err
		}
		if !same {
			rep.status = worse(rep.status, exitReject)
		}
		return w.Flush()
	})
	return rep.status, nil
}

// termios reports whether f is a terminal.
func termios(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
