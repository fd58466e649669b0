package main

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// funcDef is a function definition found at file scope.
type funcDef struct {
	file   *file
	name   string
	params []string // parameter names
	body   []tok    // from '{' to '}'
	static bool
	weak   bool
	line   int
	guard  int
}

// field is one designated initialiser of a bpf_func_proto.
type field struct {
	name string
	x    expr
}

// protoDef is a "struct bpf_func_proto NAME" at file scope: a definition
// with an initialiser, or a __weak zero one.
type protoDef struct {
	file   *file
	name   string
	static bool
	weak   bool // "const struct bpf_func_proto NAME __weak;": all zero
	fields []field
	line   int
	guard  int
}

// btfList is a BTF_ID_LIST* array: the type each slot names ("" for
// BTF_ID_UNUSED), by index.
type btfList struct {
	file   *file
	name   string
	types  []string
	broken string
}

// index is everything the generator reads from the source tree.
type index struct {
	files  map[string]*file
	funcs  map[string][]*funcDef
	protos map[string][]*protoDef
	ops    map[string]string // bpf_verifier_ops name -> its get_func_proto
	opsAt  map[string]*file  // the file that defines it
	lists  map[string]*btfList
	// listMacros are the X-macro lists of include/linux/btf_ids.h
	// (BTF_SOCK_TYPE_xxx, BTF_TRACING_TYPE_xxx): entry name and type.
	listMacros map[string][][2]string
	// skipped protos: name -> the file and guard that drop a definition
	skippedProtos map[string][]skipNote

	src   tree
	built map[string]builtResult
}

type skipNote struct {
	file  *file
	guard int
	line  int
}

func newIndex() *index {
	return &index{
		files: map[string]*file{}, funcs: map[string][]*funcDef{}, protos: map[string][]*protoDef{},
		ops: map[string]string{}, opsAt: map[string]*file{}, lists: map[string]*btfList{}, listMacros: map[string][][2]string{},
		skippedProtos: map[string][]skipNote{}, built: map[string]builtResult{},
	}
}

// add tokenizes, preprocesses and scans one file.
func (ix *index) add(path, src string, cfg *config) error {
	toks, err := tokenize(src)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	f := &file{path: path, all: toks}
	if err := f.preprocess(cfg); err != nil {
		return err
	}
	ix.files[path] = f
	for name, body := range f.defines {
		if strings.HasSuffix(name, "_xxx") {
			if l := parseListMacro(body); len(l) > 0 {
				ix.listMacros[name] = l
			}
		}
	}
	return ix.scan(f)
}

// parseListMacro reads "M(A, b) M(C, d) ..." into its pairs.
func parseListMacro(body string) [][2]string {
	toks, err := tokenize(body)
	if err != nil {
		return nil
	}
	var out [][2]string
	for i := 0; i+5 < len(toks); {
		if toks[i].kind == tIdent && toks[i+1].is("(") && toks[i+2].kind == tIdent && toks[i+3].is(",") &&
			toks[i+4].kind == tIdent && toks[i+5].is(")") {
			out = append(out, [2]string{toks[i+2].text, toks[i+4].text})
			i += 6
			continue
		}
		return nil
	}
	return out
}

