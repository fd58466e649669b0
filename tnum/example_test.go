package tnum_test

import (
	"fmt"

	"github.com/verisim/verisim/tnum"
)

// A value known to be 0xe00 or 0xf00 (r0 |= 0xe00; r0 &= 0xf00 on an
// unknown r0) plus a value in [0, 3].
func Example() {
	a := tnum.Unknown.Or(tnum.Const(0xe00)).And(tnum.Const(0xf00))
	b := tnum.Range(0, 3)
	fmt.Println(a, b, a.Add(b))
	fmt.Println(a.Contains(0xf00), a.Contains(0xe80), a.Step(0xe00))
	// Output:
	// (0xe00; 0x100) (0x0; 0x3) (0xe00; 0x103)
	// true false 3840
}
