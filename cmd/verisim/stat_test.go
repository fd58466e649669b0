package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// Durations are the simulator's wall time: the tests check that each is
// there and has its form, then replace it with D. No test compares times.
var (
	tableDuration = regexp.MustCompile(`(?m)[0-9]+\.[0-9]+(µs|ms|s)$`)
	csvDuration   = regexp.MustCompile(`(?m),[0-9]+$`)
	jsonDuration  = regexp.MustCompile(`"duration_ns":[0-9]+`)
)

func noDurations(s string) string {
	s = tableDuration.ReplaceAllString(s, "D")
	s = csvDuration.ReplaceAllString(s, ",D")
	return jsonDuration.ReplaceAllString(s, `"duration_ns":D`)
}

// statFiles runs from the repository root, so that the rows name the
// files as the README does; it returns the objects and example streams.
func statFiles(t *testing.T) (objects, streams []string) {
	t.Helper()
	t.Chdir("../..")
	all, _ := filepath.Glob("verifier/object/testdata/*.o")
	for _, o := range all {
		// kconfig.o and kfunc_call.o came later; the outputs below list
		// the ten before them.
		if b := filepath.Base(o); b != "kconfig.o" && b != "kfunc_call.o" {
			objects = append(objects, o)
		}
	}
	streams, _ = filepath.Glob("docs/examples/*.bin")
	if len(objects) != 10 || len(streams) != 8 {
		t.Fatalf("%d objects and %d streams: the expected outputs below list 10 and 8", len(objects), len(streams))
	}
	return objects, streams
}

var tinyKernel = []string{"--btf", "docs/examples/tiny.btf", "--kallsyms", "docs/examples/tiny.kallsyms"}

func statRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	code, out, errs := runCLI(t, nil, append([]string{"stat"}, args...)...)
	return code, noDurations(out), errs
}

// The two loader errors of the objects under 6.18, as verify reports
// them: one line each on standard error, and a row each.
const objectErrors = `verisim: verifier/object/testdata/ksym_plain_struct.o: program plain_struct: ksym: extern (var ksym) 'init_task': not found in kernel BTF
verisim: verifier/object/testdata/ksym_typeless_var.o: program typeless_var: ksym: extern 'runqueues' (strong): not resolved (no kallsyms address)
`

