package codec

import (
	"fmt"
	"image"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Image is a frame to encode. Pix is only read during Encode.
type Image struct {
	Width, Height, Stride int
	Format                PixelFormat
	Pix                   []byte
	// Damage, when non-nil, lists the regions that may have changed since the
	// previous Encode; the encoder only compares tiles touching them. nil means
	// unknown: compare everything. The caller vouches for Damage: a change
	// outside it is not sent (until a later Damage covers it or a key frame).
	// An empty non-nil slice means nothing changed.
	Damage []image.Rectangle
	// Time is when the frame was captured; the zero Time means time.Now().
	// It times the lossless refinement of lossy regions (WithRefineDelay).
	Time time.Time
}

// Encoder turns a sequence of frames into messages carrying what changed. It
// keeps a copy of the previous frame. Not safe for concurrent use, except
// SetQuality.
type Encoder struct {
	o    encoderOptions
	zenc *zstd.Encoder
	pool *pool

	width, height  int
	format         PixelFormat
	tilesX, tilesY int
	prev           []byte     // previous frame as the viewer has it (exactly, where not lossy), stride width*4
	long           []byte     // the long-term picture as the viewer has it (exactly, where not longLossy), as prev
	tiles          []tileInfo // per tile
	changed        []bool     // per tile, this Encode
	candidate      []bool     // per tile, touched by Damage
	damaged        bool       // this Encode compares only candidates

	jobs       []tileJob    // this message's records, in index order
	chunks     []chunk      // this message's chunks
	workers    []worker     // per goroutine scratch
	motion     motion       // copy detection
	img        Image        // the frame being encoded (for the workers)
	phase      int          // what pool tasks do
	fuse       bool         // workers update prev as they go (no copies in the message)
	quality    atomic.Int64 // SetQuality's value, read at the start of Encode
	refineRate atomic.Int64 // SetRefineRate's value, bytes per second (0: no limit)
	refineCost int          // estimated bytes of a refined tile, once compressed
	lossyN     int          // tiles the viewer holds lossy
	last       time.Time    // Time of the previous Encode
	now        int64        // Time of this Encode, UnixNano
	q          int          // quality of this Encode
	frame      uint32       // Encode calls, for how long tiles stay unchanged
	seq        uint32
	key        bool // this message is a key frame
	needKey    bool
	closed     bool
}

// tileInfo is what the encoder knows about one tile.
type tileInfo struct {
	// The bounding box of the pixels that changed this Encode, tile
	// coordinates, max exclusive; valid when changed.
	x0, y0, x1, y1 uint8
	lossy          bool   // the viewer shows an approximation
	since          int64  // UnixNano of the last change
	jpegSeq        uint32 // seq+1 of the last message that sent it as JPEG

	// The long-term picture (longterm.go).
	changedAt uint32 // frame of the last change
	inLong    bool   // the viewer's long-term tile equals its picture's
	moved     bool   // the last change copied content from elsewhere
	longLossy bool   // the viewer's long-term tile is an approximation
	// The long-term tile is the one in prev, not yet copied to long: a key
	// frame or a save sets it, and updatePrev copies the tile to long
	// before it changes prev. Key frames so cost one copy of the frame, not
	// two, and a tile that never changes is never copied.
	longInPrev bool
	noSave     bool // not worth saving until it changes again
	save       bool // this message saves it
}

// tileJob is one record to write.
type tileJob struct {
	index          int32
	rx, ry, rw, rh uint8 // the region to paint, tile coordinates (rw, rh 0 = 64)
	sub            bool  // region is smaller than the tile
	copy           bool
	crect          bool  // the copy covers only cx, cy, cw, ch
	cx, cy, cw, ch uint8 // tile coordinates
	keep           bool  // copy or BASE only: no region to paint
	refine         bool  // lossless re-send of a lossy tile
	srcLossy       bool  // the copy source includes lossy tiles
	base           bool  // the tile starts from the long-term picture
	save           bool  // save record: nothing painted, the tile goes into the long-term picture
	dx, dy         int32
}

// Phases of pool tasks.
const (
	phaseDiff    = iota // task = tile row
	phaseEncode         // task = chunk
	phaseUpdate         // task = chunk: copy its tiles into prev
	phaseChoose         // task = tile row: choose copies and long-term records
	phaseKeyCopy        // task = tile row: copy its rows into prev (key frames)
	phaseVote           // task = scanned row of prev: match the motion probes
	phaseProbe          // task = probe tile: hash its probe rows
)

// NewEncoder returns an Encoder whose first message is a key frame. Close
// it to stop its worker goroutines.
func NewEncoder(opts ...Option) (*Encoder, error) {
	o := defaultEncoderOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	zenc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(o.level.zstd()),
		zstd.WithEncoderConcurrency(o.concurrency),
		// Integrity is the transport's job (DTLS/SCTP); 4 bytes and a hash pass saved.
		zstd.WithEncoderCRC(false),
		zstd.WithWindowSize(zstdMaxWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("codec: zstd encoder: %w", err)
	}
	e := &Encoder{o: o, zenc: zenc, needKey: true, workers: make([]worker, o.concurrency)}
	e.quality.Store(int64(o.quality))
	e.refineCost = initialRefineCost
	e.pool = newPool(o.concurrency, e.task)
	return e, nil
}

// SetQuality changes the JPEG quality of photographic regions from the next
// Encode on: 1..100, or 0 for lossless only. Out-of-range values are
// clamped. It may be called concurrently with Encode.
func (e *Encoder) SetQuality(q int) { e.quality.Store(int64(min(max(q, 0), 100))) }

// SetRefineRate bounds the bytes a second that the lossless refinement of
// lossy regions may take (estimated from the refinements sent so far), so
// that on a slow link refining a large photograph does not queue up the
// changes that follow it. 0, the default, spreads the refinement of the
// whole screen over half a second whatever its size. Safe to call during
// Encode; it applies from the next one.
func (e *Encoder) SetRefineRate(bytesPerSecond int) {
	e.refineRate.Store(int64(max(bytesPerSecond, 0)))
}

// Reset makes the next Encode write a key frame, e.g. when a viewer joins or
// reports ErrNeedKeyFrame.
func (e *Encoder) Reset() { e.needKey = true }

// Close stops the encoder's workers and releases it. It is idempotent;
// Encode then returns ErrClosed.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.pool.close()
	e.prev, e.long, e.tiles, e.changed, e.candidate, e.jobs, e.chunks, e.workers = nil, nil, nil, nil, nil, nil, nil, nil
	return e.zenc.Close()
}

