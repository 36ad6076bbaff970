package record

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeTestPNG writes a small RGB PNG with a distinct colour per index.
func writeTestPNG(t testing.TB, path string, i int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 4))
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = byte(i), byte(p), 7, 255
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

func writeTestInfo(t testing.TB, dir string, frames int) {
	t.Helper()
	b, err := json.Marshal(Info{Scenario: "typing", Frames: frames, Width: 8, Height: 4, FPS: 30, Recorded: time.Now()})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, InfoFile), b, 0o644))
}

func TestReadCorpusOrdersFramesAndIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	// Written out of order, with names that look like frames but are not.
	for _, i := range []int{2, 0, 11, 1, 3, 4, 5, 6, 7, 8, 9, 10} {
		writeTestPNG(t, filepath.Join(dir, FrameName(i)), i)
	}
	writeTestPNG(t, filepath.Join(dir, "preview.png"), 0)
	writeTestPNG(t, filepath.Join(dir, "0000001.png"), 0)
	writeTestPNG(t, filepath.Join(dir, "00001a.png"), 0)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "000012.png"), 0o755)) // a directory, not a frame
	writeTestInfo(t, dir, 12)

	paths, err := ReadCorpus(dir)
	require.NoError(t, err)
	require.Len(t, paths, 12)
	for i, p := range paths {
		assert.Equal(t, filepath.Join(dir, FrameName(i)), p)
		img, err := LoadFrame(p)
		require.NoError(t, err)
		assert.Equal(t, image.Rect(0, 0, 8, 4), img.Rect)
		assert.Equal(t, byte(i), img.Pix[0], "frame %d holds another frame's picture", i)
	}
}

func TestReadCorpusWithoutInfoFile(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		writeTestPNG(t, filepath.Join(dir, FrameName(i)), i)
	}
	paths, err := ReadCorpus(dir)
	require.NoError(t, err)
	assert.Len(t, paths, 3)
}

func TestReadCorpusErrors(t *testing.T) {
	t.Run("missing directory", func(t *testing.T) {
		_, err := ReadCorpus(filepath.Join(t.TempDir(), "nope"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	})
	t.Run("no frames", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.Mkdir(filepath.Join(dir, "typing"), 0o755))
		_, err := ReadCorpus(dir)
		assert.ErrorIs(t, err, ErrNoFrames)
	})
	t.Run("gap", func(t *testing.T) {
		dir := t.TempDir()
		for _, i := range []int{0, 1, 3} {
			writeTestPNG(t, filepath.Join(dir, FrameName(i)), i)
		}
		_, err := ReadCorpus(dir)
		assert.ErrorIs(t, err, ErrBadCorpus)
		assert.ErrorContains(t, err, "000002.png")
	})
	t.Run("first frame missing", func(t *testing.T) {
		dir := t.TempDir()
		writeTestPNG(t, filepath.Join(dir, FrameName(1)), 1)
		_, err := ReadCorpus(dir)
		assert.ErrorIs(t, err, ErrBadCorpus)
	})
	t.Run("info counts other frames", func(t *testing.T) {
		dir := t.TempDir()
		for i := range 3 {
			writeTestPNG(t, filepath.Join(dir, FrameName(i)), i)
		}
		writeTestInfo(t, dir, 4)
		_, err := ReadCorpus(dir)
		assert.ErrorIs(t, err, ErrBadCorpus)
	})
	t.Run("malformed info", func(t *testing.T) {
		dir := t.TempDir()
		writeTestPNG(t, filepath.Join(dir, FrameName(0)), 0)
		require.NoError(t, os.WriteFile(filepath.Join(dir, InfoFile), []byte("{frames: 1"), 0o644))
		_, err := ReadCorpus(dir)
		assert.ErrorIs(t, err, ErrBadCorpus)
	})
}

func TestParseInfoChecksFields(t *testing.T) {
	good := `{"scenario":"video","frames":3,"width":1920,"height":1080,"fps":30}`
	info, err := parseInfo([]byte(good))
	require.NoError(t, err)
	assert.Equal(t, Info{Scenario: "video", Frames: 3, Width: 1920, Height: 1080, FPS: 30}, info)

	for name, doc := range map[string]string{
		"negative frames": `{"frames":-1,"width":8,"height":8,"fps":30}`,
		"too many frames": `{"frames":1000000,"width":8,"height":8,"fps":30}`,
		"zero width":      `{"frames":1,"width":0,"height":8,"fps":30}`,
		"huge frame":      `{"frames":1,"width":100000,"height":100000,"fps":30}`,
		"overflowing":     `{"frames":1,"width":4294967296,"height":4294967296,"fps":30}`,
		"zero fps":        `{"frames":1,"width":8,"height":8,"fps":0}`,
		"not json":        `frames=1`,
		"wrong type":      `{"frames":"one","width":8,"height":8,"fps":30}`,
	} {
		_, err := parseInfo([]byte(doc))
		assert.ErrorIs(t, err, ErrBadCorpus, name)
	}
	_, err = parseInfo(bytes.Repeat([]byte(" "), maxInfoBytes+1))
	assert.ErrorIs(t, err, ErrBadCorpus)
}

