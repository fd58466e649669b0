package verifier

import (
	"fmt"
	"strings"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
	"github.com/verisim/verisim/scalar"
)

// checkCondJmp models check_cond_jmp_op (v6.18; the 5.9 function has the
// same checks for the modeled values).
func (e *env) checkCondJmp(idx int, s insn.Slot) (int, error) {
	op := s.Op()
	if op == insn.OpJA || op > insn.OpJCOND || (!e.p.Has(FeatMayGoto) && op == insn.OpJCOND) {
		return 0, e.reject(EINVAL, msgInvalidJmpOp, op)
	}
	// The dst operand first (FeatJmpDstFirst), or after the source
	// operand's checks (5.10).
	dstFirst := e.p.Has(FeatJmpDstFirst)
	if dstFirst {
		if err := e.checkRegArg(s.Dst, srcOp); err != nil {
			return 0, err
		}
	}
	src := regstate.Const(uint64(int64(s.Imm)))
	if s.Source() == insn.SrcX {
		if s.Imm != 0 {
			return 0, e.reject(EINVAL, msgJmpReserved)
		}
		if err := e.checkRegArg(s.Src, srcOp); err != nil {
			return 0, err
		}
		src = e.cur.regs[s.Src]
	} else if s.Src != 0 {
		return 0, e.reject(EINVAL, msgJmpReserved)
	}
	if !dstFirst {
		if err := e.checkRegArg(s.Dst, srcOp); err != nil {
			return 0, err
		}
	}
	dst := e.cur.regs[s.Dst]
	is32 := s.Class() == insn.ClassJMP32
	ranged := (dst.Type == regstate.Scalar && !dst.Known) || (src.Type == regstate.Scalar && !src.Known)
	if ranged {
		if !e.p.Has(WalkRanges) {
			return 0, e.unsupported("comparison of a scalar that is not a constant (range tracking is not modeled)")
		}
		if dst.Type != regstate.Scalar || src.Type != regstate.Scalar {
			return 0, e.unsupported("comparison of a pointer with a scalar that is not a constant is not modeled")
		}
	}
	if e.p.Has(WalkPrecision) {
		// check_cond_jmp_op (v6.18) records in the instruction history
		// which operands are stack pointers, for backtrack_insn
		// (push_jmp_history, which adds the flags to this instruction's
		// entry if it is a jump point and has one already).
		var flags uint8
		if s.Source() == insn.SrcX && src.Type == regstate.PtrToStack {
			flags |= histSrcStack
		}
		if dst.Type == regstate.PtrToStack {
			flags |= histDstStack
		}
		if flags != 0 {
			if h := len(e.cur.hist); h > 0 && int(e.cur.hist[h-1].idx) == idx {
				e.cur.hist[h-1].flags |= flags
			} else if err := e.pushHist(e.cur, histEntry{idx: int32(idx), prev: int32(e.cur.last), flags: flags}); err != nil {
				return 0, err
			}
		}
	}
	var pred int
	if ranged {
		pred = scalar.BranchTaken(dst.ScalarValue(), src.ScalarValue(), op, is32)
	} else {
		pred = e.isBranchTaken(dst, src, op, is32)
	}
	if e.cfg.Explain {
		e.passed("the reserved fields are 0 and the operands are readable")
		switch pred {
		case 1:
			e.passed("is_branch_taken: always true for these values: only the jump to insn %d is followed", idx+int(s.Off)+1)
		case 0:
			e.passed("is_branch_taken: always false for these values: only the fall-through is followed")
		default:
			e.passed("is_branch_taken: unknown for these values: the jump to insn %d is pushed and explored after the fall-through", idx+int(s.Off)+1)
		}
	}
	if pred >= 0 {
		if dst.Type == regstate.Scalar {
			if err := e.markChainPrecision(int(s.Dst)); err != nil {
				return 0, err
			}
		}
		if s.Source() == insn.SrcX && src.Type == regstate.Scalar {
			if err := e.markChainPrecision(int(s.Src)); err != nil {
				return 0, err
			}
		}
		// The loader is privileged (bypass_spec_v1): no speculative
		// path is pushed.
		if e.p.Has(FeatLogInlineState) && e.log.anyLevel() {
			e.printInsnState()
		}
		if pred == 1 {
			return idx + int(s.Off) + 1, nil
		}
		return idx + 1, nil
	}
	var linked linkSet
	if ranged {
		// collect_linked_regs, and push_jmp_history of them before the
		// other branch is made, so that both share the entry.
		var n int
		var err error
		if linked, n, err = e.collectLinked(s); err != nil {
			return 0, err
		}
		if n > 1 {
			if h := len(e.cur.hist); h > 0 && int(e.cur.hist[h-1].idx) == idx {
				e.cur.hist[h-1].linkedRegs, e.cur.hist[h-1].linkedStack = linked.regs, linked.stack
			} else if err := e.pushHist(e.cur, histEntry{idx: int32(idx), prev: int32(e.cur.last), linkedRegs: linked.regs, linkedStack: linked.stack}); err != nil {
				return 0, err
			}
		}
	}
	if err := e.pushStack(idx+int(s.Off)+1, idx); err != nil {
		return 0, err
	}
	if ranged {
		// reg_set_min_max: the pushed branch takes the jump, this one
		// falls through.
		other := &e.stack[len(e.stack)-1].st.regs
		if err := e.setMinMax(s, other, is32); err != nil {
			return 0, err
		}
		pushed := e.stack[len(e.stack)-1].st
		if s.Source() == insn.SrcX && e.cur.regs[s.Src].Type == regstate.Scalar && e.cur.regs[s.Src].ID != 0 {
			syncLinked(e.cur, s.Src, linked)
			syncLinked(pushed, s.Src, linked)
		}
		if e.cur.regs[s.Dst].Type == regstate.Scalar && e.cur.regs[s.Dst].ID != 0 {
			syncLinked(e.cur, s.Dst, linked)
			syncLinked(pushed, s.Dst, linked)
		}
	}
	if !is32 && s.Source() == insn.SrcX && isPktAny(dst.Type) {
		tryMatchPktPointers(s, e.cur.regs[s.Dst], e.cur.regs[s.Src], e.cur, e.stack[len(e.stack)-1].st)
	}
	if !is32 && s.Source() == insn.SrcK && s.Imm == 0 && (op == insn.OpJEQ || op == insn.OpJNE) && dst.Flags&regstate.PtrMaybeNull != 0 {
		// "detect if R == 0 where R is returned from
		// bpf_map_lookup_elem()": mark_ptr_or_null_regs in both
		// branches.
		pushed := e.stack[len(e.stack)-1].st
		markPtrOrNull(e.cur, dst, op == insn.OpJNE)
		markPtrOrNull(pushed, dst, op == insn.OpJEQ)
	}
	if e.log.anyLevel() {
		if e.p.Has(FeatLogInlineState) {
			e.printInsnState()
		} else {
			// check_cond_jmp_op before v5.17: print_verifier_state of
			// the fall-through branch, on its own line.
			e.printState59(e.cur)
		}
	}
	return idx + 1, nil
}

