package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"runtime"

	"github.com/klauspost/compress/zstd"
)

// Update describes what one Decode changed.
type Update struct {
	Key           bool
	Seq           uint32
	Width, Height int
	// Rects are the regions repainted by this message, merged where adjacent
	// (none if it only saved tiles into the long-term picture). The slice is
	// reused by the next Decode.
	Rects []image.Rectangle
}

// Decoder applies messages to an RGBA framebuffer. Not safe for concurrent use.
type Decoder struct {
	zdec       *zstd.Decoder
	maxPixels  int
	maxMessage int

	img  *image.RGBA
	long []byte // the long-term picture (FORMAT.md), RGBA, stride of img
	// longInImg marks the tiles whose long-term tile is img's, not yet
	// copied to long: a key frame or a save sets it, and the tile is copied
	// out before it is painted. A key frame so costs no copy.
	longInImg []bool
	key       bool // the message being painted is a key frame
	chunks    [MaxChunks]chunkHeader
	nchunks   int
	phase     int
	raw       []byte      // decompressed records of every chunk
	recs      []decRecord // the parsed records of one message
	pals      []uint32    // shared palettes of the chunks, opaque RGBA words, 256 per chunk
	snap      []byte      // copy sources, taken before painting
	lossy     []byte      // decoded JPEG regions, RGBA
	jpegs     []jpegJob   // this message's JPEG regions, decoded after parsing
	jdecs     []jpegDecoder
	pool      *pool
	rects     []image.Rectangle
	seq       uint32
	ready     bool // a good picture is shown and deltas may follow
	closed    bool
}

// jpegJob is a JPEG region to decode into Decoder.lossy.
type jpegJob struct {
	off, w, h, quality int
	data               []byte
	err                error
}

// decRecord is one validated tile record.
type decRecord struct {
	x0, y0, tw, th int // the tile
	tile           int // its index
	cx, cy, cw, ch int // the copied rectangle, frame coordinates
	rx, ry, rw, rh int // the painted region, frame coordinates
	enc            byte
	copy           bool
	base           bool // the tile starts from the long-term picture
	save           bool // the tile is saved into the long-term picture
	dx, dy         int
	data           []byte // pixel data of the encoding (JPEG: unused)
	n              int    // palette: colours; shared: offset of the chunk's palette in pals
	wide           bool   // shared: 2-byte indices
	snapOff        int    // copy: offset of the source pixels in snap
	lossyOff       int    // JPEG: offset of the decoded pixels in lossy
}

// NewDecoder returns a Decoder that waits for a key frame. Close it to stop
// its worker goroutines (WithDecoderConcurrency).
func NewDecoder(opts ...DecoderOption) (*Decoder, error) {
	o := decoderOptions{maxPixels: defaultMaxPixels, maxMessage: defaultMaxMessage, concurrency: runtime.GOMAXPROCS(0)}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	// The real bound on output is the capacity Decode hands to DecodeAll (the
	// declared size); these limits are a second fence.
	maxTiles := o.maxPixels/(TileSize*TileSize) + 2*MaxDimension/TileSize + 3
	zdec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(o.concurrency), // chunks decompress in parallel
		zstd.WithDecoderMaxMemory(uint64(maxTiles)*maxRecord),
		zstd.WithDecoderMaxWindow(zstdMaxWindow),
		zstd.WithDecodeAllCapLimit(true),
	)
	if err != nil {
		return nil, fmt.Errorf("codec: zstd decoder: %w", err)
	}
	d := &Decoder{zdec: zdec, maxPixels: o.maxPixels, maxMessage: o.maxMessage, jdecs: make([]jpegDecoder, o.concurrency)}
	d.pool = newPool(o.concurrency, d.task)
	return d, nil
}

