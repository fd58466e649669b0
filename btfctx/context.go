package btfctx

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Decl declares the file descriptors a stream refers to. It is plain data
// (it marshals to JSON for fixtures) and drives both the simulator (through
// New) and the live-kernel oracle, which creates the maps and places every
// fd where Decl says. Every fd not declared is closed.
type Decl struct {
	// Maps are map objects, each at its own fd.
	Maps []MapDecl `json:"maps,omitempty"`
	// BTFs are BTF objects at fds: "vmlinux" for the kernel's own BTF, or
	// a path to a raw BTF blob loaded with BPF_BTF_LOAD.
	BTFs []BTFDecl `json:"btfs,omitempty"`
	// Files are fds open on something that is not a BPF object.
	Files []int32 `json:"files,omitempty"`
	// FDArray is bpf_attr.fd_array (with fd_array_cnt 0) when HasFDArray.
	// The array ends a 4 KiB page of memory that is otherwise filled with
	// 0xff bytes, and nothing around that page is mapped: an index past the
	// end faults, and a negative one reads fd -1 while it stays inside the
	// page (FDArrayAt models this).
	FDArray    []int32 `json:"fd_array,omitempty"`
	HasFDArray bool    `json:"has_fd_array,omitempty"`
	// FDArrayCnt is bpf_attr.fd_array_cnt (v6.14+): when nonzero, the
	// verifier scans that many fd_array entries before anything else.
	FDArrayCnt uint32 `json:"fd_array_cnt,omitempty"`
}

// MapDecl is one map at an fd.
type MapDecl struct {
	FD int32 `json:"fd"`
	Map
}

// BTFDecl is one BTF object at an fd.
type BTFDecl struct {
	FD     int32  `json:"fd"`
	Source string `json:"source"` // "vmlinux" or a file path
}

// FDKind is what an fd refers to.
type FDKind uint8

// FD kinds. The zero value is a closed fd.
const (
	FDClosed FDKind = iota
	FDMap
	FDBTF
	FDFile
)

// Loader returns a BTF object or kallsyms on first use.
type Loader[T any] func() (T, error)

// Once memoizes a loader.
func Once[T any](f func() (T, error)) Loader[T] {
	return sync.OnceValues(f)
}

// Context is the simulated kernel side of one or more verifications. It is
// safe for concurrent use once built.
type Context struct {
	decl    Decl
	kinds   map[int32]FDKind
	maps    map[int32]*Map
	mapIDs  map[*Map]int
	btfSrc  map[int32]string
	btfFile map[string]Loader[*BTF]

	vmlinux  Loader[*BTF]
	kallsyms Loader[*Kallsyms]
	nrCPUIDs int
}

// Options are where the context finds kernel data. A nil loader means the
// data is absent: no vmlinux BTF (the kernel's CONFIG_DEBUG_INFO_BTF=n) or
// an empty kallsyms.
type Options struct {
	Vmlinux  Loader[*BTF]
	Kallsyms Loader[*Kallsyms]
	// LoadBTFFile loads a BTFDecl source other than "vmlinux"; nil means
	// LoadUserBTFFile.
	LoadBTFFile func(path string) (*BTF, error)
	// NrCPUIDs is the kernel's nr_cpu_ids on the machine the program is
	// loaded on (the highest possible CPU plus one): the verifier bounds
	// bpf_get_smp_processor_id's result by it. 0 means unknown, and a
	// verification that needs it answers unsupported.
	NrCPUIDs int
}

// ErrDecl wraps every problem with a Decl.
var ErrDecl = errors.New("invalid fd declaration")

