package object

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// BTF kinds used here (include/uapi/linux/btf.h).
const (
	kindTypedef  = 8
	kindVolatile = 9
	kindConst    = 10
	kindRestrict = 11
	kindFunc     = 12
	kindVar      = 14
	kindDatasec  = 15
	kindTypeTag  = 18
)

// rawType is one btf_type of the object's .BTF section.
type rawType struct {
	at       int // offset of the btf_type in the section
	kind     uint32
	vlen     uint32
	name     string
	sizeType uint32
	secVars  []uint32 // DATASEC entries' type ids
}

// voidKsyms returns a copy of the ELF in which every VAR of the .ksyms
// DATASEC has type void, and what each .ksyms extern was. cilium/ebpf then
// takes the typed ones as typeless ksyms; the loader relocates them itself.
func voidKsyms(raw []byte) ([]byte, map[string]extern, error) {
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("parse ELF: %w", err)
	}
	sec := f.Section(".BTF")
	if sec == nil {
		return raw, map[string]extern{}, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, nil, fmt.Errorf("read .BTF: %w", err)
	}
	types, err := parseRawBTF(data)
	if err != nil {
		return nil, nil, fmt.Errorf(".BTF: %w", err)
	}
	weak := weakSymbols(f)
	externs := map[string]extern{}
	out := append([]byte(nil), raw...)
	for _, t := range types {
		if t == nil || t.kind != kindDatasec || t.name != ".ksyms" {
			continue
		}
		for _, id := range t.secVars {
			if int(id) >= len(types) || types[id] == nil {
				continue
			}
			v := types[id]
			ext := extern{name: v.name, weak: weak[v.name]}
			switch v.kind {
			case kindFunc:
				ext.fn = true
			case kindVar:
				ext.typed = !isVoid(types, v.sizeType)
				binary.LittleEndian.PutUint32(out[int(sec.Offset)+v.at+8:], 0)
			default:
				continue
			}
			externs[v.name] = ext
		}
	}
	return out, externs, nil
}

// isVoid follows modifiers and typedefs from id and reports void.
func isVoid(types []*rawType, id uint32) bool {
	for i := 0; i < 64; i++ {
		if id == 0 {
			return true
		}
		if int(id) >= len(types) || types[id] == nil {
			return false
		}
		switch t := types[id]; t.kind {
		case kindTypedef, kindVolatile, kindConst, kindRestrict, kindTypeTag:
			id = t.sizeType
		default:
			return false
		}
	}
	return false
}

