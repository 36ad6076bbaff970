package codecbench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"runtime"
	"slices"
	"strconv"
	"time"
)

// PSNRCap is the PSNR, in dB, given to a frame that a lossy codec rebuilt
// exactly (whose PSNR is infinite), so that means stay finite.
const PSNRCap = 100

// Result is what one codec measured on one corpus. Sizes are bytes, times
// milliseconds. Raw is 3 bytes per pixel (RGB), the information a frame holds.
// A frame a codec skips as unchanged (an empty message) counts as 0 bytes and
// 0 decode time, and still counts as a frame.
type Result struct {
	Corpus string `json:"corpus"`
	Codec  string `json:"codec"`
	Lossy  bool   `json:"lossy"`
	Frames int    `json:"frames"`
	Width  int    `json:"width"`
	Height int    `json:"height"`

	TotalBytes  int64   `json:"total_bytes"`
	MedianBytes float64 `json:"median_bytes"`
	// MedianUpdateBytes is the median over the frames that cost bytes (the
	// updates actually sent); it differs from MedianBytes when many frames
	// are skipped as unchanged. 0 when no frame cost bytes.
	MedianUpdateBytes float64 `json:"median_update_bytes"`
	P99Bytes          int64   `json:"p99_bytes"`
	RawBytes          int64   `json:"raw_bytes"`
	// Ratio is RawBytes / TotalBytes.
	Ratio float64 `json:"ratio"`

	EncodeMedianMs float64 `json:"encode_median_ms"`
	EncodeP99Ms    float64 `json:"encode_p99_ms"`
	DecodeMedianMs float64 `json:"decode_median_ms"`
	DecodeP99Ms    float64 `json:"decode_p99_ms"`
	// TimingAvg says the times are averages over the sequence (total / frames;
	// median and p99 are then that average), not per-frame measurements.
	TimingAvg bool `json:"timing_avg"`

	// UpdateEncodeMedianMs and UpdateDecodeMedianMs are the median times over
	// the frames that cost bytes (the updates actually sent, frame 0
	// included), and UpdateEncDecRatio is the first divided by the second:
	// how many times faster than encoding decoding an update is. All 0 when
	// no frame cost bytes; the ratio is 0 when decoding took no measurable
	// time.
	UpdateEncodeMedianMs float64 `json:"update_encode_median_ms"`
	UpdateDecodeMedianMs float64 `json:"update_decode_median_ms"`
	UpdateEncDecRatio    float64 `json:"update_enc_dec_ratio"`

	// PSNRMeanDB and PSNRMinDB are over frames, on RGB against the source
	// (exact frames count as PSNRCap); nil for lossless codecs.
	PSNRMeanDB *float64 `json:"psnr_mean_db"`
	PSNRMinDB  *float64 `json:"psnr_min_db"`
	// Exact says every frame was rebuilt exactly (RGB). Always true for a
	// lossless codec's Result: RunCorpus fails otherwise.
	Exact bool   `json:"exact"`
	Notes string `json:"notes,omitempty"`

	// Key is the key-frame measurement of frame 0 (see KeyFrame); nil in
	// results written before it existed.
	Key *KeyFrame `json:"key"`
}

// KeyRuns is how many timed runs RunCorpus codes frame 0 as a key frame in,
// on one reused encoder and decoder, after one untimed warm-up run that
// leaves first-use allocations out of the times.
const KeyRuns = 7

// The codecs whose key frames the others are compared with, by name, when
// they are in the same run: deskhand's goal is a key frame smaller than
// zstd-fastest's and coded in at most twice s2's time.
const (
	KeyTimeBaseline  = "s2"
	KeyBytesBaseline = "zstd-fastest"
)