// linkSet is linked_regs for frame 0: registers and spilled stack slots
// that share a scalar id.
type linkSet struct {
	regs  uint16
	stack uint64
}

// collectLinked models collect_linked_regs for the comparison's source
// (BPF_X) and destination: the registers, then the spilled slots, whose
// scalar id is theirs, and how many entries linked_regs has. 6.18 leaves
// out registers that are dead before the jump (live_regs_before), not
// slots. A source and destination sharing an id would enter the
// registers twice, and more than LINKED_REGS_MAX entries clear ids:
// neither is modeled.
func (e *env) collectLinked(s insn.Slot) (linkSet, int, error) {
	regs := &e.cur.regs
	var set linkSet
	n := 0
	collect := func(r uint8) {
		id := regs[r].ID
		e.computeLiveRegs()
		live := e.aux[e.insnIdx].live
		for i := 0; i < 10; i++ {
			if live&(1<<i) != 0 && regs[i].Type == regstate.Scalar && regs[i].ID == id {
				set.regs |= 1 << i
				n++
			}
		}
		for i := range e.cur.stack {
			sl := &e.cur.stack[i]
			if sl.IsSpilled() && sl.Spilled.Type == regstate.Scalar && sl.Spilled.ID == id {
				set.stack |= 1 << i
				n++
			}
		}
	}
	srcID := uint32(0)
	if s.Source() == insn.SrcX && regs[s.Src].Type == regstate.Scalar && regs[s.Src].ID != 0 {
		srcID = regs[s.Src].ID
		collect(s.Src)
	}
	if regs[s.Dst].Type == regstate.Scalar && regs[s.Dst].ID != 0 {
		if regs[s.Dst].ID == srcID {
			return linkSet{}, 0, e.unsupported("comparison of two scalars with one id (linked_regs collected twice) is not modeled")
		}
		collect(s.Dst)
	}
	if n > 6 {
		return linkSet{}, 0, e.unsupported("more than LINKED_REGS_MAX linked scalars (collect_linked_regs clears ids) is not modeled")
	}
	return set, n, nil
}

// syncLinked models sync_linked_regs: every other register or spilled
// slot of linked with known's id becomes a copy of it
// (copy_register_state), plus the difference of their BPF_ADD_CONST
// offsets when they differ.
func syncLinked(st *vstate, known uint8, linked linkSet) {
	k := st.regs[known]
	sync := func(r *regstate.Reg) {
		if r.Type != regstate.Scalar || r.ID != k.ID {
			return
		}
		w := r.Written
		if (!r.AddConst && !k.AddConst) || r.Off == k.Off {
			*r = k
		} else {
			// reg = known_reg; reg += delta, keeping its off and id.
			o := *r
			delta := o.Off - k.Off
			*r = k
			r.Off, r.ID, r.AddConst = o.Off, o.ID, o.AddConst
			r.SetScalar(scalar.AddConstDelta(k.ScalarValue(), delta))
		}
		r.Written = w
	}
	for i := 0; i < 10; i++ {
		if linked.regs&(1<<i) != 0 && uint8(i) != known {
			sync(&st.regs[i])
		}
	}
	for i := range st.stack {
		if linked.stack&(1<<i) != 0 {
			sync(&st.stack[i].Spilled)
		}
	}
}

// setMinMax models reg_set_min_max (v6.18) on two scalars, one of them
// not a constant: taken is the pushed branch's register file, e.cur the
// fall-through's.
func (e *env) setMinMax(s insn.Slot, taken *[11]regstate.Reg, is32 bool) error {
	op := s.Op()
	cur := &e.cur.regs
	d := cur[s.Dst].ScalarValue()
	if s.Source() == insn.SrcX && s.Src == s.Dst {
		tv, fv := scalar.SetMinMaxSame(d, op, is32)
		if tv.Check() != nil || fv.Check() != nil {
			return e.unsupported("reg_bounds_sanity_check fails after the comparison (REG INVARIANTS VIOLATION is not modeled)")
		}
		taken[s.Dst].SetScalar(tv)
		cur[s.Dst].SetScalar(fv)
		return nil
	}
	sv := scalar.Imm(s.Imm)
	if s.Source() == insn.SrcX {
		sv = cur[s.Src].ScalarValue()
	}
	ta, tb, fa, fb := scalar.SetMinMax(d, sv, op, is32)
	for _, v := range [...]scalar.Value{ta, tb, fa, fb} {
		if v.Check() != nil {
			return e.unsupported("reg_bounds_sanity_check fails after the comparison (REG INVARIANTS VIOLATION is not modeled)")
		}
	}
	taken[s.Dst].SetScalar(ta)
	cur[s.Dst].SetScalar(fa)
	if s.Source() == insn.SrcX {
		taken[s.Src].SetScalar(tb)
		cur[s.Src].SetScalar(fb)
	}
	return nil
}

