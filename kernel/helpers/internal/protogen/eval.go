package main

import (
	"fmt"
	"sort"
	"strings"
)

// The evaluator runs a program type's get_func_proto on one helper id,
// the way the kernel would for the load verisim models: a root loader
// with every capability (bpf_token_capable and capable pass), no
// lockdown, expected_attach_type 0 (what the oracle passes), not
// sleepable, no attach target. Each of these is an assumption the
// answer records when the code path consults it.

type vkind uint8

const (
	vInt vkind = iota + 1
	vNull
	vProto
	vSym  // a name the evaluator has no value for (CAP_BPF, a token)
	vProg // the struct bpf_prog * argument
	vVoid
)

type value struct {
	k     vkind
	n     int64
	proto *protoDef
	name  string
}

func (v value) String() string {
	switch v.k {
	case vInt:
		return fmt.Sprint(v.n)
	case vNull:
		return "NULL"
	case vProto:
		return "&" + v.proto.name
	case vSym:
		return v.name
	case vProg:
		return "prog"
	}
	return "void"
}

// load is the BPF_PROG_LOAD the table answers for.
type load struct {
	progType int64  // enum bpf_prog_type
	typeName string // BPF_PROG_TYPE_SOCKET_FILTER
}

// cellResult is one program type x helper id answer.
type cellResult struct {
	proto   *protoDef // nil: get_func_proto returns NULL
	via     []string  // the functions entered, outermost first
	assumes map[string]bool
	notes   []string // cases the configuration drops on the way
}

type evaluator struct {
	ix     *index
	consts map[string]int64
	cfg    *config
	ld     load
	delta  *delta
	bodies map[*funcDef]*blockStmt
	// patches are the 6.18 forms of the prototypes delta.fields changes
	patches map[*protoDef]*protoDef

	funcID int64
	helper string
	res    *cellResult
	depth  int
}

func (e *evaluator) assume(s string) { e.res.assumes[s] = true }

// assumeGuard records the CONFIG_ values guard g of f (and its parents)
// rests on.
func (e *evaluator) assumeGuard(f *file, g int) {
	for _, gd := range f.chain(g) {
		for _, s := range gd.syms {
			v, _ := e.cfg.value(s)
			e.assume(s + "=" + v)
		}
	}
}

// cell evaluates get_func_proto(id) of the program type whose ops use fn.
func (e *evaluator) cell(fn string, at *file, id int64, helper string) (*cellResult, error) {
	e.funcID, e.helper = id, helper
	e.res = &cellResult{assumes: map[string]bool{}}
	v, err := e.call(fn, []value{{k: vInt, n: id}, {k: vProg}}, at)
	if err != nil {
		return nil, fmt.Errorf("%s(BPF_FUNC_%s): %w", fn, helper, err)
	}
	switch v.k {
	case vNull:
	case vProto:
		p, err := e.patched(v.proto)
		if err != nil {
			return nil, err
		}
		e.res.proto = p
	default:
		return nil, fmt.Errorf("%s(BPF_FUNC_%s) returned %v", fn, helper, v)
	}
	return e.res, nil
}

// patched returns the 6.18 form of a prototype (one value per prototype,
// so that cells share it).
func (e *evaluator) patched(p *protoDef) (*protoDef, error) {
	q, ok := e.patches[p]
	if !ok {
		var err error
		if q, err = e.delta.patch(p); err != nil {
			return nil, err
		}
		e.patches[p] = q
	}
	if q != p {
		for _, c := range sortedKeys(e.delta.fields[p.name]) {
			e.assume("6.18: " + e.delta.fields[p.name][c].why)
		}
	}
	return q, nil
}

// lookupFunc resolves a function name as the linker would from file
// from: a static definition in that file, else a strong definition in a
// built file, else a __weak one.
func (e *evaluator) lookupFunc(name string, from *file) (*funcDef, error) {
	var strong, weak []*funcDef
	for _, d := range e.ix.funcs[name] {
		if d.static && d.file != from {
			continue
		}
		if d.static {
			return d, nil
		}
		ok, err := e.ix.isBuilt(d.file.path, e.cfg)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if d.weak {
			weak = append(weak, d)
		} else {
			strong = append(strong, d)
		}
	}
	switch {
	case len(strong) == 1:
		return strong[0], nil
	case len(strong) > 1:
		return nil, fmt.Errorf("%s is defined in %s and %s", name, strong[0].file.path, strong[1].file.path)
	case len(weak) >= 1:
		return weak[0], nil
	}
	return nil, nil
}