// parseRawBTF walks the type section of a .BTF blob (little-endian):
// types[id] for id >= 1.
func parseRawBTF(b []byte) ([]*rawType, error) {
	if len(b) < 24 || binary.LittleEndian.Uint16(b) != 0xeb9f {
		return nil, fmt.Errorf("not little-endian BTF")
	}
	le := binary.LittleEndian
	hdrLen := le.Uint32(b[4:])
	typeOff, typeLen := le.Uint32(b[8:]), le.Uint32(b[12:])
	strOff, strLen := le.Uint32(b[16:]), le.Uint32(b[20:])
	if uint64(hdrLen)+uint64(typeOff)+uint64(typeLen) > uint64(len(b)) || uint64(hdrLen)+uint64(strOff)+uint64(strLen) > uint64(len(b)) {
		return nil, fmt.Errorf("sections out of bounds")
	}
	strs := b[hdrLen+strOff : hdrLen+strOff+strLen]
	name := func(off uint32) string {
		if off >= uint32(len(strs)) {
			return ""
		}
		s := strs[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	start := int(hdrLen + typeOff)
	end := start + int(typeLen)
	types := []*rawType{nil}
	for at := start; at < end; {
		if at+12 > end {
			return nil, fmt.Errorf("truncated type at %d", at)
		}
		info := le.Uint32(b[at+4:])
		t := &rawType{at: at, kind: info >> 24 & 0x1f, vlen: info & 0xffff, name: name(le.Uint32(b[at:])), sizeType: le.Uint32(b[at+8:])}
		n := 12
		switch t.kind {
		case 1, 17: // INT, DECL_TAG
			n += 4
		case 3: // ARRAY
			n += 12
		case 4, 5, 19: // STRUCT, UNION, ENUM64
			n += 12 * int(t.vlen)
		case 6, 13: // ENUM, FUNC_PROTO
			n += 8 * int(t.vlen)
		case kindVar:
			n += 4
		case kindDatasec:
			for i := 0; i < int(t.vlen); i++ {
				if p := at + 12 + 12*i; p+4 <= end {
					t.secVars = append(t.secVars, le.Uint32(b[p:]))
				}
			}
			n += 12 * int(t.vlen)
		}
		types = append(types, t)
		at += n
	}
	return types, nil
}

// poisonKfuncCallBase is libbpf's POISON_CALL_KFUNC_BASE (libbpf.c,
// v6.12): poison_kfunc_call turns a call to an unresolved weak kfunc into
// a helper call to this number plus the extern's index, which the
// verifier refuses ("invalid func unknown#2002000000") only if the call is
// reachable.
const poisonKfuncCallBase = 2002000000

// vmlinuxOf returns the kernel's BTF, or nil when opts has none.
func vmlinuxOf(kernel btfctx.Options) (*btfctx.BTF, error) {
	if kernel.Vmlinux == nil {
		return nil, nil
	}
	return kernel.Vmlinux()
}

// resolveFunc is libbpf's bpf_object__resolve_ksym_func_btf_id against
// vmlinux BTF alone (module BTFs are not searched): the id of the FUNC
// named ext.name, if its prototype is compatible with the object's
// declaration (bpf_core_types_are_compat; cilium/ebpf's
// btf.CheckTypeCompatibility). A weak extern that is missing or
// incompatible resolves to 0; a strong one is an ErrKsym with libbpf's
// message.
func resolveFunc(ext extern, local *btf.Spec, vm *btfctx.BTF) (uint32, error) {
	var id uint32
	if vm != nil {
		id = vm.FindByName(ext.name, btfctx.KindFunc)
	}
	if id == 0 {
		if ext.weak {
			return 0, nil
		}
		return 0, fmt.Errorf("%w: extern (func ksym) '%s': not found in kernel or module BTFs", ErrKsym, ext.name)
	}
	kt, err := vm.Spec().TypeByID(btf.TypeID(id))
	if err != nil {
		return 0, err
	}
	kfn, ok := kt.(*btf.Func)
	if !ok {
		return 0, fmt.Errorf("vmlinux BTF type %d is a %T, not a FUNC", id, kt)
	}
	var lfn *btf.Func
	if local != nil {
		if err := local.TypeByName(ext.name, &lfn); err != nil && !errors.Is(err, btf.ErrNotFound) {
			return 0, err
		}
	}
	if lfn == nil {
		return 0, fmt.Errorf("extern %s: no FUNC of that name in the object's BTF", ext.name)
	}
	if err := btf.CheckTypeCompatibility(lfn.Type, kfn.Type); err != nil {
		if ext.weak {
			return 0, nil
		}
		lid, _ := local.TypeID(lfn.Type)
		return 0, fmt.Errorf("%w: extern (func ksym) '%s': func_proto [%d] incompatible with vmlinux [%d]", ErrKsym, ext.name, lid, vm.ID(kfn.Type))
	}
	return id, nil
}

// relocateKfuncCall writes the callee of a kfunc call (src_reg
// BPF_PSEUDO_KFUNC_CALL), as libbpf's bpf_object__relocate_data does for
// RELO_EXTERN_CALL (v6.12): imm is the FUNC's vmlinux BTF id and off 0 (no
// module BTF, so no fd_array index); an unresolved weak kfunc's call is
// poisoned (poison_kfunc_call). The rfc profile's libbpf (5.9) has no
// kfunc calls (v5.13) and refuses function externs.
func relocateKfuncCall(call *insn.Slot, ext extern, local *btf.Spec, p *verifier.Profile, kernel btfctx.Options) (Ksym, error) {
	k := Ksym{Name: ext.name, Func: true, Call: true, Weak: ext.weak}
	if p.Has(verifier.FeatRFCBTFIDInOffs) {
		return k, fmt.Errorf("%w: extern function %s is unsupported under .ksyms section", ErrKsym, ext.name)
	}
	vm, err := vmlinuxOf(kernel)
	if err != nil {
		return k, err
	}
	id, err := resolveFunc(ext, local, vm)
	if err != nil {
		return k, err
	}
	if id == 0 {
		*call = insn.Slot{Code: 0x85, Imm: poisonKfuncCallBase + int32(ext.idx)}
		return k, nil
	}
	k.BTFID = id
	call.Src, call.Imm, call.Off = insn.PseudoKfuncCall, int32(id), 0
	return k, nil
}
