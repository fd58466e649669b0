package verifier_test

import (
	"encoding/binary"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/verifier"
)

// progBTF is the BTF of a one-function program "prog(struct __sk_buff
// *skb)" returning int, with the given decl tags on the function and on
// its argument, and its func_info.
func progBTF(t *testing.T, tags, argTags []string) *btfctx.ProgBTF {
	t.Helper()
	skb := &btf.Struct{Name: "__sk_buff"}
	fn := &btf.Func{Name: "prog", Linkage: btf.GlobalFunc, Tags: tags, Type: &btf.FuncProto{
		Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed},
		Params: []btf.FuncParam{{Name: "skb", Type: &btf.Pointer{Target: skb}}},
	}}
	if argTags != nil {
		fn.ParamTags = [][]string{argTags}
	}
	var b btf.Builder
	id, err := b.Add(fn)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := b.Marshal(nil, &btf.MarshalOptions{Order: binary.LittleEndian})
	if err != nil {
		t.Fatal(err)
	}
	return &btfctx.ProgBTF{Raw: raw, FuncInfo: []btfctx.FuncInfo{{InsnOff: 0, TypeID: uint32(id)}}}
}

// TestDeclTags: btf_prepare_func_args reads only "arg:" decl tags of the
// arguments (btf_find_next_decl_tag, kernel/bpf/btf.c) and
// bpf_find_exception_callback_insn_off only an "exception_callback:" tag
// of the main function (kernel/bpf/verifier.c); any other decl tag, such
// as test_loader's "comment:test_*" annotations, changes nothing.
func TestDeclTags(t *testing.T) {
	c, _ := ctx(t)
	run := func(b *btfctx.ProgBTF) verifier.Result {
		t.Helper()
		r, err := verifier.Verify(prog(mov0, exit), verifier.Config{ProgType: verifier.SocketFilter, Env: c.For(verifier.Linux618), LogLevel: 2, BTF: b})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	plain := run(progBTF(t, nil, nil))
	if plain.Verdict != verifier.Accept {
		t.Fatalf("without tags: %s", plain)
	}
	comments := run(progBTF(t, []string{"comment:test_expect_success", "comment:test_description=x"}, []string{"comment:on the argument"}))
	if d := cmp.Diff(plain, comments); d != "" {
		t.Errorf("comment tags changed the result (-without +with):\n%s", d)
	}
	for _, tc := range []struct {
		name          string
		tags, argTags []string
		want          string
	}{
		{"arg:ctx on the argument", nil, []string{"arg:ctx"}, `verisim: arg#0 of the main program has the decl tag "arg:ctx": btf_prepare_func_args' argument tags are not modeled`},
		{"an exception callback", []string{"exception_callback:cb"}, nil, `verisim: the main program has the decl tag "exception_callback:cb": exception callbacks are not modeled`},
	} {
		r := run(progBTF(t, tc.tags, tc.argTags))
		if r.Verdict != verifier.Unsupported || r.Message != tc.want {
			t.Errorf("%s: %s, want unsupported %q", tc.name, r, tc.want)
		}
	}
}
