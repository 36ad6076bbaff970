package codecbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FFmpegCodec is a SequenceCodec that pipes the raw RGBA frames through one
// ffmpeg process encoding the whole sequence to a raw bitstream, splits that
// into frames to count bytes per frame, then decodes it with ffmpeg twice:
// once to nowhere (timed) and once back to RGBA (untimed) for the exactness
// check or PSNR. Times are ffmpeg's own -benchmark real time of its
// processing loop (process start and input probing left out; wall time if
// ffmpeg prints none), totals the runner reports as averages per frame.
type FFmpegCodec struct {
	// CodecName is the row name, e.g. "x264-crf23".
	CodecName string
	// IsLossy says whether the encoder settings lose information.
	IsLossy bool
	// Format is the bitstream ffmpeg writes: "h264" (Annex B) or "ivf".
	Format string
	// Args are the encoder arguments, e.g. "-c:v", "libx264", "-crf", "23".
	Args []string
	// Binary is the ffmpeg executable. "" means "ffmpeg", looked up in PATH.
	Binary string
	// FPS is the frame rate declared to the encoder, which its rate control
	// uses. 0 means 30.
	FPS int
}

// ffmpegGOP keeps key frames rare, as screen sharing does (deskhand sends one
// key frame per session), without letting the encoder pick.
const ffmpegGOP = "600"

// FFmpegCodecs returns the ffmpeg baselines with binary as the ffmpeg
// executable ("" = "ffmpeg" in PATH):
//   - x264-lossless: libx264rgb ultrafast zerolatency -qp 0, true lossless RGB
//     (libx264 -qp 0 in yuv420p is not lossless for RGB);
//   - x264-crf23: libx264 ultrafast zerolatency CRF 23, yuv420p;
//   - vp8-rt: libvpx VP8 realtime, fixed speed 8, CRF 10 capped at 10 Mbit/s.
//
// All use a GOP of 600 frames.
func FFmpegCodecs(binary string) []Codec {
	return []Codec{
		&FFmpegCodec{
			CodecName: "x264-lossless", Format: "h264", Binary: binary,
			Args: []string{"-c:v", "libx264rgb", "-preset", "ultrafast", "-tune", "zerolatency", "-qp", "0", "-g", ffmpegGOP},
		},
		&FFmpegCodec{
			CodecName: "x264-crf23", IsLossy: true, Format: "h264", Binary: binary,
			Args: []string{"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-crf", "23", "-pix_fmt", "yuv420p", "-g", ffmpegGOP},
		},
		&FFmpegCodec{
			CodecName: "vp8-rt", IsLossy: true, Format: "ivf", Binary: binary,
			// A positive -cpu-used in realtime mode makes libvpx pick its speed
			// from measured encode times: slower and different from run to run
			// on a busy machine. Negative is the same speed, fixed.
			Args: []string{"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "-8", "-crf", "10", "-b:v", "10M",
				"-auto-alt-ref", "0", "-lag-in-frames", "0", "-g", ffmpegGOP},
		},
	}
}

// x264YUV444Lossless is libx264 -qp 0 in yuv444p: lossless in YUV, but the
// RGB->YUV->RGB round trip rounds, so it is run as a lossy codec.
func x264YUV444Lossless(binary string) Codec {
	return &FFmpegCodec{
		CodecName: "x264-yuv444-qp0", IsLossy: true, Format: "h264", Binary: binary,
		Args: []string{"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-qp", "0", "-pix_fmt", "yuv444p", "-g", ffmpegGOP},
	}
}

// Name implements Codec.
func (c *FFmpegCodec) Name() string { return c.CodecName }

// Lossy implements Codec.
func (c *FFmpegCodec) Lossy() bool { return c.IsLossy }

func (c *FFmpegCodec) binary() string {
	if c.Binary == "" {
		return "ffmpeg"
	}
	return c.Binary
}

func (c *FFmpegCodec) fps() string {
	if c.FPS <= 0 {
		return "30"
	}
	return strconv.Itoa(c.FPS)
}

