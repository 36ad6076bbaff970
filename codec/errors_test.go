package codec

import (
	"bytes"
	"encoding/binary"
	"image"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// session is a key frame and two deltas from a real encoder, and the frames
// they show.
type session struct {
	frames []*frame
	msgs   [][]byte
}

// newSession encodes a desktop-like frame and two small changes. Text makes
// the messages zstd-compressed; noise makes them uncompressed.
func newSession(t testing.TB, w, h int, noise bool) session {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	f := newFont(rng)
	var fr *frame
	if noise {
		fr = randomFrame(rng, w, h, BGRA, 0)
	} else {
		fr = desktopFrame(rng, f, w, h, BGRA)
	}
	enc, err := NewEncoder()
	require.NoError(t, err)
	defer enc.Close()
	var s session
	for i := range 3 {
		if i > 0 {
			if noise {
				for y := 3; y < 13; y++ {
					for x := 5; x < 15; x++ {
						fr.set((x+i*20)%w, y%h, byte(rng.Uint32()), byte(rng.Uint32()), byte(rng.Uint32()))
					}
				}
			} else {
				fr.glyph(f, i, (w/2+i*7)%w, h/2, 0, 0, 0, 255, 255, 255)
				fr.glyph(f, i, 5, h-12, 255, 0, 0, 0, 0, 0)
			}
		}
		msg, err := enc.Encode(nil, fr.Image, false)
		require.NoError(t, err)
		require.NotEmpty(t, msg)
		s.frames = append(s.frames, fr.clone())
		s.msgs = append(s.msgs, msg)
	}
	return s
}

// decoderAt returns a decoder that has applied the first n messages.
func (s session) decoderAt(t testing.TB, n int, opts ...DecoderOption) *Decoder {
	t.Helper()
	d, err := NewDecoder(opts...)
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	for _, m := range s.msgs[:n] {
		_, err := d.Decode(m)
		require.NoError(t, err)
	}
	return d
}

// chunksOf parses the header and chunk table of a valid message.
func chunksOf(t testing.TB, msg []byte) (Header, []chunkHeader) {
	t.Helper()
	var cs [MaxChunks]chunkHeader
	h, err := parseHeader(msg, &cs)
	require.NoError(t, err)
	return h, cs[:h.Chunks]
}

func TestSessionMethods(t *testing.T) {
	_, cs := chunksOf(t, newSession(t, 200, 150, false).msgs[0])
	assert.Equal(t, byte(methodZstd), cs[0].method)
	_, cs = chunksOf(t, newSession(t, 48, 40, true).msgs[1])
	assert.Equal(t, byte(methodNone), cs[0].method)
}

// requireNeedsKey checks that after an error the next good delta is refused and
// the framebuffer still shows want, then that a key frame recovers.
func requireNeedsKey(t *testing.T, d *Decoder, s session, delta []byte, want *frame) {
	t.Helper()
	requireSame(t, d.Image(), want)
	_, err := d.Decode(delta)
	require.ErrorIs(t, err, ErrNeedKeyFrame)
	requireSame(t, d.Image(), want)
	_, err = d.Decode(s.msgs[0])
	require.NoError(t, err)
	requireSame(t, d.Image(), s.frames[0])
}

func TestTruncated(t *testing.T) {
	for _, noise := range []bool{false, true} {
		s := newSession(t, 100, 60, false)
		if noise {
			s = newSession(t, 48, 40, true)
		}
		d := s.decoderAt(t, 1)
		shown := append([]byte(nil), d.Image().Pix...)
		for i, msg := range s.msgs {
			for n := 0; n < len(msg); n += sampleStep() {
				_, err := d.Decode(msg[:n])
				require.Error(t, err, "message %d truncated to %d of %d bytes", i, n, len(msg))
				require.True(t, bytes.Equal(shown, d.Image().Pix), "message %d truncated to %d bytes changed the picture", i, n)
				// The next message in sequence is refused: the decoder wants a key frame.
				_, err = d.Decode(s.msgs[1])
				require.ErrorIs(t, err, ErrNeedKeyFrame)
				_, err = d.Decode(s.msgs[0])
				require.NoError(t, err)
			}
			_, err := d.Decode(append(append([]byte(nil), msg...), 0))
			require.ErrorIs(t, err, ErrCorrupt, "trailing byte")
			_, err = d.Decode(s.msgs[0])
			require.NoError(t, err)
		}
		requireSame(t, d.Image(), s.frames[0])
	}
}

func TestBitFlips(t *testing.T) {
	text := newSession(t, 90, 50, false)
	noise := newSession(t, 48, 40, true)
	cases := []struct {
		name  string
		s     session
		msg   []byte
		limit int // bytes to flip; flips inside raw pixels only change colours
	}{
		{"text key", text, text.msgs[0], len(text.msgs[0])},
		{"text delta", text, text.msgs[1], len(text.msgs[1])},
		{"noise delta", noise, noise.msgs[1], HeaderSize + 64},
	}
	for _, c := range cases {
		d := c.s.decoderAt(t, 1)
		shown := append([]byte(nil), d.Image().Pix...)
		flipped := make([]byte, len(c.msg))
		refused := 0
		for i := 0; i < min(len(c.msg), c.limit)*8; i += sampleStep() {
			copy(flipped, c.msg)
			flipped[i/8] ^= 1 << (i % 8)
			if _, err := d.Decode(flipped); err != nil {
				refused++
				require.True(t, bytes.Equal(shown, d.Image().Pix), "%s: bit %d: a failed message changed the picture", c.name, i)
			}
			// Back to the state after the key frame.
			_, err := d.Decode(c.s.msgs[0])
			require.NoError(t, err)
		}
		t.Logf("%s: %d of %d bit flips refused", c.name, refused, min(len(c.msg), c.limit)*8/sampleStep())
		require.NotZero(t, refused)
	}
}

func TestTooLarge(t *testing.T) {
	// The largest frame the format can declare (65535x65535, 4.3 Gpx, 17 GB as
	// RGBA; 100000x100000 does not fit the 16-bit fields), with a plausible
	// header and a tiny payload.
	msg := make([]byte, HeaderSize+ChunkHeaderSize+16)
	const tiles = 1024 * 1024
	putHeader(msg, true, 0, 65535, 65535, tiles, 1)
	putChunkHeader(msg[HeaderSize:], chunkHeader{method: methodZstd, tiles: tiles, rawLen: tiles * 100, packedLen: 16})
	_, err := ReadHeader(msg)
	require.NoError(t, err, "the header itself is valid")

	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	_, err = d.Decode(msg)
	require.ErrorIs(t, err, ErrTooLarge)
	assert.Nil(t, d.Image())

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	allocs := testing.AllocsPerRun(10, func() {
		if _, err := d.Decode(msg); err == nil {
			panic("accepted")
		}
	})
	runtime.ReadMemStats(&after)
	assert.LessOrEqual(t, allocs, 8.0, "only the error message may allocate")
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<10), "nothing large may be allocated")

	// A frame just over a configured limit.
	s := newSession(t, 100, 100, false)
	small, err := NewDecoder(WithMaxPixels(100*100 - 1))
	require.NoError(t, err)
	defer small.Close()
	_, err = small.Decode(s.msgs[0])
	require.ErrorIs(t, err, ErrTooLarge)
	exact := s.decoderAt(t, 3, WithMaxPixels(100*100))
	requireSame(t, exact.Image(), s.frames[2])

	// A message over the size limit.
	d2, err := NewDecoder(WithMaxMessage(len(s.msgs[0]) - 1))
	require.NoError(t, err)
	defer d2.Close()
	_, err = d2.Decode(s.msgs[0])
	require.ErrorIs(t, err, ErrTooLarge)
}

