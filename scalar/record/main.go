// Command record records the scalar package's kernel cases from the live
// kernel: run as root with "go generate ./scalar". It loads the programs
// kcase.Edges and kcase.Generate make as socket filters at log level 2, reads the cases
// out of each log, and writes the distinct ones to testdata/kernel.jsonl.gz
// (JSON Lines, one kcase.Case per line in the order first seen, gzipped:
// zcat reads it) and what was recorded to testdata/kernel.meta.json. The
// same kernel gives the same files.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/scalar/internal/kcase"
	"github.com/verisim/verisim/verifier"
)

// Meta describes a recording.
type Meta struct {
	Release  string `json:"release"`
	Seed     uint64 `json:"seed"`
	Programs int    `json:"programs"`
	// Rejected programs and programs whose logs did not parse add no
	// cases; they are counted here.
	Rejected int `json:"rejected"`
	Unparsed int `json:"unparsed"`
	// Executed counts the cases read from the logs, Lossy the executed
	// instructions left out because an input's printed state did not say
	// what it held (kcase.Parse).
	Executed  int `json:"executed"`
	Lossy     int `json:"lossy"`
	Distinct  int `json:"distinct"`
	Violation int `json:"invariant_violations"`
}

func main() {
	out := flag.String("out", "testdata", "output directory")
	seed := flag.Uint64("seed", 1, "generator seed")
	n := flag.Int("n", 600, "number of programs")
	flag.Parse()
	if _, err := oracle.Available(); err != nil {
		log.Fatalf("record needs the live kernel: %v", err)
	}
	meta := Meta{Release: oracle.Release(), Seed: *seed, Programs: *n}
	seen := map[string]bool{}
	var cases []kcase.Case
	progs := append(kcase.Edges(), kcase.Generate(*seed, *n)...)
	meta.Programs = len(progs)
	for _, p := range progs {
		res, err := oracle.Run(p.Slots, oracle.Config{ProgType: verifier.SocketFilter, LogLevel: 2})
		if err != nil {
			log.Fatalf("%s: %v", p.Name, err)
		}
		if res.Verdict != verifier.Accept {
			meta.Rejected++
			log.Printf("%s: %s %s: %s", p.Name, res.Verdict, res.Errno, res.Message)
			continue
		}
		for _, l := range res.Log {
			if kcase.IsViolation(l) {
				meta.Violation++
			}
		}
		cs, lossy, err := kcase.Parse(p.Slots, res.Log)
		meta.Lossy += lossy
		if err != nil {
			meta.Unparsed++
			log.Printf("%s: %v", p.Name, err)
			continue
		}
		for _, c := range cs {
			meta.Executed++
			if k := c.Key(); !seen[k] {
				seen[k] = true
				cases = append(cases, c)
			}
		}
	}
	meta.Distinct = len(cases)
	f, err := os.Create(filepath.Join(*out, "kernel.jsonl.gz"))
	if err != nil {
		log.Fatal(err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(zw)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, c := range cases {
		if err := enc.Encode(c); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	b, _ := json.MarshalIndent(meta, "", "  ")
	if err := os.WriteFile(filepath.Join(*out, "kernel.meta.json"), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d programs (%d rejected, %d unparsed): %d cases executed, %d distinct, %d lossy left out\n",
		meta.Programs, meta.Rejected, meta.Unparsed, meta.Executed, meta.Distinct, meta.Lossy)
}
