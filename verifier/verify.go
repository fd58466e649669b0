package verifier

import (
	"errors"
	"fmt"
	"time"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/regstate"
)

// Config is what a BPF_PROG_LOAD would carry besides the instructions.
type Config struct {
	// Profile is the kernel to simulate; nil means Default, the newest
	// kernel verisim is validated against.
	Profile *Profile
	// ProgType is the program type. The zero value, UNSPEC, is rejected
	// with EINVAL and no log, as bpf_prog_load does.
	ProgType ProgType
	// Env is the simulated kernel side: fd table, fd_array, BTF, kallsyms.
	// nil means no fds, no fd_array, no BTF and no kallsyms.
	Env *btfctx.Context
	// LogLevel is bpf_attr.log_level: 0, or LogLevelBranch (1) or
	// LogLevelInstruction (2), either optionally with LogLevelStats (4).
	LogLevel LogLevel
	// ProgFlags is bpf_attr.prog_flags (FlagStrictAlignment, ...). Bits
	// the profile's bpf_prog_load does not know are EINVAL with no log;
	// FlagTestRndHi32 and FlagTestRegInvariants (6.18) change nothing the
	// simulator models; any other flag is answered Unsupported.
	ProgFlags uint32
	// KeepStates records the register state before and after every
	// processed instruction in Result.Steps.
	KeepStates bool
	// Explain records every check the verifier makes in Result.Checks.
	Explain bool
	// ExpectedAttachType is bpf_attr.expected_attach_type (enum
	// bpf_attach_type; ebpf.AttachType has the same numbers). Zero is
	// BPF_CGROUP_INET_INGRESS, which is also what "none" means.
	ExpectedAttachType uint32
	// AttachBTFID is bpf_attr.attach_btf_id, the vmlinux BTF id of the
	// attach target (tracing, LSM, struct_ops, ext); 0 means none.
	AttachBTFID uint32
	// License is bpf_attr.license. It decides GPL-only helpers, which the
	// walk does not reach yet; "" is not GPL-compatible.
	License string
	// BTF is the program's BTF with its func_info and line_info
	// (prog_btf_fd, func_info, line_info); nil means none. Its blob must
	// parse: a malformed one is an error, as BPF_BTF_LOAD would have
	// refused it before the program load.
	BTF *btfctx.ProgBTF
	// Observer, when set, receives the checks (with Explain) and steps
	// (with KeepStates) as they happen, instead of Result.Checks and
	// Result.Steps: memory then stays independent of the number of steps.
	Observer Observer
}

// Observer receives a verification as it runs (Config.Observer).
type Observer interface {
	// Check is each check, in the order the kernel makes them.
	Check(Check)
	// Step is each processed instruction, after its checks.
	Step(Step)
}

// MaxInsns is the privileged program size limit
// (BPF_COMPLEXITY_LIMIT_INSNS), also the processed-instruction limit.
const MaxInsns = 1_000_000

// ErrConfig wraps every misuse of Config.
var ErrConfig = errors.New("invalid config")

