package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// repeated collects a flag given more than once.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(s string) error { *r = append(*r, s); return nil }

// verifyFlags are the flags shared by the commands that verify a stream.
type verifyFlags struct {
	fs       *flag.FlagSet
	json     *bool
	kernel   *string
	progType *string
	maps     repeated
	btfFDs   repeated
	fileFDs  repeated
	fdArray  *string
	fdCnt    *uint
	btf      *string
	kallsyms *string
	logLevel *uint
	program  *string
}

func newVerifyFlags(name string, stderr io.Writer) *verifyFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	v := &verifyFlags{fs: fs}
	v.json = fs.Bool("json", false, "print one JSON object instead of the log")
	v.kernel = fs.String("kernel", "rfc", "kernel profile: rfc or 6.18")
	v.progType = fs.String("prog-type", "socket_filter", "program type (socket_filter, kprobe, xdp, ...)")
	fs.Var(&v.maps, "map", "declare a map: fd=N,type=T,key=K,value=V,entries=E[,flags=F][,name=S][,extra=X] (repeatable)")
	fs.Var(&v.btfFDs, "btf-fd", "declare a BTF object at an fd: N=vmlinux or N=PATH to a raw BTF blob (repeatable)")
	fs.Var(&v.fileFDs, "file-fd", "declare fd N open on a non-BPF file (repeatable)")
	v.fdArray = fs.String("fd-array", "", "bpf_attr.fd_array: FD,FD,... (\"\" gives none; use --fd-array=, for an empty one)")
	v.fdCnt = fs.Uint("fd-array-cnt", 0, "bpf_attr.fd_array_cnt: scan this many fd_array entries first (6.14+)")
	v.btf = fs.String("btf", "", "vmlinux BTF (default /sys/kernel/btf/vmlinux when readable)")
	v.kallsyms = fs.String("kallsyms", "", "kallsyms listing (default /proc/kallsyms when readable)")
	v.logLevel = fs.Uint("log-level", 1, "verifier log level: 1 or 2")
	v.program = fs.String("program", "", "for an ELF object: verify only this program")
	return v
}

// parse parses args and returns the input file name.
func (v *verifyFlags) parse(args []string) (string, error) {
	if err := v.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", err
		}
		return "", usageError{err}
	}
	if v.fs.NArg() != 1 {
		return "", usagef("want exactly one FILE (or - for standard input), got %d arguments", v.fs.NArg())
	}
	return v.fs.Arg(0), nil
}

// config builds the verifier configuration from the flags, and returns the
// kernel data it read for it.
func (v *verifyFlags) config() (verifier.Config, btfctx.Options, error) {
	var cfg verifier.Config
	var opts btfctx.Options
	p, err := verifier.ProfileByName(*v.kernel)
	if err != nil {
		return cfg, opts, usageError{err}
	}
	pt, err := verifier.ParseProgType(*v.progType)
	if err != nil {
		return cfg, opts, usageError{err}
	}
	if *v.logLevel != 1 && *v.logLevel != 2 {
		return cfg, opts, usagef("--log-level %d: want 1 or 2", *v.logLevel)
	}
	var decl btfctx.Decl
	for _, spec := range v.maps {
		m, err := parseMap(spec)
		if err != nil {
			return cfg, opts, usagef("--map %q: %v", spec, err)
		}
		decl.Maps = append(decl.Maps, m)
	}
	for _, spec := range v.btfFDs {
		fd, src, ok := strings.Cut(spec, "=")
		n, err := strconv.ParseInt(fd, 0, 32)
		if !ok || err != nil || src == "" {
			return cfg, opts, usagef("--btf-fd %q: want N=vmlinux or N=PATH", spec)
		}
		decl.BTFs = append(decl.BTFs, btfctx.BTFDecl{FD: int32(n), Source: src})
	}
	for _, s := range v.fileFDs {
		n, err := strconv.ParseInt(s, 0, 32)
		if err != nil {
			return cfg, opts, usagef("--file-fd %q: want a file descriptor number", s)
		}
		decl.Files = append(decl.Files, int32(n))
	}
	v.fs.Visit(func(f *flag.Flag) {
		if f.Name != "fd-array" {
			return
		}
		decl.HasFDArray = true
		decl.FDArray = []int32{}
		for _, s := range strings.Split(*v.fdArray, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, perr := strconv.ParseInt(s, 0, 32)
			if perr != nil {
				err = usagef("--fd-array %q: %q is not a file descriptor number", *v.fdArray, s)
				return
			}
			decl.FDArray = append(decl.FDArray, int32(n))
		}
	})
	if err != nil {
		return cfg, opts, err
	}
	if *v.fdCnt > 0xffffffff {
		return cfg, opts, usagef("--fd-array-cnt %d does not fit 32 bits", *v.fdCnt)
	}
	decl.FDArrayCnt = uint32(*v.fdCnt)
	opts, err = v.kernelData()
	if err != nil {
		return cfg, opts, err
	}
	ctx, err := btfctx.New(decl, opts)
	if err != nil {
		return cfg, opts, usageError{err}
	}
	return verifier.Config{Profile: p, ProgType: pt, Env: ctx, LogLevel: verifier.LogLevel(*v.logLevel)}, opts, nil
}

// kernelData sets up BTF and kallsyms. Files named on the command line are
// read now, so that a bad one is reported whether or not the stream needs
// it; the host defaults are read only when a check needs them.
func (v *verifyFlags) kernelData() (btfctx.Options, error) {
	opts := btfctx.Host()
	if *v.btf != "" {
		b, err := btfctx.LoadBTFFile(*v.btf)
		if err != nil {
			return opts, usageError{err}
		}
		opts.Vmlinux = func() (*btfctx.BTF, error) { return b, nil }
	}
	if *v.kallsyms != "" {
		k, err := btfctx.LoadKallsymsFile(*v.kallsyms)
		if err != nil {
			return opts, usageError{err}
		}
		opts.Kallsyms = func() (*btfctx.Kallsyms, error) { return k, nil }
	}
	opts.LoadBTFFile = btfctx.LoadBTFFile
	return opts, nil
}

// parseMap parses fd=N,type=T,key=K,value=V,entries=E[,flags=F][,name=S][,extra=X].
func parseMap(spec string) (btfctx.MapDecl, error) {
	var m btfctx.MapDecl
	seen := map[string]bool{}
	for _, kv := range strings.Split(spec, ",") {
		k, val, ok := strings.Cut(kv, "=")
		if !ok {
			return m, fmt.Errorf("%q is not key=value", kv)
		}
		if seen[k] {
			return m, fmt.Errorf("%s is given twice", k)
		}
		seen[k] = true
		num := func(bits int) (uint64, error) {
			n, err := strconv.ParseUint(val, 0, bits)
			if err != nil {
				return 0, fmt.Errorf("%s=%q is not a %d-bit unsigned number", k, val, bits)
			}
			return n, nil
		}
		var n uint64
		var err error
		switch k {
		case "fd":
			var fd int64
			fd, err = strconv.ParseInt(val, 0, 32)
			if err != nil || fd < 0 {
				return m, fmt.Errorf("fd=%q is not a file descriptor number", val)
			}
			m.FD = int32(fd)
		case "type":
			m.Type, err = btfctx.ParseMapType(val)
		case "key":
			n, err = num(32)
			m.KeySize = uint32(n)
		case "value":
			n, err = num(32)
			m.ValueSize = uint32(n)
		case "entries":
			n, err = num(32)
			m.MaxEntries = uint32(n)
		case "flags":
			n, err = num(32)
			m.Flags = uint32(n)
		case "extra":
			m.Extra, err = num(64)
		case "name":
			if len(val) > 15 {
				err = fmt.Errorf("name=%q is longer than 15 bytes", val)
			}
			m.Name = val
		default:
			err = fmt.Errorf("unknown key %q (want fd, type, key, value, entries, flags, name, extra)", k)
		}
		if err != nil {
			return m, err
		}
	}
	for _, k := range []string{"fd", "type", "key", "value", "entries"} {
		if !seen[k] {
			return m, fmt.Errorf("%s= is required", k)
		}
	}
	return m, nil
}

// readInput reads FILE ("-" is standard input).
func readInput(name string, stdin io.Reader) ([]byte, error) {
	var b []byte
	var err error
	if name == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, usageError{err}
	}
	return b, nil
}

// isELF reports an ELF object (a compiled BPF program) rather than raw
// slots.
func isELF(b []byte) bool { return bytes.HasPrefix(b, []byte("\x7fELF")) }

// decodeStream decodes raw slots read from name.
func decodeStream(name string, b []byte) ([]insn.Slot, error) {
	slots, err := insn.Decode(b)
	if err != nil {
		return nil, usagef("%s: %v", name, err)
	}
	if len(slots) > verifier.MaxInsns {
		return nil, usagef("%s: %d instructions, more than the kernel's limit of %d", name, len(slots), verifier.MaxInsns)
	}
	return slots, nil
}

// target is one thing to verify: the raw stream, or one program of an ELF
// object with the configuration its fd table gives.
type target struct {
	program string // "" for a raw stream
	section string
	slots   []insn.Slot
	cfg     verifier.Config
}

