package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/verifier"
)

// statSide is one verification of a stat row: the result under one
// profile and the simulator's wall time for it, or the input error that
// left no result.
type statSide struct {
	kernel string
	res    verifier.Result
	dur    time.Duration
	err    error
}

func (s statSide) verdict() string {
	if s.err != nil {
		return "error"
	}
	return s.res.Verdict.String()
}

// stats reports whether the side has the numbers of a "processed" line.
func (s statSide) stats() bool { return s.err == nil && s.res.Stats.Printed }

// statRow is one program (or raw stream) of stat's output, with one side
// per profile.
type statRow struct {
	file, program string
	// noProgram: the FILE gave no program to verify (every side is an
	// input error), so the row counts as no program in the totals.
	noProgram bool
	sides     []statSide
}

// statLogLevel is the log level stat verifies at: the statistics lines
// and the error, nothing per instruction, so that the duration is the
// verification's.
const statLogLevel = verifier.LogLevelStats

// cmdStat is "verisim stat [verify's flags] FILE...": one row per program,
// as a table, CSV or JSON Lines (veristat's habit); --compare runs two
// profiles side by side.
func cmdStat(args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	v := newVerifyFlags("stat", stderr)
	output := v.fs.String("output", "table", "output format: table (aligned, with a totals line), csv (with a header row) or json (JSON Lines, the same as --json)")
	compare := v.fs.Bool("compare", false, "verify under two profiles (--kernel A,B, default "+defaultPair+") and show them side by side")
	v.fs.Lookup("kernel").Usage = "kernel profile: " + strings.Join(profileNames(), " or ") + "; with --compare the two to compare, A,B"
	ll := v.fs.Lookup("log-level")
	ll.Usage, ll.DefValue = "refused: stat prints no log, and no column depends on the log level", "0"
	files, err := v.parse(args)
	if err != nil {
		return v.fail(stdout, err)
	}
	switch *output {
	case "table", "csv", "json":
	default:
		return v.fail(stdout, usagef("--output %q: want table, csv or json", *output))
	}
	if *v.json && v.set["output"] && *output != "json" {
		return v.fail(stdout, usagef("--json and --output %s disagree: --json is --output json", *output))
	}
	if *v.json {
		*output = "json"
	}
	*v.json = *output == "json"
	if v.set["log-level"] {
		return v.fail(stdout, usagef("--log-level does not apply to stat: it prints no log, and no column depends on the log level"))
	}
	if *compare {
		v.pair = true
		if !v.set["kernel"] {
			*v.kernel = defaultPair
		}
	}
	ps, err := v.profiles()
	if err != nil {
		return v.fail(stdout, err)
	}
	// Each side is what "verisim stat --kernel X" gives: the profile's
	// own relocation of an object and its own shipped kernel data.
	cfgs := make([]verifier.Config, len(ps))
	opts := make([]btfctx.Options, len(ps))
	for i, p := range ps {
		if cfgs[i], opts[i], err = v.config(p); err != nil {
			return v.fail(stdout, err)
		}
		cfgs[i].LogLevel = statLogLevel
		// Parse the kernel data now, so that the first verification to
		// need it is not timed with the parse. "host" stays read when a
		// check first needs it, as verify reads it.
		if opts[i].Vmlinux != nil && *v.btf != "host" {
			opts[i].Vmlinux() // an error comes back when a check needs it
		}
		if opts[i].Kallsyms != nil && *v.kallsyms != "host" {
			opts[i].Kallsyms()
		}
	}
	status := exitAccept
	report := func(err error) {
		status = worse(status, exitUsage)
		fmt.Fprintf(stderr, "verisim: %v\n", err)
	}
	var rows []statRow
	for _, f := range files {
		in, err := readInput(f, *v.format, stdin)
		if err != nil {
			report(err)
			row := statRow{file: displayName(f), noProgram: true}
			for _, p := range ps {
				row.sides = append(row.sides, statSide{kernel: p.Name, err: err})
			}
			rows = append(rows, row)
			continue
		}
		rows = append(rows, v.statFile(in, ps, cfgs, opts, report)...)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].file != rows[j].file {
			return rows[i].file < rows[j].file
		}
		return rows[i].program < rows[j].program
	})
	status = worse(status, statStatus(rows))
	var werr error
	switch {
	case *output == "json":
		werr = statJSON(stdout, rows)
	case *output == "csv":
		werr = statCSV(stdout, rows, ps)
	default:
		werr = statTable(stdout, rows, ps)
	}
	if werr != nil {
		return exitUsage, werr
	}
	return status, nil
}