// CodeSequence implements SequenceCodec.
func (c *FFmpegCodec) CodeSequence(ctx context.Context, frames []*image.RGBA, decoded func(i int, img *image.RGBA) error) (SequenceStats, error) {
	var st SequenceStats
	if len(frames) == 0 {
		return st, fmt.Errorf("%w: no frames", ErrCorpus)
	}
	var split func([]byte) ([]int, error)
	switch c.Format {
	case "h264":
		split = SplitAnnexB
	case "ivf":
		split = SplitIVF
	default:
		return st, fmt.Errorf("%w: %s: unknown bitstream format %q (use h264 or ivf)", ErrFFmpeg, c.CodecName, c.Format)
	}
	b := frames[0].Bounds()
	w, h := b.Dx(), b.Dy()

	stream, encTime, err := c.encode(ctx, frames, w, h)
	if err != nil {
		return st, err
	}
	st.Encode = encTime
	st.FrameBytes, err = split(stream)
	if err != nil {
		return st, fmt.Errorf("%s: %w", c.CodecName, err)
	}
	if len(st.FrameBytes) != len(frames) {
		return st, fmt.Errorf("%w: %s wrote %d frames for %d input frames", ErrBitstream, c.CodecName, len(st.FrameBytes), len(frames))
	}

	start := time.Now()
	cmd, stderr := c.command(ctx, io.Discard, append([]string{"-benchmark"}, append(c.inputArgs(), "-f", "null", "-")...)...)
	cmd.Stdin = bytes.NewReader(stream)
	if err := cmd.Start(); err != nil {
		return st, c.startErr(ctx, err)
	}
	if err := c.wait(ctx, cmd, stderr); err != nil {
		return st, err
	}
	st.Decode = benchTime(stderr.String(), time.Since(start))
	st.Notes = "times are averages: ffmpeg -benchmark rtime (its processing loop, on all cores; process start and input probing excluded) / frames"

	return st, c.decodeFrames(ctx, stream, w, h, len(frames), decoded)
}

// inputArgs are the decoder's input options: a raw H.264 stream has no
// timestamps, so it is given the encoder's frame rate.
func (c *FFmpegCodec) inputArgs() []string {
	if c.Format == "h264" {
		return []string{"-f", "h264", "-framerate", c.fps(), "-i", "pipe:0"}
	}
	return []string{"-f", c.Format, "-i", "pipe:0"}
}

// startErr explains why ffmpeg did not start.
func (c *FFmpegCodec) startErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %s: %v (is ffmpeg installed?)", ErrFFmpeg, c.CodecName, err)
}

// encode pipes the frames into ffmpeg and returns the bitstream and the
// encoding time (benchTime).
func (c *FFmpegCodec) encode(ctx context.Context, frames []*image.RGBA, w, h int) ([]byte, time.Duration, error) {
	args := []string{
		"-f", "rawvideo", "-pix_fmt", "rgba", "-s", fmt.Sprintf("%dx%d", w, h), "-framerate", c.fps(), "-i", "pipe:0",
	}
	args = append(args, c.Args...)
	args = append(args, "-f", c.Format, "pipe:1")

	var out bytes.Buffer
	cmd, stderr := c.command(ctx, &out, append([]string{"-benchmark"}, args...)...)
	// An OS pipe written directly: no extra copy through a goroutine.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrFFmpeg, c.CodecName, err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, c.startErr(ctx, err)
	}
	var werr error
	for i, f := range frames {
		if f.Bounds() != image.Rect(0, 0, w, h) {
			werr = fmt.Errorf("%w: frame %d is %v, frame 0 is %dx%d", ErrFrame, i, f.Bounds(), w, h)
			break
		}
		// A write fails (EPIPE) when ffmpeg has died; Wait then says why.
		if werr = writeRows(stdin, f, w, h); werr != nil {
			break
		}
	}
	if errors.Is(werr, ErrFrame) {
		// Stop ffmpeg: the input is wrong, not ffmpeg.
		_ = cmd.Process.Kill()
	}
	cerr := stdin.Close()
	err = c.wait(ctx, cmd, stderr)
	elapsed := time.Since(start)
	switch {
	case errors.Is(werr, ErrFrame):
		return nil, 0, werr
	case err != nil:
		return nil, 0, err
	case werr != nil:
		return nil, 0, fmt.Errorf("%w: %s: writing frames: %v", ErrFFmpeg, c.CodecName, werr)
	case cerr != nil:
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrFFmpeg, c.CodecName, cerr)
	}
	return out.Bytes(), benchTime(stderr.String(), elapsed), nil
}