// KeyFrame is what one codec measured on the corpus's frame 0 coded as a key
// frame (intra frame), the message a viewer joining a session needs first.
// A FrameCodec codes it KeyRuns times (Sequence.EncodeKey, then Decode) and
// every decoded picture is checked like any frame: exact for a lossless
// codec, PSNR for a lossy one. A SequenceCodec (ffmpeg) cannot be timed per
// frame: Bytes is then the size of frame 0 in the sequence run (a key frame
// there too, stream headers included), Runs is 0 and the times are nil.
type KeyFrame struct {
	// Bytes is the key frame's size, the median over the runs.
	Bytes int64 `json:"bytes"`
	// Runs is the number of timed runs; 0 when the times are not measured.
	Runs int `json:"runs"`
	// EncodeMedianMs and DecodeMedianMs are the median times over the runs;
	// nil when not measured.
	EncodeMedianMs *float64 `json:"encode_median_ms"`
	DecodeMedianMs *float64 `json:"decode_median_ms"`
	// EncDecRatio is EncodeMedianMs / DecodeMedianMs: how many times faster
	// than encoding decoding the key frame is. nil when not measured.
	EncDecRatio *float64 `json:"enc_dec_ratio"`
	// EncodeVsS2 is EncodeMedianMs / the EncodeMedianMs of the
	// codec named KeyTimeBaseline (s2) in the same run; nil when either is
	// missing.
	EncodeVsS2 *float64 `json:"encode_vs_s2"`
	// BytesVsZstdFastest is Bytes / the Bytes of the codec named
	// KeyBytesBaseline (zstd-fastest) in the same run; nil when it is
	// missing.
	BytesVsZstdFastest *float64 `json:"bytes_vs_zstd_fastest"`
	// PSNRDB is the lowest PSNR over the runs (PSNRCap when exact); nil for
	// lossless codecs.
	PSNRDB *float64 `json:"psnr_db"`
	// Exact says every run rebuilt frame 0 exactly (RGB). Always true for a
	// lossless codec: RunCorpus fails otherwise.
	Exact bool `json:"exact"`
}

// RunOption configures RunCorpus.
type RunOption func(*runOptions) error

type runOptions struct {
	progress func(codec string, done, total int)
}

// WithProgress makes RunCorpus call fn after each frame of each codec (for
// SequenceCodecs: after each decoded frame). Default none; fn must not be
// nil.
func WithProgress(fn func(codec string, done, total int)) RunOption {
	return func(o *runOptions) error {
		if fn == nil {
			return fmt.Errorf("%w: WithProgress(nil)", ErrUsage)
		}
		o.progress = fn
		return nil
	}
}

// RunCorpus runs every codec on every frame in order and returns one Result
// per codec that succeeded, in the codecs' order; Corpus is left empty for
// the caller to fill in. Frames must all have one size. A lossless codec
// that does not rebuild a frame exactly fails with ErrMismatch naming the
// codec, the frame and the pixel. A failing codec does not stop the others:
// the error joins every codec's failure, and the Results of the others are
// still returned.
func RunCorpus(ctx context.Context, frames []*image.RGBA, codecs []Codec, opts ...RunOption) ([]Result, error) {
	var o runOptions
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("%w: no frames", ErrCorpus)
	}
	want := frames[0].Bounds()
	if want.Empty() {
		return nil, fmt.Errorf("%w: frame 0 is empty", ErrFrame)
	}
	for i, f := range frames {
		if f.Bounds() != want {
			return nil, fmt.Errorf("%w: frame %d is %v, frame 0 is %v", ErrFrame, i, f.Bounds(), want)
		}
	}
	names := map[string]bool{}
	for _, c := range codecs {
		if names[c.Name()] {
			return nil, fmt.Errorf("%w: codec %q given twice", ErrUsage, c.Name())
		}
		names[c.Name()] = true
	}

	var results []Result
	var errs []error
	for _, c := range codecs {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		// Leave the previous codec's garbage out of this one's times.
		runtime.GC()
		r, err := runCodec(ctx, frames, c, o.progress)
		if err != nil {
			if ctx.Err() != nil {
				return results, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("codec %s: %w", c.Name(), err))
			continue
		}
		results = append(results, r)
	}
	setKeyRatios(results)
	return results, errors.Join(errs...)
}

