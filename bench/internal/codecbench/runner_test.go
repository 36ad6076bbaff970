package codecbench

import (
	"context"
	"image"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inProcessCodecs() []Codec {
	var out []Codec
	for _, c := range AllCodecs() {
		if _, ok := c.(FrameCodec); ok && !c.Lossy() {
			out = append(out, c)
		}
	}
	return out
}

func TestLosslessCodecsRoundTrip(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 5)
	codecs := inProcessCodecs()
	require.GreaterOrEqual(t, len(codecs), 5, "deskhand, png, png-fast, zstd, s2 at least")

	var seen []string
	results, err := RunCorpus(context.Background(), frames, codecs, WithProgress(func(codec string, done, total int) {
		if done == total {
			seen = append(seen, codec)
		}
	}))
	require.NoError(t, err)
	require.Len(t, results, len(codecs))
	assert.Equal(t, codecNames(codecs), seen, "progress reports every codec to the end")
	for i, r := range results {
		assert.Equal(t, codecs[i].Name(), r.Codec)
		assert.False(t, r.Lossy, r.Codec)
		assert.True(t, r.Exact, r.Codec)
		assert.Equal(t, 5, r.Frames, r.Codec)
		assert.Equal(t, 320, r.Width)
		assert.Equal(t, 200, r.Height)
		assert.Equal(t, int64(5*320*200*3), r.RawBytes)
		assert.Positive(t, r.TotalBytes, r.Codec)
		assert.Greater(t, r.Ratio, 1.0, r.Codec)
		assert.Nil(t, r.PSNRMeanDB, r.Codec)
		assert.False(t, r.TimingAvg, r.Codec)
		assert.Positive(t, r.EncodeMedianMs, r.Codec)
		assert.GreaterOrEqual(t, r.EncodeP99Ms, r.EncodeMedianMs, r.Codec)
		assert.GreaterOrEqual(t, r.DecodeP99Ms, r.DecodeMedianMs, r.Codec)
	}
	// deskhand sends only the changed tiles after the first frame.
	assert.Less(t, results[0].MedianBytes, float64(results[0].P99Bytes), "deskhand's deltas are smaller than its key frame")
}

func TestUnchangedFrameIsZeroBytes(t *testing.T) {
	f := syntheticFrames(t, 320, 200, 1)[0]
	frames := []*image.RGBA{f, f, f, f, f}
	results, err := RunCorpus(context.Background(), frames, []Codec{Deskhand("deskhand", false), S2("s2")})
	require.NoError(t, err)
	dh, s := results[0], results[1]
	assert.Equal(t, 5, dh.Frames)
	assert.Zero(t, dh.MedianBytes, "unchanged frames cost nothing")
	assert.Equal(t, float64(dh.P99Bytes), dh.MedianUpdateBytes, "the one update is the key frame")
	assert.Equal(t, s.MedianBytes, s.MedianUpdateBytes)
	assert.Equal(t, dh.P99Bytes, dh.TotalBytes, "only the key frame has bytes")
	assert.Zero(t, dh.DecodeMedianMs, "nothing to decode for an unchanged frame")
	assert.True(t, dh.Exact)
	assert.Equal(t, s.TotalBytes, 5*s.P99Bytes, "s2 sends every frame in full")
}

// flipCodec wraps a codec and changes one pixel of one decoded frame.
type flipCodec struct {
	FrameCodec
	name  string
	lossy bool
	frame int
}

func (c flipCodec) Name() string { return c.name }
func (c flipCodec) Lossy() bool  { return c.lossy }
func (c flipCodec) NewSequence(w, h int) (Sequence, error) {
	seq, err := c.FrameCodec.NewSequence(w, h)
	return &flipSeq{Sequence: seq, flipAt: c.frame}, err
}

type flipSeq struct {
	Sequence
	n, flipAt int
}

func (s *flipSeq) Decode(msg []byte) (*image.RGBA, error) {
	img, err := s.Sequence.Decode(msg)
	if err == nil && s.n == s.flipAt {
		img.Pix[img.PixOffset(17, 9)+1] ^= 0x40
	}
	s.n++
	return img, err
}