// benchTime returns the real time ffmpeg -benchmark reports for its
// processing loop ("bench: utime=… rtime=1.234s"), which leaves out process
// start and input probing; wall is the fallback when there is none.
func benchTime(stderr string, wall time.Duration) time.Duration {
	m := regexp.MustCompile(`bench: utime=\S+ stime=\S+ rtime=([0-9.]+)s`).FindAllStringSubmatch(stderr, -1)
	if len(m) == 0 {
		return wall
	}
	sec, err := strconv.ParseFloat(m[len(m)-1][1], 64)
	if err != nil || sec <= 0 {
		return wall
	}
	return time.Duration(sec * float64(time.Second))
}

func writeRows(w io.Writer, f *image.RGBA, width, height int) error {
	if f.Stride == width*4 {
		_, err := w.Write(f.Pix[:width*height*4])
		return err
	}
	for y := 0; y < height; y++ {
		if _, err := w.Write(f.Pix[y*f.Stride : y*f.Stride+width*4]); err != nil {
			return err
		}
	}
	return nil
}

// decodeFrames decodes stream back to RGBA and hands every frame to decoded.
func (c *FFmpegCodec) decodeFrames(ctx context.Context, stream []byte, w, h, n int, decoded func(int, *image.RGBA) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd, stderr := c.command(ctx, nil, append(c.inputArgs(),
		"-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1")...)
	cmd.Stdin = bytes.NewReader(stream)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFFmpeg, c.CodecName, err)
	}
	if err := cmd.Start(); err != nil {
		return c.startErr(ctx, err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	i := 0
	for {
		_, rerr := io.ReadFull(stdout, img.Pix)
		if rerr == io.EOF {
			break
		}
		if errors.Is(rerr, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("%w: %s: decoder output ends inside frame %d", ErrBitstream, c.CodecName, i)
		} else if rerr != nil {
			err = fmt.Errorf("%w: %s: reading decoded frames: %v", ErrFFmpeg, c.CodecName, rerr)
		} else if i >= n {
			err = fmt.Errorf("%w: %s: decoder returned more than %d frames", ErrBitstream, c.CodecName, n)
		} else {
			err = decoded(i, img)
		}
		if err != nil {
			break
		}
		i++
	}
	if err != nil {
		cancel() // stop ffmpeg instead of draining its output
		_ = cmd.Wait()
		return err
	}
	if err := c.wait(ctx, cmd, stderr); err != nil {
		return err
	}
	if i != n {
		return fmt.Errorf("%w: %s: decoder returned %d frames for %d", ErrBitstream, c.CodecName, i, n)
	}
	return nil
}

// command prepares ffmpeg with args and stdout; its error output is kept for
// the error message. With -benchmark it logs at level info, where ffmpeg
// prints the benchmark line.
func (c *FFmpegCodec) command(ctx context.Context, stdout io.Writer, args ...string) (*exec.Cmd, *tailBuffer) {
	level := "error"
	if slices.Contains(args, "-benchmark") {
		level = "info"
	}
	full := append([]string{"-hide_banner", "-nostats", "-loglevel", level}, args...)
	cmd := exec.CommandContext(ctx, c.binary(), full...)
	cmd.Stdout = stdout
	stderr := &tailBuffer{max: 4096}
	cmd.Stderr = stderr
	// A killed ffmpeg must not leave Wait hanging on an inherited pipe.
	cmd.WaitDelay = 5 * time.Second
	return cmd, stderr
}

// wait waits for cmd and turns a failure into ErrFFmpeg with the tail of
// ffmpeg's error output.
func (c *FFmpegCodec) wait(ctx context.Context, cmd *exec.Cmd, stderr *tailBuffer) error {
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		return fmt.Errorf("%w: %s: %v: %s", ErrFFmpeg, c.CodecName, err, msg)
	}
	return nil
}

// run runs ffmpeg with args, stdin and stdout to completion.
func (c *FFmpegCodec) run(ctx context.Context, stdin io.Reader, stdout io.Writer, args ...string) error {
	cmd, stderr := c.command(ctx, stdout, args...)
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		return c.startErr(ctx, err)
	}
	return c.wait(ctx, cmd, stderr)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