// pushStack models push_stack: the other branch, a copy of the current
// state, to be explored after the current path.
func (e *env) pushStack(idx, prev int) error {
	if len(e.stack)+1 > maxJmpSeq {
		e.log.printf(msgJumpSeq+"\n", len(e.stack)+1)
		return &kernelErr{verdict: Reject, errno: EFAULT, msg: fmt.Sprintf(msgJumpSeq, len(e.stack)+1), insn: e.insnIdx, id: MsgJumpSeq}
	}
	e.stack = append(e.stack, &pending{st: e.cur.clone(), idx: idx, prev: prev, logPos: e.log.pos()})
	if p := e.cur.parent; p != nil {
		p.branches++
	}
	return nil
}

// markPtrOrNull models mark_ptr_or_null_regs (v6.18) for the register
// checked, dst: every register and spilled register of st that may be
// NULL and carries its id becomes the scalar 0 (isNull) or its type
// without PTR_MAYBE_NULL, and forgets the id (mark_ptr_or_null_reg; no
// modeled map value holds a spin lock). A reference the checked pointer
// holds is released in the NULL branch (release_reference_nomark).
func markPtrOrNull(st *vstate, dst regstate.Reg, isNull bool) {
	id := dst.ID
	if isNull && dst.RefObjID != 0 && dst.RefObjID == id {
		st.releaseRef(id)
	}
	mark := func(r *regstate.Reg) {
		if r.Flags&regstate.PtrMaybeNull == 0 || r.ID != id {
			return
		}
		if isNull {
			*r = regstate.Reg{Type: regstate.Scalar, Known: true, Written: r.Written}
			return
		}
		// The not-NULL pointer keeps its ref_obj_id until released.
		r.Flags &^= regstate.PtrMaybeNull
		r.ID = 0
	}
	for i := range st.regs {
		mark(&st.regs[i])
	}
	for i := range st.stack {
		if st.stack[i].IsSpilled() {
			mark(&st.stack[i].Spilled)
		}
	}
}

// releaseRef is release_reference_nomark: the reference id leaves the
// state, the others keep their order. It reports whether id was held.
func (st *vstate) releaseRef(id uint32) bool {
	for i, r := range st.refs {
		if r.id == id {
			st.refs = append(st.refs[:i:i], st.refs[i+1:]...)
			return true
		}
	}
	return false
}

// notNull is reg_not_null (v6.18) for the modeled types. 5.9's to 6.1's
// reg_type_not_null knew only sockets, map keys and map values.
func (e *env) notNull(r regstate.Reg) bool {
	if r.Flags&regstate.PtrMaybeNull != 0 {
		return false
	}
	switch r.Type {
	case regstate.PtrToMapValue:
		return true
	case regstate.ConstPtrToMap, regstate.PtrToMem:
		return e.p.Has(FeatNotNullMapPtr)
	}
	return false
}

// isBranchTaken models is_branch_taken: 1 taken, 0 not taken, -1 unknown.
// Scalars reaching it are constants.
func (e *env) isBranchTaken(a, b regstate.Reg, op uint8, is32 bool) int {
	if isPktAny(a.Type) && isPktAny(b.Type) && !is32 {
		return pktBranchTaken(a, b, op)
	}
	if a.IsPointer() || b.IsPointer() {
		if b.IsPointer() {
			a, b = b, a
			op = flipOpcode(op)
		}
		if b.IsPointer() || !e.notNull(a) {
			return -1
		}
		v := b.Value
		if is32 {
			v = uint64(uint32(v))
		}
		if v != 0 {
			return -1
		}
		switch op {
		case insn.OpJEQ:
			return 0
		case insn.OpJNE:
			return 1
		}
		return -1
	}
	x, y := a.Value, b.Value
	sx, sy := int64(x), int64(y)
	if is32 {
		x, y = uint64(uint32(x)), uint64(uint32(y))
		sx, sy = int64(int32(x)), int64(int32(y))
	}
	var t bool
	switch op {
	case insn.OpJEQ:
		t = x == y
	case insn.OpJNE:
		t = x != y
	case insn.OpJSET:
		t = x&y != 0
	case insn.OpJGT:
		t = x > y
	case insn.OpJGE:
		t = x >= y
	case insn.OpJLT:
		t = x < y
	case insn.OpJLE:
		t = x <= y
	case insn.OpJSGT:
		t = sx > sy
	case insn.OpJSGE:
		t = sx >= sy
	case insn.OpJSLT:
		t = sx < sy
	case insn.OpJSLE:
		t = sx <= sy
	default:
		return -1
	}
	if t {
		return 1
	}
	return 0
}

// isPktAny is reg_is_pkt_pointer_any: a packet pointer or pkt_end.
func isPktAny(t regstate.Type) bool { return t.IsPacket() || t == regstate.PtrToPacketEnd }

