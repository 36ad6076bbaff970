package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"

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
}

// Encoder turns a sequence of frames into messages carrying the tiles that
// changed. It keeps a copy of the previous frame. Not safe for concurrent use.
type Encoder struct {
	zenc *zstd.Encoder

	width, height  int
	format         PixelFormat
	tilesX, tilesY int
	prev           []byte // previous frame, source format, stride width*4
	changed        []bool // per tile, this Encode
	candidate      []bool // per tile, touched by Damage
	raw            []byte // tile records before compression
	seq            uint32
	needKey        bool
	closed         bool
}

// NewEncoder returns an Encoder whose first message is a key frame.
func NewEncoder(opts ...Option) (*Encoder, error) {
	var o encoderOptions
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	zenc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(o.level.zstd()),
		zstd.WithEncoderConcurrency(1),
		// Integrity is the transport's job (DTLS/SCTP); 4 bytes and a hash pass saved.
		zstd.WithEncoderCRC(false),
		zstd.WithWindowSize(zstdMaxWindow),
	)
	if err != nil {
		return nil, fmt.Errorf("codec: zstd encoder: %w", err)
	}
	return &Encoder{zenc: zenc, needKey: true}, nil
}

// Reset makes the next Encode write a key frame, e.g. when a viewer joins or
// reports ErrNeedKeyFrame.
func (e *Encoder) Reset() { e.needKey = true }

// Close releases the encoder. It is idempotent; Encode then returns ErrClosed.
func (e *Encoder) Close() error {
	if e.closed {
		return nil
	}
	e.closed = true
	e.prev, e.raw, e.changed, e.candidate = nil, nil, nil, nil
	return e.zenc.Close()
}

// Encode compares img with the previous image it was given and appends to dst
// one message holding the changed tiles. A key frame (every tile) is written
// when key is true, on the first call, after Reset, and when the size or pixel
// format changes. When nothing changed it returns dst unchanged (same length).
// A change in only the 4th byte of pixels counts as no change. In steady state
// (same size, dst reused by the caller) Encode does not allocate.
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

	var n int
	if key {
		n = e.takeAll(&img)
	} else {
		n = e.diff(&img)
	}
	if n == 0 {
		return dst, nil
	}

	e.raw = e.raw[:0]
	for idx, c := range e.changed {
		if c {
			e.raw = e.appendTile(e.raw, &img, idx)
		}
	}

	start := len(dst)
	dst = append(dst, make([]byte, HeaderSize)...)
	dst = e.zenc.EncodeAll(e.raw, dst)
	method := byte(methodZstd)
	if len(dst)-start-HeaderSize >= len(e.raw) {
		// Incompressible (noise, tiny messages): send as is.
		dst = append(dst[:start+HeaderSize], e.raw...)
		method = methodNone
	}
	putHeader(dst[start:], key, method, n, e.seq, e.width, e.height, len(e.raw), len(dst)-start-HeaderSize)
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
		e.prev = e.prev[:w*h*4]
	} else {
		e.prev = make([]byte, w*h*4)
	}
	if cap(e.changed) >= n {
		e.changed, e.candidate = e.changed[:n], e.candidate[:n]
	} else {
		e.changed, e.candidate = make([]bool, n), make([]bool, n)
	}
}

// takeAll marks every tile changed and keeps a copy of the frame.
func (e *Encoder) takeAll(img *Image) int {
	w4 := e.width * 4
	for y := range e.height {
		copy(e.prev[y*w4:(y+1)*w4], img.Pix[y*img.Stride:])
	}
	for i := range e.changed {
		e.changed[i] = true
	}
	return len(e.changed)
}

// markDamage sets candidate for the tiles touched by damage and reports
// whether there is any.
func (e *Encoder) markDamage(damage []image.Rectangle) bool {
	clear(e.candidate)
	found := false
	bounds := image.Rect(0, 0, e.width, e.height)
	for _, r := range damage {
		r = r.Intersect(bounds)
		if r.Empty() {
			continue
		}
		found = true
		for ty := r.Min.Y / TileSize; ty <= (r.Max.Y-1)/TileSize; ty++ {
			row := e.candidate[ty*e.tilesX : (ty+1)*e.tilesX]
			for tx := r.Min.X / TileSize; tx <= (r.Max.X-1)/TileSize; tx++ {
				row[tx] = true
			}
		}
	}
	return found
}

// diff marks the tiles whose colours differ from the previous frame and brings
// the kept copy up to date. Rows are compared whole first, so an unchanged
// frame costs one bytes.Equal pass; only rows that differ are split into tile
// spans.
func (e *Encoder) diff(img *Image) int {
	clear(e.changed)
	damaged := img.Damage != nil
	if damaged && !e.markDamage(img.Damage) {
		return 0
	}
	const span = TileSize * 4
	w4 := e.width * 4
	n := 0
	for ty := range e.tilesY {
		changed := e.changed[ty*e.tilesX : (ty+1)*e.tilesX]
		var cand []bool
		wholeRow := true
		if damaged {
			cand = e.candidate[ty*e.tilesX : (ty+1)*e.tilesX]
			some := false
			for _, c := range cand {
				some = some || c
				wholeRow = wholeRow && c
			}
			if !some {
				continue
			}
		}
		for y := ty * TileSize; y < min(ty*TileSize+TileSize, e.height); y++ {
			cur := img.Pix[y*img.Stride : y*img.Stride+w4]
			old := e.prev[y*w4 : y*w4+w4]
			if wholeRow && bytes.Equal(cur, old) {
				continue
			}
			for tx := range e.tilesX {
				if cand != nil && !cand[tx] {
					continue
				}
				s := tx * span
				c, o := cur[s:min(s+span, w4)], old[s:min(s+span, w4)]
				if !changed[tx] {
					if bytes.Equal(c, o) {
						continue
					}
					if !equalRGB(c, o) {
						changed[tx] = true
						n++
					}
				}
				copy(o, c)
			}
		}
	}
	return n
}

// appendTile appends the tile record of tile idx.
func (e *Encoder) appendTile(dst []byte, img *Image, idx int) []byte {
	x0, y0 := (idx%e.tilesX)*TileSize, (idx/e.tilesX)*TileSize
	w, h := min(TileSize, e.width-x0), min(TileSize, e.height-y0)
	dst = binary.AppendUvarint(dst, uint64(idx))
	if solidTile(img.Pix, img.Stride, x0, y0, w, h) {
		dst = append(dst, encSolid)
		return appendSolidRGB(dst, img.Pix, y0*img.Stride+x0*4, img.Format)
	}
	dst = append(dst, encRaw)
	return appendTileRGB(dst, img.Pix, img.Stride, x0, y0, w, h, img.Format)
}