// setKeyRatios fills in the key frames' ratios against the baselines of the
// same run.
func setKeyRatios(results []Result) {
	var timeBase, bytesBase *KeyFrame
	for _, r := range results {
		switch r.Codec {
		case KeyTimeBaseline:
			timeBase = r.Key
		case KeyBytesBaseline:
			bytesBase = r.Key
		}
	}
	for _, r := range results {
		k := r.Key
		if k == nil {
			continue
		}
		if timeBase != nil && timeBase.EncodeMedianMs != nil && *timeBase.EncodeMedianMs > 0 && k.EncodeMedianMs != nil {
			k.EncodeVsS2 = ptr(round(*k.EncodeMedianMs / *timeBase.EncodeMedianMs, 3))
		}
		if bytesBase != nil && bytesBase.Bytes > 0 {
			k.BytesVsZstdFastest = ptr(round(float64(k.Bytes)/float64(bytesBase.Bytes), 3))
		}
	}
}

func ptr[T any](v T) *T { return &v }

func runCodec(ctx context.Context, frames []*image.RGBA, c Codec, progress func(string, int, int)) (Result, error) {
	n := len(frames)
	b := frames[0].Bounds()
	r := Result{Codec: c.Name(), Lossy: c.Lossy(), Frames: n, Width: b.Dx(), Height: b.Dy()}
	q := quality{codec: c.Name(), lossy: c.Lossy(), exact: true, minPSNR: math.Inf(1)}
	sizes := make([]int, n)
	enc := make([]time.Duration, n)
	dec := make([]time.Duration, n)
	report := func(done int) {
		if progress != nil {
			progress(c.Name(), done, n)
		}
	}

	switch c := c.(type) {
	case FrameCodec:
		seq, err := c.NewSequence(b.Dx(), b.Dy())
		if err != nil {
			return r, err
		}
		defer seq.Close()
		var shown *image.RGBA
		for i, f := range frames {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			t0 := time.Now()
			msg, err := seq.Encode(f)
			enc[i] = time.Since(t0)
			if err != nil {
				return r, fmt.Errorf("frame %d: encode: %w", i, err)
			}
			sizes[i] = len(msg)
			if len(msg) > 0 {
				t1 := time.Now()
				img, err := seq.Decode(msg)
				dec[i] = time.Since(t1)
				if err != nil {
					return r, fmt.Errorf("frame %d: decode: %w", i, err)
				}
				shown = img
			}
			if shown == nil {
				return r, fmt.Errorf("frame %d: the first frame encoded to nothing", i)
			}
			if err := q.frame(i, f, shown); err != nil {
				return r, err
			}
			report(i + 1)
		}
		if err := seq.Close(); err != nil {
			return r, err
		}
		// Leave the sequence's garbage out of the key frame's times.
		runtime.GC()
		if r.Key, err = measureKey(ctx, c, frames[0]); err != nil {
			return r, err
		}
	case SequenceCodec:
		key := &KeyFrame{}
		st, err := c.CodeSequence(ctx, frames, func(i int, img *image.RGBA) error {
			if err := q.frame(i, frames[i], img); err != nil {
				return err
			}
			if i == 0 {
				key.Exact, key.PSNRDB = keyQuality(c.Lossy(), frames[0], img)
			}
			report(i + 1)
			return nil
		})
		if err != nil {
			return r, err
		}
		if len(st.FrameBytes) != n {
			return r, fmt.Errorf("%w: %d frame sizes for %d frames", ErrBitstream, len(st.FrameBytes), n)
		}
		if q.frames != n {
			return r, fmt.Errorf("%w: %d frames decoded of %d", ErrBitstream, q.frames, n)
		}
		copy(sizes, st.FrameBytes)
		key.Bytes = int64(sizes[0])
		r.Key = key
		for i := range enc {
			enc[i] = st.Encode / time.Duration(n)
			dec[i] = st.Decode / time.Duration(n)
		}
		r.TimingAvg = true
		r.Notes = st.Notes
	default:
		return r, fmt.Errorf("%w: %T is neither a FrameCodec nor a SequenceCodec", ErrUsage, c)
	}

	for _, s := range sizes {
		r.TotalBytes += int64(s)
	}
	r.RawBytes = int64(n) * int64(b.Dx()) * int64(b.Dy()) * 3
	if r.TotalBytes > 0 {
		r.Ratio = round(float64(r.RawBytes)/float64(r.TotalBytes), 2)
	}
	r.MedianBytes = median(sizes)
	var updates []int
	for _, s := range sizes {
		if s > 0 {
			updates = append(updates, s)
		}
	}
	if len(updates) > 0 {
		r.MedianUpdateBytes = median(updates)
	}
	r.P99Bytes = int64(percentile(sizes, 0.99))
	r.EncodeMedianMs = ms(medianDur(enc))
	r.EncodeP99Ms = ms(percentile(enc, 0.99))
	r.DecodeMedianMs = ms(medianDur(dec))
	r.DecodeP99Ms = ms(percentile(dec, 0.99))
	var updEnc, updDec []time.Duration
	for i, s := range sizes {
		if s > 0 {
			updEnc, updDec = append(updEnc, enc[i]), append(updDec, dec[i])
		}
	}
	if len(updEnc) > 0 {
		e, d := medianDur(updEnc), medianDur(updDec)
		r.UpdateEncodeMedianMs, r.UpdateDecodeMedianMs = ms(e), ms(d)
		if d > 0 {
			r.UpdateEncDecRatio = round(float64(e)/float64(d), 2)
		}
	}
	r.Exact = q.exact
	if c.Lossy() {
		mean := round(q.sumPSNR/float64(q.frames), 3)
		minimum := round(q.minPSNR, 3)
		r.PSNRMeanDB, r.PSNRMinDB = &mean, &minimum
	}
	return r, nil
}

