package verifier

import (
	"math"
	"math/bits"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/ctxaccess"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/tnum"
)

// maxStack is MAX_BPF_STACK: the bytes of one frame.
const maxStack = 512

// History flags of a stack access (INSN_F_STACK_ACCESS with the slot in
// the entry's spi): the instruction spilled to or filled from that slot.
const histStackAccess uint8 = 1 << 2

// checkLoadMem models check_load_mem (LDX): the source register is read,
// the destination written (DST_OP_NO_MARK), then check_mem_access and
// save_aux_ptr_type. reg_bounds_sanity_check holds for every value the
// scalar domain produces (scalar.Value.Check).
func (e *env) checkLoadMem(idx int, s insn.Slot) error {
	if err := e.checkRegArg(s.Src, srcOp); err != nil {
		return err
	}
	if err := e.checkRegArg(s.Dst, dstOpNoMark); err != nil {
		return err
	}
	t := e.cur.regs[s.Src].Type
	if err := e.checkMemAccess(idx, s.Src, s.Off, sizeBytes(s), false, int(s.Dst), s.Mode() == insn.ModeMEMSX); err != nil {
		return err
	}
	return e.saveAuxPtrType(idx, t)
}

// checkStoreReg models check_store_reg (STX MEM): both registers are read.
func (e *env) checkStoreReg(idx int, s insn.Slot) error {
	if err := e.checkRegArg(s.Src, srcOp); err != nil {
		return err
	}
	if err := e.checkRegArg(s.Dst, srcOp); err != nil {
		return err
	}
	t := e.cur.regs[s.Dst].Type
	if err := e.checkMemAccess(idx, s.Dst, s.Off, sizeBytes(s), true, int(s.Src), false); err != nil {
		return err
	}
	return e.saveAuxPtrType(idx, t)
}

// checkStoreImm models do_check_insn's BPF_ST: the pointer is read and an
// immediate stored (value_regno -1).
func (e *env) checkStoreImm(idx int, s insn.Slot) error {
	if err := e.checkRegArg(s.Dst, srcOp); err != nil {
		return err
	}
	t := e.cur.regs[s.Dst].Type
	if err := e.checkMemAccess(idx, s.Dst, s.Off, sizeBytes(s), true, -1, false); err != nil {
		return err
	}
	return e.saveAuxPtrType(idx, t)
}

// saveAuxPtrType models save_aux_ptr_type: the first pointer type an
// instruction accessed memory through is kept, and another one later is
// refused when either is one that convert_ctx_accesses rewrites
// differently (reg_type_mismatch_ok: the context, sockets, BTF ids,
// arena). Of the modeled types that is the context against the stack.
// (The trusted/untrusted merge of allow_trust_mismatch concerns BTF id
// and memory pointers, which do not reach here.)
func (e *env) saveAuxPtrType(idx int, t regstate.Type) error {
	a := &e.aux[idx]
	if a.ptrType == regstate.NotInit {
		a.ptrType = t
		return nil
	}
	if t != a.ptrType && (t == regstate.PtrToCtx || a.ptrType == regstate.PtrToCtx) {
		e.fn = "save_aux_ptr_type"
		return e.reject(EINVAL, msgPtrMismatch)
	}
	return nil
}

// sizeBytes is bpf_size_to_bytes of the instruction's size field.
func sizeBytes(s insn.Slot) int {
	switch s.SizeField() {
	case insn.SizeB:
		return 1
	case insn.SizeH:
		return 2
	case insn.SizeW:
		return 4
	}
	return 8
}

