package btfctx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/cilium/ebpf/btf"
)

// Kind is a BTF_KIND_* value (include/uapi/linux/btf.h).
type Kind uint8

// BTF kinds.
const (
	KindUnknown Kind = iota
	KindInt
	KindPtr
	KindArray
	KindStruct
	KindUnion
	KindEnum
	KindFwd
	KindTypedef
	KindVolatile
	KindConst
	KindRestrict
	KindFunc
	KindFuncProto
	KindVar
	KindDatasec
	KindFloat
	KindDeclTag
	KindTypeTag
	KindEnum64
)

var kindNames = [...]string{"UNKN", "INT", "PTR", "ARRAY", "STRUCT", "UNION", "ENUM", "FWD", "TYPEDEF",
	"VOLATILE", "CONST", "RESTRICT", "FUNC", "FUNC_PROTO", "VAR", "DATASEC", "FLOAT", "DECL_TAG", "TYPE_TAG", "ENUM64"}

// String returns the kernel's name without the BTF_KIND_ prefix, e.g. "VAR".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// BTF is one BTF object: vmlinux, or a blob loaded by BPF_BTF_LOAD that a
// program names by fd. Type ids are the object's own raw ids.
type BTF struct {
	name string
	spec *btf.Spec
	n    uint32 // ids 0..n-1 exist (0 is void)

	percpuOnce sync.Once
	percpu     map[uint32]bool
}

// ErrCorrupt wraps every failure to parse BTF or kallsyms input.
var ErrCorrupt = errors.New("corrupt input")

