package helpers

import (
	"sort"
	"strings"
)

//go:generate go run ./internal/protogen

// Kernel is the kernel release the table describes, and Source the
// kernel source it was generated from (6.18's changes applied as data).
const (
	Kernel = kernelRelease
	Source = sourceRelease
)

// MaxID is __BPF_FUNC_MAX_ID: helper ids are 0..MaxID-1. A call with an
// id outside that range is get_helper_proto's -ERANGE, which
// check_helper_call reports as "invalid func %s#%d".
const MaxID = maxID

// Helper is one helper id of enum bpf_func_id.
type Helper struct {
	ID int32
	// Name is func_id_name's spelling (kernel/bpf/disasm.c): "bpf_" and
	// the name in ___BPF_FUNC_MAPPER, e.g. "bpf_map_lookup_elem"; id 0
	// is "bpf_unspec".
	Name string
}

// ByID returns the helper with id, and false when id is outside
// 0..MaxID-1 (func_id_name then answers "unknown").
func ByID(id int32) (Helper, bool) {
	if id < 0 || id >= maxID {
		return Helper{}, false
	}
	return Helper{ID: id, Name: "bpf_" + helperNames[id]}, true
}

// ByName returns the helper named name ("bpf_map_lookup_elem" or
// "map_lookup_elem"), and false when there is none.
func ByName(name string) (Helper, bool) {
	name = strings.TrimPrefix(name, "bpf_")
	for id, n := range helperNames {
		if n == name {
			return Helper{ID: int32(id), Name: "bpf_" + n}, true
		}
	}
	return Helper{}, false
}

// Proto is a struct bpf_func_proto (include/linux/bpf.h) as 6.18 defines
// it. The zero value is no prototype.
type Proto struct {
	// Name is the C object, e.g. "bpf_map_lookup_elem_proto", and File
	// the source file that defines it, e.g. "kernel/bpf/helpers.c".
	Name string
	File string
	// The bool fields of the struct. check_helper_call refuses a GPLOnly
	// helper to a program whose license is not GPL compatible ("cannot
	// call GPL-restricted function from non-GPL compatible program"), and
	// a MightSleep helper to a program that is not sleepable ("helper
	// call might sleep in a non-sleepable prog").
	GPLOnly       bool
	PktAccess     bool
	MightSleep    bool
	AllowFastcall bool
	// Ret is ret_type, and RetBTF the type ret_btf_id names (a struct
	// name, e.g. "tcp_sock"; PtrPoison; "" when there is none).
	Ret    RetType
	RetBTF string
	// Args are arg1_type..arg5_type; ARG_DONTCARE ends the list.
	Args [5]ArgType
	// ArgBTF are the types arg1_btf_id..arg5_btf_id name (struct names,
	// or PtrPoison), and ArgSize arg1_size..arg5_size (the same union in
	// the kernel: a size goes with MEM_FIXED_SIZE, a BTF id with the
	// other pointer types).
	ArgBTF  [5]string
	ArgSize [5]uint32
	// Allowed is the name of the allowed callback ("" when none):
	// check_helper_call refuses the call when it returns false ("helper
	// call is not allowed in probe").
	Allowed string
}

// PtrPoison stands for BPF_PTR_POISON as a BTF id: the type comes from
// the program (the map value's kptr, the spin lock's map), not the proto.
const PtrPoison = "BPF_PTR_POISON"

// NumArgs is the number of arguments: the arguments before the first
// ARG_DONTCARE (get_call_summary's num_params in kernel/bpf/verifier.c).
func (p *Proto) NumArgs() int {
	for i, a := range p.Args {
		if a == ArgDontcare {
			return i
		}
	}
	return len(p.Args)
}

// Entry is one program type x helper id of the table.
type Entry struct {
	// Proto is what get_func_proto returns, nil when it returns NULL
	// (or a prototype without .func): check_helper_call then reports
	// "program of this type cannot use helper %s#%d".
	Proto *Proto
	// Assumes lists what the answer rests on: the CONFIG_ options of the
	// code and definitions on its path ("CONFIG_INET=y"), the load
	// ("capable(CAP_BPF)", "expected_attach_type=0", "not sleepable"),
	// the lockdown state, and the 6.18 commit that changed the answer
	// ("6.18: ..."), sorted.
	Assumes []string
	// Notes explain an answer a configuration option decided: a case of
	// this helper that a false #if drops on the way.
	Notes []string
}

// For returns the prototype get_func_proto(id, prog) returns for a
// program of type progType (enum bpf_prog_type) loaded as verisim models
// the load, as get_helper_proto (kernel/bpf/verifier.c) sees it. ok is
// false when the kernel finds none ("program of this type cannot use
// helper"), and also when progType is not in the table (see ProgTypes) or
// id is outside 0..MaxID-1 ("invalid func").
func For(progType uint32, id int32) (p *Proto, ok bool) {
	e, ok := Lookup(progType, id)
	if !ok || e.Proto == nil {
		return nil, false
	}
	return e.Proto, true
}

// Lookup returns the table's entry for a program type and helper id, and
// false when the type is not in the table or id is outside 0..MaxID-1.
func Lookup(progType uint32, id int32) (Entry, bool) {
	if id < 0 || id >= maxID {
		return Entry{}, false
	}
	i := sort.Search(len(table), func(i int) bool { return table[i].progType >= progType })
	if i == len(table) || table[i].progType != progType {
		return Entry{}, false
	}
	row := &table[i]
	e := Entry{Assumes: assumeSets[row.assumes[id]], Notes: noteSets[row.notes[id]]}
	if n := row.protos[id]; n != 0 {
		e.Proto = &protos[n-1]
	}
	return e, true
}

// ProgTypes returns the program types in the table (enum bpf_prog_type
// numbers, ascending): those verisim models.
func ProgTypes() []uint32 {
	out := make([]uint32, len(table))
	for i := range table {
		out[i] = table[i].progType
	}
	return out
}

// Covers reports whether progType is in the table: For's false is then
// the kernel's "cannot use helper".
func Covers(progType uint32) bool {
	i := sort.Search(len(table), func(i int) bool { return table[i].progType >= progType })
	return i < len(table) && table[i].progType == progType
}

// Protos returns every prototype some entry of the table returns, sorted
// by name.
func Protos() []*Proto {
	out := make([]*Proto, len(protos))
	for i := range protos {
		out[i] = &protos[i]
	}
	return out
}

// Config returns the kernel configuration the table assumes: every
// CONFIG_ option some entry rests on, as "CONFIG_X=y" (or =m, =n),
// sorted. They are the live 6.18 kernel's values (/proc/config.gz).
func Config() []string { return append([]string(nil), configAssumed...) }