// checkMemAccess models check_mem_access for the modeled base registers:
// a stack pointer (its var_off is always the constant 0 here: pointer
// arithmetic with a variable offset is not modeled) and a scalar, which
// no access may use. valueReg is the register stored or loaded, -1 for an
// immediate store.
func (e *env) checkMemAccess(idx int, regno uint8, off int16, size int, write bool, valueReg int, ldsx bool) error {
	reg := e.cur.regs[regno]
	what := "memory loads"
	if write {
		what = "memory stores"
	}
	e.fn = "check_mem_access"
	switch reg.Type {
	case regstate.Scalar:
		// check_ptr_alignment's default case, then the final else of
		// check_mem_access.
		if err := e.checkGenericAlignment(reg, "", int(off), size, e.strict()); err != nil {
			return err
		}
		return e.reject(EACCES, msgInvalidMemAccess, regno, reg.TypeString())
	case regstate.PtrToCtx:
		return e.ctxAccess(idx, regno, reg, off, size, write, valueReg, ldsx)
	case regstate.PtrToMapValue:
		if reg.Flags&regstate.PtrMaybeNull != 0 {
			// Not PTR_TO_MAP_VALUE itself: check_ptr_alignment's
			// default case, then check_mem_access's final else.
			if err := e.checkGenericAlignment(reg, "", int(off), size, e.strict()); err != nil {
				return err
			}
			return e.reject(EACCES, msgInvalidMemAccess, regno, reg.TypeString())
		}
		if reg.Flags != 0 || reg.Map == nil {
			return e.unsupported("%s through %s are not modeled: %s", what, reg.TypeString(), e.disasm(idx))
		}
		return e.mapValueAccess(regno, reg, off, size, write, valueReg, ldsx)
	case regstate.PtrToPacket, regstate.PtrToPacketMeta:
		return e.packetAccess(regno, reg, off, size, write, valueReg, ldsx)
	case regstate.PtrToMem:
		if reg.Flags&^regstate.PtrMaybeNull != regstate.MemRingbuf {
			// Other memory (a ksym's rdonly_mem) is not validated yet.
			return e.unsupported("%s through %s are not modeled: %s", what, reg.TypeString(), e.disasm(idx))
		}
		return e.memAccess(regno, reg, off, size, write, valueReg, ldsx)
	case regstate.PtrToStack:
		if !reg.Known {
			return e.stackAccessVar(idx, regno, reg, off, size, write, valueReg, ldsx)
		}
	default:
		return e.unsupported("%s through %s are not modeled: %s", what, reg.TypeString(), e.disasm(idx))
	}
	// check_ptr_alignment: stack accesses are always strict.
	if err := e.checkGenericAlignment(reg, "stack ", int(off), size, true); err != nil {
		return err
	}
	o := int(off) + int(reg.Off)
	if err := e.checkStackBounds(regno, o, size, write); err != nil {
		return err
	}
	var err error
	if write {
		err = e.stackWriteFixed(idx, o, size, valueReg)
	} else {
		err = e.stackReadFixed(o, size, valueReg)
	}
	if err != nil || write || valueReg < 0 {
		return err
	}
	e.coerceLoaded(uint8(valueReg), size, ldsx)
	return nil
}

// coerceLoaded is the end of check_mem_access for a load: a narrower than
// 8-byte scalar is zero extended (coerce_reg_to_size) or, for LDX MEMSX,
// sign extended (coerce_reg_to_size_sx).
func (e *env) coerceLoaded(valueReg uint8, size int, ldsx bool) {
	dst := &e.cur.regs[valueReg]
	if size < 8 && dst.Type == regstate.Scalar {
		v := dst.ScalarValue()
		if ldsx {
			v.CoerceToSizeSx(size)
		} else {
			v.CoerceToSize(size)
		}
		dst.SetScalar(v)
	}
}

// checkPtrOffReg models __check_ptr_off_reg without a fixed offset, as
// check_ptr_off_reg and check_func_arg_reg_off (fn) call it: a pointer
// exactly at its base.
func (e *env) checkPtrOffReg(fn string, regno uint8, reg regstate.Reg) error {
	e.fn = fn
	switch vo := reg.ScalarValue().VarOff; {
	case reg.Off < 0:
		return e.reject(EACCES, msgNegativeOffPtr, reg.TypeString(), regno, reg.Off)
	case reg.Off != 0:
		return e.reject(EACCES, msgModifiedPtr, reg.TypeString(), regno, reg.Off)
	case !vo.IsConst() || vo.Value != 0:
		return e.reject(EACCES, msgVariablePtr, reg.TypeString(), vo.String())
	}
	return nil
}

