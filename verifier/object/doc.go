// Package object turns a compiled BPF ELF object into what a loader hands
// BPF_PROG_LOAD, for each program: the instruction stream with maps,
// global data, CO-RE and ksyms relocated, and the fd table the stream
// refers to. It is the libbpf half of the seed ("bpf: BTF support for
// __ksym externs"), per profile:
//
//   - rfc, the seed's libbpf: ksyms must be declared typeless; one whose
//     name has a BTF_KIND_VAR in vmlinux BTF becomes src_reg 3
//     (BPF_PSEUDO_BTF_ID) with the kallsyms address in the two imms and the
//     btf id split over the two offs; otherwise it stays a plain address
//     load (the seed's best effort). A typed declaration is refused, as the
//     seed kept libbpf's "is not typeless (void)" check.
//   - 6.18, libbpf today: a typed ksym (a VAR) or a FUNC ksym becomes src_reg
//     3 with imm = btf id and insn[1].imm = 0; a typeless ksym stays a plain
//     address load; a weak ksym that is missing resolves to 0. A kfunc call
//     gets the FUNC's btf id in imm; one to a missing weak kfunc is
//     poisoned as libbpf poisons it.
//
// cilium/ebpf parses the ELF (maps, programs, global data sections,
// bpf-to-bpf calls, CO-RE). It refuses typed ksyms, so Load first rewrites
// the type of every .ksyms VAR in the object's BTF to void, remembering which
// were typed, and relocates the ksym loads itself. See docs/elf.md.
package object