// statStatus is the exit status of the rows, as verify's over every
// side (worse), and with two sides exitReject when any row differs.
func statStatus(rows []statRow) int {
	status := exitAccept
	for _, r := range rows {
		for _, s := range r.sides {
			if s.err != nil {
				status = worse(status, exitUsage)
			} else {
				status = worse(status, statusOf(s.res.Verdict))
			}
		}
		if len(r.sides) == 2 && differ(r.sides[0], r.sides[1]) != "no" {
			status = worse(status, exitReject)
		}
	}
	return status
}

// statFile verifies every program of one FILE under each profile and
// returns its rows, one per program, sorted by program.
func (v *verifyFlags) statFile(in input, ps []*verifier.Profile, cfgs []verifier.Config, opts []btfctx.Options, report func(error)) []statRow {
	sides := make([]map[string]statSide, len(ps))
	fileErr := make([]error, len(ps))
	reported := map[string]bool{}
	once := func(err error) {
		if !reported[err.Error()] {
			reported[err.Error()] = true
			report(err)
		}
	}
	var names []string
	for i := range ps {
		sides[i] = map[string]statSide{}
		ts, err := v.targetsOf(in, cfgs[i], opts[i])
		if err != nil {
			fileErr[i] = err
			once(err)
			continue
		}
		for _, t := range ts {
			if !slices.Contains(names, t.program) {
				names = append(names, t.program)
			}
			s := statSide{kernel: ps[i].Name}
			start := time.Now()
			s.res, s.err = verifier.Verify(t.slots, t.cfg)
			s.dur = time.Since(start)
			if s.err != nil {
				where := t.file
				if t.program != "" {
					where += ": program " + t.program
				}
				s.err = fmt.Errorf("%s: %w", where, s.err)
				once(s.err)
			}
			sides[i][t.program] = s
		}
	}
	if len(names) == 0 {
		row := statRow{file: in.name, noProgram: true}
		for i, p := range ps {
			row.sides = append(row.sides, statSide{kernel: p.Name, err: fileErr[i]})
		}
		return []statRow{row}
	}
	sort.Strings(names)
	var rows []statRow
	for _, n := range names {
		row := statRow{file: in.name, program: n}
		for i, p := range ps {
			s, ok := sides[i][n]
			if !ok {
				err := fileErr[i]
				if err == nil {
					err = fmt.Errorf("%s: no program %s under %s", in.name, n, p.Name)
				}
				s = statSide{kernel: p.Name, err: err}
			}
			row.sides = append(row.sides, s)
		}
		rows = append(rows, row)
	}
	return rows
}

// differ says how the two sides of a --compare row differ: "verdict",
// "error" (the same verdict, but a different errno, error line or
// instruction), "stats" (the same outcome, different statistics) or "no".
func differ(a, b statSide) string {
	if a.verdict() != b.verdict() {
		return "verdict"
	}
	if a.err != nil {
		if a.err.Error() != b.err.Error() {
			return "error"
		}
		return "no"
	}
	ra, rb := a.res, b.res
	if ra.Errno != rb.Errno || ra.Message != rb.Message || ra.Insn != rb.Insn {
		return "error"
	}
	if a.stats() != b.stats() || a.stats() && ra.Stats != rb.Stats {
		return "stats"
	}
	return "no"
}

// The table's message column is cut to this many characters.
const statMessageWidth = 48

// shorten cuts s to n characters, marking the cut with "...".
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-3]) + "..."
}

