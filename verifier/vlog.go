package verifier

import (
	"fmt"
	"strings"
)

// vlog is the verifier log buffer (struct bpf_verifier_log,
// kernel/bpf/log.c). It is a byte buffer because the kernel edits it as one:
// bpf_vlog_reset truncates it when a branch is popped at level 1 and
// print_insn_state removes the newline of the last instruction line to
// append "; state" to it. Size limits are not modeled: the simulated buffer
// never fills, so -ENOSPC never happens (the oracle uses a buffer large
// enough for that to hold there too).
type vlog struct {
	level uint32
	buf   []byte

	// prevLogPos and prevInsnPrintPos mirror env->prev_log_pos and
	// env->prev_insn_print_pos.
	prevLogPos       int
	prevInsnPrintPos int
}

// Log levels (BPF_LOG_LEVEL1, BPF_LOG_LEVEL2).
const (
	logLevel1 = 1
	logLevel2 = 2
)

func (l *vlog) level2() bool   { return l.level&logLevel2 != 0 }
func (l *vlog) anyLevel() bool { return l.level&(logLevel1|logLevel2) != 0 }

func (l *vlog) printf(format string, args ...any) {
	if l.level == 0 {
		return
	}
	l.buf = fmt.Appendf(l.buf, format, args...)
}

func (l *vlog) write(s string) {
	if l.level == 0 {
		return
	}
	l.buf = append(l.buf, s...)
}

func (l *vlog) pos() int { return len(l.buf) }

// reset is bpf_vlog_reset: truncate to pos.
func (l *vlog) reset(pos int) {
	if pos < len(l.buf) {
		l.buf = l.buf[:pos]
	}
}

// lines splits the buffer at newlines; a final line without newline is
// kept.
func (l *vlog) lines() []string {
	if len(l.buf) == 0 {
		return nil
	}
	s := strings.TrimSuffix(string(l.buf), "\n")
	return strings.Split(s, "\n")
}

// alignment is vlog_alignment (kernel/bpf/log.c): the width of the blank
// run before the ';' of an inline state, for an instruction line of pos
// bytes including its newline.
func alignment(pos int) int {
	const minAlign, align = 8, 40 // BPF_LOG_MIN_ALIGNMENT, BPF_LOG_ALIGNMENT
	w := max(pos+minAlign/2, align)
	w = (w + minAlign - 1) / minAlign * minAlign
	return w - pos - 1
}
