// Package verifiertest helps Go tests assert what the Linux verifier would
// say about a program, without root:
//
//	func TestProg(t *testing.T) {
//		res := verifiertest.Object(t, "prog.o", "my_prog")
//		verifiertest.Expect(t, res, verifiertest.Accepted())
//	}
//
// A program can be an object file's program (Object), a program of an
// *ebpf.CollectionSpec with its maps (CollectionSpec), an asm.Instructions
// (Instructions), an *ebpf.ProgramSpec (ProgramSpec) or raw slots (Slots). Each verifies under verifier.Default unless
// WithProfile says otherwise, with the kernel data shipped for that
// profile (kernel/vmlinux), so a test gives the same answer on every
// machine; WithKernel or WithHostKernel choose other data.
//
// A program that reaches something verisim does not model fails the test,
// naming the instruction: an unsupported verdict is no answer.
// WithSkipUnsupported turns that into a skip.
package verifiertest

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/vmlinux"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// Outcome compares two Results on verdict, errno, message and instruction
// index only (not the log, statistics, states or checks, nor the
// message's catalog ID, which follows from the message).
var Outcome = cmp.Options{cmpopts.IgnoreFields(verifier.Result{}, "Log", "Stats", "Steps", "Checks", "MessageID")}

// Accepted is the outcome of an accepted program.
func Accepted() verifier.Result { return verifier.Result{Verdict: verifier.Accept, Insn: -1} }

// Rejected is the outcome of a rejection with errno and the kernel's
// message at insn (-1 for a pass before do_check).
func Rejected(errno verifier.Errno, message string, insn int) verifier.Result {
	return verifier.Result{Verdict: verifier.Reject, Errno: errno, Message: message, Insn: insn}
}

// Expect fails the test when got's outcome (Outcome) is not want's, with
// the difference and got's verifier log.
func Expect(t testing.TB, got, want verifier.Result) {
	t.Helper()
	if d := cmp.Diff(want, got, Outcome); d != "" {
		t.Errorf("verifier outcome (-want +got):\n%s\nverifier log:\n%s", d, strings.Join(got.Log, "\n"))
	}
}

// An Option changes how a program is verified.
type Option func(*options)

type options struct {
	profile     *verifier.Profile
	kernel      *btfctx.Options
	level       verifier.LogLevel
	progType    verifier.ProgType
	decl        btfctx.Decl
	btf         *btfctx.ProgBTF
	attach      uint32
	license     string
	flags       uint32
	skipUnsupp  bool
	hasProgType bool
	hasDecl     bool
}

// WithProfile verifies under p instead of verifier.Default.
func WithProfile(p *verifier.Profile) Option { return func(o *options) { o.profile = p } }

// WithKernel uses k for vmlinux BTF and kallsyms instead of the data
// shipped for the profile.
func WithKernel(k btfctx.Options) Option { return func(o *options) { o.kernel = &k } }

// WithHostKernel uses this machine's /sys/kernel/btf/vmlinux and
// /proc/kallsyms, each only if readable, read at most once per test binary
// (btfctx.Host). The answer then depends on the machine.
func WithHostKernel() Option { return WithKernel(btfctx.Host()) }

// WithLogLevel sets the log level (default verifier.LogLevelInstruction, so
// that Expect shows the whole log).
func WithLogLevel(l verifier.LogLevel) Option { return func(o *options) { o.level = l } }

// WithProgType sets the program type of Instructions and Slots (default
// socket_filter) and overrides a ProgramSpec's or an object's.
func WithProgType(pt verifier.ProgType) Option {
	return func(o *options) { o.progType, o.hasProgType = pt, true }
}

// WithDecl declares the fds the instructions name (maps, BTF objects,
// files). Objects declare their own; CollectionSpec refuses it.
func WithDecl(d btfctx.Decl) Option { return func(o *options) { o.decl, o.hasDecl = d, true } }

// WithSkipUnsupported skips the test, instead of failing it, when the
// program reaches something verisim does not model.
func WithSkipUnsupported() Option { return func(o *options) { o.skipUnsupp = true } }

func build(opts []Option) options {
	o := options{profile: verifier.Default, level: verifier.LogLevelInstruction, progType: verifier.SocketFilter}
	for _, f := range opts {
		f(&o)
	}
	return o
}

func (o *options) kernelData(t testing.TB) btfctx.Options {
	t.Helper()
	if o.kernel != nil {
		return *o.kernel
	}
	k, ok := vmlinux.Options(o.profile.Name)
	if !ok {
		t.Fatalf("verifiertest: no kernel data is shipped for profile %s (have %v): give WithKernel", o.profile.Name, vmlinux.Kernels())
	}
	return k
}

// Instructions verifies prog.
func Instructions(t testing.TB, prog asm.Instructions, opts ...Option) verifier.Result {
	t.Helper()
	slots, err := insn.FromAsm(prog)
	if err != nil {
		t.Fatalf("verifiertest: %v", err)
	}
	o := build(opts)
	return run(t, slots, &o)
}

// ProgramSpec verifies spec's instructions as a program of its type. Maps
// it refers to must already carry fds that WithDecl declares.
func ProgramSpec(t testing.TB, spec *ebpf.ProgramSpec, opts ...Option) verifier.Result {
	t.Helper()
	slots, err := insn.FromAsm(spec.Instructions)
	if err != nil {
		t.Fatalf("verifiertest: program %s: %v", spec.Name, err)
	}
	o := build(opts)
	if !o.hasProgType {
		o.progType = verifier.ProgTypeOf(spec.Type)
	}
	o.attach, o.license, o.flags = uint32(spec.AttachType), spec.License, spec.Flags
	return run(t, slots, &o)
}

