package object_test

import (
	"math/rand"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/oracle"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// liveCompare loads slots with their BTF into the live kernel and the
// simulator at log levels 2 and 1 and reports a difference; unsupported
// counts as no answer.
func liveCompare(t *testing.T, name string, p object.Program, b *btfctx.ProgBTF) (unsupported bool) {
	t.Helper()
	_, unsupported = liveCompareMsg(t, name, p, b)
	return unsupported
}

// liveCompareMsg is liveCompare that also returns the kernel's message.
func liveCompareMsg(t *testing.T, name string, p object.Program, b *btfctx.ProgBTF) (msg string, unsupported bool) {
	t.Helper()
	for _, level := range []verifier.LogLevel{2, 1} {
		kern, err := oracle.Run(p.Slots, oracle.Config{ProgType: p.ProgType, Decl: p.Decl, LogLevel: level, BTF: b})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ctx, err := btfctx.New(p.Decl, fixtures.HostOptions())
		if err != nil {
			t.Fatal(err)
		}
		sim, err := verifier.Verify(p.Slots, verifier.Config{ProgType: p.ProgType, Env: ctx, LogLevel: level, BTF: b})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if sim.Verdict == verifier.Unsupported {
			t.Logf("%s: %s", name, sim)
			return "", true
		}
		if d := cmp.Diff(fixtures.OutcomeOf(kern), fixtures.OutcomeOf(sim)); d != "" {
			t.Errorf("%s at level %d: kernel (-) and simulator (+) differ:\n%s", name, level, d)
		}
		msg = kern.Errno.String() + " " + kern.Message
	}
	return msg, false
}

// TestLiveProgBTF: the test objects, loaded with their BTF, func_info and
// line_info as a loader passes them, give the kernel's verdict and log,
// the "; source line @ file:line" lines included.
func TestLiveProgBTF(t *testing.T) {
	oracle.Require(t)
	objs, _ := filepath.Glob("testdata/*.o")
	exact := 0
	for _, path := range objs {
		obj, err := object.LoadFile(path, object.Options{Kernel: fixtures.HostOptions(), FirstFD: 100})
		if err != nil {
			continue // the loader errors are TestToolchain's
		}
		for _, p := range obj.Programs {
			if p.Err != nil || p.BTF == nil {
				continue
			}
			t.Logf("%s: %d func_info, %d line_info", p.Name, len(p.BTF.FuncInfo), len(p.BTF.LineInfo))
			if !liveCompare(t, p.Name, p, p.BTF) {
				exact++
			}
		}
	}
	if exact < 6 {
		t.Errorf("only %d programs compared exactly", exact)
	}
}

// TestLiveProgBTFMutations: func_info and line_info records with one field
// changed are refused by the simulator as the kernel refuses them
// (check_btf_func_early, check_btf_func, check_btf_line): seeded, fresh
// mutations of the objects' records.
func TestLiveProgBTFMutations(t *testing.T) {
	oracle.Require(t)
	obj, err := object.LoadFile("testdata/globals.o", object.Options{Kernel: fixtures.HostOptions(), FirstFD: 100})
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewSource(1))
	values := func(n int) uint32 {
		switch rnd.Intn(4) {
		case 0:
			return uint32(rnd.Intn(4))
		case 1:
			return uint32(n + rnd.Intn(3) - 1)
		case 2:
			return rnd.Uint32()
		}
		return uint32(rnd.Intn(64))
	}
	compared := 0
	seen := map[string]int{}
	for i := 0; i < 300; i++ {
		p := obj.Programs[i%len(obj.Programs)]
		b := *p.BTF
		b.FuncInfo = slices.Clone(b.FuncInfo)
		b.LineInfo = slices.Clone(b.LineInfo)
		switch k := rnd.Intn(7); {
		case k == 0 && len(b.FuncInfo) > 0:
			b.FuncInfo[0].InsnOff = values(len(p.Slots))
		case k == 1 && len(b.FuncInfo) > 0:
			b.FuncInfo[0].TypeID = values(4)
		case k == 2:
			b.FuncInfo = append(b.FuncInfo, btfctx.FuncInfo{InsnOff: values(len(p.Slots)), TypeID: values(4)})
		case k == 3 && len(b.LineInfo) > 0:
			b.LineInfo[rnd.Intn(len(b.LineInfo))].InsnOff = values(len(p.Slots))
		case k == 4 && len(b.LineInfo) > 0:
			b.LineInfo[rnd.Intn(len(b.LineInfo))].LineOff = values(len(b.Raw))
		case k == 5 && len(b.LineInfo) > 0:
			b.LineInfo = b.LineInfo[1:]
		default:
			b.FuncInfo = nil
		}
		msg, unsupported := liveCompareMsg(t, p.Name, p, &b)
		if !unsupported {
			compared++
			seen[regexp.MustCompile(`\d+`).ReplaceAllString(msg, "N")]++
		}
	}
	t.Logf("%d mutations compared exactly: %v", compared, seen)
	if len(seen) < 6 {
		t.Errorf("only %d kinds of answer: %v", len(seen), seen)
	}
}
