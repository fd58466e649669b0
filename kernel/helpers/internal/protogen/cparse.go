package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The statement and expression forms of the kernel's *_func_proto
// functions and of the bpf_func_proto initialisers. Anything else in a
// body this generator evaluates is an error naming the line, never a
// guess.

type stmt interface{}

type (
	blockStmt  struct{ list []stmt }
	switchStmt struct {
		tag  expr
		body []stmt // labels (*caseLabel) inline, as in C
		line int
	}
	caseLabel struct {
		val       expr // nil: default
		line      int
		guard     int
		isDefault bool
	}
	ifStmt struct {
		cond      expr
		then, els stmt
		line      int
	}
	returnStmt struct {
		x     expr
		line  int
		guard int
	}
	breakStmt struct{}
	exprStmt  struct {
		x    expr
		line int
	}
	declStmt struct {
		name string
		init expr
	}
	// skipStmt is a region the configuration drops (a tSkipped token).
	skipStmt struct{ t tok }
	// otherStmt is a statement form the evaluator refuses (goto, loops, ...).
	otherStmt struct {
		what string
		line int
	}
)

type expr interface{}

type (
	identExpr struct{ name string }
	numExpr   struct{ v int64 }
	strExpr   struct{ s string }
	unaryExpr struct {
		op string
		x  expr
	}
	binaryExpr struct {
		op   string
		l, r expr
	}
	condExpr struct{ c, a, b expr }
	callExpr struct {
		fn   expr
		args []expr
	}
	memberExpr struct {
		x     expr
		name  string
		arrow bool
	}
	indexExpr  struct{ x, i expr }
	assignExpr struct {
		op   string
		l, r expr
	}
	sizeofExpr struct{ text string }
	// initExpr is a brace initialiser ({ ... }); its text is kept.
	initExpr struct{ text string }
)

// exprString renders an expression back to C (for messages and for the
// source spelling of initialiser values).
func exprString(e expr) string {
	switch e := e.(type) {
	case nil:
		return ""
	case *identExpr:
		return e.name
	case *numExpr:
		return strconv.FormatInt(e.v, 10)
	case *strExpr:
		return e.s
	case *unaryExpr:
		return e.op + exprString(e.x)
	case *binaryExpr:
		return exprString(e.l) + " " + e.op + " " + exprString(e.r)
	case *condExpr:
		return exprString(e.c) + " ? " + exprString(e.a) + " : " + exprString(e.b)
	case *callExpr:
		var a []string
		for _, x := range e.args {
			a = append(a, exprString(x))
		}
		return exprString(e.fn) + "(" + strings.Join(a, ", ") + ")"
	case *memberExpr:
		if e.arrow {
			return exprString(e.x) + "->" + e.name
		}
		return exprString(e.x) + "." + e.name
	case *indexExpr:
		return exprString(e.x) + "[" + exprString(e.i) + "]"
	case *assignExpr:
		return exprString(e.l) + " " + e.op + " " + exprString(e.r)
	case *sizeofExpr:
		return "sizeof(" + e.text + ")"
	case *initExpr:
		return "{" + e.text + "}"
	}
	return fmt.Sprintf("%T", e)
}

// parser reads statements and expressions from a token slice.
type parser struct {
	toks []tok
	i    int
	path string
}

func (p *parser) errf(format string, a ...any) error {
	line := 0
	if p.i < len(p.toks) {
		line = p.toks[p.i].line
	} else if len(p.toks) > 0 {
		line = p.toks[len(p.toks)-1].line
	}
	return fmt.Errorf("%s:%d: %s", p.path, line, fmt.Sprintf(format, a...))
}

func (p *parser) peek(s string) bool {
	return p.i < len(p.toks) && p.toks[p.i].kind != tSkipped && p.toks[p.i].is(s)
}

func (p *parser) expect(s string) error {
	if !p.peek(s) {
		got := "end"
		if p.i < len(p.toks) {
			got = p.toks[p.i].text
		}
		return p.errf("want %q, have %q", s, got)
	}
	p.i++
	return nil
}

// typeWords start a declaration inside a body.
var typeWords = map[string]bool{
	"const": true, "struct": true, "enum": true, "union": true, "int": true, "bool": true,
	"u8": true, "u16": true, "u32": true, "u64": true, "s32": true, "s64": true, "unsigned": true,
	"long": true, "char": true, "void": true, "static": true, "size_t": true,
}