// scan finds, at file scope: function definitions, bpf_func_proto
// definitions, bpf_verifier_ops initialisers and BTF_ID lists.
func (ix *index) scan(f *file) error {
	ts := f.live
	depth := 0
	for i := 0; i < len(ts); i++ {
		t := ts[i]
		if t.kind == tSkipped {
			if depth == 0 {
				ix.noteSkipped(f, t)
			}
			continue
		}
		switch {
		case t.is("{"):
			depth++
			continue
		case t.is("}"):
			depth--
			continue
		}
		if depth != 0 {
			continue
		}
		// struct bpf_func_proto NAME = { ... }; / NAME __weak;
		if t.is("struct") && i+2 < len(ts) && ts[i+1].is("bpf_func_proto") && ts[i+2].kind == tIdent {
			name := ts[i+2].text
			j := i + 3
			static, extern := lookBack(ts, i, "static"), lookBack(ts, i, "extern")
			switch {
			case j+1 < len(ts) && ts[j].is("=") && ts[j+1].is("{"):
				end := matchBrace(ts, j+1)
				if end < 0 {
					return fmt.Errorf("%s:%d: unterminated initialiser of %s", f.path, t.line, name)
				}
				fields, err := parseFields(f.path, ts[j+2:end])
				if err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
				ix.protos[name] = append(ix.protos[name], &protoDef{file: f, name: name, static: static, fields: fields, line: t.line, guard: t.guard})
				i = end
			case j+1 < len(ts) && ts[j].is("__weak") && ts[j+1].is(";") && !extern:
				ix.protos[name] = append(ix.protos[name], &protoDef{file: f, name: name, static: static, weak: true, line: t.line, guard: t.guard})
				i = j + 1
			}
			continue
		}
		// const struct bpf_verifier_ops NAME = { ... .get_func_proto = F, ... };
		if t.is("struct") && i+3 < len(ts) && ts[i+1].is("bpf_verifier_ops") && ts[i+2].kind == tIdent && ts[i+3].is("=") {
			name := ts[i+2].text
			end := matchBrace(ts, i+4)
			if end < 0 {
				return fmt.Errorf("%s:%d: unterminated %s", f.path, t.line, name)
			}
			fields, err := parseFields(f.path, ts[i+5:end])
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			for _, fl := range fields {
				if fl.name == "get_func_proto" {
					ix.ops[name] = exprString(fl.x)
					ix.opsAt[name] = f
				}
			}
			i = end
			continue
		}
		// BTF_ID_LIST*(...)
		if t.kind == tIdent && strings.HasPrefix(t.text, "BTF_ID_LIST") && i+1 < len(ts) && ts[i+1].is("(") {
			n, err := ix.scanBTFList(f, ts, i)
			if err != nil {
				return err
			}
			i = n - 1
			continue
		}
		// NAME ( params ) { body }
		if t.kind == tIdent && i+1 < len(ts) && ts[i+1].is("(") && (i == 0 || !ts[i-1].is("=")) {
			close := matchParen(ts, i+1)
			if close < 0 || close+1 >= len(ts) {
				continue
			}
			k := close + 1
			for k < len(ts) && ts[k].kind == tIdent && strings.HasPrefix(ts[k].text, "__") { // attributes
				k++
			}
			if k < len(ts) && ts[k].is("{") {
				end := matchBrace(ts, k)
				if end < 0 {
					return fmt.Errorf("%s:%d: unterminated body of %s", f.path, t.line, t.text)
				}
				fd := &funcDef{file: f, name: t.text, params: paramNames(ts[i+2 : close]), body: ts[k : end+1],
					static: lookBack(ts, i, "static"), weak: lookBack(ts, i, "__weak"), line: t.line, guard: t.guard}
				ix.funcs[t.text] = append(ix.funcs[t.text], fd)
				i = end
			}
		}
	}
	return nil
}

// noteSkipped records the proto definitions a dropped file-scope region
// holds, so that a missing proto can be explained.
func (ix *index) noteSkipped(f *file, t tok) {
	toks, err := tokenize(t.text)
	if err != nil {
		return
	}
	for i := 0; i+2 < len(toks); i++ {
		if toks[i].is("struct") && toks[i+1].is("bpf_func_proto") && toks[i+2].kind == tIdent {
			ix.skippedProtos[toks[i+2].text] = append(ix.skippedProtos[toks[i+2].text], skipNote{file: f, guard: t.guard, line: t.line})
		}
	}
}

// scanBTFList reads BTF_ID_LIST(name) BTF_ID(kind, type)...,
// BTF_ID_LIST_SINGLE(name, kind, type), BTF_ID_LIST_GLOBAL(name, n) and
// BTF_ID_LIST_GLOBAL_SINGLE(name, kind, type) (include/linux/btf_ids.h),
// with the X-macro lists expanded. It returns the index after the list.
func (ix *index) scanBTFList(f *file, ts []tok, i int) (int, error) {
	close := matchParen(ts, i+1)
	if close < 0 {
		return 0, fmt.Errorf("%s:%d: bad %s", f.path, ts[i].line, ts[i].text)
	}
	args := splitArgs(ts[i+2 : close])
	if len(args) == 0 {
		return close + 1, nil
	}
	l := &btfList{file: f, name: args[0]}
	switch ts[i].text {
	case "BTF_ID_LIST_SINGLE", "BTF_ID_LIST_GLOBAL_SINGLE":
		if len(args) != 3 {
			return 0, fmt.Errorf("%s:%d: %s with %d arguments", f.path, ts[i].line, ts[i].text, len(args))
		}
		l.types = []string{args[2]}
		ix.lists[l.name] = l
		return close + 1, nil
	case "BTF_ID_LIST", "BTF_ID_LIST_GLOBAL":
	default:
		return close + 1, nil
	}
	j := close + 1
	for j < len(ts) {
		t := ts[j]
		switch {
		case t.kind == tSkipped:
			// kfunc id sets keep slots under #ifdef; a prototype naming
			// such a list is an error when it is resolved
			l.broken = fmt.Sprintf("%s:%d: a configuration-dependent region in %s", f.path, t.line, l.name)
			j++
			continue
		case t.is("BTF_ID") && j+1 < len(ts) && ts[j+1].is("("):
			c := matchParen(ts, j+1)
			a := splitArgs(ts[j+2 : c])
			if len(a) != 2 {
				return 0, fmt.Errorf("%s:%d: BTF_ID with %d arguments", f.path, t.line, len(a))
			}
			l.types = append(l.types, a[1])
			j = c + 1
			continue
		case t.is("BTF_ID_UNUSED"):
			l.types = append(l.types, "")
			j++
			continue
		case t.kind == tIdent && ix.listMacros[t.text] != nil:
			for _, e := range ix.listMacros[t.text] {
				l.types = append(l.types, e[1])
			}
			j++
			continue
		}
		break
	}
	ix.lists[l.name] = l
	return j, nil
}

