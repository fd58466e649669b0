package main

import (
	"fmt"
	"strings"
)

// tokKind classifies a C token.
type tokKind uint8

const (
	tIdent tokKind = iota + 1
	tNumber
	tString
	tChar
	tPunct
	tDirective // a whole preprocessor line, continuations joined
)

// tok is one token of a C file: its text, the line it starts on and the
// conditional region (#if nesting) it lies in.
type tok struct {
	kind  tokKind
	text  string
	line  int
	guard int // index into file.guards; 0 is the unconditional region
}

func (t tok) is(s string) bool { return t.kind != tString && t.kind != tChar && t.text == s }

// puncts are C's multi-character punctuators, longest first.
var puncts = []string{
	"<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
	"+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##",
}

// tokenize splits C source into tokens: comments dropped, each
// preprocessor directive kept whole as one tDirective token (its text
// without the '#', continuations joined, comments removed).
func tokenize(src string) ([]tok, error) {
	var out []tok
	line := 1
	bol := true // only whitespace since the start of the line
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			bol = true
			i++
			continue
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			line++
			i += 2
			continue
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(src[i:i+2+end+2], "\n")
			i += 2 + end + 2
			continue
		case c == '#' && bol:
			start := line
			var b strings.Builder
			i++
			for i < len(src) && src[i] != '\n' {
				switch {
				case src[i] == '\\' && i+1 < len(src) && src[i+1] == '\n':
					b.WriteByte(' ')
					line++
					i += 2
				case strings.HasPrefix(src[i:], "/*"):
					end := strings.Index(src[i+2:], "*/")
					if end < 0 {
						return nil, fmt.Errorf("line %d: unterminated comment", line)
					}
					line += strings.Count(src[i:i+2+end+2], "\n")
					b.WriteByte(' ')
					i += 2 + end + 2
				case strings.HasPrefix(src[i:], "//"):
					for i < len(src) && src[i] != '\n' {
						i++
					}
				default:
					b.WriteByte(src[i])
					i++
				}
			}
			out = append(out, tok{kind: tDirective, text: strings.TrimSpace(b.String()), line: start})
			continue
		}
		bol = false
		switch {
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			out = append(out, tok{kind: tIdent, text: src[i:j], line: line})
			i = j
		case c >= '0' && c <= '9':
			j := i + 1
			for j < len(src) && (isIdentChar(src[j]) || src[j] == '.') {
				j++
			}
			out = append(out, tok{kind: tNumber, text: src[i:j], line: line})
			i = j
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				if j < len(src) && src[j] == '\n' {
					line++
				}
				j++
			}
			if j >= len(src) {
				return nil, fmt.Errorf("line %d: unterminated literal", line)
			}
			k := tString
			if c == '\'' {
				k = tChar
			}
			out = append(out, tok{kind: k, text: src[i : j+1], line: line})
			i = j + 1
		default:
			p := string(c)
			for _, m := range puncts {
				if strings.HasPrefix(src[i:], m) {
					p = m
					break
				}
			}
			out = append(out, tok{kind: tPunct, text: p, line: line})
			i += len(p)
		}
	}
	return out, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }
