package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/kernel/vmlinux"
	"github.com/verisim/verisim/verifier"
)

// repeated collects a flag given more than once.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(s string) error { *r = append(*r, s); return nil }

// verifyFlags are the flags shared by the commands that verify a stream.
type verifyFlags struct {
	fs       *flag.FlagSet
	cmd      string
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
	nrCPUs   *string
	logLevel *uint
	program  *string
	format   *string
	flags    *uint
	attach   *uint
	btfID    *uint
	license  *string
	set      map[string]bool // the flags given
	pair     bool            // --kernel names two profiles (diff, stat --compare)
}

func newVerifyFlags(name string, stderr io.Writer) *verifyFlags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	v := &verifyFlags{fs: fs, cmd: name, set: map[string]bool{}}
	v.json = fs.Bool("json", false, "print one JSON object per result (JSON Lines, docs/json.md) instead of text")
	kernelHelp := "kernel profile: " + strings.Join(profileNames(), " or ")
	if name == "verify" {
		kernelHelp = "kernel profiles: one of " + strings.Join(profileNames(), ", ") + ", several (A,B,...) or all, for one verdict row per kernel"
	}
	if name == "diff" {
		kernelHelp = "the two kernel profiles to compare, A,B"
	}
	def := verifier.Default.Name
	if name == "diff" {
		def = defaultPair
	}
	v.kernel = fs.String("kernel", def, kernelHelp)
	v.progType = fs.String("prog-type", "socket_filter", "program type of a raw stream (socket_filter, kprobe, xdp, ...; every 6.18 type is known, not every one is modeled)")
	fs.Var(&v.maps, "map", "declare a map: fd=N,type=T,key=K,value=V,entries=E[,flags=F][,name=S][,extra=X] (repeatable)")
	fs.Var(&v.btfFDs, "btf-fd", "declare a BTF object at an fd: N=vmlinux or N=PATH to a raw BTF blob (repeatable)")
	fs.Var(&v.fileFDs, "file-fd", "declare fd N open on a non-BPF file (repeatable)")
	v.fdArray = fs.String("fd-array", "", "bpf_attr.fd_array: FD,FD,... (--fd-array= gives an empty one)")
	v.fdCnt = fs.Uint("fd-array-cnt", 0, "bpf_attr.fd_array_cnt: scan this many fd_array entries first (6.14+)")
	v.btf = fs.String("btf", "", "vmlinux BTF: PATH, \"host\" (/sys/kernel/btf/vmlinux) or \"none\" (default: the data shipped for the profile)")
	v.kallsyms = fs.String("kallsyms", "", "kallsyms listing: PATH, \"host\" (/proc/kallsyms) or \"none\" (default: the data shipped for the profile)")
	v.nrCPUs = fs.String("nr-cpu-ids", "", "nr_cpu_ids of the machine, which bounds bpf_get_smp_processor_id: N or \"host\" (/sys/devices/system/cpu/possible) (default: the recording machine's, 2 for 6.18)")
	v.logLevel = fs.Uint("log-level", 1, "verifier log level: 1 or 2, plus 4 for the statistics lines (5, 6)")
	v.program = fs.String("program", "", "for an ELF object: verify only this program")
	v.flags = fs.Uint("prog-flags", 0, "bpf_attr.prog_flags of a raw stream (BPF_F_STRICT_ALIGNMENT 1, BPF_F_ANY_ALIGNMENT 2, BPF_F_TEST_RND_HI32 4, ...)")
	v.attach = fs.Uint("expected-attach-type", 0, "bpf_attr.expected_attach_type of a raw stream (enum bpf_attach_type)")
	v.btfID = fs.Uint("attach-btf-id", 0, "bpf_attr.attach_btf_id of a raw stream (a vmlinux BTF id)")
	v.license = fs.String("license", "GPL", "bpf_attr.license of a raw stream")
	v.format = fs.String("format", "", "FILE format: raw (8-byte slots) or elf (default: ELF when FILE starts with \\x7fELF)")
	fs.Usage = func() { fmt.Fprint(fs.Output(), commandUsage(name)); fs.PrintDefaults() }
	return v
}

