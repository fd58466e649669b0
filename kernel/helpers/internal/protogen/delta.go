package main

import (
	"fmt"
	"strings"
)

// delta is what Linux 6.18 changed, relative to the parsed source, in
// the code paths the table reads. Each change is a fact about 6.18 stated
// as data (which function returns which prototype for which helper), with
// the commit that made it; the live test checks the result against the
// running kernel.
type delta struct {
	rules map[[2]string]rule // {function, helper}
	// protos are prototypes 6.18 has and the parsed source lacks
	protos map[string]*protoDef
	// exported are prototypes 6.18 made global (their function moved to
	// another file); they resolve from any file
	exported map[string]bool
	// fields are prototypes whose initialiser 6.18 spells differently:
	// name -> field -> the 6.18 value, and why
	fields map[string]map[string]fieldChange
}

type fieldChange struct{ value, why string }

// patch returns p with 6.18's field changes applied (p itself when there
// are none).
func (d *delta) patch(p *protoDef) (*protoDef, error) {
	ch, ok := d.fields[p.name]
	if !ok || p.weak {
		return p, nil
	}
	q := *p
	q.fields = nil
	seen := map[string]bool{}
	for _, f := range p.fields {
		if c, ok := ch[f.name]; ok {
			x, err := parseExpr(p.file.path, c.value)
			if err != nil {
				return nil, fmt.Errorf("delta %s.%s: %w", p.name, f.name, err)
			}
			f = field{name: f.name, x: x}
			seen[f.name] = true
		}
		q.fields = append(q.fields, f)
	}
	for n := range ch {
		if !seen[n] {
			return nil, fmt.Errorf("delta %s.%s: the parsed initialiser has no such field", p.name, n)
		}
	}
	return &q, nil
}

func parseExpr(path, s string) (expr, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	ps := &parser{toks: toks, path: path}
	x, err := ps.ternary()
	if err == nil && ps.i != len(toks) {
		err = fmt.Errorf("trailing tokens in %q", s)
	}
	return x, err
}

// fallThrough as a rule's proto: 6.18 has no case for the helper in that
// function any more; its switch takes the default branch.
const fallThrough = "\x00fallthrough"

// rule is what one function returns for one helper in 6.18.
type rule struct {
	proto     string   // "" NULL, fallThrough, or the prototype returned
	recur     string   // the prototype when bpf_prog_check_recur(prog)
	sleepable string   // the prototype when prog->sleepable
	caps      []string // capabilities the 6.18 path checks before the case
	config    []string // CONFIG_ options the 6.18 case sits under: without them the rule does not apply
	lockdown  string   // a lockdown_reason: NULL when the kernel is locked down past it
	why       string   // the commit
}

func (d *delta) rule(fn, helper string) (rule, bool) {
	if d == nil {
		return rule{}, false
	}
	r, ok := d.rules[[2]string{fn, helper}]
	return r, ok
}

// mkProto builds a prototype 6.18 defines from its field values (C
// expressions, as the kernel spells them).
func mkProto(path, name string, fields [][2]string) *protoDef {
	p := &protoDef{name: name, file: &file{path: path, guards: []guard{{eff: triTrue, own: triTrue}}}}
	for _, f := range fields {
		x, err := parseExpr(path, f[1])
		if err != nil {
			panic(fmt.Sprintf("delta proto %s.%s = %q: %v", name, f[0], f[1], err))
		}
		p.fields = append(p.fields, field{name: f[0], x: x})
	}
	return p
}

// applyRule evaluates a delta rule in function fn.
func (e *evaluator) applyRule(fn string, r rule, args []value, from *file) (value, bool, error) {
	for _, c := range r.config {
		v, _ := e.cfg.value(c)
		if v != "y" {
			e.assume(c + "=" + v)
			return value{}, false, nil
		}
	}
	for _, c := range r.config {
		e.assume(c + "=y")
	}
	e.res.via = append(e.res.via, fn)
	e.assume("6.18: " + r.why)
	for _, c := range r.caps {
		e.assume("capable(" + c + ")")
	}
	if r.proto == fallThrough {
		e.res.via = e.res.via[:len(e.res.via)-1]
		v, err := e.callBody(fn, args, from, true)
		return v, true, err
	}
	if r.lockdown != "" {
		locked, err := e.lockedDown(r.lockdown)
		if err != nil {
			return value{}, true, err
		}
		if locked {
			e.res.notes = append(e.res.notes, fmt.Sprintf("%s: %s refused under lockdown (security_locked_down(%s))", fn, e.helper, r.lockdown))
			return value{k: vNull}, true, nil
		}
	}
	name := r.proto
	if r.recur != "" {
		name = r.recur // bpf_prog_check_recur holds for every modeled type
	}
	if r.sleepable != "" {
		e.assume("not sleepable")
	}
	if name == "" {
		return value{k: vNull}, true, nil
	}
	d, err := e.lookupProtoAny(name)
	if err != nil {
		return value{}, true, err
	}
	return value{k: vProto, proto: d}, true, nil
}

// lookupProtoAny resolves a prototype a delta rule names, static or not.
func (e *evaluator) lookupProtoAny(name string) (*protoDef, error) {
	if d, ok := e.delta.protos[name]; ok {
		return d, nil
	}
	var found []*protoDef
	for _, d := range e.ix.protos[name] {
		if !d.weak {
			found = append(found, d)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("delta names %s: %d strong definitions", name, len(found))
	}
	return found[0], nil
}

// lockedDown answers security_locked_down(reason) < 0 the way
// security/lockdown/lockdown.c does at boot: the level
// CONFIG_LOCK_DOWN_KERNEL_FORCE_* sets (none without the lockdown LSM),
// and a reason at or below it is refused.
func (e *evaluator) lockedDown(reason string) (bool, error) {
	what, ok := e.consts[reason]
	if !ok {
		return false, fmt.Errorf("security_locked_down(%s): not an enum lockdown_reason of 6.18", reason)
	}
	level := e.consts["LOCKDOWN_NONE"]
	mode := "none"
	lsm, _ := e.cfg.value("CONFIG_SECURITY_LOCKDOWN_LSM")
	e.assume("CONFIG_SECURITY_LOCKDOWN_LSM=" + lsm)
	if lsm == "y" {
		integ, _ := e.cfg.value("CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY")
		conf, _ := e.cfg.value("CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY")
		e.assume("CONFIG_LOCK_DOWN_KERNEL_FORCE_INTEGRITY=" + integ)
		switch {
		case integ == "y":
			level, mode = e.consts["LOCKDOWN_INTEGRITY_MAX"], "integrity"
		case conf == "y":
			e.assume("CONFIG_LOCK_DOWN_KERNEL_FORCE_CONFIDENTIALITY=y")
			level, mode = e.consts["LOCKDOWN_CONFIDENTIALITY_MAX"], "confidentiality"
		}
	}
	locked := level >= what
	state := "open"
	if locked {
		state = "locked"
	}
	e.assume(fmt.Sprintf("lockdown=%s: %s %s", mode, strings.TrimPrefix(reason, "LOCKDOWN_"), state))
	return locked, nil
}