// ctxAccess models check_mem_access for PTR_TO_CTX (v6.18) for a
// privileged loader (no "R%d leaks addr into ctx": allow_ptr_leaks):
// check_ptr_alignment, check_ptr_off_reg, then check_ctx_access, whose
// is_valid_access answer is read from the table probed on the kernel
// (kernel/ctxaccess). A load that gives a pointer (skb->data, ...) is not
// modeled yet.
func (e *env) ctxAccess(idx int, regno uint8, reg regstate.Reg, off int16, size int, write bool, valueReg int, ldsx bool) error {
	if err := e.checkGenericAlignment(reg, "context ", int(off), size, e.strict()); err != nil {
		return err
	}
	if err := e.checkPtrOffReg("check_ptr_off_reg", regno, reg); err != nil {
		return err
	}
	e.fn = "check_ctx_access"
	o := int(off)
	dir := ctxaccess.Load
	switch {
	case write && valueReg < 0:
		dir = ctxaccess.StoreImm
	case write:
		dir = ctxaccess.Store
	case ldsx:
		dir = ctxaccess.LoadSX
	}
	ans, ok := ctxaccess.Lookup(uint32(e.cfg.ProgType), e.cfg.ExpectedAttachType, dir, o, size)
	if !ok {
		if _, _, probed := ctxaccess.Probed(uint32(e.cfg.ProgType), e.cfg.ExpectedAttachType); !probed {
			return e.unsupported("the context of %s with expected_attach_type %d was not probed (kernel/ctxaccess)", e.cfg.ProgType, e.cfg.ExpectedAttachType)
		}
		return e.unsupported("a %d-byte context %s at off %d is outside the probed access table of %s", size, dir, o, e.cfg.ProgType)
	}
	switch ans {
	case ctxaccess.Invalid:
		err := e.reject(EACCES, msgInvalidCtxAccess, o, size)
		e.verboseLinfo(idx, "; ")
		return err
	case ctxaccess.Written:
		return nil
	case ctxaccess.Scalar:
		e.markUnknown(uint8(valueReg))
		e.coerceLoaded(uint8(valueReg), size, ldsx)
		return nil
	case ctxaccess.Packet, ctxaccess.PacketMeta, ctxaccess.PacketEnd:
		// mark_reg_known_zero, then the type: no range yet.
		t := map[ctxaccess.Answer]regstate.Type{ctxaccess.Packet: regstate.PtrToPacket,
			ctxaccess.PacketMeta: regstate.PtrToPacketMeta, ctxaccess.PacketEnd: regstate.PtrToPacketEnd}[ans]
		w := e.cur.regs[valueReg].Written
		e.cur.regs[valueReg] = regstate.Reg{Type: t, Known: true, Written: w}
		return nil
	case ctxaccess.Pointer:
		return e.unsupported("a context load that gives a pointer (%s, %d bytes at off %d) is not modeled", e.cfg.ProgType, size, o)
	}
	return e.unsupported("a %d-byte context %s at off %d of %s is answered otherwise than by check_ctx_access (the probe saw another outcome)", size, dir, o, e.cfg.ProgType)
}

// checkGenericAlignment models check_generic_ptr_alignment.
func (e *env) checkGenericAlignment(reg regstate.Reg, desc string, off, size int, strict bool) error {
	if !strict || size == 1 {
		return nil
	}
	vo := reg.ScalarValue().VarOff
	if vo.Add(tnum.Const(uint64(int64(reg.Off) + int64(off)))).IsAligned(uint64(size)) {
		return nil
	}
	return e.reject(EACCES, msgMisaligned, desc, vo.String(), reg.Off, off, size)
}

// checkStackBounds models check_stack_access_within_bounds for a
// constant offset (ACCESS_DIRECT) and grow_stack_state. A privileged
// loader has allow_uninit_stack, so reads may reach below the allocated
// stack as writes may.
func (e *env) checkStackBounds(regno uint8, off, size int, write bool) error {
	extra := " read from"
	if write {
		extra = " write to"
	}
	minOff, maxOff := off, off+size
	switch {
	case minOff < -maxStack || minOff > -1:
		return e.reject(EACCES, msgStackBounds, extra, regno, off, size)
	case maxOff > 0:
		return e.reject(EINVAL, msgStackBounds, extra, regno, off, size)
	}
	e.growStack(-minOff)
	return nil
}

// growStack is grow_stack_state: the stack grows in whole slots, and the
// subprogram's stack depth with it.
func (e *env) growStack(size int) {
	n := (size + regstate.RegSize - 1) / regstate.RegSize
	for len(e.cur.stack) < n {
		e.cur.stack = append(e.cur.stack, regstate.StackSlot{})
	}
	if d := n * regstate.RegSize; d > e.stackDepth {
		e.stackDepth = d
	}
}

// pushStackFlags records a spill or fill in the instruction history
// (push_jmp_history with insn_stack_access_flags), in this instruction's
// entry when it has one.
func (e *env) pushStackFlags(idx, spi int) error {
	h := len(e.cur.hist)
	if h > 0 && int(e.cur.hist[h-1].idx) == idx {
		e.cur.hist[h-1].flags |= histStackAccess
		e.cur.hist[h-1].spi = uint8(spi)
		return nil
	}
	return e.pushHist(e.cur, histEntry{idx: int32(idx), prev: int32(e.cur.last), flags: histStackAccess, spi: uint8(spi)})
}

// regWidth is get_reg_width: the bits the register's umax needs.
func regWidth(r regstate.Reg) int { return bits.Len64(r.ScalarValue().UMax) }

// spillable is is_spillable_regtype for the modeled types.
func spillable(t regstate.Type) bool { return t != regstate.NotInit && t != regstate.Scalar }

