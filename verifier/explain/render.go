package explain

import (
	"fmt"
	"io"
	"strings"

	"github.com/verisim/verisim/insn"
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
	fmt.Fprintf(w, "%s %s (%s)\n", st.bold("profile"), ex.Profile, ex.Kernel)
	if len(ex.Passes) > 0 {
		fmt.Fprintln(w, st.bold("program checks"))
		for _, c := range ex.Passes {
			at := ""
			if c.Insn >= 0 {
				at = fmt.Sprintf(" (insn %d)", c.Insn)
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", st.mark(c.OK), c.Func, at, c.What)
		}
	}
	for _, s := range ex.Steps {
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