// block parses "{ stmt... }".
func (p *parser) block() (*blockStmt, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	b := &blockStmt{}
	for !p.peek("}") {
		if p.i >= len(p.toks) {
			return nil, p.errf("unterminated block")
		}
		s, err := p.stmt()
		if err != nil {
			return nil, err
		}
		b.list = append(b.list, s)
	}
	p.i++
	return b, nil
}

func (p *parser) stmt() (stmt, error) {
	t := p.toks[p.i]
	if t.kind == tSkipped {
		p.i++
		return &skipStmt{t}, nil
	}
	line := t.line
	switch {
	case t.is("{"):
		return p.block()
	case t.is(";"):
		p.i++
		return &blockStmt{}, nil
	case t.is("switch"):
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		tag, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		b, err := p.block()
		if err != nil {
			return nil, err
		}
		return &switchStmt{tag: tag, body: b.list, line: line}, nil
	case t.is("case"):
		p.i++
		v, err := p.ternary()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		return &caseLabel{val: v, line: line, guard: t.guard}, nil
	case t.is("default"):
		p.i++
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		return &caseLabel{isDefault: true, line: line, guard: t.guard}, nil
	case t.is("if"):
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		then, err := p.stmt()
		if err != nil {
			return nil, err
		}
		s := &ifStmt{cond: c, then: then, line: line}
		if p.peek("else") {
			p.i++
			if s.els, err = p.stmt(); err != nil {
				return nil, err
			}
		}
		return s, nil
	case t.is("return"):
		p.i++
		s := &returnStmt{line: line, guard: t.guard}
		if !p.peek(";") {
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			s.x = x
		}
		return s, p.expect(";")
	case t.is("break"):
		p.i++
		return &breakStmt{}, p.expect(";")
	case t.is("goto") || t.is("for") || t.is("while") || t.is("do") || t.is("continue"):
		// skip to the end of the statement: the evaluator refuses it
		depth := 0
		for p.i < len(p.toks) {
			x := p.toks[p.i]
			p.i++
			if x.is("{") || x.is("(") {
				depth++
			} else if x.is("}") || x.is(")") {
				depth--
				if depth == 0 && x.is("}") {
					break
				}
			} else if x.is(";") && depth == 0 {
				break
			}
		}
		return &otherStmt{what: t.text, line: line}, nil
	case t.kind == tIdent && typeWords[t.text]:
		return p.decl()
	case t.kind == tIdent && p.i+1 < len(p.toks) && p.toks[p.i+1].is(":") && !t.is("default"):
		p.i += 2
		return &otherStmt{what: "label " + t.text, line: line}, nil
	}
	x, err := p.expr()
	if err != nil {
		return nil, err
	}
	return &exprStmt{x: x, line: line}, p.expect(";")
}

// decl parses a local declaration: "type words [*] name [= init];". Only
// one declarator is supported.
func (p *parser) decl() (stmt, error) {
	var name string
	for p.i < len(p.toks) && !p.peek("=") && !p.peek(";") {
		t := p.toks[p.i]
		if t.kind == tIdent {
			name = t.text
		} else if !t.is("*") {
			return nil, p.errf("unsupported declaration near %q", t.text)
		}
		p.i++
	}
	d := &declStmt{name: name}
	if p.peek("=") {
		p.i++
		x, err := p.assign()
		if err != nil {
			return nil, err
		}
		d.init = x
	}
	return d, p.expect(";")
}

// Expressions, by C precedence (the comma operator is not supported).

func (p *parser) expr() (expr, error) { return p.assign() }

func (p *parser) assign() (expr, error) {
	l, err := p.ternary()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) && p.toks[p.i].kind == tPunct {
		switch op := p.toks[p.i].text; op {
		case "=", "+=", "-=", "|=", "&=":
			p.i++
			r, err := p.assign()
			if err != nil {
				return nil, err
			}
			return &assignExpr{op: op, l: l, r: r}, nil
		}
	}
	return l, nil
}

func (p *parser) ternary() (expr, error) {
	c, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if !p.peek("?") {
		return c, nil
	}
	p.i++
	a, err := p.assign()
	if err != nil {
		return nil, err
	}
	if err := p.expect(":"); err != nil {
		return nil, err
	}
	b, err := p.ternary()
	if err != nil {
		return nil, err
	}
	return &condExpr{c: c, a: a, b: b}, nil
}

