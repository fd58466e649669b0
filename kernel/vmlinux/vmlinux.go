// Package vmlinux ships the kernel data of each profile: the vmlinux BTF
// and the kallsyms lines verisim needs (every vmlinux symbol, and the
// module symbols with BTF), recorded from the kernel the profile is validated against. With
// them a verification gives the same answer on every machine, whatever
// kernel it runs.
//
// 6.18's files are written by the fixtures recorder (go generate
// ./fixtures) on a machine running 6.18; those of 5.10, 6.1 and 6.12 by
// the qemu recorder (go generate ./oracle/vm), from Debian's kernels.
package vmlinux

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sort"

	"github.com/verisim/verisim/btfctx"
)

// Files under each kernel's directory.
const (
	BTFFile      = "vmlinux.btf.gz"
	KallsymsFile = "kallsyms.gz"
)

//go:embed 5.10/vmlinux.btf.gz 5.10/kallsyms.gz
//go:embed 6.1/vmlinux.btf.gz 6.1/kallsyms.gz
//go:embed 6.12/vmlinux.btf.gz 6.12/kallsyms.gz
//go:embed 6.18/vmlinux.btf.gz 6.18/kallsyms.gz
var files embed.FS

// dirs maps a profile name to the directory of its data. The rfc profile's
// kernel (bpf-next of July 2020) never ran anywhere verisim could record
// it: it is given 6.18's data, which holds the same kind of VARs.
var dirs = map[string]string{"5.10": "5.10", "6.1": "6.1", "6.12": "6.12", "6.18": "6.18", "rfc": "6.18"}

// nrCPUIDs is the nr_cpu_ids of the machine each directory's data was
// recorded on, where known: 6.18's recorder ran on a 2-CPU host
// (/sys/devices/system/cpu/possible "0-1"), and the yardstick and the
// fixtures were recorded there. The qemu guests of the older kernels walk
// no helper calls, so theirs is left unknown.
var nrCPUIDs = map[string]int{"6.18": 2}

// shipped holds one loader pair per directory, so each file is decompressed
// and parsed at most once per process (on first use: building the loaders
// reads nothing).
var shipped = loaders()

func loaders() map[string]btfctx.Options {
	shipped := map[string]btfctx.Options{}
	for _, dir := range dirs {
		if _, ok := shipped[dir]; ok {
			continue
		}
		dir := dir
		shipped[dir] = btfctx.Options{
			Vmlinux: btfctx.Once(func() (*btfctx.BTF, error) {
				b, err := gunzip(dir + "/" + BTFFile)
				if err != nil {
					return nil, err
				}
				return btfctx.LoadBTF("vmlinux "+dir, bytes.NewReader(b))
			}),
			Kallsyms: btfctx.Once(func() (*btfctx.Kallsyms, error) {
				b, err := gunzip(dir + "/" + KallsymsFile)
				if err != nil {
					return nil, err
				}
				return btfctx.ParseKallsyms(bytes.NewReader(b))
			}),
			NrCPUIDs: nrCPUIDs[dir],
		}
	}
	return shipped
}

// Options returns btfctx options that read the data shipped for the
// profile named kernel ("6.18", "rfc"), and whether there is any. Both
// files are read on first use; NrCPUIDs is the recording machine's.
func Options(kernel string) (btfctx.Options, bool) {
	dir, ok := dirs[kernel]
	if !ok {
		return btfctx.Options{}, false
	}
	return shipped[dir], true
}

// Kernels lists the profiles with shipped data.
func Kernels() []string {
	out := make([]string, 0, len(dirs))
	for k := range dirs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func gunzip(name string) ([]byte, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return io.ReadAll(zr)
}
