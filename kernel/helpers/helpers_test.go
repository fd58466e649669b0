package helpers_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf/btf"
	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/kernel/helpers"
	"github.com/verisim/verisim/kernel/vmlinux"
	"github.com/verisim/verisim/verifier"
)

// TestNames: every id 0..MaxID-1 has a name, the names are unique, and
// ByID and ByName agree (enum bpf_func_id, ___BPF_FUNC_MAPPER).
func TestNames(t *testing.T) {
	if helpers.MaxID != 212 {
		t.Errorf("MaxID = %d, want 212 (__BPF_FUNC_MAX_ID of 6.18)", helpers.MaxID)
	}
	seen := map[string]bool{}
	for id := int32(0); id < helpers.MaxID; id++ {
		h, ok := helpers.ByID(id)
		if !ok || h.ID != id || !strings.HasPrefix(h.Name, "bpf_") || len(h.Name) <= 4 {
			t.Fatalf("ByID(%d) = %+v, %v", id, h, ok)
		}
		if seen[h.Name] {
			t.Errorf("%s named twice", h.Name)
		}
		seen[h.Name] = true
		if g, ok := helpers.ByName(h.Name); !ok || g != h {
			t.Errorf("ByName(%q) = %+v, %v", h.Name, g, ok)
		}
	}
	for _, id := range []int32{-1, helpers.MaxID, 1 << 30} {
		if _, ok := helpers.ByID(id); ok {
			t.Errorf("ByID(%d) ok", id)
		}
	}
	for _, tc := range []struct {
		id   int32
		name string
	}{{0, "bpf_unspec"}, {1, "bpf_map_lookup_elem"}, {12, "bpf_tail_call"}, {211, "bpf_cgrp_storage_delete"}} {
		if h, _ := helpers.ByID(tc.id); h.Name != tc.name {
			t.Errorf("ByID(%d).Name = %q, want %q", tc.id, h.Name, tc.name)
		}
	}
}

// TestNamesMatchBTF: the uapi names are 6.18's enum bpf_func_id.
func TestNamesMatchBTF(t *testing.T) {
	spec := vmlinuxSpec(t)
	var e *btf.Enum
	if err := spec.TypeByName("bpf_func_id", &e); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range e.Values {
		if v.Name == "__BPF_FUNC_MAX_ID" {
			if v.Value != helpers.MaxID {
				t.Errorf("__BPF_FUNC_MAX_ID = %d, MaxID = %d", v.Value, helpers.MaxID)
			}
			continue
		}
		h, ok := helpers.ByID(int32(v.Value))
		if !ok || "BPF_FUNC_"+strings.TrimPrefix(h.Name, "bpf_") != v.Name {
			t.Errorf("%s = %d, ByID says %q", v.Name, v.Value, h.Name)
		}
		n++
	}
	if n != helpers.MaxID {
		t.Errorf("6.18 BTF has %d helper ids, the table %d", n, helpers.MaxID)
	}
}

// TestEnumsMatchBTF: the ArgType, RetType and TypeFlag constants are
// 6.18's (their String is the kernel name of that value).
func TestEnumsMatchBTF(t *testing.T) {
	spec := vmlinuxSpec(t)
	for _, tc := range []struct {
		enum string
		str  func(uint64) string
	}{
		{"bpf_arg_type", func(v uint64) string { return helpers.ArgType(v).String() }},
		{"bpf_return_type", func(v uint64) string { return helpers.RetType(v).String() }},
		{"bpf_type_flag", func(v uint64) string { return helpers.TypeFlag(v).String() }},
	} {
		var e *btf.Enum
		if err := spec.TypeByName(tc.enum, &e); err != nil {
			t.Fatal(err)
		}
		for _, v := range e.Values {
			if strings.HasPrefix(v.Name, "__") {
				continue
			}
			if got := tc.str(v.Value); got != v.Name {
				t.Errorf("%s: %d prints %q, want %q", tc.enum, v.Value, got, v.Name)
			}
		}
	}
}

