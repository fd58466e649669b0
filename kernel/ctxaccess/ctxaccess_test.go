package ctxaccess_test

import (
	"testing"

	"github.com/verisim/verisim/kernel/ctxaccess"
)

// Program type numbers (enum bpf_prog_type).
const (
	socketFilter = 1
	kprobe       = 2
	schedCLS     = 3
	xdp          = 6
)

// TestLookup checks the table against facts of the 6.18 sources: each
// answer here is what the named is_valid_access says.
func TestLookup(t *testing.T) {
	cases := []struct {
		name      string
		pt        uint32
		dir       ctxaccess.Dir
		off, size int
		want      ctxaccess.Answer
	}{
		// sk_filter_is_valid_access: skb->len (off 0) is readable,
		// cb[0..4] (48..67) writable, nothing else.
		{"socket_filter len", socketFilter, ctxaccess.Load, 0, 4, ctxaccess.Scalar},
		{"socket_filter len, narrow", socketFilter, ctxaccess.Load, 0, 1, ctxaccess.Scalar},
		{"socket_filter len, misaligned", socketFilter, ctxaccess.Load, 1, 4, ctxaccess.Invalid},
		{"socket_filter len is read only", socketFilter, ctxaccess.Store, 0, 4, ctxaccess.Invalid},
		{"socket_filter cb[0] is writable", socketFilter, ctxaccess.Store, 48, 4, ctxaccess.Written},
		{"socket_filter data is not readable", socketFilter, ctxaccess.Load, 76, 4, ctxaccess.Invalid},
		// tc_cls_act_is_valid_access: data (76) is a packet pointer.
		{"sched_cls data", schedCLS, ctxaccess.Load, 76, 4, ctxaccess.Packet},
		{"sched_cls data_end", schedCLS, ctxaccess.Load, 80, 4, ctxaccess.PacketEnd},
		{"sched_cls data_meta", schedCLS, ctxaccess.Load, 140, 4, ctxaccess.PacketMeta},
		{"sched_cls sk", schedCLS, ctxaccess.Load, 168, 8, ctxaccess.Pointer},
		{"sched_cls mark is writable", schedCLS, ctxaccess.Store, 8, 4, ctxaccess.Written},
		// kprobe_prog_is_valid_access: pt_regs, read only, whole or
		// narrow.
		{"kprobe di", kprobe, ctxaccess.Load, 112, 8, ctxaccess.Scalar},
		{"kprobe past pt_regs", kprobe, ctxaccess.Load, 168, 8, ctxaccess.Invalid},
		{"kprobe store", kprobe, ctxaccess.StoreImm, 0, 8, ctxaccess.Invalid},
		// xdp_is_valid_access: data is a pointer, ingress_ifindex (12) a
		// scalar.
		{"xdp data", xdp, ctxaccess.Load, 0, 4, ctxaccess.Packet},
		{"xdp ingress_ifindex", xdp, ctxaccess.Load, 12, 4, ctxaccess.Scalar},
	}
	for _, tc := range cases {
		got, ok := ctxaccess.Lookup(tc.pt, 0, tc.dir, tc.off, tc.size)
		if !ok || got != tc.want {
			t.Errorf("%s: Lookup(%d, %s, %d, %d) = %q, %v; want %q", tc.name, tc.pt, tc.dir, tc.off, tc.size, got, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		name      string
		pt        uint32
		off, size int
	}{
		{"a type not probed", 26, 0, 4},
		{"below the probed offsets", socketFilter, -17, 4},
		{"above the probed offsets", socketFilter, 512, 4},
		{"size 3", socketFilter, 0, 3},
	} {
		if got, ok := ctxaccess.Lookup(tc.pt, 0, ctxaccess.Load, tc.off, tc.size); ok {
			t.Errorf("%s: Lookup = %q, true; want no answer", tc.name, got)
		}
	}
	if _, ok := ctxaccess.Lookup(xdp, 1, ctxaccess.Load, 0, 4); ok {
		t.Errorf("Lookup(xdp with attach type 1) answers; want no answer (not probed)")
	}
	if a, ok := ctxaccess.Lookup(xdp, 37, ctxaccess.Load, 12, 4); !ok || a != ctxaccess.Scalar {
		t.Errorf("Lookup(xdp with BPF_XDP, ingress_ifindex) = %q, %v; want a scalar", a, ok)
	}
	if lo, hi, ok := ctxaccess.Probed(socketFilter, 0); !ok || lo != -16 || hi != 511 {
		t.Errorf("Probed(socket_filter) = %d, %d, %v; want -16, 511, true", lo, hi, ok)
	}
}