// Encode compares img with the previous image it was given and appends to dst
// one message holding what changed. A key frame (every tile) is written when
// key is true, on the first call, after Reset, and when the size or pixel
// format changes. When nothing is to be sent it returns dst unchanged (same
// length). A change in only the 4th byte of pixels counts as no change. In
// steady state (same size, dst reused by the caller) Encode does not
// allocate.
func (e *Encoder) Encode(dst []byte, img Image, key bool) ([]byte, error) {
	if e.closed {
		return dst, ErrClosed
	}
	if err := checkImage(&img); err != nil {
		return dst, err
	}
	if img.Width != e.width || img.Height != e.height || img.Format != e.format || e.prev == nil {
		e.resize(img.Width, img.Height, img.Format)
		key = true
	}
	key = key || e.needKey
	now := img.Time
	if now.IsZero() {
		now = time.Now()
	}
	dt := now.Sub(e.last)
	if e.last.IsZero() {
		dt = 0
	}
	e.last, e.now = now, now.UnixNano()
	e.frame++
	e.key = key
	e.q = int(e.quality.Load())
	e.img = img
	defer func() { e.img = Image{} }() // do not keep the caller's pixels

	if key {
		e.planKey()
	} else {
		if !e.diff() {
			e.planRefine(dt)
			if len(e.jobs) == 0 {
				return dst, nil
			}
		} else {
			e.motion.find(e)
			e.choose()
			e.plan(dt)
		}
	}
	dst = e.write(dst, key)
	e.seq++
	e.needKey = false
	return dst, nil
}

func checkImage(img *Image) error {
	switch {
	case img.Width < 1 || img.Height < 1 || img.Width > MaxDimension || img.Height > MaxDimension:
		return fmt.Errorf("%w: size %dx%d (each side must be 1..%d)", ErrInvalidImage, img.Width, img.Height, MaxDimension)
	case uint64(img.Width)*uint64(img.Height) > MaxEncodePixels:
		return fmt.Errorf("%w: %dx%d is more than %d pixels", ErrInvalidImage, img.Width, img.Height, MaxEncodePixels)
	case img.Format != BGRA && img.Format != RGBA:
		return fmt.Errorf("%w: unknown pixel format %d (use BGRA or RGBA)", ErrInvalidImage, img.Format)
	case img.Stride < img.Width*4:
		return fmt.Errorf("%w: stride %d < width*4 = %d", ErrInvalidImage, img.Stride, img.Width*4)
	case uint64(len(img.Pix)) < uint64(img.Height-1)*uint64(img.Stride)+uint64(img.Width)*4:
		return fmt.Errorf("%w: len(Pix) = %d, need %d", ErrInvalidImage, len(img.Pix), (img.Height-1)*img.Stride+img.Width*4)
	}
	return nil
}

func (e *Encoder) resize(w, h int, f PixelFormat) {
	e.width, e.height, e.format = w, h, f
	e.tilesX, e.tilesY = tileGrid(w, h)
	n := e.tilesX * e.tilesY
	if cap(e.prev) >= w*h*4 {
		e.prev, e.long = e.prev[:w*h*4], e.long[:w*h*4]
	} else {
		e.prev, e.long = nil, nil // let them go before allocating anew
		e.prev, e.long = make([]byte, w*h*4), make([]byte, w*h*4)
	}
	if cap(e.tiles) >= n {
		e.tiles, e.changed, e.candidate = e.tiles[:n], e.changed[:n], e.candidate[:n]
		e.motion.found = e.motion.found[:n]
	} else {
		e.tiles, e.changed, e.candidate = make([]tileInfo, n), make([]bool, n), make([]bool, n)
		e.motion.found = make([]tileMotion, n)
	}
	clear(e.tiles)
	e.lossyN = 0
	e.motion.reset()
}

