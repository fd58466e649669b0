package object

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// Options are the loader's inputs besides the object.
type Options struct {
	// Profile selects the libbpf behaviour: the seed's (rfc) or today's
	// (6.18); nil means verifier.Default.
	Profile *verifier.Profile
	// Kernel is where vmlinux BTF and kallsyms come from (btfctx.Options).
	Kernel btfctx.Options
	// FirstFD is the simulated fd of the first map; the others follow in
	// declaration order. Zero means 3, the first fd of a process that has
	// stdin, stdout and stderr open (fds 0-2 are declared as open files).
	FirstFD int32
}

// Program is one program of the object, ready for verifier.Verify.
type Program struct {
	Name     string
	Section  string
	ProgType verifier.ProgType
	Slots    []insn.Slot
	// Decl declares every map of the object at its fd.
	Decl btfctx.Decl
	// BTF is the program's BTF with its func_info and line_info, as the
	// loader passes them (nil when the object has no BTF).
	BTF *btfctx.ProgBTF
	// ExpectedAttachType is what the section name gives
	// ("cgroup_skb/egress": BPF_CGROUP_INET_EGRESS), as libbpf sets it.
	ExpectedAttachType uint32
	// License is the object's license section.
	License string
	// Ksyms lists the ksym loads and kfunc calls and how they were
	// relocated, loads first, each in instruction order.
	Ksyms []Ksym
	// Err is why a loader would not load this program (its section names
	// no program type, a CO-RE or .kconfig relocation failed); the other
	// programs of the object load all the same.
	Err error
}

// Ksym is one relocated ksym load or kfunc call.
type Ksym struct {
	Insn  int    // slot index of the ld_imm64 or the kfunc call
	Name  string // the extern's name
	Typed bool   // declared with a type (not void)
	Func  bool   // a function extern
	Call  bool   // a kfunc call, not an ld_imm64
	Weak  bool
	// BTFID is the vmlinux id used (0: none), Addr the kallsyms address
	// written (rfc and typeless).
	BTFID uint32
	Addr  uint64
}

// Object is a loaded ELF object.
type Object struct {
	Programs []Program
	Maps     []btfctx.MapDecl // in declaration order, at their fds
}

// ErrKsym wraps every failure to resolve a ksym: what a loader reports
// before BPF_PROG_LOAD.
var ErrKsym = errors.New("ksym")

// extern is what the object's BTF and symbol table say of a .ksyms extern.
type extern struct {
	name  string
	typed bool
	fn    bool
	weak  bool
	// idx is the extern's index in libbpf's obj->externs (indexExterns).
	idx int
}

// indexExterns numbers the .ksyms externs as libbpf's
// bpf_object__collect_externs sorts obj->externs (cmp_externs, libbpf.c
// v6.12): the .kconfig externs first, then the ksyms by name. The index
// shows in a poisoned kfunc call (relocateKfuncCall).
func indexExterns(externs map[string]extern, kc *kconfig) {
	names := make([]string, 0, len(externs))
	for name := range externs {
		names = append(names, name)
	}
	sort.Strings(names)
	first := 0
	if kc != nil {
		first = kc.nvars
	}
	for i, name := range names {
		e := externs[name]
		e.idx = first + i
		externs[name] = e
	}
}