// saveRegisterState models save_register_state: the register is copied
// into the slot, its bytes become STACK_SPILL from the lowest address
// and the rest mark_stack_slot_misc (a zero or never-written byte
// stays).
func saveRegisterState(slot *regstate.StackSlot, r regstate.Reg, size int) {
	r.Written = false
	slot.Spilled = r
	i := regstate.RegSize
	for ; i > regstate.RegSize-size; i-- {
		slot.Types[i-1] = regstate.SlotSpill
	}
	for ; i > 0; i-- {
		if t := slot.Types[i-1]; t != regstate.SlotZero && t != regstate.SlotInvalid {
			slot.Types[i-1] = regstate.SlotMisc
		}
	}
}

// stackWriteFixed models check_stack_write_fixed_off (v6.18) for a
// privileged loader (allow_ptr_leaks, bpf_capable and bypass_spec_v4, so
// neither "attempt to corrupt spilled pointer on stack" nor
// sanitize_stack_spill applies). destroy_if_dynptr_stack_slot finds no
// dynptr (none is modeled) and check_fastcall_stack_contract only
// disables a later rewrite.
func (e *env) stackWriteFixed(idx, off, size, valueReg int) error {
	e.fn = "check_stack_write_fixed_off"
	slotIdx := -off - 1
	spi := slotIdx / regstate.RegSize
	slot := &e.cur.stack[spi]
	s := e.orig[idx]
	isST := s.Class() == insn.ClassST
	if off%regstate.RegSize == 0 && size == regstate.RegSize {
		e.liveMarkWrite(1 << spi)
	}
	e.scratchedStack |= 1 << spi
	var reg *regstate.Reg
	if valueReg >= 0 {
		reg = &e.cur.regs[valueReg]
	}
	spill := true
	switch {
	case reg != nil && off%regstate.RegSize == 0 && reg.Type == regstate.Scalar:
		fits := regWidth(*reg) <= 8*size
		if fits {
			e.assignScalarIDBeforeMov(uint8(valueReg))
		}
		saveRegisterState(slot, *reg, size)
		if !fits {
			slot.Spilled.ID, slot.Spilled.AddConst = 0, false
		}
	case reg == nil && off%regstate.RegSize == 0 && isST:
		saveRegisterState(slot, regstate.Const(uint64(int64(s.Imm))), size)
	case reg != nil && spillable(reg.Type):
		if size != regstate.RegSize {
			e.verboseLinfo(idx, "; ")
			return e.reject(EACCES, msgSpillSize)
		}
		saveRegisterState(slot, *reg, size)
	default:
		// scrub_special_slot, then the bytes written.
		slot.Spilled = regstate.Reg{}
		if slot.IsSpecial() {
			for i, t := range slot.Types {
				if t != regstate.SlotInvalid {
					slot.Types[i] = regstate.SlotMisc
				}
			}
		}
		t := regstate.SlotMisc
		if (reg != nil && reg.IsConst() && reg.Value == 0) || (reg == nil && isST && s.Imm == 0) {
			// "force originating register to be precise to make
			// STACK_ZERO correct for subsequent states"
			if valueReg >= 0 {
				if err := e.markChainPrecision(valueReg); err != nil {
					return err
				}
			}
			t = regstate.SlotZero
		}
		for i := 0; i < size; i++ {
			slot.Types[(slotIdx-i)%regstate.RegSize] = t
		}
		spill = false
	}
	if spill {
		return e.pushStackFlags(idx, spi)
	}
	return nil
}

// assignScalarIDBeforeMov models assign_scalar_id_before_mov: a linked
// scalar (BPF_ADD_CONST) loses its link, and an unknown scalar without an
// id gets one, which the copy shares.
func (e *env) assignScalarIDBeforeMov(r uint8) {
	reg := &e.cur.regs[r]
	if reg.Type != regstate.Scalar {
		return
	}
	if reg.AddConst {
		reg.ID, reg.Off, reg.AddConst = 0, 0, false
	}
	if reg.ID == 0 && !reg.IsConst() {
		e.idGen++
		reg.ID = e.idGen
	}
}

