package verifier

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf"
)

// ProgType is enum bpf_prog_type (include/uapi/linux/bpf.h, v6.18). Its
// numbers are the kernel's, and so cilium/ebpf's ebpf.ProgramType: convert
// with ProgTypeOf and ProgType.Ebpf. The zero value is
// BPF_PROG_TYPE_UNSPEC, which bpf_prog_load rejects with EINVAL.
//
// Every type of 6.18 has a name; the rules of only some are modeled
// (Modeled). Verify answers Unsupported for the others: they are never
// refused as unknown.
type ProgType uint32

// Program types (enum bpf_prog_type, v6.18).
const (
	ProgUnspec        ProgType = 0
	SocketFilter      ProgType = 1
	Kprobe            ProgType = 2
	SchedCLS          ProgType = 3
	SchedACT          ProgType = 4
	Tracepoint        ProgType = 5
	XDP               ProgType = 6
	PerfEvent         ProgType = 7
	CgroupSKB         ProgType = 8
	CgroupSock        ProgType = 9
	LWTIn             ProgType = 10
	LWTOut            ProgType = 11
	LWTXmit           ProgType = 12
	SockOps           ProgType = 13
	SKSKB             ProgType = 14
	CgroupDevice      ProgType = 15
	SKMsg             ProgType = 16
	RawTracepoint     ProgType = 17
	CgroupSockAddr    ProgType = 18
	LWTSeg6Local      ProgType = 19
	LircMode2         ProgType = 20
	SKReuseport       ProgType = 21
	FlowDissector     ProgType = 22
	CgroupSysctl      ProgType = 23
	RawTracepointWrit ProgType = 24
	CgroupSockopt     ProgType = 25
	Tracing           ProgType = 26
	StructOps         ProgType = 27
	Extension         ProgType = 28
	LSM               ProgType = 29
	SKLookup          ProgType = 30
	Syscall           ProgType = 31
	Netfilter         ProgType = 32
	maxProgType6_18   ProgType = 33 // __MAX_BPF_PROG_TYPE
)

// progTypeNames are the kernel's names without BPF_PROG_TYPE_, in lower
// case (bpftool's and libbpf's spelling), indexed by number.
var progTypeNames = [maxProgType6_18]string{
	"unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
	"cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
	"sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
	"flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing",
	"struct_ops", "ext", "lsm", "sk_lookup", "syscall", "netfilter",
}

// modeledTypes are the types whose load needs no attach target and whose
// rules (context, helpers, return codes) the walk models so far.
var modeledTypes = map[ProgType]bool{
	SocketFilter: true, Kprobe: true, SchedCLS: true, SchedACT: true, Tracepoint: true, XDP: true,
	PerfEvent: true, CgroupSKB: true, LWTIn: true, LWTOut: true, LWTXmit: true, SockOps: true,
	SKSKB: true, SKMsg: true, RawTracepoint: true, LWTSeg6Local: true, FlowDissector: true,
	RawTracepointWrit: true, CgroupSockAddr: true, CgroupSock: true, SKLookup: true, Netfilter: true,
	CgroupSysctl: true, SKReuseport: true,
}

// String returns the name, e.g. "socket_filter", or "ProgType(N)" for a
// number 6.18 does not know.
func (t ProgType) String() string {
	if t.Known() {
		return progTypeNames[t]
	}
	return fmt.Sprintf("ProgType(%d)", uint32(t))
}

// Known reports whether 6.18 has a program type of this number (UNSPEC
// excluded).
func (t ProgType) Known() bool { return t > ProgUnspec && t < maxProgType6_18 }

// Modeled reports whether verisim models the rules of t. Verify answers
// Unsupported for a known type that is not modeled.
func (t ProgType) Modeled() bool { return modeledTypes[t] }

// Ebpf returns t as cilium/ebpf's program type (the numbers are the
// kernel's in both).
func (t ProgType) Ebpf() ebpf.ProgramType { return ebpf.ProgramType(t) }

// ProgTypeOf converts a cilium/ebpf program type.
func ProgTypeOf(t ebpf.ProgramType) ProgType { return ProgType(t) }

// ProgTypes returns every known program type, in number order.
func ProgTypes() []ProgType {
	out := make([]ProgType, 0, maxProgType6_18-1)
	for t := ProgType(1); t < maxProgType6_18; t++ {
		out = append(out, t)
	}
	return out
}

// ParseProgType parses a program type name (see String). A known type that
// is not modeled parses; Verify then answers Unsupported.
func ParseProgType(s string) (ProgType, error) {
	for _, t := range ProgTypes() {
		if progTypeNames[t] == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown program type %q (known: %s)", s, strings.Join(progTypeNames[1:], ", "))
}

// isTracing is is_tracing_prog_type (6.18; 5.9 lacks
// raw_tracepoint_writable).
func (t ProgType) isTracing(p *Profile) bool {
	switch t {
	case Kprobe, Tracepoint, PerfEvent, RawTracepoint:
		return true
	case RawTracepointWrit:
		return p.Has(FeatRawTpWritable)
	}
	return false
}

// hasReturnRange reports whether check_return_code checks R0 against a
// range for this type. None of the modeled types do (6.18's default case,
// kprobe without a session attach type, raw_tracepoint without attach btf),
// except the cgroup types, sock_ops, sk_lookup and netfilter.
func (t ProgType) hasReturnRange() bool {
	switch t {
	case CgroupSKB, SockOps, CgroupSockAddr, CgroupSock, CgroupSysctl, SKLookup, Netfilter:
		return true
	}
	return false
}

// returnRange is check_return_code's range for the modeled types that
// have one (v6.18): [0, 1] (sk_lookup's [SK_DROP, SK_PASS] and
// netfilter's [NF_DROP, NF_ACCEPT] among them), but [1, 1] for the
// cgroup_sock_addr hooks
// that read the address back (recvmsg, getpeername, getsockname) and
// [0, 3] for bind. (cgroup_skb egress, [0, 3], is not a modeled attach
// type.)
func returnRange(t ProgType, attach uint32) (lo, hi int32) {
	if t == CgroupSockAddr {
		switch attach {
		case attachCgroupUDP4Recvmsg, attachCgroupUDP6Recvmsg, attachCgroupUnixRecvmsg,
			attachCgroupInet4Getpeername, attachCgroupInet6Getpeername, attachCgroupUnixGetpeername,
			attachCgroupInet4Getsockname, attachCgroupInet6Getsockname, attachCgroupUnixGetsockname:
			return 1, 1
		case attachCgroupInet4Bind, attachCgroupInet6Bind:
			return 0, 3
		}
	}
	return 0, 1
}
