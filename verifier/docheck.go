package verifier

import (
	"fmt"
	"math"
	"strings"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
)

// histEntry is an instruction history entry (struct
// bpf_jmp_history_entry): the instruction reached, the one executed before
// it, and what backtracking must know of it (histSrcStack, histDstStack).
type histEntry struct {
	// linkedStack and linkedRegs are linked_regs: the spilled slots and
	// registers a comparison found sharing a scalar id
	// (collect_linked_regs).
	linkedStack uint64
	idx, prev   int32
	linkedRegs  uint16
	flags       uint8
	spi         uint8 // the stack slot of a histStackAccess
}

func (h *histEntry) links() linkSet { return linkSet{regs: h.linkedRegs, stack: h.linkedStack} }

// History flags (INSN_F_SRC_REG_STACK, INSN_F_DST_REG_STACK,
// include/linux/bpf_verifier.h): a register comparison's source or
// destination register was a stack pointer, which backtrack_insn does not
// ask to be precise.
const (
	histSrcStack uint8 = 1 << iota
	histDstStack
)

// vstate is the verifier state of the one frame modeled (struct
// bpf_verifier_state with frame[0]).
type vstate struct {
	regs   [11]regstate.Reg
	stack  []regstate.StackSlot // allocated_stack / BPF_REG_SIZE slots of frame 0
	parent *storedState
	first  int // first_insn_idx
	last   int // last_insn_idx
	hist   []histEntry
	// equal is set on a backedge (struct bpf_scc_backedge's state): the
	// stored state that pruned it RANGE_WITHIN.
	equal *storedState
	// refs are the acquired references (bpf_verifier_state.refs), in
	// the order they were acquired.
	refs []refState
}

// refState is struct bpf_reference_state of type REF_TYPE_PTR: the
// reference's id and the instruction that acquired it.
type refState struct {
	id   uint32
	insn int
}

// maxInsnHist is how many jump history entries one state holds:
// push_jmp_history grows cur->jmp_history one entry at a time with
// krealloc, and on the live 6.18.44 the growth past 4 MiB of 16-byte
// entries (KMALLOC_MAX_SIZE) fails: the 262,145th entry since the state's
// checkpoint is ENOMEM, with no message (measured on a straight line of
// spills and fills). A new checkpoint clears the history
// (clear_jmp_history).
const maxInsnHist = 4 << 20 / 16

// pushHist appends an entry to st's instruction history
// (push_jmp_history).
func (e *env) pushHist(st *vstate, ent histEntry) error {
	if len(st.hist)+1 > maxInsnHist {
		return e.rejectSilent(ENOMEM, "push_jmp_history: the jump history cannot grow past 4 MiB (krealloc)")
	}
	st.hist = append(st.hist, ent)
	return nil
}

func (s *vstate) clone() *vstate {
	c := *s
	c.hist = append([]histEntry(nil), s.hist...)
	c.stack = append([]regstate.StackSlot(nil), s.stack...)
	if s.refs != nil {
		c.refs = append([]refState(nil), s.refs...)
	}
	return &c
}

// storedState is a checkpoint in the explored-states list (struct
// bpf_verifier_state_list).
type storedState struct {
	vstate
	idx    int
	hits   int
	misses int
	// branches is the paths from this state not yet explored to their
	// end (bpf_verifier_state.branches).
	branches int
	cleaned  bool
	// inFree and freed: evicted from the explored list to the free list,
	// and freed from it (maybe_free_verifier_state).
	inFree, freed bool
}

// pending is a pushed branch (struct bpf_verifier_stack_elem).
type pending struct {
	st     *vstate
	idx    int
	prev   int
	logPos int
}

// maxJmpSeq is BPF_COMPLEXITY_LIMIT_JMP_SEQ.
const maxJmpSeq = 8192

