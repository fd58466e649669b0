package btfctx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Input limits. Each is checked before reading (a regular file's size) and
// while reading (a FIFO, a device, standard input), so that no input can
// make verisim read or hold more than the limit.
const (
	// MaxBTFSize bounds a vmlinux BTF blob (6.18's is about 5.5 MB).
	MaxBTFSize = 32 << 20
	// MaxLoadBTFSize is BTF_MAX_SIZE (kernel/bpf/btf.c): BPF_BTF_LOAD
	// refuses a larger blob, so no BTF object fd can hold one.
	MaxLoadBTFSize = 16 << 20
	// MaxKallsymsSize bounds a kallsyms listing (6.18's /proc/kallsyms is
	// about 5.4 MB).
	MaxKallsymsSize = 32 << 20
)

// ErrTooLarge wraps every refusal of an input over its limit.
var ErrTooLarge = errors.New("input too large")

// ReadLimit reads r to its end, or refuses it once it has more than limit
// bytes (having read limit+1). name names the input in the error.
func ReadLimit(r io.Reader, name string, limit int64) ([]byte, error) {
	var buf []byte
	chunk := make([]byte, 64<<10)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("%s: %w: more than %d bytes", name, ErrTooLarge, limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
}

// OpenLimit opens path and refuses it at once if it is a regular file of
// more than limit bytes.
func OpenLimit(path string, limit int64) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > limit {
		f.Close()
		return nil, fmt.Errorf("%s: %w: %d bytes, more than %d", path, ErrTooLarge, st.Size(), limit)
	}
	return f, nil
}

// ReadFileLimit is os.ReadFile with a limit (OpenLimit, then ReadLimit).
func ReadFileLimit(path string, limit int64) ([]byte, error) {
	f, err := OpenLimit(path, limit)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimit(f, path, limit)
}

// btfMagic is BTF_MAGIC, little-endian.
const btfMagic = 0xeb9f

// readBTF reads a raw BTF blob of at most limit bytes: the header first, so
// that input which is not BTF is refused before the rest is read.
func readBTF(path string, limit int64) ([]byte, error) {
	f, err := OpenLimit(path, limit)
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	defer f.Close()
	var hdr [4]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return nil, fmt.Errorf("btf %s: %w: no BTF header: %v", path, ErrCorrupt, err)
	}
	if m := binary.LittleEndian.Uint16(hdr[:]); m != btfMagic {
		return nil, fmt.Errorf("btf %s: %w: magic %#04x is not BTF's %#04x (a raw BTF blob, as /sys/kernel/btf/vmlinux, is wanted)", path, ErrCorrupt, m, btfMagic)
	}
	rest, err := ReadLimit(f, path, limit-int64(len(hdr)))
	if err != nil {
		return nil, fmt.Errorf("btf: %w", err)
	}
	return append(hdr[:], rest...), nil
}
