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
	CgroupSockopt: {attachCgroupSetsockopt, attachCgroupGetsockopt},
	SKLookup:      {attachSKLookup},
	SKReuseport:   {attachSKReuseportSelect, attachSKReuseportSelectMigrate},
	Netfilter:     {attachNetfilter},
	Syscall:       {0},
	Extension:     {0},
}

// checkAttach models bpf_prog_load_fixup_attach_type and
// bpf_prog_load_check_attach (kernel/bpf/syscall.c, v6.18) for a load
// without attach_prog_fd or attach_btf_obj_fd (the attach BTF is then
// vmlinux's): the reason for EINVAL, or "".
func checkAttach(pt ProgType, attach, btfID uint32) string {
	if pt == CgroupSock && attach == 0 {
		attach = attachCgroupInetSockCreate // bpf_prog_load_fixup_attach_type
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
