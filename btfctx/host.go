package btfctx

import "os"

// The running machine's kernel data.
const (
	HostVmlinuxPath  = "/sys/kernel/btf/vmlinux"
	HostKallsymsPath = "/proc/kallsyms"
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

// Host returns options backed by HostBTF and HostKallsyms, each only if
// its file is readable (an unreadable one is left nil, as if not given);
// nothing is parsed until a check needs it.
func Host() Options {
	var o Options
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
