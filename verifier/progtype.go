package verifier

import (
	"fmt"
	"sort"
)

// ProgType is enum bpf_prog_type (include/uapi/linux/bpf.h). Only types
// whose load needs no attach target are modeled; the zero value is
// BPF_PROG_TYPE_UNSPEC, which bpf_prog_load rejects with EINVAL.
type ProgType uint32

// Program types verisim accepts.
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
	LWTIn             ProgType = 10
	LWTOut            ProgType = 11
	LWTXmit           ProgType = 12
	SockOps           ProgType = 13
	SKSKB             ProgType = 14
	SKMsg             ProgType = 16
	RawTracepoint     ProgType = 17
	LWTSeg6Local      ProgType = 19
	FlowDissector     ProgType = 22
	RawTracepointWrit ProgType = 24
)

var progTypeNames = map[ProgType]string{
	SocketFilter: "socket_filter", Kprobe: "kprobe", SchedCLS: "sched_cls", SchedACT: "sched_act",
	Tracepoint: "tracepoint", XDP: "xdp", PerfEvent: "perf_event", CgroupSKB: "cgroup_skb",
	LWTIn: "lwt_in", LWTOut: "lwt_out", LWTXmit: "lwt_xmit", SockOps: "sock_ops", SKSKB: "sk_skb",
	SKMsg: "sk_msg", RawTracepoint: "raw_tracepoint", LWTSeg6Local: "lwt_seg6local",
	FlowDissector: "flow_dissector", RawTracepointWrit: "raw_tracepoint_writable",
}

// String returns the CLI name, e.g. "socket_filter".
func (t ProgType) String() string {
	if s, ok := progTypeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("ProgType(%d)", uint32(t))
}

// Modeled reports whether t is one of the program types verisim accepts.
func (t ProgType) Modeled() bool {
	_, ok := progTypeNames[t]
	return ok
}

// ParseProgType parses a --prog-type name.
func ParseProgType(s string) (ProgType, error) {
	for t, n := range progTypeNames {
		if n == s {
			return t, nil
		}
	}
	names := make([]string, 0, len(progTypeNames))
	for _, n := range progTypeNames {
		names = append(names, n)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("unknown program type %q (known: %v)", s, names)
}

// isTracing is is_tracing_prog_type (6.18; 5.9 lacks
// raw_tracepoint_writable).
func (t ProgType) isTracing(p *Profile) bool {
	switch t {
	case Kprobe, Tracepoint, PerfEvent, RawTracepoint:
		return true
	case RawTracepointWrit:
		return p.Log618
	}
	return false
}

// hasReturnRange reports whether check_return_code checks R0 against a
// range for this type. None of the modeled types do (6.18's default case,
// kprobe without a session attach type, raw_tracepoint without attach btf),
// except cgroup_skb, whose [0, 1] range needs scalar range printing.
func (t ProgType) hasReturnRange() bool { return t == CgroupSKB || t == SockOps }