// message is the side's error line, or its input error; without the
// file name the row already shows when file is not "".
func (s statSide) message(file string) string {
	if s.err != nil && file != "" {
		return strings.TrimPrefix(s.err.Error(), file+": ")
	}
	if s.err != nil {
		return s.err.Error()
	}
	return s.res.Message
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// formatDuration prints a verification's wall time with three significant
// digits or so: 4.2µs, 1.25ms, 2.10s.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}

// statTable writes the rows aligned, with a header row and a totals line.
func statTable(w io.Writer, rows []statRow, ps []*verifier.Profile) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells ...string) { fmt.Fprintln(tw, strings.Join(cells, "\t")) }
	if len(ps) == 1 {
		line("file", "program", "verdict", "errno", "message", "insn", "processed", "total_states", "peak_states", "max_states_per_insn", "duration")
		for _, r := range rows {
			s := r.sides[0]
			errno, insn, stats, dur := "-", "-", []string{"-", "-", "-", "-"}, "-"
			if s.err == nil {
				errno, dur = dash(s.res.Errno.String()), formatDuration(s.dur)
				if s.res.Insn >= 0 {
					insn = strconv.Itoa(s.res.Insn)
				}
			}
			if s.stats() {
				st := s.res.Stats
				stats = []string{strconv.Itoa(st.Processed), strconv.Itoa(st.TotalStates), strconv.Itoa(st.PeakStates), strconv.Itoa(st.MaxStatesPerInsn)}
			}
			line(append([]string{r.file, dash(r.program), s.verdict(), errno, dash(shorten(s.message(r.file), statMessageWidth)), insn}, append(stats, dur)...)...)
		}
	} else {
		a, b := ps[0].Name, ps[1].Name
		line("file", "program", "verdict ("+a+")", "verdict ("+b+")", "processed ("+a+")", "processed ("+b+")", "differ")
		for _, r := range rows {
			processed := func(s statSide) string {
				if !s.stats() {
					return "-"
				}
				return strconv.Itoa(s.res.Stats.Processed)
			}
			l, rt := r.sides[0], r.sides[1]
			line(r.file, dash(r.program), l.verdict(), rt.verdict(), processed(l), processed(rt), differ(l, rt))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, statTotals(rows, ps))
	return err
}