// stackReadFixed models check_stack_read_fixed_off (v6.18) into dst for
// a privileged loader (allow_uninit_stack: a never-written byte reads as
// STACK_MISC).
func (e *env) stackReadFixed(off, size int, dstReg int) error {
	dst := uint8(dstReg)
	e.fn = "check_stack_read_fixed_off"
	idx := e.insnIdx
	slotIdx := -off - 1
	spi := slotIdx / regstate.RegSize
	slot := &e.cur.stack[spi]
	e.scratchedStack |= 1 << spi
	e.liveMarkRead(idx, 1<<spi)
	if dstReg < 0 {
		// A read that fills no register (an atomic's): only a full
		// 64-bit spill is recorded, for backtracking.
		if !slot.IsSpilled() {
			return nil
		}
		full := size == regstate.RegSize
		for i := 0; i < regstate.RegSize; i++ {
			full = full && slot.Types[i] == regstate.SlotSpill
		}
		if !full {
			if slot.Spilled.Type != regstate.Scalar {
				e.verboseLinfo(idx, "; ")
				return e.reject(EACCES, msgFillSize)
			}
			return nil
		}
		return e.pushStackFlags(idx, spi)
	}
	d := &e.cur.regs[dst]
	w := d.Written
	if !slot.IsSpilled() {
		// mark_reg_stack_read: zero only if every byte read is.
		zeros := true
		for i := 0; i < size; i++ {
			if slot.Types[(slotIdx-i)%regstate.RegSize] != regstate.SlotZero {
				zeros = false
				break
			}
		}
		if zeros {
			e.setConst(dst, 0)
		} else {
			e.markUnknown(dst)
		}
		e.cur.regs[dst].Written = w
		return nil
	}
	spillSize := 1
	for i := regstate.RegSize - 1; i > 0 && slot.Types[i-1] == regstate.SlotSpill; i-- {
		spillSize++
	}
	flags := true
	if size != regstate.RegSize || spillSize != regstate.RegSize {
		if slot.Spilled.Type != regstate.Scalar {
			e.verboseLinfo(idx, "; ")
			return e.reject(EACCES, msgFillSize)
		}
		if size <= spillSize && off%regstate.RegSize == 0 {
			// bpf_stack_narrow_access_ok (little endian); the
			// destination's subreg_def is not modeled.
			*d = slot.Spilled
			if regWidth(slot.Spilled) > size*8 {
				d.ID, d.Off, d.AddConst = 0, 0, false // clear_scalar_id
			}
		} else {
			spills, zeros := 0, 0
			for i := 0; i < size; i++ {
				switch slot.Types[(slotIdx-i)%regstate.RegSize] {
				case regstate.SlotSpill:
					spills++
				case regstate.SlotZero:
					zeros++
				}
			}
			switch {
			case spills == size && slot.Spilled.IsConst() && slot.Spilled.Value == 0:
				e.setConst(dst, 0)
			case zeros == size:
				e.setConst(dst, 0)
				flags = false
			default:
				e.markUnknown(dst)
				flags = false
			}
		}
	} else {
		*d = slot.Spilled
	}
	e.cur.regs[dst].Written = w
	if flags {
		return e.pushStackFlags(idx, spi)
	}
	return nil
}

// Map flags of check_map_access_type (bpf_map_flags_to_cap).
const (
	mapFlagRdonlyProg = 1 << 7 // BPF_F_RDONLY_PROG
	mapFlagWronlyProg = 1 << 8 // BPF_F_WRONLY_PROG
)

// mapValueAccess models check_mem_access for PTR_TO_MAP_VALUE (v6.18) at
// a constant offset (the pointer's var_off is 0: variable offsets are not
// modeled), for a privileged loader (no "R%d leaks addr into map"):
// check_ptr_alignment, check_map_access_type, check_map_access and its
// check_mem_region_access. The modeled maps have no BTF record (kptrs,
// locks, timers), and none is frozen, so a load gives an unknown scalar
// (bpf_map_direct_read reads only frozen read-only maps).
func (e *env) mapValueAccess(regno uint8, reg regstate.Reg, off int16, size int, write bool, valueReg int, ldsx bool) error {
	if err := e.checkGenericAlignment(reg, "value ", int(off), size, e.strict()); err != nil {
		return err
	}
	o := int(off) + int(reg.Off)
	if err := e.checkMapAccessType(reg.Map, o, size, write); err != nil {
		return err
	}
	if err := e.mapRegionAccess(regno, reg, o, size, false); err != nil || write || valueReg < 0 {
		return err
	}
	e.markUnknown(uint8(valueReg))
	e.coerceLoaded(uint8(valueReg), size, ldsx)
	return nil
}

// memAccess models check_mem_access for PTR_TO_MEM (v6.18), the ring
// buffer's memory: not before the NULL check, within mem_size
// (check_mem_region_access), and a load gives an unknown scalar.
func (e *env) memAccess(regno uint8, reg regstate.Reg, off int16, size int, write bool, valueReg int, ldsx bool) error {
	if err := e.checkGenericAlignment(reg, "", int(off), size, e.strict()); err != nil {
		return err
	}
	if reg.Flags&regstate.PtrMaybeNull != 0 {
		return e.reject(EACCES, msgInvalidMemAccess, regno, reg.TypeString())
	}
	o := int(off) + int(reg.Off)
	if err := e.memRegionAccess(regno, reg, o, size, reg.MemSize, false, msgMemAccess); err != nil || write || valueReg < 0 {
		return err
	}
	e.markUnknown(uint8(valueReg))
	e.coerceLoaded(uint8(valueReg), size, ldsx)
	return nil
}

