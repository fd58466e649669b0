// Package vm is the oracle for older kernels: it boots a Debian kernel
// image under qemu (TCG, no KVM), runs a batch of streams through that
// kernel's verifier, and returns one verifier.Result per stream, the same
// as oracle.Run returns on the host, with the same btfctx.Decl semantics.
// No root is needed on the host.
//
// A boot is an initramfs and nothing else (no disk image, no network):
// /init is oracle/vm/guest, a static Go binary built with CGO_ENABLED=0,
// which mounts proc, sys, devtmpfs and bpffs, loads the virtio modules,
// runs the batch with oracle/loader (maps created and placed at their fds,
// fd_array at the end of a guarded page, as on the host) and writes one
// JSON line per stream to a virtio-serial port (package wire). The host
// reads the port through a unix socket, acks the last line so that nothing
// is lost to the power-off, and reports the kernel release, the guest's
// boot time, the loads' time and qemu's peak RSS.
//
// The kernels are fetched into CacheDir by fetch-kernels.sh (Debian's
// linux-image packages of 5.10, 6.1 and 6.12, unpacked, never installed);
// Available and Require say whether a kernel can be booted here, and tests
// skip without one (VERISIM_VM=1 makes that a failure). docs/kernels.md
// has the numbers and what each kernel refuses.
package vm

//go:generate go run ./record -out testdata
