package verifier

import (
	"fmt"

	"github.com/verisim/verisim/insn"
)

// maxSubprogs is BPF_MAX_SUBPROGS.
const maxSubprogs = 256

func isPseudoFunc(s insn.Slot) bool { return s.Code == insn.CodeLdImm64 && s.Src == insn.PseudoFunc }
func isPseudoCall(s insn.Slot) bool { return s.Code == insn.CodeCall && s.Src == insn.PseudoCall }
func isKfuncCall(s insn.Slot) bool  { return s.Code == insn.CodeCall && s.Src == insn.PseudoKfuncCall }

// addSubprog models add_subprog: off is i + imm + 1, computed in 32 bits
// as the kernel's int arithmetic wraps.
func (e *env) addSubprog(off int32) error {
	if off < 0 || int(off) >= len(e.orig) {
		return e.reject(EINVAL, msgCallInvalidDest)
	}
	for _, sp := range e.subprogs {
		if sp.start == int(off) {
			return nil
		}
	}
	if len(e.subprogs) >= maxSubprogs {
		return e.reject(E2BIG, msgTooManySubprogs)
	}
	// Kept sorted by start: an insertion.
	i := len(e.subprogs)
	e.subprogs = append(e.subprogs, subprog{})
	for ; i > 0 && e.subprogs[i-1].start > int(off); i-- {
		e.subprogs[i] = e.subprogs[i-1]
	}
	e.subprogs[i] = subprog{start: int(off)}
	return nil
}

// addSubprogAndKfunc models add_subprog_and_kfunc (v6.18). Every slot is
// scanned, second halves included. The loader is privileged, so the
// CAP_BPF check passes.
func (e *env) addSubprogAndKfunc() error {
	defer e.enter("add_subprog_and_kfunc", -1)()
	if err := e.addSubprog(0); err != nil {
		return err
	}
	for i, s := range e.orig {
		if s.Code != insn.CodeLdImm64 && s.Code != insn.CodeCall {
			continue
		}
		switch {
		case (isPseudoFunc(s) && e.p.Has(FeatPseudoFunc)) || isPseudoCall(s):
			e.hasJumps = true // check_cfg gives both an edge to the callee
			e.at = i
			if err := e.addSubprog(int32(i) + s.Imm + 1); err != nil {
				return err
			}
			if e.cfg.Explain {
				e.passed("the target insn %d (i + imm + 1) is inside the program: it starts a subprogram", int32(i)+s.Imm+1)
			}
		case isKfuncCall(s):
			// add_kfunc_call resolves the kfunc in BTF and its module.
			return e.unsupported("insn %d is a kfunc call (add_kfunc_call is not modeled): %s", i, insn.Disasm(s, nil, true))
		}
	}
	if err := e.findExceptionCallback(); err != nil {
		return err
	}
	e.printSubprogs()
	return nil
}

func (e *env) printSubprogs() {
	if e.log.level2() {
		for i, sp := range e.subprogs {
			e.log.printf(msgFuncInfo+"\n", i, sp.start)
		}
	}
}

// checkSubprogs models check_subprogs (v6.18 and, with PrePassFirst, the
// 5.9 version, which also discovers the subprograms of bpf-to-bpf calls).
func (e *env) checkSubprogs() error {
	defer e.enter("check_subprogs", -1)()
	prog := e.orig
	n := len(prog)
	if !e.p.Has(FeatResolveAfterSubprogs) {
		if err := e.addSubprog(0); err != nil {
			return err
		}
		for i, s := range prog {
			if isPseudoCall(s) {
				if err := e.addSubprog(int32(i) + s.Imm + 1); err != nil {
					return err
				}
			}
		}
		e.printSubprogs()
	}
	ends := make([]int, len(e.subprogs))
	for k := range e.subprogs {
		if k+1 < len(e.subprogs) {
			ends[k] = e.subprogs[k+1].start
		} else {
			ends[k] = n
		}
	}
	cur := 0
	start, end := e.subprogs[0].start, ends[0]
	for i := 0; i < n; i++ {
		s := &prog[i]
		switch s.Class() {
		case insn.ClassJMP, insn.ClassJMP32:
			if s.Code == insn.CodeCall && s.Src == 0 && s.Imm == 12 { // BPF_FUNC_tail_call
				e.subprogs[cur].hasTailCal = true
			}
			if s.Code != insn.CodeExit {
				e.hasJumps = true
			}
			if op := s.Op(); op != insn.OpEXIT && op != insn.OpCALL {
				off := int32(i) + s.JumpOffset() + 1
				if !e.p.Has(FeatGotol) {
					off = int32(i) + int32(s.Off) + 1 // no gotol before v6.4
				}
				if int(off) < start || int(off) >= end {
					e.at = i
					return e.reject(EINVAL, msgJumpOutOfRange, i, off)
				}
			}
		case insn.ClassLD:
			if m := s.Mode(); m == insn.ModeABS || m == insn.ModeIND {
				e.subprogs[cur].hasLdAbs = true
			}
		}
		if i == end-1 {
			ok := s.Code == insn.CodeExit || s.Code == insn.CodeJA || (e.p.Has(FeatGotol) && s.Code == insn.CodeJA32)
			if !ok {
				e.at = i
				return e.reject(EINVAL, msgLastInsn)
			}
			cur++
			if cur < len(e.subprogs) {
				start, end = end, ends[cur]
			}
		}
	}
	if e.cfg.Explain {
		e.passed("every jump stays inside its subprogram, and each subprogram ends with an exit or a jump")
	}
	return nil
}