// LoadFile reads an ELF object from path.
func LoadFile(path string, opts Options) (*Object, error) {
	b, err := btfctx.ReadFileLimit(path, MaxObjectSize)
	if err != nil {
		return nil, err
	}
	obj, err := LoadBytes(b, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return obj, nil
}

// MaxObjectSize bounds an ELF object (the largest of the kernel's verifier
// selftest objects is under 1 MB).
const MaxObjectSize = 32 << 20

// Load reads an ELF object of at most MaxObjectSize bytes.
func Load(r io.ReaderAt, opts Options) (*Object, error) {
	raw, err := btfctx.ReadLimit(io.NewSectionReader(r, 0, MaxObjectSize+1), "object", MaxObjectSize)
	if err != nil {
		return nil, err
	}
	return LoadBytes(raw, opts)
}

// LoadBytes is Load of an object already in memory, of at most
// MaxObjectSize bytes.
func LoadBytes(raw []byte, opts Options) (*Object, error) {
	if len(raw) > MaxObjectSize {
		return nil, fmt.Errorf("object: %w: %d bytes, more than %d", btfctx.ErrTooLarge, len(raw), MaxObjectSize)
	}
	p := opts.Profile
	if p == nil {
		p = verifier.Default
	}
	first := opts.FirstFD
	if first == 0 {
		first = 3
	}
	spec, externs, err := parse(raw)
	if err != nil {
		return nil, err
	}
	order, err := mapOrder(raw, spec)
	if err != nil {
		return nil, err
	}
	kc, err := loadKconfig(raw, spec)
	if err != nil {
		return nil, fmt.Errorf(".kconfig: %w", err)
	}
	indexExterns(externs, kc)
	obj := &Object{}
	fds := map[string]int32{}
	specs := make([]*ebpf.MapSpec, 0, len(order)+1)
	for _, name := range order {
		specs = append(specs, spec.Maps[name])
	}
	kcFD := int32(-1)
	if kc != nil {
		// The loader creates .kconfig when it loads a program, after the
		// collection's maps.
		kcFD = first + int32(len(order))
		specs = append(specs, kc.spec)
	}
	for i, m := range specs {
		fd := first + int32(i)
		fds[m.Name] = fd
		obj.Maps = append(obj.Maps, MapDecl(fd, m))
	}
	for _, name := range programNames(spec) {
		ps := spec.Programs[name]
		prog, err := relocate(ps, spec.Types, fds, externs, p, opts.Kernel, kc, kcFD)
		if errors.Is(err, ErrKsym) {
			// libbpf resolves externs for the whole object
			// (bpf_object__resolve_externs) before it loads any program.
			return nil, fmt.Errorf("program %s: %w", name, err)
		}
		prog.Err = err
		// A real loader's process has fds 0-2 open (stdin, stdout,
		// stderr): the kernel says EINVAL, not EBADF, for a map fd there.
		prog.Decl = btfctx.Decl{Maps: obj.Maps, Files: stdFiles(first)}
		obj.Programs = append(obj.Programs, prog)
	}
	return obj, nil
}

// stdFiles are the fds 0-2 a loader process holds, below the first map fd.
func stdFiles(first int32) []int32 {
	var out []int32
	for fd := int32(0); fd < 3 && fd < first; fd++ {
		out = append(out, fd)
	}
	return out
}

// MapOf is the map BPF_MAP_CREATE is given for m (see MapDecl): its name
// cut to the kernel's 15 bytes, a ring buffer's size rounded up as libbpf
// does (ringbufSize), and the special fields of its value's BTF.
func MapOf(m *ebpf.MapSpec) btfctx.Map {
	name := m.Name
	if len(name) > 15 {
		name = name[:15]
	}
	out := btfctx.Map{Type: btfctx.MapTypeOf(m.Type), KeySize: m.KeySize, ValueSize: m.ValueSize,
		MaxEntries: m.MaxEntries, Flags: m.Flags, Name: name, Extra: m.MapExtra, Special: specialFields(m.Value)}
	if out.Type == btfctx.MapRingbuf || out.Type == btfctx.MapUserRingbuf {
		out.MaxEntries = ringbufSize(out.MaxEntries)
	}
	return out
}

// pageSize is x86-64's, the page size of the kernels verisim models.
const pageSize = 4096

// ringbufSize is libbpf's adjust_ringbuf_sz (libbpf.c, v6.12), applied to
// RINGBUF and USER_RINGBUF maps when it reads their definition
// (fill_map_from_def): the kernel wants a power-of-2 number of pages, so a
// size that is not one becomes the smallest such product larger than it;
// 0 and sizes too large to round stay as they are, for the kernel to
// refuse. cilium/ebpf does not round.
func ringbufSize(sz uint32) uint32 {
	if sz == 0 {
		return 0
	}
	if pages := sz / pageSize; sz%pageSize == 0 && pages&(pages-1) == 0 {
		return sz
	}
	for mul := uint64(1); mul <= math.MaxUint32/pageSize; mul <<= 1 {
		if mul*pageSize > uint64(sz) {
			return uint32(mul * pageSize)
		}
	}
	return sz
}

// specialTypes are the structs btf_parse_fields (kernel/bpf/btf.c, v6.18)
// gives a meaning in a map value; kptrTags the type tags of kptrs.
var (
	specialTypes = map[string]bool{"bpf_spin_lock": true, "bpf_res_spin_lock": true, "bpf_timer": true, "bpf_wq": true,
		"bpf_list_head": true, "bpf_list_node": true, "bpf_rb_root": true, "bpf_rb_node": true, "bpf_refcount": true,
		"bpf_task_work": true, "bpf_workqueue": true}
	kptrTags = map[string]bool{"kptr": true, "kptr_untrusted": true, "percpu_kptr": true, "uptr": true}
)

// specialFields names the special fields in a map value's BTF, looking
// through nested structs, unions and arrays (a superset of what the kernel
// accepts: a false find only makes the answer unsupported).
func specialFields(t btf.Type) string {
	var found []string
	seen := map[btf.Type]bool{}
	var walk func(t btf.Type)
	walk = func(t btf.Type) {
		if t == nil || seen[t] {
			return
		}
		seen[t] = true
		if p, ok := btfctx.SkipModifiers(t).(*btf.Pointer); ok {
			for u := p.Target; ; {
				tag, ok := u.(*btf.TypeTag)
				if !ok {
					break
				}
				if kptrTags[tag.Value] {
					found = append(found, tag.Value)
				}
				u = tag.Type
			}
			return
		}
		switch u := btfctx.SkipModifiers(t).(type) {
		case *btf.Struct:
			if specialTypes[u.Name] {
				found = append(found, u.Name)
				return
			}
			for _, m := range u.Members {
				walk(m.Type)
			}
		case *btf.Union:
			for _, m := range u.Members {
				walk(m.Type)
			}
		case *btf.Array:
			walk(u.Type)
		}
	}
	walk(t)
	sort.Strings(found)
	return strings.Join(slices.Compact(found), ", ")
}

// Names returns the names of the object's programs, sorted, without
// relocating anything.
func Names(path string) ([]string, error) {
	raw, err := btfctx.ReadFileLimit(path, MaxObjectSize)
	if err != nil {
		return nil, err
	}
	spec, _, err := parse(raw)
	if err != nil {
		return nil, err
	}
	return programNames(spec), nil
}

// parse voids the .ksyms VARs (see voidKsyms) and has cilium/ebpf parse
// the object.
func parse(raw []byte) (*ebpf.CollectionSpec, map[string]extern, error) {
	patched, externs, err := voidKsyms(raw)
	if err != nil {
		return nil, nil, err
	}
	spec, err := ebpf.LoadCollectionSpecFromReader(bytes.NewReader(patched))
	if err != nil {
		return nil, nil, fmt.Errorf("parse object: %w", err)
	}
	return spec, externs, nil
}

// programNames returns the names of spec's programs, sorted.
func programNames(spec *ebpf.CollectionSpec) []string {
	names := make([]string, 0, len(spec.Programs))
	for name := range spec.Programs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// MapDecl declares m at fd as BPF_MAP_CREATE would create it: its type,
// key and value sizes, max entries, flags, map_extra, and its name cut to
// the kernel's 15 bytes (BPF_OBJ_NAME_LEN - 1).
func MapDecl(fd int32, m *ebpf.MapSpec) btfctx.MapDecl {
	return btfctx.MapDecl{FD: fd, Map: MapOf(m)}
}

// AssociateMaps is libbpf's map relocation: every map load of insns (an
// ld_imm64 MAP_FD or MAP_VALUE) whose reference names a map of fds gets
// that map's fd, through asm.Instruction.AssociateMap, which also clears
// the reference. Other instructions are left as they are. It edits insns
// in place: clone the instructions of a spec first.
func AssociateMaps(insns asm.Instructions, fds map[string]int32) error {
	for i := range insns {
		ins := &insns[i]
		fd, ok := fds[ins.Reference()]
		if !ok || !ins.IsLoadFromMap() {
			continue
		}
		if err := ins.AssociateMap(fdOf(fd)); err != nil {
			return fmt.Errorf("instruction %d: %w", i, err)
		}
	}
	return nil
}

// fdOf implements asm.FDer for a simulated fd.
type fdOf int32

func (f fdOf) FD() int { return int(f) }

// relocate builds one program's slots.
func relocate(ps *ebpf.ProgramSpec, local *btf.Spec, fds map[string]int32, externs map[string]extern,
	p *verifier.Profile, kernel btfctx.Options, kc *kconfig, kcFD int32) (Program, error) {
	prog := Program{Name: ps.Name, Section: ps.SectionName, ExpectedAttachType: uint32(ps.AttachType), License: ps.License}
	prog.ProgType = verifier.ProgTypeOf(ps.Type)
	if prog.ProgType == verifier.ProgUnspec {
		// libbpf: bpf_object_load_prog refuses a program whose section
		// names no program type.
		return prog, fmt.Errorf("missing BPF prog type, check ELF section name '%s'", ps.SectionName)
	}
	insns := slices.Clone(ps.Instructions)
	if err := ApplyCORE(insns, local, kernel); err != nil {
		return prog, err
	}
	if err := AssociateMaps(insns, fds); err != nil {
		return prog, err
	}
	if kc != nil {
		if err := kc.relocate(insns, kcFD); err != nil {
			return prog, fmt.Errorf(".kconfig: %w", err)
		}
	}
	type pending struct {
		slot int
		ext  extern
		ins  asm.Instruction
	}
	var ks, calls []pending
	slot := 0
	for i := range insns {
		ins := &insns[i]
		ref := ins.Reference()
		switch {
		case ref == "":
		case fds[ref] != 0 && ins.IsLoadFromMap():
			if err := ins.AssociateMap(fdOf(fds[ref])); err != nil {
				return prog, err
			}
		case ins.IsKfuncCall():
			ext, ok := externs[ref]
			if !ok || !ext.fn {
				return prog, fmt.Errorf("kfunc call to %s, which is not a .ksyms function", ref)
			}
			calls = append(calls, pending{slot, ext, *ins})
			*ins = ins.WithReference("")
		default:
			if ext, ok := externs[ref]; ok && ins.OpCode.IsDWordLoad() {
				ks = append(ks, pending{slot, ext, *ins})
				*ins = ins.WithReference("")
				ins.Constant = 0
			}
		}
		slot += int(ins.Size() / asm.InstructionSize)
	}
	slots, err := insn.FromAsm(insns)
	if err != nil {
		return prog, err
	}
	for _, k := range ks {
		r, err := relocateKsym(slots[k.slot:k.slot+2], k.ext, local, p, kernel)
		if err != nil {
			return prog, err
		}
		r.Insn = k.slot
		prog.Ksyms = append(prog.Ksyms, r)
	}
	for _, c := range calls {
		r, err := relocateKfuncCall(&slots[c.slot], c.ext, local, p, kernel)
		if err != nil {
			return prog, err
		}
		r.Insn = c.slot
		prog.Ksyms = append(prog.Ksyms, r)
	}
	prog.Slots = slots
	prog.BTF, err = ProgBTF(insns, p)
	if err != nil {
		return prog, fmt.Errorf("func_info/line_info: %w", err)
	}
	return prog, nil
}

// ProgBTF is the program's BTF as cilium/ebpf's loader builds it
// (ebpf.NewProgram: btf.MarshalExtInfos into a fresh btf.Builder): the
// FUNC types of its functions and the strings of its line info, with the
// func_info and line_info records. The marshal options are the profile
// kernel's, not the running one's (btf.KernelMarshalOptions probes the
// host): the kinds the profile's kernel has (FeatBTFDeclTag, FeatBTFTypeTag,
// FeatBTFEnum64). nil when the program has neither.
func ProgBTF(insns asm.Instructions, p *verifier.Profile) (*btfctx.ProgBTF, error) {
	var b btf.Builder
	fib, lib, err := btf.MarshalExtInfos(insns, &b)
	if err != nil {
		return nil, err
	}
	if len(fib) == 0 && len(lib) == 0 {
		return nil, nil
	}
	raw, err := b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian, PreventNoTypeFound: true,
		ReplaceDeclTags: !p.Has(verifier.FeatBTFDeclTag), ReplaceTypeTags: !p.Has(verifier.FeatBTFTypeTag), ReplaceEnum64: !p.Has(verifier.FeatBTFEnum64)})
	if err != nil {
		return nil, err
	}
	pb := &btfctx.ProgBTF{Raw: raw}
	if pb.FuncInfo, err = btfctx.DecodeFuncInfo(fib); err != nil {
		return nil, err
	}
	if pb.LineInfo, err = btfctx.DecodeLineInfo(lib); err != nil {
		return nil, err
	}
	return pb, nil
}

