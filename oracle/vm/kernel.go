//go:build linux

package vm

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Versions returns the kernel versions fetch-kernels.sh fetches by
// default: "5.10", "6.1" and "6.12".
func Versions() []string { return []string{"5.10", "6.1", "6.12"} }

// moduleOrder is the order the guest loads the virtio modules in, each
// after the ones it needs (those built into a kernel are absent from its
// modules directory).
var moduleOrder = []string{"virtio", "virtio_ring", "virtio_pci_modern_dev", "virtio_pci_legacy_dev", "virtio_pci", "virtio_console"}

// CacheDir is where fetch-kernels.sh unpacks the kernels: $VERISIM_KERNELS,
// else $XDG_CACHE_HOME/verisim/kernels, else ~/.cache/verisim/kernels.
func CacheDir() string {
	if d := os.Getenv("VERISIM_KERNELS"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "verisim", "kernels")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "verisim", "kernels")
	}
	return filepath.Join(home, ".cache", "verisim", "kernels")
}

// Kernel is an unpacked kernel image: a directory as fetch-kernels.sh
// writes it.
type Kernel struct {
	// Name is the version ("6.1") or the directory it was found by.
	Name string
	// Dir holds vmlinuz, release, config and modules/.
	Dir string
	// Release is the package's kernel release ("6.1.0-44-amd64").
	Release string
	// Modules are the virtio modules to load, in order.
	Modules []string
}

// Image is the kernel image's path.
func (k *Kernel) Image() string { return filepath.Join(k.Dir, "vmlinuz") }

// Find returns the kernel named kernel: a version in CacheDir ("5.10",
// "6.1", "6.12"), or a directory of the same layout. The error says what is
// missing.
func Find(kernel string) (*Kernel, error) {
	dir := kernel
	if !strings.ContainsRune(kernel, os.PathSeparator) {
		dir = filepath.Join(CacheDir(), kernel)
	}
	k := &Kernel{Name: kernel, Dir: dir}
	if _, err := os.Stat(k.Image()); err != nil {
		return nil, fmt.Errorf("kernel %s: no image (run oracle/vm/fetch-kernels.sh): %w", kernel, err)
	}
	rel, err := os.ReadFile(filepath.Join(dir, "release"))
	if err != nil {
		return nil, fmt.Errorf("kernel %s: %w", kernel, err)
	}
	k.Release = strings.TrimSpace(string(rel))
	for _, m := range moduleOrder {
		p := filepath.Join(dir, "modules", m+".ko")
		if _, err := os.Stat(p); err == nil {
			k.Modules = append(k.Modules, p)
		}
	}
	return k, nil
}

// QEMU finds qemu-system-x86_64: $VERISIM_QEMU, else the one on PATH.
func QEMU() (string, error) {
	if q := os.Getenv("VERISIM_QEMU"); q != "" {
		if _, err := exec.LookPath(q); err != nil {
			return "", fmt.Errorf("VERISIM_QEMU: %w", err)
		}
		return q, nil
	}
	q, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return "", errors.New("qemu-system-x86_64 not found (apt-get install qemu-system-x86)")
	}
	return q, nil
}

// Available reports whether kernel can be booted here: its image is
// unpacked, and qemu and the go command (which builds the guest's /init)
// are installed. The error says what is missing.
func Available(kernel string) (*Kernel, error) {
	k, err := Find(kernel)
	if err != nil {
		return nil, err
	}
	if _, err := QEMU(); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath("go"); err != nil {
		return nil, errors.New("the go command is needed to build the guest's /init")
	}
	return k, nil
}

// Require skips t unless kernel is Available, and in -short mode (a boot
// under TCG takes seconds). VERISIM_VM=1 makes an unavailable kernel a
// failure instead, and VERISIM_VM=0 always skips. VERISIM_LIVE does not
// apply: these tests ask no kernel of the host.
func Require(t testing.TB, kernel string) *Kernel {
	t.Helper()
	switch os.Getenv("VERISIM_VM") {
	case "0":
		t.Skip("VERISIM_VM=0")
	case "1":
	default:
		if testing.Short() {
			t.Skip("a qemu boot in -short mode (VERISIM_VM=1 runs it)")
		}
	}
	k, err := Available(kernel)
	if err != nil {
		if os.Getenv("VERISIM_VM") == "1" {
			t.Fatalf("VERISIM_VM=1 but kernel %s is unavailable: %v", kernel, err)
		}
		t.Skipf("kernel %s unavailable: %v", kernel, err)
	}
	return k
}

// Files KernelData keeps in a kernel's directory.
const (
	vmlinuxFile  = "vmlinux.btf"
	kallsymsFile = "kallsyms"
)

// KernelData returns the kernel's /sys/kernel/btf/vmlinux and
// /proc/kallsyms (booted with nokaslr, so the addresses are those of every
// boot). The first call boots the kernel for them and keeps them in its
// directory, beside the image; later calls read them there.
func KernelData(kernel string) (btf, kallsyms []byte, err error) {
	k, err := Find(kernel)
	if err != nil {
		return nil, nil, err
	}
	btf, err1 := os.ReadFile(filepath.Join(k.Dir, vmlinuxFile))
	kallsyms, err2 := os.ReadFile(filepath.Join(k.Dir, kallsymsFile))
	if err1 == nil && err2 == nil {
		return btf, kallsyms, nil
	}
	rep, err := Boot(kernel, nil, Options{KernelData: true})
	if err != nil {
		return nil, nil, err
	}
	for name, data := range map[string][]byte{vmlinuxFile: rep.BTF, kallsymsFile: rep.Kallsyms} {
		if err := writeAtomic(filepath.Join(k.Dir, name), data); err != nil {
			return nil, nil, err
		}
	}
	return rep.BTF, rep.Kallsyms, nil
}

// writeAtomic writes data to path through a temporary file and a rename,
// so that a reader never sees half a file.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
