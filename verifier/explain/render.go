package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// Style is how text is rendered: plain, or with ANSI colours.
type Style struct{ Color bool }

func (s Style) paint(code, text string) string {
	if !s.Color {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func (s Style) bold(t string) string  { return s.paint("1", t) }
func (s Style) green(t string) string { return s.paint("32", t) }
func (s Style) red(t string) string   { return s.paint("31", t) }
func (s Style) dim(t string) string   { return s.paint("2", t) }

func (s Style) mark(ok bool) string {
	if ok {
		return s.green("ok  ")
	}
	return s.red("FAIL")
}

func slotLine(i int, f Fields, ld bool) string {
	src := fmt.Sprint(f.Src)
	if name := insn.PseudoName(f.Src); name != "" && ld && i == 0 {
		src += " (" + name + ")"
	}
	return fmt.Sprintf("insn[%d]: code %#02x dst_reg %d src_reg %s off %d imm %d (%#x)", i, f.Code, f.Dst, src, f.Off, f.Imm, uint32(f.Imm))
}

// verdictLine is "accept", "reject (EINVAL, insn 3): message", ...
func verdictLine(verdict, errno, msg string, at int) string {
	s := verdict
	var in []string
	if errno != "" {
		in = append(in, errno)
	}
	if at >= 0 {
		in = append(in, fmt.Sprintf("insn %d", at))
	}
	if len(in) > 0 {
		s += " (" + strings.Join(in, ", ") + ")"
	}
	if msg != "" {
		s += ": " + msg
	}
	return s
}

// Render writes the explanation as text.
func (ex Explanation) Render(w io.Writer, st Style) {
	t := &textSink{w: w, st: st}
	t.header(&ex)
	t.passes(ex.Passes)
	for _, s := range ex.Steps {
		t.step(s)
	}
	t.end(&ex)
}

// textSink writes an explanation as text, piece by piece.
type textSink struct {
	w  io.Writer
	st Style
}

func (t *textSink) header(ex *Explanation) {
	fmt.Fprintf(t.w, "%s %s (%s)\n", t.st.bold("profile"), ex.Profile, ex.Kernel)
	flush(t.w)
}

// flush flushes a buffered writer, so that the first lines appear before
// the passes over a large program are done.
func flush(w io.Writer) {
	if f, ok := w.(interface{ Flush() error }); ok {
		f.Flush()
	}
}

func (t *textSink) passes(cs []verifier.Check) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintln(t.w, t.st.bold("program checks"))
	for _, c := range cs {
		at := ""
		if c.Insn >= 0 {
			at = fmt.Sprintf(" (insn %d)", c.Insn)
		}
		fmt.Fprintf(t.w, "  %s %s%s: %s\n", t.st.mark(c.OK), c.Func, at, c.What)
	}
}

func (t *textSink) step(s Step) {
	w, st := t.w, t.st
	if s.From >= 0 {
		fmt.Fprintln(w, st.dim(fmt.Sprintf("(from insn %d, a branch explored later)", s.From)))
	}
	fmt.Fprintf(w, "%s %s\n", st.bold(fmt.Sprintf("insn %d:", s.Insn)), s.Text)
	ld := len(s.Slots) == 2 && s.Slots[0].Code == insn.CodeLdImm64
	for i, f := range s.Slots {
		fmt.Fprintf(w, "  %s\n", slotLine(i, f, ld))
	}
	for _, d := range s.Decode {
		fmt.Fprintf(w, "  %s\n", d)
	}
	for _, g := range s.Checks {
		fmt.Fprintf(w, "  %s\n", g.Func)
		for _, c := range g.Checks {
			fmt.Fprintf(w, "    %s %s\n", st.mark(c.OK), c.What)
		}
	}
	for _, r := range s.Regs {
		fmt.Fprintf(w, "  r%d: %s -> %s\n", r.Reg, r.Before, r.After)
	}
}

func (t *textSink) abort(error) {}

func (t *textSink) end(ex *Explanation) error {
	w, st := t.w, t.st
	v := verdictLine(ex.Verdict, ex.Errno, ex.Error, ex.Insn)
	if ex.Verdict == "accept" {
		v = st.green(v)
	} else {
		v = st.red(v)
	}
	fmt.Fprintf(w, "%s %s\n", st.bold("verdict:"), v)
	if ex.Why != "" {
		fmt.Fprintf(w, "%s %s\n", st.bold("why:"), ex.Why)
	}
	if ex.Fix != "" {
		fmt.Fprintf(w, "%s %s\n", st.bold("fix:"), ex.Fix)
	}
	return nil
}

// jsonSink writes an explanation as one JSON object while it is built:
// the meta fields, profile and passes, the steps one by one, then the
// verdict. It keeps the first write error and reports it at the end.
type jsonSink struct {
	w        io.Writer
	embedded bool // inside another object: no newline at the end
	meta     Meta
	nsteps   int
	err      error
	ex       *Explanation
}

// raw is JSON syntax written as it is; every other part is marshalled.
type raw string

func (j *jsonSink) write(parts ...any) {
	for _, p := range parts {
		if j.err != nil {
			return
		}
		if s, ok := p.(raw); ok {
			_, j.err = io.WriteString(j.w, string(s))
			continue
		}
		var b []byte
		b, j.err = json.Marshal(p)
		if j.err == nil {
			_, j.err = j.w.Write(b)
		}
	}
}

func (j *jsonSink) header(ex *Explanation) {
	j.write(raw("{"))
	for _, f := range [][2]string{{"file", j.meta.File}, {"program", j.meta.Program}, {"section", j.meta.Section}} {
		if f[1] != "" {
			j.write(raw(`"`+f[0]+`":`), f[1], raw(","))
		}
	}
	j.write(raw(`"profile":`), ex.Profile, raw(`,"kernel":`), ex.Kernel)
	flush(j.w)
}

func (j *jsonSink) passes(cs []verifier.Check) {
	if cs == nil {
		cs = []verifier.Check{}
	}
	j.write(raw(`,"passes":`), cs, raw(`,"steps":[`))
	j.ex = &Explanation{} // the steps array is open
}

func (j *jsonSink) step(s Step) {
	if j.nsteps > 0 {
		j.write(raw(","))
	}
	j.nsteps++
	j.write(s)
}

// close ends the object, and the line unless it is embedded in another.
func (j *jsonSink) close() {
	if j.embedded {
		j.write(raw("}"))
		return
	}
	j.write(raw("}\n"))
}

// abort closes the object, so the output stays one JSON object per line.
func (j *jsonSink) abort(err error) {
	if j.nsteps == 0 && j.ex == nil {
		j.write(raw(`,"passes":[],"steps":[`))
	}
	j.write(raw(`],"verdict":"none","input_error":`), err.Error())
	j.close()
}

func (j *jsonSink) end(ex *Explanation) error {
	j.write(raw(`],"verdict":`), ex.Verdict, raw(`,"errno":`), ex.Errno, raw(`,"error":`), ex.Error, raw(`,"insn":`), ex.Insn)
	if ex.Why != "" {
		j.write(raw(`,"why":`), ex.Why)
	}
	if ex.Fix != "" {
		j.write(raw(`,"fix":`), ex.Fix)
	}
	j.close()
	return j.err
}

// Render writes the diff as text: each profile's verdict, where they part
// and the kernel changes behind it.
func (d Diff) Render(w io.Writer, st Style) {
	for _, s := range d.Sides {
		fmt.Fprintf(w, "%s %s\n", st.bold(fmt.Sprintf("%-5s", s.Profile+":")), verdictLine(s.Verdict, s.Errno, s.Error, s.Insn))
	}
	if d.Same {
		fmt.Fprintln(w, "same verdict, errno, error line and instruction")
	}
	if len(d.Divergences) > 0 {
		fmt.Fprintln(w, st.bold("where they part"))
		for _, x := range d.Divergences {
			fmt.Fprintf(w, "  %s\n", x)
		}
	}
	if len(d.Changes) > 0 {
		fmt.Fprintln(w, st.bold("kernel changes"))
		for _, c := range d.Changes {
			id := c.Version
			if c.Commit != "" {
				id += " " + c.Commit
			}
			fmt.Fprintf(w, "  %s %q: %s\n", id, c.Title, c.What)
		}
	}
}