// TestStatObjects: every program of every test object, one row each in
// file and program order, in the three formats; three objects fail to
// load (exit 2).
func TestStatObjects(t *testing.T) {
	objects, _ := statFiles(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"table", nil, `file                                           program        verdict  errno   message                                           insn  processed  total_states  peak_states  max_states_per_insn  duration
verifier/object/testdata/core.o                core_fields    accept   -       -                                                 -     4          0             0            0                    D
verifier/object/testdata/globals.o             use_globals    accept   -       -                                                 -     5          0             0            0                    D
verifier/object/testdata/globals.o             use_map        accept   -       -                                                 -     3          0             0            0                    D
verifier/object/testdata/helper_call.o         count          accept   -       -                                                 -     11         1             1            0                    D
verifier/object/testdata/ksym_func.o           func_exists    accept   -       -                                                 -     4          0             0            0                    D
verifier/object/testdata/ksym_percpu_int.o     percpu_int     reject   ENOENT  ldimm64 failed to find the address for kernel...  -     0          0             0            0                    D
verifier/object/testdata/ksym_percpu_struct.o  percpu_struct  reject   ENOENT  ldimm64 failed to find the address for kernel...  -     0          0             0            0                    D
verifier/object/testdata/ksym_plain_struct.o   -              error    -       program plain_struct: ksym: extern (var ksym)...  -     -          -             -            -                    -
verifier/object/testdata/ksym_typeless.o       typeless       accept   -       -                                                 -     3          0             0            0                    D
verifier/object/testdata/ksym_typeless_var.o   -              error    -       program typeless_var: ksym: extern 'runqueues...  -     -          -             -            -                    -
verifier/object/testdata/ksym_weak_var.o       weak_var       accept   -       -                                                 -     3          0             0            0                    D
total (6.18): 9 programs, 7 accepted, 2 rejected, 0 unsupported, 2 input errors
`},
		{"csv", []string{"--output", "csv"}, `file,program,kernel,verdict,errno,error,insn,processed,total_states,peak_states,max_states_per_insn,duration_ns
verifier/object/testdata/core.o,core_fields,6.18,accept,,,-1,4,0,0,0,D
verifier/object/testdata/globals.o,use_globals,6.18,accept,,,-1,5,0,0,0,D
verifier/object/testdata/globals.o,use_map,6.18,accept,,,-1,3,0,0,0,D
verifier/object/testdata/helper_call.o,count,6.18,accept,,,-1,11,1,1,0,D
verifier/object/testdata/ksym_func.o,func_exists,6.18,accept,,,-1,4,0,0,0,D
verifier/object/testdata/ksym_percpu_int.o,percpu_int,6.18,reject,ENOENT,ldimm64 failed to find the address for kernel symbol 'cpu_number'.,-1,0,0,0,0,D
verifier/object/testdata/ksym_percpu_struct.o,percpu_struct,6.18,reject,ENOENT,ldimm64 failed to find the address for kernel symbol 'runqueues'.,-1,0,0,0,0,D
verifier/object/testdata/ksym_plain_struct.o,,6.18,error,,verifier/object/testdata/ksym_plain_struct.o: program plain_struct: ksym: extern (var ksym) 'init_task': not found in kernel BTF,,,,,,
verifier/object/testdata/ksym_typeless.o,typeless,6.18,accept,,,-1,3,0,0,0,D
verifier/object/testdata/ksym_typeless_var.o,,6.18,error,,verifier/object/testdata/ksym_typeless_var.o: program typeless_var: ksym: extern 'runqueues' (strong): not resolved (no kallsyms address),,,,,,
verifier/object/testdata/ksym_weak_var.o,weak_var,6.18,accept,,,-1,3,0,0,0,D
`},
		{"json", []string{"--json"}, `{"file":"verifier/object/testdata/core.o","program":"core_fields","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":4,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/globals.o","program":"use_globals","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":5,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/globals.o","program":"use_map","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":3,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/helper_call.o","program":"count","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":11,"total_states":1,"peak_states":1,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/ksym_func.o","program":"func_exists","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":4,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/ksym_percpu_int.o","program":"percpu_int","kernel":"6.18","verdict":"reject","accepted":false,"errno":"ENOENT","error":"ldimm64 failed to find the address for kernel symbol 'cpu_number'.","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/ksym_percpu_struct.o","program":"percpu_struct","kernel":"6.18","verdict":"reject","accepted":false,"errno":"ENOENT","error":"ldimm64 failed to find the address for kernel symbol 'runqueues'.","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/ksym_plain_struct.o","verdict":"error","accepted":false,"input_error":"verifier/object/testdata/ksym_plain_struct.o: program plain_struct: ksym: extern (var ksym) 'init_task': not found in kernel BTF"}
{"file":"verifier/object/testdata/ksym_typeless.o","program":"typeless","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":3,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"verifier/object/testdata/ksym_typeless_var.o","verdict":"error","accepted":false,"input_error":"verifier/object/testdata/ksym_typeless_var.o: program typeless_var: ksym: extern 'runqueues' (strong): not resolved (no kallsyms address)"}
{"file":"verifier/object/testdata/ksym_weak_var.o","program":"weak_var","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":3,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// The FILEs in reverse order, the flags after them: the rows
			// are sorted all the same.
			args := append(reversed(objects), tc.args...)
			code, out, errs := statRun(t, args...)
			if d := cmp.Diff(tc.want, out); d != "" {
				t.Errorf("stat %s (-want +got):\n%s", strings.Join(tc.args, " "), d)
			}
			if code != exitUsage || errs != sortedLines(objectErrors, reversed) {
				t.Errorf("exit %d (want 2), stderr:\n%s", code, errs)
			}
		})
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[len(s)-1-i] = x
	}
	return out
}

// sortedLines reorders the lines of s with order (standard error follows
// the FILEs as given, not the sorted rows).
func sortedLines(s string, order func([]string) []string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	return strings.Join(order(lines), "\n") + "\n"
}

// TestStatStreams: the example raw streams, one row each with no program,
// against the small BTF they were written for.
func TestStatStreams(t *testing.T) {
	_, streams := statFiles(t)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"table", nil, `file                                  program  verdict  errno   message                                  insn  processed  total_states  peak_states  max_states_per_insn  duration
docs/examples/ksym-6.18.bin           -        accept   -       -                                        -     3          0             0            0                    D
docs/examples/ksym-id-65536.bin       -        reject   EINVAL  invalid bpf_ld_imm64 insn                -     0          0             0            0                    D
docs/examples/ksym-rfc.bin            -        reject   EINVAL  invalid module BTF object FD specified.  -     0          0             0            0                    D
docs/examples/ksym-sign-extended.bin  -        reject   EINVAL  invalid module BTF object FD specified.  -     0          0             0            0                    D
docs/examples/map-value-47.bin        -        reject   EBADF   fd 3 is not pointing to valid bpf_map    -     0          0             0            0                    D
docs/examples/map-value-48.bin        -        reject   EBADF   fd 3 is not pointing to valid bpf_map    -     0          0             0            0                    D
docs/examples/off-and-r10.bin         -        reject   EINVAL  BPF_LD_IMM64 uses reserved fields        0     1          0             0            0                    D
docs/examples/r0-not-written.bin      -        reject   EACCES  R0 !read_ok                              2     2          0             0            0                    D
total (6.18): 8 programs, 1 accepted, 7 rejected, 0 unsupported
`},
		{"csv", []string{"--output", "csv"}, `file,program,kernel,verdict,errno,error,insn,processed,total_states,peak_states,max_states_per_insn,duration_ns
docs/examples/ksym-6.18.bin,,6.18,accept,,,-1,3,0,0,0,D
docs/examples/ksym-id-65536.bin,,6.18,reject,EINVAL,invalid bpf_ld_imm64 insn,-1,0,0,0,0,D
docs/examples/ksym-rfc.bin,,6.18,reject,EINVAL,invalid module BTF object FD specified.,-1,0,0,0,0,D
docs/examples/ksym-sign-extended.bin,,6.18,reject,EINVAL,invalid module BTF object FD specified.,-1,0,0,0,0,D
docs/examples/map-value-47.bin,,6.18,reject,EBADF,fd 3 is not pointing to valid bpf_map,-1,0,0,0,0,D
docs/examples/map-value-48.bin,,6.18,reject,EBADF,fd 3 is not pointing to valid bpf_map,-1,0,0,0,0,D
docs/examples/off-and-r10.bin,,6.18,reject,EINVAL,BPF_LD_IMM64 uses reserved fields,0,1,0,0,0,D
docs/examples/r0-not-written.bin,,6.18,reject,EACCES,R0 !read_ok,2,2,0,0,0,D
`},
		{"json", []string{"--output", "json"}, `{"file":"docs/examples/ksym-6.18.bin","kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":3,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/ksym-id-65536.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"invalid bpf_ld_imm64 insn","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/ksym-rfc.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"invalid module BTF object FD specified.","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/ksym-sign-extended.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"invalid module BTF object FD specified.","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/map-value-47.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EBADF","error":"fd 3 is not pointing to valid bpf_map","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/map-value-48.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EBADF","error":"fd 3 is not pointing to valid bpf_map","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/off-and-r10.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"BPF_LD_IMM64 uses reserved fields","insn":0,"processed":1,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
{"file":"docs/examples/r0-not-written.bin","kernel":"6.18","verdict":"reject","accepted":false,"errno":"EACCES","error":"R0 !read_ok","insn":2,"processed":2,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append(append([]string{}, tc.args...), tinyKernel...), streams...)
			code, out, errs := statRun(t, args...)
			if d := cmp.Diff(tc.want, out); d != "" {
				t.Errorf("stat %s (-want +got):\n%s", strings.Join(tc.args, " "), d)
			}
			if code != exitReject || errs != "" {
				t.Errorf("exit %d (want 1), stderr %q", code, errs)
			}
		})
	}
}

