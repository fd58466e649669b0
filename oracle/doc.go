// Package oracle runs a raw instruction stream through the live kernel's
// verifier and returns the same verifier.Result the simulator does, so the
// two can be compared field by field.
//
// The load itself is package oracle/loader's: bpf(BPF_PROG_LOAD) directly
// (cilium/ebpf refuses malformed ld_imm64s, which are the point here), the
// maps a btfctx.Decl declares created and every fd placed exactly where the
// declaration says, every other fd the stream names checked closed, and
// fd_array at the end of a page followed by an unmapped one. This package
// adds what a test on the host needs: a probe that the kernel can be asked
// and is one a profile models, and Require to skip a test when it is not.
//
// Package oracle/vm asks older kernels, booted under qemu, the same way.
package oracle
