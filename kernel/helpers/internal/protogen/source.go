package main

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// tree is the part of a kernel source tree the generator reads, by path
// relative to the top ("net/core/filter.c").
type tree map[string]string

// wanted reports whether the generator reads rel.
func wanted(rel string) bool {
	for _, p := range scanFiles {
		if rel == p {
			return true
		}
	}
	dir := path.Dir(rel)
	for _, d := range scanDirs {
		if dir == d && (strings.HasSuffix(rel, ".c") || path.Base(rel) == "Makefile") {
			return true
		}
	}
	return false
}

// scanFiles and scanDirs are what the generator reads: the uapi helper
// list, the program type list, the BTF id lists, and every .c file of the
// directories that define the *_func_proto functions of the modeled
// types and the prototypes they return (with their Makefiles).
var (
	scanFiles = []string{
		"Makefile",
		"include/uapi/linux/bpf.h",
		"include/linux/bpf_types.h",
		"include/linux/btf_ids.h",
	}
	scanDirs = []string{"kernel/bpf", "kernel/trace", "net/core"}
)

// readTree reads the wanted files from a directory, or from a .tar.xz
// (Debian's linux-source-X.tar.xz, through xz(1)) whose entries share one
// top directory.
func readTree(src string) (tree, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	t := tree{}
	if st.IsDir() {
		err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if rel != "." && !wantedDir(rel) {
					return filepath.SkipDir
				}
				return nil
			}
			if wanted(rel) {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				t[rel] = string(b)
			}
			return nil
		})
		return t, err
	}
	if !strings.HasSuffix(src, ".tar.xz") {
		return nil, fmt.Errorf("%s: neither a directory nor a .tar.xz", src)
	}
	cmd := exec.Command("xz", "-dc", src)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("xz: %w", err)
	}
	tr := tar.NewReader(out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("%s: %w", src, err)
		}
		_, rel, ok := strings.Cut(h.Name, "/")
		if !ok || h.Typeflag != tar.TypeReg || !wanted(rel) {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		t[rel] = string(b)
	}
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("xz -dc %s: %w: %s", src, err, stderr.String())
	}
	return t, nil
}

func wantedDir(rel string) bool {
	for _, p := range append(append([]string{}, scanFiles...), scanDirs...) {
		if p == rel || strings.HasPrefix(p, rel+"/") {
			return true
		}
	}
	return false
}

func (t tree) sorted() []string {
	out := make([]string, 0, len(t))
	for k := range t {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// version reads VERSION, PATCHLEVEL and SUBLEVEL from the top Makefile.
func (t tree) version() string {
	var v, p, s string
	for _, l := range strings.Split(t["Makefile"], "\n") {
		k, val, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "VERSION":
			v = strings.TrimSpace(val)
		case "PATCHLEVEL":
			p = strings.TrimSpace(val)
		case "SUBLEVEL":
			s = strings.TrimSpace(val)
		}
	}
	return v + "." + p + "." + s
}
