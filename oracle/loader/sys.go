//go:build linux

package loader

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/verisim/verisim/btfctx"
)

// bpf commands used here (include/uapi/linux/bpf.h).
const (
	cmdMapCreate    = 0
	cmdProgLoad     = 5
	cmdObjGetInfo   = 15
	cmdBTFLoad      = 18
	cmdBTFGetFDByID = 19
	cmdBTFGetNextID = 23
)

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
	runtime.KeepAlive(attr)
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// mapCreateAttr is the BPF_MAP_CREATE part of union bpf_attr.
type mapCreateAttr struct {
	mapType      uint32
	keySize      uint32
	valueSize    uint32
	maxEntries   uint32
	mapFlags     uint32
	innerMapFD   uint32
	numaNode     uint32
	mapName      [16]byte
	mapIfindex   uint32
	btfFD        uint32
	btfKeyTypeID uint32
	btfValTypeID uint32
	btfVmlinuxID uint32
	mapExtra     uint64
}

func createMap(m btfctx.Map, inner int) (int, error) {
	a := mapCreateAttr{
		mapType:    uint32(m.Type),
		keySize:    m.KeySize,
		valueSize:  m.ValueSize,
		maxEntries: m.MaxEntries,
		mapFlags:   m.Flags,
		innerMapFD: uint32(inner),
		mapExtra:   m.Extra,
	}
	copy(a.mapName[:], m.Name)
	fd, err := bpf(cmdMapCreate, unsafe.Pointer(&a), unsafe.Sizeof(a))
	if err != nil {
		return -1, fmt.Errorf("create %s map (key %d, value %d, entries %d, flags %#x): %w",
			m.Type, m.KeySize, m.ValueSize, m.MaxEntries, m.Flags, err)
	}
	return fd, nil
}

// needsInner reports map types that BPF_MAP_CREATE only accepts with an
// inner map template.
func needsInner(t btfctx.MapType) bool {
	return t == btfctx.MapArrayOfMaps || t == btfctx.MapHashOfMaps
}

type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
	progName    [16]byte
	progIfindex uint32
	expAttach   uint32
	progBTFFD   uint32
	funcRecSize uint32
	funcInfo    uint64
	funcCnt     uint32
	lineRecSize uint32
	lineInfo    uint64
	lineCnt     uint32
	attachBTFID uint32
	attachFD    uint32
	coreReloCnt uint32
	fdArray     uint64
	coreRelos   uint64
	coreRecSize uint32
	logTrueSize uint32
	progTokenFD uint32
	fdArrayCnt  uint32
}

type btfInfo struct {
	btf       uint64
	btfSize   uint32
	id        uint32
	name      uint64
	nameLen   uint32
	kernelBTF uint32
}

// vmlinuxBTFFD opens the kernel's own BTF object by id.
func vmlinuxBTFFD() (int, error) {
	var id uint32
	for {
		a := [3]uint32{id}
		if _, err := bpf(cmdBTFGetNextID, unsafe.Pointer(&a), unsafe.Sizeof(a)); err != nil {
			return -1, fmt.Errorf("find vmlinux btf: %w", err)
		}
		id = a[1]
		b := [3]uint32{id}
		fd, err := bpf(cmdBTFGetFDByID, unsafe.Pointer(&b), unsafe.Sizeof(b))
		if err != nil {
			continue
		}
		var name [64]byte
		info := btfInfo{name: uint64(uintptr(unsafe.Pointer(&name[0]))), nameLen: uint32(len(name))}
		ia := struct {
			fd      uint32
			infoLen uint32
			info    uint64
		}{uint32(fd), uint32(unsafe.Sizeof(info)), uint64(uintptr(unsafe.Pointer(&info)))}
		_, err = bpf(cmdObjGetInfo, unsafe.Pointer(&ia), unsafe.Sizeof(ia))
		runtime.KeepAlive(&name)
		if err == nil && info.kernelBTF != 0 && string(bytes.TrimRight(name[:], "\x00")) == "vmlinux" {
			return fd, nil
		}
		unix.Close(fd)
	}
}

// loadBTF loads a raw BTF blob (BPF_BTF_LOAD).
func loadBTF(path string) (int, error) {
	blob, err := os.ReadFile(path)
	if err != nil {
		return -1, err
	}
	fd, err := loadBTFBytes(blob)
	if err != nil {
		return -1, fmt.Errorf("load btf %s: %w", path, err)
	}
	return fd, nil
}

// loadBTFBytes is BPF_BTF_LOAD of a blob.
func loadBTFBytes(blob []byte) (int, error) {
	if len(blob) == 0 {
		return -1, errors.New("empty BTF blob")
	}
	a := struct {
		btf      uint64
		logBuf   uint64
		size     uint32
		logSize  uint32
		logLevel uint32
	}{btf: uint64(uintptr(unsafe.Pointer(&blob[0]))), size: uint32(len(blob))}
	fd, err := bpf(cmdBTFLoad, unsafe.Pointer(&a), unsafe.Sizeof(a))
	runtime.KeepAlive(blob)
	if err != nil {
		return -1, err
	}
	return fd, nil
}

// fdTarget describes what currently sits at fd in this process.
func fdTarget(fd int32) (string, bool) {
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		return "", false
	}
	link, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	if err != nil {
		return "?", true
	}
	return link, true
}

func isBPFObject(target string) bool { return strings.HasPrefix(target, "anon_inode:bpf") }

// place moves fd onto target (dup3, then close the original).
func place(fd int, target int32) error {
	if fd == int(target) {
		return nil
	}
	if err := unix.Dup3(fd, int(target), unix.O_CLOEXEC); err != nil {
		unix.Close(fd)
		return fmt.Errorf("place fd %d: %w", target, err)
	}
	unix.Close(fd)
	return nil
}

var errBusy = errors.New("fd is in use by this process")

// CreateMap asks the live kernel to create m (BPF_MAP_CREATE, without an
// inner map) and closes it again: nil when the kernel creates it, the errno
// otherwise.
func CreateMap(m btfctx.Map) error {
	fd, err := createMap(m, 0)
	if err != nil {
		return errors.Unwrap(err)
	}
	unix.Close(fd)
	return nil
}