func splitArgs(ts []tok) []string {
	var out []string
	var cur []tok
	depth := 0
	for _, t := range ts {
		switch {
		case t.is("(") || t.is("["):
			depth++
		case t.is(")") || t.is("]"):
			depth--
		case t.is(",") && depth == 0:
			out = append(out, joinToks(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		out = append(out, joinToks(cur))
	}
	return out
}

// paramNames returns the last identifier of each parameter declaration.
func paramNames(ts []tok) []string {
	var out []string
	for _, a := range splitParamToks(ts) {
		name := ""
		for _, t := range a {
			if t.kind == tIdent {
				name = t.text
			}
		}
		if name != "" && name != "void" {
			out = append(out, name)
		}
	}
	return out
}

func splitParamToks(ts []tok) [][]tok {
	var out [][]tok
	var cur []tok
	depth := 0
	for _, t := range ts {
		switch {
		case t.is("("):
			depth++
		case t.is(")"):
			depth--
		case t.is(",") && depth == 0:
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// parseFields reads ".name = expr, ..." (a trailing comma allowed).
func parseFields(path string, ts []tok) ([]field, error) {
	p := &parser{toks: ts, path: path}
	var out []field
	for p.i < len(ts) {
		if ts[p.i].kind == tSkipped {
			return nil, p.errf("a configuration-dependent field")
		}
		if err := p.expect("."); err != nil {
			return nil, err
		}
		if p.i >= len(ts) || ts[p.i].kind != tIdent {
			return nil, p.errf("field name expected")
		}
		name := ts[p.i].text
		p.i++
		if err := p.expect("="); err != nil {
			return nil, err
		}
		x, err := p.ternary()
		if err != nil {
			return nil, err
		}
		out = append(out, field{name: name, x: x})
		if p.peek(",") {
			p.i++
		} else if p.i < len(ts) {
			return nil, p.errf("want ',' after .%s", name)
		}
	}
	return out, nil
}

func matchBrace(ts []tok, i int) int { return match(ts, i, "{", "}") }
func matchParen(ts []tok, i int) int { return match(ts, i, "(", ")") }
func match(ts []tok, i int, open, close string) int {
	depth := 0
	for j := i; j < len(ts); j++ {
		switch {
		case ts[j].is(open):
			depth++
		case ts[j].is(close):
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// lookBack reports whether word occurs in the declaration before ts[i]
// (back to the previous ';', '}' or ')').
func lookBack(ts []tok, i int, word string) bool {
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		t := ts[j]
		if t.kind == tSkipped || t.is(";") || t.is("}") || t.is(")") || t.is("{") {
			return false
		}
		if t.is(word) {
			return true
		}
	}
	return false
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isBuilt reports whether the configuration builds the file at path into
// vmlinux (its Makefile's obj- line); headers always count.
func (ix *index) isBuilt(p string, cfg *config) (bool, error) {
	if !strings.HasSuffix(p, ".c") {
		return true, nil
	}
	if r, ok := ix.built[p]; ok {
		return r.ok, nil
	}
	mk, ok := ix.src[path.Dir(p)+"/Makefile"]
	if !ok {
		return false, fmt.Errorf("no Makefile beside %s", p)
	}
	b, syms, err := builtBy(mk, p, cfg)
	if err != nil {
		return false, err
	}
	ix.built[p] = builtResult{b, syms}
	return b, nil
}

type builtResult struct {
	ok   bool
	syms []string
}
