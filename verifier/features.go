package verifier

import (
	"fmt"
	"strconv"
	"strings"
)

// Feature is one behaviour of the kernel's verifier that arrived or changed
// in a known commit, or one part of the simulator's walk and the kernels it
// is validated on. A Profile is a kernel version and the features it has:
// checks ask Has(Feature...), never which kernel it is.
type Feature uint8

// FeatureInfo says what a feature is and where it comes from.
type FeatureInfo struct {
	// Name is a short kebab-case name: "gotol".
	Name string `json:"name"`
	// Since is the first mainline release with the behaviour ("6.4"),
	// "rfc" for the RFC's own, or "" for a part of the walk.
	Since string `json:"since,omitempty"`
	// Commit is the upstream commit: abbreviated hash and subject.
	Commit string `json:"commit,omitempty"`
	// Backported lists the profiles older than Since whose kernel carries
	// the behaviour all the same (a stable backport, seen in its source
	// and on the kernel).
	Backported []string `json:"backported,omitempty"`
	// Validated lists, for a part of the walk, the profiles it has been
	// checked on against a real kernel; on the others it is unsupported.
	Validated []string `json:"validated,omitempty"`
	// What says what changes.
	What string `json:"what"`
}

// The features. Each is documented in features' table below.
const (
	FeatResolveAfterSubprogs Feature = iota
	FeatKsymModuleBTF
	FeatKsymFunc
	FeatUsedBTFs
	FeatAtomics
	FeatPseudoFunc
	FeatMapIdx
	FeatMapLimitMessage
	FeatUsedMapFromFD
	FeatAttrTokenFD
	FeatNoTracingPrealloc
	FeatCFGStepsOverLdImm64
	FeatBackEdgeAnyInsn
	FeatJANoFallthroughPrune
	FeatGotol
	FeatGotolDisasm
	FeatMemSX
	FeatMovSX
	FeatSDiv
	FeatBswap
	FeatAtomicBH
	FeatMayGoto
	FeatMayGotoOff0
	FeatArena
	FeatLogScalarName
	FeatLogInlineState
	FeatLogNoDefaults
	FeatLogNoLiveness
	FeatLiveRegsLog
	FeatDFALiveness
	FeatLinfoFileLine
	FeatPreciseLog
	FeatBacktrackLevel2
	FeatImpreciseUnknown
	FeatExitRangeMessage
	FeatXorRange
	FeatShiftRangeUmax
	FeatNegConst
	FeatEndConst
	FeatLogFixed
	FeatMainFuncArgs
	FeatJmpPoint
	FeatSleepable
	FeatXDPHasFrags
	FeatProgFlags618
	FeatLdImmSrcFault
	FeatCallReservedKfunc
	FeatKfuncCallName
	FeatNotNullMapPtr
	FeatJmpDstFirst
	FeatForgetInheritedPrecise
	FeatRawTpWritable
	FeatBTFDeclTag
	FeatBTFTypeTag
	FeatBTFEnum64
	FeatStackLiveness
	// The RFC's own (never merged).
	FeatRFCBTFIDInOffs
	FeatRFCRegArgBeforeOff
	// Parts of the walk, with the kernels they are validated on.
	WalkRanges
	WalkHelperCalls
	WalkAttach
	WalkPrecision
	WalkReadMarks
	WalkMemory
	WalkLoops
	numFeatures
)

const rfcSince = "rfc"

// A FeatureSet holds every value of a Feature (a uint8).
var _ [256 - int(numFeatures)]struct{}