// lookupProto resolves a bpf_func_proto name the same way.
func (e *evaluator) lookupProto(name string, from *file) (*protoDef, error) {
	if d, ok := e.delta.protos[name]; ok {
		return d, nil
	}
	var strong, weak []*protoDef
	for _, d := range e.ix.protos[name] {
		if d.static && d.file != from && !e.delta.exported[name] {
			continue
		}
		ok, err := e.ix.isBuilt(d.file.path, e.cfg)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if d.weak {
			weak = append(weak, d)
		} else {
			strong = append(strong, d)
		}
	}
	for _, n := range e.ix.skippedProtos[name] {
		if n.file.guards[n.guard].eff == triUnknown {
			return nil, fmt.Errorf("%s:%d: %s is defined under an unknown condition %q", n.file.path, n.line, name, n.file.guards[n.guard].cond)
		}
	}
	switch {
	case len(strong) == 1:
		return strong[0], nil
	case len(strong) > 1:
		return nil, fmt.Errorf("proto %s is defined in %s and %s", name, strong[0].file.path, strong[1].file.path)
	case len(weak) >= 1:
		return weak[0], nil
	}
	var why []string
	for _, n := range e.ix.skippedProtos[name] {
		why = append(why, fmt.Sprintf("%s:%d under %s", n.file.path, n.line, n.file.guards[n.guard].cond))
	}
	return nil, fmt.Errorf("no definition of %s (dropped: %v)", name, why)
}

// call evaluates the function name with args.
func (e *evaluator) call(name string, args []value, from *file) (value, error) {
	if v, ok, err := e.builtin(name, args); ok || err != nil {
		return v, err
	}
	if r, ok := e.delta.rule(name, e.helper); ok {
		if v, applied, err := e.applyRule(name, r, args, from); applied || err != nil {
			return v, err
		}
	}
	return e.callBody(name, args, from, false)
}

func (e *evaluator) callBody(name string, args []value, from *file, skipCase bool) (value, error) {
	fd, err := e.lookupFunc(name, from)
	if err != nil {
		return value{}, err
	}
	if fd == nil {
		return value{}, fmt.Errorf("no definition of %s", name)
	}
	if e.depth > 20 {
		return value{}, fmt.Errorf("recursion through %s", name)
	}
	e.depth++
	defer func() { e.depth-- }()
	e.res.via = append(e.res.via, name)
	e.assumeGuard(fd.file, fd.guard)
	body, ok := e.bodies[fd]
	if !ok {
		p := &parser{toks: fd.body, path: fd.file.path}
		body, err = p.block()
		if err != nil {
			return value{}, err
		}
		e.bodies[fd] = body
	}
	if len(args) != len(fd.params) {
		return value{}, fmt.Errorf("%s takes %d arguments, called with %d", name, len(fd.params), len(args))
	}
	fr := &frame{fd: fd, vars: map[string]value{}, skipCase: skipCase}
	for i, p := range fd.params {
		fr.vars[p] = args[i]
	}
	ctl, v, err := e.exec(fr, body)
	if err != nil {
		return value{}, err
	}
	if ctl != ctlReturn {
		return value{k: vVoid}, nil
	}
	return v, nil
}

type frame struct {
	fd       *funcDef
	vars     map[string]value
	skipCase bool // ignore "case BPF_FUNC_<helper>:" labels (a 6.18 removal)
}

type ctl uint8

const (
	ctlNext ctl = iota
	ctlBreak
	ctlReturn
)

func (e *evaluator) errf(fr *frame, line int, format string, a ...any) error {
	return fmt.Errorf("%s:%d (%s): %s", fr.fd.file.path, line, fr.fd.name, fmt.Sprintf(format, a...))
}