// checkAbnormalReturn models check_abnormal_return, run by check_btf_info
// when there is no func_info (v6.18).
func (e *env) checkAbnormalReturn() error {
	for _, sp := range e.subprogs[1:] {
		if sp.hasLdAbs {
			return e.reject(EINVAL, msgLdAbsSubprog)
		}
		if sp.hasTailCal {
			return e.reject(EINVAL, msgTailCallSubprog)
		}
	}
	return nil
}

// check_cfg insn states.
const (
	cfgDiscovered  = 0x10
	cfgExplored    = 0x20
	cfgFallthrough = 1
	cfgBranch      = 2
)

// pushInsn models push_insn: 1 means keep exploring (a new node was
// pushed), 0 done.
func (e *env) pushInsn(t, w, edge int, stack *[]int32, loopOK bool) (int, error) {
	st := &e.aux[t].cfgState
	if edge == cfgFallthrough && *st >= cfgDiscovered|cfgFallthrough {
		return 0, nil
	}
	if edge == cfgBranch && *st >= cfgDiscovered|cfgBranch {
		return 0, nil
	}
	if w < 0 || w >= len(e.orig) {
		e.verboseLinfo(t, fmt.Sprintf("%d: ", t))
		return 0, e.reject(EINVAL, msgJumpOutOfRange, t, w)
	}
	if edge == cfgBranch {
		e.aux[w].prune = true
		e.aux[w].jmpPoint = true
	}
	ws := e.aux[w].cfgState
	switch {
	case ws == 0:
		*st = cfgDiscovered | uint8(edge)
		e.aux[w].cfgState = cfgDiscovered
		*stack = append(*stack, int32(w))
		return 1, nil
	case ws&0xf0 == cfgDiscovered:
		// A back-edge: allowed for bpf_capable (the loader is
		// privileged), but loops are not modeled by do_check.
		// 6.18's push_insn allows every back-edge for bpf_capable; 5.9
		// only those of jumps (loop_ok).
		if !loopOK && !e.p.Has(FeatBackEdgeAnyInsn) {
			return 0, e.reject(EINVAL, msgBackEdge, t, w)
		}
		e.hasCycle = true
		return 0, nil
	case ws == cfgExplored:
		*st = cfgDiscovered | uint8(edge)
		return 0, nil
	}
	return 0, e.reject(EFAULT, msgInsnStateBug)
}

