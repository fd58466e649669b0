package verifier

import (
	"errors"
	"fmt"
	"syscall"
)

// Sentinel errors that Result.Err wraps for the verdicts that are not the
// kernel's own rejection.
var (
	// ErrNoVerdict: no verification ran (a zero Result, or one returned
	// together with an error).
	ErrNoVerdict = errors.New("verisim: no verdict")
	// ErrUnsupported: verification reached something verisim does not
	// model, so the kernel's answer is unknown. It wraps
	// errors.ErrUnsupported.
	ErrUnsupported = fmt.Errorf("verisim: not modeled: %w", errors.ErrUnsupported)
	// ErrOops: the modeled kernel would crash (the RFC's NULL
	// dereferences).
	ErrOops = errors.New("verisim: the modeled kernel would crash")
)

// Error is a Result that is not accepted, as a Go error (Result.Err). It
// unwraps to the syscall.Errno bpf(2) would return for a rejection, so
// errors.Is(err, unix.EACCES) works as it does with cilium/ebpf's
// ebpf.NewProgram, and to ErrUnsupported, ErrOops or ErrNoVerdict
// otherwise.
type Error struct {
	Verdict Verdict
	Errno   Errno
	// Message is Result.Message: the kernel's error line.
	Message string
	// Insn is Result.Insn.
	Insn int
	// Log is Result.Log.
	Log []string
}

// Error is the one-line form of Result.String.
func (e *Error) Error() string {
	return Result{Verdict: e.Verdict, Errno: e.Errno, Message: e.Message, Insn: e.Insn}.String()
}

// Unwrap returns the errno (as a syscall.Errno) of a rejection, or the
// sentinel of the other verdicts.
func (e *Error) Unwrap() error {
	switch e.Verdict {
	case Reject:
		if e.Errno != 0 {
			return e.Errno.Syscall()
		}
		return nil
	case Unsupported:
		return ErrUnsupported
	case Oops:
		return ErrOops
	}
	return ErrNoVerdict
}

// Err returns nil when the program is accepted, and an *Error otherwise.
func (r Result) Err() error {
	if r.Verdict == Accept {
		return nil
	}
	return &Error{Verdict: r.Verdict, Errno: r.Errno, Message: r.Message, Insn: r.Insn, Log: r.Log}
}

// String is the result in one line: "accept", "reject (EACCES, insn 2):
// R0 !read_ok", "unsupported (insn 4): ...", "none".
func (r Result) String() string {
	s := r.Verdict.String()
	var in string
	if r.Verdict == Reject && r.Errno != 0 {
		in = r.Errno.String()
	}
	if r.Verdict != Accept && r.Verdict != NoVerdict && r.Insn >= 0 {
		if in != "" {
			in += ", "
		}
		in += fmt.Sprintf("insn %d", r.Insn)
	}
	if in != "" {
		s += " (" + in + ")"
	}
	if r.Message != "" && r.Verdict != Accept {
		s += ": " + r.Message
	}
	return s
}

// Syscall returns e as the syscall.Errno (and so unix.Errno) bpf(2)
// returns.
func (e Errno) Syscall() syscall.Errno { return syscall.Errno(e) }
