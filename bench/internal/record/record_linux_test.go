package record

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordForTest records a few frames of a scenario into a temporary
// directory, checks the corpus's shape and that nothing was left running,
// and returns the paths of its frames.
func recordForTest(t *testing.T, scenario string, opts ...Option) (Info, []string) {
	t.Helper()
	if err := CheckPrograms(scenario); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	began := time.Now()
	defer func() { t.Logf("recorded and loaded in %v", time.Since(began)) }()
	dir := filepath.Join(t.TempDir(), scenario)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	info, err := Record(ctx, scenario, dir, append(opts, WithProgress(&progress))...)
	require.NoError(t, err)
	assertNoChildren(t)

	assert.Equal(t, scenario, info.Scenario)
	assert.Equal(t, Width, info.Width)
	assert.Equal(t, Height, info.Height)
	assert.NotEmpty(t, info.Programs)
	assert.Contains(t, progress.String(), scenario+": "+strconv.Itoa(info.Frames)+"/"+strconv.Itoa(info.Frames)+" frames captured")

	onDisk, err := ReadInfo(dir)
	require.NoError(t, err)
	assert.Equal(t, info.Frames, onDisk.Frames)
	assert.Equal(t, info.FPS, onDisk.FPS)

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, info.Frames+1, "only frames and %s: %v", InfoFile, entries)
	paths, err := ReadCorpus(dir)
	require.NoError(t, err)
	require.Len(t, paths, info.Frames)
	for i, p := range paths {
		require.Equal(t, FrameName(i), filepath.Base(p))
		f, err := os.Open(p)
		require.NoError(t, err)
		cfg, err := png.DecodeConfig(f)
		f.Close()
		require.NoError(t, err, p)
		require.Equal(t, [2]int{Width, Height}, [2]int{cfg.Width, cfg.Height}, p)
	}
	return info, paths
}

// load decodes one frame of a recorded corpus.
func load(t *testing.T, path string) *image.RGBA {
	t.Helper()
	img, err := LoadFrame(path)
	require.NoError(t, err)
	require.Equal(t, image.Rect(0, 0, Width, Height), img.Rect, path)
	return img
}

// firstAndLast loads the first and the last frame.
func firstAndLast(t *testing.T, paths []string) (*image.RGBA, *image.RGBA) {
	return load(t, paths[0]), load(t, paths[len(paths)-1])
}

// assertNoChildren checks that every program Record started has been
// stopped and reaped.
func assertNoChildren(t *testing.T) {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	me := strconv.Itoa(os.Getpid())
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue // exited while we looked
		}
		// pid (comm) state ppid ...; comm may hold spaces, so split after ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == me {
			t.Errorf("a child process is still there: %s", strings.TrimSpace(s[:strings.LastIndexByte(s, ')')+1]))
		}
	}
}

