package main

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Kbuild: which object files the configuration builds. This reads only
// the forms the directories of the scanned files use: "obj-y += a.o",
// "obj-$(CONFIG_X) += a.o b.o" (also ${CONFIG_X}, continuation lines) and
// ifeq/ifneq blocks on CONFIG_ values.

var (
	objLine = regexp.MustCompile(`^obj-(y|\$\((CONFIG_[A-Z0-9_]+)\)|\$\{(CONFIG_[A-Z0-9_]+)\})\s*[:+]?=\s*(.*)$`)
	ifLine  = regexp.MustCompile(`^(ifeq|ifneq)\s*\((.*),(.*)\)\s*$`)
	ifdef   = regexp.MustCompile(`^(ifdef|ifndef)\s+(CONFIG_[A-Z0-9_]+)\s*$`)
	cfgRef  = regexp.MustCompile(`\$\((CONFIG_[A-Z0-9_]+)\)`)
)

// builtBy returns whether obj (a .c path) is built into vmlinux and the
// CONFIG_ symbols that decide it, from the Makefile beside it.
func builtBy(mk, src string, cfg *config) (bool, []string, error) {
	obj := strings.TrimSuffix(path.Base(src), ".c") + ".o"
	lines := joinContinuations(mk)
	type cond struct {
		ok   bool
		syms []string
	}
	var stack []cond
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if i := strings.IndexByte(l, '#'); i >= 0 {
			l = strings.TrimSpace(l[:i])
		}
		switch {
		case ifLine.MatchString(l):
			m := ifLine.FindStringSubmatch(l)
			var syms []string
			lhs := cfgRef.ReplaceAllStringFunc(m[2], func(s string) string {
				name := cfgRef.FindStringSubmatch(s)[1]
				syms = append(syms, name)
				v, _ := cfg.value(name)
				if v == "n" {
					v = ""
				}
				return v
			})
			eq := strings.TrimSpace(lhs) == strings.TrimSpace(m[3])
			stack = append(stack, cond{ok: eq == (m[1] == "ifeq"), syms: syms})
		case ifdef.MatchString(l):
			m := ifdef.FindStringSubmatch(l)
			v, _ := cfg.value(m[2])
			def := v == "y" || v == "m"
			stack = append(stack, cond{ok: def == (m[1] == "ifdef"), syms: []string{m[2]}})
		case l == "else":
			if len(stack) == 0 {
				return false, nil, fmt.Errorf("%s: else without if", src)
			}
			stack[len(stack)-1].ok = !stack[len(stack)-1].ok
		case l == "endif":
			if len(stack) == 0 {
				return false, nil, fmt.Errorf("%s: endif without if", src)
			}
			stack = stack[:len(stack)-1]
		case objLine.MatchString(l):
			m := objLine.FindStringSubmatch(l)
			found := false
			for _, w := range strings.Fields(m[4]) {
				if w == obj {
					found = true
				}
			}
			if !found {
				continue
			}
			ok := true
			var syms []string
			for _, c := range stack {
				ok = ok && c.ok
				syms = append(syms, c.syms...)
			}
			if sym := m[2] + m[3]; sym != "" {
				syms = append(syms, sym)
				v, known := cfg.value(sym)
				if !known {
					return false, nil, fmt.Errorf("%s: %s decides %s and is not in the configuration", src, sym, obj)
				}
				ok = ok && v == "y"
			}
			return ok, syms, nil
		}
	}
	return false, nil, fmt.Errorf("%s: no obj- line names %s", src, obj)
}

func joinContinuations(s string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			cur.WriteByte(' ')
			continue
		}
		cur.WriteString(l)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}
