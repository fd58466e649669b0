package btfctx

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kallsyms answers kallsyms_lookup_name from a /proc/kallsyms listing.
type Kallsyms struct {
	addrs      map[string]uint64
	restricted bool
}

// ParseKallsyms reads the /proc/kallsyms format: "ADDR TYPE NAME [MODULE]"
// per line. Symbols of BPF programs and trampolines ("[bpf]",
// "[__builtin__...]") are skipped: kallsyms_lookup_name does not see them.
// When every address is zero (the view of a reader without
// CAP_SYSLOG), the listing is "restricted" and Lookup reports presence with
// a stand-in address.
func ParseKallsyms(r io.Reader) (*Kallsyms, error) {
	k := &Kallsyms{addrs: map[string]uint64{}, restricted: true}
	sc := bufio.NewScanner(r)
	// A line is an address, a type, a name of at most KSYM_NAME_LEN (512)
	// bytes and a module name: 4 KiB is plenty.
	const maxLine = 4 << 10
	sc.Buffer(make([]byte, 0, maxLine), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) < 3 || len(f) > 4 || len(f[1]) != 1 {
			return nil, fmt.Errorf("kallsyms line %d: %w: want \"ADDR TYPE NAME [MODULE]\", got %q", line, ErrCorrupt, b)
		}
		addr, err := strconv.ParseUint(f[0], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("kallsyms line %d: %w: bad address %q", line, ErrCorrupt, f[0])
		}
		if len(f) == 4 {
			mod := strings.Trim(f[3], "[]")
			if mod == "bpf" || strings.HasPrefix(mod, "__builtin") {
				continue
			}
		}
		if addr != 0 {
			k.restricted = false
		}
		if _, ok := k.addrs[f[2]]; !ok {
			k.addrs[f[2]] = addr
		}
	}
	if err := sc.Err(); err == bufio.ErrTooLong {
		return nil, fmt.Errorf("kallsyms line %d: %w: longer than %d bytes", line+1, ErrCorrupt, maxLine)
	} else if err != nil {
		return nil, fmt.Errorf("kallsyms: %w", err)
	}
	return k, nil
}

// LoadKallsymsFile parses a kallsyms listing of at most MaxKallsymsSize
// bytes from path (a file, FIFO or device; /proc/kallsyms reports size 0,
// so the limit is checked while reading).
func LoadKallsymsFile(path string) (*Kallsyms, error) {
	f, err := OpenLimit(path, MaxKallsymsSize)
	if err != nil {
		return nil, fmt.Errorf("kallsyms: %w", err)
	}
	defer f.Close()
	lr := &io.LimitedReader{R: f, N: MaxKallsymsSize + 1}
	k, err := ParseKallsyms(lr)
	if lr.N <= 0 {
		return nil, fmt.Errorf("kallsyms: %s: %w: more than %d bytes", path, ErrTooLarge, MaxKallsymsSize)
	}
	return k, err
}

// restrictedBase is the stand-in address range for a restricted listing.
const restrictedBase = 0xffffffff81000000

// Lookup returns what kallsyms_lookup_name returns for name: its address,
// or 0 when absent. A symbol whose listed address is 0 is "not found", as in
// the kernel, unless the whole listing is restricted; then every listed
// symbol gets a stand-in address. That is a divergence: the kernel knows
// the real address, the simulator only that the symbol exists.
func (k *Kallsyms) Lookup(name string) uint64 {
	addr, ok := k.addrs[name]
	if !ok {
		return 0
	}
	if k.restricted {
		var h uint64 = 14695981039346656037
		for i := 0; i < len(name); i++ {
			h = (h ^ uint64(name[i])) * 1099511628211
		}
		return restrictedBase + (h&0xffffff)<<4
	}
	return addr
}

// Restricted reports whether the listing hid all addresses.
func (k *Kallsyms) Restricted() bool { return k.restricted }
