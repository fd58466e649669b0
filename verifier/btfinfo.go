package verifier

import (
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/btfctx"
)

// The program's BTF: check_btf_info_early, check_btf_func_early,
// check_btf_info, check_btf_func and check_btf_line (kernel/bpf/verifier.c,
// v6.18), and verbose_linfo (kernel/bpf/log.c).

// hasBTFInfo reports func_info_cnt or line_info_cnt nonzero.
func (e *env) hasBTFInfo() bool {
	return e.btf != nil && (len(e.btf.FuncInfo) > 0 || len(e.btf.LineInfo) > 0)
}

// rejectNoNL is reject for the messages the kernel prints without a
// newline: the next line of the log (the statistics) follows on the same
// line.
func (e *env) rejectNoNL(errno Errno, format string, args ...any) error {
	err := e.reject(errno, format, args...)
	if e.log.level != 0 {
		e.log.reset(e.log.pos() - 1) // the newline reject wrote
	}
	return err
}

// checkBTFInfoEarly models check_btf_info_early and check_btf_func_early:
// the func_info records are in increasing order, start at 0 and name FUNC
// types. (With neither func_info nor line_info it calls
// check_abnormal_return, which has no subprograms to look at yet.)
func (e *env) checkBTFInfoEarly() error {
	if !e.hasBTFInfo() {
		return nil
	}
	defer e.enter("check_btf_func_early", -1)()
	var prev uint32
	for i, r := range e.btf.FuncInfo {
		if i == 0 && r.InsnOff != 0 {
			return e.rejectNoNL(EINVAL, msgFuncInfoFirst, r.InsnOff)
		}
		if i > 0 && r.InsnOff <= prev {
			return e.rejectNoNL(EINVAL, msgFuncInfoOrder, r.InsnOff, prev)
		}
		t, ok := e.btf.Types.Type(r.TypeID)
		fn, isFunc := t.(*btf.Func)
		if !ok || !isFunc {
			return e.rejectNoNL(EINVAL, msgFuncInfoType, int32(r.TypeID))
		}
		if _, ok := fn.Type.(*btf.FuncProto); !ok {
			// btf_func_check already refused this at BPF_BTF_LOAD.
			return e.rejectSilent(EINVAL, "the FUNC's type is not a FUNC_PROTO")
		}
		prev = r.InsnOff
	}
	if e.cfg.Explain {
		e.passed("%d func_info records, in increasing order from insn 0, each naming a FUNC", len(e.btf.FuncInfo))
	}
	return nil
}

// checkBTFInfo models check_btf_info: check_btf_func, check_btf_line
// (check_core_relo has nothing to do: CO-RE is relocated by the loader).
// Without func_info and line_info it is check_abnormal_return.
func (e *env) checkBTFInfo() error {
	if !e.hasBTFInfo() {
		return e.checkAbnormalReturn()
	}
	if err := e.checkBTFFunc(); err != nil {
		return err
	}
	return e.checkBTFLine()
}

// checkBTFFunc models check_btf_func.
func (e *env) checkBTFFunc() error {
	defer e.enter("check_btf_func", -1)()
	fi := e.btf.FuncInfo
	if len(fi) == 0 {
		return e.checkAbnormalReturn()
	}
	if len(fi) != len(e.subprogs) {
		return e.reject(EINVAL, msgFuncInfoCount)
	}
	for i, r := range fi {
		if int(r.InsnOff) != e.subprogs[i].start {
			return e.reject(EINVAL, msgFuncInfoLayout)
		}
		t, _ := e.btf.Types.Type(r.TypeID)
		fn := t.(*btf.Func)
		e.subprogs[i].global = fn.Linkage == btf.GlobalFunc
		scalar := scalarReturn(fn.Type.(*btf.FuncProto).Return)
		if i > 0 && !scalar && e.subprogs[i].hasLdAbs {
			return e.reject(EINVAL, msgLdAbsReturn)
		}
		if i > 0 && !scalar && e.subprogs[i].hasTailCal {
			return e.reject(EINVAL, msgTailCallReturn)
		}
	}
	if e.cfg.Explain {
		e.passed("one func_info record per subprogram, at its first instruction")
	}
	return nil
}

