package codec

import (
	"errors"
	"fmt"
	"image"

	"github.com/klauspost/compress/zstd"
)

// Update describes what one Decode changed.
type Update struct {
	Key           bool
	Seq           uint32
	Width, Height int
	// Rects are the regions repainted by this message: tile rectangles, merged
	// where adjacent. The slice is reused by the next Decode.
	Rects []image.Rectangle
}

// Decoder applies messages to an RGBA framebuffer. Not safe for concurrent use.
type Decoder struct {
	zdec       *zstd.Decoder
	maxPixels  int
	maxMessage int

	img     *image.RGBA
	scratch []byte // decompressed tile records
	rects   []image.Rectangle
	seq     uint32
	ready   bool // a good picture is shown and deltas may follow
	closed  bool
}

// NewDecoder returns a Decoder that waits for a key frame.
func NewDecoder(opts ...DecoderOption) (*Decoder, error) {
	o := decoderOptions{maxPixels: defaultMaxPixels, maxMessage: defaultMaxMessage}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	// The real bound on output is the capacity Decode hands to DecodeAll (the
	// declared size); these limits are a second fence.
	maxRaw := uint64(o.maxPixels)*3 + uint64(o.maxPixels/(TileSize*TileSize)+2*MaxDimension/TileSize+3)*maxRecordExtra
	zdec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(maxRaw),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
		zstd.WithDecodeAllCapLimit(true),
	)
	if err != nil {
		return nil, fmt.Errorf("codec: zstd decoder: %w", err)
	}
	return &Decoder{zdec: zdec, maxPixels: o.maxPixels, maxMessage: o.maxMessage}, nil
}

// Close releases the decoder. It is idempotent; Decode then returns ErrClosed.
func (d *Decoder) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.zdec.Close()
	d.img, d.scratch, d.rects = nil, nil, nil
	return nil
}

// Image returns the framebuffer (RGBA, alpha 255), nil before the first key
// frame. It is owned by the decoder and valid until the next Decode; after an
// error it still holds the last good picture.
func (d *Decoder) Image() *image.RGBA { return d.img }

// Decode applies one message to the framebuffer.
//
// Errors: ErrCorrupt (truncated or garbled; wraps the detail), ErrVersion,
// ErrTooLarge, ErrNeedKeyFrame (a delta before any key frame, for another
// size, or whose Seq is not the previous one plus 1). After any error the
// decoder refuses deltas with ErrNeedKeyFrame until the next key frame, so a
// corrupted picture is never shown as good; the caller then asks the sender for
// a key frame. The whole message is validated before the framebuffer is
// touched, so a failed message leaves the framebuffer as it was.
func (d *Decoder) Decode(msg []byte) (Update, error) {
	if d.closed {
		return Update{}, ErrClosed
	}
	u, err := d.decode(msg)
	if err != nil {
		d.ready = false
		return Update{}, err
	}
	return u, nil
}

func (d *Decoder) decode(msg []byte) (Update, error) {
	if len(msg) > d.maxMessage {
		return Update{}, fmt.Errorf("%w: message of %d bytes, limit %d", ErrTooLarge, len(msg), d.maxMessage)
	}
	h, err := parseHeader(msg)
	if err != nil {
		return Update{}, err
	}
	if uint64(h.Width)*uint64(h.Height) > uint64(d.maxPixels) {
		return Update{}, fmt.Errorf("%w: frame %dx%d, limit %d pixels", ErrTooLarge, h.Width, h.Height, d.maxPixels)
	}
	if !h.Key {
		switch {
		case !d.ready:
			return Update{}, fmt.Errorf("%w: delta %d before a good key frame", ErrNeedKeyFrame, h.Seq)
		case h.Width != d.img.Rect.Dx() || h.Height != d.img.Rect.Dy():
			return Update{}, fmt.Errorf("%w: delta for %dx%d, picture is %dx%d", ErrNeedKeyFrame, h.Width, h.Height, d.img.Rect.Dx(), d.img.Rect.Dy())
		case h.Seq != d.seq+1:
			return Update{}, fmt.Errorf("%w: delta %d after message %d", ErrNeedKeyFrame, h.Seq, d.seq)
		}
	}
	records, err := d.payload(&h, msg[HeaderSize:])
	if err != nil {
		return Update{}, err
	}
	tilesX, _ := tileGrid(h.Width, h.Height)
	if err := validateRecords(records, h.Tiles, tilesX, h.Width, h.Height); err != nil {
		return Update{}, err
	}

	if h.Key && (d.img == nil || d.img.Rect.Dx() != h.Width || d.img.Rect.Dy() != h.Height) {
		d.img = image.NewRGBA(image.Rect(0, 0, h.Width, h.Height))
	}
	d.rects = d.rects[:0]
	prev := -1
	for p := records; len(p) > 0; {
		var r record
		r, p, _ = nextRecord(p, prev, tilesX, h.Width, h.Height)
		prev = r.index
		d.paint(r, tilesX)
	}
	d.rects = mergeRows(d.rects)
	d.seq = h.Seq
	d.ready = true
	return Update{Key: h.Key, Seq: h.Seq, Width: h.Width, Height: h.Height, Rects: d.rects}, nil
}

