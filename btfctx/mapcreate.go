package btfctx

import (
	"fmt"

	"github.com/cilium/ebpf"
)

// Map flags (BPF_F_* for map_flags, include/uapi/linux/bpf.h).
const (
	MapFlagNumaNode      = 1 << 2
	MapFlagRdonly        = 1 << 3
	MapFlagWronly        = 1 << 4
	MapFlagStackBuildID  = 1 << 5
	MapFlagZeroSeed      = 1 << 6
	MapFlagRdonlyProg    = 1 << 7
	MapFlagWronlyProg    = 1 << 8
	MapFlagClone         = 1 << 9
	MapFlagPreserveElems = 1 << 11
	MapFlagInnerMap      = 1 << 12
	MapFlagNoCommonLRU   = 1 << 1

	mapFlagAccessMask = MapFlagRdonly | MapFlagRdonlyProg | MapFlagWronly | MapFlagWronlyProg
	arrayCreateMask   = MapFlagNumaNode | MapFlagMmapable | mapFlagAccessMask | MapFlagPreserveElems | MapFlagInnerMap
	htabCreateMask    = MapFlagNoPrealloc | MapFlagNoCommonLRU | MapFlagNumaNode | mapFlagAccessMask | MapFlagZeroSeed
)

// numTypes618 is __MAX_BPF_MAP_TYPE of v6.18.
const numTypes618 = MapArena + 1

// Known reports whether 6.18 has a map type of this number.
func (t MapType) Known() bool { return t > MapUnspec && t < numTypes618 }

// Ebpf returns t as cilium/ebpf's map type (the numbers are the kernel's in
// both).
func (t MapType) Ebpf() ebpf.MapType { return ebpf.MapType(t) }

// MapTypeOf converts a cilium/ebpf map type.
func MapTypeOf(t ebpf.MapType) MapType { return MapType(t) }

// MapCreateError is a map that BPF_MAP_CREATE would refuse: the errno
// (x86-64 number) and the condition, from the kernel function that checks
// it.
type MapCreateError struct {
	Errno int
	Name  string // errno.h name
	Func  string
	Why   string
}

func (e *MapCreateError) Error() string {
	return fmt.Sprintf("BPF_MAP_CREATE would fail with %s in %s: %s", e.Name, e.Func, e.Why)
}

func mapErr(errno int, name, fn, format string, args ...any) error {
	return &MapCreateError{Errno: errno, Name: name, Func: fn, Why: fmt.Sprintf(format, args...)}
}

const (
	errEINVAL   = 22
	errE2BIG    = 7
	errENOTSUPP = 524
)

