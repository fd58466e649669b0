package btfctx

import (
	"fmt"
	"sort"
)

// MapType is enum bpf_map_type (include/uapi/linux/bpf.h).
type MapType uint32

// Map types, numbered as in the kernel's uapi.
const (
	MapUnspec MapType = iota
	MapHash
	MapArray
	MapProgArray
	MapPerfEventArray
	MapPercpuHash
	MapPercpuArray
	MapStackTrace
	MapCgroupArray
	MapLRUHash
	MapLRUPercpuHash
	MapLPMTrie
	MapArrayOfMaps
	MapHashOfMaps
	MapDevmap
	MapSockmap
	MapCPUMap
	MapXSKMap
	MapSockhash
	MapCgroupStorage
	MapReuseportSockarray
	MapPercpuCgroupStorage
	MapQueue
	MapStack
	MapSKStorage
	MapDevmapHash
	MapStructOps
	MapRingbuf
	MapInodeStorage
	MapTaskStorage
	MapBloomFilter
	MapUserRingbuf
	MapCgrpStorage
	MapArena
)

var mapTypeNames = map[MapType]string{
	MapUnspec: "unspec", MapHash: "hash", MapArray: "array", MapProgArray: "prog_array",
	MapPerfEventArray: "perf_event_array", MapPercpuHash: "percpu_hash", MapPercpuArray: "percpu_array",
	MapStackTrace: "stack_trace", MapCgroupArray: "cgroup_array", MapLRUHash: "lru_hash",
	MapLRUPercpuHash: "lru_percpu_hash", MapLPMTrie: "lpm_trie", MapArrayOfMaps: "array_of_maps",
	MapHashOfMaps: "hash_of_maps", MapDevmap: "devmap", MapSockmap: "sockmap", MapCPUMap: "cpumap",
	MapXSKMap: "xskmap", MapSockhash: "sockhash", MapCgroupStorage: "cgroup_storage",
	MapReuseportSockarray: "reuseport_sockarray", MapPercpuCgroupStorage: "percpu_cgroup_storage",
	MapQueue: "queue", MapStack: "stack", MapSKStorage: "sk_storage", MapDevmapHash: "devmap_hash",
	MapStructOps: "struct_ops", MapRingbuf: "ringbuf", MapInodeStorage: "inode_storage",
	MapTaskStorage: "task_storage", MapBloomFilter: "bloom_filter", MapUserRingbuf: "user_ringbuf",
	MapCgrpStorage: "cgrp_storage", MapArena: "arena",
}

// String returns the name used by the CLI's --map type= field.
func (t MapType) String() string {
	if s, ok := mapTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("MapType(%d)", uint32(t))
}

// ParseMapType parses a --map type= name such as "array" or "percpu_hash".
func ParseMapType(s string) (MapType, error) {
	for t, name := range mapTypeNames {
		if name == s && t != MapUnspec {
			return t, nil
		}
	}
	names := make([]string, 0, len(mapTypeNames))
	for t, name := range mapTypeNames {
		if t != MapUnspec {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return 0, fmt.Errorf("unknown map type %q (known: %v)", s, names)
}

// Map flags (BPF_F_* for map_flags) that the model consults.
const (
	MapFlagNoPrealloc = 1 << 0
	MapFlagMmapable   = 1 << 10
)

// Map describes one map object, as BPF_MAP_CREATE would be given it.
type Map struct {
	Type       MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	Name       string // at most 15 bytes, the kernel's BPF_OBJ_NAME_LEN-1
	Extra      uint64 // map_extra (arena: user VM start)
	// Special names the BTF special fields of the map's value (a map
	// created with BTF: bpf_spin_lock, bpf_timer, kptrs, ...), "" when it
	// has none. check_map_prog_compatibility's rules on them are not
	// modeled: a program that uses such a map verifies as unsupported.
	Special string `json:",omitempty"`
}

// IsCgroupStorage reports bpf_map_is_cgroup_storage: CGROUP_STORAGE or
// PERCPU_CGROUP_STORAGE.
func (m *Map) IsCgroupStorage() bool {
	return m.Type == MapCgroupStorage || m.Type == MapPercpuCgroupStorage
}