func TestVersion(t *testing.T) {
	s := newSession(t, 80, 80, false)
	msg := append([]byte(nil), s.msgs[0]...)
	msg[2] = 3
	h, err := ReadHeader(msg)
	require.ErrorIs(t, err, ErrVersion)
	assert.Equal(t, 3, h.Version)
	d := s.decoderAt(t, 0)
	_, err = d.Decode(msg)
	require.ErrorIs(t, err, ErrVersion)
	assert.Nil(t, d.Image())
	// A short message from a future version is still a version error.
	_, err = ReadHeader([]byte{'D', 'H', 9})
	require.ErrorIs(t, err, ErrVersion)
}

func TestNeedKeyFrame(t *testing.T) {
	s := newSession(t, 130, 90, false)

	t.Run("delta first", func(t *testing.T) {
		d := s.decoderAt(t, 0)
		_, err := d.Decode(s.msgs[1])
		require.ErrorIs(t, err, ErrNeedKeyFrame)
		assert.Nil(t, d.Image())
	})
	t.Run("seq gap", func(t *testing.T) {
		d := s.decoderAt(t, 1)
		_, err := d.Decode(s.msgs[2])
		require.ErrorIs(t, err, ErrNeedKeyFrame)
		// Even the right successor is refused now.
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
		_, err = d.Decode(s.msgs[1])
		require.NoError(t, err)
		_, err = d.Decode(s.msgs[2])
		require.NoError(t, err)
		requireSame(t, d.Image(), s.frames[2])
	})
	t.Run("replay", func(t *testing.T) {
		d := s.decoderAt(t, 2)
		_, err := d.Decode(s.msgs[1])
		require.ErrorIs(t, err, ErrNeedKeyFrame)
		requireSame(t, d.Image(), s.frames[1])
	})
	t.Run("other size", func(t *testing.T) {
		other := newSession(t, 131, 90, false) // same seq numbers, another size
		d := s.decoderAt(t, 1)
		_, err := d.Decode(other.msgs[1])
		require.ErrorIs(t, err, ErrNeedKeyFrame)
		requireSame(t, d.Image(), s.frames[0])
	})
	t.Run("after corrupt", func(t *testing.T) {
		d := s.decoderAt(t, 1)
		bad := shrinkLast(t, append([]byte(nil), s.msgs[1]...), 1)
		_, err := d.Decode(bad)
		require.Error(t, err)
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
	})
	t.Run("key after corrupt key of another size", func(t *testing.T) {
		d := s.decoderAt(t, 1)
		other := newSession(t, 64, 64, false)
		bad := append([]byte(nil), other.msgs[0]...)
		bad = shrinkLast(t, bad, 3)
		_, err := d.Decode(bad)
		require.ErrorIs(t, err, ErrCorrupt)
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
	})
}