// measureKey codes f as a key frame KeyRuns times after one warm-up, on one
// sequence of c, checking every decoded picture.
func measureKey(ctx context.Context, c FrameCodec, f *image.RGBA) (*KeyFrame, error) {
	b := f.Bounds()
	seq, err := c.NewSequence(b.Dx(), b.Dy())
	if err != nil {
		return nil, fmt.Errorf("key frame: %w", err)
	}
	defer seq.Close()
	q := quality{codec: c.Name(), lossy: c.Lossy(), exact: true, minPSNR: math.Inf(1)}
	sizes := make([]int, 0, KeyRuns)
	enc := make([]time.Duration, 0, KeyRuns)
	dec := make([]time.Duration, 0, KeyRuns)
	for run := 0; run <= KeyRuns; run++ { // run 0 warms up, untimed
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		msg, err := seq.EncodeKey(f)
		te := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("key frame (frame 0) run %d: encode: %w", run, err)
		}
		if len(msg) == 0 {
			return nil, fmt.Errorf("key frame (frame 0) run %d: encoded to nothing", run)
		}
		size := len(msg)
		t1 := time.Now()
		img, err := seq.Decode(msg)
		td := time.Since(t1)
		if err != nil {
			return nil, fmt.Errorf("key frame (frame 0) run %d: decode: %w", run, err)
		}
		if err := q.check(fmt.Sprintf("key frame (frame 0) run %d", run), f, img); err != nil {
			return nil, err
		}
		if run > 0 {
			sizes, enc, dec = append(sizes, size), append(enc, te), append(dec, td)
		}
	}
	if err := seq.Close(); err != nil {
		return nil, err
	}
	e, d := medianDur(enc), medianDur(dec)
	k := &KeyFrame{Bytes: int64(median(sizes)), Runs: KeyRuns, Exact: q.exact,
		EncodeMedianMs: ptr(ms(e)), DecodeMedianMs: ptr(ms(d))}
	if d > 0 {
		k.EncDecRatio = ptr(round(float64(e)/float64(d), 2))
	}
	if c.Lossy() {
		k.PSNRDB = ptr(round(q.minPSNR, 3))
	}
	return k, nil
}

// keyQuality compares a decoded frame 0 with its source: exact, and for a
// lossy codec its PSNR (PSNRCap when exact).
func keyQuality(lossy bool, src, got *image.RGBA) (exact bool, psnr *float64) {
	exact = equalRGB(src, got)
	if lossy {
		p := float64(PSNRCap)
		if !exact {
			p = round(PSNR(src, got), 3)
		}
		psnr = &p
	}
	return exact, psnr
}

