package scalar_test

import (
	"fmt"

	"github.com/verisim/verisim/scalar"
)

// r0 = bpf_get_prandom_u32(); r0 &= 0xff0; r0 += 16, as the 6.18 log
// prints each state.
func ExampleALU() {
	const (
		alu64AndK = 0x57 // BPF_ALU64 | BPF_AND | BPF_K
		alu64AddK = 0x07 // BPF_ALU64 | BPF_ADD | BPF_K
	)
	r0 := scalar.Unknown()
	fmt.Println(scalar.Format(r0))
	r0 = scalar.ALU(alu64AndK, 0, 0xff0, r0, scalar.Imm(0xff0))
	fmt.Println(scalar.Format(r0))
	r0 = scalar.ALU(alu64AddK, 0, 16, r0, scalar.Imm(16))
	fmt.Println(scalar.Format(r0))
	// Output:
	// scalar()
	// scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))
	// scalar(smin=umin=smin32=umin32=16,smax=umax=smax32=umax32=4096,var_off=(0x0; 0x1ff0))
}

// "if r0 > 100 goto": unknown for r0 in [0, 4080], so both branches are
// refined (as the live 6.18 kernel prints them: the bounds do not snap to
// the tnum's multiples of 16); definite for r0 in [0, 99].
func ExampleSetMinMax() {
	r0, _ := scalar.Parse("scalar(smin=smin32=0,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))")
	k := scalar.Imm(100)
	fmt.Println(scalar.BranchTaken(r0, k, scalar.JGT, false))
	taken, _, fall, _ := scalar.SetMinMax(r0, k, scalar.JGT, false)
	fmt.Println("taken:", scalar.Format(taken))
	fmt.Println("fall: ", scalar.Format(fall))
	small, _ := scalar.Parse("scalar(smin=smin32=0,smax=umax=smax32=umax32=99,var_off=(0x0; 0x7f))")
	fmt.Println(scalar.BranchTaken(small, k, scalar.JGT, false))
	// Output:
	// -1
	// taken: scalar(smin=umin=smin32=umin32=101,smax=umax=smax32=umax32=4080,var_off=(0x0; 0xff0))
	// fall:  scalar(smin=smin32=0,smax=umax=smax32=umax32=100,var_off=(0x0; 0x70))
	// 0
}

// A value known to be 0xe00 or 0xf00 that a branch has just proved is not
// 0xe00: __update_reg64_bounds (6.18 stable) sees that the range
// [0xe01, 0xf00] meets the tnum in one value only.
func ExampleValue_Sync() {
	v, _ := scalar.Parse("scalar(smin=umin=smin32=umin32=3585,smax=umax=smax32=umax32=3840,var_off=(0xe00; 0x100))")
	v.Sync()
	fmt.Println(scalar.Format(v))
	// Output:
	// 3840
}

// Format omits what is unknown and shares the "=" of equal fields.
func ExampleFormat() {
	v := scalar.Unknown()
	v.UMin = 100
	v.Sync()
	fmt.Println(scalar.Format(v))
	fmt.Println(scalar.Format(scalar.Known(5)), scalar.Format(scalar.Known(1<<20)), scalar.Format(scalar.Imm(-1)))
	// Output:
	// scalar(umin=100)
	// 5 0x100000 -1
}