var features = [numFeatures]FeatureInfo{
	FeatResolveAfterSubprogs: {Name: "resolve-after-subprogs", Since: "5.10", Commit: "4976b718c355 bpf: Introduce pseudo_btf_id",
		What: "the ld_imm64 pre-pass (resolve_pseudo_ldimm64, renamed from replace_map_fd_with_map_ptr) runs after check_subprogs, check_btf_info and check_attach_btf_id"},
	FeatKsymModuleBTF: {Name: "ksym-module-btf", Since: "5.12", Commit: "541c3bad8dc5 bpf: Support BPF ksym variables in kernel modules",
		What: "insn[1].imm of a BPF_PSEUDO_BTF_ID load is the fd of a BTF object (0 for vmlinux); before, it was reserved"},
	FeatKsymFunc: {Name: "ksym-func", Since: "6.4", Commit: "58aa2afbb1e6 bpf: Allow ld_imm64 instruction to point to kfunc.",
		What: "BTF_KIND_FUNC ids are accepted and yield rdonly_mem(sz=0): \"isn't KIND_VAR or KIND_FUNC\""},
	FeatUsedBTFs: {Name: "used-btfs", Since: "5.12", Commit: "541c3bad8dc5 bpf: Support BPF ksym variables in kernel modules",
		What: "BTF objects referenced by ksyms are held in used_btfs (at most MAX_USED_BTFS)"},
	FeatAtomics: {Name: "atomics", Since: "5.12", Commit: "c5bcb5eb4db6 bpf: Move BPF_STX reserved field check into BPF_STX verifier code",
		What: "STX|ATOMIC instructions; the BPF_STX reserved-field check moved from the pre-pass into do_check"},
	FeatPseudoFunc: {Name: "pseudo-func", Since: "5.13", Commit: "69c087ba6225 bpf: Add bpf_for_each_map_elem() helper",
		What: "BPF_PSEUDO_FUNC (src_reg 4) loads a callback's address; check_cfg visits it as a call"},
	FeatMapIdx: {Name: "map-idx", Since: "5.14", Commit: "387544bfa291 bpf: Introduce fd_idx",
		What: "BPF_PSEUDO_MAP_IDX(_VALUE) (src_reg 5, 6) and bpf_attr.fd_array"},
	FeatMapLimitMessage: {Name: "add-used-map", Since: "6.14", Commit: "4d3ae294b900 bpf: add fd_array_cnt attribute for prog_load",
		What: "__add_used_map checks duplicates, the 64-map limit (with a message) and compatibility, the cgroup storage and arena rules included, before the direct value checks; bpf_attr.fd_array_cnt"},
	FeatAttrTokenFD: {Name: "attr-token-fd", Since: "6.9", Commit: "caf8f28e036c bpf: Add BPF token support to BPF_PROG_LOAD command",
		What: "bpf_attr's BPF_PROG_LOAD part gained prog_token_fd, so union bpf_attr holds the bytes where fd_array_cnt (v6.14) goes: CHECK_ATTR refuses them with EINVAL instead of bpf_check_uarg_tail_zero with E2BIG"},
	FeatUsedMapFromFD: {Name: "used-map-from-fd", Since: "6.10", Commit: "9dc182c58b5f bpf: Add a verbose message if map limit is reached",
		What: "add_used_map_from_fd: a new map is deduplicated and counted against the limit (\"The total number of maps per program has reached the limit of 64\") before check_map_prog_compatibility; the cgroup storage and arena rules run after the direct value checks, for a new map only"},
	FeatNoTracingPrealloc: {Name: "no-tracing-prealloc", Since: "6.1", Commit: "34dd3bad1a6f bpf: Relax the requirement to use preallocated hash maps in tracing progs.",
		What: "check_map_prog_compatibility no longer refuses (perf_event) or warns about (other tracing types) hash maps that are not preallocated"},
	FeatCFGStepsOverLdImm64: {Name: "cfg-steps-over-ldimm64", Since: "6.7", Commit: "3feb263bb516 bpf: handle ldimm64 properly in check_cfg()", Backported: []string{"6.1"},
		What: "check_cfg steps over ld_imm64 second halves and rejects a jump into one"},
	FeatBackEdgeAnyInsn: {Name: "back-edge-any-insn", Since: "6.7", Commit: "10e14e9652bf bpf: fix control-flow graph checking in privileged mode",
		What: "push_insn allows a back-edge from any instruction for bpf_capable (before, only from jumps: loop_ok)"},
	FeatJANoFallthroughPrune: {Name: "ja-no-fallthrough-prune", Since: "6.2", Commit: "618945fbed50 bpf: remove unnecessary prune and jump points", Backported: []string{"6.1"},
		What: "visit_insn no longer marks the instruction after a BPF_JA a prune point"},
	FeatGotol: {Name: "gotol", Since: "6.6", Commit: "4cd58e9af8b9 bpf: Support new 32bit offset jmp instruction", Backported: []string{"6.1"},
		What: "JMP32|JA jumps by imm"},
	FeatGotolDisasm: {Name: "gotol-disasm", Since: "6.6", Commit: "4cd58e9af8b9 bpf: Support new 32bit offset jmp instruction",
		What: "print_bpf_insn prints JMP32|JA as \"gotol pc%+d\"; Debian's 6.1.y took the verifier's half of the commit but not disasm.c's, and prints it as a conditional jump, \"if w%d jmp 0x%x goto pc%+d\""},
	FeatMemSX: {Name: "ldx-memsx", Since: "6.6", Commit: "1f9a1ea821ff bpf: Support new sign-extension load insns",
		What: "LDX|MEMSX sign-extending loads"},
	FeatMovSX: {Name: "movsx", Since: "6.6", Commit: "8100928c8814 bpf: Support new sign-extension mov insns",
		What: "MOV with off 8, 16 or 32 sign-extends"},
	FeatSDiv: {Name: "sdiv", Since: "6.6", Commit: "ec0e2da95f72 bpf: Support new signed div/mod instructions.",
		What: "DIV and MOD with off 1 are signed"},
	FeatBswap: {Name: "bswap", Since: "6.6", Commit: "0845c3db7bf5 bpf: Support new unconditional bswap instruction",
		What: "ALU64|END swaps unconditionally"},
	FeatAtomicBH: {Name: "atomic-load-store-bh", Since: "6.15",
		What: "STX|ATOMIC of byte and half-word size (load-acquire, store-release)"},
	FeatMayGoto: {Name: "may-goto", Since: "6.9", Commit: "011832b97b31 bpf: Introduce may_goto instruction.",
		What: "JMP|JCOND is may_goto, and forces a checkpoint"},
	FeatMayGotoOff0: {Name: "may-goto-off0", Since: "6.18",
		What: "check_cond_jmp_op accepts may_goto with off 0 and says \"invalid may_goto imm %d\"; 6.12 refuses off 0 with \"invalid may_goto off %d imm %d\". Present on 6.18.44, absent from the 6.12 source; the commit between them is not pinned down"},
	FeatArena: {Name: "arena", Since: "6.9", Commit: "317460317a02 bpf: Introduce bpf_arena.",
		What: "BPF_MAP_TYPE_ARENA and its direct value address"},
	FeatLogScalarName: {Name: "log-scalar-name", Since: "5.18", Commit: "7df5072cc05f bpf: Small BPF verifier log improvements",
		What: "scalars print as \"scalar\", not \"inv\"; id=0 is left out; the bounds are named smin=, umax=, ..."},
	FeatLogInlineState: {Name: "log-inline-state", Since: "5.17", Commit: "0f55f9ed21f9 bpf: Only print scratched registers and stack slots to verifier logs.",
		What: "only scratched registers print, inline after the instruction and \"; \" (and 2e5766483c8c, right aligned)"},
	FeatLogNoDefaults: {Name: "log-no-defaults", Since: "6.8", Commit: "1db747d75b1d bpf: omit default off=0 and imm=0 in register state log",
		What: "register states leave out off=0 and imm=0 (\"ctx()\" for \"ctx(off=0,imm=0)\"), name the map, and print numbers as verbose_snum does; the compact scalar ranges of 72f8a1de4a7e (v6.7) print with them"},
	FeatLogNoLiveness: {Name: "log-no-liveness", Since: "6.18", Commit: "107e16979905 bpf: disable and remove registers chain based liveness",
		What: "register states print without the liveness marks (_w)"},
	FeatLiveRegsLog: {Name: "live-regs-log", Since: "6.15", Commit: "14c8552db644 bpf: simple DFA-based live registers analysis",
		What: "level 2 prints \"Live regs before insn:\" and the liveness table"},
	FeatLinfoFileLine: {Name: "linfo-file-line", Since: "6.9", Commit: "7cc13adbd057 bpf: emit source code file name and line number in verifier log",
		What: "verbose_linfo prints \"; line @ file:N\", and a line again only when it changes"},
	FeatPreciseLog: {Name: "precise-log", Since: "6.5", Commit: "d9439c21a9e4 bpf: improve precision backtrack logging",
		What: "precision backtracking logs \"mark_precise: frame0: ...\" with subseq_idx, and no longer marks the current state"},
	FeatBacktrackLevel2: {Name: "backtrack-log-level2", Since: "5.17", Commit: "496f3324048b bpf: Only output backtracking information in log level 2",
		What: "precision backtracking logs only at log level 2; before, at every level"},
	FeatImpreciseUnknown: {Name: "imprecise-unknown", Since: "6.2", Commit: "be2ef8161572 bpf: allow precision tracking for programs with subprogs", Backported: []string{"5.10", "6.1"},
		What: "__mark_reg_unknown leaves scalars imprecise for a privileged loader even with subprograms"},
	FeatExitRangeMessage: {Name: "exit-range-message", Since: "6.8", Commit: "c871d0e00f0e bpf: enforce precise retval range on program exit",
		What: "the return-code message prints smin/smax and [lo, hi]; R0 is marked precise (eabe518de533)"},
	FeatXorRange: {Name: "xor-range", Since: "5.10", Commit: "2921c90d4718 bpf: Fix a verifier failure with xor",
		What: "scalar_min_max_xor tracks XOR"},
	FeatShiftRangeUmax: {Name: "shift-range-umax", Since: "6.10", Commit: "0922c78f592c bpf/verifier: refactor checks for range computation",
		What: "is_safe_to_compute_dst_reg_range: an ALU32 shift by a constant tests the 64-bit umax"},
	FeatNegConst: {Name: "neg-const", Since: "6.17", Commit: "aced132599b3 bpf: Add range tracking for BPF_NEG",
		What: "BPF_NEG of a scalar is tracked (a constant stays constant); before, the result is unknown"},
	FeatEndConst: {Name: "end-const", Since: "7.0", Commit: "9d2119984224 bpf: Add bitwise tracking for BPF_END", Backported: []string{"6.18"},
		What: "BPF_END/bswap of a constant stays a constant (landed after 6.19; the 6.18.44 this profile is checked on carries it)"},
	FeatLogFixed: {Name: "log-fixed", Since: "6.4", Commit: "121664093803 bpf: Switch BPF verifier log to be a rotating log by default",
		What: "BPF_LOG_FIXED is part of BPF_LOG_MASK"},
	FeatMainFuncArgs: {Name: "main-func-args", Since: "6.8",
		What: "do_check_common prepares the main program's arguments from its BTF"},
	FeatJmpPoint: {Name: "jmp-point", Since: "6.2", Commit: "bffdeaa8a5af bpf: decouple prune and jump points", Backported: []string{"6.1"},
		What: "the jump history is kept only at jump points (is_jmp_point)"},
	FeatSleepable: {Name: "prog-flag-sleepable", Since: "5.10", Commit: "1e6c62a88215 bpf: Introduce sleepable BPF programs",
		What: "bpf_prog_load accepts BPF_F_SLEEPABLE"},
	FeatXDPHasFrags: {Name: "prog-flag-xdp-has-frags", Since: "5.18", Commit: "c2f2cdbeffda bpf: introduce BPF_F_XDP_HAS_FRAGS flag in prog_flags loading the ebpf program",
		What: "bpf_prog_load accepts BPF_F_XDP_HAS_FRAGS"},
	FeatProgFlags618: {Name: "prog-flags-618", Since: "6.9", Commit: "caf8f28e036c bpf: Add BPF token support to BPF_PROG_LOAD command",
		What: "bpf_prog_load accepts BPF_F_XDP_DEV_BOUND_ONLY (v6.3), BPF_F_TEST_REG_INVARIANTS (v6.8) and BPF_F_TOKEN_FD (caf8f28e036c)"},
	FeatLdImmSrcFault: {Name: "ldimm-src-fault", Since: "6.18",
		What: "check_ld_imm rejects an unexpected src_reg with EFAULT \"verifier bug\" (the 5.10 to 6.12 sources say \"bpf verifier is misconfigured\"; the commit between 6.12 and 6.18 is not pinned down)"},
	FeatKfuncCallName: {Name: "kfunc-call-name", Since: "5.13", Commit: "e6ac2450d6de bpf: Support bpf program calling kernel function",
		What: "print_bpf_insn names a helper only for src_reg 0 (before, for any src_reg but BPF_PSEUDO_CALL)"},
	FeatCallReservedKfunc: {Name: "call-reserved-kfunc", Since: "5.16", Commit: "2357672c54c3 bpf: Introduce BPF support for kernel module function calls",
		What: "do_check's BPF_CALL reserved-field check allows src_reg BPF_PSEUDO_KFUNC_CALL and its off"},
	FeatNotNullMapPtr: {Name: "not-null-map-ptr", Since: "6.12",
		What: "reg_not_null counts map pointers (CONST_PTR_TO_MAP) and PTR_TO_MEM as non-NULL in a comparison with 0; absent from the 6.1 source (reg_type_not_null), present in 6.12's, and the commit between them is not pinned down"},
	FeatJmpDstFirst: {Name: "jmp-dst-first", Since: "6.1",
		What: "check_cond_jmp_op checks the dst register before the BPF_X reserved imm and the src register; 5.10 checks the source operand first. Absent from the 5.10 source, present in 6.1's; the commit between them is not pinned down"},
	FeatForgetInheritedPrecise: {Name: "forget-inherited-precise", Since: "6.3",
		What: "is_state_visited clears the precise marks a new state inherits"},
	FeatRawTpWritable: {Name: "tracing-raw-tp-writable", Since: "6.1",
		What: "is_tracing_prog_type counts raw_tracepoint_writable (absent from the 5.10 source, present in 6.1's; the commit is not pinned down)"},
	FeatDFALiveness: {Name: "dfa-liveness", Since: "6.15", Commit: "14c8552db644 bpf: simple DFA-based live registers analysis",
		What: "states are compared and cleaned by the live registers of compute_live_registers; before, by the REG_LIVE_READ marks mark_reg_read leaves on parent states"},
	FeatBTFDeclTag: {Name: "btf-decl-tag", Since: "5.16", Commit: "b5ea834dde6b bpf: Support for new btf kind BTF_KIND_TAG",
		What: "BTF_KIND_DECL_TAG in program BTF"},
	FeatBTFTypeTag: {Name: "btf-type-tag", Since: "5.17", Commit: "8c42d2fa4eea bpf: Support BTF_KIND_TYPE_TAG for btf_type_tag attributes",
		What: "BTF_KIND_TYPE_TAG in program BTF"},
	FeatBTFEnum64: {Name: "btf-enum64", Since: "6.0", Commit: "6089fb325cf7 bpf: Add btf enum64 support",
		What: "BTF_KIND_ENUM64 in program BTF"},
	FeatStackLiveness: {Name: "stack-liveness", Since: "6.18",
		What: "stack slots are live by the call-chain sensitive analysis of kernel/bpf/liveness.c (\"bpf: enable callchain sensitive stack liveness tracking\", Eduard Zingerman's series of September 2025; the merge commit is not pinned down): clean_func_state drops the slots bpf_stack_slot_alive reports dead, and level 2 logs each \"live stack update\""},
	FeatRFCBTFIDInOffs: {Name: "rfc-btf-id-in-offs", Since: rfcSince, Commit: "bpf: BTF support for __ksym externs (RFC, July 2020, not merged)",
		What: "BPF_PSEUDO_BTF_ID carries the btf id in the two off fields and the address in the imms, decoded by check_ld_imm"},
	FeatRFCRegArgBeforeOff: {Name: "rfc-reg-arg-before-off", Since: rfcSince, Commit: "bpf: BTF support for __ksym externs (RFC, July 2020, not merged)",
		What: "check_ld_imm runs check_reg_arg(dst) before the reserved off check"},
	WalkRanges: {Name: "walk-ranges", Validated: []string{"6.12", "6.18"},
		What: "ALU, moves and branches on scalars that are not constants (tnum and bounds)"},
	WalkHelperCalls: {Name: "walk-helper-calls", Validated: []string{"6.18"},
		What: "helper calls (check_helper_call) with scalar arguments and results"},
	WalkAttach: {Name: "walk-attach", Validated: []string{"6.18"},
		What: "expected_attach_type and attach_btf_id"},
	WalkReadMarks: {Name: "walk-read-marks",
		What: "liveness by read marks (mark_reg_read, REG_LIVE_READ, propagate_liveness, the mark_read statistic) once a state is stored: not modeled yet, so validated on no kernel; 5.10, 6.1 and 6.12 answer unsupported at their first stored state"},
	WalkMemory: {Name: "walk-memory", Validated: []string{"6.18"},
		What: "loads and stores through stack pointers with a constant offset (slot types, spill and fill, stack state printing, stacksafe and precision through stack slots) and through the context pointer by the access table probed from the kernel (kernel/ctxaccess)"},
	WalkLoops: {Name: "walk-loops", Validated: []string{"6.18"},
		What: "bounded loops: back-edges walked iteration by iteration, branch counts, the infinite loop check (states_maybe_looping, states_equal EXACT), the strongly connected components of compute_scc (v6.17) with RANGE_WITHIN pruning and propagate_backedges, the free list in peak_states"},
	WalkPrecision: {Name: "walk-precision", Validated: []string{"6.12", "6.18"},
		What: "precision backtracking and the state comparison of ranged scalars"},
}

