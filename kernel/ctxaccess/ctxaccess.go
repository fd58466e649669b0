// Package ctxaccess is the context access table of each modeled program
// type: for every offset, size and direction, what the kernel's
// is_valid_access (the program type's bpf_verifier_ops, reached through
// check_ctx_access) and the passes after it answer a privileged loader.
//
// The table is not written by hand: internal/probe loads, on the live
// kernel, one program per program type, offset, size and direction
// (r0 = *(uN *)(r1 +off), its sign-extending form, *(uN *)(r1 +off) = r2
// and *(uN *)(r1 +off) = 0) and records the verdict and the type the load
// gave r0. Regenerate on a machine running 6.18, as root:
//
//	go generate ./kernel/ctxaccess
package ctxaccess

import (
	"strconv"
	"strings"
)

//go:generate go run ./internal/probe -out table_618.go

// Kernel is the kernel release the table was probed on.
const Kernel = kernelRelease

// Dir is the direction of an access.
type Dir uint8

// Directions: LDX MEM, LDX MEMSX, STX MEM and ST MEM.
const (
	Load Dir = iota
	LoadSX
	Store
	StoreImm
	numDirs
)

func (d Dir) String() string {
	return [...]string{"load", "loadsx", "store", "storeimm"}[d]
}

// Answer is what the kernel made of one access.
type Answer byte

// Answers, as the table spells them.
const (
	// Invalid: check_ctx_access refused it, "invalid bpf_context access
	// off=%d size=%d" (EACCES).
	Invalid Answer = '.'
	// Scalar: a load accepted that gives an unknown scalar
	// (mark_reg_unknown, then the zero or sign extension of the size).
	Scalar Answer = 's'
	// Written: a store accepted.
	Written Answer = 'w'
	// Packet, PacketMeta and PacketEnd: a load accepted that gives a
	// packet pointer (PTR_TO_PACKET, _META, _END: skb->data, data_meta,
	// data_end), known zero with no range.
	Packet     Answer = 'k'
	PacketMeta Answer = 'm'
	PacketEnd  Answer = 'e'
	// Pointer: a load accepted that gives some other type (a socket, the
	// flow keys, ...).
	Pointer Answer = 'p'
	// Other: anything else (another message, or a pass after do_check
	// refused the program).
	Other Answer = '?'
)

// sizes are the access sizes in table order.
var sizes = [4]int{1, 2, 4, 8}

// table is one program type's accesses at offsets lo..lo+len-1, by
// direction and size (1, 2, 4, 8), run-length encoded ("s8.4": eight
// Scalar offsets, then four Invalid ones).
type table struct {
	lo   int
	rows [numDirs][4]string
}

// key is a program type (enum bpf_prog_type) and an expected_attach_type
// (enum bpf_attach_type), as a table key.
func key(progType, attach uint32) uint64 { return uint64(progType)<<32 | uint64(attach) }

// decoded holds the expanded rows, by key.
var decoded = map[uint64]*[numDirs][4][]byte{}

func init() {
	for pt, t := range tables {
		var d [numDirs][4][]byte
		for dir := range t.rows {
			for s, row := range t.rows[dir] {
				d[dir][s] = expand(row)
			}
		}
		decoded[pt] = &d
	}
}

// expand decodes a run-length row.
func expand(row string) []byte {
	var out []byte
	for i := 0; i < len(row); {
		c := row[i]
		j := i + 1
		for j < len(row) && row[j] >= '0' && row[j] <= '9' {
			j++
		}
		n, err := strconv.Atoi(row[i+1 : j])
		if err != nil {
			panic("ctxaccess: bad row " + row)
		}
		out = append(out, strings.Repeat(string(c), n)...)
		i = j
	}
	return out
}

// Lookup returns the answer for an access of size bytes at off into the
// context of program type progType (enum bpf_prog_type) loaded with
// expected_attach_type attach, and false when the table has none: the
// pair was not probed, or off lies outside the probed offsets, or size
// is not 1, 2, 4 or 8.
func Lookup(progType, attach uint32, dir Dir, off, size int) (Answer, bool) {
	k := key(progType, attach)
	d := decoded[k]
	if d == nil || dir >= numDirs {
		return 0, false
	}
	s := -1
	for i, n := range sizes {
		if n == size {
			s = i
		}
	}
	if s < 0 {
		return 0, false
	}
	row := d[dir][s]
	i := off - tables[k].lo
	if i < 0 || i >= len(row) {
		return 0, false
	}
	return Answer(row[i]), true
}

// Probed reports whether the table has the program type with the
// attach type, and the offsets it covers.
func Probed(progType, attach uint32) (lo, hi int, ok bool) {
	k := key(progType, attach)
	t, ok := tables[k]
	if !ok {
		return 0, 0, false
	}
	return t.lo, t.lo + len(decoded[k][Load][0]) - 1, true
}
