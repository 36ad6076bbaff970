package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

// InfoFile is the name of the file describing a corpus, beside its frames.
const InfoFile = "corpus.json"

// MaxFramePixels is the largest frame DecodeFrame and LoadFrame accept
// (7680x4320): the size is read from the header before any pixel buffer is
// allocated, so a damaged or hostile file cannot make them allocate more.
const MaxFramePixels = 7680 * 4320

// maxFrames bounds the frame count so that six-digit names always suffice.
const maxFrames = 999_999

// maxFrameFileBytes bounds how much of a frame file is read: a PNG of an 8K
// frame that does not compress at all, plus room for its chunk overhead.
const maxFrameFileBytes = 4*MaxFramePixels + 64<<20

// maxInfoBytes bounds corpus.json, which is a few hundred bytes when written
// by Record.
const maxInfoBytes = 1 << 20

// Info is the content of corpus.json.
type Info struct {
	// Scenario is the name of the recorded scenario ("typing", ...).
	Scenario string `json:"scenario"`
	// Description says in one sentence what the frames show.
	Description string `json:"description,omitempty"`
	// Frames is the number of frames, 000000.png to Frames-1.
	Frames int `json:"frames"`
	// Width and Height are the size of every frame in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// FPS is the pace frames were captured at: frame i was due at i/FPS
	// seconds after frame 0.
	FPS int `json:"fps"`
	// Recorded is when the capture started.
	Recorded time.Time `json:"recorded"`
	// Programs lists what was driven to make the content.
	Programs []Program `json:"programs,omitempty"`
	// Timing tells how well the capture kept its pace.
	Timing Timing `json:"timing"`
}

// Program is one program a scenario drove.
type Program struct {
	// Name is the executable, such as "xterm".
	Name string `json:"name"`
	// Package is the Debian package that ships it.
	Package string `json:"package"`
	// Version is the installed package version, when dpkg could tell.
	Version string `json:"version,omitempty"`
}

// Timing records how the capture kept its pace.
type Timing struct {
	// CaptureSeconds is the wall time from the first frame to the last.
	CaptureSeconds float64 `json:"capture_seconds"`
	// MaxLateMS is how far behind its due time the latest frame was taken.
	MaxLateMS float64 `json:"max_late_ms"`
	// LateFrames counts frames taken more than half a frame interval late.
	LateFrames int `json:"late_frames"`
	// EncodeSeconds is the wall time from the first frame until the last
	// PNG was written.
	EncodeSeconds float64 `json:"encode_seconds"`
}

// FrameName returns the file name of frame i: "000000.png" for 0.
func FrameName(i int) string { return fmt.Sprintf("%06d.png", i) }

// frameIndex parses a frame file name; ok is false for any other name.
func frameIndex(name string) (int, bool) {
	if len(name) != 10 || name[6:] != ".png" {
		return 0, false
	}
	for _, c := range name[:6] {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(name[:6])
	return n, err == nil
}

// ReadCorpus returns the paths of dir's frames in capture order. It checks
// that they are numbered from 000000.png without a gap and, when corpus.json
// is present, that it is well formed and counts as many frames. Files with
// other names are ignored.
func ReadCorpus(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("record: read corpus: %w", err)
	}
	var idx []int
	for _, e := range entries {
		if n, ok := frameIndex(e.Name()); ok && e.Type().IsRegular() {
			idx = append(idx, n)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNoFrames, dir)
	}
	sort.Ints(idx)
	paths := make([]string, len(idx))
	for i, n := range idx {
		if n != i {
			return nil, fmt.Errorf("%w: %s: frame %s is missing", ErrBadCorpus, dir, FrameName(i))
		}
		paths[i] = filepath.Join(dir, FrameName(i))
	}
	info, err := ReadInfo(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return paths, nil
	case err != nil:
		return nil, err
	case info.Frames != len(paths):
		return nil, fmt.Errorf("%w: %s: %s counts %d frames, the directory has %d",
			ErrBadCorpus, dir, InfoFile, info.Frames, len(paths))
	}
	return paths, nil
}

// ReadInfo reads dir/corpus.json. A missing file gives an error matching
// fs.ErrNotExist.
func ReadInfo(dir string) (Info, error) {
	f, err := os.Open(filepath.Join(dir, InfoFile))
	if err != nil {
		return Info{}, fmt.Errorf("record: read corpus info: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInfoBytes+1))
	if err != nil {
		return Info{}, fmt.Errorf("record: read corpus info: %w", err)
	}
	info, err := parseInfo(b)
	if err != nil {
		return Info{}, fmt.Errorf("%s: %w", filepath.Join(dir, InfoFile), err)
	}
	return info, nil
}

// parseInfo decodes and checks corpus.json.
func parseInfo(b []byte) (Info, error) {
	if len(b) > maxInfoBytes {
		return Info{}, fmt.Errorf("%w: %s is larger than %d bytes", ErrBadCorpus, InfoFile, maxInfoBytes)
	}
	var info Info
	if err := json.Unmarshal(b, &info); err != nil {
		return Info{}, fmt.Errorf("%w: %s: %v", ErrBadCorpus, InfoFile, err)
	}
	switch {
	case info.Frames < 0 || info.Frames > maxFrames:
		return Info{}, fmt.Errorf("%w: %s: frame count %d", ErrBadCorpus, InfoFile, info.Frames)
	case info.Width <= 0 || info.Height <= 0 || info.Width*info.Height > MaxFramePixels ||
		info.Width > MaxFramePixels || info.Height > MaxFramePixels:
		return Info{}, fmt.Errorf("%w: %s: frame size %dx%d", ErrBadCorpus, InfoFile, info.Width, info.Height)
	case info.FPS < minFPS || info.FPS > maxFPS:
		return Info{}, fmt.Errorf("%w: %s: fps %d", ErrBadCorpus, InfoFile, info.FPS)
	}
	return info, nil
}

// LoadFrame reads one frame file as an *image.RGBA with its origin at (0, 0).
func LoadFrame(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: load frame: %w", err)
	}
	defer f.Close()
	img, err := DecodeFrame(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodeFrame decodes a PNG frame as an *image.RGBA with its origin at
// (0, 0). It reads the header first and refuses frames larger than
// MaxFramePixels before allocating their pixels.
func DecodeFrame(r io.Reader) (*image.RGBA, error) {
	return decodeFrame(r, MaxFramePixels)
}

func decodeFrame(r io.Reader, maxPixels int) (*image.RGBA, error) {
	maxBytes := int64(4*maxPixels) + 64<<20
	b, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("%w: the file is larger than %d bytes", ErrBadFrame, maxBytes)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPixels || cfg.Height > maxPixels ||
		cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d is more than %d pixels", ErrBadFrame, cfg.Width, cfg.Height, maxPixels)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadFrame, err)
	}
	if rgba, ok := img.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba, nil
	}
	bounds := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, bounds.Dx(), bounds.Dy()))
	draw.Draw(rgba, rgba.Rect, img, bounds.Min, draw.Src)
	return rgba, nil
}

func statSize(path string) (int64, error) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}