// relocateKsym rewrites the ld_imm64 pair ld for ext (local is the
// object's BTF, for a FUNC's prototype).
func relocateKsym(ld []insn.Slot, ext extern, local *btf.Spec, p *verifier.Profile, kernel btfctx.Options) (Ksym, error) {
	k := Ksym{Name: ext.name, Typed: ext.typed, Func: ext.fn, Weak: ext.weak}
	var vm *btfctx.BTF
	if kernel.Vmlinux != nil {
		var err error
		if vm, err = kernel.Vmlinux(); err != nil {
			return k, err
		}
	}
	set := func(src uint8, off0, off1 int16, imm0, imm1 int32) {
		ld[0].Src, ld[0].Off, ld[0].Imm = src, off0, imm0
		ld[1].Off, ld[1].Imm = off1, imm1
	}
	// byAddress loads the kallsyms address (0 for a missing weak ksym);
	// strong is the profile's libbpf message for a missing strong one.
	byAddress := func(strong string) error {
		var a uint64
		if kernel.Kallsyms != nil {
			ks, err := kernel.Kallsyms()
			if err != nil {
				return err
			}
			a = ks.Lookup(ext.name)
		}
		if a == 0 && !ext.weak {
			return fmt.Errorf("%w: "+strong, ErrKsym, ext.name)
		}
		k.Addr = a
		set(0, 0, 0, int32(uint32(a)), int32(uint32(a>>32)))
		return nil
	}
	if p.Has(verifier.FeatRFCBTFIDInOffs) {
		// The seed's libbpf: bpf_object__collect_externs refuses typed
		// and function ksyms; bpf_object__resolve_ksyms_btf_id looks the
		// name up as a VAR; relocation writes the kallsyms address and,
		// for a VAR, src 3 and the id in the offs.
		if ext.fn {
			return k, fmt.Errorf("%w: extern function %s is unsupported under .ksyms section", ErrKsym, ext.name)
		}
		if ext.typed {
			return k, fmt.Errorf("%w: extern (ksym) '%s' is not typeless (void)", ErrKsym, ext.name)
		}
		if err := byAddress("extern %s (strong) not resolved: no kallsyms address"); err != nil {
			return k, err
		}
		if vm != nil {
			if id := vm.FindByName(ext.name, btfctx.KindVar); id > 0 {
				k.BTFID = id
				ld[0].Src, ld[0].Off, ld[1].Off = insn.PseudoBTFID, int16(id), int16(id>>16)
			}
		}
		return k, nil
	}
	// libbpf today: typed VARs and FUNCs by btf id, typeless by address.
	if ext.typed || ext.fn {
		var id uint32
		if ext.fn {
			var err error
			if id, err = resolveFunc(ext, local, vm); err != nil {
				return k, err
			}
		} else if vm != nil {
			id = vm.FindByName(ext.name, btfctx.KindVar)
		}
		if id == 0 {
			if !ext.weak && !ext.fn {
				return k, fmt.Errorf("%w: extern (var ksym) '%s': not found in kernel BTF", ErrKsym, ext.name)
			}
			set(0, 0, 0, 0, 0) // a missing weak ksym is 0
			return k, nil
		}
		k.BTFID = id
		set(insn.PseudoBTFID, 0, 0, int32(id), 0)
		return k, nil
	}
	err := byAddress("extern '%s' (strong): not resolved (no kallsyms address)")
	return k, err
}

