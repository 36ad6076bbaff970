package codecbench

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// MaxFramePixels is the largest frame (width*height) LoadCorpus accepts; a
// PNG header claiming more is refused before its pixels are allocated.
const MaxFramePixels = 8192 * 8192

// CorpusFiles returns the frame files of a corpus directory in order:
// 000000.png, 000001.png, ... Other files (corpus.json) are ignored. An
// empty directory, a PNG whose name is not a frame number, a gap or a
// duplicate in the numbering returns ErrCorpus.
func CorpusFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorpus, err)
	}
	type frame struct {
		n    int
		name string
	}
	var frames []frame
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(filepath.Ext(name), ".png") {
			continue
		}
		stem := strings.TrimSuffix(name, filepath.Ext(name))
		n, err := strconv.Atoi(stem)
		if err != nil || n < 0 || stem == "" || stem[0] == '+' || stem[0] == '-' {
			return nil, fmt.Errorf("%w: %s: %q is not a frame number", ErrCorpus, dir, name)
		}
		frames = append(frames, frame{n, name})
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%w: %s holds no PNG frames", ErrCorpus, dir)
	}
	sort.Slice(frames, func(i, j int) bool { return frames[i].n < frames[j].n })
	paths := make([]string, len(frames))
	for i, f := range frames {
		if f.n != i {
			if f.n < i {
				return nil, fmt.Errorf("%w: %s: frame %d appears twice (%s)", ErrCorpus, dir, f.n, f.name)
			}
			return nil, fmt.Errorf("%w: %s: frame %d is missing (next is %s)", ErrCorpus, dir, i, f.name)
		}
		paths[i] = filepath.Join(dir, f.name)
	}
	return paths, nil
}

// LoadCorpus reads every frame of a corpus directory (see CorpusFiles) into
// memory. All frames must have the same size.
func LoadCorpus(dir string) ([]*image.RGBA, error) {
	paths, err := CorpusFiles(dir)
	if err != nil {
		return nil, err
	}
	return LoadFrames(context.Background(), paths)
}

// LoadFrames reads PNG frames in parallel, converts them to RGBA and checks
// that they all have the size of the first. Errors name the file and wrap
// ErrFrame.
func LoadFrames(ctx context.Context, paths []string) ([]*image.RGBA, error) {
	frames := make([]*image.RGBA, len(paths))
	errs := make([]error, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				frames[i], errs[i] = loadFrame(paths[i])
			}
		}()
	}
feed:
	for i := range paths {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := firstErr(errs); err != nil {
		return nil, err
	}
	want := frames[0].Bounds()
	for i, f := range frames {
		if f.Bounds() != want {
			return nil, fmt.Errorf("%w: %s is %dx%d, %s is %dx%d", ErrFrame,
				paths[i], f.Bounds().Dx(), f.Bounds().Dy(), paths[0], want.Dx(), want.Dy())
		}
	}
	return frames, nil
}

func firstErr(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func loadFrame(path string) (*image.RGBA, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	img, err := DecodeFrame(data, MaxFramePixels)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return img, nil
}

// DecodeFrame decodes one PNG frame into an RGBA image whose bounds start at
// (0, 0). A header claiming more than maxPixels pixels is refused with
// ErrFrame before the pixels are allocated.
func DecodeFrame(data []byte, maxPixels int) (*image.RGBA, error) {
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 || int64(cfg.Width)*int64(cfg.Height) > int64(maxPixels) {
		return nil, fmt.Errorf("%w: PNG is %dx%d, limit %d pixels", ErrFrame, cfg.Width, cfg.Height, maxPixels)
	}
	m, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFrame, err)
	}
	if rgba, ok := m.(*image.RGBA); ok && rgba.Rect.Min == (image.Point{}) {
		return rgba, nil
	}
	b := m.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, m, b.Min, draw.Src)
	return rgba, nil
}