// checkCFG models check_cfg: an iterative DFS that finds out-of-range
// jumps, marks prune points and, with CFGStepsOverLdImm64 (v6.7+), steps
// over ld_imm64 second halves; then every slot must have been explored.
func (e *env) checkCFG() error {
	defer e.enter("check_cfg", -1)()
	prog := e.orig
	n := len(prog)
	if !e.hasJumps {
		if err := e.checkCFGLinear(); err != nil {
			return err
		}
		if e.cfg.Explain {
			e.passed("every slot is reachable and no jump lands inside an ld_imm64")
		}
		return nil
	}
	stack := make([]int32, 1, n+1) // the kernel's insn_stack holds insn_cnt entries
	e.aux[0].cfgState = cfgDiscovered
	for len(stack) > 0 {
		t := int(stack[len(stack)-1])
		// Fast path for a slot that falls through to a new slot: what
		// visit_insn and push_insn do for it, inlined.
		if s := prog[t]; !s.IsJump() && !(e.p.Has(FeatPseudoFunc) && isPseudoFunc(s)) {
			w := t + 1
			if e.p.Has(FeatCFGStepsOverLdImm64) && s.Code == insn.CodeLdImm64 {
				w = t + 2
			}
			st := &e.aux[t].cfgState
			if *st < cfgDiscovered|cfgFallthrough && w < n && e.aux[w].cfgState == 0 {
				*st = cfgDiscovered | cfgFallthrough
				e.aux[w].cfgState = cfgDiscovered
				stack = append(stack, int32(w))
				continue
			}
			if *st >= cfgDiscovered|cfgFallthrough {
				// Its only edge is explored: done (DONE_EXPLORING).
				*st = cfgExplored
				stack = stack[:len(stack)-1]
				continue
			}
		}
		ret, err := e.visitInsn(t, &stack)
		if err != nil {
			return err
		}
		if ret == 0 {
			e.aux[t].cfgState = cfgExplored
			stack = stack[:len(stack)-1]
		}
	}
	for i := 0; i < n; i++ {
		if e.aux[i].cfgState != cfgExplored {
			e.at = i
			return e.reject(EINVAL, msgUnreachable, i)
		}
		if e.p.Has(FeatCFGStepsOverLdImm64) && prog[i].IsLdImm64() {
			if e.aux[i+1].cfgState != 0 {
				e.at = i
				return e.reject(EINVAL, msgJumpIntoLdImm, i)
			}
			i++
		}
	}
	if e.cfg.Explain {
		e.passed("every slot is reachable and no jump lands inside an ld_imm64")
	}
	return nil
}

// checkCFGLinear is check_cfg for a program without jumps, calls or
// BPF_PSEUDO_FUNC loads: the DFS can only walk slot by slot from 0 to the
// first exit, so every slot up to it is explored and none after it.
// check_subprogs already required the last slot to be an exit, so the walk
// never runs off the end.
func (e *env) checkCFGLinear() error {
	prog := e.orig
	n := len(prog)
	i := 0
	for ; i < n; i++ {
		e.aux[i].cfgState = cfgExplored
		if prog[i].Code == insn.CodeExit {
			break
		}
		if e.p.Has(FeatCFGStepsOverLdImm64) && prog[i].Code == insn.CodeLdImm64 {
			i++ // the second half stays unvisited
		}
	}
	if i+1 < n {
		e.at = i + 1
		return e.reject(EINVAL, msgUnreachable, i+1)
	}
	return nil
}

// visitInsn models visit_insn (v6.18) and the body of the 5.9 check_cfg
// loop.
func (e *env) visitInsn(t int, stack *[]int32) (int, error) {
	s := e.orig[t]
	p := e.p
	size := 1
	if p.Has(FeatCFGStepsOverLdImm64) && s.IsLdImm64() {
		size = 2
	}
	if p.Has(FeatPseudoFunc) && isPseudoFunc(s) {
		return e.visitFuncCall(t, size, true, stack)
	}
	if !s.IsJump() {
		return e.pushInsn(t, t+size, cfgFallthrough, stack, false)
	}
	switch s.Op() {
	case insn.OpEXIT:
		return 0, nil
	case insn.OpCALL:
		return e.visitFuncCall(t, 1, s.Src == insn.PseudoCall, stack)
	case insn.OpJA:
		if s.Source() != insn.SrcK {
			return 0, e.rejectSilent(EINVAL, "BPF_JA with a BPF_X source")
		}
		w := t + int(s.Off) + 1
		if p.Has(FeatGotol) && s.Class() == insn.ClassJMP32 {
			w = t + int(s.Imm) + 1
		}
		ret, err := e.pushInsn(t, w, cfgFallthrough, stack, true)
		if ret != 0 || err != nil {
			return ret, err
		}
		e.aux[w].prune = true
		e.aux[w].jmpPoint = true
		if !p.Has(FeatJANoFallthroughPrune) && t+1 < len(e.orig) {
			e.aux[t+1].prune = true
		}
		return 0, nil
	}
	// conditional jump (and may_goto) with two edges
	e.aux[t].prune = true
	if p.Has(FeatMayGoto) && s.Code == insn.ClassJMP|insn.OpJCOND && s.Src == 0 {
		e.aux[t].force = true // is_may_goto_insn: JMP|JCOND with src_reg BPF_MAY_GOTO
	}
	ret, err := e.pushInsn(t, t+1, cfgFallthrough, stack, true)
	if ret != 0 || err != nil {
		return ret, err
	}
	return e.pushInsn(t, t+int(s.Off)+1, cfgBranch, stack, true)
}

