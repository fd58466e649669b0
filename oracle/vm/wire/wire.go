//go:build linux

// Package wire is the format between package oracle/vm (the host) and
// its guest's /init (oracle/vm/guest).
//
// The host writes one Batch as JSON into the initramfs (BatchPath). The
// guest answers over the virtio-serial port named PortName with JSON
// Lines, one Line each, in this order: a hello line (the release and the
// guest's uptime), a file line per kernel data file when asked, one result
// line per job in batch order, and a done line. It then reads the port until
// the host writes AckLine (so that nothing is lost to the power-off) and
// powers the machine off.
package wire

import (
	"github.com/verisim/verisim/oracle/loader"
	"github.com/verisim/verisim/verifier"
)

// Paths and names shared by the host and the guest.
const (
	BatchPath = "/batch.json"
	// PortName is the virtio-serial port's name (virtserialport name=).
	PortName = "verisim.0"
	// AckLine is what the host writes to the port once it has read the
	// done line.
	AckLine = "ack\n"
)

// Batch is what the guest runs.
type Batch struct {
	// Modules are initramfs paths of kernel modules, loaded in this order
	// (retried until no more load: the packages ship no modules.dep).
	Modules []string `json:"modules,omitempty"`
	// KernelData asks for /sys/kernel/btf/vmlinux and /proc/kallsyms back,
	// gzipped, as file lines.
	KernelData bool `json:"kernel_data,omitempty"`
	// Jobs are run in order with loader.Run.
	Jobs []Job `json:"jobs"`
}

// Job is one load: the raw instructions (bpf_attr.insns) and the rest
// of bpf_attr. The Decl's BTF sources other than "vmlinux" are initramfs
// paths.
type Job struct {
	Insns  []byte        `json:"insns"`
	Config loader.Config `json:"config"`
}

// Line kinds.
const (
	KindHello  = "hello"
	KindFile   = "file"
	KindResult = "result"
	KindDone   = "done"
	KindError  = "error" // the guest could not go on; Err says why
)

// Line is one line the guest writes.
type Line struct {
	Kind string `json:"kind"`
	// Hello: the release (uname -r) and the guest's uptime at /init's
	// start and once its modules and port were up, in nanoseconds.
	Release  string `json:"release,omitempty"`
	UptimeNS int64  `json:"uptime_ns,omitempty"`
	ReadyNS  int64  `json:"ready_ns,omitempty"`
	// File: its name ("vmlinux.btf.gz", "kallsyms.gz") and content.
	Name string `json:"name,omitempty"`
	Data []byte `json:"data,omitempty"`
	// Result: the job's index and answer, or Err when loader.Run failed
	// to set the load up (LogFull for loader.ErrLogFull).
	Index   int              `json:"index"`
	Result  *verifier.Result `json:"result,omitempty"`
	Err     string           `json:"err,omitempty"`
	LogFull bool             `json:"log_full,omitempty"`
	// Done: the number of jobs run and the guest time they took.
	Jobs   int   `json:"jobs,omitempty"`
	LoadNS int64 `json:"load_ns,omitempty"`
}