// Verify runs the simulated bpf(BPF_PROG_LOAD) on slots. A rejection is a
// Result; the error is non-nil only for bad input to the simulator (an
// unreadable or corrupt BTF or kallsyms source) or a bad Config, and then
// the Result is the zero value.
func Verify(slots []insn.Slot, cfg Config) (Result, error) {
	p := cfg.Profile
	if p == nil {
		p = Default
	}
	ctx := cfg.Env
	if ctx == nil {
		ctx = btfctx.Empty()
	}
	// bpf_prog_load (kernel/bpf/syscall.c): these fail before the verifier
	// runs, so there is no log at all.
	only := func(r Result, fn, what string) Result {
		if !cfg.Explain {
			return r
		}
		c := Check{Insn: -1, Step: -1, Func: fn, What: what}
		if cfg.Observer != nil {
			cfg.Observer.Check(c)
		} else {
			r.Checks = []Check{c}
		}
		return r
	}
	early := func(errno Errno, fn, what string) Result {
		return only(Result{Verdict: Reject, Errno: errno, Insn: -1}, fn, what)
	}
	if d := ctx.Decl(); !p.Has(FeatMapIdx) && (d.HasFDArray || d.FDArrayCnt != 0) {
		// The 5.9 bpf_attr ends before fd_array: bpf_check_uarg_tail_zero
		// (__sys_bpf) refuses nonzero bytes past it, before bpf_prog_load.
		return early(E2BIG, "bpf_check_uarg_tail_zero", "bpf_attr has fields past the end of the 5.9 structure (fd_array)"), nil
	}
	if d := ctx.Decl(); !p.Has(FeatMapLimitMessage) && d.FDArrayCnt != 0 {
		// Before v6.14 fd_array_cnt is past the BPF_PROG_LOAD fields:
		// past the end of union bpf_attr too before FeatAttrTokenFD
		// (bpf_check_uarg_tail_zero: E2BIG, recorded on 6.1), inside it
		// after (CHECK_ATTR: EINVAL, recorded on 6.12).
		if !p.Has(FeatAttrTokenFD) {
			return early(E2BIG, "bpf_check_uarg_tail_zero", "bpf_attr has fields past the end of the kernel's structure (fd_array_cnt)"), nil
		}
		return early(EINVAL, "CHECK_ATTR", "bpf_attr has bytes past the last BPF_PROG_LOAD field (fd_array_cnt)"), nil
	}
	// bpf_prog_load checks prog_flags first.
	if ok, msg := p.checkProgFlags(cfg.ProgFlags); !ok {
		return early(EINVAL, "bpf_prog_load", fmt.Sprintf("prog_flags %#x has bits bpf_prog_load does not know (%#x)", cfg.ProgFlags, cfg.ProgFlags&^p.progFlagsKnown())), nil
	} else if msg != "" {
		return only(Result{Verdict: Unsupported, Insn: -1, Message: msg}, "bpf_prog_load", msg), nil
	}
	// insn_cnt is checked before anything about the program type
	// (find_prog_type comes after bpf_prog_alloc): an unknown type with no
	// instructions is E2BIG (confirmed on 6.18.44).
	if len(slots) == 0 || len(slots) > MaxInsns {
		return early(E2BIG, "bpf_prog_load", fmt.Sprintf("insn_cnt %d is not between 1 and %d", len(slots), MaxInsns)), nil
	}
	if (cfg.ExpectedAttachType != 0 || cfg.AttachBTFID != 0) && !p.Has(WalkAttach) {
		msg := "verisim: expected_attach_type and attach_btf_id are not modeled under the " + p.Name + " profile"
		return only(Result{Verdict: Unsupported, Insn: -1, Message: msg}, "bpf_prog_load_check_attach", msg), nil
	}
	if !cfg.ProgType.Known() {
		return early(EINVAL, "bpf_prog_load", fmt.Sprintf("program type %d is not one bpf_prog_load knows", cfg.ProgType)), nil
	}
	if !cfg.ProgType.Modeled() {
		msg := fmt.Sprintf("program type %s is not modeled yet", cfg.ProgType)
		return only(Result{Verdict: Unsupported, Insn: -1, Message: msg}, "bpf_prog_load", msg), nil
	}
	// bpf_prog_load_check_attach runs before find_prog_type, but an
	// unknown type passes it and a type that is not modeled ends above:
	// the tracing types it checks are refused with EPERM before it on the
	// machines verisim is checked on, so their answer is not known here.
	if why := checkAttach(cfg.ProgType, cfg.ExpectedAttachType, cfg.AttachBTFID); why != "" {
		return early(EINVAL, "bpf_prog_load_check_attach", why), nil
	}
	if cfg.ExpectedAttachType != 0 && !attachModeled(cfg.ProgType, cfg.ExpectedAttachType) {
		// The verifier reads expected_attach_type in check_return_code
		// (cgroup_skb egress returns 0-3, kprobe sessions), context
		// access and helper availability: modeled only for the pairs of
		// attachModeled.
		msg := fmt.Sprintf("verisim: expected_attach_type %d of a %s program is not modeled", cfg.ExpectedAttachType, cfg.ProgType)
		return only(Result{Verdict: Unsupported, Insn: -1, Message: msg}, "bpf_prog_load", msg), nil
	}
	if cfg.LogLevel&^p.logMask() != 0 {
		// bpf_vlog_init (kernel/bpf/log.c): a level outside BPF_LOG_MASK.
		return early(EINVAL, "bpf_vlog_init", fmt.Sprintf("log_level %d has bits outside BPF_LOG_MASK (%d)", cfg.LogLevel, p.logMask())), nil
	}
	e := newEnv(p, cfg, ctx, slots)
	if cfg.BTF != nil {
		b, err := cfg.BTF.Parse()
		if err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrConfig, err)
		}
		e.btf = b
	}
	err := e.check()
	if err == nil && cfg.ProgFlags&FlagTestRndHi32 != 0 && rndHi32MayOverflow(slots) {
		// After do_check: no instruction is being checked.
		msg := "verisim: BPF_F_TEST_RND_HI32 may grow the program past S16_MAX instructions, where opt_subreg_zext_lo32_rnd_hi32 can fail to patch it (16-bit jump range)"
		e.failed(msg)
		err = &kernelErr{verdict: Unsupported, msg: msg, insn: -1}
	}
	var ke *kernelErr
	switch {
	case err == nil:
	case errors.As(err, &ke):
	default:
		return Result{}, err
	}
	// An oops ends the kernel's thread before print_verification_stats;
	// for Unsupported the rest of the log is unknown.
	printed := ke == nil || ke.verdict == Reject
	if printed {
		e.printStats()
	}
	res := Result{Verdict: Accept, Insn: -1, Log: e.log.lines(), Stats: e.stats(), Steps: e.steps, Checks: e.checks}
	res.Stats.Printed = printed
	if ke != nil {
		res.Verdict, res.Errno, res.Message, res.Insn, res.MessageID = ke.verdict, ke.errno, ke.msg, ke.insn, ke.id
	}
	return res, nil
}