// TestStatCompare: --compare verifies under rfc and 6.18 (each side as
// "stat --kernel X" would: the profile's own relocation of an object) and
// says per program whether and how they differ.
func TestStatCompare(t *testing.T) {
	objects, streams := statFiles(t)
	cases := []struct {
		name  string
		args  []string
		files []string
		code  int
		want  string
	}{
		{"objects", nil, objects, exitUsage, `file                                           program        verdict (rfc)  verdict (6.18)  processed (rfc)  processed (6.18)  differ
verifier/object/testdata/core.o                core_fields    accept         accept          4                4                 no
verifier/object/testdata/globals.o             use_globals    accept         accept          5                5                 no
verifier/object/testdata/globals.o             use_map        accept         accept          3                3                 no
verifier/object/testdata/helper_call.o         count          unsupported    accept          -                11                verdict
verifier/object/testdata/ksym_func.o           func_exists    error          accept          -                4                 verdict
verifier/object/testdata/ksym_percpu_int.o     percpu_int     error          reject          -                0                 verdict
verifier/object/testdata/ksym_percpu_struct.o  percpu_struct  error          reject          -                0                 verdict
verifier/object/testdata/ksym_plain_struct.o   -              error          error           -                -                 error
verifier/object/testdata/ksym_typeless.o       typeless       accept         accept          3                3                 no
verifier/object/testdata/ksym_typeless_var.o   -              error          error           -                -                 error
verifier/object/testdata/ksym_weak_var.o       weak_var       accept         accept          3                3                 no
total: 9 programs, 6 differ; rfc: 5 accepted, 0 rejected, 1 unsupported, 5 input errors; 6.18: 7 accepted, 2 rejected, 0 unsupported, 2 input errors
`},
		{"streams", tinyKernel, streams, exitReject, `file                                  program  verdict (rfc)  verdict (6.18)  processed (rfc)  processed (6.18)  differ
docs/examples/ksym-6.18.bin           -        accept         accept          3                3                 no
docs/examples/ksym-id-65536.bin       -        reject         reject          0                0                 no
docs/examples/ksym-rfc.bin            -        accept         reject          3                0                 verdict
docs/examples/ksym-sign-extended.bin  -        oops           reject          -                0                 verdict
docs/examples/map-value-47.bin        -        reject         reject          0                0                 no
docs/examples/map-value-48.bin        -        reject         reject          0                0                 no
docs/examples/off-and-r10.bin         -        reject         reject          1                1                 error
docs/examples/r0-not-written.bin      -        reject         reject          2                2                 no
total: 8 programs, 3 differ; rfc: 2 accepted, 5 rejected, 0 unsupported, 1 oops; 6.18: 1 accepted, 7 rejected, 0 unsupported
`},
		{"streams csv", append([]string{"--output", "csv"}, tinyKernel...), streams, exitReject, `file,program,verdict_rfc,verdict_6.18,processed_rfc,processed_6.18,differ
docs/examples/ksym-6.18.bin,,accept,accept,3,3,no
docs/examples/ksym-id-65536.bin,,reject,reject,0,0,no
docs/examples/ksym-rfc.bin,,accept,reject,3,0,verdict
docs/examples/ksym-sign-extended.bin,,oops,reject,,0,verdict
docs/examples/map-value-47.bin,,reject,reject,0,0,no
docs/examples/map-value-48.bin,,reject,reject,0,0,no
docs/examples/off-and-r10.bin,,reject,reject,1,1,error
docs/examples/r0-not-written.bin,,reject,reject,2,2,no
`},
		{"json, B,A", append([]string{"--json", "--kernel", "6.18,rfc"}, tinyKernel...), []string{"docs/examples/off-and-r10.bin", "docs/examples/ksym-sign-extended.bin"}, exitReject,
			`{"file":"docs/examples/ksym-sign-extended.bin","sides":[{"kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"invalid module BTF object FD specified.","insn":-1,"processed":0,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D},{"kernel":"rfc","verdict":"oops","accepted":false,"errno":"","error":"oops: btf id 33891 was split into insn[0].off = -31645; the RFC widens the s16 to 0xffff8463 and btf_type_by_id returns NULL: the RFC kernel dereferences NULL here","insn":0,"processed":null,"total_states":null,"peak_states":null,"max_states_per_insn":null,"duration_ns":D}],"differ":"verdict"}
{"file":"docs/examples/off-and-r10.bin","sides":[{"kernel":"6.18","verdict":"reject","accepted":false,"errno":"EINVAL","error":"BPF_LD_IMM64 uses reserved fields","insn":0,"processed":1,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D},{"kernel":"rfc","verdict":"reject","accepted":false,"errno":"EACCES","error":"frame pointer is read only","insn":0,"processed":1,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}],"differ":"error"}
`},
		{"json, a loader error on one side", []string{"--json"}, []string{"verifier/object/testdata/ksym_func.o"}, exitUsage,
			`{"file":"verifier/object/testdata/ksym_func.o","program":"func_exists","sides":[{"kernel":"rfc","verdict":"error","accepted":false,"input_error":"verifier/object/testdata/ksym_func.o: program func_exists: ksym: extern function bpf_task_acquire is unsupported under .ksyms section"},{"kernel":"6.18","verdict":"accept","accepted":true,"errno":"","error":"","insn":-1,"processed":4,"total_states":0,"peak_states":0,"max_states_per_insn":0,"duration_ns":D}],"differ":"verdict"}
`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"--compare"}, tc.args...), tc.files...)
			code, out, errs := statRun(t, args...)
			if d := cmp.Diff(tc.want, out); d != "" {
				t.Errorf("stat %s (-want +got):\n%s", strings.Join(args, " "), d)
			}
			if code != tc.code {
				t.Errorf("exit %d (want %d), stderr %q", code, tc.code, errs)
			}
		})
	}
}