// Info returns what the feature is and where it comes from.
func (f Feature) Info() FeatureInfo {
	if f >= numFeatures {
		return FeatureInfo{}
	}
	return features[f]
}

func (f Feature) String() string {
	if f >= numFeatures {
		return fmt.Sprintf("Feature(%d)", uint8(f))
	}
	return features[f].Name
}

// Features lists every feature, in order.
func Features() []Feature {
	out := make([]Feature, numFeatures)
	for i := range out {
		out[i] = Feature(i)
	}
	return out
}

// FeatureSet is a set of features. The zero value is empty; sets compare
// with ==. Four words hold every Feature value, so that a test of one bit
// needs no bounds check (Has runs on every instruction).
type FeatureSet struct{ w [4]uint64 }

// SetOf returns the set of fs.
func SetOf(fs ...Feature) FeatureSet {
	var s FeatureSet
	for _, f := range fs {
		s.w[f>>6] |= 1 << (f & 63)
	}
	return s
}

// Has reports whether f is in the set.
func (s *FeatureSet) Has(f Feature) bool { return s.w[f>>6]&(1<<(f&63)) != 0 }

// With returns s and fs.
func (s FeatureSet) With(fs ...Feature) FeatureSet { return s.Union(SetOf(fs...)) }

// Union returns the features in s or t.
func (s FeatureSet) Union(t FeatureSet) FeatureSet {
	for i := range s.w {
		s.w[i] |= t.w[i]
	}
	return s
}

