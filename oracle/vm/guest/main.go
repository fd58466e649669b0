//go:build linux

// Command guest is the /init of package oracle/vm's initramfs: a static
// binary (CGO_ENABLED=0) that the kernel runs as pid 1 inside qemu. It
// mounts proc, sys, devtmpfs and bpffs, loads the virtio modules, opens
// the virtio-serial port, runs the batch in /batch.json through
// oracle/loader (the same load path as the oracle on the host), writes
// one JSON line per job to the port, waits for the host's ack and powers
// the machine off. Errors go to the console (ttyS0) and, when the port is
// open, as an error line.
//
// It is built and packed by oracle/vm; running it anywhere but as pid 1 of
// such a guest does nothing useful (it refuses to).
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/oracle/vm/wire"
	"github.com/verisim/verisim/verifier"
)

func main() {
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "guest: not pid 1: this is oracle/vm's /init, not a command")
		os.Exit(2)
	}
	err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "verisim guest: %v\n", err)
	}
	unix.Sync()
	// Power off; should that fail, pid 1's exit panics the kernel, and
	// panic=-1 with qemu's -no-reboot ends qemu all the same.
	err = unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	fmt.Fprintf(os.Stderr, "verisim guest: power off: %v\n", err)
	os.Exit(1)
}

func run() error {
	start := uptime()
	if err := mounts(); err != nil {
		return err
	}
	raw, err := os.ReadFile(wire.BatchPath)
	if err != nil {
		return err
	}
	var b wire.Batch
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("%s: %w", wire.BatchPath, err)
	}
	loadModules(b.Modules)
	// Before 5.11 maps and programs are charged to RLIMIT_MEMLOCK (64 KiB
	// for pid 1), which a few maps exhaust: lift it, as libbpf's users do.
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}); err != nil {
		return fmt.Errorf("RLIMIT_MEMLOCK: %w", err)
	}
	port, err := openPort(wire.PortName, 30*time.Second)
	if err != nil {
		return err
	}
	defer port.Close()
	w := bufio.NewWriterSize(port, 1<<20)
	enc := json.NewEncoder(w)
	fail := func(err error) error {
		enc.Encode(wire.Line{Kind: wire.KindError, Err: err.Error()})
		w.Flush()
		return err
	}
	var u unix.Utsname
	unix.Uname(&u)
	release := string(bytes.TrimRight(u.Release[:], "\x00"))
	if err := enc.Encode(wire.Line{Kind: wire.KindHello, Release: release, UptimeNS: int64(start), ReadyNS: int64(uptime())}); err != nil {
		return err
	}
	if b.KernelData {
		for _, f := range []struct{ name, path string }{{"vmlinux.btf.gz", btfctx.HostVmlinuxPath}, {"kallsyms.gz", btfctx.HostKallsymsPath}} {
			data, err := gzipFile(f.path)
			if err != nil {
				return fail(err)
			}
			if err := enc.Encode(wire.Line{Kind: wire.KindFile, Name: f.name, Data: data}); err != nil {
				return err
			}
		}
	}
	t0 := time.Now()
	for i, j := range b.Jobs {
		l := wire.Line{Kind: wire.KindResult, Index: i}
		slots, err := insn.Decode(j.Insns)
		if err == nil {
			var res verifier.Result
			res, err = loader.Run(slots, j.Config)
			if err == nil {
				l.Result = &res
			}
		}
		if err != nil {
			l.Err, l.LogFull = err.Error(), errors.Is(err, loader.ErrLogFull)
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	if err := enc.Encode(wire.Line{Kind: wire.KindDone, Jobs: len(b.Jobs), LoadNS: int64(time.Since(t0))}); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return awaitAck(port, 30*time.Second)
}

// mounts mounts what the loads and this program read.
func mounts() error {
	for _, m := range []struct{ src, dst, fstype string }{
		{"proc", "/proc", "proc"}, {"sysfs", "/sys", "sysfs"}, {"devtmpfs", "/dev", "devtmpfs"},
		{"bpffs", "/sys/fs/bpf", "bpf"}, {"tmpfs", "/tmp", "tmpfs"},
	} {
		os.MkdirAll(m.dst, 0o755)
		if err := unix.Mount(m.src, m.dst, m.fstype, 0, ""); err != nil && err != unix.EBUSY {
			return fmt.Errorf("mount %s: %w", m.dst, err)
		}
	}
	return nil
}

// loadModules loads the modules with finit_module, retrying the failed
// ones while any load succeeds (the packages have no modules.dep, and a
// module whose dependency is not loaded yet fails with ENOENT or EINVAL).
func loadModules(paths []string) {
	left := paths
	for len(left) > 0 {
		var next []string
		var last error
		for _, p := range left {
			if err := loadModule(p); err != nil {
				last = fmt.Errorf("%s: %w", filepath.Base(p), err)
				next = append(next, p)
			}
		}
		if len(next) == len(left) {
			fmt.Fprintf(os.Stderr, "verisim guest: modules not loaded: %v (last: %v)\n", next, last)
			return
		}
		left = next
	}
}

func loadModule(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = unix.FinitModule(int(f.Fd()), "", 0)
	if err == unix.EEXIST {
		return nil
	}
	return err
}

// openPort finds the virtio-serial port named name in sysfs and opens its
// device node (devtmpfs makes it), waiting for the driver to probe it.
func openPort(name string, wait time.Duration) (*os.File, error) {
	deadline := time.Now().Add(wait)
	for {
		dirs, _ := filepath.Glob("/sys/class/virtio-ports/*")
		for _, d := range dirs {
			n, err := os.ReadFile(filepath.Join(d, "name"))
			if err != nil || strings.TrimSpace(string(n)) != name {
				continue
			}
			if f, err := os.OpenFile("/dev/"+filepath.Base(d), os.O_RDWR, 0); err == nil {
				return f, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no virtio-serial port %q after %v (ports: %v)", name, wait, dirs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitAck reads the port until the host's ack: once it comes, the host
// has every line.
func awaitAck(port *os.File, wait time.Duration) error {
	port.SetReadDeadline(time.Now().Add(wait))
	r := bufio.NewReader(port)
	for {
		l, err := r.ReadString('\n')
		if l == wire.AckLine {
			return nil
		}
		if err != nil {
			return fmt.Errorf("waiting for the host's ack: %w", err)
		}
	}
}

func gzipFile(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	zw.Write(raw)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// uptime is the guest's CLOCK_BOOTTIME: the time since the kernel started.
func uptime() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts)
	return time.Duration(ts.Nano())
}
