package verifier

import (
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/helpers"
	"github.com/verisim/verisim/regstate"
)

// Helper calls: check_helper_call (kernel/bpf/verifier.c, v6.18) for the
// helpers whose arguments are all ARG_ANYTHING and whose result is
// RET_INTEGER or RET_VOID, with no case of their own in check_helper_call
// or do_refine_retval_range. Every other helper is unsupported, named.

// specialHelpers have code of their own in check_helper_call's switch,
// do_refine_retval_range or after it (6.18): not modeled.
var specialHelpers = map[int32]bool{
	8:   true, // get_smp_processor_id: r0 in [0, nr_cpu_ids - 1]
	12:  true, // tail_call
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
	81:  true, // get_local_storage
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
	if specialHelpers[id] {
		return e.unsupported("%s#%d has its own rules in check_helper_call: not modeled", name, id)
	}
	n := fn.NumArgs()
	for i := 0; i < n; i++ {
		if fn.Args[i] != helpers.ArgAnything {
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
	for i := 0; i < n; i++ {
		if err := e.checkRegArg(uint8(1+i), srcOp); err != nil {
			return err
		}
	}
	if e.cfg.Explain {
		e.passed("%s#%d is available to %s programs, and its %d argument(s) are readable registers", name, id, e.cfg.ProgType, n)
	}
	// Reset the caller-saved registers (mark_reg_not_init and
	// check_reg_arg(DST_OP_NO_MARK), which scratches them), then r0.
	for r := uint8(0); r <= 5; r++ {
		w := e.cur.regs[r].Written
		e.cur.regs[r] = regstate.Reg{Written: w}
		e.scratched |= 1 << r
	}
	if ret == helpers.RetInteger {
		e.markUnknown(0)
	}
	return nil
}

// isHelperCall is a call of a helper (src_reg 0), not of a subprogram or
// kfunc.
func isHelperCall(s insn.Slot) bool { return s.Code == insn.CodeCall && s.Src == 0 }
