package fuzz

import (
	"encoding/binary"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/fixtures"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
)

// MaxSlots bounds a fuzz input's program so that one execution stays
// fast; the simulator's own bound is the kernel's 1,000,000.
const MaxSlots = 4096

var progTypes = []verifier.ProgType{verifier.SocketFilter, verifier.Kprobe, verifier.XDP, verifier.CgroupSKB, verifier.PerfEvent}

// Input is a decoded fuzz input.
type Input struct {
	Profile  *verifier.Profile
	ProgType verifier.ProgType
	Decl     btfctx.Decl
	Level    uint32
	Slots    []insn.Slot
}

// fuzzProfiles are the profiles profileOf picks from: rfc and 6.18 first,
// as bit 0 alone picks them, then the older kernels.
var fuzzProfiles = []*verifier.Profile{verifier.RFC, verifier.Linux618, verifier.Linux510, verifier.Linux61, verifier.Linux612}

// profileOf picks a profile from bit 0 and bits 6-7 of b.
func profileOf(b byte) *verifier.Profile {
	return fuzzProfiles[(int(b&1)|int(b>>6)<<1)%len(fuzzProfiles)]
}

// Decode turns arbitrary bytes into an Input. The first byte picks the
// profile (bits 0, 6 and 7), program type (bits 1-3) and log level (bits
// 4-5); the second and third pick which of
// the standard fds (fixtures.StdDecl) exist and what they are; the rest,
// truncated to whole slots and MaxSlots, is the program.
func Decode(data []byte) Input {
	var hdr [3]byte
	copy(hdr[:], data)
	if len(data) > 3 {
		data = data[3:]
	} else {
		data = nil
	}
	in := Input{
		Profile:  profileOf(hdr[0]),
		ProgType: progTypes[int(hdr[0]>>1&7)%len(progTypes)],
		Level:    uint32(hdr[0]>>4&3) % 3,
	}
	std := fixtures.StdDecl()
	mask := binary.LittleEndian.Uint16(hdr[1:])
	for i, m := range std.Maps {
		if mask&(1<<i) == 0 {
			in.Decl.Maps = append(in.Decl.Maps, m)
		}
	}
	if mask&(1<<8) == 0 {
		in.Decl.BTFs = std.BTFs
	}
	if mask&(1<<9) == 0 {
		in.Decl.Files = std.Files
	}
	if in.Profile.Has(verifier.FeatMapIdx) && mask&(1<<10) == 0 {
		in.Decl.FDArray, in.Decl.HasFDArray = std.FDArray, true
		if mask&(1<<11) != 0 {
			in.Decl.FDArrayCnt = uint32(mask>>12) % 6
		}
	}
	n := len(data) / insn.Size
	if n > MaxSlots {
		n = MaxSlots
	}
	in.Slots, _ = insn.Decode(data[:n*insn.Size])
	return in
}

// Config returns the verifier configuration of in over the kernel data of
// opts (the tiny BTF's, built once per target so that it is parsed once).
func (in Input) Config(opts btfctx.Options, keep bool) (verifier.Config, error) {
	ctx, err := btfctx.New(in.Decl, opts)
	if err != nil {
		return verifier.Config{}, err
	}
	return verifier.Config{Profile: in.Profile, ProgType: in.ProgType, Env: ctx, LogLevel: verifier.LogLevel(in.Level), KeepStates: keep}, nil
}
