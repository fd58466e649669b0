//go:build linux

package vm

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/verifier"
)

// TestRecorded checks the fixtures recorded from each kernel (go generate
// ./oracle/vm) without booting anything: every fixture is a definite
// answer of one release with its logs, there are at least 2,000 a kernel,
// and the shipped vmlinux BTF and kallsyms of kernel/vmlinux/<version>
// parse, and agree with the recorded runqueues ksym (its kallsyms address
// is the ld_imm64's immediate in the log, on 6.1 and 6.12).
func TestRecorded(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			byFile, err := fixtures.LoadDir(filepath.Join("testdata", v))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			releases := map[string]bool{}
			for file, fs := range byFile {
				for _, f := range fs {
					n++
					releases[f.Release] = true
					if f.Profile != v {
						t.Errorf("%s: %s: profile %q", file, f.Name, f.Profile)
					}
					if _, err := f.Slots(); err != nil {
						t.Error(err)
					}
					if _, err := verifier.ParseProgType(f.ProgType); err != nil {
						t.Errorf("%s: %v", f.Name, err)
					}
					errno, err := verifier.ParseErrno(f.Errno)
					switch {
					case err != nil && f.Errno != "":
						t.Errorf("%s: errno %q: %v", f.Name, f.Errno, err)
					case f.Verdict == "accept" && (errno != 0 || f.Error != "" || f.Insn != -1):
						t.Errorf("%s: accepted with errno %q, error %q, insn %d", f.Name, f.Errno, f.Error, f.Insn)
					case f.Verdict == "reject" && errno == 0:
						t.Errorf("%s: rejected without an errno", f.Name)
					case f.Verdict != "accept" && f.Verdict != "reject":
						t.Errorf("%s: verdict %q", f.Name, f.Verdict)
					}
					// E2BIG (an attr the kernel does not know) and
					// EINVAL for unknown prog flags are refused before
					// the verifier runs: no log.
					if len(f.Log) == 0 && f.Errno != "E2BIG" && f.Errno != "EINVAL" {
						t.Errorf("%s: no level-2 log (%s %s)", f.Name, f.Verdict, f.Errno)
					}
				}
			}
			if n < 2000 {
				t.Errorf("%d fixtures from %s, want at least 2,000", n, v)
			}
			if len(releases) != 1 {
				t.Errorf("releases %v, want one", releases)
			}
			vmBTF, ks := shipped(t, v)
			rq := vmBTF.FindByName("runqueues", btfctx.KindVar)
			if (rq == 0) != (v == "5.10") {
				t.Fatalf("runqueues VAR id %d in %s's shipped BTF", rq, v)
			}
			if rq == 0 {
				return
			}
			want := fmt.Sprintf("0: (18) r1 = %#x ", ks.Lookup("runqueues"))
			for _, f := range byFile["recorded-ksym.jsonl"] {
				if f.Name != "ksym/runqueues/ld/socket_filter" {
					continue
				}
				if f.Verdict != "accept" || len(f.Log) < 3 || !strings.HasPrefix(f.Log[2], want) || !strings.Contains(f.Log[2], "R1_w=percpu_ptr_rq(") {
					t.Errorf("%s on %s: %s, log %q; want a load of %q with R1_w=percpu_ptr_rq", f.Name, f.Release, f.Verdict, f.Log, want)
				}
				return
			}
			t.Error("no ksym/runqueues/ld/socket_filter fixture")
		})
	}
}

// shipped reads kernel/vmlinux/<v>'s files.
func shipped(t *testing.T, v string) (*btfctx.BTF, *btfctx.Kallsyms) {
	t.Helper()
	read := func(name string) []byte {
		f, err := os.Open(filepath.Join("..", "..", "kernel", "vmlinux", v, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b, err := btfctx.LoadBTF("vmlinux "+v, bytes.NewReader(read("vmlinux.btf.gz")))
	if err != nil {
		t.Fatal(err)
	}
	ks, err := btfctx.ParseKallsyms(bytes.NewReader(read("kallsyms.gz")))
	if err != nil {
		t.Fatal(err)
	}
	return b, ks
}
