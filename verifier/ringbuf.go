package verifier

import (
	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/kernel/helpers"
	"github.com/verisim/verisim/regstate"
)

// The ring buffer helpers (kernel/bpf/ringbuf.c) and the references
// bpf_ringbuf_reserve acquires: check_helper_call (v6.18) with
// check_func_arg's ARG_CONST_MAP_PTR, ARG_CONST_ALLOC_SIZE_OR_ZERO and
// ARG_PTR_TO_RINGBUF_MEM | OBJ_RELEASE, acquire_reference and
// release_reference, and check_map_func_compatibility.
const (
	helperRingbufOutput  = 130
	helperRingbufReserve = 131
	helperRingbufSubmit  = 132
	helperRingbufDiscard = 133
	helperRingbufQuery   = 134
)

func isRingbufHelper(id int32) bool { return id >= helperRingbufOutput && id <= helperRingbufQuery }

// argTypeModeled reports a register whose reg_type_str verisim prints as
// the kernel does in check_reg_type's refusal.
func argTypeModeled(r regstate.Reg) bool {
	switch r.Type {
	case regstate.Scalar, regstate.PtrToCtx, regstate.ConstPtrToMap, regstate.PtrToStack,
		regstate.PtrToPacket, regstate.PtrToPacketMeta, regstate.PtrToPacketEnd:
		return r.Flags == 0
	case regstate.PtrToMapValue:
		return r.Flags&^regstate.PtrMaybeNull == 0
	case regstate.PtrToMem:
		return r.Flags&^regstate.PtrMaybeNull == regstate.MemRingbuf
	}
	return false
}

// callMeta is what check_func_arg leaves in struct bpf_call_arg_meta
// for the helpers with code of their own: the map, the size to allocate,
// and the reference to release.
type callMeta struct {
	m       *regstate.MapRef
	memSize uint32
	release uint32
	memMeta memMeta
}

// specialArgs models check_func_arg (v6.18) over the arguments of the
// ring buffer, tail call and local storage helpers: ARG_ANYTHING,
// ARG_CONST_MAP_PTR, ARG_CONST_ALLOC_SIZE_OR_ZERO (a constant, made
// precise), ARG_PTR_TO_RINGBUF_MEM with OBJ_RELEASE (check_reg_type, then
// check_func_arg_reg_off's release rule), and the context and memory
// arguments checkMemArg models.
func (e *env) specialArgs(name string, id int32, fn *helpers.Proto) (callMeta, error) {
	var args callMeta
	for i := 0; i < fn.NumArgs(); i++ {
		regno := uint8(1 + i)
		if err := e.checkRegArg(regno, srcOp); err != nil {
			return args, err
		}
		reg := e.cur.regs[regno]
		switch a := fn.Args[i]; a.Base() {
		case helpers.ArgAnything:
		case helpers.ArgConstMapPtr:
			m, err := e.mapPtrArg(name, id, regno)
			if err != nil {
				return args, err
			}
			args.m = m
		case helpers.ArgConstAllocSizeOrZero:
			if !argTypeModeled(reg) {
				return args, e.unsupported("%s#%d with %s in R%d is not modeled", name, id, reg.TypeString(), regno)
			}
			e.fn = "check_reg_type"
			if reg.Type != regstate.Scalar {
				return args, e.reject(EACCES, msgArgType, regno, reg.TypeString(), "scalar")
			}
			e.fn = "check_func_arg"
			if !reg.IsConst() {
				return args, e.reject(EACCES, msgNotConstSize, regno)
			}
			args.memSize = uint32(reg.Value) // meta->mem_size, an int
			if err := e.markChainPrecision(int(regno)); err != nil {
				return args, err
			}
		case helpers.ArgPtrToRingbufMem:
			if !argTypeModeled(reg) {
				return args, e.unsupported("%s#%d with %s in R%d is not modeled", name, id, reg.TypeString(), regno)
			}
			e.fn = "check_reg_type"
			if reg.Type != regstate.PtrToMem || reg.Flags != regstate.MemRingbuf {
				return args, e.reject(EACCES, msgArgType, regno, reg.TypeString(), "ringbuf_mem")
			}
			e.fn = "check_func_arg_reg_off"
			if reg.Off != 0 {
				return args, e.reject(EINVAL, msgReleaseOff, regno)
			}
			if vo := reg.ScalarValue().VarOff; !vo.IsConst() || vo.Value != 0 {
				return args, e.reject(EACCES, msgVariablePtr, reg.TypeString(), vo.String())
			}
			if reg.RefObjID == 0 {
				return args, e.unsupported("%s#%d with a ringbuf_mem that holds no reference is not modeled", name, id)
			}
			args.release = reg.RefObjID
		case helpers.ArgPtrToMem, helpers.ArgConstSizeOrZero, helpers.ArgPtrToCtx:
			if err := e.checkMemArg(name, id, fn, i, &args.memMeta); err != nil {
				return args, err
			}
		default:
			return args, e.unsupported("%s#%d takes %s as argument %d: not modeled", name, id, a, i+1)
		}
	}
	return args, nil
}

