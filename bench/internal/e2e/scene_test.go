package e2e

import (
	"context"
	"image"
	"testing"
	"time"

	"github.com/deskhand/deskhand/codec"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nextDamage captures the canvas and returns what changed.
func nextDamage(t *testing.T, src *canvasSource) []image.Rectangle {
	t.Helper()
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	return append([]image.Rectangle(nil), f.Damage...)
}

func area(rs []image.Rectangle) int {
	n := 0
	for _, r := range rs {
		n += r.Dx() * r.Dy()
	}
	return n
}

// Each phase changes the screen as much as it claims: a cell and the
// cursor for typing, the text area for scrolling, everything for full and
// throughput, every change different from the one before.
func TestScenePhasesChangeWhatTheyClaim(t *testing.T) {
	const w, h = 320, 200
	cv := newCanvas(w, h)
	src := cv.source()
	defer src.Close()
	sc := newScene(cv, w, h, 30)
	nextDamage(t, src)

	require.NoError(t, sc.setup(phaseTyping))
	nextDamage(t, src)
	for range 40 { // more than a row: the typing wraps
		before := cv.picture()
		require.NoError(t, sc.step(phaseTyping))
		d := nextDamage(t, src)
		require.Len(t, d, 2)
		assert.Equal(t, 2*cellW*cellH, area(d), "one character and the cursor")
		diff, _ := compareRGB(before, cv.picture())
		assert.Positive(t, diff)
	}

	require.NoError(t, sc.setup(phaseScroll))
	nextDamage(t, src)
	for range 3 {
		before := cv.picture()
		require.NoError(t, sc.step(phaseScroll))
		d := nextDamage(t, src)
		assert.Equal(t, image.Rect(0, 0, w, sc.rows*cellH), d[0], "the text moved up")
		// What was line 1 is now line 0.
		diff, _ := compareRGB(subRGBA(before, image.Rect(0, cellH, w, 2*cellH)), subRGBA(cv.picture(), image.Rect(0, 0, w, cellH)))
		assert.Zero(t, diff)
	}

	for _, ph := range []string{phaseFull, phaseThroughput} {
		require.NoError(t, sc.setup(ph))
		nextDamage(t, src)
		for range 5 {
			before := cv.picture()
			require.NoError(t, sc.step(ph))
			assert.Equal(t, []image.Rectangle{cv.bounds()}, nextDamage(t, src))
			diff, _ := compareRGB(before, cv.picture())
			assert.Greater(t, diff, w*h/2, "%s: most pixels change", ph)
		}
	}

	require.NoError(t, sc.setup(phaseIdle))
	nextDamage(t, src)
	n, err := sc.run(context.Background(), phaseIdle, 50*time.Millisecond)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Empty(t, nextDamage(t, src), "idle draws nothing")
	n, err = sc.run(context.Background(), phaseTyping, 100*time.Millisecond)
	require.NoError(t, err)
	assert.Positive(t, n)
	assert.NotEmpty(t, nextDamage(t, src))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sc.run(ctx, phaseTyping, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
	_, err = sc.run(ctx, phaseIdle, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
}

// subRGBA copies r of img into a new picture at (0, 0).
func subRGBA(img *image.RGBA, r image.Rectangle) *image.RGBA {
	out := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	for y := range r.Dy() {
		copy(out.Pix[y*out.Stride:], img.Pix[img.PixOffset(r.Min.X, r.Min.Y+y):][:4*r.Dx()])
	}
	return out
}

func TestSeqCoding(t *testing.T) {
	for _, size := range []image.Point{{1920, 1080}, {64, 64}} {
		seen := map[image.Point]bool{}
		for seq := range 5000 {
			x, y := encodeSeq(seq, size)
			require.True(t, x >= 1 && y >= 1 && x < size.X-1 && y < size.Y-1, "(%d,%d) not inside %v", x, y, size)
			got, ok := decodeSeq(x, y, size)
			require.True(t, ok)
			if seq < (size.X-2)*(size.Y-2) {
				require.Equal(t, seq, got)
				require.False(t, seen[image.Pt(x, y)])
				seen[image.Pt(x, y)] = true
			}
		}
		_, ok := decodeSeq(0, 5, size)
		assert.False(t, ok, "the edge carries no number")
	}
}

// BenchmarkFullPhaseCodec encodes and decodes the full phase's changes in one
// process, back to back, at the quality of a session on a clear link (85, the
// top of rdp's ladder): the phase's four pictures in turn (text, a
// photograph, other text, another photograph), each change timed by the kind
// of picture it brings. It is the codec's share of the phase's latency
// without the pauses between changes (bench/README says why e2e's encodings
// take longer).
func BenchmarkFullPhaseCodec(b *testing.B) {
	s := newScene(nil, 1920, 1080, 30)
	s.makePics()
	pic := func(i int) codec.Image {
		return codec.Image{Pix: s.pics[i%len(s.pics)], Stride: 4 * s.w, Width: s.w, Height: s.h, Format: codec.RGBA}
	}
	enc, err := codec.NewEncoder(codec.WithQuality(85))
	require.NoError(b, err)
	defer enc.Close()
	dec, err := codec.NewDecoder()
	require.NoError(b, err)
	defer dec.Close()
	// A key frame, then the changes of a few rounds of the four pictures.
	msgs := make([][]byte, 1+4*len(s.pics))
	for i := range msgs {
		msgs[i], err = enc.Encode(nil, pic(i), i == 0)
		require.NoError(b, err)
	}
	next := 0 // the next picture for the encoder; message for the decoder
	for _, to := range []string{"photo", "text"} {
		timed := func(i int) bool { return i%2 == 1 == (to == "photo") }
		b.Run("encode/to-"+to, func(b *testing.B) {
			var buf []byte
			for b.Loop() {
				b.StopTimer()
				for ; !timed(next); next++ {
					buf, err = enc.Encode(buf[:0], pic(next), false)
					require.NoError(b, err)
				}
				b.StartTimer()
				buf, err = enc.Encode(buf[:0], pic(next), false)
				require.NoError(b, err)
				next++
			}
			b.ReportMetric(float64(len(buf)), "msg-B")
		})
		next = 0
		b.Run("decode/to-"+to, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				for ; next == 0 || !timed(next); next = (next + 1) % len(msgs) {
					_, err := dec.Decode(msgs[next])
					require.NoError(b, err)
				}
				b.StartTimer()
				_, err := dec.Decode(msgs[next])
				require.NoError(b, err)
				next = (next + 1) % len(msgs)
			}
		})
		next = 0
	}
}