func (e *evaluator) exec(fr *frame, s stmt) (ctl, value, error) {
	switch s := s.(type) {
	case *blockStmt:
		for _, x := range s.list {
			c, v, err := e.exec(fr, x)
			if err != nil || c != ctlNext {
				return c, v, err
			}
		}
		return ctlNext, value{}, nil
	case *skipStmt:
		return ctlNext, value{}, e.skipped(fr, s.t)
	case *declStmt:
		if s.init == nil {
			fr.vars[s.name] = value{k: vNull}
			return ctlNext, value{}, nil
		}
		v, err := e.eval(fr, s.init)
		fr.vars[s.name] = v
		return ctlNext, value{}, err
	case *exprStmt:
		_, err := e.eval(fr, s.x)
		return ctlNext, value{}, err
	case *returnStmt:
		e.assumeGuard(fr.fd.file, s.guard)
		if s.x == nil {
			return ctlReturn, value{k: vVoid}, nil
		}
		v, err := e.eval(fr, s.x)
		return ctlReturn, v, err
	case *breakStmt:
		return ctlBreak, value{}, nil
	case *ifStmt:
		c, err := e.truth(fr, s.cond)
		if err != nil {
			return 0, value{}, err
		}
		if c {
			return e.exec(fr, s.then)
		}
		if s.els != nil {
			return e.exec(fr, s.els)
		}
		return ctlNext, value{}, nil
	case *switchStmt:
		return e.execSwitch(fr, s)
	case *caseLabel:
		return ctlNext, value{}, nil // falling through a label
	case *otherStmt:
		return 0, value{}, e.errf(fr, s.line, "unsupported statement %s", s.what)
	}
	return 0, value{}, fmt.Errorf("unknown statement %T", s)
}

// skipped checks a region the configuration drops: an unknown condition
// around anything is an error; a false one around a case of this helper
// is noted.
func (e *evaluator) skipped(fr *frame, t tok) error {
	g := fr.fd.file.guards[t.guard]
	mentions := strings.Contains(" "+t.text, " BPF_FUNC_"+e.helper+" ")
	if g.eff == triUnknown {
		return e.errf(fr, t.line, "a region under an unknown condition %q", g.cond)
	}
	if mentions {
		var conds []string
		for _, gd := range fr.fd.file.chain(t.guard) {
			for _, s := range gd.syms {
				v, _ := e.cfg.value(s)
				e.assume(s + "=" + v)
			}
			conds = append(conds, gd.cond)
		}
		e.res.notes = append(e.res.notes, fmt.Sprintf("%s: case BPF_FUNC_%s compiled out (%s)", fr.fd.name, e.helper, strings.Join(conds, " && ")))
	}
	return nil
}

func (e *evaluator) execSwitch(fr *frame, s *switchStmt) (ctl, value, error) {
	tag, err := e.eval(fr, s.tag)
	if err != nil {
		return 0, value{}, err
	}
	if tag.k != vInt {
		return 0, value{}, e.errf(fr, s.line, "switch on %v", tag)
	}
	start, def := -1, -1
	for i, x := range s.body {
		switch x := x.(type) {
		case *caseLabel:
			if x.isDefault {
				def = i
				continue
			}
			if fr.skipCase && exprString(x.val) == "BPF_FUNC_"+e.helper {
				continue
			}
			v, err := e.eval(fr, x.val)
			if err != nil {
				return 0, value{}, err
			}
			if v.k != vInt {
				return 0, value{}, e.errf(fr, x.line, "case %v", v)
			}
			if v.n == tag.n && start < 0 {
				start = i
				e.assumeGuard(fr.fd.file, x.guard)
			}
		case *skipStmt:
			if err := e.skipped(fr, x.t); err != nil {
				return 0, value{}, err
			}
		}
	}
	if start < 0 {
		start = def
	}
	if start < 0 {
		return ctlNext, value{}, nil
	}
	for _, x := range s.body[start:] {
		if _, ok := x.(*skipStmt); ok {
			continue // checked above
		}
		c, v, err := e.exec(fr, x)
		if err != nil {
			return 0, value{}, err
		}
		switch c {
		case ctlBreak:
			return ctlNext, value{}, nil
		case ctlReturn:
			return c, v, nil
		}
	}
	return ctlNext, value{}, nil
}