// colours counts the distinct colours in r (every fourth pixel of every
// second row, which is plenty to tell text and photos from flat areas).
func colours(img *image.RGBA, r image.Rectangle) int {
	seen := map[[3]byte]struct{}{}
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		for x := r.Min.X; x < r.Max.X; x += 4 {
			i := img.PixOffset(x, y)
			seen[[3]byte{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = struct{}{}
		}
	}
	return len(seen)
}

// changed estimates the fraction of pixels of r that differ between a and
// b from every second pixel of every second row.
func changed(a, b *image.RGBA, r image.Rectangle) float64 {
	n, all := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y += 2 {
		if bytes.Equal(a.Pix[a.PixOffset(r.Min.X, y):a.PixOffset(r.Max.X, y)], b.Pix[b.PixOffset(r.Min.X, y):b.PixOffset(r.Max.X, y)]) {
			all += (r.Dx() + 1) / 2
			continue
		}
		for x := r.Min.X; x < r.Max.X; x += 2 {
			all++
			i := a.PixOffset(x, y)
			if a.Pix[i] != b.Pix[i] || a.Pix[i+1] != b.Pix[i+1] || a.Pix[i+2] != b.Pix[i+2] {
				n++
			}
		}
	}
	return float64(n) / float64(all)
}

func row(img *image.RGBA, y int) []byte { return img.Pix[y*img.Stride : y*img.Stride+4*img.Rect.Dx()] }

func TestRecordTyping(t *testing.T) {
	_, paths := recordForTest(t, "typing", WithFPS(5), WithFrames(5))
	term := image.Rect(270, 150, 1250, 830) // inside the 100x35 xterm at +260+140
	first, last := firstAndLast(t, paths)
	assert.Greater(t, colours(first, term), 3, "the terminal shows no anti-aliased text")
	// One typed glyph changes some 50 pixels.
	assert.Greater(t, changed(first, last, term)*float64(term.Dx()*term.Dy()), 50.0, "nothing was typed")
	// Outside the terminal: a photo wallpaper that does not change.
	desk := image.Rect(1300, 0, 1920, 1080)
	assert.Greater(t, colours(first, desk), 1000, "the wallpaper is not a photo")
	assert.Zero(t, changed(first, last, desk), "typing changed the desktop")
}

func TestRecordScroll(t *testing.T) {
	_, paths := recordForTest(t, "scroll", WithFPS(5), WithFrames(5))
	first, last := firstAndLast(t, paths)
	assert.Greater(t, colours(first, first.Rect), 3, "no text on screen")
	// The last frame is the first moved up by whole lines: find the shift
	// that makes the top of the screen match a lower part of the first
	// frame (above less's prompt on the last line).
	const textRows, maxShift = 500, 540
	best, bestDY := 0, 0
	for dy := 1; dy <= maxShift; dy++ {
		same := 0
		for y := 0; y < textRows; y++ {
			if bytes.Equal(row(last, y), row(first, y+dy)) {
				same++
			}
		}
		if same > best {
			best, bestDY = same, dy
		}
	}
	assert.Greater(t, best, textRows*95/100, "the last frame is not the first scrolled (best shift %d px matches %d rows)", bestDY, best)
	t.Logf("scrolled by %d px", bestDY)
	assert.Greater(t, changed(first, last, first.Rect), 0.001)
}

// darkBox finds the dark terminal window: the rows and columns holding
// many pixels of its background colour.
func darkBox(img *image.RGBA) image.Rectangle {
	var box image.Rectangle
	rowHits := make([]int, Height)
	colHits := make([]int, Width)
	for y := 0; y < Height; y++ {
		for x := 0; x < Width; x++ {
			i := img.PixOffset(x, y)
			if img.Pix[i] == 0x1e && img.Pix[i+1] == 0x1e && img.Pix[i+2] == 0x1e {
				rowHits[y]++
				colHits[x]++
			}
		}
	}
	box.Min = image.Pt(-1, -1)
	for x, n := range colHits {
		if n > 200 {
			if box.Min.X < 0 {
				box.Min.X = x
			}
			box.Max.X = x + 1
		}
	}
	for y, n := range rowHits {
		if n > 300 {
			if box.Min.Y < 0 {
				box.Min.Y = y
			}
			box.Max.Y = y + 1
		}
	}
	return box
}

func TestRecordDrag(t *testing.T) {
	_, paths := recordForTest(t, "drag", WithFPS(5), WithFrames(5))
	first, last := firstAndLast(t, paths)
	a, b := darkBox(first), darkBox(last)
	t.Logf("window at %v, then %v", a, b)
	assert.InDelta(t, 1004, a.Dx(), 60, "window width in %v", a)
	assert.InDelta(t, 704, a.Dy(), 60, "window height in %v", a)
	assert.InDelta(t, a.Dx(), b.Dx(), 4, "the window changed size")
	assert.NotEqual(t, a.Min, b.Min, "the window did not move")
	assert.Greater(t, colours(first, first.Rect), 5000, "the wallpaper is not a photo")
}

func TestRecordPhotos(t *testing.T) {
	_, paths := recordForTest(t, "photos", WithFPS(2), WithFrames(5))
	first, last := firstAndLast(t, paths)
	assert.Greater(t, colours(first, first.Rect), 20000, "the contact sheet is not photos")
	assert.Greater(t, colours(last, last.Rect), 5000, "the last picture is not a photo")
	assert.Greater(t, changed(first, last, first.Rect), 0.3, "the viewer did not move to the next picture")
}

// The listing fills most of the screen with text, and each rewrite changes
// most of it.
func TestRecordListing(t *testing.T) {
	_, paths := recordForTest(t, "listing", WithFPS(4), WithFrames(5))
	f := make([]*image.RGBA, 0, len(paths))
	for _, p := range paths {
		f = append(f, load(t, p))
	}
	last := f[len(f)-1]
	text := 0
	for ty := 0; ty < last.Rect.Dy(); ty += 64 {
		for tx := 0; tx < last.Rect.Dx(); tx += 64 {
			if colours(last, image.Rect(tx, ty, tx+64, ty+64).Intersect(last.Rect)) > 1 {
				text++
			}
		}
	}
	t.Logf("%d of 510 tiles hold text", text)
	assert.Greater(t, text, 255, "the listing covers less than half the screen")
	rewritten := 0
	for i := 1; i < len(f); i++ {
		if changed(f[i-1], f[i], f[i].Rect) > 0.02 {
			rewritten++
		}
	}
	assert.Positive(t, rewritten, "the text was never rewritten between frames")
}

func TestRecordVideo(t *testing.T) {
	_, paths := recordForTest(t, "video", WithFPS(10), WithFrames(4))
	var f []*image.RGBA
	for _, p := range paths {
		f = append(f, load(t, p))
	}
	moving := 0
	for i := 1; i < len(f); i++ {
		c := changed(f[i-1], f[i], f[i].Rect)
		t.Logf("frame %d: %.0f%% of pixels changed", i, 100*c)
		if c > 0.2 {
			moving++
		}
	}
	assert.GreaterOrEqual(t, moving, len(f)-2, "the video does not play")
	assert.Greater(t, colours(f[0], f[0].Rect), 20000, "the video has no photographic texture")
}

func TestRecordRefusesNonEmptyDirectory(t *testing.T) {
	if err := CheckPrograms("scroll"); err != nil && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	dir := t.TempDir()
	keep := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(keep, []byte("mine"), 0o644))
	_, err := Record(context.Background(), "scroll", dir, WithFrames(2))
	require.ErrorIs(t, err, ErrOutputNotEmpty)
	b, err := os.ReadFile(keep)
	require.NoError(t, err)
	assert.Equal(t, "mine", string(b))
}