// scalarReturn is btf_type_is_small_int || btf_is_any_enum of the return
// type, modifiers skipped.
func scalarReturn(t btf.Type) bool {
	t = btfctx.SkipModifiers(t)
	switch t := t.(type) {
	case *btf.Int:
		return t.Size <= 8
	case *btf.Enum:
		return true
	}
	return false
}

// checkBTFLine models check_btf_line.
func (e *env) checkBTFLine() error {
	defer e.enter("check_btf_line", -1)()
	li := e.btf.LineInfo
	if len(li) == 0 {
		return nil
	}
	s := 0
	var prev uint32
	for i, l := range li {
		if (i > 0 && l.InsnOff <= prev) || int(l.InsnOff) >= len(e.orig) {
			return e.reject(EINVAL, msgLineInfoOff, i, l.InsnOff, prev, len(e.orig))
		}
		if e.orig[l.InsnOff].Code == 0 {
			return e.reject(EINVAL, msgLineInfoCode, i)
		}
		_, okLine := e.btf.NameByOffset(l.LineOff)
		_, okFile := e.btf.NameByOffset(l.FileNameOff)
		if !okLine || !okFile {
			return e.reject(EINVAL, msgLineInfoName, i)
		}
		if s != len(e.subprogs) {
			if int(l.InsnOff) == e.subprogs[s].start {
				s++
			} else if e.subprogs[s].start < int(l.InsnOff) {
				return e.reject(EINVAL, msgLineInfoMissing, s)
			}
		}
		prev = l.InsnOff
	}
	if s != len(e.subprogs) {
		return e.reject(EINVAL, msgLineInfoMissingN, len(e.subprogs)-s, s)
	}
	if e.cfg.Explain {
		e.passed("%d line_info records, in increasing order, inside the program, one at each subprogram's start", len(li))
	}
	return nil
}

// checkBTFInfo59 models the 5.9 check_btf_info: one check_btf_func that
// compares the count with the subprograms first and checks each record's
// offset, layout and type in turn, then check_btf_line as in 6.18 (the
// July 2020 source; no kernel of that kind can be recorded from).
func (e *env) checkBTFInfo59() error {
	if !e.hasBTFInfo() {
		return nil
	}
	defer e.enter("check_btf_func", -1)()
	fi := e.btf.FuncInfo
	if len(fi) > 0 {
		if len(fi) != len(e.subprogs) {
			return e.reject(EINVAL, msgFuncInfoCount)
		}
		var prev uint32
		for i, r := range fi {
			if i == 0 && r.InsnOff != 0 {
				return e.rejectNoNL(EINVAL, msgFuncInfoFirst, r.InsnOff)
			}
			if i > 0 && r.InsnOff <= prev {
				return e.rejectNoNL(EINVAL, msgFuncInfoOrder, r.InsnOff, prev)
			}
			if int(r.InsnOff) != e.subprogs[i].start {
				return e.reject(EINVAL, msgFuncInfoLayout)
			}
			t, ok := e.btf.Types.Type(r.TypeID)
			fn, isFunc := t.(*btf.Func)
			if !ok || !isFunc {
				return e.rejectNoNL(EINVAL, msgFuncInfoType, int32(r.TypeID))
			}
			e.subprogs[i].global = fn.Linkage == btf.GlobalFunc
			prev = r.InsnOff
		}
	}
	return e.checkBTFLine()
}

// findLinfo is find_linfo: the last line_info record at or before idx.
func (e *env) findLinfo(idx int) int {
	li := e.btf.LineInfo
	l, r := 0, len(li)-1
	if r < 0 || int(li[0].InsnOff) > idx {
		return -1
	}
	for l < r {
		m := l + (r-l+1)/2
		if int(li[m].InsnOff) <= idx {
			l = m
		} else {
			r = m - 1
		}
	}
	return l
}

