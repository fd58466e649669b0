package verifier

import (
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/verisim/verisim/regstate"
)

// Verdict is the outcome of a verification.
type Verdict uint8

// Verdicts. The zero value is NoVerdict, so a Result that was never
// filled in (or came back with an error) is never accepted.
const (
	// NoVerdict: no verification ran (Verify returned an error, or the
	// Result is a zero value).
	NoVerdict Verdict = iota
	// Accept: the kernel would load the program.
	Accept
	// Reject: the kernel refuses the program with Result.Errno.
	Reject
	// Oops: the modeled kernel would crash (the RFC's NULL dereferences);
	// Result.Message explains the defect.
	Oops
	// Unsupported: verification reached something verisim does not model;
	// the kernel's answer is unknown.
	Unsupported
)

var verdictNames = [...]string{"none", "accept", "reject", "oops", "unsupported"}

// String returns "none", "accept", "reject", "oops" or "unsupported".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return fmt.Sprintf("Verdict(%d)", uint8(v))
}

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if n == string(b) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("unknown verdict %q", b)
}

// Errno is a Linux errno value as returned by bpf(2). Zero means success.
type Errno int

// Errno values used by the verifier (x86-64 numbers).
const (
	EPERM      Errno = 1
	ENOENT     Errno = 2
	ENXIO      Errno = 6
	E2BIG      Errno = 7
	EBADF      Errno = 9
	EAGAIN     Errno = 11
	ENOMEM     Errno = 12
	EACCES     Errno = 13
	EFAULT     Errno = 14
	EBUSY      Errno = 16
	EINVAL     Errno = 22
	ENOSPC     Errno = 28
	ERANGE     Errno = 34
	EPROTO     Errno = 71
	EOPNOTSUPP Errno = 95
	ENOTSUPP   Errno = 524 // kernel-internal, seen by userspace as 524
)

var errnoNames = map[Errno]string{
	EPERM: "EPERM", ENOENT: "ENOENT", ENXIO: "ENXIO", E2BIG: "E2BIG", EBADF: "EBADF", EAGAIN: "EAGAIN",
	ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EINVAL: "EINVAL",
	ENOSPC: "ENOSPC", ERANGE: "ERANGE", EPROTO: "EPROTO", EOPNOTSUPP: "EOPNOTSUPP", ENOTSUPP: "ENOTSUPP",
}

// String returns the errno.h name ("EINVAL"), "" for 0, or "errno N".
func (e Errno) String() string {
	if e == 0 {
		return ""
	}
	if s, ok := errnoNames[e]; ok {
		return s
	}
	return fmt.Sprintf("errno %d", int(e))
}

// ParseErrno is the inverse of String.
func ParseErrno(s string) (Errno, error) {
	if s == "" {
		return 0, nil
	}
	for e, n := range errnoNames {
		if n == s {
			return e, nil
		}
	}
	var n int
	if _, err := fmt.Sscanf(s, "errno %d", &n); err == nil {
		return Errno(n), nil
	}
	return 0, fmt.Errorf("unknown errno %q", s)
}

// Result is the outcome of Verify: the kernel's verdict, errno, message and
// log for the modeled profile.
type Result struct {
	Verdict Verdict
	// Errno is the error bpf(BPF_PROG_LOAD) returns; 0 when accepted, and
	// for Oops and Unsupported.
	Errno Errno
	// Message is the line the kernel prints for this rejection, without
	// newline, or "" when it prints none (E2BIG for an empty program, say).
	// For Oops and Unsupported it is verisim's explanation.
	Message string
	// MessageID is Message's entry in the catalog (MsgID.Info: its
	// format and kernel function); MsgNone for no message, and for Oops
	// and Unsupported.
	MessageID MsgID
	// Insn is the index of the instruction do_check was checking, or -1
	// when the verdict came from an earlier pass or from success.
	Insn int
	// Log is the verifier log split into lines, as the kernel would fill the
	// buffer at Config.LogLevel (kernel addresses are the simulator's own).
	Log []string
	// Stats are the numbers of the "processed ..." line.
	Stats Stats
	// Steps holds the register state after each processed instruction, in
	// processing order, when Config.KeepStates is set.
	Steps []Step
	// Checks lists, in the order the kernel makes them, the checks that
	// ran, when Config.Explain is set. The last one failed if the verdict
	// is not Accept.
	Checks []Check
}

// Check is one check the verifier made.
type Check struct {
	// Insn is the instruction checked, or -1 for the whole program.
	Insn int `json:"insn"`
	// Step is the index in Result.Steps of the do_check step that made the
	// check, or -1 for the passes before do_check.
	Step int `json:"step"`
	// Func is the kernel function that makes the check.
	Func string `json:"func"`
	// What is the condition that held, or the kernel's message (or the
	// reason for an oops or an unsupported instruction) when it did not.
	What string `json:"what"`
	OK   bool   `json:"ok"`
}

// Accepted reports Verdict == Accept.
func (r Result) Accepted() bool { return r.Verdict == Accept }

// Stats are print_verification_stats' numbers.
type Stats struct {
	Processed        int
	MaxStatesPerInsn int
	TotalStates      int
	PeakStates       int
	// Printed reports whether print_verification_stats ran: false for a
	// load refused before bpf_check, an oops and an unsupported verdict.
	// At log level 0 the kernel logs nothing, but Printed still says the
	// numbers are the kernel's.
	Printed bool
}

// Step is one processed instruction: the register state before and after
// it. Prev is the instruction processed before it on this path (-1 at the
// start), which differs from the previous Step after a branch is popped.
type Step struct {
	Insn   int
	Prev   int
	Before [11]regstate.Reg
	Regs   [11]regstate.Reg
}

// LogLevel is bpf_attr.log_level. Its bits are the kernel's, and so
// cilium/ebpf's ebpf.LogLevel: convert with LogLevelOf and LogLevel.Ebpf.
type LogLevel uint32

// Log levels (BPF_LOG_LEVEL1, BPF_LOG_LEVEL2, BPF_LOG_STATS).
const (
	// LogLevelBranch logs the states at branches and the error.
	LogLevelBranch LogLevel = 1
	// LogLevelInstruction logs every instruction and state.
	LogLevelInstruction LogLevel = 2
	// LogLevelStats adds the "verification time" and "stack depth" lines
	// to the "processed" line; alone, the log holds the messages and those
	// lines only.
	LogLevelStats LogLevel = 4
)

// LogLevelFixed is BPF_LOG_FIXED (v6.4): a log that stops when full
// instead of rotating. The simulated log never fills, so it changes
// nothing here.
const LogLevelFixed LogLevel = 8

// Ebpf returns l as cilium/ebpf's log level.
func (l LogLevel) Ebpf() ebpf.LogLevel { return ebpf.LogLevel(l) }

// LogLevelOf converts a cilium/ebpf log level.
func LogLevelOf(l ebpf.LogLevel) LogLevel { return LogLevel(l) }