// TestStatAgreesWithVerify: each row says what verify --json says of the
// same program (stat verifies at another log level, which changes no
// outcome and no statistic).
func TestStatAgreesWithVerify(t *testing.T) {
	objects, streams := statFiles(t)
	type outcome struct {
		File, Program, Kernel, Verdict, Errno, Error string
		Insn                                         int
		Stats                                        *verifier.Stats
	}
	// decode reads verify's objects and stat's rows alike: verify's
	// statistics are an object, stat's are columns.
	decode := func(t *testing.T, out string) []outcome {
		var got []outcome
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var r struct {
				jsonResult
				InputError       string `json:"input_error"`
				Processed        *int   `json:"processed"`
				TotalStates      *int   `json:"total_states"`
				PeakStates       *int   `json:"peak_states"`
				MaxStatesPerInsn *int   `json:"max_states_per_insn"`
			}
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			o := outcome{File: r.File, Program: r.Program, Kernel: r.Kernel, Verdict: r.Verdict, Errno: r.Errno, Error: r.Error + r.InputError, Insn: r.Insn}
			switch {
			case r.Stats != nil:
				o.Stats = &verifier.Stats{Processed: r.Stats.Processed, MaxStatesPerInsn: r.Stats.MaxStatesPerInsn, TotalStates: r.Stats.TotalStates, PeakStates: r.Stats.PeakStates}
			case r.Processed != nil:
				o.Stats = &verifier.Stats{Processed: *r.Processed, MaxStatesPerInsn: *r.MaxStatesPerInsn, TotalStates: *r.TotalStates, PeakStates: *r.PeakStates}
			}
			got = append(got, o)
		}
		return got
	}
	for _, kernel := range []string{"rfc", "6.18"} {
		for _, set := range []struct {
			name  string
			flags []string
			files []string
		}{{"objects", nil, objects}, {"streams", tinyKernel, streams}} {
			t.Run(kernel+" "+set.name, func(t *testing.T) {
				args := append(append([]string{"--json", "--kernel", kernel}, set.flags...), set.files...)
				_, vout, _ := runCLI(t, nil, append([]string{"verify"}, args...)...)
				_, sout, _ := runCLI(t, nil, append([]string{"stat"}, args...)...)
				if d := cmp.Diff(decode(t, vout), decode(t, sout)); d != "" {
					t.Errorf("verify -json (-) and stat -json (+) disagree:\n%s", d)
				}
			})
		}
	}
}