func TestReadInfoMissingFile(t *testing.T) {
	_, err := ReadInfo(t.TempDir())
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

// pngHeader returns the start of a PNG whose IHDR claims the given size.
func pngHeader(width, height uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8], ihdr[9] = 8, 2
	var hdr [8]byte
	binary.BigEndian.PutUint32(hdr[:], 13)
	copy(hdr[4:], "IHDR")
	b.Write(hdr[:])
	b.Write(ihdr)
	crc := crc32.NewIEEE()
	crc.Write(hdr[4:])
	crc.Write(ihdr)
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], crc.Sum32())
	b.Write(sum[:])
	return b.Bytes()
}

func TestDecodeFrameRejectsHugeFrameBeforeAllocating(t *testing.T) {
	data := pngHeader(100000, 100000)
	var before, after runtimeMem
	before.read()
	_, err := DecodeFrame(bytes.NewReader(data))
	after.read()
	require.ErrorIs(t, err, ErrBadFrame)
	assert.ErrorContains(t, err, "100000x100000")
	assert.Less(t, after.total-before.total, uint64(1<<20), "allocated for a frame it refused")

	_, err = DecodeFrame(bytes.NewReader(pngHeader(8000, 4500)))
	assert.ErrorIs(t, err, ErrBadFrame, "8000x4500 is beyond MaxFramePixels")
}

func TestDecodeFrameErrors(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty":     nil,
		"not png":   []byte("GIF89a......"),
		"truncated": pngHeader(16, 16),
	} {
		_, err := DecodeFrame(bytes.NewReader(data))
		assert.ErrorIs(t, err, ErrBadFrame, name)
	}
	_, err := LoadFrame(filepath.Join(t.TempDir(), "missing.png"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestDecodeFrameConvertsOtherColourModels(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 3, 2))
	img.SetGray(1, 1, color.Gray{Y: 200})
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	got, err := DecodeFrame(&b)
	require.NoError(t, err)
	assert.Equal(t, color.RGBA{200, 200, 200, 255}, got.RGBAAt(1, 1))
	assert.Equal(t, color.RGBA{0, 0, 0, 255}, got.RGBAAt(0, 0))
}

func FuzzDecodeFrame(f *testing.F) {
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 37)
	}
	_ = png.Encode(&b, img)
	f.Add(b.Bytes())
	b.Reset()
	pw, err := newPNGWriter()
	if err != nil {
		f.Fatal(err)
	}
	_ = pw.encode(&b, make([]byte, 4*7*2), 7, 2, 28)
	f.Add(b.Bytes())
	f.Add(pngHeader(100000, 100000))
	f.Add(pngHeader(1, 1))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A small cap keeps each input's memory bounded: 1 Mpx.
		img, err := decodeFrame(bytes.NewReader(data), 1<<20)
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v does not match ErrBadFrame", err)
			}
			return
		}
		if img.Rect.Min != (image.Point{}) || img.Rect.Dx()*img.Rect.Dy() > 1<<20 || len(img.Pix) != 4*img.Rect.Dx()*img.Rect.Dy() {
			t.Fatalf("bad image %v with %d bytes", img.Rect, len(img.Pix))
		}
	})
}

func FuzzParseInfo(f *testing.F) {
	f.Add([]byte(`{"scenario":"video","frames":3,"width":1920,"height":1080,"fps":30}`))
	f.Add([]byte(`{"frames":-1}`))
	f.Add([]byte(`{"width":3037000500,"height":3037000500,"fps":30,"frames":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := parseInfo(data)
		if err != nil {
			if !errors.Is(err, ErrBadCorpus) {
				t.Fatalf("error %v does not match ErrBadCorpus", err)
			}
			return
		}
		if info.Frames < 0 || info.Width <= 0 || info.Height <= 0 || info.Width*info.Height > MaxFramePixels ||
			info.FPS < minFPS || info.FPS > maxFPS {
			t.Fatalf("accepted %+v", info)
		}
	})
}