// parse parses args, flags and FILEs in any order ("--" ends the flags),
// and returns the FILEs.
func (v *verifyFlags) parse(args []string) ([]string, error) {
	files, err := parseInterspersed(v.fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usageError{err}
	}
	v.fs.Visit(func(f *flag.Flag) { v.set[f.Name] = true })
	if len(files) == 0 {
		return nil, usagef("want at least one FILE (or - for standard input); run \"verisim help %s\"", v.cmd)
	}
	if (v.cmd == "explain" || v.cmd == "diff") && v.set["log-level"] {
		return nil, usagef("--log-level does not apply to %s: it shows the checks and states, not the log (verisim verify --log-level N prints the log)", v.cmd)
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return nil, usagef("standard input (-) is named %d times", stdin)
	}
	switch *v.format {
	case "", "raw", "elf":
	default:
		return nil, usagef("--format %q: want raw or elf", *v.format)
	}
	return files, nil
}

// parseInterspersed is flag.FlagSet.Parse that takes flags after, and
// between, positional arguments, as most command-line tools do.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// defaultPair is what diff and stat --compare compare without --kernel:
// the seed's RFC and the newest kernel.
var defaultPair = verifier.RFC.Name + "," + verifier.Default.Name

func profileNames() []string {
	var out []string
	for _, p := range verifier.Profiles() {
		out = append(out, p.Name)
	}
	return out
}

// profiles parses --kernel: any number for verify (or all, for a matrix of
// every profile), one for explain and stat, two for diff and stat
// --compare.
func (v *verifyFlags) profiles() ([]*verifier.Profile, error) {
	if v.cmd == "verify" && *v.kernel == "all" {
		return verifier.Profiles(), nil
	}
	names := strings.Split(*v.kernel, ",")
	if v.cmd != "verify" {
		want := 1
		if v.cmd == "diff" || v.pair {
			want = 2
		}
		if len(names) != want {
			if want == 2 {
				what := v.cmd
				if v.cmd == "stat" {
					what = "stat --compare"
				}
				return nil, usagef("--kernel %q: %s compares two profiles, A,B (known: %s)", *v.kernel, what, strings.Join(profileNames(), ", "))
			}
			hint := ""
			if v.cmd == "stat" && len(names) == 2 {
				hint = "; --compare shows two side by side"
			}
			return nil, usagef("--kernel %q: want one profile (known: %s)%s", *v.kernel, strings.Join(profileNames(), ", "), hint)
		}
	}
	var out []*verifier.Profile
	for _, n := range names {
		p, err := verifier.ProfileByName(strings.TrimSpace(n))
		if err != nil {
			return nil, usageError{err}
		}
		if slices.Contains(out, p) {
			if v.cmd == "verify" {
				return nil, usagef("--kernel %q: %s is named twice", *v.kernel, p.Name)
			}
			return nil, usagef("--kernel %q: the two profiles are the same", *v.kernel)
		}
		out = append(out, p)
	}
	return out, nil
}

