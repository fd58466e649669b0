package verifier

import (
	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/helpers"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/scalar"
)

// Helper calls: check_helper_call (kernel/bpf/verifier.c, v6.18) for the
// helpers whose arguments are all ARG_ANYTHING and whose result is
// RET_INTEGER or RET_VOID, with no case of their own in check_helper_call
// or do_refine_retval_range. Every other helper is unsupported, named.

// specialHelpers have code of their own in check_helper_call's switch,
// do_refine_retval_range or after it (6.18): not modeled.
var specialHelpers = map[int32]bool{
	67:  true, // get_stack
	141: true, // get_task_stack
	45:  true, // probe_read_str
	115: true, // probe_read_kernel_str
	114: true, // probe_read_user_str
	173: true, // get_func_ip
	164: true, // for_each_map_elem
	170: true, // timer_set_callback
	180: true, // find_vma
	165: true, // snprintf
	181: true, // loop
	187: true, // set_retval
	197: true, // dynptr_from_mem
	203: true, // dynptr_data
	202: true, // dynptr_write
	153: true, // per_cpu_ptr
	154: true, // this_cpu_ptr
	209: true, // user_ringbuf_drain
}

// gplCompatible is license_is_gpl_compatible (include/linux/license.h).
// An empty license is read as "GPL", as the oracle loads it.
func gplCompatible(l string) bool {
	switch l {
	case "", "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL":
		return true
	}
	return false
}

// checkHelperCall models check_helper_call for the modeled helpers.
func (e *env) checkHelperCall(idx int) error {
	defer e.enter("check_helper_call", idx)()
	s := e.orig[idx]
	id := s.Imm
	name := "unknown"
	if h, ok := helpers.ByID(id); ok {
		name = h.Name
	}
	if id < 0 || id >= helpers.MaxID {
		return e.reject(EINVAL, msgInvalidFunc, name, id)
	}
	if !helpers.Covers(uint32(e.cfg.ProgType)) {
		return e.unsupported("the helpers of %s programs are not in the table (kernel/helpers): %s#%d", e.cfg.ProgType, name, id)
	}
	fn, ok := helpers.For(uint32(e.cfg.ProgType), id)
	if !ok {
		return e.reject(EINVAL, msgHelperNotForType, name, id)
	}
	if fn.GPLOnly && !gplCompatible(e.cfg.License) {
		return e.reject(EINVAL, msgHelperGPL)
	}
	if fn.Allowed != "" {
		return e.unsupported("%s#%d has an allowed() callback (%s): not modeled", name, id, fn.Allowed)
	}
	if fn.MightSleep {
		// No modeled program is sleepable (BPF_F_SLEEPABLE is unsupported).
		return e.reject(EINVAL, msgHelperMightSleep)
	}
	if (id == helperMapLookupElem || id == helperMapUpdateElem || id == helperMapDeleteElem) && e.p.Has(WalkMemory) {
		return e.checkMapLookup(name, id, fn)
	}
	if id == helperGetLocalStorage && e.p.Has(WalkMemory) {
		return e.checkLocalStorage(idx, name, id, fn)
	}
	if id == helperTailCall && e.p.Has(WalkMemory) {
		return e.checkTailCall(idx, name, id, fn)
	}
	if isRingbufHelper(id) && e.p.Has(WalkMemory) {
		return e.checkRingbufCall(idx, name, id, fn)
	}
	if id == helperGetSMPProcessorID && e.ctx.NrCPUIDs() == 0 {
		return e.unsupported("%s#%d bounds r0 by nr_cpu_ids, which is not known (btfctx.Options.NrCPUIDs)", name, id)
	}
	if specialHelpers[id] {
		return e.unsupported("%s#%d has its own rules in check_helper_call: not modeled", name, id)
	}
	n := fn.NumArgs()
	memArgs := e.p.Has(WalkMemory)
	for i := 0; i < n; i++ {
		if a := fn.Args[i]; a != helpers.ArgAnything && !(memArgs && memArgModeled(fn, i)) {
			return e.unsupported("%s#%d takes %s as argument %d: not modeled", name, id, fn.Args[i], i+1)
		}
	}
	ret := fn.Ret.Base()
	if fn.Ret.Flags() != 0 || (ret != helpers.RetInteger && ret != helpers.RetVoid) {
		return e.unsupported("%s#%d returns %s: not modeled", name, id, fn.Ret)
	}
	// check_func_arg: check_reg_arg(SRC_OP) of each argument; an
	// ARG_ANYTHING pointer leaks only without allow_ptr_leaks, and the
	// loader is privileged.
	var meta memMeta
	for i := 0; i < n; i++ {
		if err := e.checkRegArg(uint8(1+i), srcOp); err != nil {
			return err
		}
		if err := e.checkMemArg(name, id, fn, i, &meta); err != nil {
			return err
		}
	}
	// "Mark slots with STACK_MISC in case of raw mode": one byte write
	// each (check_mem_access, BPF_B, value_regno -1).
	for i := 0; i < meta.accessSize; i++ {
		if err := e.checkMemAccess(idx, meta.regno, int16(i), 1, true, -1, false); err != nil {
			return err
		}
	}
	if e.cfg.Explain {
		e.passed("%s#%d is available to %s programs, and its %d argument(s) are readable registers", name, id, e.cfg.ProgType, n)
	}
	// Reset the caller-saved registers (mark_reg_not_init and
	// check_reg_arg(DST_OP_NO_MARK), which scratches them), then r0.
	e.resetCallerSaved()
	if ret == helpers.RetInteger {
		e.markUnknown(0)
	}
	if id == helperGetSMPProcessorID {
		// do_refine_retval_range: r0 in [0, nr_cpu_ids - 1], then
		// reg_bounds_sync.
		n := uint64(e.ctx.NrCPUIDs() - 1)
		v := scalar.Unknown()
		v.UMin, v.UMax, v.SMin, v.SMax = 0, n, 0, int64(n)
		v.U32Min, v.U32Max, v.S32Min, v.S32Max = 0, uint32(n), 0, int32(n)
		v.Sync()
		e.cur.regs[0].SetScalar(v)
	}
	return nil
}