// pktBranchTaken models is_pkt_ptr_branch_taken: a packet pointer
// already known to be at or beyond pkt_end decides some comparisons with
// it.
func pktBranchTaken(dst, src regstate.Reg, op uint8) int {
	var pkt regstate.Reg
	switch {
	case src.Type == regstate.PtrToPacketEnd:
		pkt = dst
	case dst.Type == regstate.PtrToPacketEnd:
		pkt = src
		op = flipOpcode(op)
	default:
		return -1
	}
	rng := int32(pkt.MemSize)
	if rng >= 0 {
		return -1
	}
	switch op {
	case insn.OpJLE, insn.OpJGT:
		if rng == beyondPktEnd {
			return b2i(op == insn.OpJGT)
		}
	case insn.OpJLT, insn.OpJGE:
		if rng == beyondPktEnd || rng == atPktEnd {
			return b2i(op == insn.OpJGE)
		}
	}
	return -1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tryMatchPktPointers models try_match_pkt_pointers (v6.18): a comparison
// of a packet pointer with pkt_end (or of pkt_meta with an unmoved packet
// pointer) gives the branch where it is in bounds a range
// (find_good_pkt_pointers) and marks it at or beyond the end in the other
// (mark_pkt_end).
func tryMatchPktPointers(s insn.Slot, dst, src regstate.Reg, this, other *vstate) {
	if s.Source() != insn.SrcX || s.Class() == insn.ClassJMP32 {
		return
	}
	fwd := (dst.Type == regstate.PtrToPacket && src.Type == regstate.PtrToPacketEnd) ||
		(dst.Type == regstate.PtrToPacketMeta && initPktPointer(src, regstate.PtrToPacket))
	rev := (dst.Type == regstate.PtrToPacketEnd && src.Type == regstate.PtrToPacket) ||
		(initPktPointer(dst, regstate.PtrToPacket) && src.Type == regstate.PtrToPacketMeta)
	switch s.Op() {
	case insn.OpJGT:
		if fwd {
			findGoodPktPointers(this, dst, false)
			markPktEnd(other, s.Dst, true)
		} else if rev {
			findGoodPktPointers(other, src, true)
			markPktEnd(this, s.Src, false)
		}
	case insn.OpJLT:
		if fwd {
			findGoodPktPointers(other, dst, true)
			markPktEnd(this, s.Dst, false)
		} else if rev {
			findGoodPktPointers(this, src, false)
			markPktEnd(other, s.Src, true)
		}
	case insn.OpJGE:
		if fwd {
			findGoodPktPointers(this, dst, true)
			markPktEnd(other, s.Dst, false)
		} else if rev {
			findGoodPktPointers(other, src, false)
			markPktEnd(this, s.Src, true)
		}
	case insn.OpJLE:
		if fwd {
			findGoodPktPointers(other, dst, false)
			markPktEnd(this, s.Dst, true)
		} else if rev {
			findGoodPktPointers(this, src, true)
			markPktEnd(other, s.Src, false)
		}
	}
}

// initPktPointer is reg_is_init_pkt_pointer.
func initPktPointer(r regstate.Reg, t regstate.Type) bool {
	return r.Type == t && r.ID == 0 && r.Off == 0 && r.Known && r.Value == 0
}

// findGoodPktPointers models find_good_pkt_pointers: every packet
// pointer of reg's type and id in st, in a register or spilled, gets the
// range reg's offset proves (kept if larger).
func findGoodPktPointers(st *vstate, reg regstate.Reg, rightOpen bool) {
	if reg.Off < 0 || (reg.Off == 0 && rightOpen) {
		return
	}
	umax := reg.ScalarValue().UMax
	if umax > maxPacketOff || umax+uint64(reg.Off) > maxPacketOff {
		return
	}
	rng := reg.Off
	if rightOpen {
		rng++
	}
	mark := func(r *regstate.Reg) {
		if r.Type == reg.Type && r.ID == reg.ID && int32(r.MemSize) < rng {
			r.MemSize = uint32(rng)
		}
	}
	for i := range st.regs {
		mark(&st.regs[i])
	}
	for i := range st.stack {
		if st.stack[i].IsSpilled() {
			mark(&st.stack[i].Spilled)
		}
	}
}

// markPktEnd models mark_pkt_end: a packet pointer (not pkt_meta) found
// past or at pkt_end.
func markPktEnd(st *vstate, regno uint8, open bool) {
	r := &st.regs[regno]
	if r.Type != regstate.PtrToPacket {
		return
	}
	rng := int32(atPktEnd)
	if open {
		rng = beyondPktEnd
	}
	r.MemSize = uint32(rng)
}

// flipOpcode is flip_opcode: the comparison with its operands swapped.
func flipOpcode(op uint8) uint8 {
	switch op {
	case insn.OpJGT:
		return insn.OpJLT
	case insn.OpJLT:
		return insn.OpJGT
	case insn.OpJGE:
		return insn.OpJLE
	case insn.OpJLE:
		return insn.OpJGE
	case insn.OpJSGT:
		return insn.OpJSLT
	case insn.OpJSLT:
		return insn.OpJSGT
	case insn.OpJSGE:
		return insn.OpJSLE
	case insn.OpJSLE:
		return insn.OpJSGE
	}
	return op
}

// isStateVisited models is_state_visited (v6.18). Without loops every
// stored state it compares is complete (branches == 0); with them
// (WalkLoops) an ancestor still being explored only detects an infinite
// loop, and a state of a strongly connected component whose marks are
// incomplete compares RANGE_WITHIN and leaves a backedge.
func (e *env) isStateVisited(idx int) (bool, error) {
	e.computeLiveRegs()
	cur := e.cur
	// BPF_F_TEST_STATE_FREQ (env->test_state_freq) forces a new state
	// at every prune point.
	force := e.cfg.ProgFlags&FlagTestStateFreq != 0 || e.aux[idx].force || len(cur.hist) > 40
	addNew := force || (e.jmps-e.prevJmps >= 2 && e.processed-e.prevInsns >= 8)
	list := e.explored[idx]
	// clean_live_states: forget the registers dead at idx, and the stack
	// slots bpf_stack_slot_alive reports dead, of the complete states.
	for _, sl := range list {
		if sl.branches > 0 || sl.cleaned || e.incompleteReadMarks(sl) {
			continue
		}
		sl.cleaned = true
		for r := 0; r < 10; r++ {
			if e.aux[idx].live&(1<<r) == 0 {
				sl.regs[r] = regstate.Reg{}
			}
		}
		for i := range sl.stack {
			if !e.liveSlotAlive(idx, i) {
				sl.stack[i] = regstate.StackSlot{}
			}
		}
	}
	kept := list[:0]
	count := 0
	for k, sl := range list {
		count++
		if sl.branches > 0 {
			// An ancestor on a loop: the same state again is an
			// infinite loop; otherwise no new state too often.
			if statesMaybeLooping(sl, cur) && e.statesEqual(sl, cur, idx, exact) {
				e.explored[idx] = append(kept, list[k:]...)
				return false, e.infiniteLoop(idx, sl)
			}
			if !force && e.jmps-e.prevJmps < 20 && e.processed-e.prevInsns < 100 {
				addNew = false
			}
		} else {
			loop := e.incompleteReadMarks(sl)
			level := notExact
			if loop {
				level = rangeWithinLevel
			}
			if e.statesEqual(sl, cur, idx, level) {
				sl.hits++
				// The hit path records the jump into idx before propagating
				// precision (is_state_visited, v6.18).
				if e.isJmpPoint(idx) {
					if err := e.pushHist(cur, histEntry{idx: int32(idx), prev: int32(cur.last)}); err != nil {
						return false, err
					}
				}
				if err := e.propagatePrecision(sl, cur, nil); err != nil {
					return false, err
				}
				kept = append(kept, list[k:]...)
				e.explored[idx] = kept
				if loop {
					be := cur.clone()
					be.equal = sl
					if err := e.addSCCBackedge(sl, be); err != nil {
						return false, err
					}
				}
				return true, nil
			}
		}
		// miss:
		if addNew {
			sl.misses++
		}
		n := 3
		if e.aux[idx].force && sl.branches > 0 {
			n = 64
		}
		if sl.misses > sl.hits*n+n {
			// Evicted to the free list, freed once nothing depends on it.
			e.nExplored--
			e.freeList++
			sl.inFree = true
			e.maybeFree(sl)
			continue
		}
		kept = append(kept, sl)
	}
	if len(list) > 0 {
		e.explored[idx] = kept
	}
	if count > e.maxPerInsn {
		e.maxPerInsn = count
	}
	if !addNew {
		return false, nil
	}
	if !e.p.Has(FeatDFALiveness) && !e.p.Has(WalkReadMarks) {
		// Nothing is stored under these profiles, so statesEqual and the
		// precision walk into parent states run only under those with
		// the DFA liveness (6.18), all of which have WalkPrecision.
		return false, e.unsupported("a stored state on a kernel whose liveness is by read marks (mark_reg_read, REG_LIVE_READ) is not modeled")
	}
	e.total++
	e.nExplored++
	e.updatePeak()
	e.prevJmps = e.jmps
	e.prevInsns = e.processed
	if e.p.Has(FeatForgetInheritedPrecise) {
		// "forget precise markings we inherited"
		for r := range cur.regs {
			if cur.regs[r].Type == regstate.Scalar {
				cur.regs[r].Precise = false
			}
		}
	}
	sl := &storedState{vstate: *cur.clone(), idx: idx, branches: 1}
	e.maybeEnterSCC(sl)
	if e.explored == nil {
		e.explored = map[int][]*storedState{}
	}
	e.explored[idx] = append([]*storedState{sl}, e.explored[idx]...)
	cur.parent = sl
	cur.first = idx
	cur.hist = nil
	for r := range cur.regs {
		cur.regs[r].Written = false
	}
	return false, nil
}

// statesEqual models states_equal for frame 0 at idx: regsafe for the
// registers live there (func_states_equal) and stacksafe.
func (e *env) statesEqual(old *storedState, cur *vstate, idx int, level exactLevel) bool {
	var idmap idMap
	// refsafe: the same references, their ids mapping one to one.
	if len(old.refs) != len(cur.refs) {
		return false
	}
	for i := range old.refs {
		if !idmap.checkIDs(old.refs[i].id, cur.refs[i].id) {
			return false
		}
	}
	live := e.aux[idx].live
	for i := 0; i < 10; i++ {
		if live&(1<<i) != 0 && !regsafe(old.regs[i], cur.regs[i], &idmap, level) {
			return false
		}
	}
	return stacksafe(old.stack, cur.stack, &idmap, level)
}

// regsafe models regsafe (v6.18) for the modeled types.
func regsafe(o, c regstate.Reg, idmap *idMap, level exactLevel) bool {
	if level == exact {
		return regsExact(o, c, idmap)
	}
	if o.Type == regstate.NotInit && (level == notExact || c.Type == regstate.NotInit) {
		return true
	}
	if o.Type != c.Type || o.Flags != c.Flags {
		return false
	}
	switch o.Type {
	case regstate.Scalar:
		if !o.Precise && level == notExact {
			return true
		}
		// 6.18: range_within, tnum_in and check_scalar_ids. (Only
		// profiles with FeatDFALiveness store states, and they all
		// have WalkPrecision: see isStateVisited.)
		// The BPF_ADD_CONST tests of regsafe.
		if o.AddConst && !c.AddConst || o.ID != 0 && !o.AddConst && c.AddConst || o.AddConst && o.Off != c.Off {
			return false
		}
		ov, cv := o.ScalarValue(), c.ScalarValue()
		return idmap.checkScalarIDs(o.ID, c.ID, o.AddConst, c.AddConst) && rangeWithin(ov, cv) && ov.VarOff.In(cv.VarOff)
	}
	if o.Type.IsPacket() {
		// At least the old range (the special AT/BEYOND_PKT_END ones
		// exactly), the same fixed offset, ids, and the variable offset
		// within the old one.
		or, cr := int32(o.MemSize), int32(c.MemSize)
		if or < 0 || cr < 0 {
			if or != cr {
				return false
			}
		} else if or > cr {
			return false
		}
		ov, cv := o.ScalarValue(), c.ScalarValue()
		return o.Off == c.Off && idmap.checkIDs(o.ID, c.ID) && rangeWithin(ov, cv) && ov.VarOff.In(cv.VarOff)
	}
	same := o.Off == c.Off && o.BTFID == c.BTFID && o.MemSize == c.MemSize && mapID(o) == mapID(c)
	if o.Type == regstate.PtrToMapValue || o.Type == regstate.PtrToMem {
		// The fields up to var_off, the variable offset within the old
		// one (range_within, tnum_in), and the ids (check_ids).
		ov, cv := o.ScalarValue(), c.ScalarValue()
		return same && rangeWithin(ov, cv) && ov.VarOff.In(cv.VarOff) && idmap.checkIDs(o.ID, c.ID) &&
			idmap.checkIDs(o.RefObjID, c.RefObjID)
	}
	// regs_exact: everything up to the id, then the ids.
	return same && o.Known == c.Known && o.Value == c.Value && o.Ranged == c.Ranged && o.Range == c.Range &&
		idmap.checkIDs(o.ID, c.ID) && idmap.checkIDs(o.RefObjID, c.RefObjID)
}

// unboundReg is stacksafe's unbound_reg: what a slot of misc bytes reads
// as (__mark_reg_unknown_imprecise).
var unboundReg = regstate.Unknown()

// scalarRegForStack is scalar_reg_for_stack: a slot holding a 64-bit
// scalar spill, or only misc (or, with allow_uninit_stack, never
// written) bytes, compares as a register.
func scalarRegForStack(sl *regstate.StackSlot) (regstate.Reg, bool) {
	if sl.IsSpilledScalar64() {
		return sl.Spilled, true
	}
	for _, t := range sl.Types {
		if t != regstate.SlotMisc && t != regstate.SlotInvalid {
			return regstate.Reg{}, false
		}
	}
	return unboundReg, true
}

// stacksafe models stacksafe (v6.18, allow_uninit_stack) byte by byte
// over the old state's slots; the current state's extra slots do not
// matter.
func stacksafe(old, cur []regstate.StackSlot, idmap *idMap, level exactLevel) bool {
	for i := 0; i < len(old)*regstate.RegSize; i++ {
		spi, b := i/regstate.RegSize, i%regstate.RegSize
		ot := old[spi].Types[b]
		if level != notExact && (spi >= len(cur) || ot != cur[spi].Types[b]) {
			return false
		}
		if ot == regstate.SlotInvalid || ot == regstate.SlotMisc {
			continue
		}
		if spi >= len(cur) {
			return false
		}
		if or, ok := scalarRegForStack(&old[spi]); ok {
			if cr, ok := scalarRegForStack(&cur[spi]); ok {
				if !regsafe(or, cr, idmap, level) {
					return false
				}
				i += regstate.RegSize - 1
				continue
			}
		}
		if ot != cur[spi].Types[b] {
			return false
		}
		if b != regstate.RegSize-1 {
			continue
		}
		if old[spi].Types[b] == regstate.SlotSpill && !regsafe(old[spi].Spilled, cur[spi].Spilled, idmap, level) {
			return false
		}
	}
	return true
}

func mapID(r regstate.Reg) int {
	if r.Map == nil {
		return -1
	}
	return r.Map.ID
}

// rangeWithin is range_within: every bound of cur lies within old's.
func rangeWithin(o, c scalar.Value) bool {
	return o.UMin <= c.UMin && o.UMax >= c.UMax && o.SMin <= c.SMin && o.SMax >= c.SMax &&
		o.U32Min <= c.U32Min && o.U32Max >= c.U32Max && o.S32Min <= c.S32Min && o.S32Max >= c.S32Max
}

// idMap is struct bpf_idmap: the old-to-cur id pairs of one states_equal,
// and tmp_id_gen.
type idMap struct {
	pairs [][2]uint32
	tmp   uint32
}

// checkIDs is check_ids: ids must map one to one, both set or both 0.
func (m *idMap) checkIDs(o, c uint32) bool {
	if (o == 0) != (c == 0) {
		return false
	}
	if o == 0 {
		return true
	}
	for _, p := range m.pairs {
		if p[0] == o {
			return p[1] == c
		}
		if p[1] == c {
			return false
		}
	}
	m.pairs = append(m.pairs, [2]uint32{o, c})
	return true
}

// checkScalarIDs is check_scalar_ids as the live 6.18.44 has it (the
// same as the 6.12 stable source's): an old scalar without an id is
// independent, and any cur id satisfies it; a cur scalar without an id
// gets a fresh temporary one (above any real id), so that it cannot stand
// for a linked old one. A BPF_ADD_CONST id must map as the compound id
// (addConstFlag set) and as its base.
func (m *idMap) checkScalarIDs(o, c uint32, oAdd, cAdd bool) bool {
	if o == 0 {
		return true
	}
	if c == 0 {
		m.tmp++
		c = 1<<30 + m.tmp
	}
	oc, cc := o, c
	if oAdd {
		oc |= addConstFlag
	}
	if cAdd {
		cc |= addConstFlag
	}
	if !m.checkIDs(oc, cc) {
		return false
	}
	if oAdd {
		return m.checkIDs(o, c)
	}
	return true
}

// addConstFlag is BPF_ADD_CONST, the bit of an id that says the register
// is its linked copies plus a constant.
const addConstFlag = 1 << 31

// regMask formats a register mask like fmt_reg_mask: "r0,r6".
func regMask(m uint16) string {
	var parts []string
	for i := 0; i < 16; i++ {
		if m&(1<<i) != 0 {
			parts = append(parts, fmt.Sprintf("r%d", i))
		}
	}
	return strings.Join(parts, ",")
}

// btMask is struct backtrack_state for frame 0: the registers and stack
// slots still to explain.
type btMask struct {
	regs  uint16
	stack uint64
}

func (b btMask) empty() bool { return b.regs == 0 && b.stack == 0 }

// markChainPrecision models mark_chain_precision (v6.18
// __mark_chain_precision): walk the instruction history backwards from
// the current instruction and mark the scalars that decided regno's value
// precise in the checkpoints (parent states). The current state is not
// marked.
func (e *env) markChainPrecision(regno int) error {
	return e.backtrack(e.cur, e.insnIdx, btMask{regs: 1 << regno}, nil)
}

// backtrack is __mark_chain_precision from start, whose instruction is
// last (starting_state->insn_idx); changed, if not nil, is set when a
// parent state's scalar became precise.
func (e *env) backtrack(start *vstate, last int, bt btMask, changed *bool) error {
	if bt.empty() {
		return nil
	}
	if !e.p.Has(FeatPreciseLog) {
		return e.backtrackOld(start, bt.regs)
	}
	l := &e.log
	st := start
	first, subseq := st.first, -1
	hist := st.hist
	skipFirst := true
	for {
		if l.level2() {
			l.printf("mark_precise: frame0: last_idx %d first_idx %d subseq_idx %d \n", last, first, subseq)
		}
		var err error
		var all bool
		if bt, all, err = e.backtrackPath(first, last, hist, bt, skipFirst); err != nil {
			return err
		}
		if all {
			// -ENOTSUPP from backtrack_insn.
			e.markAllScalarsPrecise(start)
			return nil
		}
		if bt.empty() {
			return nil
		}
		skipFirst = false
		parent := st.parent
		if parent == nil {
			break
		}
		for r := 0; r < 16; r++ {
			if bt.regs&(1<<r) == 0 {
				continue
			}
			reg := &parent.regs[r]
			if reg.Type != regstate.Scalar || reg.Precise {
				bt.regs &^= 1 << r
				continue
			}
			reg.Precise = true
			if changed != nil {
				*changed = true
			}
		}
		for i := 0; i < 64; i++ {
			if bt.stack&(1<<i) == 0 {
				continue
			}
			if i >= len(parent.stack) {
				return e.unsupported("precision backtracking reached stack slot %d past the parent's %d slots (the kernel's \"BUG backtracking (stack slot ...)\")", i, len(parent.stack))
			}
			sl := &parent.stack[i]
			if !sl.IsSpilledScalar() || sl.Spilled.Precise {
				bt.stack &^= 1 << i
				continue
			}
			sl.Spilled.Precise = true
			if changed != nil {
				*changed = true
			}
		}
		if l.level2() {
			l.printf("mark_precise: frame0: parent state regs=%s stack=%s: ", regMask(bt.regs), stackMask(bt.stack))
			e.printState(&parent.vstate, true)
		}
		if bt.empty() {
			return nil
		}
		st = &parent.vstate
		subseq = first
		last, first = st.last, st.first
		hist = st.hist
	}
	// Registers or slots still to explain at the start of the path (a
	// pointer a register comparison pulled in, a slot reached through
	// another register than r10, say): __mark_chain_precision falls back
	// to mark_all_scalars_precise on the checkpoints of this path.
	e.markAllScalarsPrecise(start)
	return nil
}

// backtrackPath walks one state's path back from last to first through
// its instruction history (get_prev_insn_idx), running backtrack_insn on
// each instruction but, with skipFirst, the first (the current one), until
// the mask is empty; it returns the mask left at first, or all when
// backtrack_insn gave up (-ENOTSUPP).
func (e *env) backtrackPath(first, last int, hist []histEntry, bt btMask, skipFirst bool) (btMask, bool, error) {
	i := last
	h := len(hist)
	for {
		if skipFirst {
			skipFirst = false
		} else {
			// get_jmp_hist_entry: i's entry, if the history has one.
			var ent *histEntry
			if h > 0 && int(hist[h-1].idx) == i {
				ent = &hist[h-1]
			}
			var err error
			var all bool
			if bt, all, err = e.backtrackInsn(i, bt, ent); err != nil || all {
				return bt, all, err
			}
		}
		if bt.empty() {
			return bt, false, nil
		}
		// get_prev_insn_idx
		if i == first && (h == 0 || (h == 1 && int(hist[0].idx) == i)) {
			return bt, false, nil
		}
		if h > 0 && int(hist[h-1].idx) == i {
			i = int(hist[h-1].prev)
			h--
		} else {
			i--
		}
	}
}

// backtrackOld models __mark_chain_precision before v6.5 (FeatPreciseLog),
// as in the 5.10 and 6.1 sources, for a path with no parent state: the
// current state is not marked; the path is walked back from the current
// instruction, logging "last_idx %d first_idx %d" and, per instruction,
// "regs=%x stack=%llx before", and a mask left at the root is dropped (no
// fallback there).
func (e *env) backtrackOld(start *vstate, mask uint16) error {
	l := &e.log
	if l.level2() || (l.anyLevel() && !e.p.Has(FeatBacktrackLevel2)) {
		// Before v5.17 (FeatBacktrackLevel2) at every log level.
		l.printf("last_idx %d first_idx %d\n", e.insnIdx, start.first)
	}
	bt, all, err := e.backtrackPath(start.first, e.insnIdx, start.hist, btMask{regs: mask}, true)
	if all {
		// Only a store reaches -ENOTSUPP, and these profiles do not
		// walk stores (WalkMemory).
		return e.unsupported("precision backtracking through a store before v6.5 is not modeled")
	}
	if err != nil || bt.empty() || start.parent == nil {
		return err
	}
	// The parent states' marks ("parent didn't have regs=%x stack=%llx
	// marks:" and the walk on) are not modeled: the profiles that log
	// this way store no state (isStateVisited answers unsupported first).
	return e.unsupported("precision backtracking into a parent state before v6.5 is not modeled")
}

// markAllScalarsPrecise models mark_all_scalars_precise (v6.18): every
// scalar, in a register or spilled, of every parent state becomes
// precise; the current state is skipped.
func (e *env) markAllScalarsPrecise(st *vstate) {
	l := &e.log
	logs := l.level2() && e.p.Has(FeatPreciseLog)
	if logs {
		l.write("mark_precise: frame0: falling back to forcing all scalars precise\n")
	}
	for p := st.parent; p != nil; p = p.parent {
		for r := 0; r < 10; r++ {
			reg := &p.regs[r]
			if reg.Type != regstate.Scalar || reg.Precise {
				continue
			}
			reg.Precise = true
			if logs {
				l.printf("force_precise: frame0: forcing r%d to be precise\n", r)
			}
		}
		for i := range p.stack {
			sl := &p.stack[i]
			if !sl.IsSpilled() || sl.Spilled.Type != regstate.Scalar || sl.Spilled.Precise {
				continue
			}
			sl.Spilled.Precise = true
			if logs {
				l.printf("force_precise: frame0: forcing fp%d to be precise\n", -(i+1)*regstate.RegSize)
			}
		}
	}
}

// backtrackInsn models backtrack_insn for the modeled instructions; ent is
// i's history entry, if any. all reports -ENOTSUPP: the caller falls back
// to mark_all_scalars_precise.
func (e *env) backtrackInsn(i int, bt btMask, ent *histEntry) (btMask, bool, error) {
	s := e.orig[i]
	if s.Code == 0 {
		return bt, false, nil
	}
	if e.log.level2() || (e.log.anyLevel() && !e.p.Has(FeatBacktrackLevel2)) {
		if e.p.Has(FeatPreciseLog) {
			e.log.printf("mark_precise: frame0: regs=%s stack=%s before %d: %s\n", regMask(bt.regs), stackMask(bt.stack), i, e.disasm(i))
		} else {
			e.log.printf("regs=%x stack=0 before %d: %s\n", bt.regs, i, e.disasm(i))
		}
	}
	var flags uint8
	var linked linkSet
	var spi uint8
	if ent != nil {
		flags, linked, spi = ent.flags, ent.links(), ent.spi
	}
	dst, src := uint16(1)<<s.Dst, uint16(1)<<s.Src
	// bt_sync_linked_regs: a comparison that refined linked scalars makes
	// them all precise when one is.
	syncLinks := func() {
		if bt.regs&linked.regs != 0 || bt.stack&linked.stack != 0 {
			bt.regs |= linked.regs
			bt.stack |= linked.stack
		}
	}
	syncLinks()
	switch s.Class() {
	case insn.ClassALU, insn.ClassALU64:
		if bt.regs&dst == 0 {
			return bt, false, nil
		}
		switch op := s.Op(); {
		case op == insn.OpEND || op == insn.OpNEG:
		case op == insn.OpMOV:
			bt.regs &^= dst
			if s.Source() == insn.SrcX && s.Src != 10 {
				bt.regs |= src
			}
		case s.Source() == insn.SrcX && s.Src != 10:
			bt.regs |= src
		}
	case insn.ClassLDX:
		if bt.regs&dst == 0 {
			return bt, false, nil
		}
		bt.regs &^= dst
		// A fill from the stack: the slot's scalar needs precision.
		if flags&histStackAccess != 0 {
			bt.stack |= 1 << spi
		}
	case insn.ClassSTX, insn.ClassST:
		// Atomics are stores here, fetching ones too (v6.18 treats only
		// is_atomic_load_insn, load-acquire, as a load).
		return e.backtrackStore(s, bt, dst, src, flags, spi)
	case insn.ClassJMP, insn.ClassJMP32:
		if isHelperCall(s) {
			// A regular helper call sets r0; r1-r5 would have been
			// found already (the kernel reports "BUG regs" otherwise).
			bt.regs &^= 1
			if bt.regs&0x3e != 0 {
				return bt, false, e.unsupported("precision backtracking found r1-r5 live across a helper call (backtrack_insn's BUG regs %x)", bt.regs)
			}
			return bt, false, nil
		}
		if s.Source() == insn.SrcX && s.Op() != insn.OpCALL && s.Op() != insn.OpEXIT && s.Op() != insn.OpJA {
			// dreg <cond> sreg: both need precision before this insn,
			// except a stack pointer (INSN_F_*_REG_STACK, v6.18).
			if bt.regs&(dst|src) != 0 {
				if flags&histSrcStack == 0 {
					bt.regs |= src
				}
				if flags&histDstStack == 0 {
					bt.regs |= dst
				}
				syncLinks()
			}
		} else if s.Op() != insn.OpCALL && s.Op() != insn.OpEXIT && s.Op() != insn.OpJA {
			syncLinks() // the final bt_sync_linked_regs
		}
	case insn.ClassLD:
		if bt.regs&dst == 0 {
			return bt, false, nil
		}
		bt.regs &^= dst
		if m := s.Mode(); m == insn.ModeABS || m == insn.ModeIND {
			return bt, true, nil // "to be analyzed": -ENOTSUPP
		}
	}
	return bt, false, nil
}

// backtrackStore is backtrack_insn's BPF_STX and BPF_ST case.
func (e *env) backtrackStore(s insn.Slot, bt btMask, dst, src uint16, flags, spi uint8) (btMask, bool, error) {
	if bt.regs&dst != 0 {
		// "stx & st shouldn't be using _scalar_ dst_reg to access
		// memory": -ENOTSUPP.
		return bt, true, nil
	}
	if flags&histStackAccess == 0 || bt.stack&(1<<spi) == 0 {
		return bt, false, nil
	}
	bt.stack &^= 1 << spi
	if s.Class() == insn.ClassSTX {
		bt.regs |= src
	}
	return bt, false, nil
}

// propagatePrecision models propagate_precision: the precise scalars of
// the state that pruned cur, in registers and spilled slots, must be
// precise in cur's history too.
func (e *env) propagatePrecision(old *storedState, cur *vstate, changed *bool) error {
	var bt btMask
	var names []string
	for r := 0; r < 10; r++ {
		if old.regs[r].Type == regstate.Scalar && old.regs[r].Precise {
			bt.regs |= 1 << r
			names = append(names, fmt.Sprintf("r%d", r))
		}
	}
	for i := range old.stack {
		sl := &old.stack[i]
		if sl.IsSpilled() && sl.Spilled.Type == regstate.Scalar && sl.Spilled.Precise {
			bt.stack |= 1 << i
			names = append(names, fmt.Sprintf("fp%d", -(i+1)*regstate.RegSize))
		}
	}
	if bt.empty() {
		return nil
	}
	if e.log.level2() && e.p.Has(FeatPreciseLog) {
		e.log.printf("frame 0: propagating %s\n", strings.Join(names, ","))
	}
	last := e.insnIdx
	if cur.equal != nil {
		// A backedge: its state is at the instruction its equal state
		// pruned it at.
		last = cur.equal.idx
	}
	return e.backtrack(cur, last, bt, changed)
}