// planKey lists every tile, whole.
func (e *Encoder) planKey() {
	n := e.tilesX * e.tilesY
	e.jobs = e.jobs[:0]
	for i := range n {
		e.jobs = append(e.jobs, tileJob{index: int32(i)})
	}
	for i := range e.tiles {
		e.tiles[i] = tileInfo{since: e.now, changedAt: e.frame}
	}
	e.lossyN = 0
	e.motion.reset()
}

// plan lists the changed tiles (with their copies, found by motion) and the
// lossy tiles due for refinement, in index order.
func (e *Encoder) plan(dt time.Duration) {
	e.jobs = e.jobs[:0]
	budget := e.refineBudget(dt)
	for i, c := range e.changed {
		t := &e.tiles[i]
		if !c {
			if budget > 0 && e.dueRefine(t) {
				budget--
				e.jobs = append(e.jobs, tileJob{index: int32(i), refine: true})
			} else if t.save {
				t.save = false
				e.jobs = append(e.jobs, tileJob{index: int32(i), save: true})
			}
			continue
		}
		t.since, t.changedAt, t.noSave, t.moved = e.now, e.frame, false, false
		j := tileJob{index: int32(i)}
		_, _, tw, th := tileRect(i, e.tilesX, e.width, e.height)
		if m := e.motion.tile(i); m.ok || m.base {
			j.base = m.base
			j.rx, j.ry, j.rw, j.rh = m.x0, m.y0, m.x1-m.x0, m.y1-m.y0
			j.keep = m.x1 == 0
			if m.ok {
				t.moved = true
				j.copy, j.dx, j.dy, j.srcLossy = true, m.dx, m.dy, m.srcLossy
				j.cx, j.cy, j.cw, j.ch = m.cx0, m.cy0, m.cx1-m.cx0, m.cy1-m.cy0
				j.crect = int(j.cw) != tw || int(j.ch) != th
			}
		} else {
			j.rx, j.ry, j.rw, j.rh = t.x0, t.y0, t.x1-t.x0, t.y1-t.y0
		}
		j.sub = !j.keep && (int(j.rw) != tw || int(j.rh) != th)
		e.jobs = append(e.jobs, j)
	}
}

// planRefine lists only lossy tiles due for refinement (nothing changed).
// Saves wait for a message with changes: a still screen sends nothing.
func (e *Encoder) planRefine(dt time.Duration) {
	e.jobs = e.jobs[:0]
	if e.lossyN == 0 {
		return
	}
	budget := e.refineBudget(dt)
	for i := range e.tiles {
		if budget == 0 {
			break
		}
		if e.dueRefine(&e.tiles[i]) {
			budget--
			e.jobs = append(e.jobs, tileJob{index: int32(i), refine: true})
		}
	}
}

// refineSpread is how long a refinement wave of the whole screen takes at
// most after WithRefineDelay: the lossless re-sends are spread over the
// messages of this period instead of arriving in one burst.
const refineSpread = 500 * time.Millisecond

// refineBudget is how many lossy tiles this message may refine: a share of
// the lossy tiles proportional to the time since the previous message.
func (e *Encoder) refineBudget(dt time.Duration) int {
	if e.lossyN == 0 {
		return 0
	}
	dt = min(max(dt, 0), refineSpread)
	n := (int64(e.lossyN)*int64(dt) + int64(refineSpread) - 1) / int64(refineSpread)
	n = max(n, 8)
	if rate := e.refineRate.Load(); rate > 0 {
		n = min(n, max(rate*int64(dt)/int64(time.Second)/int64(e.refineCost), 1))
	}
	return int(n)
}

// initialRefineCost is the estimate of a refined tile's bytes before any
// was sent: about a lossless 64x64 photograph's.
const initialRefineCost = 6 << 10

// learnRefineCost updates the estimate of a refined tile's bytes from the
// message just written: each chunk's refinement records, in the proportion
// its compression gave.
func (e *Encoder) learnRefineCost() {
	var bytes float64
	n := 0
	for i := range e.chunks {
		c := &e.chunks[i]
		if c.refineN == 0 {
			continue
		}
		ratio := 1.0
		if c.method == methodZstd && len(c.raw) > 0 {
			ratio = float64(len(c.packed)) / float64(len(c.raw))
		}
		bytes += float64(c.refineRaw) * ratio
		n += c.refineN
	}
	if n == 0 {
		return
	}
	cost := int(bytes/float64(n)) + 1
	e.refineCost = max((3*e.refineCost+cost)/4, 1)
}

func (e *Encoder) dueRefine(t *tileInfo) bool {
	return t.lossy && e.now-t.since >= int64(e.o.refineDelay)
}