// helperGetSMPProcessorID is BPF_FUNC_get_smp_processor_id.
const helperGetSMPProcessorID = 8

// isHelperCall is a call of a helper (src_reg 0), not of a subprogram or
// kfunc.
func isHelperCall(s insn.Slot) bool { return s.Code == insn.CodeCall && s.Src == 0 }

// helperMapLookupElem is BPF_FUNC_map_lookup_elem.
const helperMapLookupElem = 1

// lookupMapTypes are the map types whose bpf_map_lookup_elem is modeled:
// check_map_func_compatibility allows the lookup on each, and their
// values hold no special fields unless the map has BTF (refused below).
var lookupMapTypes = map[uint32]bool{
	uint32(btfctx.MapHash): true, uint32(btfctx.MapArray): true, uint32(btfctx.MapPercpuHash): true,
	uint32(btfctx.MapPercpuArray): true, uint32(btfctx.MapLRUHash): true, uint32(btfctx.MapLRUPercpuHash): true,
}

// checkMapLookup models check_helper_call (v6.18) for
// bpf_map_lookup_elem, bpf_map_update_elem and bpf_map_delete_elem with
// a map pointer in r1: check_func_arg's ARG_CONST_MAP_PTR, the key
// (ARG_PTR_TO_MAP_KEY: check_helper_mem_access over key_size bytes on the
// stack or in a map value, and get_constant_map_key), the value of an
// update (ARG_PTR_TO_MAP_VALUE, value_size bytes) and its flags, the
// reset of r1-r5, and r0: a map value for a lookup, NULL-checked unless
// an array lookup's key is a constant in bounds (can_elide_value_nullness),
// an unknown scalar otherwise.
func (e *env) checkMapLookup(name string, id int32, fn *helpers.Proto) error {
	if err := e.checkRegArg(1, srcOp); err != nil {
		return err
	}
	m := e.cur.regs[1]
	if m.Type != regstate.ConstPtrToMap || m.Map == nil {
		return e.unsupported("%s#%d with %s in R1 (check_reg_type) is not modeled", name, id, m.TypeString())
	}
	ref := m.Map
	if !lookupMapTypes[ref.Type] || ref.Special || ref.Flags&mapFlagInnerMap != 0 {
		return e.unsupported("%s#%d on a map of type %d (flags %#x) is not modeled", name, id, ref.Type, ref.Flags)
	}
	memArg := func(regno uint8, size int, what string) error {
		if err := e.checkRegArg(regno, srcOp); err != nil {
			return err
		}
		r := e.cur.regs[regno]
		if r.Type.IsPacket() && r.Flags == 0 {
			// check_func_arg: may_access_direct_pkt_data with the
			// map helpers' pkt_access (all three have it).
			if !e.mayAccessPktData(fn) {
				e.fn = "check_func_arg"
				return e.reject(EACCES, msgHelperPktAccess)
			}
			return e.helperMemAccess(regno, size, false, false, false, nil)
		}
		if (r.Type != regstate.PtrToStack && r.Type != regstate.PtrToMapValue) || r.Flags != 0 {
			return e.unsupported("%s#%d with %s in R%d (a %s not on the stack or in a map value) is not modeled", name, id, r.TypeString(), regno, what)
		}
		return e.helperMemAccess(regno, size, false, false, false, nil)
	}
	size := int(ref.KeySize)
	if err := memArg(2, size, "key"); err != nil {
		return err
	}
	k := e.cur.regs[2]
	constKey := int64(-1)
	if k.Type == regstate.PtrToStack && k.Known && (ref.Type == uint32(btfctx.MapArray) || ref.Type == uint32(btfctx.MapPercpuArray)) {
		v, ok, err := e.constantMapKey(int(k.Off), size)
		if err != nil {
			return err
		}
		if ok {
			constKey = v
		}
	}
	if id == helperMapUpdateElem {
		if err := memArg(3, int(ref.ValueSize), "value"); err != nil {
			return err
		}
		if err := e.checkRegArg(4, srcOp); err != nil {
			return err
		}
	}
	if e.cfg.Explain {
		e.passed("%s#%d: R1 is map %s and R2 points at %d initialized key bytes", name, id, ref.Name, size)
	}
	e.resetCallerSaved()
	if id != helperMapLookupElem {
		e.markUnknown(0)
		return nil
	}
	r0 := regstate.Reg{Type: regstate.PtrToMapValue, Known: true, Map: ref, Flags: regstate.PtrMaybeNull}
	if constKey >= 0 && constKey < int64(ref.MaxEntries) {
		r0.Flags = 0
	} else {
		e.idGen++
		r0.ID = e.idGen
	}
	e.cur.regs[0] = r0
	return nil
}