// checkMapAccessType models check_map_access_type (bpf_map_flags_to_cap):
// BPF_F_RDONLY_PROG forbids writes, BPF_F_WRONLY_PROG reads.
func (e *env) checkMapAccessType(m *regstate.MapRef, off, size int, write bool) error {
	e.fn = "check_map_access_type"
	switch {
	case write && m.Flags&mapFlagRdonlyProg != 0:
		return e.reject(EACCES, msgMapWrite, m.ValueSize, off, size)
	case !write && m.Flags&mapFlagRdonlyProg == 0 && m.Flags&mapFlagWronlyProg != 0:
		return e.reject(EACCES, msgMapRead, m.ValueSize, off, size)
	}
	return nil
}

// mapRegionAccess models check_map_access's check_mem_region_access over
// the value (no BTF record to look at).
func (e *env) mapRegionAccess(regno uint8, reg regstate.Reg, o, size int, zeroOK bool) error {
	return e.memRegionAccess(regno, reg, o, size, reg.Map.ValueSize, zeroOK, msgMapValueAccess)
}

// memRegionAccess models check_mem_region_access over memSize bytes;
// access is __check_mem_access's message for the register's type.
func (e *env) memRegionAccess(regno uint8, reg regstate.Reg, o, size int, memSize uint32, zeroOK bool, access string) error {
	e.fn = "check_mem_region_access"
	v := reg.ScalarValue()
	if v.SMin < 0 && (v.SMin == math.MinInt64 || int64(o)+v.SMin != int64(int32(int64(o)+v.SMin)) || v.SMin+int64(o) < 0) {
		return e.reject(EACCES, msgMinNegative, regno)
	}
	// __check_mem_access at the smallest and the largest offset.
	inside := func(at int64) bool {
		return at >= 0 && (size > 0 || size == 0 && zeroOK) && uint64(at)+uint64(size) <= uint64(memSize)
	}
	if at := v.SMin + int64(o); !inside(at) {
		e.log.printf(access+"\n", memSize, int32(at), size)
		return e.reject(EACCES, msgMinOutside, regno)
	}
	if v.UMax >= maxVarOff {
		return e.reject(EACCES, msgUnboundedAccess, regno)
	}
	if at := int64(v.UMax) + int64(o); !inside(at) {
		e.log.printf(access+"\n", memSize, int32(at), size)
		return e.reject(EACCES, msgMaxOutside, regno)
	}
	return nil
}

// checkPacketAccess models check_packet_access (v6.18): a non-negative
// variable offset, then the fixed offset o within the range the
// comparisons with pkt_end gave (__check_mem_access).
func (e *env) checkPacketAccess(regno uint8, reg regstate.Reg, o, size int, zeroOK bool) error {
	e.fn = "check_packet_access"
	v := reg.ScalarValue()
	if v.SMin < 0 {
		return e.reject(EACCES, msgMinNegative, regno)
	}
	rng := int32(reg.MemSize)
	if rng < 0 {
		return e.reject(EINVAL, msgPktOutside, regno)
	}
	if o < 0 || !(size > 0 || size == 0 && zeroOK) || int64(o)+int64(size) > int64(rng) {
		e.log.printf(msgPktAccess+"\n", o, size, regno, reg.ID, o, rng)
		return e.reject(EACCES, msgPktOutside, regno)
	}
	return nil
}

// Packet ranges of a pointer compared with pkt_end (AT_PKT_END,
// BEYOND_PKT_END): it is at or past the end.
const (
	atPktEnd     = -1
	beyondPktEnd = -2
	maxPacketOff = 0xffff // MAX_PACKET_OFF
)

// packetAccess models check_mem_access for PTR_TO_PACKET and
// PTR_TO_PACKET_META (v6.18) for a privileged loader:
// check_pkt_ptr_alignment, may_access_direct_pkt_data for a write, and
// check_packet_access against the range the comparisons with pkt_end
// gave the pointer.
func (e *env) packetAccess(regno uint8, reg regstate.Reg, off int16, size int, write bool, valueReg int, ldsx bool) error {
	if e.strict() && size > 1 {
		// check_pkt_ptr_alignment: NET_IP_ALIGN taken as 2.
		vo := reg.ScalarValue().VarOff
		if !vo.Add(tnum.Const(uint64(2 + int64(reg.Off) + int64(off)))).IsAligned(uint64(size)) {
			return e.reject(EACCES, msgMisalignedPkt, 2, vo.String(), reg.Off, off, size)
		}
	}
	o := int(off) + int(reg.Off)
	if write && !directPacketWrite[e.cfg.ProgType] {
		e.fn = "may_access_direct_pkt_data"
		return e.reject(EACCES, msgPktWrite)
	}
	if err := e.checkPacketAccess(regno, reg, o, size, false); err != nil || write {
		return err
	}
	e.markUnknown(uint8(valueReg))
	e.coerceLoaded(uint8(valueReg), size, ldsx)
	return nil
}