// kernelErr is how a pass ends verification: a rejection (with the errno
// the kernel returns and the message it printed), an oops or an
// unsupported instruction.
type kernelErr struct {
	verdict Verdict
	errno   Errno
	msg     string
	insn    int
	id      MsgID // the catalog's entry for msg
}

func (k *kernelErr) Error() string { return fmt.Sprintf("%s: %s (%s)", k.verdict, k.msg, k.errno) }

// env is the state of one verification (struct bpf_verifier_env).
type env struct {
	p    *Profile
	cfg  Config
	ctx  *btfctx.Context
	orig []insn.Slot // as given; never modified
	aux  []auxData
	// addrs are the 64-bit immediates the pre-pass wrote into ld_imm64s,
	// indexed by auxData.addr (the log prints them).
	addrs []uint64
	log   vlog

	usedMaps      []*btfctx.Map
	mapRefs       []*regstate.MapRef // parallel to usedMaps
	btfVars       []regstate.Reg
	usedBTFs      []*btfctx.BTF
	cgroupStorage [2]*btfctx.Map
	arena         *btfctx.Map

	subprogs   []subprog // sorted by start; a fake one at len(prog) ends the list
	subprogBuf [4]subprog
	start      time.Time // for the "verification time" line
	// btf is Config.BTF, parsed; prevLinfo is env->prev_linfo, the index
	// of the line_info record verbose_linfo printed last (-1: none).
	btf       *btfctx.ParsedProgBTF
	prevLinfo int
	nsteps    int // do_check steps so far (Result.Steps' length without an Observer)

	hasJumps bool // a jump, call or PSEUDO_FUNC load other than exit exists

	// Explain: the checks so far, the kernel function making them and the
	// instruction they are about.
	checks   []Check
	fn       string
	at       int
	liveDone bool // computeLiveRegs ran
	btfCache map[btfKey]btfResult
	lastKey  btfKey                  // the most recent BTF_ID lookup, to skip the map
	lastBTF  btfResult               // (reg -1: none yet)
	rfcIDs   map[uint32]regstate.Reg // the RFC's check_ld_imm decode, by id
	fdMaps   []*btfctx.Map           // maps by fd, for small fds
	usedByID []int32                 // used_maps index + 1 by declaration index
	lastUsed int                     // the used_maps index last looked up, or -1

	// do_check
	inDoCheck bool
	insnIdx   int
	cur       *vstate
	stack     []*pending
	scratched uint16
	// scratchedStack is scratched_stack_slots: the slots the next state
	// line prints.
	scratchedStack uint64
	stackDepth     int       // subprog_info[0].stack_depth
	live           stackLive // the stack liveness of kernel/bpf/liveness.c
	liveOn         bool      // the program can touch the stack (liveness bookkeeping runs)
	// strictAlignment is env->strict_alignment: BPF_F_STRICT_ALIGNMENT
	// without BPF_F_ANY_ALIGNMENT (CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS,
	// as on x86-64).
	strictAlignment bool
	strictOnce      bool // strict_alignment_once of the current access (atomics)
	doPrint         bool
	processed       int
	jmps            int
	prevJmps        int
	prevInsns       int
	explored        map[int][]*storedState
	nExplored       int
	total           int
	peak            int
	maxPerInsn      int
	idGen           uint32
	steps           []Step
	// before is the register state before the current instruction, kept
	// only with KeepStates (a local would be zeroed on every instruction).
	before   [11]regstate.Reg
	hasCycle bool

	// Loops (WalkLoops): the SCC of each instruction (compute_scc; nil
	// without a cycle), the visits by SCC, the backedges waiting in them
	// and the evicted states not yet freed (free_list_size).
	scc          []uint32
	visits       map[uint32]*sccVisit
	numBackedges int
	freeList     int
	// lastLine is the instruction of the last instruction line do_check
	// printed at level 2, whatever the level: the instruction reported
	// for an error found before its instruction is printed (an infinite
	// loop). Result.Insn is the last instruction line of the level-2 log
	// at every level; at level 1 a popped branch erases the lines after
	// its push, and the log's last line can be an earlier one.
	lastLine int
}