// CheckCreate models the checks of map_create (kernel/bpf/syscall.c, v6.18)
// that depend only on the attributes a Map holds: the map type, map_extra,
// the file flags, and the map_alloc_check of the array family
// (array_map_alloc_check, fd_array_map_alloc_check) and the hash family
// (htab_map_alloc_check). Other map types' own checks are not modeled:
// their attributes are taken as declared (docs/divergences.md). Checked
// against the live kernel by TestCheckCreateLive.
func (m *Map) CheckCreate() error {
	const fn = "map_create"
	if !m.Type.Known() {
		return mapErr(errEINVAL, "EINVAL", fn, "map type %d is not one 6.18 has", uint32(m.Type))
	}
	if m.Extra != 0 && m.Type != MapBloomFilter && m.Type != MapArena {
		return mapErr(errEINVAL, "EINVAL", fn, "map_extra is %d, and only bloom_filter and arena maps take it", m.Extra)
	}
	if m.Flags&MapFlagRdonly != 0 && m.Flags&MapFlagWronly != 0 {
		return mapErr(errEINVAL, "EINVAL", "bpf_get_file_flag", "BPF_F_RDONLY and BPF_F_WRONLY together")
	}
	accessOK := m.Flags&(MapFlagRdonlyProg|MapFlagWronlyProg) != MapFlagRdonlyProg|MapFlagWronlyProg
	switch m.Type {
	case MapProgArray, MapPerfEventArray, MapCgroupArray, MapArrayOfMaps:
		const fn = "fd_array_map_alloc_check"
		if m.ValueSize != 4 {
			return mapErr(errEINVAL, "EINVAL", fn, "value_size %d: an fd array holds 4-byte fds", m.ValueSize)
		}
		if m.Flags&(MapFlagRdonlyProg|MapFlagWronlyProg) != 0 {
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG on an fd array")
		}
		if m.Type == MapArrayOfMaps {
			// array_of_map_alloc_check needs the inner map fd first.
			return nil
		}
		fallthrough
	case MapArray, MapPercpuArray:
		const fn = "array_map_alloc_check"
		percpu := m.Type == MapPercpuArray
		switch {
		case m.MaxEntries == 0:
			return mapErr(errEINVAL, "EINVAL", fn, "max_entries is 0")
		case m.KeySize != 4:
			return mapErr(errEINVAL, "EINVAL", fn, "key_size %d: an array's key is a 4-byte index", m.KeySize)
		case m.ValueSize == 0:
			return mapErr(errEINVAL, "EINVAL", fn, "value_size is 0")
		case m.Flags&^arrayCreateMask != 0:
			return mapErr(errEINVAL, "EINVAL", fn, "map_flags %#x has flags an array does not take (%#x)", m.Flags, m.Flags&^arrayCreateMask)
		case !accessOK:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together")
		case percpu && m.Flags&MapFlagNumaNode != 0:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_NUMA_NODE on a per-CPU array")
		case m.Type != MapArray && m.Flags&(MapFlagMmapable|MapFlagInnerMap) != 0:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_MMAPABLE/BPF_F_INNER_MAP on a %s", m.Type)
		case m.Type != MapPerfEventArray && m.Flags&MapFlagPreserveElems != 0:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_PRESERVE_ELEMS on a %s", m.Type)
		case m.ValueSize > 1<<31-1:
			return mapErr(errE2BIG, "E2BIG", fn, "value_size %d is over INT_MAX", m.ValueSize)
		case percpu && roundUp8(m.ValueSize) > pcpuMinUnitSize:
			return mapErr(errE2BIG, "E2BIG", fn, "per-CPU value_size %d rounds up past PCPU_MIN_UNIT_SIZE (%d)", m.ValueSize, pcpuMinUnitSize)
		}
	case MapHash, MapPercpuHash, MapLRUHash, MapLRUPercpuHash:
		const fn = "htab_map_alloc_check"
		percpu := m.Type == MapPercpuHash || m.Type == MapLRUPercpuHash
		lru := m.Type == MapLRUHash || m.Type == MapLRUPercpuHash
		percpuLRU := m.Flags&MapFlagNoCommonLRU != 0
		prealloc := m.Flags&MapFlagNoPrealloc == 0
		switch {
		case m.Flags&^htabCreateMask != 0:
			return mapErr(errEINVAL, "EINVAL", fn, "map_flags %#x has flags a hash map does not take (%#x)", m.Flags, m.Flags&^htabCreateMask)
		case !accessOK:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG together")
		case !lru && percpuLRU:
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_NO_COMMON_LRU on a map that is not LRU")
		case lru && !prealloc:
			return mapErr(errENOTSUPP, "ENOTSUPP", fn, "BPF_F_NO_PREALLOC on an LRU map")
		case m.Flags&MapFlagNumaNode != 0 && (percpu || percpuLRU):
			return mapErr(errEINVAL, "EINVAL", fn, "BPF_F_NUMA_NODE on a per-CPU map")
		case m.MaxEntries == 0:
			return mapErr(errEINVAL, "EINVAL", fn, "max_entries is 0")
		case m.KeySize == 0:
			return mapErr(errEINVAL, "EINVAL", fn, "key_size is 0")
		case m.ValueSize == 0:
			return mapErr(errEINVAL, "EINVAL", fn, "value_size is 0")
		case uint64(m.KeySize)+uint64(m.ValueSize) >= kmallocMaxSize-htabElemSize:
			return mapErr(errE2BIG, "E2BIG", fn, "key_size + value_size = %d is too big to kmalloc an element", uint64(m.KeySize)+uint64(m.ValueSize))
		case percpu && roundUp8(m.ValueSize) > pcpuMinUnitSize:
			return mapErr(errE2BIG, "E2BIG", fn, "per-CPU value_size %d rounds up past PCPU_MIN_UNIT_SIZE (%d)", m.ValueSize, pcpuMinUnitSize)
		}
	}
	return nil
}

const (
	pcpuMinUnitSize = 32 << 10 // PCPU_MIN_UNIT_SIZE
	kmallocMaxSize  = 4 << 20  // KMALLOC_MAX_SIZE on x86-64 (4 KiB pages, MAX_PAGE_ORDER 10)
	htabElemSize    = 48       // sizeof(struct htab_elem) on x86-64
)

func roundUp8(n uint32) uint64 { return (uint64(n) + 7) &^ 7 }
