package codecbench

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, n := range names {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o644))
	}
}

func TestCorpusFiles(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "000002.png", "000000.png", "000010.png", "000001.png", "corpus.json")
	for i := 3; i < 10; i++ {
		touch(t, dir, filepath.Base(filepath.Join(dir, "00000"+string(rune('0'+i))+".png")))
	}
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	paths, err := CorpusFiles(dir)
	require.NoError(t, err)
	require.Len(t, paths, 11)
	for i, p := range paths {
		assert.Equal(t, filepath.Join(dir, []string{"000000", "000001", "000002", "000003", "000004", "000005",
			"000006", "000007", "000008", "000009", "000010"}[i]+".png"), p)
	}
}

func TestCorpusFilesErrors(t *testing.T) {
	cases := map[string][]string{
		"empty":     {"corpus.json"},
		"gap":       {"000000.png", "000002.png"},
		"no zero":   {"000001.png"},
		"duplicate": {"000000.png", "000001.png", "0000001.png"},
		"stray":     {"000000.png", "thumb.png"},
		"negative":  {"000000.png", "-1.png"},
	}
	for name, files := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			touch(t, dir, files...)
			_, err := CorpusFiles(dir)
			assert.ErrorIs(t, err, ErrCorpus)
		})
	}
	_, err := CorpusFiles(filepath.Join(t.TempDir(), "missing"))
	assert.ErrorIs(t, err, ErrCorpus)
}

func TestLoadCorpusRoundTrip(t *testing.T) {
	frames := syntheticFrames(t, 320, 200, 3)
	got, err := LoadCorpus(writeCorpus(t, frames))
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i := range frames {
		assert.Equal(t, frames[i].Rect, got[i].Rect)
		assert.True(t, equalRGB(frames[i], got[i]), "frame %d", i)
	}
}

func TestLoadCorpusConvertsOtherModels(t *testing.T) {
	dir := t.TempDir()
	g := image.NewGray(image.Rect(0, 0, 8, 4))
	g.SetGray(3, 2, color.Gray{Y: 200})
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, g))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "000000.png"), buf.Bytes(), 0o644))
	got, err := LoadCorpus(dir)
	require.NoError(t, err)
	assert.Equal(t, color.RGBA{200, 200, 200, 255}, got[0].RGBAAt(3, 2))
}

func TestLoadCorpusErrors(t *testing.T) {
	frames := syntheticFrames(t, 64, 48, 2)
	dir := writeCorpus(t, frames)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "000002.png"), []byte("not a png"), 0o644))
	_, err := LoadCorpus(dir)
	require.ErrorIs(t, err, ErrFrame)
	assert.Contains(t, err.Error(), "000002.png")

	dir = writeCorpus(t, append(frames, image.NewRGBA(image.Rect(0, 0, 64, 50))))
	_, err = LoadCorpus(dir)
	require.ErrorIs(t, err, ErrFrame)
	assert.Contains(t, err.Error(), "64x50")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	paths, err := CorpusFiles(dir)
	require.NoError(t, err)
	_, err = LoadFrames(ctx, paths)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestDecodeFrameRefusesHugeHeader(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 100, 100))))
	_, err := DecodeFrame(buf.Bytes(), 100*100-1)
	assert.ErrorIs(t, err, ErrFrame)
	img, err := DecodeFrame(buf.Bytes(), 100*100)
	require.NoError(t, err)
	assert.Equal(t, image.Rect(0, 0, 100, 100), img.Rect)
}