type subprog struct {
	start      int
	hasLdAbs   bool
	hasTailCal bool
	global     bool // BTF_FUNC_GLOBAL in func_info: verified on its own (do_check_subprogs)
}

// auxData is the per-instruction side table (struct bpf_insn_aux_data),
// kept small: it is allocated for every slot.
type auxData struct {
	mapIndex int32  // into usedMaps
	mapOff   uint32 // direct value offset
	addr     int32  // into addrs + 1: the rewritten immediate; 0 when none
	live     uint16 // live_regs_before
	// ptrType is ptr_type: the base register type the instruction's
	// memory access went through first (save_aux_ptr_type).
	ptrType  regstate.Type
	prune    bool
	jmpPoint bool
	force    bool
	cfgState uint8
}

func newEnv(p *Profile, cfg Config, ctx *btfctx.Context, slots []insn.Slot) *env {
	e := &env{
		p:         p,
		cfg:       cfg,
		ctx:       ctx,
		orig:      slots,
		aux:       make([]auxData, len(slots)),
		log:       vlog{level: uint32(cfg.LogLevel)},
		start:     time.Now(),
		lastBTF:   btfResult{reg: -1},
		lastUsed:  -1,
		prevLinfo: -1,
		// bpf_check: CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS (x86-64)
		// leaves strict_alignment to the flags.
		strictAlignment: cfg.ProgFlags&FlagStrictAlignment != 0 && cfg.ProgFlags&FlagAnyAlignment == 0,
	}
	e.subprogs = e.subprogBuf[:0]
	return e
}

// where returns the instruction index a failure is reported at: the one
// do_check is checking, or -1 from the passes before it.
func (e *env) where() int {
	if e.inDoCheck {
		return e.insnIdx
	}
	return -1
}

// reject prints the kernel's message (verbose(env, fmt "\n", ...)) and
// returns the error that ends verification with errno.
func (e *env) reject(errno Errno, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	e.log.write(msg)
	e.log.write("\n")
	e.failed(msg)
	return &kernelErr{verdict: Reject, errno: errno, msg: msg, insn: e.where(), id: msgByFormat[format]}
}

// rejectSilent ends verification with errno and no message; why says what
// failed, for Explain.
func (e *env) rejectSilent(errno Errno, why string) error {
	e.failed(why)
	return &kernelErr{verdict: Reject, errno: errno, insn: e.where()}
}

// oops ends verification where the modeled kernel would crash.
func (e *env) oops(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	e.failed(msg)
	return &kernelErr{verdict: Oops, msg: msg, insn: e.where()}
}

// unsupported ends verification at something verisim does not model.
func (e *env) unsupported(format string, args ...any) error {
	msg := "verisim: " + fmt.Sprintf(format, args...)
	e.failed(msg)
	return &kernelErr{verdict: Unsupported, msg: msg, insn: e.where()}
}

// passed records, for Explain, a check of e.fn about instruction e.at
// that held.
func (e *env) passed(format string, args ...any) {
	if e.cfg.Explain {
		e.record(Check{Insn: e.at, Step: e.step(), Func: e.fn, What: fmt.Sprintf(format, args...), OK: true})
	}
}

