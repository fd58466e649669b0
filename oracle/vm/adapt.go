package vm

import (
	"strings"

	"github.com/verisim/verisim/btfctx"
)

// AdaptDecl adapts a generator stream's declaration to what kernel v can
// be given: 5.10 gives its vmlinux BTF no id, so no fd can hold it
// (BPF_BTF_GET_FD_BY_ID, 5.11), and the vmlinux BTF fd is dropped; 5.10's
// bpf_attr has no fd_array (5.14), so every load that sets one is E2BIG
// before the verifier runs, and fd_array is kept only on the
// maps/fd-array* streams, which are about it.
func AdaptDecl(v, name string, d btfctx.Decl) btfctx.Decl {
	if v != "5.10" {
		return d
	}
	var btfs []btfctx.BTFDecl
	for _, b := range d.BTFs {
		if b.Source != "vmlinux" {
			btfs = append(btfs, b)
		}
	}
	d.BTFs = btfs
	if !strings.HasPrefix(name, "maps/fd-array") {
		d.FDArray, d.HasFDArray, d.FDArrayCnt = nil, false, 0
	}
	return d
}
