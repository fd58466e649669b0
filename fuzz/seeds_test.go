package fuzz_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
)

var update = flag.Bool("update", false, "rewrite the seed corpora in testdata/fuzz")

// seedFile is the go test fuzz corpus format for one []byte argument.
func seedFile(b []byte) []byte {
	return []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
}

// seeds derives every target's seed corpus from the recorded fixtures and
// the structured inputs worth starting from.
func seeds(t *testing.T) map[string][][]byte {
	files, err := fixtures.LoadDir("../fixtures/testdata")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{}
	n := 0
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, f := range files[name] {
			n++
			if n%15 != 0 && f.Profile != "rfc" {
				continue
			}
			slots, err := f.Slots()
			if err != nil {
				t.Fatal(err)
			}
			raw := insn.Encode(slots)
			hdr := byte(0) // rfc, socket_filter, level 0; all fds present
			if f.Profile == "6.18" {
				hdr = 1 | 2<<4
			}
			out["FuzzVerify"] = append(out["FuzzVerify"], append([]byte{hdr, 0, 0}, raw...))
			if len(out["FuzzDecode"]) < 40 {
				out["FuzzDecode"] = append(out["FuzzDecode"], raw)
			}
		}
	}
	// Structured ld_imm64 seeds: every src with a clean second slot and a
	// menu imm, plus one dirty second slot per src.
	for src := 0; src < 16; src++ {
		for prof := 0; prof < 2; prof++ {
			for _, sel := range []byte{0, 4, 7, 14, 16, 21, 255} {
				b := make([]byte, 20)
				b[0] = byte(prof)
				b[1] = byte(src<<4 | 1)
				b[18] = sel
				b[19] = 255
				out["FuzzLdImm64"] = append(out["FuzzLdImm64"], b)
				if prof == 1 {
					out["FuzzDifferential"] = append(out["FuzzDifferential"], b)
				}
			}
			d := make([]byte, 20)
			d[0], d[1], d[15], d[16] = byte(prof), byte(src<<4), 3, 0x18
			binary.LittleEndian.PutUint16(d[4:], 1)
			out["FuzzLdImm64"] = append(out["FuzzLdImm64"], d)
		}
	}
	return out
}

// TestSeeds keeps testdata/fuzz in step with seeds (-update rewrites it):
// the targets take their seeds only from files, so that OSS-Fuzz's native
// Go support builds them unchanged.
func TestSeeds(t *testing.T) {
	for target, ss := range seeds(t) {
		dir := filepath.Join("testdata", "fuzz", target)
		for i, s := range ss {
			path := filepath.Join(dir, fmt.Sprintf("seed-%03d", i))
			want := seedFile(s)
			if *update {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || string(got) != string(want) {
				t.Errorf("%s is missing or stale: run go test ./fuzz -run TestSeeds -update", path)
			}
		}
	}
}
