package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// Exit statuses.
const (
	exitAccept      = 0 // every program accepted (diff: the profiles agree)
	exitReject      = 1 // a program rejected or the modeled kernel crashed (diff: they differ)
	exitUsage       = 2 // bad usage or unreadable input
	exitUnsupported = 3 // verisim does not model what a program reached: no answer
)

// statusOf is the exit status of one verdict.
func statusOf(v verifier.Verdict) int {
	switch v {
	case verifier.Accept:
		return exitAccept
	case verifier.Unsupported:
		return exitUnsupported
	}
	return exitReject
}

// worse combines exit statuses over several results: an input error wins,
// then a definite rejection, then an unknown answer.
func worse(a, b int) int {
	rank := func(s int) int { return [...]int{0, 2, 3, 1}[s] }
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// target is one thing to verify: a raw stream, or one program of an ELF
// object with the configuration its fd table gives.
type target struct {
	file    string
	program string // "" for a raw stream
	section string
	slots   []insn.Slot
	cfg     verifier.Config
	err     error // the loader would not load this program
}

// header introduces a result in text output: the file when there are
// several, the program of an object.
func (t target) header(w io.Writer, manyFiles bool) {
	if manyFiles {
		fmt.Fprintf(w, "file %s:\n", t.file)
	}
	if t.program != "" {
		fmt.Fprintf(w, "program %s (section %s, %s):\n", t.program, t.section, t.cfg.ProgType)
	}
}

// notForObjects are the flags that describe a raw stream's load; an ELF
// object brings its own.
var notForObjects = []struct{ flag, why string }{
	{"prog-type", "each program's type comes from its section name"},
	{"map", "the maps come from the object"},
	{"btf-fd", "the object's BTF objects are its own"},
	{"file-fd", "the object's fds are numbered by the loader"},
	{"fd-array", "the loader does not pass fd_array"},
	{"fd-array-cnt", "the loader does not pass fd_array"},
	{"prog-flags", "the loader takes them from the section name"},
	{"expected-attach-type", "the loader takes it from the section name"},
	{"attach-btf-id", "the loader resolves the attach target"},
	{"license", "the object has a license section"},
}

// targetsOf returns what to verify in a FILE already read: the stream, or
// the programs of the object relocated for cfg's profile.
func (v *verifyFlags) targetsOf(in input, cfg verifier.Config, opts btfctx.Options) ([]target, error) {
	if !in.elf {
		if v.set["program"] {
			return nil, usagef("--program applies to an ELF object, and %s is raw instructions", in.name)
		}
		slots, err := in.slots()
		if err != nil {
			return nil, err
		}
		return []target{{file: in.name, slots: slots, cfg: cfg}}, nil
	}
	for _, f := range notForObjects {
		if v.set[f.flag] {
			return nil, usagef("--%s does not apply to %s, an ELF object: %s", f.flag, in.name, f.why)
		}
	}
	obj, err := object.LoadBytes(in.data, object.Options{Profile: cfg.Profile, Kernel: opts})
	if err != nil {
		return nil, usagef("%s: %v", in.name, err)
	}
	var out []target
	for _, p := range obj.Programs {
		if *v.program != "" && p.Name != *v.program {
			continue
		}
		t := target{file: in.name, program: p.Name, section: p.Section, slots: p.Slots, cfg: cfg}
		if p.Err != nil {
			t.err = usagef("%s: program %s: %v", in.name, p.Name, p.Err)
			out = append(out, t)
			continue
		}
		ctx, err := btfctx.New(p.Decl, opts)
		if err != nil {
			return nil, usagef("%s: program %s: %v", in.name, p.Name, err)
		}
		t.cfg.Env, t.cfg.ProgType, t.cfg.BTF = ctx, p.ProgType, p.BTF
		t.cfg.ExpectedAttachType, t.cfg.License = p.ExpectedAttachType, p.License
		out = append(out, t)
	}
	if len(out) == 0 {
		return nil, usagef("%s has no program %q", in.name, *v.program)
	}
	return out, nil
}

// reporter prints results and input errors as text or JSON Lines, and
// keeps the exit status.
type reporter struct {
	v              *verifyFlags
	stdout, stderr io.Writer
	enc            *json.Encoder
	status         int
	manyFiles      bool
}

func newReporter(v *verifyFlags, files []string, stdout, stderr io.Writer) *reporter {
	return &reporter{v: v, stdout: stdout, stderr: stderr, enc: json.NewEncoder(stdout), manyFiles: len(files) > 1}
}

// inputError reports a FILE that could not be verified: one line on
// standard error, and under --json an object on standard output too.
func (r *reporter) inputError(file string, err error) {
	r.status = worse(r.status, exitUsage)
	fmt.Fprintf(r.stderr, "verisim: %v\n", err)
	if *r.v.json {
		r.enc.Encode(jsonError{File: file, Verdict: "error", InputError: err.Error()})
	}
}

// inputErrorIn is inputError for one program of an object.
func (r *reporter) inputErrorIn(t target, err error) {
	r.status = worse(r.status, exitUsage)
	fmt.Fprintf(r.stderr, "verisim: %v\n", err)
	if *r.v.json {
		r.enc.Encode(jsonError{File: t.file, Program: t.program, Section: t.section, Verdict: "error", InputError: err.Error()})
	}
}

// fail ends a command on an error before any FILE was read (exit 2): under
// --json the error is an object on standard output as well.
func (v *verifyFlags) fail(stdout io.Writer, err error) (int, error) {
	if errors.Is(err, flag.ErrHelp) {
		return 0, nil
	}
	if *v.json {
		json.NewEncoder(stdout).Encode(jsonError{Verdict: "error", InputError: err.Error()})
	}
	return exitUsage, err
}

// run verifies every target of every FILE, calling each for each result.
func (v *verifyFlags) each(files []string, stdin io.Reader, cfg verifier.Config, opts btfctx.Options, rep *reporter, each func(target) error) {
	v.eachInput(files, stdin, rep, func(in input) {
		ts, err := v.targetsOf(in, cfg, opts)
		if err != nil {
			rep.inputError(in.name, err)
			return
		}
		rep.run(ts, each)
	})
}

// eachInput reads each FILE once and hands it to each; a FILE that cannot
// be read is reported.
func (v *verifyFlags) eachInput(files []string, stdin io.Reader, rep *reporter, each func(input)) {
	for _, f := range files {
		in, err := readInput(f, *v.format, stdin)
		if err != nil {
			rep.inputError(displayName(f), err)
			continue
		}
		each(in)
	}
}

// run calls each on every target, reporting a target's own error and
// each's.
func (r *reporter) run(ts []target, each func(target) error) {
	for _, t := range ts {
		if t.err != nil {
			r.inputErrorIn(t, t.err)
			continue
		}
		if err := each(t); err != nil {
			r.inputErrorIn(t, err)
		}
	}
}

func displayName(f string) string {
	if f == "-" {
		return "standard input"
	}
	return f
}

// jsonResult is the --json output of verisim verify: one object per
// result (docs/json.md).
type jsonResult struct {
	File     string     `json:"file"`
	Program  string     `json:"program,omitempty"`
	Section  string     `json:"section,omitempty"`
	Kernel   string     `json:"kernel"`
	ProgType string     `json:"prog_type"`
	Verdict  string     `json:"verdict"`
	Accepted bool       `json:"accepted"`
	Errno    string     `json:"errno"`
	Error    string     `json:"error"`
	Insn     int        `json:"insn"`
	Stats    *jsonStats `json:"stats"`
	Log      []string   `json:"log"`
}

// jsonStats are the numbers of the "processed" line; null when the kernel
// prints none (a load refused before the verifier runs, an oops, or an
// unsupported verdict).
type jsonStats struct {
	Processed        int `json:"processed"`
	MaxStatesPerInsn int `json:"max_states_per_insn"`
	TotalStates      int `json:"total_states"`
	PeakStates       int `json:"peak_states"`
}

// jsonError is an input that gave no result.
type jsonError struct {
	File       string `json:"file,omitempty"`
	Program    string `json:"program,omitempty"`
	Section    string `json:"section,omitempty"`
	Verdict    string `json:"verdict"`
	Accepted   bool   `json:"accepted"`
	InputError string `json:"input_error"`
}

func toJSON(t target, r verifier.Result) jsonResult {
	log := r.Log
	if log == nil {
		log = []string{}
	}
	j := jsonResult{File: t.file, Program: t.program, Section: t.section, Kernel: t.cfg.Profile.Name, ProgType: t.cfg.ProgType.String(),
		Verdict: r.Verdict.String(), Accepted: r.Accepted(), Errno: r.Errno.String(), Error: r.Message, Insn: r.Insn, Log: log}
	if r.Stats.Printed {
		j.Stats = &jsonStats{r.Stats.Processed, r.Stats.MaxStatesPerInsn, r.Stats.TotalStates, r.Stats.PeakStates}
	}
	return j
}

// session is what a verifying command works with once its arguments are
// parsed: the FILEs, the profiles, the configuration of a raw stream (the
// first profile's) and the kernel data.
type session struct {
	files []string
	ps    []*verifier.Profile
	cfg   verifier.Config
	opts  btfctx.Options
}

// start parses the arguments of verify, explain or diff.
func (v *verifyFlags) start(args []string) (session, error) {
	var s session
	var err error
	if s.files, err = v.parse(args); err != nil {
		return s, err
	}
	if s.ps, err = v.profiles(); err != nil {
		return s, err
	}
	s.cfg, s.opts, err = v.config(s.ps[0])
	return s, err
}

// buffered makes the reporter write through a buffer, flushed after each
// result, for the commands whose output is long (explain, diff).
func (r *reporter) buffered(stdout io.Writer) *bufio.Writer {
	w := bufio.NewWriter(stdout)
	r.stdout, r.enc = w, json.NewEncoder(w)
	return w
}

func cmdVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("verify", stderr)
	ss, err := v.start(args)
	if err != nil {
		return v.fail(stdout, err)
	}
	if len(ss.ps) > 1 {
		return v.verifyMatrix(ss, stdin, stdout, stderr)
	}
	files, cfg, opts := ss.files, ss.cfg, ss.opts
	rep := newReporter(v, files, stdout, stderr)
	v.each(files, stdin, cfg, opts, rep, func(t target) error {
		res, err := verifier.Verify(t.slots, t.cfg)
		if err != nil {
			return err
		}
		rep.status = worse(rep.status, statusOf(res.Verdict))
		if *v.json {
			return rep.enc.Encode(toJSON(t, res))
		}
		t.header(stdout, rep.manyFiles)
		for _, l := range res.Log {
			fmt.Fprintln(stdout, l)
		}
		fmt.Fprintln(stdout, "verdict: "+res.String())
		return nil
	})
	return rep.status, nil
}

