//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"encoding/binary"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/deskhand/deskhand/clipboard"
)

// Decoders of what other clients put in properties. xgb has already split
// the reply; these read its value bytes, which the other client chose. The
// connection is little-endian (xgb opens it so), hence format-32 items are.

// maxPairs bounds a MULTIPLE request: real ones ask for a handful of targets.
const maxPairs = 64

// atomPair is one (target, property) entry of a MULTIPLE request.
type atomPair struct{ target, property uint32 }

// parseIncrSize reads the value of an INCR property: a lower bound of the
// size to come. Some owners send none (xclip writes an empty INCR): a
// missing or malformed bound is 0, i.e. unknown.
func parseIncrSize(value []byte, format byte) uint32 {
	if format != 32 || len(value) < 4 {
		return 0
	}
	return binary.LittleEndian.Uint32(value)
}

// parseAtomPairs reads the ATOM_PAIR list of a MULTIPLE request.
func parseAtomPairs(value []byte, format byte) ([]atomPair, error) {
	if format != 32 || len(value)%8 != 0 {
		return nil, fmt.Errorf("%w: MULTIPLE with %d-bit value of %d bytes, want 32-bit atom pairs", ErrBadReply, format, len(value))
	}
	n := len(value) / 8
	if n > maxPairs {
		return nil, fmt.Errorf("%w: MULTIPLE asks for %d targets, at most %d served", ErrBadReply, n, maxPairs)
	}
	pairs := make([]atomPair, n)
	for i := range pairs {
		pairs[i] = atomPair{
			target:   binary.LittleEndian.Uint32(value[8*i:]),
			property: binary.LittleEndian.Uint32(value[8*i+4:]),
		}
	}
	return pairs, nil
}

func encodeAtomPairs(pairs []atomPair) []byte {
	b := make([]byte, 8*len(pairs))
	for i, p := range pairs {
		binary.LittleEndian.PutUint32(b[8*i:], p.target)
		binary.LittleEndian.PutUint32(b[8*i+4:], p.property)
	}
	return b
}

func encode32(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// decodeText turns a property value into clipboard text: STRING is
// ISO 8859-1, anything else is taken as UTF-8. NULs are dropped and invalid
// UTF-8 repaired (clipboard.Sanitize): a C program may include its
// terminating NUL, and any program may send garbage.
func decodeText(b []byte, latin1 bool) string {
	if !latin1 {
		return clipboard.Sanitize(string(b))
	}
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf || c == 0 {
			ascii = false
			break
		}
	}
	if ascii {
		return string(b)
	}
	out := make([]byte, 0, len(b)+len(b)/2)
	for _, c := range b {
		if c != 0 {
			out = utf8.AppendRune(out, rune(c))
		}
	}
	return string(out)
}

// latin1 encodes text as STRING: characters outside ISO 8859-1 become '?',
// as the STRING target cannot carry them (UTF8_STRING can).
func latin1(text string) []byte {
	out := make([]byte, 0, len(text))
	for _, r := range text {
		if r > 0xff {
			r = '?'
		}
		out = append(out, byte(r))
	}
	return out
}

// isLatin1 reports whether STRING carries text without loss.
func isLatin1(text string) bool {
	for _, r := range text {
		if r > 0xff {
			return false
		}
	}
	return true
}

// probeUnits returns how many 32-bit units GetProperty must ask for to read
// room bytes and learn whether there is more.
func probeUnits(room int) uint32 {
	if room < 0 {
		room = 0
	}
	u := uint64(room)/4 + 1
	if u > math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(u)
}
