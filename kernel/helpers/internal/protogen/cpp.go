package main

import (
	"fmt"
	"strconv"
	"strings"
)

// tri is a condition's value: the config decides it, or it is unknown
// (a macro this generator does not track).
type tri int8

const (
	triFalse   tri = 0
	triTrue    tri = 1
	triUnknown tri = -1
)

func (v tri) and(w tri) tri {
	switch {
	case v == triFalse || w == triFalse:
		return triFalse
	case v == triUnknown || w == triUnknown:
		return triUnknown
	}
	return triTrue
}

func (v tri) not() tri {
	switch v {
	case triTrue:
		return triFalse
	case triFalse:
		return triTrue
	}
	return triUnknown
}

// guard is one conditional region of a file: the text of the condition
// that opens it (an #else or #elif region's condition includes the
// negation of the earlier branches) and its value within its parent.
type guard struct {
	parent int
	cond   string
	own    tri // the condition alone
	eff    tri // own and every enclosing region's
	syms   []string
}

// file is one C source or header, tokenized, with its conditional
// regions resolved against the configuration.
type file struct {
	path    string
	all     []tok // every token, directives included
	live    []tok // the tokens the configuration compiles; a dropped run is one tSkipped token
	guards  []guard
	defines map[string]string // object-like #defines, by name (the last one wins)
}

// tSkipped stands, in file.live, for a run of tokens a false or unknown
// condition drops.
const tSkipped tokKind = 100

// chain returns the conditions of guard g and its parents, innermost
// last, as "cond" (true) or "!(cond)" would read; the unconditional region
// gives none.
func (f *file) chain(g int) []guard {
	var out []guard
	for g != 0 {
		out = append([]guard{f.guards[g]}, out...)
		g = f.guards[g].parent
	}
	return out
}

// preprocess resolves the file's #if/#ifdef/#ifndef/#elif/#else/#endif
// regions against cfg and builds f.live.
func (f *file) preprocess(cfg *config) error {
	f.guards = []guard{{eff: triTrue, own: triTrue}}
	f.defines = map[string]string{}
	type frame struct {
		parent int
		taken  tri // some earlier branch of this #if chain was true
		prior  []string
	}
	var stack []frame
	cur := 0
	open := func(parent int, cond string, own tri, syms []string) int {
		f.guards = append(f.guards, guard{parent: parent, cond: cond, own: own, eff: f.guards[parent].eff.and(own), syms: syms})
		return len(f.guards) - 1
	}
	for i := range f.all {
		t := &f.all[i]
		if t.kind != tDirective {
			t.guard = cur
			continue
		}
		t.guard = cur
		name, rest := splitDirective(t.text)
		switch name {
		case "if", "ifdef", "ifndef":
			expr := rest
			switch name {
			case "ifdef":
				expr = "defined(" + rest + ")"
			case "ifndef":
				expr = "!defined(" + rest + ")"
				// the include-guard idiom: #ifndef X followed by #define X
				if i+1 < len(f.all) && f.all[i+1].kind == tDirective {
					if n, _ := splitDirective(strings.TrimPrefix(f.all[i+1].text, "define")); strings.HasPrefix(f.all[i+1].text, "define") && n == rest {
						expr = "1"
					}
				}
			}
			v, syms, err := evalCond(expr, f, cfg)
			if err != nil {
				return fmt.Errorf("%s:%d: #%s %s: %w", f.path, t.line, name, rest, err)
			}
			stack = append(stack, frame{parent: cur, taken: v, prior: []string{expr}})
			cur = open(cur, expr, v, syms)
		case "elif", "else":
			if len(stack) == 0 {
				return fmt.Errorf("%s:%d: #%s without #if", f.path, t.line, name)
			}
			fr := &stack[len(stack)-1]
			neg := "!(" + strings.Join(fr.prior, ") && !(") + ")"
			own := fr.taken.not()
			cond := neg
			var syms []string
			if name == "elif" {
				v, s, err := evalCond(rest, f, cfg)
				if err != nil {
					return fmt.Errorf("%s:%d: #elif %s: %w", f.path, t.line, rest, err)
				}
				own = own.and(v)
				cond = neg + " && (" + rest + ")"
				syms = s
				fr.prior = append(fr.prior, rest)
				if v == triTrue || fr.taken == triTrue {
					fr.taken = triTrue
				} else if v == triUnknown || fr.taken == triUnknown {
					fr.taken = triUnknown
				}
			} else {
				fr.taken = triTrue
			}
			for _, p := range fr.prior {
				_, s, _ := evalCond(p, f, cfg)
				syms = append(syms, s...)
			}
			cur = open(fr.parent, cond, own, syms)
		case "endif":
			if len(stack) == 0 {
				return fmt.Errorf("%s:%d: #endif without #if", f.path, t.line)
			}
			cur = stack[len(stack)-1].parent
			stack = stack[:len(stack)-1]
		case "define":
			if f.guards[cur].eff != triTrue {
				continue
			}
			n, body := splitDirective(rest)
			if n != "" && !strings.Contains(n, "(") {
				f.defines[n] = body
			}
		case "undef":
			if f.guards[cur].eff == triTrue {
				delete(f.defines, strings.TrimSpace(rest))
			}
		}
	}
	if len(stack) != 0 {
		return fmt.Errorf("%s: unterminated #if", f.path)
	}
	// f.live: the compiled tokens; each dropped run becomes one tSkipped
	// token carrying the guard of its first token.
	f.live = f.live[:0]
	for i := 0; i < len(f.all); i++ {
		t := f.all[i]
		if f.guards[t.guard].eff == triTrue {
			if t.kind != tDirective {
				f.live = append(f.live, t)
			}
			continue
		}
		j := i
		var b strings.Builder
		for j < len(f.all) && f.all[j].guard == t.guard {
			if f.all[j].kind != tDirective {
				b.WriteString(f.all[j].text)
				b.WriteByte(' ')
			}
			j++
		}
		f.live = append(f.live, tok{kind: tSkipped, text: b.String(), line: t.line, guard: t.guard})
		i = j - 1
	}
	return nil
}