// LoadBTF parses a raw BTF blob (the format of /sys/kernel/btf/vmlinux)
// from r. name identifies it in messages.
func LoadBTF(name string, r io.ReaderAt) (*BTF, error) {
	spec, err := btf.LoadSpecFromReader(r)
	if err != nil {
		return nil, fmt.Errorf("btf %s: %w: %v", name, ErrCorrupt, err)
	}
	b := &BTF{name: name, spec: spec}
	// Ids are dense: find the first missing one by binary search.
	lo, hi := uint32(1), uint32(1)
	for b.has(hi) {
		lo, hi = hi, hi*2
	}
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		if b.has(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	b.n = hi
	if !b.has(1) {
		b.n = 1
	}
	return b, nil
}

// LoadBTFFile reads a raw BTF blob of at most MaxBTFSize bytes from path
// (a file, FIFO or device).
func LoadBTFFile(path string) (*BTF, error) { return loadBTFFile(path, MaxBTFSize) }

// LoadUserBTFFile reads a BTF blob that stands for an object BPF_BTF_LOAD
// made: at most MaxLoadBTFSize bytes, the kernel's BTF_MAX_SIZE.
func LoadUserBTFFile(path string) (*BTF, error) { return loadBTFFile(path, MaxLoadBTFSize) }

func loadBTFFile(path string, limit int64) (*BTF, error) {
	b, err := readBTF(path, limit)
	if err != nil {
		return nil, err
	}
	return LoadBTF(path, bytes.NewReader(b))
}

func (b *BTF) has(id uint32) bool {
	_, err := b.spec.TypeByID(btf.TypeID(id))
	return err == nil
}

// Name is the name the object was loaded under.
func (b *BTF) Name() string { return b.name }

// NumTypes is the number of type ids including void: btf_type_by_id
// returns NULL for every id >= NumTypes.
func (b *BTF) NumTypes() uint32 { return b.n }

// Type returns the type with the given id, or false where the kernel's
// btf_type_by_id returns NULL.
func (b *BTF) Type(id uint32) (btf.Type, bool) {
	if id >= b.n {
		return nil, false
	}
	t, err := b.spec.TypeByID(btf.TypeID(id))
	return t, err == nil
}

// ID returns the raw id of t, which must come from this object.
func (b *BTF) ID(t btf.Type) uint32 {
	id, err := b.spec.TypeID(t)
	if err != nil {
		return 0
	}
	return uint32(id)
}

// KindOf returns the BTF_KIND of t.
func KindOf(t btf.Type) Kind {
	switch t := t.(type) {
	case *btf.Void:
		return KindUnknown
	case *btf.Int:
		return KindInt
	case *btf.Pointer:
		return KindPtr
	case *btf.Array:
		return KindArray
	case *btf.Struct:
		return KindStruct
	case *btf.Union:
		return KindUnion
	case *btf.Enum:
		if t.Size == 8 {
			return KindEnum64
		}
		return KindEnum
	case *btf.Fwd:
		return KindFwd
	case *btf.Typedef:
		return KindTypedef
	case *btf.Volatile:
		return KindVolatile
	case *btf.Const:
		return KindConst
	case *btf.Restrict:
		return KindRestrict
	case *btf.Func:
		return KindFunc
	case *btf.FuncProto:
		return KindFuncProto
	case *btf.Var:
		return KindVar
	case *btf.Datasec:
		return KindDatasec
	case *btf.Float:
		return KindFloat
	case *btf.TypeTag:
		return KindTypeTag
	}
	return KindDeclTag // the only kind cilium/ebpf keeps unexported
}

// SizeType returns the raw size_type field of t: the referenced type id for
// kinds that refer to a type (PTR, TYPEDEF, modifiers, FUNC, FUNC_PROTO's
// return type, VAR, tags) and the byte size for sized kinds (INT, STRUCT,
// UNION, ENUM, DATASEC, FLOAT). ARRAY and FWD keep 0 there. The RFC reads
// this union blindly as "t->type".
func (b *BTF) SizeType(t btf.Type) uint32 {
	switch t := t.(type) {
	case *btf.Int:
		return t.Size
	case *btf.Struct:
		return t.Size
	case *btf.Union:
		return t.Size
	case *btf.Enum:
		return t.Size
	case *btf.Datasec:
		return t.Size
	case *btf.Float:
		return t.Size
	case *btf.Pointer:
		return b.ID(t.Target)
	case *btf.Typedef:
		return b.ID(t.Type)
	case *btf.Volatile:
		return b.ID(t.Type)
	case *btf.Const:
		return b.ID(t.Type)
	case *btf.Restrict:
		return b.ID(t.Type)
	case *btf.Func:
		return b.ID(t.Type)
	case *btf.FuncProto:
		return b.ID(t.Return)
	case *btf.Var:
		return b.ID(t.Type)
	case *btf.TypeTag:
		return b.ID(t.Type)
	}
	// DECL_TAG refers to a type too, but cilium/ebpf keeps that kind
	// unexported; its size_type reads as 0 here (a divergence only the RFC's
	// blind read of a DECL_TAG id can observe).
	return 0
}

// SkipModifiers follows typedefs and modifiers (btf_type_skip_modifiers).
func SkipModifiers(t btf.Type) btf.Type { return skipModifiers(t, true) }

// SkipQualifiers is SkipModifiers that stops at a typedef (the kernel's
// "while (btf_type_is_modifier(t) && !btf_type_is_typedef(t))").
func SkipQualifiers(t btf.Type) btf.Type { return skipModifiers(t, false) }

func skipModifiers(t btf.Type, typedefs bool) btf.Type {
	for {
		switch u := t.(type) {
		case *btf.Typedef:
			if !typedefs {
				return t
			}
			t = u.Type
		case *btf.Volatile:
			t = u.Type
		case *btf.Const:
			t = u.Type
		case *btf.Restrict:
			t = u.Type
		case *btf.TypeTag:
			t = u.Type
		default:
			return t
		}
	}
}

// IsPercpuVar reports whether the VAR with id is listed in the object's
// first ".data..percpu" DATASEC, as find_btf_percpu_datasec and
// __check_pseudo_btf_id (kernel/bpf/verifier.c, v6.18) decide it.
func (b *BTF) IsPercpuVar(id uint32) bool {
	b.percpuOnce.Do(func() {
		b.percpu = map[uint32]bool{}
		for i := uint32(1); i < b.n; i++ {
			t, _ := b.Type(i)
			ds, ok := t.(*btf.Datasec)
			if !ok || ds.Name != ".data..percpu" {
				continue
			}
			for _, v := range ds.Vars {
				b.percpu[b.ID(v.Type)] = true
			}
			return
		}
	})
	return b.percpu[id]
}

// ResolveSize is btf_resolve_size for a type whose modifiers were already
// skipped: the size of sized kinds, arrays multiplied out. It fails with the
// kernel's -EINVAL for kinds without a size.
func ResolveSize(t btf.Type) (uint32, error) {
	switch KindOf(t) {
	case KindInt, KindPtr, KindArray, KindStruct, KindUnion, KindEnum, KindEnum64, KindFloat,
		KindTypedef, KindVolatile, KindConst, KindRestrict, KindTypeTag:
		n, err := btf.Sizeof(t)
		if err != nil {
			return 0, err
		}
		return uint32(n), nil
	}
	return 0, errors.New("type has no size")
}

// Spec returns the parsed BTF (for CO-RE relocation against it).
func (b *BTF) Spec() *btf.Spec { return b.spec }

// FindByName returns the id of the first type of kind k named name, the
// way libbpf's btf__find_by_name_kind searches, or 0.
func (b *BTF) FindByName(name string, k Kind) uint32 {
	types, err := b.spec.AnyTypesByName(name)
	if err != nil {
		return 0
	}
	best := uint32(0)
	for _, t := range types {
		if KindOf(t) != k {
			continue
		}
		if id := b.ID(t); best == 0 || id < best {
			best = id
		}
	}
	return best
}