// payload returns the tile records of a message, decompressed into a reused
// buffer no larger than the declared size.
func (d *Decoder) payload(h *header, p []byte) ([]byte, error) {
	if h.method == methodNone {
		return p, nil
	}
	var zh zstd.Header
	if err := zh.Decode(p); err != nil {
		return nil, fmt.Errorf("%w: zstd frame header: %w", ErrCorrupt, err)
	}
	switch {
	case zh.Skippable || zh.DictionaryID != 0:
		return nil, fmt.Errorf("%w: zstd frame is skippable or needs a dictionary", ErrCorrupt)
	case zh.HasFCS && zh.FrameContentSize != uint64(h.rawLen):
		return nil, fmt.Errorf("%w: zstd frame holds %d bytes, header declares %d", ErrCorrupt, zh.FrameContentSize, h.rawLen)
	}
	if cap(d.scratch) < h.rawLen {
		d.scratch = make([]byte, h.rawLen)
	}
	out, err := d.zdec.DecodeAll(p, d.scratch[:0:h.rawLen])
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, fmt.Errorf("%w: zstd payload larger than the declared %d bytes", ErrCorrupt, h.rawLen)
		}
		return nil, fmt.Errorf("%w: zstd: %w", ErrCorrupt, err)
	}
	if len(out) != h.rawLen {
		return nil, fmt.Errorf("%w: zstd payload of %d bytes, header declares %d", ErrCorrupt, len(out), h.rawLen)
	}
	return out, nil
}

// validateRecords checks every tile record so that painting cannot fail midway.
func validateRecords(p []byte, tiles, tilesX, w, h int) error {
	prev := -1
	for range tiles {
		var r record
		var err error
		r, p, err = nextRecord(p, prev, tilesX, w, h)
		if err != nil {
			return err
		}
		prev = r.index
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: %d bytes after the last tile record", ErrCorrupt, len(p))
	}
	return nil
}

// paint draws one validated tile record and records its rectangle.
func (d *Decoder) paint(r record, tilesX int) {
	x0, y0 := (r.index%tilesX)*TileSize, (r.index/tilesX)*TileSize
	w, h := min(TileSize, d.img.Rect.Dx()-x0), min(TileSize, d.img.Rect.Dy()-y0)
	switch r.enc {
	case encSolid:
		fillRGBA(d.img.Pix, d.img.Stride, x0, y0, w, h, r.data)
	case encRaw:
		putRGB(d.img.Pix, d.img.Stride, x0, y0, w, h, r.data)
	}
	rect := image.Rect(x0, y0, x0+w, y0+h)
	if n := len(d.rects); n > 0 {
		last := &d.rects[n-1]
		if last.Min.Y == rect.Min.Y && last.Max.Y == rect.Max.Y && last.Max.X == rect.Min.X {
			last.Max.X = rect.Max.X
			return
		}
	}
	d.rects = append(d.rects, rect)
}

// mergeRows joins consecutive rectangles that span the same columns and touch
// vertically (full-width rows of a key frame become one rectangle).
func mergeRows(rs []image.Rectangle) []image.Rectangle {
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 {
			last := &out[n-1]
			if last.Min.X == r.Min.X && last.Max.X == r.Max.X && last.Max.Y == r.Min.Y {
				last.Max.Y = r.Max.Y
				continue
			}
		}
		out = append(out, r)
	}
	return out
}