// Close stops the decoder's workers and releases it. It is idempotent;
// Decode then returns ErrClosed.
func (d *Decoder) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	d.pool.close()
	d.zdec.Close()
	d.img, d.long, d.raw, d.recs, d.pals, d.snap, d.lossy, d.rects, d.jpegs, d.jdecs = nil, nil, nil, nil, nil, nil, nil, nil, nil, nil
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
//
// In steady state Decode does not allocate, JPEG regions included.
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
	h, err := parseHeader(msg, &d.chunks)
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
	if err := d.parse(h, msg); err != nil {
		return Update{}, err
	}

	// Valid: now the picture may change.
	if h.Key && (d.img == nil || d.img.Rect.Dx() != h.Width || d.img.Rect.Dy() != h.Height) {
		d.img = image.NewRGBA(image.Rect(0, 0, h.Width, h.Height))
		d.long = make([]byte, len(d.img.Pix))
		tx, ty := tileGrid(h.Width, h.Height)
		d.longInImg = make([]bool, tx*ty)
	}
	d.key = h.Key
	d.takeCopySources()
	// Chunks paint disjoint tiles, copies read the sources taken aside, and
	// a record reads and writes only its own tile of the long-term picture:
	// paint the chunks in parallel.
	d.nchunks = h.Chunks
	d.phase = decPhasePaint
	d.pool.run(h.Chunks)
	d.rects = d.rects[:0]
	for i := range d.recs {
		if !d.recs[i].save {
			d.addRect(&d.recs[i])
		}
	}
	d.rects = mergeRows(d.rects)
	d.seq = h.Seq
	d.ready = true
	return Update{Key: h.Key, Seq: h.Seq, Width: h.Width, Height: h.Height, Rects: d.rects}, nil
}

// parse decompresses and validates every chunk of msg into d.recs, decoding
// JPEG regions into d.lossy, so that painting cannot fail.
func (d *Decoder) parse(h Header, msg []byte) error {
	total := 0
	for _, c := range d.chunks[:h.Chunks] {
		if c.method != methodNone {
			total += c.rawLen + zstdSlack
		}
	}
	if cap(d.raw) < total {
		d.raw = make([]byte, total)
	}
	if cap(d.recs) < h.Tiles {
		d.recs = make([]decRecord, 0, h.Tiles)
	}
	if cap(d.pals) < h.Chunks*maxShared {
		d.pals = make([]uint32, h.Chunks*maxShared)
	}
	d.recs = d.recs[:0]
	d.snap, d.lossy, d.jpegs = d.snap[:0], d.lossy[:0], d.jpegs[:0]

	// Where each chunk's records and blob are; decompress them in parallel.
	p := msg[HeaderSize+h.Chunks*ChunkHeaderSize:]
	raw := 0
	for i := range d.chunks[:h.Chunks] {
		c := &d.chunks[i]
		c.packed, c.blob = p[:c.packedLen], p[c.packedLen:c.packedLen+c.blobLen]
		p = p[c.packedLen+c.blobLen:]
		c.records, c.err = c.packed, nil
		if c.method == methodZstd {
			c.records = d.raw[raw : raw : raw+c.rawLen+zstdSlack]
			raw += c.rawLen + zstdSlack
		}
	}
	d.phase = decPhaseUnpack
	d.pool.run(h.Chunks)

	st := parseState{h: h, prev: -1}
	st.tilesX, _ = tileGrid(h.Width, h.Height)
	for i := range d.chunks[:h.Chunks] {
		c := &d.chunks[i]
		if c.err != nil {
			return fmt.Errorf("chunk %d: %w", i, c.err)
		}
		st.pal = d.pals[i*maxShared : i*maxShared : (i+1)*maxShared]
		st.palIndex = i * maxShared
		c.first = len(d.recs)
		if err := d.parseChunk(&st, c.records, c.blob, c.tiles); err != nil {
			return fmt.Errorf("chunk %d: %w", i, err)
		}
	}
	// The JPEG regions are independent: decode them in parallel, and report
	// the first failure in message order.
	d.phase = decPhaseJPEG
	d.pool.run(len(d.jpegs))
	for i := range d.jpegs {
		if err := d.jpegs[i].err; err != nil {
			d.jpegs[i].err = nil
			return fmt.Errorf("%w: JPEG region %d: %w", ErrCorrupt, i, err)
		}
	}
	return nil
}