// visitFuncCall models visit_func_call_insn.
func (e *env) visitFuncCall(t, size int, callee bool, stack *[]int32) (int, error) {
	ret, err := e.pushInsn(t, t+size, cfgFallthrough, stack, false)
	if ret != 0 || err != nil {
		return ret, err
	}
	e.aux[t+size].prune = true
	e.aux[t+size].jmpPoint = true
	if callee {
		e.aux[t].prune = true
		// loop_ok: "It's ok to allow recursion from CFG point of view"
		// for a BPF_PSEUDO_FUNC (visit_func_call_insn).
		return e.pushInsn(t, t+int(e.orig[t].Imm)+1, cfgBranch, stack, isPseudoFunc(e.orig[t]))
	}
	return 0, nil
}

// successors is bpf_insn_successors (v6.18).
func (e *env) successors(i int) (out [2]int, n int) {
	s := e.orig[i]
	size := 1
	if s.IsLdImm64() {
		size = 2
	}
	fall, jump := true, false
	if s.IsJump() {
		switch s.Op() {
		case insn.OpEXIT:
			fall = false
		case insn.OpJA:
			fall, jump = false, true
		case insn.OpCALL:
		default:
			jump = true
		}
	}
	if fall {
		out[n] = i + size
		n++
	}
	if jump {
		out[n] = i + int(s.JumpOffset()) + 1
		n++
	}
	return out, n
}

// liveUseDef is compute_insn_live_regs (v6.18): the registers an
// instruction reads and writes.
func liveUseDef(s insn.Slot, pt ProgType) (use, def uint16) {
	src, dst := uint16(1)<<s.Src, uint16(1)<<s.Dst
	use = 0xffff
	switch s.Class() {
	case insn.ClassLD:
		if s.Mode() == insn.ModeIMM && s.SizeField() == insn.SizeDW {
			return 0, dst
		}
	case insn.ClassLDX:
		if s.Mode() == insn.ModeMEM || s.Mode() == insn.ModeMEMSX {
			return src, dst
		}
	case insn.ClassST:
		if s.Mode() == insn.ModeMEM {
			return dst, 0
		}
	case insn.ClassSTX:
		switch s.Mode() {
		case insn.ModeMEM:
			return dst | src, 0
		case insn.ModeATOMIC:
			switch s.Imm {
			case 0xf1: // BPF_CMPXCHG
				return 1 | dst | src, 1
			case 0x100: // BPF_LOAD_ACQ
				return src, dst
			case 0x110: // BPF_STORE_REL
				return dst | src, 0
			}
			if s.Imm&1 != 0 { // BPF_FETCH
				return dst | src, src
			}
			return dst | src, 0
		}
	case insn.ClassALU, insn.ClassALU64:
		switch s.Op() {
		case insn.OpEND:
			return dst, dst
		case insn.OpMOV:
			if s.Source() == insn.SrcK {
				return 0, dst
			}
			return src, dst
		}
		if s.Source() == insn.SrcK {
			return dst, dst
		}
		return dst | src, dst
	case insn.ClassJMP, insn.ClassJMP32:
		switch s.Op() {
		case insn.OpJA:
			if s.Source() == insn.SrcX {
				return dst, 0
			}
			return 0, 0
		case insn.OpJCOND:
			return 0, 0
		case insn.OpEXIT:
			return 1, 0
		case insn.OpCALL:
			// get_call_summary: a helper with a prototype for this
			// program type uses its arguments' registers; anything else
			// all of r1-r5.
			const callerSaved = 0x3f
			if n, ok := helperArgs(pt, s); ok {
				return uint16(1)<<(n+1) - 2, callerSaved // GENMASK(n, 1)
			}
			return callerSaved &^ 1, callerSaved
		}
		if s.Source() == insn.SrcK {
			return dst, 0
		}
		return dst | src, 0
	}
	return use, 0
}

