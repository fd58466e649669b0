package main

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the outputs in docs/tour.md")

var tourBlock = regexp.MustCompile("(?s)```sh\n\\$ verisim ([^\n]*)\n```\n\n```\n(.*?)```\n")

// TestTour runs every command of docs/tour.md from the repository root and
// compares its output with the block that follows it (golden output kept
// in the document itself; -update rewrites it).
func TestTour(t *testing.T) {
	t.Chdir("../..")
	doc, err := os.ReadFile("docs/tour.md")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("NO_COLOR", "1")
	n := 0
	out := tourBlock.ReplaceAllFunc(doc, func(block []byte) []byte {
		m := tourBlock.FindSubmatch(block)
		n++
		var stdout, stderr bytes.Buffer
		code := run(strings.Fields(string(m[1])), nil, &stdout, &stderr)
		if code == 2 {
			t.Errorf("verisim %s: exit 2: %s", m[1], stderr.String())
		}
		got := stdout.String()
		if !*update && got != string(m[2]) {
			t.Errorf("verisim %s: output differs from docs/tour.md (go test ./cmd/verisim -run TestTour -update)\n--- got\n%s--- want\n%s", m[1], got, m[2])
		}
		return []byte("```sh\n$ verisim " + string(m[1]) + "\n```\n\n```\n" + got + "```\n")
	})
	if n < 9 {
		t.Errorf("found %d commands in docs/tour.md, want at least 9", n)
	}
	if *update {
		if err := os.WriteFile("docs/tour.md", out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
