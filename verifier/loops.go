package verifier

import (
	"fmt"

	"github.com/verisim/verisim/regstate"
)

// Bounded loops (WalkLoops, v6.18): a loop is walked iteration by
// iteration. A stored state whose paths are not all explored yet
// (branches > 0) is an ancestor of the current one on a loop: it can only
// tell an infinite loop apart (states_maybe_looping, then states_equal
// EXACT), never prune. The strongly connected components of the CFG
// (compute_scc) say which states can see their marks completed later: a
// state in a component pruned while the component is still being walked
// compares RANGE_WITHIN and leaves a backedge, whose precision marks
// propagate_backedges completes once the component's entry state is done.

// exactLevel is enum exact_level of states_equal.
type exactLevel uint8

const (
	notExact exactLevel = iota
	exact
	rangeWithinLevel
)

// sccVisit is struct bpf_scc_visit for frame 0's callchain: the state
// the walk entered the component with, and the backedges since.
type sccVisit struct {
	entry     *storedState
	backedges []*vstate // newest last (the kernel prepends to a list)
	n         int       // num_backedges
}

// computeSCC models compute_scc (v6.18): Tarjan's algorithm, iterative as
// the kernel writes it (Pearce's variant), over every slot in order; a
// component of one instruction without a self edge gets 0.
func (e *env) computeSCC() {
	n := len(e.orig)
	const notOnStack = ^uint32(0)
	scc := make([]uint32, n)
	pre := make([]uint32, n)
	low := make([]uint32, n)
	stack := make([]int, 0, n)
	dfs := make([]int, 0, n)
	nextPre, nextSCC := uint32(1), uint32(1)
	for i := 0; i < n; i++ {
		if pre[i] != 0 {
			continue
		}
		stack = stack[:0]
		dfs = append(dfs[:0], i)
	dfsContinue:
		for len(dfs) > 0 {
			w := dfs[len(dfs)-1]
			if pre[w] == 0 {
				low[w], pre[w] = nextPre, nextPre
				nextPre++
				stack = append(stack, w)
			}
			succ, ns := e.successors(w)
			for j := 0; j < ns; j++ {
				if s := succ[j]; pre[s] != 0 {
					low[w] = min(low[w], low[s])
				} else {
					dfs = append(dfs, s)
					continue dfsContinue
				}
			}
			if low[w] < pre[w] {
				dfs = dfs[:len(dfs)-1]
				continue
			}
			assign := stack[len(stack)-1] != w
			for j := 0; j < ns; j++ {
				if succ[j] == w {
					assign = true
				}
			}
			for {
				t := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				low[t] = notOnStack
				if assign {
					scc[t] = nextSCC
				}
				if t == w {
					break
				}
			}
			if assign {
				nextSCC++
			}
			dfs = dfs[:len(dfs)-1]
		}
	}
	e.scc = scc
}

// sccOf is the component of a state of frame 0 (compute_scc_callchain:
// the callchain is the component alone), 0 when it is in none.
func (e *env) sccOf(idx int) uint32 {
	if e.scc == nil || idx < 0 || idx >= len(e.scc) {
		return 0
	}
	return e.scc[idx]
}

// maybeEnterSCC models maybe_enter_scc for a new checkpoint st at idx.
func (e *env) maybeEnterSCC(st *storedState) {
	c := e.sccOf(st.idx)
	if c == 0 {
		return
	}
	v := e.visits[c]
	if v == nil {
		v = &sccVisit{}
		e.visits[c] = v
	}
	if v.entry == nil {
		v.entry = st
		if e.log.level2() {
			e.log.printf("SCC enter (%d)\n", c)
		}
	}
}

// maybeExitSCC models maybe_exit_scc: when the component's entry state
// has no paths left, its backedges propagate their precision.
func (e *env) maybeExitSCC(st *storedState) error {
	c := e.sccOf(st.idx)
	if c == 0 {
		return nil
	}
	v := e.visits[c]
	if v == nil {
		// maybe_exit_scc's verifier_bug "scc exit: no visit info": every
		// checkpoint in a component allocates its visit.
		return e.unsupported("maybe_exit_scc found no visit for SCC %d (the kernel's verifier_bug)", c)
	}
	if v.entry != st {
		return nil
	}
	if e.log.level2() {
		e.log.printf("SCC exit (%d)\n", c)
	}
	v.entry = nil
	e.numBackedges -= v.n
	v.n = 0
	e.updatePeak()
	return e.propagateBackedges(v)
}

// maxBackedgeIters is MAX_BACKEDGE_ITERS.
const maxBackedgeIters = 64

// propagateBackedges models propagate_backedges: the precision marks of
// each backedge's equal state are propagated into the backedge's parents
// until nothing changes.
func (e *env) propagateBackedges(v *sccVisit) error {
	for i := 0; ; i++ {
		if i > maxBackedgeIters {
			if e.log.level2() {
				e.log.write("propagate_backedges: too many iterations\n")
			}
			for k := len(v.backedges) - 1; k >= 0; k-- {
				e.markAllScalarsPrecise(v.backedges[k])
			}
			break
		}
		changed := false
		for k := len(v.backedges) - 1; k >= 0; k-- {
			be := v.backedges[k]
			if err := e.propagatePrecision(be.equal, be, &changed); err != nil {
				return err
			}
		}
		if !changed {
			break
		}
	}
	v.backedges = nil
	return nil
}

