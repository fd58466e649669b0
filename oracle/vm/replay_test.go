package vm

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/kernel/vmlinux"
	"github.com/verisim/verisim/verifier"
)

// simOptions are the simulator's kernel data for kernel v: the data
// shipped for its profile, and the fixtures package's user BTF, which the
// generators' Decls name.
func simOptions(t *testing.T, v string) btfctx.Options {
	t.Helper()
	opts, ok := vmlinux.Options(v)
	if !ok {
		t.Fatalf("no kernel data shipped for %s", v)
	}
	opts.LoadBTFFile = func(path string) (*btfctx.BTF, error) {
		return btfctx.LoadUserBTFFile(filepath.Join("..", "..", "fixtures", path))
	}
	return opts
}

// load decodes a recorded fixture: its program type, slots and fds.
func load(t *testing.T, f fixtures.Fixture, opts btfctx.Options) (verifier.ProgType, []insn.Slot, *btfctx.Context) {
	t.Helper()
	pt, err := verifier.ParseProgType(f.ProgType)
	if err != nil {
		t.Fatal(err)
	}
	slots, err := f.Slots()
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := btfctx.New(f.Decl, opts)
	if err != nil {
		t.Fatal(err)
	}
	return pt, slots, ctx
}

// TestReplay runs every fixture recorded from each older kernel through
// the simulator under the kernel's profile, with the kernel data shipped
// for it, at log levels 2 and 1, without booting anything. A fixture the
// simulator answers must agree exactly (verdict, errno, error line,
// instruction and log); one it answers unsupported is outside the model.
// At least 2,000 a kernel must agree.
func TestReplay(t *testing.T) {
	for _, v := range Versions() {
		t.Run(v, func(t *testing.T) {
			p, err := verifier.ProfileByName(v)
			if err != nil {
				t.Fatal(err)
			}
			opts := simOptions(t, v)
			byFile, err := fixtures.LoadDir(filepath.Join("testdata", v))
			if err != nil {
				t.Fatal(err)
			}
			agree, outside := 0, 0
			for file, fs := range byFile {
				for _, f := range fs {
					pt, slots, ctx := load(t, f, opts)
					ok := true
					for _, level := range []verifier.LogLevel{2, 1} {
						got, err := verifier.Verify(slots, verifier.Config{Profile: p, ProgType: pt, ProgFlags: f.ProgFlags, Env: ctx, LogLevel: level})
						if err != nil {
							t.Fatalf("%s: %v", f.Name, err)
						}
						if got.Verdict == verifier.Unsupported {
							outside++
							ok = false
							break
						}
						if d := cmp.Diff(f.Want(level), fixtures.OutcomeOf(got)); d != "" {
							ok = false
							t.Errorf("%s: %s (%s, log level %d): %s\n(-kernel +simulator):\n%s", file, f.Name, f.Release, level, f.Insns, d)
							break
						}
					}
					if ok {
						agree++
					}
				}
			}
			if agree < 2000 {
				t.Errorf("%d fixtures agree, want at least 2,000", agree)
			}
			t.Logf("%s: %d agree, %d outside the model", v, agree, outside)
			if !t.Failed() {
				fmt.Printf("replay %s: %d agree, %d outside the model, 0 disagree\n", v, agree, outside)
			}
		})
	}
}