// Phases of the decoder's pool tasks.
const (
	decPhaseUnpack = iota // task = chunk: decompress
	decPhaseJPEG          // task = JPEG region: decode
	decPhasePaint         // task = chunk: paint its records
)

// task runs pool task t of the current phase on worker w.
func (d *Decoder) task(w, t int) {
	switch d.phase {
	case decPhaseUnpack:
		c := &d.chunks[t]
		if c.method == methodZstd {
			c.records, c.err = d.unzstd(c.packed, c.records, c.rawLen)
		}
	case decPhaseJPEG:
		j := &d.jpegs[t]
		j.err = d.jdecs[w].decode(d.lossy[j.off:j.off+j.w*j.h*4], j.w*4, j.w, j.h, j.quality, j.data)
	case decPhasePaint:
		end := len(d.recs)
		if t+1 < d.nchunks {
			end = d.chunks[t+1].first
		}
		for i := d.chunks[t].first; i < end; i++ {
			d.paint(&d.recs[i])
		}
	}
}

// zstdSlack is spare capacity after each chunk's decompressed records: with
// it zstd's sequence decoder copies matches in 16- and 32-byte steps up to
// the end of the records instead of switching to exact copies for the last
// block. The decoder still refuses a frame that fills any of it.
const zstdSlack = 32

// unzstd decompresses one chunk of want bytes into dst, whose capacity is
// want plus zstdSlack.
func (d *Decoder) unzstd(p, dst []byte, want int) ([]byte, error) {
	var zh zstd.Header
	if err := zh.Decode(p); err != nil {
		return nil, fmt.Errorf("%w: zstd frame header: %w", ErrCorrupt, err)
	}
	switch {
	case zh.Skippable || zh.DictionaryID != 0:
		return nil, fmt.Errorf("%w: zstd frame is skippable or needs a dictionary", ErrCorrupt)
	case zh.HasFCS && zh.FrameContentSize != uint64(want):
		return nil, fmt.Errorf("%w: zstd frame holds %d bytes, chunk declares %d", ErrCorrupt, zh.FrameContentSize, want)
	}
	out, err := d.zdec.DecodeAll(p, dst)
	if err != nil {
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) {
			return nil, fmt.Errorf("%w: zstd payload larger than the declared %d bytes", ErrCorrupt, want)
		}
		return nil, fmt.Errorf("%w: zstd: %w", ErrCorrupt, err)
	}
	if len(out) != want {
		return nil, fmt.Errorf("%w: zstd payload of %d bytes, chunk declares %d", ErrCorrupt, len(out), want)
	}
	return out, nil
}

// parseState carries what record parsing needs across records and chunks.
type parseState struct {
	h        Header
	tilesX   int
	prev     int      // previous tile index, across chunks
	pal      []uint32 // the chunk's shared palette so far
	palIndex int      // its offset in Decoder.pals
}

