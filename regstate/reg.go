package regstate

import "github.com/verisim/verisim/scalar"

// Type is the base register type, enum bpf_reg_type without flags. The zero
// value is NOT_INIT.
type Type uint8

// Base register types modeled by verisim (include/linux/bpf.h).
const (
	NotInit         Type = iota // NOT_INIT
	Scalar                      // SCALAR_VALUE
	PtrToCtx                    // PTR_TO_CTX
	ConstPtrToMap               // CONST_PTR_TO_MAP
	PtrToMapValue               // PTR_TO_MAP_VALUE
	PtrToStack                  // PTR_TO_STACK
	PtrToBTFID                  // PTR_TO_BTF_ID
	PtrToMem                    // PTR_TO_MEM
	PtrToFunc                   // PTR_TO_FUNC
	PtrToPacket                 // PTR_TO_PACKET
	PtrToPacketMeta             // PTR_TO_PACKET_META
	PtrToPacketEnd              // PTR_TO_PACKET_END
)

// IsPacket reports PTR_TO_PACKET and PTR_TO_PACKET_META
// (reg_is_pkt_pointer).
func (t Type) IsPacket() bool { return t == PtrToPacket || t == PtrToPacketMeta }

// Flag is a type flag (enum bpf_type_flag) combined with the base type.
type Flag uint16

// Type flags modeled by verisim.
const (
	MemRdonly    Flag = 1 << iota // MEM_RDONLY
	MemPercpu                     // MEM_PERCPU
	PtrMaybeNull                  // PTR_MAYBE_NULL
	MemRingbuf                    // MEM_RINGBUF
)

// MapRef is what a register pointing at a map knows about it: the fields the
// log prints and an identity.
type MapRef struct {
	ID        int // distinct per map object (the simulated fd table's order)
	Name      string
	KeySize   uint32
	ValueSize uint32
	// Type, MaxEntries and Flags are the map's (bpf_map_type and
	// map_flags); Special reports BTF special fields in its value.
	Type, MaxEntries, Flags uint32
	Special                 bool
}

// Reg is one register's state. Only the fields that the modeled
// instructions produce exist; tnum and range bounds are represented by Known
// and Value, which is exact for constants. A scalar that is neither Known nor
// Width32 is fully unknown. Fields are ordered to pack into 64 bytes: states
// are copied on every branch.
type Reg struct {
	// Map is set for CONST_PTR_TO_MAP and PTR_TO_MAP_VALUE.
	Map *MapRef

	// BTFName is the name of the BTF type BTFID names, as the log prints
	// it after "ptr_".
	BTFName string

	// Value is the constant (var_off.value) of a Known scalar; pointers
	// are Known with Value 0 (their variable offset is not modeled).
	Value uint64

	// Off is the fixed offset of a pointer (reg->off).
	Off int32

	// ID links scalars copied from one another (reg->id).
	ID uint32

	// RefObjID is the reference a pointer holds (reg->ref_obj_id): the
	// id of an acquired reference in the state, released with it.
	RefObjID uint32

	// BTFID is the BTF type id of a PTR_TO_BTF_ID.
	BTFID uint32

	// MemSize is the size of a PTR_TO_MEM region, and the range of a
	// packet pointer (reg->range, an int: AT_PKT_END is -1,
	// BEYOND_PKT_END -2), which shares the kernel's union with it.
	MemSize uint32

	// Subprog is the subprogram number of a PTR_TO_FUNC (below
	// BPF_MAX_SUBPROGS, 256: an int16 keeps Reg at 136 bytes).
	Subprog int16

	Flags Flag
	Type  Type

	// Known reports a scalar whose var_off is constant.
	Known bool

	// Precise is the precision mark of a scalar (reg->precise).
	Precise bool

	// Width32 marks a scalar that is not Known but whose upper 32 bits are
	// zero: a 32-bit ALU result or a w-register copy of something unknown.
	Width32 bool

	// BTFBad marks a BTFID that names no type: printing it would
	// dereference NULL in the 5.9 kernel_type_name.
	BTFBad bool

	// AddConst is BPF_ADD_CONST on a scalar's ID: the register is its
	// linked copies plus Off (rX += K after rX = rY), 6.18 only.
	AddConst bool

	// Ranged marks a scalar that is neither Known, fully unknown nor
	// Width32: its value is Range (6.18 only). Values that one of the
	// other forms describes are never Ranged (SetScalar normalizes), so
	// that == and the printers see one form per value.
	Ranged bool

	// Range is the value of a Ranged scalar; zero otherwise.
	Range scalar.Value

	// Written is the 5.9 liveness mark REG_LIVE_WRITTEN, printed as "_w" in
	// that era's log. 6.18 has no liveness marks.
	Written bool
}

// Const returns a known scalar.
func Const(v uint64) Reg { return Reg{Type: Scalar, Known: true, Value: v} }

// Unknown returns a scalar with no known bits (mark_reg_unknown).
func Unknown() Reg { return Reg{Type: Scalar} }

// IsConst reports whether r is a scalar with a constant value.
func (r Reg) IsConst() bool { return r.Type == Scalar && r.Known }

// IsPointer reports whether r holds a pointer (any initialized non-scalar).
func (r Reg) IsPointer() bool { return r.Type != NotInit && r.Type != Scalar }

// width32Value is the value a Width32 scalar stands for: an unknown
// 64-bit scalar zero-extended from 32 bits.
var width32Value = scalar.Mov32(scalar.Unknown())

// ScalarValue returns the scalar.Value of a scalar register, whichever
// form it is held in.
func (r Reg) ScalarValue() scalar.Value {
	switch {
	case r.Known:
		return scalar.Known(r.Value)
	case r.Ranged:
		return r.Range
	case r.Width32:
		return width32Value
	}
	return scalar.Unknown()
}

// SetScalar makes r a scalar holding v, keeping its other fields (id,
// precision, liveness): a constant tnum becomes Known, the unknown and
// the zero-extended unknown values their flags, anything else Ranged.
func (r *Reg) SetScalar(v scalar.Value) {
	r.Type = Scalar
	r.Known, r.Value, r.Width32, r.Ranged, r.Range = false, 0, false, false, scalar.Value{}
	switch {
	case v.VarOff.IsConst():
		r.Known, r.Value = true, v.VarOff.Value
	case v == scalar.Unknown():
	case v == width32Value:
		r.Width32 = true
	default:
		r.Ranged, r.Range = true, v
	}
}
