package main

import (
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/verisim/verisim/btfctx"
	"github.com/verisim/verisim/insn"
	"github.com/verisim/verisim/verifier"
	"github.com/verisim/verisim/verifier/object"
)

// maxRawBytes is one slot past the kernel's 1M-instruction limit: a raw
// stream is read up to here and refused if it reaches it.
const maxRawBytes = 8*verifier.MaxInsns + 8

var elfMagic = []byte("\x7fELF")

// input is one FILE, read and recognised.
type input struct {
	name string
	elf  bool
	data []byte
}

// readInput reads FILE ("-" is standard input) as format ("raw", "elf" or
// "" to detect from the first four bytes), never reading past the limit of
// its format: maxRawBytes for raw slots, object.MaxObjectSize for ELF.
func readInput(name, format string, stdin io.Reader) (input, error) {
	in := input{name: name}
	var r io.Reader
	size := int64(-1) // a regular file's size, checked before reading
	if name == "-" {
		in.name = "standard input"
		r = stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return in, usageError{err}
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return in, usagef("%s is a directory", name)
		} else if err == nil && st.Mode().IsRegular() {
			size = st.Size()
		}
		r = f
	}
	head := make([]byte, len(elfMagic))
	n, err := io.ReadFull(r, head)
	head = head[:n]
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return in, usagef("%s: %v", in.name, err)
	}
	switch format {
	case "elf":
		if !bytes.Equal(head, elfMagic) {
			return in, usagef("%s: --format elf, but it does not start with the ELF magic \\x7fELF", in.name)
		}
		in.elf = true
	case "raw":
	default:
		in.elf = bytes.Equal(head, elfMagic)
	}
	limit := int64(maxRawBytes)
	if in.elf {
		limit = object.MaxObjectSize
	}
	var rest []byte
	if size > limit {
		err = btfctx.ErrTooLarge
	} else {
		rest, err = btfctx.ReadLimit(r, in.name, limit-int64(len(head)))
	}
	if errors.Is(err, btfctx.ErrTooLarge) {
		if in.elf {
			return in, usagef("%s: an ELF object of more than %d bytes (verisim reads at most %d)", in.name, limit, limit)
		}
		return in, usagef("%s: more than the kernel's limit of %d instructions (verisim reads at most %d bytes)", in.name, verifier.MaxInsns, limit)
	}
	if err != nil {
		return in, usageError{err}
	}
	in.data = append(head, rest...)
	return in, nil
}

// slots decodes a raw stream.
func (in input) slots() ([]insn.Slot, error) {
	slots, err := insn.Decode(in.data)
	if err != nil {
		return nil, usagef("%s: %v", in.name, err)
	}
	if len(slots) > verifier.MaxInsns {
		return nil, usagef("%s: %d instructions, more than the kernel's limit of %d", in.name, len(slots), verifier.MaxInsns)
	}
	return slots, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	return termios(f)
}
