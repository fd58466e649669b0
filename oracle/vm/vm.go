//go:build linux

package vm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/oracle/vm/wire"
	"github.com/verisim/verisim/verifier"
)

// Job is one load: the slots and the rest of bpf_attr, with the Decl's fds
// placed in the guest as oracle.Run places them on the host.
type Job struct {
	Slots  []insn.Slot
	Config loader.Config
}

// Options tune a boot. The zero value is the default everywhere.
type Options struct {
	// Timeout ends the boot (qemu is killed): 0 is 3 minutes and 20 ms
	// a job.
	Timeout time.Duration
	// Memory is qemu's -m: "" is 1G.
	Memory string
	// Init is a guest /init already built; "" builds oracle/vm/guest with
	// the go command (CGO_ENABLED=0) for each boot.
	Init string
	// Dir is the directory the Decls' relative BTF paths are read from;
	// "" is the working directory.
	Dir string
	// KernelData asks the guest for its /sys/kernel/btf/vmlinux and
	// /proc/kallsyms (Report.BTF, Report.Kallsyms).
	KernelData bool
}

// Outcome is one job's answer: the kernel's Result, or Err when the load
// could not be set up (an fd the kernel cannot place, a map type it does
// not have: oracle.Run's error). Err is loader.ErrLogFull, matched with
// errors.Is, when the log filled its buffer.
type Outcome struct {
	Result verifier.Result
	Err    error
}

// Report is what one boot returned.
type Report struct {
	// Kernel is the kernel's name as given to Boot, Release its uname -r.
	Kernel, Release string
	// Outcomes are the jobs' answers, in batch order.
	Outcomes []Outcome
	// Boot is the guest's uptime when /init started, Ready when its
	// modules and port were up, Loads the guest time the jobs took, and
	// Wall the host time from starting qemu until it exited.
	Boot, Ready, Loads, Wall time.Duration
	// MaxRSS is qemu's peak resident set size in bytes.
	MaxRSS int64
	// BTF and Kallsyms are the guest's /sys/kernel/btf/vmlinux and
	// /proc/kallsyms (nokaslr: stable addresses), with Options.KernelData.
	BTF, Kallsyms []byte
	// Console is the serial console's output (the kernel's messages and
	// the guest's errors), its last 64 KiB.
	Console string
}

// Run boots kernel (a version in CacheDir or a directory, see Find) with
// the default Options, runs batch, and returns one Result per job, as
// oracle.Run returns them on the host. The error is for a boot that failed
// and for the first job that could not be set up; Boot returns every
// job's outcome instead.
func Run(kernel string, batch []Job) ([]verifier.Result, error) {
	rep, err := Boot(kernel, batch, Options{})
	if err != nil {
		return nil, err
	}
	out := make([]verifier.Result, len(batch))
	for i, o := range rep.Outcomes {
		if o.Err != nil {
			return nil, fmt.Errorf("%s: job %d: %w", rep.Release, i, o.Err)
		}
		out[i] = o.Result
	}
	return out, nil
}

// Boot boots kernel under qemu (TCG: no KVM), runs batch in the guest and
// returns every job's outcome with the boot's measurements.
func Boot(kernel string, batch []Job, opts Options) (*Report, error) {
	k, err := Find(kernel)
	if err != nil {
		return nil, err
	}
	qemu, err := QEMU()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "verisim-vm-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	init := opts.Init
	if init == "" {
		init = filepath.Join(tmp, "init")
		if err := BuildInit(init); err != nil {
			return nil, err
		}
	}
	initrd := filepath.Join(tmp, "initrd.cpio")
	if err := writeInitramfs(initrd, init, k, batch, opts); err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 3*time.Minute + time.Duration(len(batch))*20*time.Millisecond
	}
	mem := opts.Memory
	if mem == "" {
		mem = "1G"
	}
	sock := filepath.Join(tmp, "port.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		return nil, err
	}
	defer ln.Close()

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, qemu,
		"-accel", "tcg", "-smp", "1", "-m", mem,
		"-kernel", k.Image(), "-initrd", initrd,
		"-append", "console=ttyS0 nokaslr quiet panic=-1",
		"-nographic", "-no-reboot", "-nic", "none",
		"-device", "virtio-serial-pci",
		"-chardev", "socket,id=port0,path="+sock,
		"-device", "virtserialport,chardev=port0,name="+wire.PortName,
	)
	console := &tailBuffer{max: 64 << 10}
	cmd.Stdout, cmd.Stderr = console, console
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start qemu: %w", err)
	}
	rep := &Report{Kernel: kernel, Release: k.Release}
	readErr := make(chan error, 1)
	go func() { readErr <- readPort(ctx, ln, rep, len(batch)) }()
	waitErr := cmd.Wait()
	rep.Wall = time.Since(start)
	ln.Close()
	rerr := <-readErr
	rep.Console = console.String()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rep.MaxRSS = ru.Maxrss * 1024
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("kernel %s: no answer within %v (%d of %d jobs back); console:\n%s", kernel, timeout, len(rep.Outcomes), len(batch), tail(rep.Console))
	}
	if rerr != nil {
		return nil, fmt.Errorf("kernel %s: %w; console:\n%s", kernel, rerr, tail(rep.Console))
	}
	if waitErr != nil {
		return nil, fmt.Errorf("kernel %s: qemu: %w; console:\n%s", kernel, waitErr, tail(rep.Console))
	}
	return rep, nil
}

