//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecoders(t *testing.T) {
	assert.Equal(t, uint32(1<<20), parseIncrSize(encode32(1<<20), 32))
	assert.Equal(t, uint32(0), parseIncrSize(nil, 32), "xclip announces no size")
	assert.Equal(t, uint32(0), parseIncrSize([]byte{1, 2, 3, 4}, 8))

	pairs := []atomPair{{1, 2}, {3, 0}, {0xffffffff, 7}}
	got, err := parseAtomPairs(encodeAtomPairs(pairs), 32)
	require.NoError(t, err)
	assert.Equal(t, pairs, got)
	for _, bad := range []struct {
		b      []byte
		format byte
	}{{make([]byte, 12), 32}, {make([]byte, 8), 8}, {make([]byte, 8*(maxPairs+1)), 32}} {
		_, err := parseAtomPairs(bad.b, bad.format)
		assert.ErrorIs(t, err, ErrBadReply)
	}

	assert.Equal(t, "café", decodeText([]byte("caf\xe9"), true))
	assert.Equal(t, "a\u00a0\u00ff", decodeText([]byte("a\xa0\xff\x00"), true))
	assert.Equal(t, "plain", decodeText([]byte("plain"), true))
	assert.Equal(t, "caf\uFFFD", decodeText([]byte("caf\xe9"), false))
	assert.Equal(t, "🙂", decodeText([]byte("🙂\x00"), false))

	assert.Equal(t, []byte("caf\xe9 ?"), latin1("café 🙂"))
	assert.True(t, isLatin1("café"))
	assert.False(t, isLatin1("€"))

	assert.Equal(t, uint32(1), probeUnits(0))
	assert.Equal(t, uint32(2), probeUnits(4), "4 bytes and one more")
	assert.Equal(t, uint32(2), probeUnits(7))
	assert.Equal(t, uint32(0xffffffff), probeUnits(1<<62))
}

// FuzzParseAtomPairs: MULTIPLE lists come from the requesting program.
func FuzzParseAtomPairs(f *testing.F) {
	f.Add(encodeAtomPairs([]atomPair{{1, 2}, {3, 4}}), byte(32))
	f.Add([]byte{}, byte(32))
	f.Add([]byte{1, 2, 3}, byte(32))
	f.Add(make([]byte, 16), byte(8))
	f.Fuzz(func(t *testing.T, b []byte, format byte) {
		if len(b) > 1<<16 {
			return
		}
		pairs, err := parseAtomPairs(b, format)
		if err != nil {
			if !errors.Is(err, ErrBadReply) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if len(pairs) > maxPairs {
			t.Fatalf("%d pairs, more than %d", len(pairs), maxPairs)
		}
		if !bytes.Equal(encodeAtomPairs(pairs), b) {
			t.Fatal("pairs do not re-encode to the input")
		}
	})
}

// FuzzParseIncrSize: the INCR bound comes from the owning program.
func FuzzParseIncrSize(f *testing.F) {
	f.Add([]byte{0, 0, 16, 0}, byte(32))
	f.Add([]byte{}, byte(32))
	f.Add([]byte{1}, byte(8))
	f.Fuzz(func(t *testing.T, b []byte, format byte) {
		n := parseIncrSize(b, format)
		if format == 32 && len(b) >= 4 && n != binary.LittleEndian.Uint32(b) {
			t.Fatalf("size %d from %x", n, b)
		}
		if (format != 32 || len(b) < 4) && n != 0 {
			t.Fatalf("size %d from a malformed bound", n)
		}
	})
}

// FuzzDecodeText: text bytes come from the owning program.
func FuzzDecodeText(f *testing.F) {
	for _, s := range []string{"", "abc", "caf\xe9", "é🙂", "a\x00b", "\xff\xfe", "\xed\xa0\x80"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, isLatin1 bool) {
		if len(b) > 1<<16 {
			return
		}
		text := decodeText(b, isLatin1)
		if err := clipboard.Valid(text, len(text)); err != nil {
			t.Fatalf("decodeText(%q, %v) = %q: %v", b, isLatin1, text, err)
		}
		if isLatin1 {
			// Latin-1 decodes without loss, NULs aside.
			if utf8.RuneCountInString(text) != len(b)-bytes.Count(b, []byte{0}) {
				t.Fatalf("decodeText(%q) lost characters: %q", b, text)
			}
			if !bytes.Equal(latin1(text), bytes.ReplaceAll(b, []byte{0}, nil)) {
				t.Fatalf("Latin-1 round trip of %q failed", b)
			}
		} else if utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 && text != string(b) {
			t.Fatalf("valid UTF-8 %q changed to %q", b, text)
		}
	})
}
