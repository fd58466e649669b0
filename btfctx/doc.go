// Package btfctx is what the verifier consults about the kernel it models:
// vmlinux BTF (through cilium/ebpf/btf, loaded lazily, since most streams
// never need it), BTF objects by fd, kallsyms in the /proc/kallsyms format,
// and a simulated file-descriptor table of maps, BTF objects, open non-BPF
// files and closed fds, plus bpf_attr.fd_array.
//
// The same declaration (Decl) drives the simulator and the live-kernel
// oracle, which creates the maps and places every fd where the declaration
// says. Host access (/sys/kernel/btf/vmlinux, /proc/kallsyms) stays in the
// Load* functions and the Host loaders; everything else is pure.
package btfctx
