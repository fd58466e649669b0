//go:build linux

package loader

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// Config is the load besides the instructions.
type Config struct {
	ProgType verifier.ProgType
	Decl     btfctx.Decl
	// LogLevel 1 or 2. Level 0 loads at level 1 (the message and insn
	// index are read from the log) and returns no log.
	LogLevel verifier.LogLevel
	// ProgFlags is bpf_attr.prog_flags (verifier.FlagStrictAlignment, ...).
	ProgFlags uint32
	// ExpectedAttachType is bpf_attr.expected_attach_type (enum
	// bpf_attach_type; 0 is BPF_CGROUP_INET_INGRESS, the kernel's default).
	ExpectedAttachType uint32
	// AttachBTFID is bpf_attr.attach_btf_id (of vmlinux: no attach fds).
	AttachBTFID uint32
	// BTF is the program's BTF and its func_info and line_info: the blob
	// is loaded with BPF_BTF_LOAD and passed as prog_btf_fd.
	BTF *btfctx.ProgBTF
	// License is bpf_attr.license; empty loads as "GPL", as every load
	// did before the field existed. Any string license_is_gpl_compatible
	// refuses ("Proprietary") makes the program non-GPL.
	License string

	btfFD int // set by placeAndLoad
}

// logSize is the log buffer: large enough that no modeled stream fills it
// (a filled level-1 log turns any result into ENOSPC).
const logSize = 64 << 20

var (
	mu     sync.Mutex // the fd table is process-global
	logBuf []byte     // reused under mu: the kernel ends the log with a NUL
)

type placed struct{ fds []int32 }

func (p *placed) closeAll() {
	for _, fd := range p.fds {
		unix.Close(int(fd))
	}
}

// Run loads slots into the running kernel. The error is for failures to
// set up the load (an fd in use, a map the kernel will not create, no
// bpf(2) at all), never for a rejection. Run does not check that the
// kernel is one a profile models: oracle.Run does.
func Run(slots []insn.Slot, cfg Config) (verifier.Result, error) {
	level := cfg.LogLevel
	if level == 0 {
		level = 1
	}
	res, err := placeAndLoad(slots, cfg, uint32(level))
	if err != nil {
		return verifier.Result{}, err
	}
	if cfg.LogLevel == 0 {
		res.Log = nil
	}
	return res, nil
}

var (
	// statsTail is the "processed" line at the end of a log line, also
	// where a message printed without a newline runs into it.
	statsTail = regexp.MustCompile(`processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read \d+$`)
)

var verificationTime = regexp.MustCompile(`^verification time (\d+) usec$`)

// VerificationTime loads slots with BPF_LOG_STATS and returns the
// verifier's own "verification time" figure (microsecond resolution) and
// the load's result.
func VerificationTime(slots []insn.Slot, cfg Config) (time.Duration, verifier.Result, error) {
	const logStats = 4 // BPF_LOG_STATS
	res, err := placeAndLoad(slots, cfg, logStats)
	if err != nil {
		return 0, res, err
	}
	for _, l := range res.Log {
		if m := verificationTime.FindStringSubmatch(l); m != nil {
			us, _ := strconv.ParseInt(m[1], 10, 64)
			return time.Duration(us) * time.Microsecond, res, nil
		}
	}
	return 0, res, fmt.Errorf("no verification time in the log: %q", res.Log)
}

// placeAndLoad places the declared fds and fd_array, loads slots at log
// level, and closes everything it opened.
func placeAndLoad(slots []insn.Slot, cfg Config, level uint32) (verifier.Result, error) {
	mu.Lock()
	defer mu.Unlock()
	var pl placed
	defer pl.closeAll()
	if err := setup(slots, cfg.Decl, &pl); err != nil {
		return verifier.Result{}, err
	}
	var fdArray *int32
	if cfg.Decl.HasFDArray {
		mem, arr, err := pageEndArray(cfg.Decl.FDArray)
		if err != nil {
			return verifier.Result{}, err
		}
		defer unix.Munmap(mem)
		fdArray = arr
	}
	if logBuf == nil {
		logBuf = make([]byte, logSize)
	}
	if cfg.BTF != nil {
		fd, err := progBTFFD(cfg.BTF.Raw)
		if err != nil {
			return verifier.Result{}, fmt.Errorf("program BTF: %w", err)
		}
		pl.fds = append(pl.fds, int32(fd))
		cfg.btfFD = fd
	}
	logBuf[0] = 0
	return load(slots, cfg, level, logBuf, fdArray)
}

// progBTFFD loads the program's BTF at an fd no stream names (>= 3000),
// so that the fds a stream expects closed stay closed.
func progBTFFD(raw []byte) (int, error) {
	fd, err := loadBTFBytes(raw)
	if err != nil {
		return -1, err
	}
	high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3000)
	unix.Close(fd)
	return high, err
}

