package codecbench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deskhand/deskhand/codec"
	"github.com/klauspost/compress/s2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// inProcessNames are the default codecs that run in this process, lossy
// deskhand included.
func inProcessNames() []string {
	var out []string
	for _, c := range DefaultCodecs() {
		if _, ok := c.(FrameCodec); ok {
			out = append(out, c.Name())
		}
	}
	return out
}

func TestKeyFrameTable(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 4)
	dir := writeCorpus(t, frames)
	names := inProcessNames()
	require.Subset(t, names, []string{"deskhand", "deskhand-lossy", "png", "png-fast", "zstd-fastest", "s2"})

	var out, errOut bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"--corpus", dir, "--codecs", strings.Join(names, ",")}, &out, &errOut), errOut.String())
	text := out.String()
	i := strings.Index(text, "\nkey frame (frame 0):")
	require.Positive(t, i, "a key-frame table follows the main table:\n%s", text)
	lines := strings.Split(strings.TrimRight(text[i+1:], "\n"), "\n")
	require.Len(t, lines, 2+len(names), text)
	cols := regexp.MustCompile(`\s{2,}`)
	cells := func(l string) []string { return cols.Split(strings.TrimSpace(l), -1) }
	assert.Equal(t, KeyTableHeader(), cells(lines[1]))
	for j, name := range names {
		row := cells(lines[2+j])
		require.Len(t, row, len(KeyTableHeader()), lines[2+j])
		assert.Equal(t, name, row[0], "every codec has a key-frame row, in order")
		psnr := slices.Index(KeyTableHeader(), "PSNR dB")
		assert.NotContains(t, slices.Delete(slices.Clone(row), psnr, psnr+1), "-", "%s: an in-process codec has every number but PSNR", name)
		assert.Len(t, lines[2+j], len(lines[1]), "columns line up")
	}
	assert.NotContains(t, lines[0], "not measurable", "no ffmpeg row, no note about one")

	out.Reset()
	require.NoError(t, Run(context.Background(), []string{"--corpus", dir, "--json", "--codecs", strings.Join(names, ",")}, &out, &errOut))
	line := strings.SplitN(out.String(), "\n", 2)[0]
	for _, f := range []string{"key", "bytes", "runs", "encode_median_ms", "decode_median_ms", "enc_dec_ratio",
		"encode_vs_s2", "bytes_vs_zstd_fastest", "psnr_db", "update_encode_median_ms", "update_decode_median_ms", "update_enc_dec_ratio"} {
		assert.Contains(t, line, `"`+f+`":`, f)
	}
	results, err := ReadJSON(&out)
	require.NoError(t, err)
	require.Len(t, results, len(names))
	byName := map[string]Result{}
	for _, r := range results {
		byName[r.Codec] = r
	}
	for _, r := range results {
		k := r.Key
		require.NotNil(t, k, r.Codec)
		assert.Equal(t, KeyRuns, k.Runs, r.Codec)
		assert.Positive(t, k.Bytes, r.Codec)
		require.NotNil(t, k.EncodeMedianMs, r.Codec)
		require.NotNil(t, k.DecodeMedianMs, r.Codec)
		require.NotNil(t, k.EncodeVsS2, r.Codec)
		require.NotNil(t, k.BytesVsZstdFastest, r.Codec)
		assert.InDelta(t, float64(k.Bytes)/float64(byName["zstd-fastest"].Key.Bytes), *k.BytesVsZstdFastest, 0.001, r.Codec)
		if r.Lossy {
			require.NotNil(t, k.PSNRDB, r.Codec)
			assert.Greater(t, *k.PSNRDB, 30.0, r.Codec)
		} else {
			assert.True(t, k.Exact, "%s rebuilds its key frame exactly", r.Codec)
			assert.Nil(t, k.PSNRDB, r.Codec)
		}
		assert.Positive(t, r.UpdateEncodeMedianMs, r.Codec)
		assert.Positive(t, r.UpdateDecodeMedianMs, r.Codec)
	}
	assert.InDelta(t, 1, *byName["s2"].Key.EncodeVsS2, 1e-9)
	assert.InDelta(t, 1, *byName["zstd-fastest"].Key.BytesVsZstdFastest, 1e-9)
	// A full-frame baseline's key frame is its frame 0.
	assert.Equal(t, int64(len(s2.Encode(nil, frames[0].Pix))), byName["s2"].Key.Bytes)
}

// The key frame of deskhand is a real key frame: a new decoder shows it
// exactly, though the encoder has coded other frames before.
func TestDeskhandEncodeKeyIsAKeyFrame(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 3)
	seq, err := Deskhand("deskhand", false).NewSequence(320, 200)
	require.NoError(t, err)
	defer seq.Close()
	for _, f := range frames {
		_, err := seq.Encode(f)
		require.NoError(t, err)
	}
	delta, err := seq.Encode(frames[0])
	require.NoError(t, err)
	h, err := codec.ReadHeader(delta)
	require.NoError(t, err)
	require.False(t, h.Key, "without EncodeKey the encoder sends a delta")

	msg, err := seq.EncodeKey(frames[0])
	require.NoError(t, err)
	h, err = codec.ReadHeader(msg)
	require.NoError(t, err)
	assert.True(t, h.Key)
	dec, err := codec.NewDecoder()
	require.NoError(t, err)
	defer dec.Close()
	_, err = dec.Decode(msg)
	require.NoError(t, err)
	assert.True(t, equalRGB(frames[0], dec.Image()))
}

// badKeyCodec decodes frames right but changes one pixel of every key
// frame it decodes.
type badKeyCodec struct {
	FrameCodec
	name  string
	lossy bool
}

func (c badKeyCodec) Name() string { return c.name }
func (c badKeyCodec) Lossy() bool  { return c.lossy }
func (c badKeyCodec) NewSequence(w, h int) (Sequence, error) {
	seq, err := c.FrameCodec.NewSequence(w, h)
	return &badKeySeq{Sequence: seq}, err
}

type badKeySeq struct {
	Sequence
	key bool
}

func (s *badKeySeq) Encode(f *image.RGBA) ([]byte, error) { s.key = false; return s.Sequence.Encode(f) }
func (s *badKeySeq) EncodeKey(f *image.RGBA) ([]byte, error) {
	s.key = true
	return s.Sequence.EncodeKey(f)
}

func (s *badKeySeq) Decode(msg []byte) (*image.RGBA, error) {
	img, err := s.Sequence.Decode(msg)
	if err == nil && s.key {
		img.Pix[img.PixOffset(5, 6)] ^= 0x10
	}
	return img, err
}

func TestKeyFrameMismatchFailsLoudly(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 3)
	results, err := RunCorpus(context.Background(), frames, []Codec{
		badKeyCodec{FrameCodec: Deskhand("deskhand", false), name: "bad-key"},
		S2("s2"),
	})
	require.ErrorIs(t, err, ErrMismatch)
	assert.Contains(t, err.Error(), "bad-key")
	assert.Contains(t, err.Error(), "key frame (frame 0) run 0")
	assert.Contains(t, err.Error(), "(5,6)")
	require.Len(t, results, 1, "the other codec still reports")
	assert.Equal(t, "s2", results[0].Codec)
	require.NotNil(t, results[0].Key)
	assert.Nil(t, results[0].Key.BytesVsZstdFastest, "no zstd-fastest in the run")

	// A lossy codec's key frame gets its PSNR instead.
	results, err = RunCorpus(context.Background(), frames, []Codec{
		badKeyCodec{FrameCodec: S2("s2"), name: "lossy-key", lossy: true},
	})
	require.NoError(t, err)
	k := results[0].Key
	require.NotNil(t, k)
	assert.False(t, k.Exact)
	require.NotNil(t, k.PSNRDB)
	assert.Less(t, *k.PSNRDB, float64(PSNRCap))
	assert.Nil(t, k.EncodeVsS2, "no s2 in the run")
}

func TestUpdateEncDecRatio(t *testing.T) {
	f := syntheticFrames(t, 320, 200, 1)[0]
	frames := []*image.RGBA{f, f, f}
	results, err := RunCorpus(context.Background(), frames, []Codec{Deskhand("deskhand", false)})
	require.NoError(t, err)
	r := results[0]
	// Only frame 0 cost bytes: the update medians are its times.
	assert.Zero(t, r.DecodeMedianMs)
	assert.Positive(t, r.UpdateDecodeMedianMs)
	assert.InDelta(t, r.UpdateEncodeMedianMs/r.UpdateDecodeMedianMs, r.UpdateEncDecRatio, 0.05*r.UpdateEncDecRatio)
	assert.Equal(t, fmt.Sprintf("%.1fx", r.UpdateEncDecRatio), TableRow(r)[12])
	assert.Equal(t, "enc/dec upd", TableHeader()[12])

	r.UpdateEncDecRatio = 0
	assert.Equal(t, "-", TableRow(r)[12], "unknown ratio")
	r.UpdateEncDecRatio, r.TimingAvg = 4.25, true
	assert.Equal(t, "4.2x avg", TableRow(r)[12])
}
