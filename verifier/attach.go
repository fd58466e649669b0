package verifier

import "fmt"

// Attach types (enum bpf_attach_type, include/uapi/linux/bpf.h, v6.18)
// that bpf_prog_load_check_attach names.
const (
	attachCgroupInetIngress        = 0
	attachCgroupInetEgress         = 1
	attachCgroupInetSockCreate     = 2
	attachCgroupInet4Bind          = 8
	attachCgroupInet6Bind          = 9
	attachCgroupInet4Connect       = 10
	attachCgroupInet6Connect       = 11
	attachCgroupInet4PostBind      = 12
	attachCgroupInet6PostBind      = 13
	attachCgroupUDP4Sendmsg        = 14
	attachCgroupUDP6Sendmsg        = 15
	attachCgroupUDP4Recvmsg        = 19
	attachCgroupUDP6Recvmsg        = 20
	attachCgroupSysctl             = 18
	attachCgroupGetsockopt         = 21
	attachCgroupSetsockopt         = 22
	attachCgroupInetSockRelease    = 34
	attachSKLookup                 = 36
	attachSKReuseportSelect        = 39
	attachSKReuseportSelectMigrate = 40
	attachCgroupInet4Getpeername   = 29
	attachCgroupInet6Getpeername   = 30
	attachCgroupInet4Getsockname   = 31
	attachCgroupInet6Getsockname   = 32
	attachNetfilter                = 45
	attachCgroupUnixConnect        = 49
	attachCgroupUnixSendmsg        = 50
	attachCgroupUnixRecvmsg        = 51
	attachCgroupUnixGetpeername    = 52
	attachCgroupUnixGetsockname    = 53
	btfMaxType                     = 0xfffff // BTF_MAX_TYPE
)

var attachAllowed = map[ProgType][]uint32{
	CgroupSock: {attachCgroupInetSockCreate, attachCgroupInetSockRelease, attachCgroupInet4PostBind, attachCgroupInet6PostBind},
	CgroupSockAddr: {attachCgroupInet4Bind, attachCgroupInet6Bind, attachCgroupInet4Connect, attachCgroupInet6Connect,
		attachCgroupUnixConnect, attachCgroupInet4Getpeername, attachCgroupInet6Getpeername, attachCgroupUnixGetpeername,
		attachCgroupInet4Getsockname, attachCgroupInet6Getsockname, attachCgroupUnixGetsockname, attachCgroupUDP4Sendmsg,
		attachCgroupUDP6Sendmsg, attachCgroupUnixSendmsg, attachCgroupUDP4Recvmsg, attachCgroupUDP6Recvmsg, attachCgroupUnixRecvmsg},
	CgroupSKB:     {attachCgroupInetIngress, attachCgroupInetEgress},
	SKReuseport:   {attachSKReuseportSelect, attachSKReuseportSelectMigrate},
	CgroupSockopt: {attachCgroupSetsockopt, attachCgroupGetsockopt},
	SKLookup:      {attachSKLookup},
	Netfilter:     {attachNetfilter},
	Syscall:       {0},
	Extension:     {0},
}

// checkAttach models bpf_prog_load_fixup_attach_type and
// bpf_prog_load_check_attach (kernel/bpf/syscall.c, v6.18) for a load
// without attach_prog_fd or attach_btf_obj_fd (the attach BTF is then
// vmlinux's): the reason for EINVAL, or "".
func checkAttach(pt ProgType, attach, btfID uint32) string {
	// bpf_prog_load_fixup_attach_type
	switch {
	case pt == CgroupSock && attach == 0:
		attach = attachCgroupInetSockCreate
	case pt == SKReuseport && attach == 0:
		attach = attachSKReuseportSelect
	}
	if btfID != 0 {
		if btfID > btfMaxType {
			return fmt.Sprintf("attach_btf_id %d is past BTF_MAX_TYPE", btfID)
		}
		switch pt {
		case Tracing, LSM, StructOps, Extension:
		default:
			return fmt.Sprintf("attach_btf_id is for tracing, lsm, struct_ops and ext programs, not %s", pt)
		}
	}
	allowed, ok := attachAllowed[pt]
	if !ok {
		return ""
	}
	for _, a := range allowed {
		if a == attach {
			return ""
		}
	}
	return fmt.Sprintf("expected_attach_type %d is not one a %s program takes", attach, pt)
}

// attachModeled reports the program and attach types, other than attach
// type 0, that verisim models: the attach types libbpf gives the modeled
// program types (SEC("xdp") BPF_XDP, "sk_msg" BPF_SK_MSG_VERDICT,
// "sockops" BPF_CGROUP_SOCK_OPS, "flow_dissector" BPF_FLOW_DISSECTOR,
// "tcx/ingress" and "tcx/egress" BPF_TCX_*). For each, the context access
// table is probed with the attach type (kernel/ctxaccess), the live
// kernel offers the same helpers as without one (the ctxaccess probe's
// TestAttachHelpers), and check_return_code reads no attach type of
// these program types.
//
// cgroup_sock_addr takes one of its attach types always: check_return_code
// reads it (returnRange); its context is not probed and its helpers are
// not in kernel/helpers' table, so a context access or a helper call
// answers unsupported.
func attachModeled(pt ProgType, attach uint32) bool {
	switch pt {
	case CgroupSockAddr, CgroupSock, SKLookup, Netfilter, SKReuseport:
		return checkAttach(pt, attach, 0) == ""
	case CgroupSysctl:
		return attach == attachCgroupSysctl // libbpf's SEC("cgroup/sysctl")
	}
	switch {
	case pt == XDP && attach == 37, pt == SKMsg && attach == 7, pt == SockOps && attach == 3,
		pt == FlowDissector && attach == 17, pt == SchedCLS && (attach == 46 || attach == 47):
		return true
	}
	return false
}