func splitDirective(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := 0
	for i < len(s) && (isIdentChar(s[i])) {
		i++
	}
	// a function-like macro name keeps its parameter list
	if i < len(s) && s[i] == '(' {
		if j := strings.IndexByte(s[i:], ')'); j >= 0 {
			i += j + 1
		}
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// evalCond evaluates a preprocessor condition: defined(), IS_ENABLED(),
// IS_BUILTIN(), IS_MODULE(), IS_REACHABLE(), CONFIG_ symbols (y is 1, m
// and n are 0 as in autoconf.h), integers, !, &&, ||, comparisons and
// parentheses. A macro that is neither a CONFIG_ symbol nor #defined
// earlier in the file makes the condition unknown. It returns the CONFIG_
// symbols it consulted.
func evalCond(expr string, f *file, cfg *config) (tri, []string, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return triUnknown, nil, err
	}
	p := condParser{toks: toks, f: f, cfg: cfg}
	v, err := p.or()
	if err != nil {
		return triUnknown, nil, err
	}
	if p.i != len(p.toks) {
		return triUnknown, nil, fmt.Errorf("trailing %q", p.toks[p.i].text)
	}
	return v.truth(), p.syms, nil
}

// cval is a preprocessor value: an integer or unknown.
type cval struct {
	n     int64
	known bool
}

func (v cval) truth() tri {
	if !v.known {
		return triUnknown
	}
	if v.n != 0 {
		return triTrue
	}
	return triFalse
}

func known(b bool) cval {
	if b {
		return cval{1, true}
	}
	return cval{0, true}
}

type condParser struct {
	toks []tok
	i    int
	f    *file
	cfg  *config
	syms []string
}

func (p *condParser) peek(s string) bool { return p.i < len(p.toks) && p.toks[p.i].is(s) }

func (p *condParser) or() (cval, error) {
	l, err := p.and()
	if err != nil {
		return l, err
	}
	for p.peek("||") {
		p.i++
		r, err := p.and()
		if err != nil {
			return r, err
		}
		switch {
		case l.truth() == triTrue || r.truth() == triTrue:
			l = known(true)
		case l.known && r.known:
			l = known(false)
		default:
			l = cval{}
		}
	}
	return l, nil
}

func (p *condParser) and() (cval, error) {
	l, err := p.cmp()
	if err != nil {
		return l, err
	}
	for p.peek("&&") {
		p.i++
		r, err := p.cmp()
		if err != nil {
			return r, err
		}
		switch {
		case l.truth() == triFalse || r.truth() == triFalse:
			l = known(false)
		case l.known && r.known:
			l = known(true)
		default:
			l = cval{}
		}
	}
	return l, nil
}

func (p *condParser) cmp() (cval, error) {
	l, err := p.unary()
	if err != nil {
		return l, err
	}
	for p.i < len(p.toks) {
		op := p.toks[p.i].text
		if op != "==" && op != "!=" && op != "<" && op != ">" && op != "<=" && op != ">=" {
			break
		}
		p.i++
		r, err := p.unary()
		if err != nil {
			return r, err
		}
		if !l.known || !r.known {
			l = cval{}
			continue
		}
		switch op {
		case "==":
			l = known(l.n == r.n)
		case "!=":
			l = known(l.n != r.n)
		case "<":
			l = known(l.n < r.n)
		case ">":
			l = known(l.n > r.n)
		case "<=":
			l = known(l.n <= r.n)
		case ">=":
			l = known(l.n >= r.n)
		}
	}
	return l, nil
}

func (p *condParser) unary() (cval, error) {
	if p.peek("!") {
		p.i++
		v, err := p.unary()
		if err != nil || !v.known {
			return cval{}, err
		}
		return known(v.n == 0), nil
	}
	return p.primary()
}

func (p *condParser) primary() (cval, error) {
	if p.i >= len(p.toks) {
		return cval{}, fmt.Errorf("condition ends early")
	}
	t := p.toks[p.i]
	p.i++
	switch {
	case t.is("("):
		v, err := p.or()
		if err != nil {
			return v, err
		}
		if !p.peek(")") {
			return v, fmt.Errorf("missing )")
		}
		p.i++
		return v, nil
	case t.kind == tNumber:
		n, err := strconv.ParseInt(strings.TrimRight(t.text, "uUlL"), 0, 64)
		if err != nil {
			return cval{}, err
		}
		return cval{n, true}, nil
	case t.kind == tIdent:
		switch t.text {
		case "defined", "IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE":
			paren := p.peek("(")
			if paren {
				p.i++
			}
			if p.i >= len(p.toks) || p.toks[p.i].kind != tIdent {
				return cval{}, fmt.Errorf("%s without a name", t.text)
			}
			name := p.toks[p.i].text
			p.i++
			if paren {
				if !p.peek(")") {
					return cval{}, fmt.Errorf("missing )")
				}
				p.i++
			}
			return p.macro(t.text, name), nil
		}
		if strings.HasPrefix(t.text, "CONFIG_") {
			return p.macro("value", t.text), nil
		}
		if body, ok := p.f.defines[t.text]; ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(body), 0, 64); err == nil {
				return cval{n, true}, nil
			}
		}
		return cval{}, nil
	}
	return cval{}, fmt.Errorf("unexpected %q", t.text)
}

