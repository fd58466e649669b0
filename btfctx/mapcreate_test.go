package btfctx_test

import (
	"errors"
	"syscall"
	"testing"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/oracle"
)

// checkCreateGrid is every combination of the attributes whose checks are
// modeled, at the edges the checks draw.
func checkCreateGrid() []btfctx.Map {
	types := []btfctx.MapType{btfctx.MapArray, btfctx.MapPercpuArray, btfctx.MapProgArray, btfctx.MapPerfEventArray,
		btfctx.MapCgroupArray, btfctx.MapHash, btfctx.MapPercpuHash, btfctx.MapLRUHash, btfctx.MapLRUPercpuHash,
		btfctx.MapType(34), btfctx.MapType(9999)}
	sizes := []uint32{0, 4, 32768, 32769, 1<<22 - 60, 1 << 31, 1<<32 - 1}
	flags := []uint32{0, btfctx.MapFlagNoPrealloc, btfctx.MapFlagNoCommonLRU, btfctx.MapFlagNumaNode,
		btfctx.MapFlagRdonly | btfctx.MapFlagWronly, btfctx.MapFlagRdonlyProg, btfctx.MapFlagRdonlyProg | btfctx.MapFlagWronlyProg,
		btfctx.MapFlagMmapable, btfctx.MapFlagPreserveElems, btfctx.MapFlagInnerMap, btfctx.MapFlagZeroSeed, 1 << 30}
	var out []btfctx.Map
	for _, t := range types {
		for _, k := range []uint32{0, 4, 8} {
			if k == 8 && t > btfctx.MapLRUPercpuHash {
				continue
			}
			for _, v := range sizes {
				for _, f := range flags {
					for _, e := range []uint32{0, 1} {
						out = append(out, btfctx.Map{Type: t, KeySize: k, ValueSize: v, MaxEntries: e, Flags: f})
					}
				}
			}
		}
		out = append(out, btfctx.Map{Type: t, KeySize: 4, ValueSize: 4, MaxEntries: 1, Extra: 1})
	}
	return out
}

// Map.CheckCreate says what the live kernel's BPF_MAP_CREATE says, on
// every point of the grid where the kernel's answer does not depend on
// memory (it refuses the rest with ENOMEM, which no check models).
func TestCheckCreateLive(t *testing.T) {
	oracle.Require(t)
	agree, enomem := 0, 0
	for _, m := range checkCreateGrid() {
		kerr := oracle.CreateMap(m)
		var want syscall.Errno
		if !errors.As(kerr, &want) && kerr != nil {
			t.Fatalf("%+v: %v", m, kerr)
		}
		if want == syscall.ENOMEM {
			enomem++
			continue
		}
		got := 0
		var ce *btfctx.MapCreateError
		if err := m.CheckCreate(); errors.As(err, &ce) {
			got = ce.Errno
		}
		if got != int(want) {
			t.Errorf("%+v: CheckCreate gives errno %d, the kernel %d (%v)", m, got, int(want), kerr)
			continue
		}
		agree++
	}
	t.Logf("%d maps agree with the kernel, %d refused for memory", agree, enomem)
}