func (e *env) checkRingbufCall(idx int, name string, id int32, fn *helpers.Proto) error {
	args, err := e.specialArgs(name, id, fn)
	if err != nil {
		return err
	}
	m, memSize, release := args.m, args.memSize, args.release
	if release != 0 {
		// release_reference: the reference leaves the state and every
		// register and spilled register holding it becomes an unknown
		// scalar (mark_reg_invalid with allow_ptr_leaks).
		if !e.cur.releaseRef(release) {
			return e.unsupported("%s#%d releases reference %d, which the state does not hold", name, id, release)
		}
		e.invalidateRef(release)
	}
	e.resetCallerSaved()
	switch id {
	case helperRingbufReserve:
		// RET_PTR_TO_MEM with MEM_RINGBUF | PTR_MAYBE_NULL: an id for
		// the NULL check, then acquire_reference's id for both.
		e.idGen++
		e.idGen++
		ref := e.idGen
		e.cur.regs[0] = regstate.Reg{Type: regstate.PtrToMem, Flags: regstate.MemRingbuf | regstate.PtrMaybeNull,
			Known: true, MemSize: memSize, ID: ref, RefObjID: ref, Written: e.cur.regs[0].Written}
		e.cur.refs = append(e.cur.refs, refState{id: ref, insn: idx})
	case helperRingbufOutput, helperRingbufQuery:
		e.markUnknown(0)
	}
	// check_map_func_compatibility, after the return value is set.
	if m != nil && m.Type != uint32(btfctx.MapRingbuf) {
		e.fn = "check_map_func_compatibility"
		return e.reject(EINVAL, msgMapFuncCompat, m.Type, name, id)
	}
	return nil
}

// mapPtrArg is check_func_arg for ARG_CONST_MAP_PTR: check_reg_type's
// map_ptr_types, and the map it names.
func (e *env) mapPtrArg(name string, id int32, regno uint8) (*regstate.MapRef, error) {
	reg := e.cur.regs[regno]
	if !argTypeModeled(reg) {
		return nil, e.unsupported("%s#%d with %s in R%d is not modeled", name, id, reg.TypeString(), regno)
	}
	e.fn = "check_reg_type"
	if reg.Type != regstate.ConstPtrToMap || reg.Map == nil {
		return nil, e.reject(EACCES, msgArgType, regno, reg.TypeString(), "map_ptr")
	}
	return reg.Map, nil
}

// referenceLeak is check_resource_leak's reference check
// (check_reference_leak): every reference held is printed, then the
// leak, named by prefix.
func (e *env) referenceLeak(prefix string) error {
	if len(e.cur.refs) == 0 {
		return nil
	}
	e.fn = "check_reference_leak"
	for _, r := range e.cur.refs {
		e.log.printf(msgUnreleasedRef+"\n", r.id, r.insn)
	}
	return e.reject(EINVAL, msgRefLeak, prefix)
}

// invalidateRef marks every register and spilled register of the current
// state holding reference id an unknown scalar.
func (e *env) invalidateRef(id uint32) {
	st := e.cur
	for i := range st.regs {
		if st.regs[i].RefObjID == id {
			w := st.regs[i].Written
			st.regs[i] = regstate.Reg{Type: regstate.Scalar, Written: w}
		}
	}
	for i := range st.stack {
		if sl := &st.stack[i]; sl.IsSpilled() && sl.Spilled.RefObjID == id {
			sl.Spilled = regstate.Reg{Type: regstate.Scalar}
		}
	}
}

// helperTailCall is BPF_FUNC_tail_call.
const helperTailCall = 12

// checkTailCall models check_helper_call (v6.18) for bpf_tail_call(ctx,
// prog_array, index): the context argument, the map argument,
// record_func_key (a prog array, and an index that is a constant below
// max_entries made precise), check_resource_leak's "tail_call", r1-r5
// reset and r0 unset (RET_VOID).
func (e *env) checkTailCall(idx int, name string, id int32, fn *helpers.Proto) error {
	args, err := e.specialArgs(name, id, fn)
	if err != nil {
		return err
	}
	m := args.m
	e.fn = "record_func_key"
	if m.Type != uint32(btfctx.MapProgArray) {
		return e.rejectNoNL(EINVAL, msgTailCallMap)
	}
	if r3 := e.cur.regs[3]; r3.IsConst() && r3.Value < uint64(m.MaxEntries) {
		if err := e.markChainPrecision(3); err != nil {
			return err
		}
	}
	if err := e.referenceLeak("tail_call"); err != nil {
		return err
	}
	e.resetCallerSaved()
	return nil
}

// helperGetLocalStorage is BPF_FUNC_get_local_storage.
const helperGetLocalStorage = 81

// checkLocalStorage models check_helper_call (v6.18) for
// bpf_get_local_storage(map, flags): the map argument, flags that must be
// the constant 0, r0 the map's value (RET_PTR_TO_MAP_VALUE, never NULL),
// then check_map_func_compatibility (a cgroup storage, plain or per-cpu).
func (e *env) checkLocalStorage(idx int, name string, id int32, fn *helpers.Proto) error {
	args, err := e.specialArgs(name, id, fn)
	if err != nil {
		return err
	}
	m := args.m
	e.fn = "check_helper_call"
	if r2 := e.cur.regs[2]; !r2.IsConst() || r2.Value != 0 {
		return e.reject(EINVAL, msgLocalStorageFlags)
	}
	if m.Special {
		return e.unsupported("%s#%d on a map whose value has BTF fields is not modeled", name, id)
	}
	e.resetCallerSaved()
	e.cur.regs[0] = regstate.Reg{Type: regstate.PtrToMapValue, Known: true, Map: m, Written: e.cur.regs[0].Written}
	if m.Type != uint32(btfctx.MapCgroupStorage) && m.Type != uint32(btfctx.MapPercpuCgroupStorage) {
		e.fn = "check_map_func_compatibility"
		return e.reject(EINVAL, msgMapFuncCompat, m.Type, name, id)
	}
	return nil
}
