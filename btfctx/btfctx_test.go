package btfctx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/verisim/verisim/btfctx"
)

func TestParseKallsyms(t *testing.T) {
	k, err := btfctx.ParseKallsyms(strings.NewReader(
		"ffffffff81000000 T _stext\n" +
			"ffffffff8150e310 T bpf_get_current_pid_tgid\n" +
			"0000000000000000 A fixed_percpu_data\n" +
			"ffffffffc0000000 t bpf_prog_abc_f\t[bpf]\n" +
			"ffffffffc0001000 t mod_fn\t[mymod]\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]uint64{
		"bpf_get_current_pid_tgid": 0xffffffff8150e310,
		"mod_fn":                   0xffffffffc0001000,
		"fixed_percpu_data":        0, // listed at 0: kallsyms_lookup_name gives 0
		"bpf_prog_abc_f":           0, // BPF programs are not looked up
		"missing":                  0,
	} {
		if got := k.Lookup(name); got != want {
			t.Errorf("Lookup(%q) = %#x, want %#x", name, got, want)
		}
	}
}

func TestParseKallsymsRestricted(t *testing.T) {
	k, err := btfctx.ParseKallsyms(strings.NewReader("0000000000000000 T a\n0000000000000000 T b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !k.Restricted() || k.Lookup("a") == 0 || k.Lookup("a") == k.Lookup("b") || k.Lookup("c") != 0 {
		t.Errorf("restricted listing: a=%#x b=%#x c=%#x", k.Lookup("a"), k.Lookup("b"), k.Lookup("c"))
	}
}

func TestParseKallsymsCorrupt(t *testing.T) {
	for _, in := range []string{"xyz T a\n", "ffff T\n", "ffff TT a\n", "ffff T a b c\n"} {
		if _, err := btfctx.ParseKallsyms(strings.NewReader(in)); !errors.Is(err, btfctx.ErrCorrupt) {
			t.Errorf("ParseKallsyms(%q) error = %v, want ErrCorrupt", in, err)
		}
	}
}

func TestLoadBTFCorrupt(t *testing.T) {
	if _, err := btfctx.LoadBTF("junk", strings.NewReader("not btf at all")); !errors.Is(err, btfctx.ErrCorrupt) {
		t.Errorf("LoadBTF(junk) error = %v, want ErrCorrupt", err)
	}
}

func TestDecl(t *testing.T) {
	m := btfctx.Map{Type: btfctx.MapArray, KeySize: 4, ValueSize: 8, MaxEntries: 1}
	bad := []btfctx.Decl{
		{Maps: []btfctx.MapDecl{{FD: -1, Map: m}}},
		{Maps: []btfctx.MapDecl{{FD: 3, Map: m}}, Files: []int32{3}},
		{BTFs: []btfctx.BTFDecl{{FD: 4}}},
		{Maps: []btfctx.MapDecl{{FD: 3, Map: btfctx.Map{Name: "a-name-of-16-byt"}}}},
	}
	for _, d := range bad {
		if _, err := btfctx.New(d, btfctx.Options{}); !errors.Is(err, btfctx.ErrDecl) {
			t.Errorf("New(%+v) error = %v, want ErrDecl", d, err)
		}
	}
	c, err := btfctx.New(btfctx.Decl{Maps: []btfctx.MapDecl{{FD: 3, Map: m}}, Files: []int32{1}}, btfctx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Kind(3) != btfctx.FDMap || c.Kind(1) != btfctx.FDFile || c.Kind(2) != btfctx.FDClosed || c.Map(3).ValueSize != 8 {
		t.Errorf("fd kinds: 3=%v 1=%v 2=%v", c.Kind(3), c.Kind(1), c.Kind(2))
	}
}

// TestFDArrayAt checks the documented fd_array memory layout.
func TestFDArrayAt(t *testing.T) {
	d := btfctx.Decl{FDArray: []int32{7, 8}, HasFDArray: true}
	cases := []struct {
		idx  int32
		fd   int32
		fine bool
	}{{0, 7, true}, {1, 8, true}, {2, 0, false}, {-1, -1, true}, {-1022, -1, true}, {-1023, 0, false}, {-1 << 31, 0, false}}
	for _, c := range cases {
		fd, ok := d.FDArrayAt(c.idx)
		if fd != c.fd || ok != c.fine {
			t.Errorf("FDArrayAt(%d) = %d, %v; want %d, %v", c.idx, fd, ok, c.fd, c.fine)
		}
	}
}

func TestParseMapType(t *testing.T) {
	if mt, err := btfctx.ParseMapType("percpu_array"); err != nil || mt != btfctx.MapPercpuArray {
		t.Errorf("ParseMapType(percpu_array) = %v, %v", mt, err)
	}
	if _, err := btfctx.ParseMapType("arr"); err == nil {
		t.Error("ParseMapType(arr) succeeded")
	}
}

// TestHostOnce: the host's vmlinux BTF is parsed once per process, however
// many option sets ask for it.
func TestHostOnce(t *testing.T) {
	o := btfctx.Host()
	if o.Vmlinux == nil {
		t.Skip("no readable " + btfctx.HostVmlinuxPath)
	}
	a, err := o.Vmlinux()
	if err != nil {
		t.Fatal(err)
	}
	b, err := btfctx.Host().Vmlinux()
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("vmlinux BTF parsed twice")
	}
}

// TestNewRefusesMaps: a declaration with a map BPF_MAP_CREATE would refuse
// is an error naming the map and the kernel's errno.
func TestNewRefusesMaps(t *testing.T) {
	cases := []struct {
		m    btfctx.Map
		want string
	}{
		{btfctx.Map{Type: 9999, KeySize: 4, ValueSize: 4, MaxEntries: 1}, "the MapType(9999) map at fd 3: BPF_MAP_CREATE would fail with EINVAL in map_create: map type 9999 is not one 6.18 has"},
		{btfctx.Map{Type: btfctx.MapArray, KeySize: 8, ValueSize: 4, MaxEntries: 1, Name: "arr"}, `the array map at fd 3 ("arr"): BPF_MAP_CREATE would fail with EINVAL in array_map_alloc_check: key_size 8`},
		{btfctx.Map{Type: btfctx.MapLRUHash, KeySize: 4, ValueSize: 4, MaxEntries: 1, Flags: btfctx.MapFlagNoPrealloc}, "ENOTSUPP in htab_map_alloc_check: BPF_F_NO_PREALLOC on an LRU map"},
	}
	for _, tc := range cases {
		_, err := btfctx.New(btfctx.Decl{Maps: []btfctx.MapDecl{{FD: 3, Map: tc.m}}}, btfctx.Options{})
		if err == nil || !errors.Is(err, btfctx.ErrDecl) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.m, err, tc.want)
		}
	}
}