// addSCCBackedge models add_scc_backedge: be, a copy of the current state
// that sl pruned RANGE_WITHIN, waits for the component's exit.
func (e *env) addSCCBackedge(sl *storedState, be *vstate) error {
	c := e.sccOf(sl.idx)
	v := e.visits[c]
	if c == 0 || v == nil {
		return e.unsupported("add_scc_backedge found no visit for insn %d (the kernel's verifier_bug)", sl.idx)
	}
	if e.log.level2() {
		e.log.printf("SCC backedge (%d)\n", c)
	}
	v.backedges = append(v.backedges, be)
	v.n++
	e.numBackedges++
	e.updatePeak()
	return nil
}

// incompleteReadMarks models incomplete_read_marks: st is in a component
// whose visit has backedges pending.
func (e *env) incompleteReadMarks(st *storedState) bool {
	c := e.sccOf(st.idx)
	if c == 0 {
		return false
	}
	v := e.visits[c]
	return v != nil && len(v.backedges) > 0
}

// updatePeak is update_peak_states: the explored states, those evicted
// but still referenced (the free list) and the backedges.
func (e *env) updatePeak() {
	if n := e.nExplored + e.freeList + e.numBackedges; n > e.peak {
		e.peak = n
	}
}

// maybeFree models maybe_free_verifier_state: an evicted state is freed
// once no path depends on it.
func (e *env) maybeFree(sl *storedState) {
	if !sl.inFree || sl.freed || sl.branches != 0 || e.incompleteReadMarks(sl) {
		return
	}
	sl.freed = true
	e.freeList--
}

// updateBranchCounts models update_branch_counts at the end of a path
// (an exit or a pruned state): the path's checkpoints lose a branch, and
// those left with none leave their component and may be freed.
func (e *env) updateBranchCounts() error {
	// The current state's own count goes from 1 to 0: it is at idx, where
	// it was pruned, or at the exit, in no component.
	if c := e.sccOf(e.insnIdx); c != 0 && e.visits[c] == nil {
		return e.unsupported("maybe_exit_scc found no visit for SCC %d (the kernel's verifier_bug)", c)
	}
	for st := e.cur.parent; st != nil; {
		st.branches--
		if st.branches > 0 {
			break
		}
		if err := e.maybeExitSCC(st); err != nil {
			return err
		}
		parent := st.parent
		e.maybeFree(st)
		st = parent
	}
	return nil
}

// statesMaybeLooping models states_maybe_looping: every register of the
// frame is the same bytes up to frameno (type, offsets, bounds and ids).
func statesMaybeLooping(old *storedState, cur *vstate) bool {
	for i := range old.regs {
		o, c := old.regs[i], cur.regs[i]
		if o.Type == regstate.NotInit && c.Type == regstate.NotInit {
			continue
		}
		if !sameRegBytes(o, c) || o.ID != c.ID || o.AddConst != c.AddConst || o.RefObjID != c.RefObjID {
			return false
		}
	}
	return true
}

// sameRegBytes compares what bpf_reg_state holds before its id: the
// type with its flags, the fixed offset, the pointer's target, var_off
// and the bounds.
func sameRegBytes(o, c regstate.Reg) bool {
	return o.Type == c.Type && o.Flags == c.Flags && o.Off == c.Off && mapID(o) == mapID(c) &&
		o.BTFID == c.BTFID && o.MemSize == c.MemSize && o.Subprog == c.Subprog &&
		o.ScalarValue() == c.ScalarValue()
}

// regsExact is regs_exact: the same bytes up to the id, and ids that map.
func regsExact(o, c regstate.Reg, idmap *idMap) bool {
	return sameRegBytes(o, c) && idmap.checkIDs(rawID(o), rawID(c)) && idmap.checkIDs(o.RefObjID, c.RefObjID)
}

// rawID is reg->id with BPF_ADD_CONST.
func rawID(r regstate.Reg) uint32 {
	if r.AddConst {
		return r.ID | addConstFlag
	}
	return r.ID
}

// infiniteLoop reports the loop is_state_visited found: the state at idx
// is the one of an ancestor still being explored.
func (e *env) infiniteLoop(idx int, old *storedState) error {
	e.verboseLinfo(idx, "; ")
	e.log.printf("infinite loop detected at insn %d\n", idx)
	e.log.write("cur state:")
	e.printState(e.cur, true)
	// The error line is the last one: the old state. The message needs
	// it whatever the log level, so it is formatted once and logged.
	msg := fmt.Sprintf(msgInfiniteLoop, e.stateString(&old.vstate))
	e.log.write(msg + "\n")
	e.failed(fmt.Sprintf("infinite loop detected at insn %d", idx))
	// The instruction is the last one do_check printed.
	return &kernelErr{verdict: Reject, errno: EINVAL, msg: msg, insn: e.lastLine, id: MsgInfiniteLoop}
}

// stateString is what printState(st, true) prints, without the newline,
// at any log level.
func (e *env) stateString(st *vstate) string {
	saved := e.log
	e.log = vlog{level: logLevel2}
	e.printState(st, true)
	s := string(e.log.buf[:len(e.log.buf)-1])
	e.log = saved
	return s
}