// readPort accepts qemu's connection to the port's socket and reads the
// guest's lines into rep until the done line, then acks.
func readPort(ctx context.Context, ln net.Listener, rep *Report, jobs int) error {
	conn, err := ln.Accept()
	if err != nil {
		return fmt.Errorf("qemu never connected to the port: %w", err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	r := bufio.NewReaderSize(conn, 1<<20)
	hello := false
	for {
		raw, err := r.ReadBytes('\n')
		if err != nil {
			if !hello {
				return errors.New("the guest never answered")
			}
			return fmt.Errorf("the port closed after %d of %d jobs: %w", len(rep.Outcomes), jobs, err)
		}
		var l wire.Line
		if err := json.Unmarshal(raw, &l); err != nil {
			return fmt.Errorf("bad line from the guest: %w: %.200q", err, raw)
		}
		switch l.Kind {
		case wire.KindHello:
			hello = true
			if l.Release != rep.Release {
				return fmt.Errorf("the guest runs %s, not %s", l.Release, rep.Release)
			}
			rep.Boot, rep.Ready = time.Duration(l.UptimeNS), time.Duration(l.ReadyNS)
		case wire.KindFile:
			switch l.Name {
			case "vmlinux.btf.gz":
				rep.BTF, err = gunzip(l.Data)
			case "kallsyms.gz":
				rep.Kallsyms, err = gunzip(l.Data)
			default:
				err = fmt.Errorf("unknown file %q", l.Name)
			}
			if err != nil {
				return fmt.Errorf("%s from the guest: %w", l.Name, err)
			}
		case wire.KindResult:
			if l.Index != len(rep.Outcomes) {
				return fmt.Errorf("result %d came after %d", l.Index, len(rep.Outcomes)-1)
			}
			o := Outcome{}
			switch {
			case l.LogFull:
				o.Err = loader.ErrLogFull
			case l.Err != "":
				o.Err = errors.New(l.Err)
			case l.Result != nil:
				o.Result = *l.Result
			default:
				return fmt.Errorf("result %d has neither a result nor an error", l.Index)
			}
			rep.Outcomes = append(rep.Outcomes, o)
		case wire.KindDone:
			if l.Jobs != jobs || len(rep.Outcomes) != jobs {
				return fmt.Errorf("the guest ran %d jobs and returned %d, of %d", l.Jobs, len(rep.Outcomes), jobs)
			}
			rep.Loads = time.Duration(l.LoadNS)
			_, err := io.WriteString(conn, wire.AckLine)
			return err
		case wire.KindError:
			return fmt.Errorf("the guest: %s", l.Err)
		default:
			return fmt.Errorf("unknown line kind %q", l.Kind)
		}
	}
}

// BuildInit builds the guest's /init (oracle/vm/guest) as a static binary
// at out, with the go command, from this package's source directory.
func BuildInit(out string) error {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return errors.New("cannot find oracle/vm's source directory")
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, "./guest")
	cmd.Dir = filepath.Dir(file)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the guest's /init: %w\n%s", err, b)
	}
	return nil
}

// writeInitramfs packs /init, the modules, the batch and the BTF blobs its
// Decls name into a cpio archive at path.
func writeInitramfs(path, init string, k *Kernel, batch []Job, opts Options) error {
	bin, err := os.ReadFile(init)
	if err != nil {
		return err
	}
	entries := []cpioEntry{
		{Name: "init", Mode: 0o755, Data: bin},
		{Name: "dev/console", Mode: fs.ModeDevice | fs.ModeCharDevice | 0o600, Major: 5, Minor: 1},
		{Name: "proc", Mode: fs.ModeDir | 0o755}, {Name: "sys", Mode: fs.ModeDir | 0o755}, {Name: "tmp", Mode: fs.ModeDir | 0o777},
	}
	var b wire.Batch
	for i, m := range k.Modules {
		data, err := os.ReadFile(m)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("modules/%d-%s", i, filepath.Base(m))
		entries = append(entries, cpioEntry{Name: name, Mode: 0o644, Data: data})
		b.Modules = append(b.Modules, "/"+name)
	}
	b.KernelData = opts.KernelData
	blobs := map[string]string{} // host path -> guest path
	for _, j := range batch {
		cfg := j.Config
		cfg.Decl.BTFs = append(cfg.Decl.BTFs[:0:0], cfg.Decl.BTFs...)
		for i, d := range cfg.Decl.BTFs {
			if d.Source == "vmlinux" {
				continue
			}
			src := d.Source
			if !filepath.IsAbs(src) && opts.Dir != "" {
				src = filepath.Join(opts.Dir, src)
			}
			g, ok := blobs[src]
			if !ok {
				data, err := os.ReadFile(src)
				if err != nil {
					return fmt.Errorf("BTF of fd %d: %w", d.FD, err)
				}
				g = fmt.Sprintf("/btf/%d.btf", len(blobs))
				blobs[src] = g
				entries = append(entries, cpioEntry{Name: g, Mode: 0o644, Data: data})
			}
			cfg.Decl.BTFs[i].Source = g
		}
		b.Jobs = append(b.Jobs, wire.Job{Insns: insn.Encode(j.Slots), Config: cfg})
	}
	raw, err := json.Marshal(&b)
	if err != nil {
		return err
	}
	entries = append(entries, cpioEntry{Name: wire.BatchPath, Mode: 0o644, Data: raw})
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeCpio(f, entries); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.buf) > t.max {
		return string(t.buf[len(t.buf)-t.max:])
	}
	return string(t.buf)
}

func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// tail is the last lines of a console for an error message.
func tail(s string) string {
	const n = 2000
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return string(bytes.TrimSpace([]byte(s)))
}
