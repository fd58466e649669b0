// Package oracle runs a raw instruction stream through the live kernel's
// verifier and returns the same verifier.Result the simulator does, so the
// two can be compared field by field.
//
// It uses bpf(BPF_PROG_LOAD) directly through golang.org/x/sys/unix:
// cilium/ebpf refuses malformed ld_imm64s, which are the point here. It
// creates the maps a btfctx.Decl declares and places every fd exactly where
// the declaration says (maps, BTF objects, an open non-BPF file), checks
// that every other fd the stream names is closed, and puts fd_array at the
// end of a page followed by an unmapped one, so that reads past its end
// fault as they would for a real caller.
//
// The process's file-descriptor table is global, so runs are serialised
// with a package-level lock.
package oracle