// doCheckMain models do_check_main and do_check_common for the main
// program: the initial state (R1 = ctx, R10 = fp0), do_check, and the
// level-1 log reset on success.
func (e *env) doCheckMain() error {
	if e.hasCycle && !e.p.Has(WalkLoops) {
		return e.unsupported("the program has a loop (a back-edge in check_cfg); bounded loops are not modeled")
	}
	st := &vstate{first: 0, last: -1}
	st.regs[1] = regstate.Reg{Type: regstate.PtrToCtx, Known: true}
	st.regs[10] = regstate.Reg{Type: regstate.PtrToStack, Known: true}
	e.cur = st
	e.scratched, e.scratchedStack = 0xffff, ^uint64(0)
	// The stack liveness keeps marks only for instructions that read or
	// write the stack: memory instructions and helper calls. A program
	// with neither leaves every mask empty, prints nothing and keeps no
	// slot alive, so its bookkeeping is skipped.
	if e.p.Has(FeatStackLiveness) {
		for _, s := range e.orig {
			if c := s.Class(); c == insn.ClassLDX || c == insn.ClassST || c == insn.ClassSTX || s.Code == insn.CodeCall {
				e.liveOn = true
				break
			}
		}
	}
	e.inDoCheck = true
	e.prevLinfo = -1 // do_check_common
	if e.p.Has(FeatMainFuncArgs) {
		// 5.9's do_check_common calls btf_prepare_func_args only for
		// subprograms and extensions.
		if err := e.prepareMainArgs(); err != nil {
			return err
		}
	}
	err := e.doCheck()
	if err == nil && !e.log.level2() {
		e.log.reset(0)
	}
	if err == nil {
		for i, sp := range e.subprogs {
			if i > 0 && sp.global {
				// do_check_subprogs verifies each global function on its
				// own, with its arguments from BTF.
				e.inDoCheck = false
				return e.unsupported("func#%d is a global function (BTF_FUNC_GLOBAL); do_check_subprogs is not modeled", i)
			}
		}
	}
	return err
}

// doCheck models do_check (kernel/bpf/verifier.c).
func (e *env) doCheck() error {
	n := len(e.orig)
	prev, idx := -1, 0
	for {
		e.insnIdx = idx
		if idx >= n {
			return e.reject(EFAULT, msgInvalidInsnIdx, idx, n)
		}
		e.processed++
		if e.processed > MaxInsns {
			// Reported at the last instruction do_check printed.
			e.insnIdx = prev
			return e.reject(E2BIG, msgTooLarge, e.processed)
		}
		e.cur.last = prev
		exit := false
		if e.aux[idx].prune {
			hit, err := e.isStateVisited(idx)
			if err != nil {
				return err
			}
			if hit {
				if e.log.anyLevel() {
					if e.doPrint {
						e.log.printf("\nfrom %d to %d: safe\n", prev, idx)
					} else {
						e.log.printf("%d: safe\n", idx)
					}
				}
				exit = true
			}
		}
		if !exit {
			if e.isJmpPoint(idx) {
				if err := e.pushHist(e.cur, histEntry{idx: int32(idx), prev: int32(prev)}); err != nil {
					return err
				}
			}
			e.lastLine = idx
			if e.log.level != 0 {
				e.printBeforeInsn(idx, prev)
			}
			if e.cfg.KeepStates {
				e.before = e.cur.regs // 704 bytes: only when states are kept
			}
			from := prev
			prev = idx
			e.at = idx
			if e.liveOn {
				e.liveResetWrites(idx)
			}
			next, done, err := e.doCheckInsn(idx)
			if err != nil {
				return err
			}
			if e.liveOn {
				e.liveCommitWrites()
			}
			if e.cfg.KeepStates {
				st := Step{Insn: idx, Prev: from, Before: e.before, Regs: e.cur.regs}
				if e.cfg.Observer != nil {
					e.cfg.Observer.Step(st)
				} else {
					e.steps = append(e.steps, st)
				}
				e.nsteps++
			}
			exit = done
			idx = next
		}
		if !exit {
			continue
		}
		// process_bpf_exit: mark_verifier_state_scratched,
		// update_branch_counts, bpf_update_live_stack, pop_stack.
		e.scratched, e.scratchedStack = 0xffff, ^uint64(0)
		if err := e.updateBranchCounts(); err != nil {
			return err
		}
		if e.liveOn {
			e.liveUpdate()
		}
		if len(e.stack) == 0 {
			return nil
		}
		b := e.stack[len(e.stack)-1]
		e.stack = e.stack[:len(e.stack)-1]
		e.cur = b.st
		if !e.log.level2() {
			e.log.reset(b.logPos)
		}
		prev, idx = b.prev, b.idx
		e.doPrint = true
	}
}

// isJmpPoint: 6.18 records jump history at jump targets (is_jmp_point);
// 5.9 at every prune point that did not add a state.
func (e *env) isJmpPoint(idx int) bool {
	if e.p.Has(FeatJmpPoint) {
		return e.aux[idx].jmpPoint
	}
	return e.aux[idx].prune
}