// setup parses the flags, reads FILE and returns what to verify. done is
// set when -h was asked for.
func (v *verifyFlags) setup(args []string, stdin io.Reader) (targets []target, done bool, err error) {
	name, err := v.parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, err
	}
	cfg, opts, err := v.config()
	if err != nil {
		return nil, false, err
	}
	raw, err := readInput(name, stdin)
	if err != nil {
		return nil, false, err
	}
	if !isELF(raw) {
		if *v.program != "" {
			return nil, false, usagef("--program applies to an ELF object, and %s is raw instructions", name)
		}
		slots, err := decodeStream(name, raw)
		if err != nil {
			return nil, false, err
		}
		return []target{{slots: slots, cfg: cfg}}, false, nil
	}
	t, err := v.objectTargets(name, raw, cfg, opts)
	return t, false, err
}

// objectTargets loads an ELF object, relocated the way the profile's libbpf
// does, and returns every program (or --program).
func (v *verifyFlags) objectTargets(name string, raw []byte, cfg verifier.Config, opts btfctx.Options) ([]target, error) {
	d := cfg.Env.Decl()
	if len(d.Maps) > 0 || len(d.BTFs) > 0 || len(d.Files) > 0 || d.HasFDArray {
		return nil, usagef("%s is an ELF object: its maps come from the object, so --map, --btf-fd, --file-fd and --fd-array do not apply", name)
	}
	obj, err := object.Load(bytes.NewReader(raw), object.Options{Profile: cfg.Profile, Kernel: opts})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []target
	for _, p := range obj.Programs {
		if *v.program != "" && p.Name != *v.program {
			continue
		}
		ctx, err := btfctx.New(p.Decl, opts)
		if err != nil {
			return nil, err
		}
		pcfg := cfg
		pcfg.Env, pcfg.ProgType = ctx, p.ProgType
		out = append(out, target{program: p.Name, section: p.Section, slots: p.Slots, cfg: pcfg})
	}
	if len(out) == 0 {
		return nil, usagef("%s has no program %q", name, *v.program)
	}
	return out, nil
}

// header introduces a program of an object in human output.
func (t target) header(w io.Writer) {
	if t.program != "" {
		fmt.Fprintf(w, "program %s (section %s, %s):\n", t.program, t.section, t.cfg.ProgType)
	}
}

func cmdVerify(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("verify", stderr)
	targets, done, err := v.setup(args, stdin)
	if done || err != nil {
		return exitStatus(err), err
	}
	status := 0
	enc := json.NewEncoder(stdout)
	for _, t := range targets {
		res, err := verifier.Verify(t.slots, t.cfg)
		if err != nil {
			return 2, err
		}
		if !res.Accepted() {
			status = 1
		}
		if *v.json {
			j := toJSON(res)
			j.Program = t.program
			if err := enc.Encode(j); err != nil {
				return 2, err
			}
			continue
		}
		t.header(stdout)
		for _, l := range res.Log {
			fmt.Fprintln(stdout, l)
		}
		fmt.Fprintln(stdout, verdictLine(res))
	}
	return status, nil
}

// exitStatus is 2 for an error, 0 otherwise (-h).
func exitStatus(err error) int {
	if err != nil {
		return 2
	}
	return 0
}

// jsonResult is the --json output contract of verisim verify.
type jsonResult struct {
	Program  string   `json:"program,omitempty"`
	Verdict  string   `json:"verdict"`
	Accepted bool     `json:"accepted"`
	Errno    string   `json:"errno"`
	Error    string   `json:"error"`
	Insn     int      `json:"insn"`
	Log      []string `json:"log"`
}

func toJSON(r verifier.Result) jsonResult {
	log := r.Log
	if log == nil {
		log = []string{}
	}
	return jsonResult{Verdict: r.Verdict.String(), Accepted: r.Accepted(), Errno: r.Errno.String(), Error: r.Message, Insn: r.Insn, Log: log}
}

// verdictLine is the last line of the human output.
func verdictLine(r verifier.Result) string {
	switch r.Verdict {
	case verifier.Accept:
		return "verdict: accept"
	case verifier.Reject:
		s := fmt.Sprintf("verdict: reject (%s", r.Errno)
		if r.Insn >= 0 {
			s += fmt.Sprintf(", insn %d", r.Insn)
		}
		s += ")"
		if r.Message != "" {
			s += ": " + r.Message
		}
		return s
	}
	s := "verdict: " + r.Verdict.String()
	if r.Insn >= 0 {
		s += fmt.Sprintf(" (insn %d)", r.Insn)
	}
	return s + ": " + r.Message
}
