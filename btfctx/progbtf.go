package btfctx

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// ProgBTF is what BPF_PROG_LOAD carries of a program's BTF: the blob of
// the BTF object at prog_btf_fd (loaded with BPF_BTF_LOAD), and the
// func_info and line_info records (bpf_attr.func_info, .line_info).
type ProgBTF struct {
	// Raw is the BTF blob, in the format of /sys/kernel/btf/vmlinux.
	Raw []byte `json:"raw"`
	// FuncInfo are the bpf_func_info records (func_info_rec_size 8).
	FuncInfo []FuncInfo `json:"func_info,omitempty"`
	// LineInfo are the bpf_line_info records (line_info_rec_size 16).
	LineInfo []LineInfo `json:"line_info,omitempty"`
}

// FuncInfo is struct bpf_func_info: the instruction a function starts at
// and its BTF_KIND_FUNC type.
type FuncInfo struct {
	InsnOff uint32 `json:"insn_off"`
	TypeID  uint32 `json:"type_id"`
}

// LineInfo is struct bpf_line_info: the source line of the instructions
// from InsnOff on.
type LineInfo struct {
	InsnOff     uint32 `json:"insn_off"`
	FileNameOff uint32 `json:"file_name_off"`
	LineOff     uint32 `json:"line_off"`
	// LineCol is the line number << 10 | the column
	// (BPF_LINE_INFO_LINE_NUM, BPF_LINE_INFO_LINE_COL).
	LineCol uint32 `json:"line_col"`
}

// Line is BPF_LINE_INFO_LINE_NUM.
func (l LineInfo) Line() uint32 { return l.LineCol >> 10 }

// Record sizes the kernel expects.
const (
	FuncInfoSize = 8
	LineInfoSize = 16
)

// EncodeFuncInfo and EncodeLineInfo lay the records out as bpf(2) takes
// them (little-endian).
func EncodeFuncInfo(fi []FuncInfo) []byte {
	b := make([]byte, 0, len(fi)*FuncInfoSize)
	for _, f := range fi {
		b = binary.LittleEndian.AppendUint32(b, f.InsnOff)
		b = binary.LittleEndian.AppendUint32(b, f.TypeID)
	}
	return b
}

// EncodeLineInfo: see EncodeFuncInfo.
func EncodeLineInfo(li []LineInfo) []byte {
	b := make([]byte, 0, len(li)*LineInfoSize)
	for _, l := range li {
		for _, v := range []uint32{l.InsnOff, l.FileNameOff, l.LineOff, l.LineCol} {
			b = binary.LittleEndian.AppendUint32(b, v)
		}
	}
	return b
}

// DecodeFuncInfo and DecodeLineInfo read records laid out as bpf(2) takes
// them.
func DecodeFuncInfo(b []byte) ([]FuncInfo, error) {
	if len(b)%FuncInfoSize != 0 {
		return nil, fmt.Errorf("%w: func_info of %d bytes is not a whole number of records", ErrCorrupt, len(b))
	}
	var out []FuncInfo
	for i := 0; i < len(b); i += FuncInfoSize {
		out = append(out, FuncInfo{binary.LittleEndian.Uint32(b[i:]), binary.LittleEndian.Uint32(b[i+4:])})
	}
	return out, nil
}

// DecodeLineInfo: see DecodeFuncInfo.
func DecodeLineInfo(b []byte) ([]LineInfo, error) {
	if len(b)%LineInfoSize != 0 {
		return nil, fmt.Errorf("%w: line_info of %d bytes is not a whole number of records", ErrCorrupt, len(b))
	}
	var out []LineInfo
	le := binary.LittleEndian
	for i := 0; i < len(b); i += LineInfoSize {
		out = append(out, LineInfo{le.Uint32(b[i:]), le.Uint32(b[i+4:]), le.Uint32(b[i+8:]), le.Uint32(b[i+12:])})
	}
	return out, nil
}

// ParsedProgBTF is a ProgBTF read for the verifier: its types and its
// string section.
type ParsedProgBTF struct {
	*ProgBTF
	Types   *BTF
	strings []byte
}

// Parse reads p.Raw. It fails where BPF_BTF_LOAD would refuse the blob
// before the program load (an error of the caller's setup, not a verdict).
func (p *ProgBTF) Parse() (*ParsedProgBTF, error) {
	if len(p.Raw) > MaxLoadBTFSize {
		return nil, fmt.Errorf("program BTF: %w: %d bytes, more than BTF_MAX_SIZE (%d)", ErrTooLarge, len(p.Raw), MaxLoadBTFSize)
	}
	const hdrSize = 24 // struct btf_header
	if len(p.Raw) < hdrSize {
		return nil, fmt.Errorf("program BTF: %w: %d bytes, shorter than the BTF header", ErrCorrupt, len(p.Raw))
	}
	types, err := LoadBTF("program BTF", bytes.NewReader(p.Raw))
	if err != nil {
		return nil, err
	}
	// struct btf_header: magic u16, version u8, flags u8, hdr_len u32,
	// type_off, type_len, str_off, str_len u32.
	le := binary.LittleEndian
	hdrLen := le.Uint32(p.Raw[4:])
	strOff, strLen := le.Uint32(p.Raw[16:]), le.Uint32(p.Raw[20:])
	start := uint64(hdrLen) + uint64(strOff)
	if start+uint64(strLen) > uint64(len(p.Raw)) {
		return nil, fmt.Errorf("program BTF: %w: string section past the end", ErrCorrupt)
	}
	return &ParsedProgBTF{ProgBTF: p, Types: types, strings: p.Raw[start : start+uint64(strLen)]}, nil
}

// NameByOffset is btf_name_by_offset for a BTF without a base: the
// NUL-terminated string at off, and whether off is inside the string
// section.
func (p *ParsedProgBTF) NameByOffset(off uint32) (string, bool) {
	if uint64(off) >= uint64(len(p.strings)) {
		return "", false
	}
	s := p.strings[off:]
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	return string(s), true
}
