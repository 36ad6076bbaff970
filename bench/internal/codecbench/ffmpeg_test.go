package codecbench

import (
	"context"
	"image"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFFmpegCodecs(t *testing.T) {
	needFFmpeg(t)
	frames := syntheticFrames(t, 320, 200, 5)
	codecs := append(FFmpegCodecs(""), x264YUV444Lossless(""))
	results, err := RunCorpus(context.Background(), frames, codecs)
	require.NoError(t, err)
	require.Len(t, results, len(codecs))
	for i, r := range results {
		assert.Equal(t, codecs[i].Name(), r.Codec)
		assert.Equal(t, 5, r.Frames, r.Codec)
		assert.Positive(t, r.TotalBytes, r.Codec)
		assert.True(t, r.TimingAvg, r.Codec)
		assert.Equal(t, r.EncodeMedianMs, r.EncodeP99Ms, "an average is its own p99")
		assert.Positive(t, r.EncodeMedianMs, r.Codec)
		assert.Positive(t, r.DecodeMedianMs, r.Codec)
		assert.NotEmpty(t, r.Notes)
		if r.Lossy {
			require.NotNil(t, r.PSNRMinDB, r.Codec)
			assert.Greater(t, *r.PSNRMinDB, 25.0, r.Codec)
			assert.GreaterOrEqual(t, *r.PSNRMeanDB, *r.PSNRMinDB, r.Codec)
		} else {
			assert.True(t, r.Exact, r.Codec)
		}
	}
	assert.Equal(t, "x264-lossless", results[0].Codec)
	assert.False(t, results[0].Lossy)
}

func TestFFmpegLosslessCheckCanFail(t *testing.T) {
	needFFmpeg(t)
	frames := syntheticFrames(t, 320, 200, 3)
	liar := &FFmpegCodec{CodecName: "x264-liar", Format: "h264",
		Args: []string{"-c:v", "libx264", "-preset", "ultrafast", "-qp", "0", "-pix_fmt", "yuv420p"}}
	_, err := RunCorpus(context.Background(), frames, []Codec{liar})
	require.ErrorIs(t, err, ErrMismatch, "yuv420p is not lossless for RGB")
	assert.Contains(t, err.Error(), "x264-liar")
	assert.Contains(t, err.Error(), "frame 0")
}

func TestFFmpegErrors(t *testing.T) {
	frames := syntheticFrames(t, 64, 48, 2)
	missing := &FFmpegCodec{CodecName: "nobin", Format: "h264", Binary: "/nonexistent/ffmpeg", Args: []string{"-c:v", "libx264"}}
	_, err := RunCorpus(context.Background(), frames, []Codec{missing})
	assert.ErrorIs(t, err, ErrFFmpeg)
	assert.Contains(t, err.Error(), "nobin")

	needFFmpeg(t)
	bad := &FFmpegCodec{CodecName: "bogus", Format: "h264", Args: []string{"-c:v", "no-such-encoder"}}
	_, err = RunCorpus(context.Background(), frames, []Codec{bad})
	assert.ErrorIs(t, err, ErrFFmpeg)
	assert.Contains(t, err.Error(), "no-such-encoder", "ffmpeg's own message is kept")

	wrongFormat := &FFmpegCodec{CodecName: "vp8-as-h264", Format: "h264", Args: []string{"-c:v", "libvpx"}}
	_, err = RunCorpus(context.Background(), frames, []Codec{wrongFormat})
	assert.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := FFmpegCodecs("")[0].(SequenceCodec)
	_, err = c.CodeSequence(ctx, frames, func(int, *image.RGBA) error { return nil })
	assert.ErrorIs(t, err, context.Canceled)
}
