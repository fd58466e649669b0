package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/btf"

	"github.com/verisim/verisim/kernel/vmlinux"
)

// modeledTypes are the program types verisim models (verifier.ProgType
// values with Modeled() true, verifier/progtype.go), by enum
// bpf_prog_type number; kernel/helpers' tests check the list against
// the verifier's.
var modeledTypes = []struct {
	n    uint32
	name string // without BPF_PROG_TYPE_
}{
	{1, "SOCKET_FILTER"}, {2, "KPROBE"}, {3, "SCHED_CLS"}, {4, "SCHED_ACT"}, {5, "TRACEPOINT"},
	{6, "XDP"}, {7, "PERF_EVENT"}, {8, "CGROUP_SKB"}, {10, "LWT_IN"}, {11, "LWT_OUT"},
	{12, "LWT_XMIT"}, {13, "SOCK_OPS"}, {14, "SK_SKB"}, {16, "SK_MSG"}, {17, "RAW_TRACEPOINT"},
	{19, "LWT_SEG6LOCAL"}, {22, "FLOW_DISSECTOR"}, {24, "RAW_TRACEPOINT_WRITABLE"},
}

// model is everything the generated file holds.
type model struct {
	version string   // of the parsed source
	helpers []string // by id, without "bpf_"
	types   []typeRow
	protos  []*protoDef // every prototype some cell returns, sorted by name
	config  []string    // CONFIG_X=v the cells rest on

	spec   *btf.Spec
	ix     *index
	enums  map[string][]btf.EnumValue // the exported constants of each enum, by value
	enumOf map[string]string          // constant -> enum
}

type typeRow struct {
	n       uint32
	name    string
	ops     string // sk_filter_verifier_ops
	fn      string // its get_func_proto
	assumes []string
	cells   []*cellResult
}

var fnLine = regexp.MustCompile(`FN\((\w+), (\d+), ##ctx\)`)

// helperNames reads ___BPF_FUNC_MAPPER (include/uapi/linux/bpf.h).
func helperNames(uapi string) ([]string, error) {
	var out []string
	for _, m := range fnLine.FindAllStringSubmatch(uapi, -1) {
		id, _ := strconv.Atoi(m[2])
		if id != len(out) {
			return nil, fmt.Errorf("___BPF_FUNC_MAPPER: %s is id %d, want %d", m[1], id, len(out))
		}
		out = append(out, m[1])
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no ___BPF_FUNC_MAPPER entries")
	}
	return out, nil
}

// btfEnums returns the constants of the 6.18 enums the code paths and
// the prototypes use, from the shipped vmlinux BTF.
func btfEnums(spec *btf.Spec) (map[string]int64, error) {
	consts := map[string]int64{}
	for _, n := range []string{"bpf_func_id", "bpf_prog_type", "bpf_attach_type", "bpf_arg_type", "bpf_return_type", "bpf_type_flag", "lockdown_reason"} {
		var e *btf.Enum
		if err := spec.TypeByName(n, &e); err != nil {
			return nil, fmt.Errorf("6.18 BTF: enum %s: %w", n, err)
		}
		for _, v := range e.Values {
			consts[v.Name] = int64(v.Value)
		}
	}
	return consts, nil
}

// typeEnums returns the constants of enum bpf_arg_type, bpf_return_type
// and bpf_type_flag (without the __ ones), sorted by value and name.
func typeEnums(spec *btf.Spec) (map[string][]btf.EnumValue, map[string]string, error) {
	out := map[string][]btf.EnumValue{}
	of := map[string]string{}
	for _, n := range []string{"bpf_arg_type", "bpf_return_type", "bpf_type_flag"} {
		var e *btf.Enum
		if err := spec.TypeByName(n, &e); err != nil {
			return nil, nil, fmt.Errorf("6.18 BTF: enum %s: %w", n, err)
		}
		var vals []btf.EnumValue
		for _, v := range e.Values {
			if !strings.HasPrefix(v.Name, "__") {
				vals = append(vals, v)
				of[v.Name] = n
			}
		}
		sort.SliceStable(vals, func(i, j int) bool { return vals[i].Value < vals[j].Value })
		out[n] = vals
	}
	return out, of, nil
}

func vmlinuxSpec() (*btf.Spec, error) {
	opts, ok := vmlinux.Options("6.18")
	if !ok {
		return nil, fmt.Errorf("no shipped 6.18 data")
	}
	b, err := opts.Vmlinux()
	if err != nil {
		return nil, err
	}
	return b.Spec(), nil
}