// TestStatExitCodes: verify's statuses over every row, with --compare 1
// also when the two profiles differ.
func TestStatExitCodes(t *testing.T) {
	accept := slotsOf(t, movR0, exitS)
	// A bpf-to-bpf call: unsupported in both profiles with the same
	// reason.
	unsupported := slotsOf(t, movR0, insn.Slot{Code: insn.CodeCall, Src: insn.PseudoCall, Imm: 1}, exitS, movR0, exitS)
	reject := ex + "r0-not-written.bin"
	mapFlag := []string{"--map", "fd=3,type=array,key=4,value=48,entries=1"}
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"accept", []string{accept}, 0},
		{"reject", []string{reject}, 1},
		{"unsupported", []string{unsupported}, 3},
		{"accept and unsupported", []string{accept, unsupported}, 3},
		{"reject and unsupported", []string{unsupported, reject}, 1},
		{"an input error wins", []string{reject, "/nonexistent"}, 2},
		{"--map declares the value map", append(mapFlag, ex+"map-value-47.bin"), 0},
		{"a value load past its end", append(mapFlag, ex+"map-value-48.bin"), 1},
		{"compare, the same acceptance", []string{"--compare", accept}, 0},
		{"compare, the same unsupported", []string{"--compare", unsupported}, 3},
		{"compare, different verdicts", []string{"--compare", "--btf", ex + "tiny.btf", "--kallsyms", ex + "tiny.kallsyms", ex + "ksym-rfc.bin"}, 1},
		{"compare, an input error wins", []string{"--compare", accept, "/nonexistent"}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, append([]string{"stat"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d (want %d), stderr %q\n%s", code, tc.code, errs, out)
			}
		})
	}
}