// printBeforeInsn prints what do_check logs before checking idx: the
// "from" header of a popped branch, the pending state, and the
// instruction line.
func (e *env) printBeforeInsn(idx, prev int) {
	l := &e.log
	if !e.p.Has(FeatLogInlineState) {
		if l.level2() || (l.anyLevel() && e.doPrint) {
			if l.level2() {
				l.printf("%d:", idx)
			} else {
				l.printf("\nfrom %d to %d:", prev, idx)
			}
			e.printState59(e.cur)
			e.doPrint = false
		}
		if l.anyLevel() {
			e.verboseLinfo(idx, "; ")
			l.printf("%d: %s\n", idx, e.disasm(idx))
		}
		return
	}
	if l.level2() && e.doPrint {
		l.printf("\nfrom %d to %d:", prev, idx)
		e.printState(e.cur, true)
		e.doPrint = false
	}
	if l.anyLevel() {
		if e.scratched != 0 || e.scratchedStack != 0 {
			e.printInsnState()
		}
		e.verboseLinfo(idx, "; ")
		l.prevLogPos = l.pos()
		l.printf("%d: %s\n", idx, e.disasm(idx))
		l.prevInsnPrintPos = l.pos() - l.prevLogPos
		l.prevLogPos = l.pos()
	}
}

// printInsnState models print_insn_state (kernel/bpf/log.c, v6.18): the
// state goes at the end of the last instruction line, after padding and
// ';', if nothing was printed since; otherwise on its own "%d:" line.
func (e *env) printInsnState() {
	l := &e.log
	if l.prevLogPos != 0 && l.prevLogPos == l.pos() {
		l.reset(l.prevLogPos - 1)
		l.write(strings.Repeat(" ", alignment(l.prevInsnPrintPos)))
		l.write(";")
	} else {
		l.printf("%d:", e.insnIdx)
	}
	e.printState(e.cur, false)
}

// printState models print_verifier_state (v6.18) for frame 0: the
// registers, then the stack slots that were written (only the scratched
// ones unless all). Before FeatLogNoLiveness, print_liveness adds "_w" to
// a register written since the last checkpoint; stack slots are walked
// only under WalkMemory, the profiles that write them.
func (e *env) printState(st *vstate, all bool) {
	live := !e.p.Has(FeatLogNoLiveness)
	for i, r := range st.regs {
		if r.Type == regstate.NotInit || (!all && e.scratched&(1<<i) == 0) {
			continue
		}
		w := ""
		if live && r.Written {
			w = "_w"
		}
		e.log.printf(" R%d%s=%s", i, w, e.p.FormatReg(r))
	}
	for i := range st.stack {
		slot := &st.stack[i]
		if (!all && e.scratchedStack&(1<<i) == 0) || !slot.Valid() {
			continue
		}
		e.log.printf(" fp%d=%s", -(i+1)*regstate.RegSize, slot.TypeChars())
		if slot.IsSpilled() {
			// STACK_DYNPTR, STACK_ITER and STACK_IRQ_FLAG are never
			// written here.
			e.log.write(e.p.FormatReg(slot.Spilled))
		}
	}
	for i, r := range st.refs {
		if i == 0 {
			e.log.printf(" refs=%d", r.id)
		} else {
			e.log.printf(",%d", r.id)
		}
	}
	e.log.write("\n")
	if !all {
		e.scratched, e.scratchedStack = 0, 0
	}
}

// printState59 models the 5.9 print_verifier_state: every initialized
// register, with its liveness mark.
func (e *env) printState59(st *vstate) {
	for i, r := range st.regs {
		if r.Type == regstate.NotInit {
			continue
		}
		w := ""
		if r.Written {
			w = "_w"
		}
		e.log.printf(" R%d%s=%s", i, w, r.Format59())
	}
	e.log.write("\n")
}