// directPacketWrite are the program types may_access_direct_pkt_data lets
// write the packet (v6.18); the others that read it directly (lwt_in,
// lwt_out, lwt_seg6local, flow_dissector, cgroup_skb) may not.
var directPacketWrite = map[ProgType]bool{SchedCLS: true, SchedACT: true, XDP: true, LWTXmit: true, SKSKB: true, SKMsg: true}

// stackAccessVar models check_mem_access for a stack pointer with a
// variable offset (v6.18, privileged: allow_ptr_leaks,
// allow_uninit_stack): check_ptr_alignment, the variable part of
// check_stack_access_within_bounds, then check_stack_write_var_off or
// check_stack_read_var_off (check_stack_range_initialized and
// mark_reg_stack_read). Neither records a spill or fill in the history
// nor marks a slot written for the liveness.
func (e *env) stackAccessVar(idx int, regno uint8, reg regstate.Reg, off int16, size int, write bool, valueReg int, ldsx bool) error {
	if err := e.checkGenericAlignment(reg, "stack ", int(off), size, true); err != nil {
		return err
	}
	minOff, maxOff, err := e.stackBoundsVar(regno, reg, int64(off)+int64(reg.Off), size, write)
	if err != nil {
		return err
	}
	if write {
		return e.stackWriteVar(idx, int(minOff), int(maxOff), valueReg)
	}
	if valueReg < 0 {
		// check_stack_read: a read into no register needs a fixed
		// offset.
		e.fn = "check_stack_read"
		return e.reject(EACCES, msgVarOffNoReg, v2s(reg), int64(off)+int64(reg.Off), size)
	}
	// check_stack_range_initialized: every byte passes for a privileged
	// loader, and each slot touched is read.
	e.fn = "check_stack_range_initialized"
	for i := minOff; i < maxOff; i++ {
		e.liveMarkRead(idx, 1<<((-i-1)/regstate.RegSize))
	}
	// mark_reg_stack_read: zero only if every byte is; the slots are
	// scratched up to the first byte that is not.
	zeros := true
	for i := minOff; i < maxOff; i++ {
		slot := -i - 1
		e.scratchedStack |= 1 << (slot / regstate.RegSize)
		if e.cur.stack[slot/regstate.RegSize].Types[slot%regstate.RegSize] != regstate.SlotZero {
			zeros = false
			break
		}
	}
	w := e.cur.regs[valueReg].Written
	if zeros {
		e.setConst(uint8(valueReg), 0)
	} else {
		e.markUnknown(uint8(valueReg))
	}
	e.cur.regs[valueReg].Written = w
	e.coerceLoaded(uint8(valueReg), size, ldsx)
	return nil
}

// stackWriteVar models check_stack_write_var_off (v6.18) over the bytes
// [minOff, maxOff): each becomes STACK_MISC, or stays STACK_ZERO (or a
// spilled zero) when a zero is written, and any spilled register in the
// range is erased.
func (e *env) stackWriteVar(idx, minOff, maxOff, valueReg int) error {
	e.fn = "check_stack_write_var_off"
	s := e.orig[idx]
	zero := false
	if valueReg >= 0 {
		r := e.cur.regs[valueReg]
		zero = r.IsConst() && r.Value == 0
	} else {
		zero = s.Class() == insn.ClassST && s.Imm == 0
	}
	zeroUsed := false
	for i := minOff; i < maxOff; i++ {
		slotIdx := -i - 1
		spi := slotIdx / regstate.RegSize
		sl := &e.cur.stack[spi]
		t := &sl.Types[slotIdx%regstate.RegSize]
		e.scratchedStack |= 1 << spi
		if zero && *t == regstate.SlotSpill && sl.IsSpilledScalar() && sl.Spilled.IsConst() && sl.Spilled.Value == 0 {
			zeroUsed = true
			continue
		}
		// scrub_special_slot: the spilled register goes, and so do the
		// STACK_SPILL bytes around it. (The v6.18 source only erases the
		// register's type here; the live 6.18.44 scrubs the slot, as the
		// 6.12 stable source does: the kernel wins.)
		sl.Spilled.Type = regstate.NotInit
		if sl.IsSpecial() {
			for j, bt := range sl.Types {
				if bt != regstate.SlotInvalid {
					sl.Types[j] = regstate.SlotMisc
				}
			}
		}
		nt := regstate.SlotMisc
		if zero && *t == regstate.SlotZero {
			nt = regstate.SlotZero
			zeroUsed = true
		}
		*t = nt
	}
	if zeroUsed && valueReg >= 0 {
		// "backtracking doesn't work for STACK_ZERO yet"
		return e.markChainPrecision(valueReg)
	}
	return nil
}