// parseChunk validates the records of one chunk and appends them to d.recs.
func (d *Decoder) parseChunk(st *parseState, p, blob []byte, tiles int) error {
	w, h := st.h.Width, st.h.Height
	haveVec := false
	var vdx, vdy int
	for range tiles {
		gap, n, ok := uvarint(p, 3)
		if !ok {
			return fmt.Errorf("%w: bad tile index gap", ErrCorrupt)
		}
		p = p[n:]
		idx := st.prev + 1 + int(gap)
		if gap >= 1<<21 || idx >= st.tilesX*((h+TileSize-1)/TileSize) {
			return fmt.Errorf("%w: tile index %d+%d out of range", ErrCorrupt, st.prev+1, gap)
		}
		st.prev = idx
		if len(p) < 1 {
			return fmt.Errorf("%w: tile %d: missing operation byte", ErrCorrupt, idx)
		}
		op := p[0]
		p = p[1:]
		var r decRecord
		r.x0, r.y0, r.tw, r.th = tileRect(idx, st.tilesX, w, h)
		r.tile = idx
		r.enc = op & opEncMask
		if r.enc == encSave {
			// A save is the op byte alone, and only in a delta (a key frame
			// sets the whole long-term picture).
			if op != encSave || st.h.Key {
				return fmt.Errorf("%w: tile %d: bad save operation %#02x", ErrCorrupt, idx, op)
			}
			r.save = true
			d.recs = append(d.recs, r)
			continue
		}
		r.base = op&opBase != 0
		copyOp := op&(opCopy|opCopySame) != 0
		if op&(opCopy|opCopySame) == opCopy|opCopySame || op&opCopyRect != 0 && !copyOp {
			return fmt.Errorf("%w: tile %d: bad operation %#02x", ErrCorrupt, idx, op)
		}
		if st.h.Key && (copyOp || r.base || op&opSubRect != 0 || r.enc == encKeep) {
			return fmt.Errorf("%w: tile %d: key frame tile copies, starts from the long-term picture or paints part of a tile", ErrCorrupt, idx)
		}
		switch {
		case op&opCopy != 0:
			ux, n1, ok1 := uvarint(p, 3)
			if ok1 {
				p = p[n1:]
			}
			uy, n2, ok2 := uvarint(p, 3)
			if !ok1 || !ok2 {
				return fmt.Errorf("%w: tile %d: bad copy vector", ErrCorrupt, idx)
			}
			p = p[n2:]
			vdx, vdy, haveVec = unzigzag(ux), unzigzag(uy), true
			fallthrough
		case op&opCopySame != 0:
			if !haveVec {
				return fmt.Errorf("%w: tile %d: copy with the previous vector, but there is none", ErrCorrupt, idx)
			}
			r.copy, r.dx, r.dy = true, vdx, vdy
			r.cx, r.cy, r.cw, r.ch = r.x0, r.y0, r.tw, r.th
			if op&opCopyRect != 0 {
				x, y, cw, ch, err := readRect(&p, r.tw, r.th, idx, "copy rectangle")
				if err != nil {
					return err
				}
				r.cx, r.cy, r.cw, r.ch = r.x0+x, r.y0+y, cw, ch
			}
			sx, sy := r.cx+vdx, r.cy+vdy
			if sx < 0 || sy < 0 || sx+r.cw > w || sy+r.ch > h {
				return fmt.Errorf("%w: tile %d: copy from (%d,%d) leaves the frame", ErrCorrupt, idx, sx, sy)
			}
		}
		r.rx, r.ry, r.rw, r.rh = r.x0, r.y0, r.tw, r.th
		if op&opSubRect != 0 {
			x, y, rw, rh, err := readRect(&p, r.tw, r.th, idx, "region")
			if err != nil {
				return err
			}
			r.rx, r.ry, r.rw, r.rh = r.x0+x, r.y0+y, rw, rh
		}
		if r.enc == encKeep && (!r.copy && !r.base || op&opSubRect != 0) {
			return fmt.Errorf("%w: tile %d: keep without a copy or BASE, or with a region", ErrCorrupt, idx)
		}
		var err error
		p, blob, err = d.parseData(st, &r, p, blob)
		if err != nil {
			return fmt.Errorf("tile %d: %w", idx, err)
		}
		if r.copy {
			r.snapOff = len(d.snap)
			d.snap = growUpTo(d.snap, r.cw*r.ch*4, st.h.Width*st.h.Height*4) // one copy per tile at most
		}
		d.recs = append(d.recs, r)
	}
	if len(p) != 0 {
		return fmt.Errorf("%w: %d bytes after the last tile record", ErrCorrupt, len(p))
	}
	if len(blob) != 0 {
		return fmt.Errorf("%w: %d bytes of JPEG data left over", ErrCorrupt, len(blob))
	}
	return nil
}