var binPrec = map[string]int{
	"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6,
	"<": 7, ">": 7, "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10,
}

func (p *parser) binary(min int) (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.i < len(p.toks) && p.toks[p.i].kind == tPunct {
		op := p.toks[p.i].text
		prec, ok := binPrec[op]
		if !ok || prec <= min {
			break
		}
		p.i++
		r, err := p.binary(prec)
		if err != nil {
			return nil, err
		}
		l = &binaryExpr{op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) unary() (expr, error) {
	if p.i < len(p.toks) && p.toks[p.i].kind == tPunct {
		switch op := p.toks[p.i].text; op {
		case "!", "-", "~", "&", "*", "+":
			p.i++
			x, err := p.unary()
			if err != nil {
				return nil, err
			}
			return &unaryExpr{op: op, x: x}, nil
		}
	}
	return p.postfix()
}

func (p *parser) postfix() (expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.i < len(p.toks) {
		switch {
		case p.peek("("):
			p.i++
			c := &callExpr{fn: x}
			for !p.peek(")") {
				a, err := p.assign()
				if err != nil {
					return nil, err
				}
				c.args = append(c.args, a)
				if p.peek(",") {
					p.i++
				} else if !p.peek(")") {
					return nil, p.errf("bad argument list")
				}
			}
			p.i++
			x = c
		case p.peek("->") || p.peek("."):
			arrow := p.peek("->")
			p.i++
			if p.i >= len(p.toks) || p.toks[p.i].kind != tIdent {
				return nil, p.errf("member name expected")
			}
			x = &memberExpr{x: x, name: p.toks[p.i].text, arrow: arrow}
			p.i++
		case p.peek("["):
			p.i++
			ix, err := p.expr()
			if err != nil {
				return nil, err
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			x = &indexExpr{x: x, i: ix}
		default:
			return x, nil
		}
	}
	return x, nil
}

func (p *parser) primary() (expr, error) {
	if p.i >= len(p.toks) {
		return nil, p.errf("expression ends early")
	}
	t := p.toks[p.i]
	switch {
	case t.kind == tSkipped:
		return nil, p.errf("a configuration-dependent region inside an expression")
	case t.is("("):
		p.i++
		x, err := p.expr()
		if err != nil {
			return nil, err
		}
		return x, p.expect(")")
	case t.is("{"):
		start := p.i
		depth := 0
		for p.i < len(p.toks) {
			if p.toks[p.i].is("{") {
				depth++
			} else if p.toks[p.i].is("}") {
				depth--
				if depth == 0 {
					break
				}
			}
			p.i++
		}
		if p.i >= len(p.toks) {
			return nil, p.errf("unterminated initialiser")
		}
		p.i++
		return &initExpr{text: joinToks(p.toks[start+1 : p.i-1])}, nil
	case t.is("sizeof"):
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		start, depth := p.i, 1
		for p.i < len(p.toks) && depth > 0 {
			if p.toks[p.i].is("(") {
				depth++
			} else if p.toks[p.i].is(")") {
				depth--
			}
			p.i++
		}
		return &sizeofExpr{text: joinToks(p.toks[start : p.i-1])}, nil
	case t.kind == tIdent:
		p.i++
		return &identExpr{name: t.text}, nil
	case t.kind == tNumber:
		p.i++
		s := strings.TrimRight(t.text, "uUlL")
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			u, err2 := strconv.ParseUint(s, 0, 64)
			if err2 != nil {
				return nil, p.errf("bad number %q", t.text)
			}
			n = int64(u)
		}
		return &numExpr{v: n}, nil
	case t.kind == tString:
		p.i++
		s := t.text
		for p.i < len(p.toks) && p.toks[p.i].kind == tString {
			s += p.toks[p.i].text
			p.i++
		}
		return &strExpr{s: s}, nil
	case t.kind == tChar:
		p.i++
		return &strExpr{s: t.text}, nil
	}
	return nil, p.errf("unexpected %q", t.text)
}

func joinToks(ts []tok) string {
	var b strings.Builder
	for i, t := range ts {
		if i > 0 && needSpace(ts[i-1], t) {
			b.WriteByte(' ')
		}
		b.WriteString(t.text)
	}
	return b.String()
}

func needSpace(a, b tok) bool {
	w := func(t tok) bool { return t.kind == tIdent || t.kind == tNumber }
	return w(a) && w(b) || a.is(",")
}
