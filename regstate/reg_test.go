package regstate

import "testing"

func TestWidth32IsTheZeroExtendedUnknown(t *testing.T) {
	r := Reg{Type: Scalar, Width32: true}
	var q Reg
	q.SetScalar(width32Value)
	if !q.Width32 {
		t.Fatal("width32 not normalized")
	}
	q.Ranged, q.Width32, q.Range = true, false, width32Value
	if r.Format618() != q.Format618() {
		t.Fatalf("%q != %q", r.Format618(), q.Format618())
	}
	q.ID = 3
	if got, want := q.Format618(), "scalar(id=3,smin=0,smax=umax=0xffffffff,var_off=(0x0; 0xffffffff))"; got != want {
		t.Fatalf("%q, want %q", got, want)
	}
}
