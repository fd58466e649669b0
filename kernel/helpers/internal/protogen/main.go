// Command protogen writes kernel/helpers' table for Linux 6.18: every
// helper id with its name, and for each program type verisim models the
// bpf_func_proto its get_func_proto returns for each id, read from the
// kernel source (the *_func_proto functions and the bpf_func_proto
// initialisers) and from 6.18's vmlinux BTF (enum values, type sizes).
//
//	go generate ./kernel/helpers    (VERISIM_LINUX_SRC names the source)
//
// The source is a directory or Debian's linux-source-6.12.tar.xz; 6.18's
// changes to the paths the table reads are data in delta618.go. The
// configuration is config-6.18, the consulted subset of the live kernel's
// /proc/config.gz (-config rewrites it from a whole .config).
package main

import (
	"bytes"
	"flag"
	"log"
	"os"
)

func main() {
	src := flag.String("src", os.Getenv("VERISIM_LINUX_SRC"), "kernel source: a directory or a linux-source-X.tar.xz")
	out := flag.String("o", "table_618.go", "output file")
	cfgPath := flag.String("config", "", "a whole .config (e.g. /proc/config.gz) to rewrite config-6.18 from")
	cfgOut := flag.String("config-file", "internal/protogen/config-6.18", "the committed configuration subset")
	dump := flag.String("dump", "", "also write every entry with the path get_func_proto took to this file")
	flag.Parse()
	if *src == "" {
		log.Fatal("protogen: no kernel source: set VERISIM_LINUX_SRC or -src (a directory or linux-source-6.12.tar.xz)")
	}
	t, err := readTree(*src)
	if err != nil {
		log.Fatal(err)
	}
	full := *cfgPath != ""
	path := *cfgOut
	if full {
		path = *cfgPath
	}
	cfg, err := readConfig(path, full)
	if err != nil {
		log.Fatal(err)
	}
	m, err := build(t, cfg)
	if err != nil {
		log.Fatal(err)
	}
	b, err := emit(m)
	if err != nil {
		log.Fatal(err)
	}
	if *dump != "" {
		if err := os.WriteFile(*dump, m.dump(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		log.Fatal(err)
	}
	if full {
		var w bytes.Buffer
		cfg.writeUsed(&w, "# The CONFIG_ symbols protogen consults, with the values of the kernel the\n# table is for (the live 6.18 kernel's /proc/config.gz). Rewrite with\n# go run ./internal/protogen -config /proc/config.gz (as on 6.18).\n")
		if err := os.WriteFile(*cfgOut, w.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