// ApplyCORE relocates the CO-RE accesses of insns (local is the object's
// BTF, CollectionSpec.Types) against the vmlinux BTF of kernel, with
// btf.CORERelocate and COREFixup.Apply. Instructions without CO-RE
// relocations need no BTF. It edits insns in place.
func ApplyCORE(insns asm.Instructions, local *btf.Spec, kernel btfctx.Options) error {
	var relos []*btf.CORERelocation
	var idx []int
	for i := range insns {
		if r := btf.CORERelocationMetadata(&insns[i]); r != nil {
			relos = append(relos, r)
			idx = append(idx, i)
		}
	}
	if len(relos) == 0 {
		return nil
	}
	if kernel.Vmlinux == nil {
		return errors.New("CO-RE relocations need vmlinux BTF (--btf)")
	}
	vm, err := kernel.Vmlinux()
	if err != nil {
		return err
	}
	if vm == nil {
		return errors.New("CO-RE relocations need vmlinux BTF (--btf)")
	}
	fixups, err := btf.CORERelocate(relos, []*btf.Spec{vm.Spec()}, binary.LittleEndian, local.TypeID)
	if err != nil {
		return fmt.Errorf("CO-RE: %w", err)
	}
	for i, f := range fixups {
		if err := f.Apply(&insns[idx[i]]); err != nil {
			return fmt.Errorf("CO-RE: %w", err)
		}
	}
	return nil
}

