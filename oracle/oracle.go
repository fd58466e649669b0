//go:build linux

package oracle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/verifier"
)

// Config is the load besides the instructions (loader.Config).
type Config = loader.Config

var (
	probe    sync.Once
	probeErr error
	profile  *verifier.Profile
	release  string
)

// Available reports whether the live kernel can be asked: root, a working
// bpf(BPF_PROG_LOAD), and a kernel release that a profile models. The
// error says why not. It probes once.
func Available() (*verifier.Profile, error) {
	probe.Do(func() {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			probeErr = fmt.Errorf("uname: %w", err)
			return
		}
		release = string(bytes.TrimRight(u.Release[:], "\x00"))
		if os.Geteuid() != 0 {
			probeErr = errors.New("not root: bpf(BPF_PROG_LOAD) with a privileged log needs root")
			return
		}
		if _, err := loader.Run([]insn.Slot{{Code: 0xb7}, {Code: 0x95}}, Config{ProgType: verifier.SocketFilter}); err != nil {
			probeErr = fmt.Errorf("bpf(BPF_PROG_LOAD) does not work here: %w", err)
			return
		}
		for _, p := range verifier.Profiles() {
			if p != verifier.RFC && (release == p.Name || strings.HasPrefix(release, p.Name+".") || strings.HasPrefix(release, p.Name+"-")) {
				profile = p
			}
		}
		if profile == nil {
			probeErr = fmt.Errorf("kernel %s is not a modeled profile", release)
		}
	})
	return profile, probeErr
}

// Release returns the running kernel's release, once Available ran.
func Release() string { return release }

// Require skips t unless the oracle is available. VERISIM_LIVE=1 makes an
// unavailable oracle a failure instead, and VERISIM_LIVE=0 always skips.
func Require(t testing.TB) *verifier.Profile {
	t.Helper()
	switch os.Getenv("VERISIM_LIVE") {
	case "0":
		t.Skip("VERISIM_LIVE=0")
	}
	p, err := Available()
	if err != nil {
		if os.Getenv("VERISIM_LIVE") == "1" {
			t.Fatalf("VERISIM_LIVE=1 but the live kernel is unavailable: %v", err)
		}
		t.Skipf("live kernel unavailable: %v", err)
	}
	return p
}

// Run loads slots into the live kernel. The error is for failures to set
// up the load (the oracle unavailable, an fd in use, a map the kernel will
// not create), never for a rejection.
func Run(slots []insn.Slot, cfg Config) (verifier.Result, error) {
	if _, err := Available(); err != nil {
		return verifier.Result{}, err
	}
	return loader.Run(slots, cfg)
}

// VerificationTime loads slots with BPF_LOG_STATS and returns the
// verifier's own "verification time" figure (microsecond resolution) and
// the load's result.
func VerificationTime(slots []insn.Slot, cfg Config) (time.Duration, verifier.Result, error) {
	if _, err := Available(); err != nil {
		return 0, verifier.Result{}, err
	}
	return loader.VerificationTime(slots, cfg)
}

// ErrLogFull is Run's error when the kernel's log filled the 64 MiB
// buffer (ENOSPC): the verdict is then unknown.
var ErrLogFull = loader.ErrLogFull

// Normalize replaces kernel addresses (0xffff followed by 12 hex digits)
// in log lines with 0xKADDR, so that logs of different boots, and of the
// simulator, compare equal.
func Normalize(log []string) []string { return loader.Normalize(log) }

// CreateMap asks the live kernel to create m (BPF_MAP_CREATE, without an
// inner map) and closes it again: nil when the kernel creates it, the errno
// otherwise.
func CreateMap(m btfctx.Map) error { return loader.CreateMap(m) }
