package helpers_test

import (
	"fmt"

	"github.com/verisim/verisim/kernel/helpers"
)

func ExampleByID() {
	h, _ := helpers.ByID(1)
	fmt.Println(h.Name)
	_, ok := helpers.ByID(helpers.MaxID)
	fmt.Println(ok)
	// Output:
	// bpf_map_lookup_elem
	// false
}

func ExampleFor() {
	const socketFilter, kprobe = 1, 2 // enum bpf_prog_type
	h, _ := helpers.ByName("bpf_map_lookup_elem")
	p, _ := helpers.For(socketFilter, h.ID)
	fmt.Println(p.Name, p.File)
	fmt.Println(p.Ret, p.Args[0], p.Args[1], p.NumArgs())

	h, _ = helpers.ByName("bpf_trace_printk")
	p, _ = helpers.For(kprobe, h.ID)
	fmt.Println(p.Name, p.GPLOnly, p.Args[0])

	h, _ = helpers.ByName("bpf_skb_store_bytes")
	_, ok := helpers.For(kprobe, h.ID) // "program of this type cannot use helper"
	fmt.Println(ok)
	// Output:
	// bpf_map_lookup_elem_proto kernel/bpf/helpers.c
	// RET_PTR_TO_MAP_VALUE_OR_NULL ARG_CONST_MAP_PTR ARG_PTR_TO_MAP_KEY 2
	// bpf_trace_printk_proto true ARG_PTR_TO_MEM | MEM_RDONLY
	// false
}

func ExampleLookup() {
	const kprobe = 2
	h, _ := helpers.ByName("bpf_override_return")
	e, _ := helpers.Lookup(kprobe, h.ID)
	fmt.Println(e.Proto == nil)
	fmt.Println(e.Notes[0])
	// Output:
	// true
	// kprobe_prog_func_proto: case BPF_FUNC_override_return compiled out (defined(CONFIG_BPF_KPROBE_OVERRIDE))
}