// doCheckInsn models do_check_insn: it checks the instruction at idx and
// returns the next instruction, or done when the path ended at an exit.
func (e *env) doCheckInsn(idx int) (next int, done bool, err error) {
	s := e.orig[idx]
	e.fn = "do_check_insn"
	switch s.Class() {
	case insn.ClassALU, insn.ClassALU64:
		e.fn = "check_alu_op"
		return idx + 1, false, e.checkALU(s)
	case insn.ClassLDX:
		// The reserved fields were checked in the pre-pass.
		if !e.p.Has(WalkMemory) {
			return 0, false, e.unsupported("memory loads are not modeled: %s", e.disasm(idx))
		}
		e.fn = "check_load_mem"
		return idx + 1, false, e.checkLoadMem(idx, s)
	case insn.ClassSTX:
		if e.p.Has(FeatAtomics) && s.Mode() != insn.ModeATOMIC && (s.Mode() != insn.ModeMEM || s.Imm != 0) {
			return 0, false, e.reject(EINVAL, msgSTXReserved)
		}
		if !e.p.Has(WalkMemory) {
			return 0, false, e.unsupported("memory stores are not modeled: %s", e.disasm(idx))
		}
		if s.Mode() == insn.ModeATOMIC {
			return idx + 1, false, e.checkAtomic(idx, s)
		}
		e.fn = "check_store_reg"
		return idx + 1, false, e.checkStoreReg(idx, s)
	case insn.ClassST:
		if s.Mode() != insn.ModeMEM || s.Src != 0 {
			return 0, false, e.reject(EINVAL, msgSTReserved)
		}
		if !e.p.Has(WalkMemory) {
			return 0, false, e.unsupported("memory stores are not modeled: %s", e.disasm(idx))
		}
		return idx + 1, false, e.checkStoreImm(idx, s)
	case insn.ClassLD:
		switch s.Mode() {
		case insn.ModeABS, insn.ModeIND:
			if !e.p.Has(WalkMemory) {
				return 0, false, e.unsupported("LD_ABS/LD_IND (check_ld_abs) is not modeled: %s", e.disasm(idx))
			}
			e.fn = "check_ld_abs"
			return idx + 1, false, e.checkLdAbs(s)
		case insn.ModeIMM:
			e.fn = "check_ld_imm"
			return idx + 2, false, e.checkLdImm(idx)
		}
		return 0, false, e.reject(EINVAL, msgInvalidLdMode)
	}
	// JMP, JMP32
	e.jmps++
	class := s.Class()
	switch s.Op() {
	case insn.OpCALL:
		var bad bool
		if e.p.Has(FeatCallReservedKfunc) {
			bad = s.Source() != insn.SrcK || (s.Src != insn.PseudoKfuncCall && s.Off != 0) ||
				(s.Src != 0 && s.Src != insn.PseudoCall && s.Src != insn.PseudoKfuncCall) ||
				s.Dst != 0 || class == insn.ClassJMP32
		} else {
			bad = s.Source() != insn.SrcK || s.Off != 0 || (s.Src != 0 && s.Src != insn.PseudoCall) ||
				s.Dst != 0 || class == insn.ClassJMP32
		}
		if bad {
			return 0, false, e.reject(EINVAL, msgCallReserved)
		}
		if e.p.Has(WalkHelperCalls) && isHelperCall(s) {
			return idx + 1, false, e.checkHelperCall(idx)
		}
		return 0, false, e.unsupported("calls are not modeled: %s", e.disasm(idx))
	case insn.OpJA:
		var bad bool
		if e.p.Has(FeatGotol) {
			bad = s.Source() != insn.SrcK || s.Src != 0 || s.Dst != 0 ||
				(class == insn.ClassJMP && s.Imm != 0) || (class == insn.ClassJMP32 && s.Off != 0)
		} else {
			bad = s.Source() != insn.SrcK || s.Imm != 0 || s.Src != 0 || s.Dst != 0 || class == insn.ClassJMP32
		}
		if bad {
			return 0, false, e.reject(EINVAL, msgJAReserved)
		}
		if e.cfg.Explain {
			e.passed("the reserved fields of BPF_JA are 0; jump to insn %d", idx+int(s.JumpOffset())+1)
		}
		return idx + int(s.JumpOffset()) + 1, false, nil
	case insn.OpEXIT:
		if s.Source() != insn.SrcK || s.Imm != 0 || s.Src != 0 || s.Dst != 0 || class == insn.ClassJMP32 {
			return 0, false, e.reject(EINVAL, msgExitReserved)
		}
		if e.cfg.Explain {
			e.passed("the reserved fields of BPF_EXIT are 0 (off is not checked)")
		}
		e.fn = "check_return_code"
		if err := e.checkReturnCode(); err != nil {
			return 0, false, err
		}
		if e.cfg.Explain {
			e.passed("R0 holds %s: this path ends", e.p.FormatReg(e.cur.regs[0]))
		}
		return 0, true, nil
	case insn.OpJCOND:
		if e.p.Has(FeatMayGoto) {
			bad := s.Code != insn.ClassJMP|insn.OpJCOND || s.Src != 0 || s.Dst != 0 || s.Imm != 0
			if !e.p.Has(FeatMayGotoOff0) {
				// Before it, "may_goto +0" is refused too, and the
				// message names off.
				if bad || s.Off == 0 {
					return 0, false, e.reject(EINVAL, msgMayGotoOffImm, s.Off, s.Imm)
				}
			} else if bad {
				return 0, false, e.reject(EINVAL, msgMayGotoImm, s.Imm)
			}
			return 0, false, e.unsupported("may_goto is not modeled")
		}
	}
	e.fn = "check_cond_jmp_op"
	next, err = e.checkCondJmp(idx, s)
	return next, false, err
}