// New checks d and builds a context. Fds must be non-negative and declared
// once.
func New(d Decl, opts Options) (*Context, error) {
	c := &Context{
		decl:     d,
		kinds:    map[int32]FDKind{},
		maps:     map[int32]*Map{},
		mapIDs:   map[*Map]int{},
		btfSrc:   map[int32]string{},
		btfFile:  map[string]Loader[*BTF]{},
		vmlinux:  opts.Vmlinux,
		kallsyms: opts.Kallsyms,
		nrCPUIDs: opts.NrCPUIDs,
	}
	load := opts.LoadBTFFile
	if load == nil {
		load = LoadUserBTFFile
	}
	claim := func(fd int32, k FDKind) error {
		if fd < 0 {
			return fmt.Errorf("%w: fd %d is negative", ErrDecl, fd)
		}
		if _, dup := c.kinds[fd]; dup {
			return fmt.Errorf("%w: fd %d is declared twice", ErrDecl, fd)
		}
		c.kinds[fd] = k
		return nil
	}
	for i := range d.Maps {
		m := &d.Maps[i]
		if err := claim(m.FD, FDMap); err != nil {
			return nil, err
		}
		if len(m.Name) > 15 {
			return nil, fmt.Errorf("%w: map name %q is longer than 15 bytes", ErrDecl, m.Name)
		}
		if err := m.CheckCreate(); err != nil {
			name := ""
			if m.Name != "" {
				name = fmt.Sprintf(" (%q)", m.Name)
			}
			return nil, fmt.Errorf("%w: the %s map at fd %d%s: %w", ErrDecl, m.Type, m.FD, name, err)
		}
		mm := m.Map
		c.maps[m.FD] = &mm
		c.mapIDs[&mm] = i
	}
	for _, b := range d.BTFs {
		if err := claim(b.FD, FDBTF); err != nil {
			return nil, err
		}
		if b.Source == "" {
			return nil, fmt.Errorf("%w: btf fd %d has no source", ErrDecl, b.FD)
		}
		c.btfSrc[b.FD] = b.Source
		if b.Source != "vmlinux" {
			src := b.Source
			if _, ok := c.btfFile[src]; !ok {
				c.btfFile[src] = Once(func() (*BTF, error) { return load(src) })
			}
		}
	}
	for _, fd := range d.Files {
		if err := claim(fd, FDFile); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Empty returns a context with no fds, no BTF and no kallsyms.
func Empty() *Context {
	c, _ := New(Decl{}, Options{})
	return c
}

// Decl returns the declaration the context was built from.
func (c *Context) Decl() Decl { return c.decl }

// Kind returns what fd refers to.
func (c *Context) Kind(fd int32) FDKind { return c.kinds[fd] }

// Map returns the map at fd, or nil.
func (c *Context) Map(fd int32) *Map { return c.maps[fd] }

// MapID returns the declaration index of m, a stable identity for printing
// and for the simulated kernel address.
func (c *Context) MapID(m *Map) int { return c.mapIDs[m] }

// Vmlinux returns the kernel's BTF, or nil when there is none.
func (c *Context) Vmlinux() (*BTF, error) {
	if c.vmlinux == nil {
		return nil, nil
	}
	return c.vmlinux()
}

// BTF returns the BTF object at fd (which must be of kind FDBTF).
func (c *Context) BTF(fd int32) (*BTF, error) {
	src, ok := c.btfSrc[fd]
	if !ok {
		return nil, fmt.Errorf("fd %d is not a btf object", fd)
	}
	if src == "vmlinux" {
		b, err := c.Vmlinux()
		if err == nil && b == nil {
			return nil, fmt.Errorf("btf fd %d: %w: declared as vmlinux, but there is no vmlinux BTF", fd, ErrDecl)
		}
		return b, err
	}
	return c.btfFile[src]()
}

// NrCPUIDs is Options.NrCPUIDs: nr_cpu_ids, or 0 when unknown.
func (c *Context) NrCPUIDs() int { return c.nrCPUIDs }

// Kallsyms returns the symbol table; an absent one is empty.
func (c *Context) Kallsyms() (*Kallsyms, error) {
	if c.kallsyms == nil {
		return &Kallsyms{addrs: map[string]uint64{}}, nil
	}
	return c.kallsyms()
}

// FDs returns every declared fd in increasing order.
func (c *Context) FDs() []int32 {
	fds := make([]int32, 0, len(c.kinds))
	for fd := range c.kinds {
		fds = append(fds, fd)
	}
	sort.Slice(fds, func(i, j int) bool { return fds[i] < fds[j] })
	return fds
}

// fdArrayPage is the page that holds fd_array (x86-64 page size).
const fdArrayPage = 4096

// FDArrayAt reads fd_array[idx] the way copy_from_bpfptr_offset does on
// the memory layout Decl.FDArray documents: ok is false where the read
// faults.
func (d Decl) FDArrayAt(idx int32) (fd int32, ok bool) {
	n := int64(len(d.FDArray))
	i := int64(idx)
	switch {
	case i >= n:
		return 0, false
	case i >= 0:
		return d.FDArray[i], true
	case fdArrayPage/4-n+i >= 0:
		return -1, true
	}
	return 0, false
}
