package object

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/btfctx"
)

// kconfig is the object's .kconfig externs: the map the loader creates for
// them and where each extern's loads are.
//
// cilium/ebpf (elf_reader.go, loadKconfigSection) makes .kconfig an array
// of one value the size of the .kconfig DATASEC, read-only to programs,
// and points each load at its variable's DATASEC offset; it fills the
// value and creates the map when the program is loaded, keeping the link
// in instruction metadata this package cannot read. So the loads are found
// again from the ELF relocations, by function symbol and offset.
type kconfig struct {
	spec *ebpf.MapSpec
	// offs maps (section, byte offset of the ld_imm64) to the variable's
	// offset in the map value.
	offs map[secOff]uint32
	// funcs maps a function symbol to its section and offset.
	funcs map[string]secOff
	// nvars is the number of .kconfig externs.
	nvars int
}

type secOff struct {
	sec string
	off uint64
}

// loadKconfig finds the .kconfig DATASEC and the loads of its variables;
// nil when the object has none.
func loadKconfig(raw []byte, spec *ebpf.CollectionSpec) (*kconfig, error) {
	if spec.Types == nil {
		return nil, nil
	}
	var ds *btf.Datasec
	if err := spec.Types.TypeByName(".kconfig", &ds); errors.Is(err, btf.ErrNotFound) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	vars := map[string]uint32{}
	for _, v := range ds.Vars {
		vars[v.Type.(*btf.Var).Name] = v.Offset
	}
	f, err := elf.NewFile(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	syms, err := f.Symbols()
	if err != nil {
		return nil, err
	}
	k := &kconfig{
		spec: &ebpf.MapSpec{Name: ".kconfig", Type: ebpf.Array, KeySize: 4, ValueSize: ds.Size, MaxEntries: 1,
			Flags: btfctx.MapFlagRdonlyProg},
		offs:  map[secOff]uint32{},
		funcs: map[string]secOff{},
		nvars: len(ds.Vars),
	}
	for _, s := range syms {
		if elf.ST_TYPE(s.Info) == elf.STT_FUNC && int(s.Section) < len(f.Sections) {
			k.funcs[s.Name] = secOff{f.Sections[s.Section].Name, s.Value}
		}
	}
	for _, sec := range f.Sections {
		if sec.Type != elf.SHT_REL || int(sec.Info) >= len(f.Sections) {
			continue
		}
		target := f.Sections[sec.Info].Name
		data, err := sec.Data()
		if err != nil {
			return nil, err
		}
		const relSize = 16 // Elf64_Rel
		for i := 0; i+relSize <= len(data); i += relSize {
			off := f.ByteOrder.Uint64(data[i:])
			symIdx := int(elf.R_SYM64(f.ByteOrder.Uint64(data[i+8:])))
			if symIdx == 0 || symIdx > len(syms) {
				continue
			}
			if voff, ok := vars[syms[symIdx-1].Name]; ok {
				k.offs[secOff{target, off}] = voff
			}
		}
	}
	return k, nil
}

// relocate points the program's .kconfig loads at the map at fd: the
// loads cilium/ebpf left as map value loads with neither a map nor a
// reference.
func (k *kconfig) relocate(insns asm.Instructions, fd int32) error {
	var fn secOff
	var inFunc uint64 // bytes since the function's start
	for i := range insns {
		ins := &insns[i]
		if sym := ins.Symbol(); sym != "" {
			fn, inFunc = k.funcs[sym], 0
		}
		if ins.IsLoadFromMap() && ins.Reference() == "" && ins.Map() == nil {
			voff, ok := k.offs[secOff{fn.sec, fn.off + inFunc}]
			if !ok {
				return fmt.Errorf("a map load at byte %d of %s names no map and no .kconfig variable", inFunc, fn.sec)
			}
			if err := ins.RewriteMapOffset(voff); err != nil {
				return err
			}
			if err := ins.AssociateMap(fdOf(fd)); err != nil {
				return err
			}
		}
		inFunc += ins.Size()
	}
	return nil
}