// Intersect returns the features in both s and t.
func (s FeatureSet) Intersect(t FeatureSet) FeatureSet {
	for i := range s.w {
		s.w[i] &= t.w[i]
	}
	return s
}

// Minus returns the features of s that are not in t.
func (s FeatureSet) Minus(t FeatureSet) FeatureSet {
	for i := range s.w {
		s.w[i] &^= t.w[i]
	}
	return s
}

// Xor returns the features in exactly one of s and t.
func (s FeatureSet) Xor(t FeatureSet) FeatureSet {
	for i := range s.w {
		s.w[i] ^= t.w[i]
	}
	return s
}

// Empty reports whether the set has no feature.
func (s FeatureSet) Empty() bool { return s == FeatureSet{} }

// List returns the set's features, in order.
func (s FeatureSet) List() []Feature {
	var out []Feature
	for f := Feature(0); f < numFeatures; f++ {
		if s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

func (s FeatureSet) String() string {
	names := make([]string, 0, numFeatures)
	for _, f := range s.List() {
		names = append(names, f.String())
	}
	return strings.Join(names, ",")
}

// Has reports whether the profile's kernel has f.
func (p *Profile) Has(f Feature) bool { return p.feats.w[f>>6]&(1<<(f&63)) != 0 }

// Features lists the profile's features, in order.
func (p *Profile) Features() []Feature { return p.feats.List() }

// Variant returns a copy of p whose features in fs are those of like, the
// rest p's: a kernel that never ran, to ask what one feature changes (the
// rfc profile with 5.10's pass order, say). Its name is p's with "~" and
// like's.
func (p *Profile) Variant(fs FeatureSet, like *Profile) *Profile {
	v := *p
	v.Name = p.Name + "~" + like.Name
	v.feats = p.feats.Minus(fs).Union(like.feats.Intersect(fs))
	v.Table = opcodeTable(&v)
	return &v
}

// FeatureSet returns the profile's features as a set.
func (p *Profile) FeatureSet() FeatureSet { return p.feats }

// versionKey orders "X.Y" versions; it is -1 for anything else.
func versionKey(v string) int {
	maj, min, ok := strings.Cut(v, ".")
	a, err1 := strconv.Atoi(maj)
	b, err2 := strconv.Atoi(min)
	if !ok || err1 != nil || err2 != nil {
		return -1
	}
	return a*1000 + b
}

// newProfile builds the profile of a kernel at version: every kernel
// feature since that version or backported to the profile, the RFC's when
// rfc is set, and the parts of the walk validated on it.
func newProfile(name, kernel, version string, rfc bool) *Profile {
	p := &Profile{Name: name, Kernel: kernel, Version: version}
	v := versionKey(version)
	for f, info := range features {
		has := false
		switch {
		case info.Since == rfcSince:
			has = rfc
		case info.Since == "":
			has = contains(info.Validated, name)
		default:
			has = versionKey(info.Since) <= v || contains(info.Backported, name)
		}
		if has {
			p.feats = p.feats.With(Feature(f))
		}
	}
	p.Table = opcodeTable(p)
	p.helperIDs = helperIDs[name]
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// helperIDs is __BPF_FUNC_MAX_ID of the profiles whose uapi bpf.h was
// counted (the 5.10, 6.1 and 6.12 sources); the others name every helper
// cilium/ebpf knows.
var helperIDs = map[string]int32{"5.10": 156, "6.1": 210, "6.12": 212}

// opcodeTable is bpf_opcode_in_insntable of the profile's kernel: the 5.9
// table and the opcodes each feature added. Confirmed on 6.18.44 by
// loading every one of the 256 opcodes, and on the older kernels by the
// recorded grid.
func opcodeTable(p *Profile) *[256]bool {
	t := insnTable59
	add := func(f Feature, codes ...uint8) {
		if p.Has(f) {
			for _, c := range codes {
				t[c] = true
			}
		}
	}
	add(FeatGotol, 0x06)
	add(FeatMemSX, 0x81, 0x89, 0x91)
	add(FeatBswap, 0xd7)
	add(FeatAtomicBH, 0xcb, 0xd3)
	add(FeatMayGoto, 0xe5)
	return &t
}
