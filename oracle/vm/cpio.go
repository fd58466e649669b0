package vm

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// An initramfs is a cpio archive in the "newc" format
// (Documentation/driver-api/early-userspace/buffer-format.rst): each entry
// is a 110-byte ASCII header, the NUL-ended name padded to 4 bytes, the
// data padded to 4 bytes; a "TRAILER!!!" entry ends the archive.
//
//	"070701" ino mode uid gid nlink mtime filesize
//	         devmajor devminor rdevmajor rdevminor namesize check
//	(each field 8 hex digits)

// cpioEntry is one file, directory or device node of an initramfs.
type cpioEntry struct {
	Name  string      // without a leading slash
	Mode  fs.FileMode // the type bits and the permissions
	Data  []byte      // regular files only
	Major uint32      // device nodes only
	Minor uint32
}

// unix file type bits of a cpio mode.
const (
	sIFDIR = 0o040000
	sIFREG = 0o100000
	sIFCHR = 0o020000
)

func (e cpioEntry) mode() (uint32, error) {
	perm := uint32(e.Mode.Perm())
	switch {
	case e.Mode.IsDir():
		return sIFDIR | perm, nil
	case e.Mode.IsRegular():
		return sIFREG | perm, nil
	case e.Mode&fs.ModeCharDevice != 0:
		return sIFCHR | perm, nil
	}
	return 0, fmt.Errorf("cpio: %s: unsupported mode %v", e.Name, e.Mode)
}

// writeCpio writes entries as a newc archive, with every parent directory
// the entries need added first, sorted by name so the archive is
// deterministic (mtime 0, inode numbers in order).
func writeCpio(w io.Writer, entries []cpioEntry) error {
	byName := map[string]cpioEntry{}
	for _, e := range entries {
		e.Name = strings.TrimPrefix(path.Clean("/"+e.Name), "/")
		if e.Name == "" {
			return fmt.Errorf("cpio: empty name")
		}
		if _, dup := byName[e.Name]; dup {
			return fmt.Errorf("cpio: %s twice", e.Name)
		}
		byName[e.Name] = e
	}
	for name := range byName {
		for d := path.Dir(name); d != "."; d = path.Dir(d) {
			if _, ok := byName[d]; !ok {
				byName[d] = cpioEntry{Name: d, Mode: fs.ModeDir | 0o755}
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names) // a parent sorts before its children
	bw := bufio.NewWriter(w)
	ino := uint32(1)
	for _, n := range names {
		e := byName[n]
		mode, err := e.mode()
		if err != nil {
			return err
		}
		if !e.Mode.IsRegular() && len(e.Data) > 0 {
			return fmt.Errorf("cpio: %s: data for a non-regular file", e.Name)
		}
		nlink := uint32(1)
		if e.Mode.IsDir() {
			nlink = 2
		}
		if err := writeCpioEntry(bw, ino, mode, nlink, e.Major, e.Minor, e.Name, e.Data); err != nil {
			return err
		}
		ino++
	}
	if err := writeCpioEntry(bw, 0, 0, 1, 0, 0, "TRAILER!!!", nil); err != nil {
		return err
	}
	return bw.Flush()
}

func writeCpioEntry(w *bufio.Writer, ino, mode, nlink, rmajor, rminor uint32, name string, data []byte) error {
	_, err := fmt.Fprintf(w, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rmajor, rminor, len(name)+1, 0)
	if err != nil {
		return err
	}
	w.WriteString(name)
	w.WriteByte(0)
	pad(w, 110+len(name)+1)
	w.Write(data)
	pad(w, len(data))
	return nil
}

func pad(w *bufio.Writer, n int) {
	for ; n%4 != 0; n++ {
		w.WriteByte(0)
	}
}
