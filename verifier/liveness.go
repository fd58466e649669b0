package verifier

import (
	"fmt"
	"strings"
)

// stackLive is the stack slot liveness of kernel/bpf/liveness.c (v6.18,
// FeatStackLiveness) for the one function instance modeled: the main
// program's, call chain (0). Per instruction it accumulates the slots the
// instruction may read and must write over every visit so far, and a
// data-flow pass (update) turns them into the slots live before it.
type stackLive struct {
	// masks are struct per_frame_masks by instruction; nil until the
	// first mark (alloc_frame_masks allocates the frame's array lazily).
	masks []liveMasks
	// mustSet is func_instance.must_write_set: the instruction's
	// must_write was committed once.
	mustSet          []bool
	updated, dropped bool // func_instance.updated, .must_write_dropped
	writeAcc         uint64
	writeIdx         int
	postorder        []poInsn // compute_postorder's order for subprogram 0
}

// poInsn is an instruction of the postorder with its successors
// (bpf_insn_successors), computed once.
type poInsn struct {
	idx  int32
	succ [2]int32
	n    int32
}

type liveMasks struct {
	mayRead, mustWrite, mustWriteAcc, liveBefore uint64
}

func (l *stackLive) alloc(n int) {
	if l.masks == nil {
		l.masks = make([]liveMasks, n)
	}
}

// markRead is bpf_mark_stack_read (mark_stack_read) for frame 0.
func (e *env) liveMarkRead(idx int, mask uint64) {
	l := &e.live
	l.alloc(len(e.orig))
	m := &l.masks[idx]
	nr := m.mayRead | mask
	if nr != m.mayRead && nr|m.liveBefore != m.liveBefore {
		l.updated = true
	}
	m.mayRead = nr
}

// liveResetWrites is bpf_reset_stack_write_marks: do_check calls it
// before each instruction.
func (e *env) liveResetWrites(idx int) {
	e.live.writeIdx = idx
	e.live.writeAcc = 0
}

// liveMarkWrite is bpf_mark_stack_write for frame 0.
func (e *env) liveMarkWrite(mask uint64) { e.live.writeAcc |= mask }

// liveCommitWrites is bpf_commit_stack_write_marks (commit_stack_write_marks):
// the instruction's must_write becomes the intersection of what every
// visit wrote.
func (e *env) liveCommitWrites() {
	l := &e.live
	idx := l.writeIdx
	if l.mustSet == nil {
		l.mustSet = make([]bool, len(e.orig))
	}
	mask := l.writeAcc
	if mask != 0 || l.mustSet[idx] {
		l.alloc(len(e.orig))
		m := &l.masks[idx]
		old := m.mustWrite
		if l.mustSet[idx] {
			mask &= old
		}
		if old != mask {
			m.mustWrite = mask
			l.updated = true
		}
		if old&^mask != 0 {
			l.dropped = true
		}
	}
	l.mustSet[idx] = true
	l.writeIdx = 0
}

// liveUpdate is bpf_update_live_stack for frame 0 (update_instance when
// marks changed): the fixed point of live_before and must_write_acc over
// the postorder, logged at level 2 by log_mask_change.
func (e *env) liveUpdate() {
	l := &e.live
	if !l.updated {
		return
	}
	l.updated = false
	if l.dropped {
		for i := range l.masks {
			l.masks[i].mustWriteAcc = 0
		}
	}
	l.dropped = false
	if l.postorder == nil {
		l.postorder = e.computePostorder()
	}
	cnt := 0
	for changed := true; changed; {
		cnt++
		changed = false
		if l.masks == nil {
			break
		}
		lv2 := e.log.level2()
		for k := range l.postorder {
			changed = e.liveUpdateInsn(&l.postorder[k], lv2) || changed
		}
	}
	if e.log.level2() {
		e.log.printf("(0) live stack update done in %d iterations\n", cnt)
	}
}

// liveUpdateInsn is update_insn.
func (e *env) liveUpdateInsn(p *poInsn, lv2 bool) bool {
	if p.n == 0 {
		return false
	}
	l := &e.live
	i := int(p.idx)
	m := &l.masks[i]
	var after uint64
	acc := ^uint64(0)
	for j := int32(0); j < p.n; j++ {
		s := &l.masks[p.succ[j]]
		after |= s.liveBefore
		acc &= s.mustWriteAcc
	}
	acc |= m.mustWrite
	before := after&^m.mustWrite | m.mayRead
	changed := before != m.liveBefore || acc != m.mustWriteAcc
	if lv2 && (m.mayRead != 0 || m.mustWrite != 0 || i == 0 || e.aux[i].prune) {
		e.logMaskChange("live", i, m.liveBefore, before)
		e.logMaskChange("written", i, m.mustWriteAcc, acc)
	}
	m.liveBefore, m.mustWriteAcc = before, acc
	return changed
}

// logMaskChange is log_mask_change for call chain (0), frame 0.
func (e *env) logMaskChange(pfx string, i int, old, cur uint64) {
	changed := old ^ cur
	if changed == 0 {
		return
	}
	e.log.printf("(0) frame 0 insn %d ", i)
	if ones := cur & changed; ones != 0 {
		e.log.printf("+%s %s ", pfx, stackMask(ones))
	}
	if zeros := ^cur & changed; zeros != 0 {
		e.log.printf("-%s %s", pfx, stackMask(zeros))
	}
	e.log.write("\n")
}

// liveSlotAlive is bpf_stack_slot_alive for a frame-0 state at idx.
func (e *env) liveSlotAlive(idx, spi int) bool {
	l := &e.live
	return l.masks != nil && l.masks[idx].liveBefore&(1<<spi) != 0
}

// stackMask formats a slot mask as fmt_stack_mask (bpf_fmt_stack_mask):
// "-8,-24,-40".
func stackMask(m uint64) string {
	var b strings.Builder
	for i := 0; i < 64; i++ {
		if m&(1<<i) != 0 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d", -(i+1)*8)
		}
	}
	return b.String()
}

// computePostorder is compute_postorder (v6.18) for subprogram 0: a
// depth-first walk from its first instruction that pushes every
// undiscovered successor (the fall-through first, so the jump target is
// explored first) and emits an instruction once all it pushed are done.
func (e *env) computePostorder() []poInsn {
	const discovered, explored = 1, 2
	n := len(e.orig)
	state := make([]uint8, n)
	stack := make([]int, 1, 16)
	out := make([]poInsn, 0, n)
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		state[top] |= discovered
		if state[top]&explored != 0 {
			p := poInsn{idx: int32(top)}
			succ, ns := e.successors(top)
			for j := 0; j < ns; j++ {
				p.succ[p.n] = int32(succ[j])
				p.n++
			}
			out = append(out, p)
			stack = stack[:len(stack)-1]
			continue
		}
		succ, ns := e.successors(top)
		for j := 0; j < ns; j++ {
			if s := succ[j]; s < n && state[s] == 0 {
				stack = append(stack, s)
				state[s] |= discovered
			}
		}
		state[top] |= explored
	}
	return out
}