// The map helpers checkMapLookup models.
const (
	helperMapUpdateElem = 2
	helperMapDeleteElem = 3
)

// mapFlagInnerMap is BPF_F_INNER_MAP: a template whose max_entries does
// not bound the map a lookup reaches.
const mapFlagInnerMap = 1 << 12

// constantMapKey models get_constant_map_key (v6.18): a key of zero bytes
// (STACK_ZERO), or a spilled constant scalar of exactly the key's size,
// which is then made precise (mark_chain_precision_batch on the slot).
func (e *env) constantMapKey(off, size int) (int64, bool, error) {
	slotIdx := -off - 1
	spi := slotIdx / regstate.RegSize
	b := slotIdx % regstate.RegSize
	sl := &e.cur.stack[spi]
	zeros := 0
	for i := b; i >= 0 && sl.Types[i] == regstate.SlotZero; i-- {
		zeros++
	}
	if zeros >= size {
		return 0, true, nil
	}
	if !sl.IsSpilledScalar() {
		return 0, false, nil
	}
	spill := 0
	for i := b; i >= 0 && sl.Types[i] == regstate.SlotSpill; i-- {
		spill++
	}
	if spill != size || !sl.Spilled.IsConst() {
		return 0, false, nil
	}
	v := int64(sl.Spilled.Value)
	if err := e.backtrack(e.cur, e.insnIdx, btMask{stack: 1 << spi}, nil); err != nil {
		return 0, false, err
	}
	return v, true, nil
}

