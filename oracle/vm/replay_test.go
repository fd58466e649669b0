package vm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/kernel/vmlinux"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/verifier"
)

type outcome struct {
	Verdict string
	Errno   string
	Error   string
	Insn    int
	Log     []string
}

func TestReplayScratch(t *testing.T) {
	only := os.Getenv("VERISIM_REPLAY")
	for _, v := range Versions() {
		if only != "" && only != v {
			continue
		}
		p, err := verifier.ProfileByName(v)
		if err != nil {
			t.Fatal(err)
		}
		opts, _ := vmlinux.Options(v)
		opts.LoadBTFFile = func(path string) (*btfctx.BTF, error) {
			return btfctx.LoadUserBTFFile(filepath.Join("..", "..", "fixtures", path))
		}
		byFile, err := fixtures.LoadDir(filepath.Join("testdata", v))
		if err != nil {
			t.Fatal(err)
		}
		agree, unsup, bad := 0, 0, 0
		buckets := map[string][]string{}
		for file, fs := range byFile {
			for _, f := range fs {
				pt, _ := verifier.ParseProgType(f.ProgType)
				slots, _ := f.Slots()
				ctx, err := btfctx.New(f.Decl, opts)
				if err != nil {
					t.Fatal(err)
				}
				ok := true
				for _, level := range []verifier.LogLevel{2, 1} {
					got, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: pt, Env: ctx, LogLevel: level})
					if err != nil {
						t.Fatal(err)
					}
					if got.Verdict == verifier.Unsupported {
						unsup++
						ok = false
						buckets["unsupported: "+got.Message] = append(buckets["unsupported: "+got.Message], f.Name)
						break
					}
					want := outcome{f.Verdict, f.Errno, f.Error, f.Insn, f.Log}
					if level == 1 {
						want.Log = f.Log1
					}
					g := outcome{got.Verdict.String(), got.Errno.String(), got.Message, got.Insn, oracle.Normalize(got.Log)}
					if d := cmp.Diff(want, g); d != "" {
						bad++
						ok = false
						key := file + ": " + firstDiff(d)
						buckets[key] = append(buckets[key], f.Name+"\n"+d)
						break
					}
				}
				if ok {
					agree++
				}
			}
		}
		keys := make([]string, 0, len(buckets))
		for k := range buckets {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return len(buckets[keys[i]]) > len(buckets[keys[j]]) })
		var b strings.Builder
		fmt.Fprintf(&b, "%s: agree %d, unsupported %d, disagree %d\n", v, agree, unsup, bad)
		for _, k := range keys {
			fmt.Fprintf(&b, "%5d %s\n", len(buckets[k]), k)
		}
		os.WriteFile("/tmp/replay-"+v+".txt", []byte(b.String()), 0o644)
		var d strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&d, "=== %s\n%s\n", k, buckets[k][0])
		}
		os.WriteFile("/tmp/replay-"+v+"-ex.txt", []byte(d.String()), 0o644)
		t.Logf("%s: agree %d, unsupported %d, disagree %d", v, agree, unsup, bad)
	}
}

func firstDiff(d string) string {
	for _, l := range strings.Split(d, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "-") || strings.HasPrefix(l, "+") {
			if len(l) > 120 {
				l = l[:120]
			}
			return l
		}
	}
	return "?"
}
