// Package loader is the load path of the oracles: it runs a raw
// instruction stream through the running kernel's verifier with
// bpf(BPF_PROG_LOAD) and returns the same verifier.Result the simulator
// does.
//
// It uses bpf(2) directly through golang.org/x/sys/unix: cilium/ebpf
// refuses malformed ld_imm64s, which are the point here. It creates the
// maps a btfctx.Decl declares and places every fd exactly where the
// declaration says (maps, BTF objects, an open non-BPF file), checks that
// every other fd the stream names is closed, and puts fd_array at the end
// of a page followed by an unmapped one, so that reads past its end fault
// as they would for a real caller.
//
// Two oracles share it: package oracle on the machine's own kernel (which
// adds the probe, the profile check and the test helpers), and the /init
// of package oracle/vm's guest, inside an older kernel booted under qemu.
// Loader itself needs no more than bpf(2) and /proc/self/fd, so it runs in
// a static binary with nothing else around it.
//
// The process's file-descriptor table is global, so runs are serialised
// with a package-level lock.
package loader