// memMeta is what struct bpf_call_arg_meta carries between a memory
// argument and its size: the pointer's register, raw_mode
// (MEM_UNINIT), and, once the size checked a raw-mode stack buffer, the
// bytes the helper writes (access_size).
type memMeta struct {
	memReg     uint8
	rawMode    bool
	write      bool
	regno      uint8
	accessSize int
}

// memArgModeled reports an argument of the modeled memory kinds:
// ARG_PTR_TO_MEM, possibly MEM_UNINIT, MEM_WRITE or MEM_RDONLY, followed
// by its ARG_CONST_SIZE or ARG_CONST_SIZE_OR_ZERO.
func memArgModeled(fn *helpers.Proto, i int) bool {
	a := fn.Args[i]
	switch a.Base() {
	case helpers.ArgPtrToMem:
		return a.Flags()&^(helpers.MemUninit|helpers.MemWrite|helpers.MemRdonly|helpers.PtrMaybeNull) == 0 && i+1 < len(fn.Args) &&
			(fn.Args[i+1] == helpers.ArgConstSize || fn.Args[i+1] == helpers.ArgConstSizeOrZero)
	case helpers.ArgConstSize, helpers.ArgConstSizeOrZero:
		return a.Flags() == 0 && i > 0 && fn.Args[i-1].Base() == helpers.ArgPtrToMem
	case helpers.ArgPtrToCtx:
		return a.Flags() == 0
	}
	return false
}

// mayAccessPktData is may_access_direct_pkt_data (v6.18) with a helper's
// meta and BPF_READ: the program types with direct packet access take
// the helper's pkt_access.
func (e *env) mayAccessPktData(fn *helpers.Proto) bool {
	switch e.cfg.ProgType {
	case LWTIn, LWTOut, LWTSeg6Local, SKReuseport, FlowDissector, CgroupSKB,
		SchedCLS, SchedACT, XDP, LWTXmit, SKSKB, SKMsg:
		return fn.PktAccess
	case CgroupSockopt:
		return true
	}
	return false
}

// memTypesExpected is how check_reg_type lists mem_types, the register
// types an ARG_PTR_TO_MEM accepts (v6.18).
const memTypesExpected = "fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_"