// checkLdAbs models check_ld_abs (v6.18): the program type may read the
// skb, the reserved fields, R6 the context at its base, no reference
// held (check_resource_leak), R1-R5 reset and R0 an unknown scalar.
func (e *env) checkLdAbs(s insn.Slot) error {
	switch e.cfg.ProgType {
	case SocketFilter, SchedCLS, SchedACT: // may_access_skb
	default:
		return e.reject(EINVAL, msgLdAbsType)
	}
	if s.Dst != 0 || s.Off != 0 || s.SizeField() == insn.SizeDW || (s.Mode() == insn.ModeABS && s.Src != 0) {
		return e.reject(EINVAL, msgLdAbsReserved)
	}
	if err := e.checkRegArg(6, srcOp); err != nil {
		return err
	}
	if err := e.referenceLeak("BPF_LD_[ABS|IND]"); err != nil {
		return err
	}
	r6 := e.cur.regs[6]
	if r6.Type != regstate.PtrToCtx {
		return e.reject(EINVAL, msgLdAbsR6)
	}
	if s.Mode() == insn.ModeIND {
		if err := e.checkRegArg(s.Src, srcOp); err != nil {
			return err
		}
	}
	if err := e.checkPtrOffReg("check_ptr_off_reg", 6, r6); err != nil {
		return err
	}
	e.resetCallerSaved()
	e.markUnknown(0)
	return nil
}

// checkReturnCode models the exit path of the main program:
// check_resource_leak's reference check, then check_return_code (v6.18)
// or the 5.9 R0 checks.
func (e *env) checkReturnCode() error {
	if err := e.referenceLeak("BPF_EXIT instruction in main prog"); err != nil {
		return err
	}
	if err := e.checkRegArg(0, srcOp); err != nil {
		return err
	}
	// is_pointer_value is false for a privileged loader: no "R0 leaks
	// addr as return value".
	if !e.cfg.ProgType.hasReturnRange() {
		return nil
	}
	r0 := e.cur.regs[0]
	if r0.Type != regstate.Scalar {
		name := r0.TypeString()
		if !e.p.Has(FeatLogScalarName) {
			name = r0.TypeString59()
		}
		return e.reject(EINVAL, msgExitNotKnown, name)
	}
	if e.p.Has(FeatExitRangeMessage) {
		if err := e.markChainPrecision(0); err != nil {
			return err
		}
		// retval_range_within (return_32bit is false for these types),
		// and verbose_invalid_scalar's text.
		lo, hi := returnRange(e.cfg.ProgType, e.cfg.ExpectedAttachType)
		v := r0.ScalarValue()
		if v.SMin >= int64(lo) && v.SMax <= int64(hi) {
			return nil
		}
		var detail string
		if v.SMin > math.MinInt64 {
			detail += fmt.Sprintf(" smin=%d", v.SMin)
		}
		if v.SMax < math.MaxInt64 {
			detail += fmt.Sprintf(" smax=%d", v.SMax)
		}
		if detail == "" {
			detail = " unknown scalar value"
		}
		return e.reject(EINVAL, msgExitRange618, detail, lo, hi)
	}
	// Before v6.8's message (FeatExitRangeMessage): the [0, 1] of the
	// types these profiles model, as a tnum.
	switch {
	case r0.Known && r0.Value <= 1:
		return nil
	case r0.Known:
		return e.reject(EINVAL, msgExitRange59, fmt.Sprintf("value (%#x; 0x0)", r0.Value))
	case r0.Width32:
		return e.reject(EINVAL, msgExitRange59, "value (0x0; 0xffffffff)")
	case r0.Ranged:
		return e.unsupported("a ranged R0 at exit before the v6.8 message is not modeled")
	}
	return e.reject(EINVAL, msgExitRange59, "unknown scalar value")
}