// verboseLinfo models verbose_linfo (kernel/bpf/log.c, v6.18): the source
// line of instruction idx, after prefix, when it differs from the last one
// printed (same file and line number count as the same).
func (e *env) verboseLinfo(idx int, prefix string) {
	if e.log.level == 0 || e.btf == nil || len(e.btf.LineInfo) == 0 {
		return
	}
	i := e.findLinfo(idx)
	if i < 0 || i == e.prevLinfo {
		return
	}
	cur := e.btf.LineInfo[i]
	line, _ := e.btf.NameByOffset(cur.LineOff)
	for len(line) > 0 && isSpace(line[0]) {
		line = line[1:]
	}
	if !e.p.Has(FeatLinfoFileLine) {
		// 5.9: the line alone, and a record for the same line with
		// another column prints it again (both changed in v6.3,
		// "bpf: emit source code file name and line number in verifier
		// log").
		e.log.write(prefix)
		e.log.printf("%s\n", line)
		e.prevLinfo = i
		return
	}
	if e.prevLinfo >= 0 {
		prev := e.btf.LineInfo[e.prevLinfo]
		if cur.FileNameOff == prev.FileNameOff && cur.Line() == prev.Line() {
			return
		}
	}
	file, _ := e.btf.NameByOffset(cur.FileNameOff)
	for j := len(file) - 1; j >= 0; j-- {
		if file[j] == '/' {
			file = file[j+1:]
			break
		}
	}
	e.log.write(prefix)
	e.log.printf("%s @ %s:%d\n", line, file, cur.Line())
	e.prevLinfo = i
}

// isSpace is the kernel's isspace (lib/ctype.c) on ASCII.
func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

// prepareMainArgs models what do_check_common logs of the main program's
// BTF: with func_info it runs btf_prepare_func_args (kernel/bpf/btf.c,
// v6.18) on func#0 to judge the BTF reliable; a failure only marks it
// unreliable, so the verdict does not change, but the log shows why.
// Arguments carrying "arg:" decl tags ("arg:ctx", ...) are not modeled;
// btf_prepare_func_args reads no other decl tag (btf_find_next_decl_tag
// with key "arg:" and the argument's component index), so the
// selftests' "comment:test_*" tags on the function change nothing.
func (e *env) prepareMainArgs() error {
	if e.btf == nil || len(e.btf.FuncInfo) == 0 {
		return nil
	}
	fn := e.mainFunc()
	for i, tags := range fn.ParamTags {
		for _, tag := range tags {
			if strings.HasPrefix(tag, "arg:") {
				return e.unsupported("arg#%d of the main program has the decl tag %q: btf_prepare_func_args' argument tags are not modeled", i, tag)
			}
		}
	}
	global := fn.Linkage == btf.GlobalFunc
	proto := fn.Type.(*btf.FuncProto)
	const maxArgs = 5 // MAX_BPF_FUNC_REG_ARGS
	if len(proto.Params) > maxArgs {
		if global {
			e.log.printf("Global function %s() with %d > %d args. Buggy compiler.\n", fn.Name, len(proto.Params), maxArgs)
		}
		return nil
	}
	if !isScalarBTF(btfctx.SkipModifiers(proto.Return)) {
		if global {
			e.log.printf("Global function %s() doesn't return scalar. Only those are supported.\n", fn.Name)
		}
		return nil
	}
	for i, p := range proto.Params {
		t := btfctx.SkipModifiers(p.Type)
		if ptr, ok := t.(*btf.Pointer); ok {
			ok, err := e.isProgCtxType(ptr, i)
			if err != nil || ok {
				if err != nil {
					return err
				}
				continue
			}
			if s, ok := btfctx.SkipModifiers(ptr.Target).(*btf.Struct); ok && s.Name == "bpf_dynptr" {
				continue // btf_is_dynptr_ptr
			}
			if !global {
				return nil
			}
			target := btfctx.SkipModifiers(ptr.Target)
			if _, err := btfctx.ResolveSize(target); err != nil {
				e.log.printf("arg#%d reference type('%s %s') size cannot be determined: %d\n", i, btfTypeStr(target), target.TypeName(), -22)
				return nil
			}
			continue
		}
		if isScalarBTF(t) {
			continue
		}
		if global {
			e.log.printf("Arg#%d type %s in %s() is not supported yet.\n", i, btfTypeStr(t), fn.Name)
		}
		return nil
	}
	return nil
}

// isScalarBTF is btf_type_is_int || btf_is_any_enum.
func isScalarBTF(t btf.Type) bool {
	switch t.(type) {
	case *btf.Int, *btf.Enum:
		return true
	}
	return false
}