// checkMemArg models check_func_arg (v6.18) for a memory argument and
// its size: ARG_PTR_TO_MEM on a stack or map value pointer (check_reg_type
// and check_func_arg_reg_off hold for both), then check_mem_size_reg for
// the size, which checks the memory with check_helper_mem_access and makes
// the size precise.
func (e *env) checkMemArg(name string, id int32, fn *helpers.Proto, i int, meta *memMeta) error {
	a := fn.Args[i]
	regno := uint8(1 + i)
	reg := e.cur.regs[regno]
	switch a.Base() {
	case helpers.ArgPtrToMem:
		if reg.Type.IsPacket() && !e.mayAccessPktData(fn) {
			e.fn = "check_func_arg"
			return e.reject(EACCES, msgHelperPktAccess)
		}
		null := reg.IsConst() && reg.Value == 0 && a.Flags()&helpers.PtrMaybeNull != 0
		switch {
		case null:
			// "A NULL register has a SCALAR_VALUE type, so skip type
			// check": the size decides (check_helper_mem_access).
		case reg.Type.IsPacket() && reg.Flags == 0:
			// mem_types has both; check_func_arg_reg_off allows fixed and
			// variable offsets.
		case reg.Type == regstate.Scalar || reg.Type == regstate.PtrToCtx || reg.Type == regstate.ConstPtrToMap,
			reg.Type == regstate.PtrToPacketEnd,
			reg.Type == regstate.PtrToMapValue && reg.Flags == regstate.PtrMaybeNull:
			// check_reg_type: none of mem_types (a scalar, NULL or not,
			// since no modeled memory argument may be NULL).
			e.fn = "check_reg_type"
			return e.reject(EACCES, msgArgType, regno, reg.TypeString(), memTypesExpected)
		case (reg.Type != regstate.PtrToStack && reg.Type != regstate.PtrToMapValue) || reg.Flags != 0:
			return e.unsupported("%s#%d with %s in R%d (memory not on the stack or in a map value) is not modeled", name, id, reg.TypeString(), regno)
		}
		meta.memReg, meta.rawMode, meta.write = regno, a.Flags()&helpers.MemUninit != 0, a.Flags()&helpers.MemWrite != 0
		if reg.Type.IsPacket() && meta.write {
			// A helper writing into the packet: may_access_direct_pkt_data
			// with BPF_WRITE is not modeled.
			return e.unsupported("%s#%d writes into packet memory in R%d: not modeled", name, id, regno)
		}
	case helpers.ArgConstSize, helpers.ArgConstSizeOrZero:
		if reg.Type != regstate.Scalar {
			return e.unsupported("%s#%d with %s in R%d (a size that is not a scalar) is not modeled", name, id, reg.TypeString(), regno)
		}
		return e.checkMemSizeReg(regno, meta, a == helpers.ArgConstSizeOrZero)
	case helpers.ArgPtrToCtx:
		// check_reg_type (context_types: PTR_TO_CTX only), then
		// check_func_arg_reg_off's __check_ptr_off_reg.
		e.fn = "check_reg_type"
		if reg.Type != regstate.PtrToCtx || reg.Flags != 0 {
			if reg.IsPointer() && reg.Type != regstate.PtrToStack && reg.Type != regstate.PtrToMapValue && !reg.Type.IsPacket() && reg.Type != regstate.ConstPtrToMap {
				return e.unsupported("%s#%d with %s in R%d is not modeled", name, id, reg.TypeString(), regno)
			}
			return e.reject(EACCES, msgArgType, regno, reg.TypeString(), "ctx")
		}
		if err := e.checkPtrOffReg("check_func_arg_reg_off", regno, reg); err != nil {
			return err
		}
		// A helper given the context may change the packet
		// (bpf_helper_changes_pkt_data, then clear_all_pkt_pointers):
		// which ones do is not modeled, so a packet pointer must not be
		// live across one.
		if e.pktPointersLive() {
			return e.unsupported("%s#%d takes the context while packet pointers are live: bpf_helper_changes_pkt_data is not modeled", name, id)
		}
	}
	return nil
}

// pktPointersLive reports a packet pointer in a register or a spilled
// slot of the current state.
func (e *env) pktPointersLive() bool {
	for _, r := range e.cur.regs {
		if isPktAny(r.Type) {
			return true
		}
	}
	for i := range e.cur.stack {
		if e.cur.stack[i].IsSpilled() && isPktAny(e.cur.stack[i].Spilled.Type) {
			return true
		}
	}
	return false
}

// maxVarSize is BPF_MAX_VAR_SIZ.
const maxVarSize = 1 << 29