// parseData validates the pixel data of r's encoding at the start of p and
// returns the rest of p and of blob.
func (d *Decoder) parseData(st *parseState, r *decRecord, p, blob []byte) ([]byte, []byte, error) {
	pixels := r.rw * r.rh
	size := 0
	switch r.enc {
	case encKeep:
	case encSolid:
		size = 3
	case encPalette:
		if len(p) < 1 {
			return nil, nil, fmt.Errorf("%w: missing palette size", ErrCorrupt)
		}
		n := int(p[0]) + 1
		bits := paletteBits(n)
		size = 1 + 3*n + (r.rw*bits+7)/8*r.rh
		if len(p) < size {
			break
		}
		r.n = n
		if !indicesBelow(p[1+3*n:size], r.rw, r.rh, bits, n) {
			return nil, nil, fmt.Errorf("%w: palette index out of range (%d colours)", ErrCorrupt, n)
		}
	case encShared:
		added, k, ok := uvarint(p, 2)
		if !ok || added > uint64(cap(st.pal)-len(st.pal)) {
			return nil, nil, fmt.Errorf("%w: bad count of shared palette colours", ErrCorrupt)
		}
		colours := len(st.pal) + int(added)
		r.wide = colours > 256
		size = k + 3*int(added) + pixels
		if r.wide {
			size += pixels
		}
		if len(p) < size {
			break
		}
		for i := range int(added) {
			c := p[k+3*i:]
			st.pal = append(st.pal, uint32(c[0])|uint32(c[1])<<8|uint32(c[2])<<16|0xFF000000)
		}
		idx := p[k+3*int(added) : size]
		if r.wide && !wordsBelow(idx, colours) || !r.wide && !bytesBelow(idx, colours) {
			return nil, nil, fmt.Errorf("%w: shared palette index out of range (%d colours)", ErrCorrupt, colours)
		}
		r.n = st.palIndex
		r.data = idx
		return p[size:], blob, nil
	case encRaw, encPredict:
		size = pixels * 3
	case encJPEG:
		if len(p) < 1 || p[0] < 1 || p[0] > 100 {
			return nil, nil, fmt.Errorf("%w: bad JPEG quality", ErrCorrupt)
		}
		n, k, ok := uvarint(p[1:], 4)
		if !ok || n > uint64(len(blob)) {
			return nil, nil, fmt.Errorf("%w: bad JPEG length", ErrCorrupt)
		}
		r.lossyOff = len(d.lossy)
		// The JPEG regions of a message cover each pixel at most once:
		// take room for the whole frame at the first, rather than
		// copying through doublings on the first photograph.
		d.lossy = growUpTo(d.lossy, pixels*4, st.h.Width*st.h.Height*4)
		d.jpegs = append(d.jpegs, jpegJob{off: r.lossyOff, w: r.rw, h: r.rh, quality: int(p[0]), data: blob[:n]})
		return p[1+k:], blob[n:], nil
	}
	if len(p) < size {
		return nil, nil, fmt.Errorf("%w: %d bytes of data, need %d", ErrCorrupt, len(p), size)
	}
	r.data = p[:size]
	return p[size:], blob, nil
}

// growUpTo extends b by n bytes, for a buffer that never holds more than
// limit: when it must grow, it takes all of limit at once (the first
// photograph or scroll then allocates once instead of copying its way up
// through doublings).
func growUpTo(b []byte, n, limit int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), max(limit, len(b)+n))
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}