func (e *evaluator) truth(fr *frame, x expr) (bool, error) {
	v, err := e.eval(fr, x)
	if err != nil {
		return false, err
	}
	switch v.k {
	case vInt:
		return v.n != 0, nil
	case vNull:
		return false, nil
	case vProto, vProg:
		return true, nil
	}
	return false, fmt.Errorf("%s: no truth value for %v", exprString(x), v)
}

func b2v(b bool) value {
	if b {
		return value{k: vInt, n: 1}
	}
	return value{k: vInt, n: 0}
}

func (e *evaluator) eval(fr *frame, x expr) (value, error) {
	switch x := x.(type) {
	case *numExpr:
		return value{k: vInt, n: x.v}, nil
	case *identExpr:
		if v, ok := fr.vars[x.name]; ok {
			return v, nil
		}
		switch x.name {
		case "NULL":
			return value{k: vNull}, nil
		case "true":
			return value{k: vInt, n: 1}, nil
		case "false":
			return value{k: vInt, n: 0}, nil
		}
		if n, ok := e.consts[x.name]; ok {
			return value{k: vInt, n: n}, nil
		}
		if v, ok := e.global(x.name); ok {
			return v, nil
		}
		return value{k: vSym, name: x.name}, nil
	case *unaryExpr:
		if x.op == "&" {
			id, ok := x.x.(*identExpr)
			if !ok {
				return value{}, fmt.Errorf("&%s: only &proto is evaluated", exprString(x.x))
			}
			d, err := e.lookupProto(id.name, fr.fd.file)
			if err != nil {
				return value{}, err
			}
			return value{k: vProto, proto: d}, nil
		}
		if x.op == "!" {
			b, err := e.truth(fr, x.x)
			return b2v(!b), err
		}
		v, err := e.eval(fr, x.x)
		if err != nil {
			return value{}, err
		}
		if v.k != vInt || x.op != "-" {
			return value{}, fmt.Errorf("%s: unsupported", exprString(x))
		}
		return value{k: vInt, n: -v.n}, nil
	case *binaryExpr:
		switch x.op {
		case "&&", "||":
			l, err := e.truth(fr, x.l)
			if err != nil {
				return value{}, err
			}
			if l == (x.op == "||") {
				return b2v(l), nil
			}
			r, err := e.truth(fr, x.r)
			return b2v(r), err
		}
		l, err := e.eval(fr, x.l)
		if err != nil {
			return value{}, err
		}
		r, err := e.eval(fr, x.r)
		if err != nil {
			return value{}, err
		}
		if l.k != vInt || r.k != vInt {
			if (x.op == "==" || x.op == "!=") && (l.k == vNull || l.k == vProto) && (r.k == vNull || r.k == vProto) {
				eq := l.k == r.k && l.proto == r.proto
				return b2v(eq == (x.op == "==")), nil
			}
			return value{}, fmt.Errorf("%s: %v %s %v", exprString(x), l, x.op, r)
		}
		switch x.op {
		case "==":
			return b2v(l.n == r.n), nil
		case "!=":
			return b2v(l.n != r.n), nil
		case "<":
			return b2v(l.n < r.n), nil
		case ">":
			return b2v(l.n > r.n), nil
		case "<=":
			return b2v(l.n <= r.n), nil
		case ">=":
			return b2v(l.n >= r.n), nil
		case "|":
			return value{k: vInt, n: l.n | r.n}, nil
		case "&":
			return value{k: vInt, n: l.n & r.n}, nil
		}
		return value{}, fmt.Errorf("%s: operator %s", exprString(x), x.op)
	case *condExpr:
		c, err := e.truth(fr, x.c)
		if err != nil {
			return value{}, err
		}
		if c {
			return e.eval(fr, x.a)
		}
		return e.eval(fr, x.b)
	case *assignExpr:
		id, ok := x.l.(*identExpr)
		if !ok || x.op != "=" {
			return value{}, fmt.Errorf("%s: only local assignment is evaluated", exprString(x))
		}
		v, err := e.eval(fr, x.r)
		if err != nil {
			return value{}, err
		}
		fr.vars[id.name] = v
		return v, nil
	case *memberExpr:
		return e.member(fr, x)
	case *callExpr:
		id, ok := x.fn.(*identExpr)
		if !ok {
			return value{}, fmt.Errorf("%s: indirect call", exprString(x))
		}
		if sideEffects[id.name] {
			return value{k: vVoid}, nil
		}
		var args []value
		for _, a := range x.args {
			v, err := e.eval(fr, a)
			if err != nil {
				return value{}, err
			}
			args = append(args, v)
		}
		return e.call(id.name, args, fr.fd.file)
	}
	return value{}, fmt.Errorf("%s: unsupported expression", exprString(x))
}