// statTotals is the table's last line: the programs, and per profile how
// many were accepted, rejected, unsupported (and oopsed, and could not be
// verified, when any were).
func statTotals(rows []statRow, ps []*verifier.Profile) string {
	programs, differs := 0, 0
	for _, r := range rows {
		if !r.noProgram {
			programs++
		}
		if len(r.sides) == 2 && differ(r.sides[0], r.sides[1]) != "no" {
			differs++
		}
	}
	tally := func(i int) string {
		n := map[string]int{}
		for _, r := range rows {
			n[r.sides[i].verdict()]++
		}
		out := fmt.Sprintf("%d accepted, %d rejected, %d unsupported", n["accept"], n["reject"], n["unsupported"])
		if n["oops"] > 0 {
			out += fmt.Sprintf(", %d oops", n["oops"])
		}
		if n["error"] > 0 {
			out += fmt.Sprintf(", %d input %s", n["error"], plural(n["error"], "error"))
		}
		return out
	}
	if len(ps) == 1 {
		return fmt.Sprintf("total (%s): %d %s, %s", ps[0].Name, programs, plural(programs, "program"), tally(0))
	}
	return fmt.Sprintf("total: %d %s, %d differ; %s: %s; %s: %s", programs, plural(programs, "program"), differs, ps[0].Name, tally(0), ps[1].Name, tally(1))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// statCSV writes the rows as CSV with a header row: every cell in full,
// empty where the table shows "-".
func statCSV(w io.Writer, rows []statRow, ps []*verifier.Profile) error {
	cw := csv.NewWriter(w)
	if len(ps) == 1 {
		cw.Write([]string{"file", "program", "kernel", "verdict", "errno", "error", "insn", "processed", "total_states", "peak_states", "max_states_per_insn", "duration_ns"})
		for _, r := range rows {
			s := r.sides[0]
			rec := []string{r.file, r.program, s.kernel, s.verdict(), "", s.message(""), "", "", "", "", "", ""}
			if s.err == nil {
				rec[4], rec[6], rec[11] = s.res.Errno.String(), strconv.Itoa(s.res.Insn), strconv.FormatInt(int64(s.dur), 10)
			}
			if s.stats() {
				st := s.res.Stats
				rec[7], rec[8], rec[9], rec[10] = strconv.Itoa(st.Processed), strconv.Itoa(st.TotalStates), strconv.Itoa(st.PeakStates), strconv.Itoa(st.MaxStatesPerInsn)
			}
			cw.Write(rec)
		}
	} else {
		a, b := ps[0].Name, ps[1].Name
		cw.Write([]string{"file", "program", "verdict_" + a, "verdict_" + b, "processed_" + a, "processed_" + b, "differ"})
		for _, r := range rows {
			processed := func(s statSide) string {
				if !s.stats() {
					return ""
				}
				return strconv.Itoa(s.res.Stats.Processed)
			}
			l, rt := r.sides[0], r.sides[1]
			cw.Write([]string{r.file, r.program, l.verdict(), rt.verdict(), processed(l), processed(rt), differ(l, rt)})
		}
	}
	cw.Flush()
	return cw.Error()
}

// statSideJSON is one verification in stat's JSON (docs/json.md, stat).
type statSideJSON struct {
	Kernel           string `json:"kernel"`
	Verdict          string `json:"verdict"`
	Accepted         bool   `json:"accepted"`
	Errno            string `json:"errno"`
	Error            string `json:"error"`
	Insn             int    `json:"insn"`
	Processed        *int   `json:"processed"`
	TotalStates      *int   `json:"total_states"`
	PeakStates       *int   `json:"peak_states"`
	MaxStatesPerInsn *int   `json:"max_states_per_insn"`
	DurationNS       int64  `json:"duration_ns"`
}

// statRowJSON is a row of stat --json.
type statRowJSON struct {
	File    string `json:"file"`
	Program string `json:"program,omitempty"`
	statSideJSON
}

// statErrorJSON is a row, or a side of one, that has no result: the
// input error object of docs/json.md, with the program and kernel when
// known.
type statErrorJSON struct {
	File       string `json:"file,omitempty"`
	Program    string `json:"program,omitempty"`
	Kernel     string `json:"kernel,omitempty"`
	Verdict    string `json:"verdict"`
	Accepted   bool   `json:"accepted"`
	InputError string `json:"input_error"`
}

// statCompareJSON is a row of stat --compare --json.
type statCompareJSON struct {
	File    string `json:"file"`
	Program string `json:"program,omitempty"`
	Sides   []any  `json:"sides"`
	Differ  string `json:"differ"`
}

func (s statSide) json() statSideJSON {
	j := statSideJSON{Kernel: s.kernel, Verdict: s.verdict(), Accepted: s.res.Accepted(), Errno: s.res.Errno.String(),
		Error: s.res.Message, Insn: s.res.Insn, DurationNS: int64(s.dur)}
	if s.stats() {
		st := s.res.Stats
		j.Processed, j.TotalStates, j.PeakStates, j.MaxStatesPerInsn = &st.Processed, &st.TotalStates, &st.PeakStates, &st.MaxStatesPerInsn
	}
	return j
}

// statJSON writes one JSON object per row.
func statJSON(w io.Writer, rows []statRow) error {
	enc := json.NewEncoder(w)
	for _, r := range rows {
		var v any
		if len(r.sides) == 1 {
			s := r.sides[0]
			if s.err != nil {
				v = statErrorJSON{File: r.file, Program: r.program, Verdict: "error", InputError: s.err.Error()}
			} else {
				v = statRowJSON{File: r.file, Program: r.program, statSideJSON: s.json()}
			}
		} else {
			c := statCompareJSON{File: r.file, Program: r.program, Differ: differ(r.sides[0], r.sides[1])}
			for _, s := range r.sides {
				if s.err != nil {
					c.Sides = append(c.Sides, statErrorJSON{Kernel: s.kernel, Verdict: "error", InputError: s.err.Error()})
				} else {
					c.Sides = append(c.Sides, s.json())
				}
			}
			v = c
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
	return nil
}