// bytesBelow reports whether every byte of p is below n.
//
// It tests eight bytes at a time with carry-free adds (SWAR): the high bit of
// each byte of the sum says whether that byte reached n. A full-screen text
// update validates two million shared-palette indices, and a byte loop (the
// fallback of an OR of all bytes, which most palette sizes miss) was a fifth
// of the decode time in WebAssembly.
func bytesBelow(p []byte, n int) bool {
	if n >= 256 {
		return true
	}
	if n <= 0 {
		return len(p) == 0
	}
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	var bad uint64
	i := 0
	if n <= 128 {
		// A byte x < 128 plus 128-n carries out of nothing and sets its
		// high bit exactly when x >= n; a byte >= 128 has its own set.
		add := uint64(128-n) * ones
		for ; i+32 <= len(p); i += 32 {
			q := (*[32]byte)(p[i : i+32])
			v0, v1 := binary.LittleEndian.Uint64(q[0:8]), binary.LittleEndian.Uint64(q[8:16])
			v2, v3 := binary.LittleEndian.Uint64(q[16:24]), binary.LittleEndian.Uint64(q[24:32])
			bad |= v0 | (v0 + add) | v1 | (v1 + add) | v2 | (v2 + add) | v3 | (v3 + add)
		}
		for ; i+8 <= len(p); i += 8 {
			v := binary.LittleEndian.Uint64(p[i:])
			bad |= v | (v + add)
		}
	} else {
		// x >= n > 128 when x's high bit is set and its low seven bits
		// plus 256-n reach 128.
		add := uint64(256-n) * ones
		for ; i+32 <= len(p); i += 32 {
			q := (*[32]byte)(p[i : i+32])
			v0, v1 := binary.LittleEndian.Uint64(q[0:8]), binary.LittleEndian.Uint64(q[8:16])
			v2, v3 := binary.LittleEndian.Uint64(q[16:24]), binary.LittleEndian.Uint64(q[24:32])
			bad |= v0&((v0&^highs)+add) | v1&((v1&^highs)+add) | v2&((v2&^highs)+add) | v3&((v3&^highs)+add)
		}
		for ; i+8 <= len(p); i += 8 {
			v := binary.LittleEndian.Uint64(p[i:])
			bad |= v & ((v &^ highs) + add)
		}
	}
	if bad&highs != 0 {
		return false
	}
	for _, c := range p[i:] {
		if int(c) >= n {
			return false
		}
	}
	return true
}

// wordsBelow reports whether every little-endian 16-bit word of p is below n.
func wordsBelow(p []byte, n int) bool {
	i := 0
	var m uint16
	for ; i+8 <= len(p); i += 8 {
		v := binary.LittleEndian.Uint64(p[i:])
		m = max(m, uint16(v), uint16(v>>16), uint16(v>>32), uint16(v>>48))
	}
	for ; i+1 < len(p); i += 2 {
		m = max(m, binary.LittleEndian.Uint16(p[i:]))
	}
	return int(m) < n
}

// indicesBelow reports whether every packed index of a w x h region is below n.
func indicesBelow(p []byte, w, h, bits, n int) bool {
	if n == 1<<bits {
		return true
	}
	rowBytes := (w*bits + 7) / 8
	// The last byte of a row may end in padding bits, which do not count:
	// it is checked with them cleared (padding reads as index 0).
	tail := byte(0xFF) << ((8 - (w*bits)%8) % 8)
	for y := range h {
		row := p[y*rowBytes : (y+1)*rowBytes]
		last := row[len(row)-1] & tail
		switch bits {
		case 8:
			if !bytesBelow(row, n) {
				return false
			}
		case 1: // n == 1: every index 0
			for _, b := range row[:len(row)-1] {
				if b != 0 {
					return false
				}
			}
			if last != 0 {
				return false
			}
		default:
			for _, b := range row[:len(row)-1] {
				if maxField(b, bits) >= n {
					return false
				}
			}
			if maxField(last, bits) >= n {
				return false
			}
		}
	}
	return true
}

// maxField returns the largest of the bits-wide fields of b (bits 2 or 4).
func maxField(b byte, bits int) int {
	if bits == 4 {
		return int(max(b>>4, b&15))
	}
	return int(max(b>>6, b>>4&3, b>>2&3, b&3))
}