// TestStatStatus: with --compare, a difference is exit 1 even where each
// side alone would be 0 or 3.
func TestStatStatus(t *testing.T) {
	acc := statSide{kernel: "a", res: verifier.Result{Verdict: verifier.Accept, Insn: -1, Stats: verifier.Stats{Printed: true}}}
	unsupp := func(msg string) statSide {
		return statSide{kernel: "b", res: verifier.Result{Verdict: verifier.Unsupported, Insn: 3, Message: msg}}
	}
	more := acc
	more.res.Stats.Processed = 7
	cases := []struct {
		name   string
		sides  []statSide
		differ string
		code   int
	}{
		{"one side", []statSide{unsupp("x")}, "", 3},
		{"the same", []statSide{acc, acc}, "no", 0},
		{"unsupported both, the same reason", []statSide{unsupp("x"), unsupp("x")}, "no", 3},
		{"unsupported both, different reasons", []statSide{unsupp("x"), unsupp("y")}, "error", 1},
		{"accepted both, different statistics", []statSide{acc, more}, "stats", 1},
		{"accept and unsupported", []statSide{acc, unsupp("x")}, "verdict", 1},
		{"an input error", []statSide{acc, {kernel: "b", err: errors.New("bad")}}, "verdict", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.sides) == 2 {
				if got := differ(tc.sides[0], tc.sides[1]); got != tc.differ {
					t.Errorf("differ = %q, want %q", got, tc.differ)
				}
			}
			if got := statStatus([]statRow{{file: "f", sides: tc.sides}}); got != tc.code {
				t.Errorf("status %d, want %d", got, tc.code)
			}
		})
	}
}