// config builds the verifier configuration of a raw stream from the flags
// (the profile is set per run), and returns the kernel data it uses.
func (v *verifyFlags) config(p *verifier.Profile) (verifier.Config, btfctx.Options, error) {
	var cfg verifier.Config
	var opts btfctx.Options
	pt, err := verifier.ParseProgType(*v.progType)
	if err != nil {
		return cfg, opts, usageError{err}
	}
	switch l := *v.logLevel; l {
	case 1, 2, 5, 6:
	default:
		return cfg, opts, usagef("--log-level %d: want 1 or 2, or 5 or 6 for the statistics lines too", l)
	}
	var decl btfctx.Decl
	for _, spec := range v.maps {
		m, err := parseMap(spec)
		if err != nil {
			return cfg, opts, usagef("--map %q: %v", spec, err)
		}
		decl.Maps = append(decl.Maps, m)
	}
	userBTF := map[string]*btfctx.BTF{}
	for _, spec := range v.btfFDs {
		fd, src, ok := strings.Cut(spec, "=")
		n, err := strconv.ParseInt(fd, 0, 32)
		if !ok || err != nil || src == "" {
			return cfg, opts, usagef("--btf-fd %q: want N=vmlinux or N=PATH", spec)
		}
		if src != "vmlinux" && userBTF[src] == nil {
			// Read now, whether or not the stream names the fd: a bad
			// file is reported either way.
			b, err := btfctx.LoadUserBTFFile(src)
			if err != nil {
				return cfg, opts, usagef("--btf-fd %q: %v", spec, err)
			}
			userBTF[src] = b
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
	if v.set["fd-array"] {
		decl.HasFDArray = true
		decl.FDArray = []int32{}
		for _, s := range strings.Split(*v.fdArray, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			n, perr := strconv.ParseInt(s, 0, 32)
			if perr != nil {
				return cfg, opts, usagef("--fd-array %q: %q is not a file descriptor number", *v.fdArray, s)
			}
			decl.FDArray = append(decl.FDArray, int32(n))
		}
	}
	if *v.fdCnt > 0xffffffff {
		return cfg, opts, usagef("--fd-array-cnt %d does not fit 32 bits", *v.fdCnt)
	}
	decl.FDArrayCnt = uint32(*v.fdCnt)
	opts, err = v.kernelData(p)
	if err != nil {
		return cfg, opts, err
	}
	opts.LoadBTFFile = func(path string) (*btfctx.BTF, error) {
		if b := userBTF[path]; b != nil {
			return b, nil
		}
		return btfctx.LoadUserBTFFile(path)
	}
	ctx, err := btfctx.New(decl, opts)
	if err != nil {
		return cfg, opts, usageError{err}
	}
	for _, n := range []struct {
		name string
		v    uint
	}{{"prog-flags", *v.flags}, {"expected-attach-type", *v.attach}, {"attach-btf-id", *v.btfID}} {
		if n.v > 0xffffffff {
			return cfg, opts, usagef("--%s %d does not fit 32 bits", n.name, n.v)
		}
	}
	return verifier.Config{Profile: p, ProgType: pt, Env: ctx, LogLevel: verifier.LogLevel(*v.logLevel),
		ProgFlags: uint32(*v.flags), ExpectedAttachType: uint32(*v.attach), AttachBTFID: uint32(*v.btfID), License: *v.license}, opts, nil
}

// kernelData sets up BTF and kallsyms: the data shipped for the profile
// unless --btf or --kallsyms say otherwise. Files named on the command
// line are read now, so that a bad one is reported whether or not the
// stream needs it; "host" is read only when a check needs it.
func (v *verifyFlags) kernelData(p *verifier.Profile) (btfctx.Options, error) {
	opts, _ := vmlinux.Options(p.Name)
	switch *v.btf {
	case "":
	case "none":
		opts.Vmlinux = nil
	case "host":
		opts.Vmlinux = btfctx.HostBTF
	default:
		b, err := btfctx.LoadBTFFile(*v.btf)
		if err != nil {
			return opts, usagef("--btf %s: %v", *v.btf, err)
		}
		opts.Vmlinux = func() (*btfctx.BTF, error) { return b, nil }
	}
	switch *v.kallsyms {
	case "":
	case "none":
		opts.Kallsyms = nil
	case "host":
		opts.Kallsyms = btfctx.HostKallsyms
	default:
		k, err := btfctx.LoadKallsymsFile(*v.kallsyms)
		if err != nil {
			return opts, usagef("--kallsyms %s: %v", *v.kallsyms, err)
		}
		opts.Kallsyms = func() (*btfctx.Kallsyms, error) { return k, nil }
	}
	switch *v.nrCPUs {
	case "":
	case "host":
		n, err := btfctx.HostNrCPUIDs()
		if err != nil {
			return opts, usagef("--nr-cpu-ids host: %v", err)
		}
		opts.NrCPUIDs = n
	default:
		n, err := strconv.Atoi(*v.nrCPUs)
		if err != nil || n < 1 || n > 8192 {
			return opts, usagef("--nr-cpu-ids %q: want a number of CPUs from 1 to 8192 (CONFIG_NR_CPUS at most), or host", *v.nrCPUs)
		}
		opts.NrCPUIDs = n
	}
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