// macro answers defined(NAME), IS_ENABLED(NAME) and the like, and a bare
// CONFIG_ symbol ("value"), as include/generated/autoconf.h and
// include/linux/kconfig.h would: CONFIG_X is defined (to 1) only when it
// is y; an m option defines CONFIG_X_MODULE instead.
func (p *condParser) macro(op, name string) cval {
	if !strings.HasPrefix(name, "CONFIG_") {
		if op == "defined" {
			if _, ok := p.f.defines[name]; ok {
				return known(true)
			}
			if v, ok := p.cfg.macros[name]; ok {
				return known(v)
			}
			// an include guard or a macro of another header: unknown
			// unless the file defined it above
			return cval{}
		}
		return cval{}
	}
	base, module := name, false
	if b, ok := strings.CutSuffix(name, "_MODULE"); ok && op == "defined" {
		base, module = b, true
	}
	p.syms = append(p.syms, base)
	v, ok := p.cfg.value(base)
	if !ok {
		return cval{}
	}
	switch op {
	case "defined", "value", "IS_BUILTIN":
		if module {
			return known(v == "m")
		}
		return known(v == "y")
	case "IS_MODULE":
		return known(v == "m")
	default: // IS_ENABLED, IS_REACHABLE (this code is built in)
		return known(v == "y" || v == "m")
	}
}