// computeLiveRegs models compute_live_registers (v6.18): may-live
// registers before each reachable instruction, iterated to a fixpoint, and
// the "Live regs before insn:" block at level 2, its first column the
// instruction's SCC (compute_scc runs first, for programs with a cycle).
func (e *env) computeLiveRegs() {
	if e.liveDone {
		return
	}
	e.liveDone = true
	if e.hasCycle && e.p.Has(WalkLoops) {
		e.computeSCC()
		e.visits = map[uint32]*sccVisit{}
	}
	n := len(e.orig)
	use := make([]uint16, n)
	def := make([]uint16, n)
	in := make([]uint16, n)
	for i := range e.orig {
		use[i], def[i] = liveUseDef(e.orig[i], e.cfg.ProgType)
	}
	reach := make([]int, 0, n)
	for i := 0; i < n; i++ {
		if e.aux[i].cfgState == cfgExplored {
			reach = append(reach, i)
		}
	}
	for changed := true; changed; {
		changed = false
		for k := len(reach) - 1; k >= 0; k-- {
			i := reach[k]
			succ, ns := e.successors(i)
			var out uint16
			for j := 0; j < ns; j++ {
				if succ[j] < n {
					out |= in[succ[j]]
				}
			}
			nin := out&^def[i] | use[i]
			if nin != in[i] {
				in[i] = nin
				changed = true
			}
		}
	}
	for i := range e.aux {
		e.aux[i].live = in[i]
	}
	if !e.p.Has(FeatLiveRegsLog) || !e.log.level2() {
		return
	}
	e.log.write("Live regs before insn:\n")
	for i := 0; i < n; i++ {
		var b [10]byte
		for j := range b {
			b[j] = '.'
			if in[i]&(1<<j) != 0 {
				b[j] = byte('0' + j)
			}
		}
		if c := e.sccOf(i); c != 0 {
			e.log.printf("%3d ", c)
		} else {
			e.log.write("    ")
		}
		e.log.printf("%3d: %s %s\n", i, b[:], e.disasm(i))
		if e.orig[i].IsLdImm64() {
			i++
		}
	}
}

// disasm prints slot i with the pre-pass's rewritten immediate.
func (e *env) disasm(i int) string {
	s := e.orig[i]
	var next *insn.Slot
	if i+1 < len(e.orig) {
		n := e.orig[i+1]
		next = &n
		if a := e.aux[i].addr; a != 0 {
			addr := e.addrs[a-1]
			s.Imm, n.Imm = int32(uint32(addr)), int32(uint32(addr>>32))
		}
	}
	if c := s.Class(); (c == insn.ClassALU || c == insn.ClassALU64) && s.Off != 0 {
		// print_bpf_insn (kernel/bpf/disasm.c) reads an ALU off only
		// for sdiv/smod and movsx (v6.6) and addr_space_cast (v6.9).
		movsx := s.Op() == insn.OpMOV && (s.Off == 8 || s.Off == 16 || s.Off == 32)
		if !e.p.Has(FeatMovSX) || (s.Op() == insn.OpMOV && !movsx && !e.p.Has(FeatArena)) {
			s.Off = 0
		}
	}
	if s.Code == insn.CodeJA32 && !e.p.Has(FeatGotolDisasm) {
		// print_bpf_insn before gotol: a JMP32 opcode as a conditional
		// jump (bpf_jmp_string[BPF_JA >> 4] is "jmp").
		return fmt.Sprintf("(%02x) if w%d jmp 0x%x goto pc%+d", s.Code, s.Dst, uint32(s.Imm), s.Off)
	}
	if s.Code == insn.CodeCall && (s.Src == 0 || !e.p.Has(FeatKfuncCallName)) && s.Src != insn.PseudoCall {
		// __func_get_name (kernel/bpf/disasm.c) of the profile's kernel:
		// its own helper table, for src_reg 0 or (before v5.13) any but
		// BPF_PSEUDO_CALL.
		name, ok := insn.HelperName(s.Imm)
		if !ok || s.Imm < 0 || (e.p.helperIDs > 0 && s.Imm >= e.p.helperIDs) {
			name = "unknown"
		}
		return fmt.Sprintf("(%02x) call %s#%d", s.Code, name, s.Imm)
	}
	return insn.Disasm(s, next, true)
}

// helperArgs returns the argument count of the helper a call names, when
// it has a prototype for the program type (helpers_618.go, recorded from
// Linux 6.18.44).
func helperArgs(pt ProgType, s insn.Slot) (int, bool) {
	row := helperArgs618[pt]
	if s.Src != 0 || s.Imm < 0 || int(s.Imm) >= len(row) || row[s.Imm] == '-' {
		return 0, false
	}
	return int(row[s.Imm] - '0'), true
}