// verifyMatrix verifies every target under each profile of --kernel and
// prints, per target, one verdict row per kernel (with --log-level, each
// kernel's log before its row); under --json, one object per target and
// kernel. Each FILE is read once; an object is relocated per profile, and
// what fails under one profile is reported with its name.
func (v *verifyFlags) verifyMatrix(ss session, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	cfgs := make([]verifier.Config, len(ss.ps))
	opts := make([]btfctx.Options, len(ss.ps))
	for i, p := range ss.ps {
		var err error
		if cfgs[i], opts[i], err = v.config(p); err != nil {
			return v.fail(stdout, err)
		}
	}
	type row struct {
		t   target
		p   *verifier.Profile
		res verifier.Result
	}
	rep := newReporter(v, ss.files, stdout, stderr)
	v.eachInput(ss.files, stdin, rep, func(in input) {
		var order []string
		rows := map[string][]row{}
		for i, p := range ss.ps {
			ts, err := v.targetsOf(in, cfgs[i], opts[i])
			if err != nil {
				rep.inputError(in.name, kernelErr{p.Name, err})
				continue
			}
			for j := range ts {
				if ts[j].err != nil {
					ts[j].err = kernelErr{p.Name, ts[j].err}
				}
			}
			rep.run(ts, func(t target) error {
				res, err := verifier.Verify(t.slots, t.cfg)
				if err != nil {
					return kernelErr{p.Name, err}
				}
				rep.status = worse(rep.status, statusOf(res.Verdict))
				key := t.program
				if _, ok := rows[key]; !ok {
					order = append(order, key)
				}
				rows[key] = append(rows[key], row{t, p, res})
				return nil
			})
		}
		for _, key := range order {
			rs := rows[key]
			if *v.json {
				for _, r := range rs {
					rep.enc.Encode(toJSON(r.t, r.res))
				}
				continue
			}
			rs[0].t.header(stdout, rep.manyFiles)
			for _, r := range rs {
				if v.set["log-level"] {
					fmt.Fprintf(stdout, "kernel %s:\n", r.p.Name)
					for _, l := range r.res.Log {
						fmt.Fprintln(stdout, l)
					}
				}
				fmt.Fprintf(stdout, "%-5s %s\n", r.p.Name, r.res.String())
			}
		}
	})
	return rep.status, nil
}

// kernelErr names the profile an error of the matrix came from; it keeps
// the error's kind (a usage error stays one).
type kernelErr struct {
	kernel string
	err    error
}

func (e kernelErr) Error() string { return "kernel " + e.kernel + ": " + e.err.Error() }
func (e kernelErr) Unwrap() error { return e.err }