// cancelOnWrite cancels a context at the first progress line that holds
// want.
type cancelOnWrite struct {
	mu     sync.Mutex
	want   string
	cancel context.CancelFunc
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.Contains(string(p), c.want) {
		c.cancel()
	}
	return len(p), nil
}

func TestRecordCancelStopsEverythingAndLeavesNothing(t *testing.T) {
	if err := CheckPrograms("scroll"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := filepath.Join(t.TempDir(), "scroll")
	w := &cancelOnWrite{want: "frames captured", cancel: cancel}
	_, err := Record(ctx, "scroll", dir, WithFPS(10), WithFrames(1000), WithMaxBuffer(64<<20), WithProgress(w))
	require.ErrorIs(t, err, context.Canceled)
	assertNoChildren(t)
	_, err = os.Stat(dir)
	assert.True(t, errors.Is(err, fs.ErrNotExist), "the cancelled recording left %s behind (%v)", dir, err)
}

func TestRunRecordsIntoDirectory(t *testing.T) {
	if err := CheckPrograms("scroll"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "c")
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"--scenario", "scroll", "--out", dir, "--fps", "10", "--seconds", "0.25"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Contains(t, stdout.String(), "scroll: 3 frames 1920x1080 at 10 fps in "+dir)
	paths, err := ReadCorpus(dir)
	require.NoError(t, err)
	assert.Len(t, paths, 3)
	assertNoChildren(t)
}