func TestRunnerDetectsBrokenLosslessCodec(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 5)
	results, err := RunCorpus(context.Background(), frames, []Codec{
		flipCodec{FrameCodec: S2("s2"), name: "flipper", frame: 3},
		Zstd("zstd-fastest"),
	})
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "flipper")
	assert.Contains(t, err.Error(), "frame 3")
	assert.Contains(t, err.Error(), "(17,9)")
	require.Len(t, results, 1, "the other codec still reports")
	assert.Equal(t, "zstd-fastest", results[0].Codec)
}

func TestRunnerMeasuresLossyCodec(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 5)
	results, err := RunCorpus(context.Background(), frames, []Codec{
		flipCodec{FrameCodec: S2("s2"), name: "lossy-flipper", lossy: true, frame: 2},
	})
	require.NoError(t, err)
	r := results[0]
	assert.False(t, r.Exact)
	require.NotNil(t, r.PSNRMeanDB)
	require.NotNil(t, r.PSNRMinDB)
	// One sample off by 64 in 320*200*3: PSNR = 10 log10(255^2 / (64^2/192000)).
	want := 10 * math.Log10(255*255/(64.0*64/(320*200*3)))
	assert.InDelta(t, want, *r.PSNRMinDB, 0.01)
	assert.InDelta(t, (4*PSNRCap+want)/5, *r.PSNRMeanDB, 0.01)
}

func TestRunCorpusRejectsBadInput(t *testing.T) {
	frames := syntheticFrames(t, 64, 48, 2)
	_, err := RunCorpus(context.Background(), nil, []Codec{S2("s2")})
	assert.ErrorIs(t, err, ErrCorpus)

	other := image.NewRGBA(image.Rect(0, 0, 64, 40))
	_, err = RunCorpus(context.Background(), []*image.RGBA{frames[0], other}, []Codec{S2("s2")})
	assert.ErrorIs(t, err, ErrFrame)

	_, err = RunCorpus(context.Background(), frames, []Codec{S2("x"), Zstd("x")})
	assert.ErrorIs(t, err, ErrUsage)

	_, err = RunCorpus(context.Background(), frames, []Codec{S2("s2")}, WithProgress(nil))
	assert.ErrorIs(t, err, ErrUsage)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = RunCorpus(ctx, frames, []Codec{S2("s2")})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestPSNR(t *testing.T) {
	a := image.NewRGBA(image.Rect(0, 0, 10, 10))
	b := image.NewRGBA(image.Rect(0, 0, 10, 10))
	assert.True(t, math.IsInf(PSNR(a, b), 1))
	for i := range b.Pix {
		if i%4 != 3 { // alpha does not count
			b.Pix[i] = 1
		}
	}
	assert.InDelta(t, 10*math.Log10(255*255), PSNR(a, b), 1e-9)
	b.Pix[3] = 99
	assert.InDelta(t, 10*math.Log10(255*255), PSNR(a, b), 1e-9)
}

func TestStats(t *testing.T) {
	assert.Equal(t, 3.0, median([]int{5, 1, 3}))
	assert.Equal(t, 2.5, median([]int{4, 1, 3, 2}))
	v := make([]int, 200)
	for i := range v {
		v[i] = 200 - i // 1..200
	}
	assert.Equal(t, 198, percentile(v, 0.99))
	assert.Equal(t, 7, percentile([]int{7}, 0.99))
	assert.Equal(t, 3*time.Millisecond, medianDur([]time.Duration{time.Millisecond, 3 * time.Millisecond, 9 * time.Millisecond}))
	assert.Equal(t, 1.2346, ms(1234567*time.Nanosecond))
}

func TestDeskhandLossyReportsPSNR(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 5)
	var lossy Codec
	for _, c := range DefaultCodecs() {
		if c.Name() == "deskhand-lossy" {
			lossy = c
		}
	}
	require.NotNil(t, lossy, "deskhand-lossy is among the default codecs")
	results, err := RunCorpus(context.Background(), frames, []Codec{lossy})
	require.NoError(t, err)
	require.Len(t, results, 1)
	r := results[0]
	require.True(t, r.Lossy)
	require.NotNil(t, r.PSNRMeanDB)
	require.Greater(t, *r.PSNRMeanDB, 30.0)
	require.Equal(t, 5, r.Frames)
}