// checkMemSizeReg models check_mem_size_reg.
func (e *env) checkMemSizeReg(regno uint8, meta *memMeta, zeroOK bool) error {
	e.fn = "check_mem_size_reg"
	v := e.cur.regs[regno].ScalarValue()
	raw := meta.rawMode && v.VarOff.IsConst() // a variable size disables raw mode
	switch {
	case v.SMin < 0:
		return e.reject(EACCES, msgSizeNegative, regno)
	case v.UMin == 0 && !zeroOK:
		return e.reject(EACCES, msgSizeZero, regno, int64(v.UMin), int64(v.UMax))
	case v.UMax >= maxVarSize:
		return e.reject(EACCES, msgSizeUnbounded, regno)
	}
	if err := e.helperMemAccess(meta.memReg, int(v.UMax), meta.write, zeroOK, raw, meta); err != nil {
		return err
	}
	return e.markChainPrecision(int(regno))
}

// helperMemAccess models check_helper_mem_access for the stack
// (check_stack_range_initialized) and map values (check_map_access_type,
// check_map_access).
func (e *env) helperMemAccess(regno uint8, size int, write, zeroOK, raw bool, meta *memMeta) error {
	reg := e.cur.regs[regno]
	off := int(reg.Off)
	if reg.Type.IsPacket() {
		return e.checkPacketAccess(regno, reg, off, size, zeroOK)
	}
	if reg.Type == regstate.Scalar {
		// A NULL an ARG_PTR_TO_MEM | PTR_MAYBE_NULL took: only a zero
		// size is allowed ("Allow zero-byte read from NULL").
		e.fn = "check_helper_mem_access"
		if zeroOK && size == 0 && reg.IsConst() && reg.Value == 0 {
			return nil
		}
		return e.reject(EACCES, msgArgType, regno, reg.TypeString(), "fp")
	}
	if reg.Type == regstate.PtrToMapValue {
		if err := e.checkMapAccessType(reg.Map, off, size, write); err != nil {
			return err
		}
		return e.mapRegionAccess(regno, reg, off, size, zeroOK)
	}
	e.fn = "check_stack_range_initialized"
	if size == 0 && !zeroOK {
		return e.reject(EACCES, msgZeroSizedRead)
	}
	minOff, maxOff := int64(off), int64(off)
	if reg.Known {
		if err := e.checkStackBounds(regno, off, size, write); err != nil {
			return err
		}
	} else {
		lo, _, err := e.stackBoundsVar(regno, reg, int64(off), size, write)
		if err != nil {
			return err
		}
		v := reg.ScalarValue()
		minOff, maxOff = lo, v.SMax+int64(off)
		raw = false // a variable offset disables raw mode
	}
	if raw {
		meta.regno, meta.accessSize = regno, size
		return nil
	}
	for i := minOff; i < maxOff+int64(size); i++ {
		slotIdx := -i - 1
		spi := slotIdx / regstate.RegSize
		sl := &e.cur.stack[spi]
		t := &sl.Types[slotIdx%regstate.RegSize]
		switch {
		case *t == regstate.SlotMisc:
		case *t == regstate.SlotZero || *t == regstate.SlotInvalid:
			if write {
				*t = regstate.SlotMisc // "helper can write anything into the stack"
			}
		case sl.IsSpilled():
			if write {
				w := sl.Spilled.Written
				sl.Spilled = regstate.Unknown()
				sl.Spilled.Written = w
				for j, bt := range sl.Types {
					if bt != regstate.SlotInvalid {
						sl.Types[j] = regstate.SlotMisc
					}
				}
			}
		default:
			return e.unsupported("a helper reading a stack slot of type %d is not modeled", *t)
		}
		e.liveMarkRead(e.insnIdx, 1<<spi)
	}
	return nil
}

// resetCallerSaved is the reset of r0-r5 after a helper call or LD_ABS
// (mark_reg_not_init, and check_reg_arg(DST_OP_NO_MARK), which scratches
// them).
func (e *env) resetCallerSaved() {
	for r := uint8(0); r <= 5; r++ {
		w := e.cur.regs[r].Written
		e.cur.regs[r] = regstate.Reg{Written: w}
		e.scratched |= 1 << r
	}
}