func TestTypeString(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{helpers.ArgPtrToMem.String(), "ARG_PTR_TO_MEM"},
		{(helpers.ArgPtrToMem | helpers.ArgType(helpers.MemRdonly)).String(), "ARG_PTR_TO_MEM | MEM_RDONLY"},
		{(helpers.ArgPtrToMem | helpers.ArgType(helpers.MemUninit|helpers.MemWrite)).String(), "ARG_PTR_TO_UNINIT_MEM"},
		{helpers.RetPtrToMapValueOrNull.String(), "RET_PTR_TO_MAP_VALUE_OR_NULL"},
		{(helpers.RetPtrToMem | helpers.RetType(helpers.MemRdonly)).String(), "RET_PTR_TO_MEM | MEM_RDONLY"},
		{helpers.ArgType(200).String(), "ARG(0xc8)"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// untabled are the modeled program types without a row: the table's
// recipe (internal/protogen) does not generate them yet, and some of
// their get_func_proto read expected_attach_type (sock_addr_func_proto's
// bpf_bind), which the recipe takes as 0. The verifier answers
// unsupported at their helper calls.
var untabled = map[verifier.ProgType]bool{
	verifier.CgroupSockAddr: true, verifier.CgroupSock: true, verifier.SKReuseport: true,
	verifier.CgroupSysctl: true, verifier.SKLookup: true, verifier.Netfilter: true,
}

// TestRows: the table has a row for every program type the verifier
// models but the untabled ones, and no other.
func TestRows(t *testing.T) {
	var want []uint32
	for _, pt := range verifier.ProgTypes() {
		if pt.Modeled() && !untabled[pt] {
			want = append(want, uint32(pt))
		}
		if untabled[pt] && helpers.Covers(uint32(pt)) {
			t.Errorf("%s has a row", pt)
		}
	}
	if d := cmp.Diff(want, helpers.ProgTypes()); d != "" {
		t.Errorf("ProgTypes() (-modeled +table):\n%s", d)
	}
	for _, pt := range want {
		for id := int32(0); id < helpers.MaxID; id++ {
			if _, ok := helpers.Lookup(pt, id); !ok {
				t.Fatalf("Lookup(%d, %d) missing", pt, id)
			}
		}
		if _, ok := helpers.Lookup(pt, helpers.MaxID); ok {
			t.Errorf("Lookup(%d, MaxID) ok", pt)
		}
	}
	if _, ok := helpers.For(uint32(verifier.Tracing), 1); ok {
		t.Errorf("For(tracing, 1) ok: tracing is not in the table")
	}
}

// TestProtos: every prototype is well formed (struct bpf_func_proto as
// check_func_proto would accept it) and used.
func TestProtos(t *testing.T) {
	used := map[*helpers.Proto]bool{}
	for _, pt := range helpers.ProgTypes() {
		for id := int32(0); id < helpers.MaxID; id++ {
			if p, ok := helpers.For(pt, id); ok {
				used[p] = true
			}
		}
	}
	for _, p := range helpers.Protos() {
		if !used[p] {
			t.Errorf("%s is returned by no entry", p.Name)
		}
		if !strings.HasSuffix(p.Name, "_proto") && !strings.Contains(p.Name, "_proto_") {
			t.Errorf("%s: not a proto name", p.Name)
		}
		if !strings.HasSuffix(p.File, ".c") {
			t.Errorf("%s: file %q", p.Name, p.File)
		}
		n := p.NumArgs()
		for i, a := range p.Args {
			if i >= n && a != helpers.ArgDontcare {
				t.Errorf("%s: arg%d %v after ARG_DONTCARE", p.Name, i+1, a)
			}
			if p.ArgSize[i] != 0 && a.Flags()&helpers.MemFixedSize == 0 {
				t.Errorf("%s: arg%d has a size but is %v", p.Name, i+1, a)
			}
			if p.ArgBTF[i] != "" {
				switch a.Base() {
				case helpers.ArgPtrToBTFID, helpers.ArgPtrToSpinLock, helpers.ArgPtrToBTFIDSockCommon,
					helpers.ArgKptrXchgDest, helpers.ArgPtrToTimer:
				default:
					t.Errorf("%s: arg%d names BTF %s but is %v", p.Name, i+1, p.ArgBTF[i], a)
				}
			}
		}
		// a BTF id goes with RET_PTR_TO_BTF_ID (and may with
		// RET_PTR_TO_MEM_OR_BTF_ID, whose type the argument gives)
		if p.RetBTF != "" && p.Ret.Base() != helpers.RetPtrToBTFID && p.Ret.Base() != helpers.RetPtrToMemOrBTFID ||
			p.RetBTF == "" && p.Ret.Base() == helpers.RetPtrToBTFID {
			t.Errorf("%s: ret %v with BTF %q", p.Name, p.Ret, p.RetBTF)
		}
	}
}

// TestMatchesMeasured checks availability and argument counts against
// verifier/helpers_618.go, the table helperprotos recorded from the live
// 6.18 kernel (without root: it reads the committed file).
func TestMatchesMeasured(t *testing.T) {
	b, err := os.ReadFile("../../verifier/helpers_618.go")
	if err != nil {
		t.Skipf("no measured table: %v", err)
	}
	byName := map[string]uint32{}
	for _, pt := range verifier.ProgTypes() {
		byName[strings.ReplaceAll(pt.String(), "_", "")] = uint32(pt)
	}
	goNames := map[string]string{"rawtracepointwrit": "rawtracepointwritable", "skskb": "skskb", "schedcls": "schedcls"}
	rows := regexp.MustCompile(`(?m)^\t(\w+):\s+"([-0-9]*)",$`).FindAllStringSubmatch(string(b), -1)
	if len(rows) != len(helpers.ProgTypes()) {
		t.Fatalf("measured %d rows, the table has %d types", len(rows), len(helpers.ProgTypes()))
	}
	cells, diffs := 0, 0
	for _, r := range rows {
		key := strings.ToLower(r[1])
		if g, ok := goNames[key]; ok {
			key = g
		}
		pt, ok := byName[key]
		if !ok {
			t.Fatalf("measured row %s: no such program type", r[1])
		}
		for id := int32(0); id < helpers.MaxID; id++ {
			want := byte('-')
			if int(id) < len(r[2]) {
				want = r[2][id]
			}
			got := byte('-')
			if p, ok := helpers.For(pt, id); ok {
				got = byte('0' + p.NumArgs())
			}
			cells++
			if got != want {
				diffs++
				h, _ := helpers.ByID(id)
				t.Errorf("%s %s#%d: table %c, measured %c", r[1], h.Name, id, got, want)
			}
		}
	}
	t.Logf("%d cells, %d differ", cells, diffs)
}

func vmlinuxSpec(t *testing.T) *btf.Spec {
	t.Helper()
	opts, ok := vmlinux.Options("6.18")
	if !ok {
		t.Fatal("no shipped 6.18 data")
	}
	b, err := opts.Vmlinux()
	if err != nil {
		t.Fatal(err)
	}
	return b.Spec()
}