func build(t tree, cfg *config) (*model, error) {
	m := &model{version: t.version()}
	var err error
	if m.helpers, err = helperNames(t["include/uapi/linux/bpf.h"]); err != nil {
		return nil, err
	}
	spec, err := vmlinuxSpec()
	if err != nil {
		return nil, err
	}
	consts, err := btfEnums(spec)
	if err != nil {
		return nil, err
	}
	m.spec = spec
	if m.enums, m.enumOf, err = typeEnums(spec); err != nil {
		return nil, err
	}
	// the uapi list must be 6.18's
	for id, h := range m.helpers {
		if v, ok := consts["BPF_FUNC_"+h]; !ok || v != int64(id) {
			return nil, fmt.Errorf("BPF_FUNC_%s is %d in the source and %d (%v) in 6.18's BTF", h, id, v, ok)
		}
	}
	if n := consts["__BPF_FUNC_MAX_ID"]; n != int64(len(m.helpers)) {
		return nil, fmt.Errorf("__BPF_FUNC_MAX_ID is %d in 6.18's BTF, the source lists %d helpers", n, len(m.helpers))
	}

	ix := newIndex()
	ix.src = t
	m.ix = ix
	// btf_ids.h first: its X-macro lists expand in the .c files
	order := []string{"include/linux/btf_ids.h", "include/linux/bpf_types.h"}
	for _, p := range t.sorted() {
		if strings.HasSuffix(p, ".c") {
			order = append(order, p)
		}
	}
	for _, p := range order {
		if err := ix.add(p, t[p], cfg); err != nil {
			return nil, err
		}
	}
	ops, err := progTypeOps(ix.files["include/linux/bpf_types.h"])
	if err != nil {
		return nil, err
	}
	ev := &evaluator{ix: ix, consts: consts, cfg: cfg, delta: delta618(), bodies: map[*funcDef]*blockStmt{},
		patches: map[*protoDef]*protoDef{}}
	used := map[*protoDef]bool{}
	config := map[string]bool{}
	for _, mt := range modeledTypes {
		o, ok := ops["BPF_PROG_TYPE_"+mt.name]
		if !ok {
			return nil, fmt.Errorf("bpf_types.h has no BPF_PROG_TYPE_%s", mt.name)
		}
		fn, ok := ix.ops[o.ops]
		if !ok {
			return nil, fmt.Errorf("no %s with a get_func_proto", o.ops)
		}
		row := typeRow{n: mt.n, name: mt.name, ops: o.ops, fn: fn, assumes: o.assumes}
		ev.ld = load{progType: int64(mt.n), typeName: "BPF_PROG_TYPE_" + mt.name}
		for id, h := range m.helpers {
			c, err := ev.cell(fn, ix.opsAt[o.ops], int64(id), h)
			if err != nil {
				return nil, fmt.Errorf("BPF_PROG_TYPE_%s: %w", mt.name, err)
			}
			if c.proto != nil {
				// get_helper_proto: a prototype without .func is no prototype
				if !hasFunc(c.proto) {
					c.notes = append(c.notes, c.proto.name+" has no .func (a __weak zero definition): get_helper_proto answers -EINVAL")
					c.proto = nil
				} else {
					used[c.proto] = true
					for _, s := range ev.protoAssumes(c.proto) {
						c.assumes[s] = true
					}
				}
			}
			for s := range c.assumes {
				if strings.HasPrefix(s, "CONFIG_") {
					config[s] = true
				}
			}
			row.cells = append(row.cells, c)
		}
		for _, s := range o.assumes {
			config[s] = true
		}
		m.types = append(m.types, row)
	}
	for p := range used {
		m.protos = append(m.protos, p)
	}
	sort.Slice(m.protos, func(i, j int) bool { return m.protos[i].name < m.protos[j].name })
	m.config = sortedSet(config)
	return m, nil
}

func hasFunc(p *protoDef) bool {
	for _, f := range p.fields {
		if f.name == "func" {
			s := exprString(f.x)
			return s != "NULL" && s != "0"
		}
	}
	return false
}

// protoAssumes returns the CONFIG_ values a prototype's definition rests
// on: its #if regions and the Makefile line that builds its file.
func (e *evaluator) protoAssumes(p *protoDef) []string {
	var out []string
	for _, gd := range p.file.chain(p.guard) {
		for _, s := range gd.syms {
			v, _ := e.cfg.value(s)
			out = append(out, s+"="+v)
		}
	}
	if r, ok := e.ix.built[p.file.path]; ok {
		for _, s := range r.syms {
			v, _ := e.cfg.value(s)
			out = append(out, s+"="+v)
		}
	}
	return out
}

type opsEntry struct {
	ops     string
	assumes []string
}

// progTypeOps reads BPF_PROG_TYPE(BPF_PROG_TYPE_X, name, ctx, kctx) of
// include/linux/bpf_types.h: type X verifies with name_verifier_ops.
func progTypeOps(f *file) (map[string]opsEntry, error) {
	if f == nil {
		return nil, fmt.Errorf("no include/linux/bpf_types.h")
	}
	out := map[string]opsEntry{}
	ts := f.live
	for i := 0; i+4 < len(ts); i++ {
		if !ts[i].is("BPF_PROG_TYPE") || !ts[i+1].is("(") {
			continue
		}
		c := matchParen(ts, i+1)
		args := splitArgs(ts[i+2 : c])
		if len(args) < 2 {
			return nil, fmt.Errorf("bpf_types.h:%d: BPF_PROG_TYPE with %d arguments", ts[i].line, len(args))
		}
		var as []string
		for _, gd := range f.chain(ts[i].guard) {
			for _, s := range gd.syms {
				as = append(as, s+"=y")
			}
		}
		out[args[0]] = opsEntry{ops: args[1] + "_verifier_ops", assumes: as}
	}
	return out, nil
}

func generate(t tree, cfg *config) ([]byte, error) {
	m, err := build(t, cfg)
	if err != nil {
		return nil, err
	}
	return emit(m)
}

// dump lists every entry: type, helper, the prototype (or -), the
// functions get_func_proto went through, what the answer assumes and the
// notes. It is for reading, not for the table.
func (m *model) dump() []byte {
	var b strings.Builder
	for _, r := range m.types {
		for id, c := range r.cells {
			p := "-"
			if c.proto != nil {
				p = c.proto.name + " (" + c.proto.file.path + ")"
			}
			fmt.Fprintf(&b, "%s\tbpf_%s#%d\t%s\tvia %s\t%s", r.name, m.helpers[id], id, p,
				strings.Join(c.via, " > "), strings.Join(sortedSet(c.assumes), "; "))
			for _, n := range c.notes {
				fmt.Fprintf(&b, "\tnote: %s", n)
			}
			b.WriteByte('\n')
		}
	}
	return []byte(b.String())
}