// takeCopySources copies the source of every copy record out of the picture
// before anything is painted: copies read the previous picture.
func (d *Decoder) takeCopySources() {
	pix, stride := d.img.Pix, d.img.Stride
	for i := range d.recs {
		r := &d.recs[i]
		if !r.copy {
			continue
		}
		sx, sy := r.cx+r.dx, r.cy+r.dy
		out := d.snap[r.snapOff : r.snapOff+r.cw*r.ch*4]
		copyRows(out, r.cw*4, pix[sy*stride+sx*4:], stride, r.cw*4, r.ch)
	}
}

// paint draws one validated record, and keeps the long-term picture: a key
// frame's tiles and saved tiles are copied into it.
func (d *Decoder) paint(r *decRecord) {
	pix, stride := d.img.Pix, d.img.Stride
	if r.save {
		d.longInImg[r.tile] = true
		return
	}
	switch {
	case d.key:
		// The long-term picture becomes this one.
	case d.longInImg[r.tile]:
		// Keep the long-term tile before the picture changes; the picture
		// then already starts from it.
		copyTile(d.long, pix, stride, r)
		d.longInImg[r.tile] = false
	case r.base:
		copyTile(pix, d.long, stride, r)
	}
	if r.copy {
		src := d.snap[r.snapOff : r.snapOff+r.cw*r.ch*4]
		copyRows(pix[r.cy*stride+r.cx*4:], stride, src, r.cw*4, r.cw*4, r.ch)
	}
	switch r.enc {
	case encSolid:
		fillRGBA(pix, stride, r.rx, r.ry, r.rw, r.rh, r.data)
	case encPalette:
		putPalette(pix, stride, r.rx, r.ry, r.rw, r.rh, r.n, r.data)
	case encShared:
		putShared(pix, stride, r.rx, r.ry, r.rw, r.rh, d.pals[r.n:r.n+maxShared], r.data, r.wide)
	case encRaw:
		putRGB(pix, stride, r.rx, r.ry, r.rw, r.rh, r.data)
	case encPredict:
		putPredicted(pix, stride, r.rx, r.ry, r.rw, r.rh, r.data)
	case encJPEG:
		src := d.lossy[r.lossyOff : r.lossyOff+r.rw*r.rh*4]
		copyRows(pix[r.ry*stride+r.rx*4:], stride, src, r.rw*4, r.rw*4, r.rh)
	}
	if d.key {
		d.longInImg[r.tile] = true
	}
}

// copyTile copies the tile of r from src to dst, two pictures of the same
// layout.
func copyTile(dst, src []byte, stride int, r *decRecord) {
	o := r.y0*stride + r.x0*4
	copyRows(dst[o:], stride, src[o:], stride, r.tw*4, r.th)
}

// addRect records the rectangle a record repainted, joining it to the
// previous one when they touch in the same row of tiles.
func (d *Decoder) addRect(r *decRecord) {
	rect := image.Rect(r.rx, r.ry, r.rx+r.rw, r.ry+r.rh)
	if r.base {
		rect = image.Rect(r.x0, r.y0, r.x0+r.tw, r.y0+r.th)
	} else if r.copy {
		c := image.Rect(r.cx, r.cy, r.cx+r.cw, r.cy+r.ch)
		if r.enc == encKeep {
			rect = c
		} else {
			rect = rect.Union(c)
		}
	}
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

// readRect reads a 4-byte rectangle (x, y, w-1, h-1) from *p, which must
// lie inside a tw x th tile; what names it in errors ("region").
func readRect(p *[]byte, tw, th, idx int, what string) (x, y, w, h int, err error) {
	b := *p
	if len(b) < 4 {
		return 0, 0, 0, 0, fmt.Errorf("%w: tile %d: truncated %s", ErrCorrupt, idx, what)
	}
	x, y, w, h = int(b[0]), int(b[1]), int(b[2])+1, int(b[3])+1
	*p = b[4:]
	if x+w > tw || y+h > th {
		return 0, 0, 0, 0, fmt.Errorf("%w: tile %d: %s %d,%d %dx%d outside the %dx%d tile", ErrCorrupt, idx, what, x, y, w, h, tw, th)
	}
	return x, y, w, h, nil
}
