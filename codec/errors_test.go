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

func TestSessionMethods(t *testing.T) {
	h, err := parseHeader(newSession(t, 200, 150, false).msgs[1])
	require.NoError(t, err)
	assert.Equal(t, byte(methodZstd), h.method)
	h, err = parseHeader(newSession(t, 200, 150, true).msgs[1])
	require.NoError(t, err)
	assert.Equal(t, byte(methodNone), h.method)
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
	msg := make([]byte, HeaderSize+16)
	const tiles = 1024 * 1024
	putHeader(msg, true, methodZstd, tiles, 0, 65535, 65535, tiles*100, 16)
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
	msg[2] = 2
	h, err := ReadHeader(msg)
	require.ErrorIs(t, err, ErrVersion)
	assert.Equal(t, 2, h.Version)
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
		bad := append([]byte(nil), s.msgs[1]...)
		bad[len(bad)-1] ^= 0xFF
		bad[len(bad)-2] ^= 0xFF
		_, err := d.Decode(bad)
		require.Error(t, err)
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
	})
	t.Run("key after corrupt key of another size", func(t *testing.T) {
		d := s.decoderAt(t, 1)
		other := newSession(t, 64, 64, false)
		bad := append([]byte(nil), other.msgs[0]...)
		bad = bad[:len(bad)-3]
		binary.LittleEndian.PutUint32(bad[20:], uint32(len(bad)-HeaderSize))
		_, err := d.Decode(bad)
		require.ErrorIs(t, err, ErrCorrupt)
		requireNeedsKey(t, d, s, s.msgs[1], s.frames[0])
	})
}

// rawMessage builds an uncompressed message around hand-made tile records.
func rawMessage(key bool, tiles int, seq uint32, w, h int, records []byte) []byte {
	msg := make([]byte, HeaderSize, HeaderSize+len(records))
	putHeader(msg, key, methodNone, tiles, seq, w, h, len(records), len(records))
	return append(msg, records...)
}

func TestMalformed(t *testing.T) {
	// 130x70: 3x2 tiles; tile 2 is 2x64, tile 5 is 2x6.
	solid := func(idx byte) []byte { return []byte{idx, encSolid, 1, 2, 3} }
	var allSolid []byte
	for i := range 6 {
		allSolid = append(allSolid, solid(byte(i))...)
	}
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
	cases := map[string][]byte{
		"empty":          {},
		"magic":          header(func(m []byte) { m[0] = 'X' }),
		"short header":   good[:HeaderSize-1],
		"flags":          header(func(m []byte) { m[3] |= 0x80 }),
		"method":         header(func(m []byte) { m[4] = 7 }),
		"zero width":     header(func(m []byte) { m[12], m[13] = 0, 0 }),
		"zero height":    header(func(m []byte) { m[14], m[15] = 0, 0 }),
		"no tiles":       rawMessage(false, 0, 2, 130, 70, nil),
		"too many tiles": header(func(m []byte) { m[5] = 7 }),
		"key missing":    rawMessage(true, 5, 0, 130, 70, allSolid[:25]),
		"payload len":    header(func(m []byte) { m[20]++ }),
		"raw len":        header(func(m []byte) { m[16]++ }),
		"raw len small":  rawMessage(false, 2, 2, 130, 70, solid(0)),
		"raw len big":    rawMessage(false, 1, 2, 130, 70, append(solid(0), make([]byte, 64*64*3)...)),
		"order":          rawMessage(false, 2, 2, 130, 70, append(solid(1), solid(0)...)),
		"repeat":         rawMessage(false, 2, 2, 130, 70, append(solid(1), solid(1)...)),
		"index range":    rawMessage(false, 1, 2, 130, 70, solid(6)),
		"encoding":       rawMessage(false, 1, 2, 130, 70, []byte{0, 2, 1, 2, 3}),
		"short raw":      rawMessage(false, 1, 2, 130, 70, raw5[:len(raw5)-1]),
		"raw as full":    rawMessage(false, 1, 2, 130, 70, append([]byte{2, encRaw}, make([]byte, 6*64*3)...)),
		"trailing":       rawMessage(false, 1, 2, 130, 70, append(solid(0), 0, 0)),
		"varint":         rawMessage(false, 1, 2, 130, 70, []byte{0x80, 0x00, encSolid, 1, 2, 3}),
		"zstd garbage":   header(func(m []byte) { m[4] = methodZstd }),
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
	m := s.msgs[1]
	h, err := parseHeader(m)
	require.NoError(t, err)
	require.Equal(t, byte(methodZstd), h.method)
	// Declare one byte less or more than the zstd frame holds.
	for _, delta := range []int{-1, 1} {
		bad := append([]byte(nil), m...)
		binary.LittleEndian.PutUint32(bad[16:], uint32(h.rawLen+delta))
		d := s.decoderAt(t, 1)
		_, err := d.Decode(bad)
		require.ErrorIs(t, err, ErrCorrupt)
		requireNeedsKey(t, d, s, m, s.frames[0])
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
