module github.com/verisim/verisim

go 1.26.0

require (
	github.com/cilium/ebpf v0.22.0
	github.com/google/go-cmp v0.7.0
)

require golang.org/x/sys v0.50.0
