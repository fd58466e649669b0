package btfctx

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The running machine's kernel data.
const (
	HostVmlinuxPath  = "/sys/kernel/btf/vmlinux"
	HostKallsymsPath = "/proc/kallsyms"
	HostPossiblePath = "/sys/devices/system/cpu/possible"
)

var (
	hostBTF      = Once(func() (*BTF, error) { return LoadBTFFile(HostVmlinuxPath) })
	hostKallsyms = Once(func() (*Kallsyms, error) { return LoadKallsymsFile(HostKallsymsPath) })
)

// HostBTF loads this machine's vmlinux BTF, at most once per process.
func HostBTF() (*BTF, error) { return hostBTF() }

// HostKallsyms loads this machine's /proc/kallsyms, at most once per
// process.
func HostKallsyms() (*Kallsyms, error) { return hostKallsyms() }

// HostNrCPUIDs is this machine's nr_cpu_ids: the last CPU of
// /sys/devices/system/cpu/possible ("0-1", "0,2-7") plus one.
func HostNrCPUIDs() (int, error) {
	b, err := os.ReadFile(HostPossiblePath)
	if err != nil {
		return 0, err
	}
	return ParseCPUList(string(b))
}

// ParseCPUList returns the last CPU of a kernel CPU list ("0-3", "0,2-7")
// plus one.
func ParseCPUList(s string) (int, error) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexAny(s, ",-")
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 {
		return 0, fmt.Errorf("cpu list %q: the last cpu is not a number", s)
	}
	return n + 1, nil
}

// Host returns options backed by HostBTF and HostKallsyms, each only if
// its file is readable (an unreadable one is left nil, as if not given),
// and this machine's nr_cpu_ids (0 if unreadable); nothing is parsed
// until a check needs it.
func Host() Options {
	var o Options
	o.NrCPUIDs, _ = HostNrCPUIDs()
	if readable(HostVmlinuxPath) {
		o.Vmlinux = HostBTF
	}
	if readable(HostKallsymsPath) {
		o.Kallsyms = HostKallsyms
	}
	return o
}

func readable(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