// mapOrder returns the map names in declaration order: the symbols of the
// maps sections by section and offset, then the data sections in section
// order.
func mapOrder(raw []byte, spec *ebpf.CollectionSpec) ([]string, error) {
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	syms, _ := f.Symbols()
	type pos struct {
		sec  int
		off  uint64
		name string
	}
	var ps []pos
	seen := map[string]bool{}
	for _, s := range syms {
		if int(s.Section) >= len(f.Sections) || s.Section == elf.SHN_UNDEF {
			continue
		}
		sec := f.Sections[s.Section].Name
		if (sec == ".maps" || sec == "maps") && spec.Maps[s.Name] != nil && !seen[s.Name] {
			ps = append(ps, pos{int(s.Section), s.Value, s.Name})
			seen[s.Name] = true
		}
	}
	for i, sec := range f.Sections {
		if spec.Maps[sec.Name] != nil && !seen[sec.Name] {
			ps = append(ps, pos{i, 0, sec.Name})
			seen[sec.Name] = true
		}
	}
	// libbpf: the maps of .maps first (bpf_object__init_user_btf_maps),
	// then the global data sections (bpf_object__init_global_data_maps).
	isMapsSec := func(p pos) bool { n := f.Sections[p.sec].Name; return n == ".maps" || n == "maps" }
	sort.Slice(ps, func(i, j int) bool {
		if mi, mj := isMapsSec(ps[i]), isMapsSec(ps[j]); mi != mj {
			return mi
		}
		if ps[i].sec != ps[j].sec {
			return ps[i].sec < ps[j].sec
		}
		return ps[i].off < ps[j].off
	})
	var out []string
	for _, p := range ps {
		out = append(out, p.name)
	}
	var rest []string
	for name := range spec.Maps {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	sort.Strings(rest)
	return append(out, rest...), nil
}

// weakSymbols returns the names of the object's weak symbols.
func weakSymbols(f *elf.File) map[string]bool {
	out := map[string]bool{}
	syms, _ := f.Symbols()
	for _, s := range syms {
		if elf.ST_BIND(s.Info) == elf.STB_WEAK {
			out[s.Name] = true
		}
	}
	return out
}