// setup places every declared fd and checks that the other fds the stream
// names are closed.
func setup(slots []insn.Slot, d btfctx.Decl, pl *placed) error {
	declared := map[int32]bool{}
	claim := func(fd int32) error {
		if t, open := fdTarget(fd); open {
			return fmt.Errorf("fd %d: %w (%s)", fd, errBusy, t)
		}
		return nil
	}
	for _, m := range d.Maps {
		declared[m.FD] = true
		if err := claim(m.FD); err != nil {
			return err
		}
		inner := 0
		if needsInner(m.Type) {
			in, err := createMap(btfctx.Map{Type: btfctx.MapArray, KeySize: 4, ValueSize: 4, MaxEntries: 1}, 0)
			if err != nil {
				return err
			}
			defer unix.Close(in)
			inner = in
		}
		fd, err := createMap(m.Map, inner)
		if err != nil {
			return err
		}
		if err := place(fd, m.FD); err != nil {
			return err
		}
		pl.fds = append(pl.fds, m.FD)
	}
	for _, b := range d.BTFs {
		declared[b.FD] = true
		if err := claim(b.FD); err != nil {
			return err
		}
		var fd int
		var err error
		if b.Source == "vmlinux" {
			fd, err = vmlinuxBTFFD()
		} else {
			fd, err = loadBTF(b.Source)
		}
		if err != nil {
			return err
		}
		if err := place(fd, b.FD); err != nil {
			return err
		}
		pl.fds = append(pl.fds, b.FD)
	}
	for _, fd := range d.Files {
		declared[fd] = true
		if t, open := fdTarget(fd); open {
			if isBPFObject(t) {
				return fmt.Errorf("fd %d: declared a non-BPF file but is %s", fd, t)
			}
			continue // already an open non-BPF file (stdout, say): use it
		}
		nf, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		if err := place(nf, fd); err != nil {
			return err
		}
		pl.fds = append(pl.fds, fd)
	}
	// Every other fd the stream can name must be closed here too.
	check := func(fd int32) error {
		if declared[fd] {
			return nil
		}
		if t, open := fdTarget(fd); open {
			return fmt.Errorf("fd %d is not declared (closed) but is open in this process: %s", fd, t)
		}
		return nil
	}
	for _, fd := range insn.FDs(slots) {
		if err := check(fd); err != nil {
			return err
		}
	}
	if d.HasFDArray {
		for _, fd := range d.FDArray {
			if err := check(fd); err != nil {
				return err
			}
		}
	}
	return nil
}

// pageEndArray copies fds to the end of a page and surrounds that page
// with inaccessible address space: insn[0].imm * sizeof(int) reaches 8 GiB
// either way, and every read there must fault, so the result never depends
// on what this process has mapped. The page before the array is filled with
// 0xff bytes: a small negative index reads fd -1. btfctx.Decl documents
// this layout and the simulator models it.
func pageEndArray(fds []int32) ([]byte, *int32, error) {
	ps := os.Getpagesize()
	const guard = 1 << 34
	mem, err := unix.Mmap(-1, 0, 2*guard+ps, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil, nil, err
	}
	page := mem[guard : guard+ps]
	if err := unix.Mprotect(page, unix.PROT_READ|unix.PROT_WRITE); err != nil {
		unix.Munmap(mem)
		return nil, nil, err
	}
	start := ps - 4*len(fds)
	if start < 0 {
		unix.Munmap(mem)
		return nil, nil, fmt.Errorf("fd_array of %d entries does not fit a page", len(fds))
	}
	for i := range page[:start] {
		page[i] = 0xff
	}
	for i, fd := range fds {
		*(*int32)(unsafe.Pointer(&page[start+4*i])) = fd
	}
	return mem, (*int32)(unsafe.Pointer(&mem[guard+start])), nil
}

