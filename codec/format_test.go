package codec

import (
	"encoding/hex"
	"image"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The worked example of FORMAT.md, byte for byte.
const (
	exampleKey = "44 48 02 01 00 00 00 00 41 00 02 00 02 00 00 01" +
		" 00 02 00 00 10 00 00 00 10 00 00 00 00 00 00 00" +
		" 00 01 ff 00 00" +
		" 00 02 01 00 00 ff 00 ff 00 00 80"
	exampleDelta = "44 48 02 00 01 00 00 00 41 00 02 00 01 00 00 01" +
		" 00 01 00 00 09 00 00 00 09 00 00 00 00 00 00 00" +
		" 01 11 00 01 00 00 ff ff ff"
	exampleCopy = "44 48 02 00 02 00 00 00 41 00 02 00 01 00 00 01" +
		" 00 01 00 00 04 00 00 00 04 00 00 00 00 00 00 00" +
		" 01 20 7f 00"
)

// mustHex decodes space-separated hex bytes.
func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func TestFormatExample(t *testing.T) {
	// 65x2: tile 0 (64x2) is red, tile 1 (1x2) is a blue pixel over a green one.
	fr := newFrame(65, 2, BGRA, 0)
	fr.fill(image.Rect(0, 0, 64, 2), 0xFF, 0, 0)
	fr.set(64, 0, 0, 0, 0xFF)
	fr.set(64, 1, 0, 0xFF, 0)
	enc, dec := newPair(t, nil)

	msg, err := enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	assert.Equal(t, exampleKey, spaced(msg))
	_, err = dec.Decode(mustHex(exampleKey))
	require.NoError(t, err)
	requireSame(t, dec.Image(), fr)

	// The green pixel turns white.
	fr.set(64, 1, 0xFF, 0xFF, 0xFF)
	msg, err = enc.Encode(nil, fr.Image, false)
	require.NoError(t, err)
	assert.Equal(t, exampleDelta, spaced(msg))
	u, err := dec.Decode(mustHex(exampleDelta))
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(64, 1, 65, 2)}, u.Rects)
	requireSame(t, dec.Image(), fr)

	// The hand-written copy: tile 1 takes the previous picture's x = 0.
	u, err = dec.Decode(mustHex(exampleCopy))
	require.NoError(t, err)
	assert.Equal(t, []image.Rectangle{image.Rect(64, 0, 65, 2)}, u.Rects)
	fr.set(64, 0, 0xFF, 0, 0)
	fr.set(64, 1, 0xFF, 0, 0)
	requireSame(t, dec.Image(), fr)

	// FORMAT.md shows the same bytes.
	doc, err := os.ReadFile("FORMAT.md")
	require.NoError(t, err)
	flat := strings.Join(strings.Fields(string(doc)), " ")
	for _, ex := range []string{exampleKey, exampleDelta, exampleCopy} {
		assert.Contains(t, flat, ex[:(HeaderSize+ChunkHeaderSize)*3-1], "FORMAT.md must show the example header and chunk table")
	}
	for _, rec := range []string{"00 01 ff 00 00", "00 02 01 00 00 ff 00 ff 00 00 80", "01 11 00 01 00 00 ff ff ff", "01 20 7f 00"} {
		assert.Contains(t, flat, rec, "FORMAT.md must show the records")
	}
}

func spaced(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(hex.EncodeToString([]byte{c}))
	}
	return sb.String()
}