// TestStatRefused: a flag stat cannot honour is refused with the reason.
func TestStatRefused(t *testing.T) {
	obj := "../../verifier/object/testdata/globals.o"
	good := ex + "r0-not-written.bin"
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"--log-level", []string{"--log-level", "2", good}, "--log-level does not apply to stat: it prints no log, and no column depends on the log level"},
		{"--output xml", []string{"--output", "xml", good}, `--output "xml": want table, csv or json`},
		{"--json with --output csv", []string{"--json", "--output", "csv", good}, "--json and --output csv disagree: --json is --output json"},
		{"two kernels without --compare", []string{"--kernel", "rfc,6.18", good}, `--kernel "rfc,6.18": want one profile (known: rfc, 5.10, 6.1, 6.12, 6.18); --compare shows two side by side`},
		{"--compare with one kernel", []string{"--compare", "--kernel", "6.18", good}, `--kernel "6.18": stat --compare compares two profiles, A,B`},
		{"--compare with the same kernel twice", []string{"--compare", "--kernel", "6.18,6.18", good}, "the two profiles are the same"},
		{"--prog-type with an object", []string{"--prog-type", "xdp", obj}, "--prog-type does not apply to " + obj + ", an ELF object: each program's type comes from its section name"},
		{"--program with raw slots", []string{"--program", "x", good}, "--program applies to an ELF object"},
		{"--program an object lacks", []string{"--program", "nope", obj}, `has no program "nope"`},
		{"no FILE", nil, "want at least one FILE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, append([]string{"stat"}, tc.args...)...)
			if code != exitUsage || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and one line with %q", code, out, errs, tc.want)
			}
		})
	}
	// Under --json (or --output json) a refusal is an object too.
	for _, flag := range []string{"--json", "--output=json"} {
		code, out, _ := runCLI(t, nil, "stat", flag, "--log-level", "1", good)
		if code != exitUsage || !strings.HasPrefix(out, `{"verdict":"error","accepted":false,"input_error":"--log-level does not apply to stat`) {
			t.Errorf("%s --log-level: exit %d, stdout %q", flag, code, out)
		}
	}
}

// TestStatInput: standard input and the other FILE forms of verify; help.
func TestStatInput(t *testing.T) {
	b, err := os.ReadFile(ex + "r0-not-written.bin")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, b, "stat", "--output", "csv", "-")
	if code != 1 || noDurations(out) != "file,program,kernel,verdict,errno,error,insn,processed,total_states,peak_states,max_states_per_insn,duration_ns\n"+
		"standard input,,6.18,reject,EACCES,R0 !read_ok,2,2,0,0,0,D\n" {
		t.Errorf("stat -: exit %d, stderr %q\n%s", code, errs, out)
	}
	code, out, _ = runCLI(t, nil, "help", "stat")
	if code != 0 || !strings.HasPrefix(out, "usage: verisim stat [flags] FILE...") || !strings.Contains(out, "-compare") || !strings.Contains(out, "-output") {
		t.Errorf("help stat: exit %d\n%s", code, out)
	}
	if _, out, _ := runCLI(t, nil, "help"); !strings.Contains(out, "\n  stat     one row per program") {
		t.Errorf("usage does not list stat:\n%s", out)
	}
}