// Slots verifies raw slots.
func Slots(t testing.TB, slots []insn.Slot, opts ...Option) verifier.Result {
	t.Helper()
	o := build(opts)
	return run(t, slots, &o)
}

// Object loads program from the ELF object at path, relocated the way the
// profile's libbpf does, and verifies it. It fails the test on a loader
// error.
func Object(t testing.TB, path, program string, opts ...Option) verifier.Result {
	t.Helper()
	o := build(opts)
	obj, err := object.LoadFile(path, object.Options{Profile: o.profile, Kernel: o.kernelData(t)})
	if err != nil {
		t.Fatalf("verifiertest: %v", err)
	}
	var names []string
	for _, prog := range obj.Programs {
		if prog.Name == program {
			if prog.Err != nil {
				t.Fatalf("verifiertest: %s: program %s: %v", path, program, prog.Err)
			}
			if !o.hasProgType {
				o.progType = prog.ProgType
			}
			o.decl, o.btf, o.attach, o.license = prog.Decl, prog.BTF, prog.ExpectedAttachType, prog.License
			return run(t, prog.Slots, &o)
		}
		names = append(names, prog.Name)
	}
	t.Fatalf("verifiertest: %s has no program %q (it has %s)", path, program, strings.Join(names, ", "))
	return verifier.Result{}
}

// CollectionSpec verifies program of spec as a loader would load it from
// the collection (ebpf.LoadCollectionSpec("prog.o")):
//
//   - spec's maps are declared at fds from 3 (object.MapDecl: type, key and
//     value sizes, max entries, flags, map_extra, the name cut to 15
//     bytes), in the order of their names, since a CollectionSpec does not
//     keep the object's declaration order; fds 0, 1 and 2 are open on
//     files, as standard input, output and error are in a process;
//   - the program's CO-RE relocations are applied against the vmlinux BTF
//     of the kernel data (object.ApplyCORE), and its map loads point at
//     the maps' fds (object.AssociateMaps);
//   - it verifies as a program of its type, like ProgramSpec.
//
// The test fails when spec has no such program, when the program refers
// to something that is not one of spec's maps (a ksym: Object relocates
// those from the object file), when a map is one BPF_MAP_CREATE would
// refuse, and when WithDecl is given (the fds are the spec's).
func CollectionSpec(t testing.TB, spec *ebpf.CollectionSpec, program string, opts ...Option) verifier.Result {
	t.Helper()
	o := build(opts)
	if o.hasDecl {
		t.Fatalf("verifiertest: WithDecl does not apply to CollectionSpec: the fds are those of the spec's maps")
	}
	ps := spec.Programs[program]
	if ps == nil {
		names := make([]string, 0, len(spec.Programs))
		for name := range spec.Programs {
			names = append(names, name)
		}
		sort.Strings(names)
		t.Fatalf("verifiertest: the collection has no program %q (it has %s)", program, strings.Join(names, ", "))
	}
	names := make([]string, 0, len(spec.Maps))
	for name := range spec.Maps {
		names = append(names, name)
	}
	sort.Strings(names)
	o.decl = btfctx.Decl{Files: []int32{0, 1, 2}}
	fds := map[string]int32{}
	for i, name := range names {
		fd := int32(3 + i)
		fds[name] = fd
		o.decl.Maps = append(o.decl.Maps, object.MapDecl(fd, spec.Maps[name]))
	}
	insns := slices.Clone(ps.Instructions)
	if err := object.ApplyCORE(insns, spec.Types, o.kernelData(t)); err != nil {
		t.Fatalf("verifiertest: program %s: %v", program, err)
	}
	if err := object.AssociateMaps(insns, fds); err != nil {
		t.Fatalf("verifiertest: program %s: %v", program, err)
	}
	for i, ins := range insns {
		if ref := ins.Reference(); ref != "" && !ins.IsFunctionReference() {
			t.Fatalf("verifiertest: program %s: instruction %d (%v) refers to %q, which is not a map of the collection (Object relocates ksyms)", program, i, ins, ref)
		}
	}
	slots, err := insn.FromAsm(insns)
	if err != nil {
		t.Fatalf("verifiertest: program %s: %v", program, err)
	}
	if o.btf, err = object.ProgBTF(insns, o.profile); err != nil {
		t.Fatalf("verifiertest: program %s: %v", program, err)
	}
	if !o.hasProgType {
		o.progType = verifier.ProgTypeOf(ps.Type)
	}
	o.attach, o.license, o.flags = uint32(ps.AttachType), ps.License, ps.Flags
	return run(t, slots, &o)
}

func run(t testing.TB, slots []insn.Slot, o *options) verifier.Result {
	t.Helper()
	ctx, err := btfctx.New(o.decl, o.kernelData(t))
	if err != nil {
		t.Fatalf("verifiertest: %v", err)
	}
	res, err := verifier.Verify(slots, verifier.Config{Profile: o.profile, ProgType: o.progType, Env: ctx, LogLevel: o.level, BTF: o.btf,
		ExpectedAttachType: o.attach, License: o.license, ProgFlags: o.flags})
	if err != nil {
		t.Fatalf("verifiertest: %v", err)
	}
	if res.Verdict == verifier.Unsupported {
		msg := "verisim does not model this program under " + o.profile.Name + ": " + res.String()
		if o.skipUnsupp {
			t.Skip(msg)
		}
		t.Fatal(msg)
	}
	return res
}