// stackBoundsVar models the variable-offset part of
// check_stack_access_within_bounds and grow_stack_state: the bytes
// [minOff, maxOff) the access may touch.
func (e *env) stackBoundsVar(regno uint8, reg regstate.Reg, o int64, size int, write bool) (minOff, maxOff int64, err error) {
	v := reg.ScalarValue()
	extra := " read from"
	if write {
		extra = " write to"
	}
	e.fn = "check_stack_access_within_bounds"
	if v.SMax >= maxVarOff || v.SMin <= -maxVarOff {
		return 0, 0, e.reject(EACCES, msgStackUnboundedVar, extra, regno)
	}
	minOff, maxOff = v.SMin+o, v.SMax+o+int64(size)
	switch {
	case minOff < -maxStack || minOff > -1:
		return 0, 0, e.reject(EACCES, msgStackBoundsVar, extra, regno, v.VarOff.String(), o, size)
	case maxOff > 0:
		return 0, 0, e.reject(EINVAL, msgStackBoundsVar, extra, regno, v.VarOff.String(), o, size)
	}
	e.growStack(int(-minOff))
	return minOff, maxOff, nil
}

// v2s is a register's var_off as tnum_strn prints it.
func v2s(r regstate.Reg) string { return r.ScalarValue().VarOff.String() }

// strict is check_ptr_alignment's strict: env->strict_alignment or the
// access's strict_alignment_once (atomics).
func (e *env) strict() bool { return e.strictAlignment || e.strictOnce }

// BPF_ATOMIC operations (insn->imm).
const (
	atomicFetch   = 0x01
	atomicAdd     = 0x00
	atomicOr      = 0x40
	atomicAnd     = 0x50
	atomicXor     = 0xa0
	atomicXchg    = 0xe0 | atomicFetch
	atomicCmpXchg = 0xf0 | atomicFetch
	atomicLoadAcq = 0x100
	atomicStRel   = 0x110
)

// checkAtomic models check_atomic and check_atomic_rmw (v6.18) for a
// privileged loader (no "leaks addr into mem"): the operands, the pointer
// type (not the context or a packet: atomic_ptr_type_ok), then a read of
// the memory, a second read into the fetched register, and a write, each
// with strict alignment. Load-acquire and store-release are not modeled.
func (e *env) checkAtomic(idx int, s insn.Slot) error {
	e.fn = "check_atomic"
	switch s.Imm {
	case atomicAdd, atomicAdd | atomicFetch, atomicAnd, atomicAnd | atomicFetch, atomicOr, atomicOr | atomicFetch,
		atomicXor, atomicXor | atomicFetch, atomicXchg, atomicCmpXchg:
	case atomicLoadAcq, atomicStRel:
		return e.unsupported("load-acquire and store-release (check_atomic_load, check_atomic_store) are not modeled: %s", e.disasm(idx))
	default:
		return e.reject(EINVAL, msgAtomicOpcode, s.Imm)
	}
	e.fn = "check_atomic_rmw"
	if sz := s.SizeField(); sz != insn.SizeW && sz != insn.SizeDW {
		return e.reject(EINVAL, msgAtomicSize)
	}
	if err := e.checkRegArg(s.Src, srcOp); err != nil {
		return err
	}
	if err := e.checkRegArg(s.Dst, srcOp); err != nil {
		return err
	}
	if s.Imm == atomicCmpXchg {
		if err := e.checkRegArg(0, srcOp); err != nil {
			return err
		}
	}
	ptr := e.cur.regs[s.Dst]
	switch ptr.Type {
	case regstate.PtrToCtx, regstate.PtrToPacket, regstate.PtrToPacketMeta, regstate.PtrToPacketEnd:
		return e.reject(EACCES, msgAtomicPtrType, s.Dst, ptr.TypeString())
	}
	load := -1
	if s.Imm&atomicFetch != 0 {
		load = int(s.Src)
		if s.Imm == atomicCmpXchg {
			load = 0
		}
		if err := e.checkRegArg(uint8(load), dstOp); err != nil {
			return err
		}
	}
	size := sizeBytes(s)
	e.strictOnce = true
	defer func() { e.strictOnce = false }()
	if err := e.checkMemAccess(idx, s.Dst, s.Off, size, false, -1, false); err != nil {
		return err
	}
	if load >= 0 {
		if err := e.checkMemAccess(idx, s.Dst, s.Off, size, false, load, false); err != nil {
			return err
		}
	}
	return e.checkMemAccess(idx, s.Dst, s.Off, size, true, -1, false)
}