// rawMessage builds a message of one uncompressed chunk around hand-made
// tile records and JPEG data.
func rawMessage(key bool, tiles int, seq uint32, w, h int, records []byte, blob ...byte) []byte {
	msg := make([]byte, HeaderSize+ChunkHeaderSize, HeaderSize+ChunkHeaderSize+len(records)+len(blob))
	putHeader(msg, key, seq, w, h, tiles, 1)
	putChunkHeader(msg[HeaderSize:], chunkHeader{method: methodNone, tiles: tiles, rawLen: len(records), packedLen: len(records), blobLen: len(blob)})
	return append(append(msg, records...), blob...)
}

// shrinkLast cuts n bytes from the end of a message and from the packed
// records of its last chunk.
func shrinkLast(t testing.TB, msg []byte, n int) []byte {
	h, cs := chunksOf(t, msg)
	last := cs[len(cs)-1]
	require.Zero(t, last.blobLen)
	last.packedLen -= n
	if last.method == methodNone {
		last.rawLen -= n
	}
	putChunkHeader(msg[HeaderSize+(h.Chunks-1)*ChunkHeaderSize:], last)
	return msg[:len(msg)-n]
}

func TestMalformed(t *testing.T) {
	// 130x70: 3x2 tiles; tile 2 is 2x64, tile 5 is 2x6.
	solid := []byte{0, encSolid, 1, 2, 3} // the next tile, solid
	allSolid := bytes.Repeat(solid, 6)
	good := rawMessage(true, 6, 0, 130, 70, allSolid)
	d, err := NewDecoder()
	require.NoError(t, err)
	defer d.Close()
	_, err = d.Decode(good)
	require.NoError(t, err)
	want := newFrame(130, 70, RGBA, 0)
	want.fill(image.Rect(0, 0, 130, 70), 1, 2, 3)
	requireSame(t, d.Image(), want)
	raw5 := append([]byte{5, encRaw}, bytes.Repeat([]byte{9}, 2*6*3)...)
	_, err = d.Decode(rawMessage(false, 1, 1, 130, 70, raw5))
	require.NoError(t, err)
	want.fill(image.Rect(128, 64, 130, 70), 9, 9, 9)
	requireSame(t, d.Image(), want)

	header := func(mut func([]byte)) []byte {
		m := append([]byte(nil), good...)
		mut(m)
		return m
	}
	delta := func(records []byte, blob ...byte) []byte { return rawMessage(false, 1, 2, 130, 70, records, blob...) }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	cases := map[string][]byte{
		"empty":           {},
		"magic":           header(func(m []byte) { m[0] = 'X' }),
		"short header":    good[:HeaderSize-1],
		"short table":     good[:HeaderSize+ChunkHeaderSize-1],
		"flags":           header(func(m []byte) { m[3] |= 0x80 }),
		"method":          header(func(m []byte) { m[HeaderSize] = 7 }),
		"zero width":      header(func(m []byte) { m[8], m[9] = 0, 0 }),
		"zero height":     header(func(m []byte) { m[10], m[11] = 0, 0 }),
		"no tiles":        rawMessage(false, 0, 2, 130, 70, nil),
		"too many tiles":  header(func(m []byte) { m[12] = 7 }),
		"no chunks":       header(func(m []byte) { m[15] = 0 }),
		"more chunks":     header(func(m []byte) { m[15] = 2 }),
		"chunk tiles":     header(func(m []byte) { m[HeaderSize+1] = 5 }),
		"key missing":     rawMessage(true, 5, 0, 130, 70, allSolid[:25]),
		"raw len":         header(func(m []byte) { m[HeaderSize+4]++ }),
		"packed len":      header(func(m []byte) { m[HeaderSize+8]++ }),
		"blob len":        header(func(m []byte) { m[HeaderSize+12]++ }),
		"raw len small":   rawMessage(false, 2, 2, 130, 70, solid),
		"raw len big":     delta(append(bytes.Clone(solid), make([]byte, maxRecord)...)),
		"index range":     delta([]byte{6, encSolid, 1, 2, 3}),
		"gap varint":      delta([]byte{0x80, 0x80, 0x80, 0x01, encSolid, 1, 2, 3}),
		"gap minimal":     delta([]byte{0x80, 0x00, encSolid, 1, 2, 3}),
		"encoding":        delta([]byte{0, 7, 1, 2, 3}),
		"encoding 15":     delta([]byte{0, 15, 1, 2, 3}),
		"reserved op":     delta([]byte{0, 0x80 | encSolid, 1, 2, 3}),
		"both copies":     delta([]byte{1, opCopy | opCopySame | encKeep, 0, 0}),
		"short raw":       delta(raw5[:len(raw5)-1]),
		"short predicted": delta(append([]byte{5, encPredict}, make([]byte, 2*6*3-1)...)),
		"raw as full":     delta(append([]byte{2, encRaw}, make([]byte, 6*64*3)...)),
		"trailing":        delta(append(bytes.Clone(solid), 0, 0)),
		"keep no copy":    delta([]byte{0, encKeep, 0, 0}),
		"keep sub-rect":   delta([]byte{1, opCopy | opSubRect | encKeep, 0, 0, 0, 0, 0, 0}),
		"copy outside":    delta([]byte{0, opCopy | encKeep, 1, 0}), // dx = -1
		"copy outside 2":  delta([]byte{4, opCopy | encKeep, 0, 2}), // dy = +1 from the bottom row
		"copy same none":  delta([]byte{1, opCopySame | encKeep, 0, 0}),
		"copy in key":     rawMessage(true, 6, 0, 130, 70, cat([]byte{0, opCopy | encSolid, 0, 0, 1, 2, 3}, allSolid[5:])),
		"sub-rect in key": rawMessage(true, 6, 0, 130, 70,
			cat([]byte{0, opSubRect | encSolid, 0, 0, 63, 63, 1, 2, 3}, allSolid[5:])),
		"sub-rect out":    delta([]byte{2, opSubRect | encSolid, 1, 0, 1, 0, 1, 2, 3}), // 2 wide from x=1
		"sub-rect short":  delta([]byte{2, opSubRect | encSolid, 0, 0}),
		"palette index":   delta(cat([]byte{5, encPalette, 2}, make([]byte, 9), bytes.Repeat([]byte{0xF0}, 6))),
		"palette short":   delta(cat([]byte{5, encPalette, 2}, make([]byte, 9), bytes.Repeat([]byte{0}, 5))),
		"shared index":    delta(cat([]byte{5, encShared, 1, 9, 9, 9}, bytes.Repeat([]byte{1}, 12))),
		"shared empty":    delta(cat([]byte{5, encShared, 0}, bytes.Repeat([]byte{0}, 12))),
		"shared overflow": delta(cat([]byte{5, encShared, 0x81, 0x02}, make([]byte, 3*257+12))),
		"jpeg quality":    delta([]byte{5, encJPEG, 0, 0}),
		"jpeg quality 2":  delta([]byte{5, encJPEG, 101, 0}),
		"jpeg length":     delta([]byte{5, encJPEG, 80, 5}, 1, 2),
		"jpeg garbage":    delta([]byte{5, encJPEG, 80, 2}, 1, 2),
		"blob left over":  delta(solid, 1, 2, 3),
		"zstd garbage":    header(func(m []byte) { m[HeaderSize] = methodZstd }),
	}
	for name, msg := range cases {
		_, err := d.Decode(msg)
		require.ErrorIs(t, err, ErrCorrupt, name)
		// Recover with the key frame and the delta, so each case starts from a good state.
		requireSame(t, d.Image(), want)
		_, err = d.Decode(good)
		require.NoError(t, err)
		want.fill(image.Rect(0, 0, 130, 70), 1, 2, 3)
		_, err = d.Decode(rawMessage(false, 1, 1, 130, 70, raw5))
		require.NoError(t, err)
		want.fill(image.Rect(128, 64, 130, 70), 9, 9, 9)
	}
}

func TestZstdDeclaredSize(t *testing.T) {
	s := newSession(t, 200, 150, false)
	m := s.msgs[0]
	_, cs := chunksOf(t, m)
	require.Equal(t, byte(methodZstd), cs[0].method)
	// Declare one byte less or more than the zstd frame holds.
	for _, delta := range []int{-1, 1} {
		bad := append([]byte(nil), m...)
		binary.LittleEndian.PutUint32(bad[HeaderSize+4:], uint32(cs[0].rawLen+delta))
		d := s.decoderAt(t, 1)
		_, err := d.Decode(bad)
		require.ErrorIs(t, err, ErrCorrupt)
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
	}
}

// sampleStep is 1 (every byte offset or bit) normally; under the race
// detector, which makes each decode ~20x slower, a prime stride keeps the
// exhaustive tests within seconds while still reaching every region.
func sampleStep() int {
	if raceEnabled {
		return 7
	}
	return 1
}
