package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// config is a kernel configuration: CONFIG_ symbol -> "y", "m" or "n".
// value records every symbol asked for, so the generator can write the
// subset it consulted (configFile) and the table can list the ones each
// answer rests on.
type config struct {
	vals   map[string]string
	full   bool // vals is a whole .config: a symbol it lacks is n
	macros map[string]bool
	used   map[string]bool
}

func (c *config) value(name string) (string, bool) {
	c.used[name] = true
	v, ok := c.vals[name]
	if !ok && c.full {
		return "n", true
	}
	return v, ok
}

// readConfig parses a .config (plain or gzip, as /proc/config.gz):
// "CONFIG_X=y|m|value" and "# CONFIG_X is not set".
func readConfig(path string, full bool) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		z, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if b, err = io.ReadAll(z); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	c := &config{vals: map[string]string{}, full: full, macros: builtinMacros(), used: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if name, ok := strings.CutPrefix(l, "# "); ok {
			if n, ok := strings.CutSuffix(name, " is not set"); ok && strings.HasPrefix(n, "CONFIG_") {
				c.vals[n] = "n"
			}
			continue
		}
		if l == "" || l[0] == '#' {
			continue
		}
		name, v, ok := strings.Cut(l, "=")
		if !ok || !strings.HasPrefix(name, "CONFIG_") {
			return nil, fmt.Errorf("%s: bad line %q", path, l)
		}
		switch v {
		case "y", "m", "n":
		default:
			v = "y" // a string or number option is defined
		}
		c.vals[name] = v
	}
	return c, sc.Err()
}

// builtinMacros are the non-CONFIG macros the scanned files test.
func builtinMacros() map[string]bool {
	return map[string]bool{"__KERNEL__": true}
}

// writeUsed writes the consulted symbols in .config syntax, sorted.
func (c *config) writeUsed(w io.Writer, header string) error {
	names := make([]string, 0, len(c.used))
	for n := range c.used {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprint(w, header)
	for _, n := range names {
		v, _ := c.vals[n]
		if v == "" {
			v = "n"
		}
		if v == "n" {
			fmt.Fprintf(w, "# %s is not set\n", n)
		} else {
			fmt.Fprintf(w, "%s=%s\n", n, v)
		}
	}
	return nil
}