func load(slots []insn.Slot, cfg Config, level uint32, buf []byte, fdArray *int32) (verifier.Result, error) {
	code := insn.Encode(slots)
	license := []byte("GPL\x00")
	if cfg.License != "" {
		license = append([]byte(cfg.License), 0)
	}
	a := progLoadAttr{
		progType:    uint32(cfg.ProgType),
		insnCnt:     uint32(len(slots)),
		license:     uint64(uintptr(unsafe.Pointer(&license[0]))),
		logLevel:    level,
		progFlags:   cfg.ProgFlags,
		expAttach:   cfg.ExpectedAttachType,
		attachBTFID: cfg.AttachBTFID,
	}
	var fi, li []byte
	if b := cfg.BTF; b != nil {
		a.progBTFFD = uint32(cfg.btfFD)
		fi, li = btfctx.EncodeFuncInfo(b.FuncInfo), btfctx.EncodeLineInfo(b.LineInfo)
		if len(fi) > 0 {
			a.funcRecSize, a.funcCnt = btfctx.FuncInfoSize, uint32(len(b.FuncInfo))
			a.funcInfo = uint64(uintptr(unsafe.Pointer(&fi[0])))
		}
		if len(li) > 0 {
			a.lineRecSize, a.lineCnt = btfctx.LineInfoSize, uint32(len(b.LineInfo))
			a.lineInfo = uint64(uintptr(unsafe.Pointer(&li[0])))
		}
	}
	if len(code) > 0 {
		a.insns = uint64(uintptr(unsafe.Pointer(&code[0])))
	}
	if len(buf) > 0 {
		a.logSize = uint32(len(buf))
		a.logBuf = uint64(uintptr(unsafe.Pointer(&buf[0])))
	} else {
		a.logLevel = 0
	}
	if fdArray != nil {
		a.fdArray = uint64(uintptr(unsafe.Pointer(fdArray)))
	}
	a.fdArrayCnt = cfg.Decl.FDArrayCnt
	var fd int
	var err error
	for tries := 0; ; tries++ {
		fd, err = bpf(cmdProgLoad, unsafe.Pointer(&a), unsafe.Sizeof(a))
		// do_check returns EAGAIN when a signal is pending (Go's
		// preemption signal, say): not the verifier's answer.
		if err != unix.EAGAIN || tries > 100 {
			break
		}
	}
	runtime.KeepAlive(fi)
	runtime.KeepAlive(li)
	if err == nil {
		unix.Close(fd)
	}
	res := verifier.Result{Verdict: verifier.Accept, Insn: -1}
	if n := bytes.IndexByte(buf, 0); n > 0 {
		res.Log = strings.Split(strings.TrimSuffix(string(buf[:n]), "\n"), "\n")
	}
	if err != nil {
		errno, ok := err.(unix.Errno)
		if !ok {
			return res, err
		}
		if errno == unix.ENOSPC {
			return res, ErrLogFull
		}
		res.Verdict = verifier.Reject
		res.Errno = verifier.Errno(errno)
		res.Message, res.Insn = messageOf(res.Log)
	}
	if st, ok := stats(res.Log); ok {
		res.Stats = st
	}
	return res, nil
}

// ErrLogFull is Run's error when the kernel's log filled the 64 MiB
// buffer (ENOSPC): the verdict is then unknown.
var ErrLogFull = errors.New("log buffer too small (ENOSPC)")

var (
	insnLine    = regexp.MustCompile(`^(\d+): `)
	stateLine   = regexp.MustCompile(`^\d+:( |$)`)
	propagating = regexp.MustCompile(`^frame \d+: propagating `)
	statsLine   = regexp.MustCompile(`^processed (\d+) insns \(limit \d+\) max_states_per_insn (\d+) total_states (\d+) peak_states (\d+) mark_read \d+$`)
)

// messageOf finds the kernel's error line and the do_check instruction in
// a rejection's log: the last line after the last instruction line that is
// not trace output, and that instruction's index (-1 when do_check never
// printed one: the error came from an earlier pass).
func messageOf(log []string) (string, int) {
	insnIdx, last := -1, -1
	for i, l := range log {
		// An instruction line is "N: (code) ...", or "N: BUG_..." for an
		// instruction print_bpf_insn cannot decode (kernel/bpf/disasm.c).
		if m := insnLine.FindStringSubmatch(l); m != nil && (strings.HasPrefix(l[len(m[0]):], "(") || strings.HasPrefix(l[len(m[0]):], "BUG_")) {
			insnIdx, _ = strconv.Atoi(m[1])
			last = i
		}
	}
	msg := ""
	for i := len(log) - 1; i > last; i-- {
		l := log[i]
		if l == "" || statsLine.MatchString(l) || stateLine.MatchString(l) || strings.HasPrefix(l, " ") ||
			strings.HasPrefix(l, "func#") || l == "Live regs before insn:" || strings.HasPrefix(l, "from ") ||
			strings.HasPrefix(l, "mark_precise: ") || propagating.MatchString(l) ||
			strings.HasPrefix(l, "verification time ") || strings.HasPrefix(l, "stack depth ") {
			continue
		}
		msg = l
		break
	}
	// A message printed without a newline (check_btf_func_early's) has
	// the statistics line glued to it.
	if m := statsTail.FindStringIndex(msg); m != nil && m[0] > 0 {
		msg = msg[:m[0]]
	}
	return msg, insnIdx
}

// stats reads the "processed" line, also where a message printed without
// a newline runs into it (check_btf_func_early's).
func stats(log []string) (verifier.Stats, bool) {
	for i := len(log) - 1; i >= 0; i-- {
		if m := statsTail.FindStringSubmatch(log[i]); m != nil {
			n := func(s string) int { v, _ := strconv.Atoi(s); return v }
			return verifier.Stats{Processed: n(m[1]), MaxStatesPerInsn: n(m[2]), TotalStates: n(m[3]), PeakStates: n(m[4]), Printed: true}, true
		}
	}
	return verifier.Stats{}, false
}

var kernelAddr = regexp.MustCompile(`0xffff[0-9a-f]{12}`)

// Normalize replaces kernel addresses (0xffff followed by 12 hex digits)
// in log lines with 0xKADDR, so that logs of different boots, and of the
// simulator, compare equal.
func Normalize(log []string) []string {
	if log == nil {
		return nil
	}
	out := make([]string, len(log))
	for i, l := range log {
		out[i] = kernelAddr.ReplaceAllString(l, "0xKADDR")
	}
	return out
}