func (e *env) failed(what string) {
	if e.cfg.Explain {
		e.record(Check{Insn: e.at, Step: e.step(), Func: e.fn, What: what})
	}
}

func (e *env) record(c Check) {
	if e.cfg.Observer != nil {
		e.cfg.Observer.Check(c)
		return
	}
	e.checks = append(e.checks, c)
}

// step is the index the current do_check step will have in Result.Steps.
func (e *env) step() int {
	if !e.inDoCheck {
		return -1
	}
	return e.nsteps
}

// enter sets the kernel function and instruction that checks are about;
// it returns a function restoring the previous ones.
func (e *env) enter(fn string, at int) func() {
	pf, pa := e.fn, e.at
	e.fn, e.at = fn, at
	return func() { e.fn, e.at = pf, pa }
}

// check is bpf_check (kernel/bpf/verifier.c) in the profile's pass order.
func (e *env) check() error {
	e.at = -1
	if !e.p.Has(FeatResolveAfterSubprogs) {
		// 5.9: replace_map_fd_with_map_ptr, check_subprogs,
		// check_btf_info (no-op without func_info), check_attach_btf_id
		// (no-op for the modeled types), check_cfg, do_check_main.
		if err := e.resolvePseudoLdImm64(); err != nil {
			return err
		}
		if err := e.checkSubprogs(); err != nil {
			return err
		}
		if err := e.checkBTFInfo59(); err != nil {
			return err
		}
		if err := e.checkCFG(); err != nil {
			return err
		}
		return e.doCheckMain()
	}
	// 6.18: process_fd_array, add_subprog_and_kfunc, check_subprogs, check_btf_info,
	// resolve_pseudo_ldimm64, check_cfg, compute_postorder,
	// check_attach_btf_id, compute_scc, compute_live_registers,
	// do_check_main, do_check_subprogs.
	if err := e.processFDArray(); err != nil {
		return err
	}
	if err := e.checkBTFInfoEarly(); err != nil {
		return err
	}
	if err := e.addSubprogAndKfunc(); err != nil {
		return err
	}
	if err := e.checkSubprogs(); err != nil {
		return err
	}
	if err := e.checkBTFInfo(); err != nil {
		return err
	}
	if err := e.resolvePseudoLdImm64(); err != nil {
		return err
	}
	if err := e.checkCFG(); err != nil {
		return err
	}
	if _, ok := helperArgs618[e.cfg.ProgType]; !ok && e.p.Has(FeatDFALiveness) {
		// compute_live_registers reads each helper call's argument count
		// (get_call_summary), recorded per program type: for a type not
		// recorded, even a call do_check never reaches changes the live
		// registers.
		for i, s := range e.orig {
			if isHelperCall(s) {
				return e.unsupported("insn %d calls a helper, and the helper argument counts of %s programs are not recorded (verifier/helpers_618.go)", i, e.cfg.ProgType)
			}
		}
	}
	if e.log.level2() {
		// compute_live_registers runs for every program; only its log
		// and pruning observe it, so it runs here for the log and
		// otherwise on the first prune point.
		e.computeLiveRegs()
	}
	return e.doCheckMain()
}

func (e *env) stats() Stats {
	return Stats{Processed: e.processed, MaxStatesPerInsn: e.maxPerInsn, TotalStates: e.total, PeakStates: e.peak}
}

// printStats is print_verification_stats: always printed once bpf_check
// ran, whatever the outcome.
func (e *env) printStats() {
	if LogLevel(e.log.level)&LogLevelStats != 0 {
		// Divergence from print_verification_stats (kernel/bpf/verifier.c):
		// the time is the simulator's own, from the start of Verify, not
		// the kernel's; a log at this level is not deterministic.
		e.log.printf("verification time %d usec\n", time.Since(e.start).Microseconds())
		e.log.write("stack depth ")
		// stack_depth is 0 in every subprog: a stack access ends the walk
		// unsupported, before the stats are printed.
		for i := range e.subprogs {
			if i > 0 {
				e.log.write("+")
			}
			e.log.write("0")
		}
		e.log.write("\n")
	}
	e.log.printf(msgVerifierStats+"\n", e.processed, MaxInsns, e.maxPerInsn, e.total, e.peak, 0)
}
