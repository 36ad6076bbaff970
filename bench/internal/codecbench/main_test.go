package codecbench

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/deskhand/deskhand/capture"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syntheticFrames returns n consecutive frames of capture's synthetic
// desktop (typing, moving boxes), as the recorder would capture them.
func syntheticFrames(t testing.TB, w, h, n int) []*image.RGBA {
	t.Helper()
	src, err := capture.NewSynthetic(capture.WithSize(w, h), capture.WithFormat(capture.RGBA), capture.WithSeed(7))
	require.NoError(t, err)
	defer src.Close()
	frames := make([]*image.RGBA, n)
	for i := range frames {
		frames[i] = src.Frame(uint64(i)).RGBA()
	}
	return frames
}

// writeCorpus writes frames as a corpus directory and returns it.
func writeCorpus(t testing.TB, frames []*image.RGBA) string {
	t.Helper()
	dir := t.TempDir()
	for i, f := range frames {
		out, err := os.Create(filepath.Join(dir, fmt.Sprintf("%06d.png", i)))
		require.NoError(t, err)
		require.NoError(t, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(out, f))
		require.NoError(t, out.Close())
	}
	return dir
}

// needFFmpeg skips the test when ffmpeg is missing, unless under CI, where a
// missing ffmpeg is a failure.
func needFFmpeg(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("ffmpeg is required under CI: %v (apt-get install ffmpeg)", err)
		}
		t.Skipf("ffmpeg not installed: %v", err)
	}
}