// quality accumulates the comparison of decoded frames with their sources.
type quality struct {
	codec   string
	lossy   bool
	frames  int
	exact   bool
	sumPSNR float64
	minPSNR float64
}

func (q *quality) frame(i int, src, got *image.RGBA) error {
	return q.check("frame "+strconv.Itoa(i), src, got)
}

// check compares one decoded picture, named by where in errors, with its
// source.
func (q *quality) check(where string, src, got *image.RGBA) error {
	if got == nil || got.Bounds().Size() != src.Bounds().Size() {
		var size image.Point
		if got != nil {
			size = got.Bounds().Size()
		}
		return fmt.Errorf("%w: codec %s %s: decoded size %v, want %v", ErrMismatch, q.codec, where, size, src.Bounds().Size())
	}
	q.frames++
	if equalRGB(src, got) {
		q.sumPSNR += PSNRCap
		q.minPSNR = min(q.minPSNR, PSNRCap)
		return nil
	}
	q.exact = false
	if !q.lossy {
		x, y := firstDiff(src, got)
		return fmt.Errorf("%w: codec %s %s: pixel (%d,%d) is %v, want %v", ErrMismatch, q.codec, where, x, y,
			rgbAt(got, x, y), rgbAt(src, x, y))
	}
	p := PSNR(src, got)
	q.sumPSNR += p
	q.minPSNR = min(q.minPSNR, p)
	return nil
}

// equalRGB says whether a and b (same size) hold the same RGB values; alpha
// is ignored.
func equalRGB(a, b *image.RGBA) bool {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		ra := a.Pix[y*a.Stride : y*a.Stride+w*4]
		rb := b.Pix[y*b.Stride : y*b.Stride+w*4]
		if bytes.Equal(ra, rb) {
			continue
		}
		for x := 0; x < len(ra); x += 4 {
			if ra[x] != rb[x] || ra[x+1] != rb[x+1] || ra[x+2] != rb[x+2] {
				return false
			}
		}
	}
	return true
}

func firstDiff(a, b *image.RGBA) (int, int) {
	w, h := a.Rect.Dx(), a.Rect.Dy()
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i, j := y*a.Stride+x*4, y*b.Stride+x*4
			if a.Pix[i] != b.Pix[j] || a.Pix[i+1] != b.Pix[j+1] || a.Pix[i+2] != b.Pix[j+2] {
				return x, y
			}
		}
	}
	return -1, -1
}

func rgbAt(m *image.RGBA, x, y int) string {
	i := y*m.Stride + x*4
	return fmt.Sprintf("#%02x%02x%02x", m.Pix[i], m.Pix[i+1], m.Pix[i+2])
}

// PSNR returns the peak signal-to-noise ratio of got against src in dB, over
// the R, G and B samples of every pixel (alpha ignored); +Inf when they are
// equal. Both must have the same size.
func PSNR(src, got *image.RGBA) float64 {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	var sse uint64
	for y := 0; y < h; y++ {
		ra := src.Pix[y*src.Stride : y*src.Stride+w*4]
		rb := got.Pix[y*got.Stride : y*got.Stride+w*4]
		var row uint64
		for x := 0; x+3 < len(ra) && x+3 < len(rb); x += 4 {
			d0 := int32(ra[x]) - int32(rb[x])
			d1 := int32(ra[x+1]) - int32(rb[x+1])
			d2 := int32(ra[x+2]) - int32(rb[x+2])
			row += uint64(d0*d0 + d1*d1 + d2*d2)
		}
		sse += row
	}
	if sse == 0 {
		return math.Inf(1)
	}
	mse := float64(sse) / float64(3*w*h)
	return 10 * math.Log10(255*255/mse)
}

// percentile returns the nearest-rank p-quantile of v (0 < p <= 1).
func percentile[T int | time.Duration](v []T, p float64) T {
	s := slices.Clone(v)
	slices.Sort(s)
	k := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(k, len(s)-1))]
}

// median returns the median of v, the mean of the middle two for an even
// count.
func median(v []int) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

func medianDur(v []time.Duration) time.Duration {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 4) }

func round(v float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(v*p) / p
}