// btfTypeStr is btf_type_str: the kind's name.
func btfTypeStr(t btf.Type) string {
	if k := btfctx.KindOf(t); k != btfctx.KindUnknown {
		return k.String()
	}
	return "UNKNOWN"
}

// progCtxTypes are the names of each modeled program type's context, as
// find_canonical_prog_ctx_type finds them in include/linux/bpf_types.h
// (v6.18), and their kernel-side projections (btf_is_projection_of). A
// typedef context (kprobe's bpf_user_pt_regs_t) is also matched by the
// struct it names on x86-64.
var progCtxTypes = map[ProgType][]string{
	SocketFilter: {"__sk_buff", "sk_buff"}, SchedCLS: {"__sk_buff", "sk_buff"}, SchedACT: {"__sk_buff", "sk_buff"},
	CgroupSKB: {"__sk_buff", "sk_buff"}, LWTIn: {"__sk_buff", "sk_buff"}, LWTOut: {"__sk_buff", "sk_buff"},
	LWTXmit: {"__sk_buff", "sk_buff"}, LWTSeg6Local: {"__sk_buff", "sk_buff"}, SKSKB: {"__sk_buff", "sk_buff"},
	FlowDissector:  {"__sk_buff", "sk_buff"},
	XDP:            {"xdp_md", "xdp_buff"},
	SockOps:        {"bpf_sock_ops"},
	CgroupSockAddr: {"bpf_sock_addr"},
	CgroupSock:     {"bpf_sock", "sock"},
	SKLookup:       {"bpf_sk_lookup"},
	Netfilter:      {"bpf_nf_ctx"},
	CgroupSysctl:   {"bpf_sysctl"},
	SKReuseport:    {"sk_reuseport_md"},
	SKMsg:          {"sk_msg_md"},
	Kprobe:         {"pt_regs"},
	PerfEvent:      {"bpf_perf_event_data"},
	RawTracepoint:  {"bpf_raw_tracepoint_args"}, RawTracepointWrit: {"bpf_raw_tracepoint_args"},
	Tracepoint: {}, // __u64: a typedef of an integer, never a struct's name
}

// isProgCtxType models btf_is_prog_ctx_type for a pointer argument.
func (e *env) isProgCtxType(ptr *btf.Pointer, arg int) (bool, error) {
	names, ok := progCtxTypes[e.cfg.ProgType]
	if !ok {
		return false, e.unsupported("the context type of program type %s is not modeled", e.cfg.ProgType)
	}
	if e.cfg.ProgType == Kprobe {
		// Before the typedefs are skipped: kprobe's context may be named
		// by its typedef.
		if td, ok := btfctx.SkipQualifiers(ptr.Target).(*btf.Typedef); ok && td.Name == "bpf_user_pt_regs_t" {
			return true, nil
		}
	}
	var name string
	switch s := btfctx.SkipModifiers(ptr.Target).(type) {
	case *btf.Struct:
		name = s.Name
	case *btf.Union:
		name = s.Name
	default:
		return false, nil
	}
	if name == "" {
		e.log.printf("arg#%d struct doesn't have a name\n", arg)
		return false, nil
	}
	for _, n := range names {
		if n == name {
			return true, nil
		}
	}
	return false, nil
}

// mainFunc is the FUNC func_info[0] names (check_btf_func_early made sure
// it is one).
func (e *env) mainFunc() *btf.Func {
	t, _ := e.btf.Types.Type(e.btf.FuncInfo[0].TypeID)
	return t.(*btf.Func)
}

// findExceptionCallback models bpf_find_exception_callback_insn_off
// (kernel/bpf/verifier.c, v6.18), which add_subprog_and_kfunc calls after
// its scan: an "exception_callback:" decl tag on the main FUNC (component
// -1) names a global function to add as the exception callback's
// subprogram. Exception callbacks are not modeled.
func (e *env) findExceptionCallback() error {
	if e.btf == nil || len(e.btf.FuncInfo) == 0 {
		return nil
	}
	for _, tag := range e.mainFunc().Tags {
		if strings.HasPrefix(tag, "exception_callback:") {
			return e.unsupported("the main program has the decl tag %q: exception callbacks are not modeled", tag)
		}
	}
	return nil
}