// member answers the struct bpf_prog fields get_func_proto reads.
func (e *evaluator) member(fr *frame, x *memberExpr) (value, error) {
	path := exprString(x)
	base := x.x
	for {
		m, ok := base.(*memberExpr)
		if !ok {
			break
		}
		base = m.x
	}
	bv, err := e.eval(fr, base)
	if err != nil {
		return value{}, err
	}
	if bv.k != vProg {
		return value{}, fmt.Errorf("%s: member of %v", path, bv)
	}
	_, field, _ := strings.Cut(path, "->")
	switch field {
	case "type":
		return value{k: vInt, n: e.ld.progType}, nil
	case "expected_attach_type":
		e.assume("expected_attach_type=0")
		return value{k: vInt, n: 0}, nil
	case "sleepable", "aux->sleepable":
		e.assume("not sleepable")
		return value{k: vInt, n: 0}, nil
	case "aux->token":
		return value{k: vSym, name: "token"}, nil
	}
	return value{}, fmt.Errorf("%s: a bpf_prog field the evaluator does not model", path)
}

// global answers the file-scope variables get_func_proto paths test.
func (e *evaluator) global(name string) (value, bool) {
	switch name {
	case "md_dst":
		// bpf_get_skb_set_tunnel_proto allocates the per-cpu metadata_dst
		// on first use: assumed to succeed.
		e.assume("metadata_dst allocation succeeds")
		return value{k: vInt, n: 1}, true
	}
	return value{}, false
}

// builtin answers the kernel functions a get_func_proto path calls whose
// answer is the load's, not code this generator reads.
func (e *evaluator) builtin(name string, args []value) (value, bool, error) {
	switch name {
	case "bpf_token_capable", "capable", "bpf_capable", "perfmon_capable":
		cap := "CAP_BPF"
		for _, a := range args {
			if a.k == vSym && strings.HasPrefix(a.name, "CAP_") {
				cap = a.name
			}
		}
		switch name {
		case "perfmon_capable":
			cap = "CAP_PERFMON"
		case "bpf_capable":
			cap = "CAP_BPF"
		}
		e.assume("capable(" + cap + ")")
		return value{k: vInt, n: 1}, true, nil
	case "security_locked_down":
		if len(args) != 1 || args[0].k != vInt {
			return value{}, true, fmt.Errorf("security_locked_down(%v)", args)
		}
		reason := ""
		for k, v := range e.consts {
			if strings.HasPrefix(k, "LOCKDOWN_") && v == args[0].n && !strings.HasSuffix(k, "_MAX") && k != "LOCKDOWN_NONE" {
				reason = k
			}
		}
		locked, err := e.lockedDown(reason)
		if locked {
			return value{k: vInt, n: -1}, true, err // -EPERM
		}
		return value{k: vInt, n: 0}, true, err
	case "bpf_prog_check_recur":
		// include/linux/bpf_verifier.h: true but for tracing iterators,
		// struct_ops and lsm, none of which the table models.
		return value{k: vInt, n: 1}, true, nil
	case "bpf_prog_has_trampoline":
		// kernel/bpf/trampoline.c: tracing, lsm and ext programs only.
		return value{k: vInt, n: 0}, true, nil
	case "resolve_prog_type":
		return value{k: vInt, n: e.ld.progType}, true, nil
	}
	return value{}, false, nil
}

// sideEffects are calls on get_func_proto paths that do not decide the
// answer (bpf_get_trace_printk_proto schedules a work item,
// bpf_get_probe_write_proto warns): not evaluated, nor their arguments.
var sideEffects = map[string]bool{
	"schedule_work": true, "pr_warn_ratelimited": true, "BTF_TYPE_EMIT": true,
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
