package codec

import (
	"encoding/binary"
	"slices"
)

// chunk is one independently compressed group of consecutive records.
type chunk struct {
	first, end int // e.jobs[first:end]
	prevIndex  int // tile index before the first record (-1 at the start)
	raw        []byte
	packed     []byte // raw compressed, when method is zstd
	blob       []byte // JPEG scans
	method     byte
	refineRaw  int // bytes of raw taken by refinement records
	refineN    int // refinement records
}

// worker is the scratch of one encoding goroutine.
type worker struct {
	pal    palette
	shared sharedPalette
	jpeg   jpegEncoder
	xlat   [maxPalette]uint16
}

// Encoding choice (tuned on desktop captures, see FORMAT.md's notes): a
// tile-local palette for few colours, where indices of 1, 2 or 4 bits beat
// everything; the chunk's shared palette for antialiased text (tens to 256
// colours that recur from tile to tile, so the same glyph gives the same
// bytes); raw RGB beyond, where the compressor finds repeats itself.
const (
	maxLocalPalette = 16
	// minJPEGPixels: tinier photographic regions go raw.
	minJPEGPixels = 64
	// chunkTiles is the number of records per chunk the encoder aims for:
	// enough chunks to keep every core busy on a key frame, few enough that
	// the compressor keeps its context.
	chunkTiles = 256
)

const (
	sharedHashBits = 13
	sharedHashSize = 1 << sharedHashBits // twice maxShared
)

// sharedPalette is the encoder's copy of a chunk's shared palette.
type sharedPalette struct {
	n    int
	gen  uint32
	keys [sharedHashSize]uint32 // gen<<24 | colour
	vals [sharedHashSize]uint16
}

func (s *sharedPalette) reset() {
	s.n = 0
	s.gen++
	if s.gen == 256 {
		clear(s.keys[:])
		s.gen = 1
	}
}

// find returns the index of colour c, or the slot where it would go and false.
func (s *sharedPalette) find(c uint32) (int, bool) {
	g := s.gen << 24
	h := (c * 0x9E3779B1) >> (32 - sharedHashBits)
	for {
		kv := s.keys[h]
		if kv == g|c {
			return int(s.vals[h]), true
		}
		if kv>>24 != s.gen {
			return int(h), false
		}
		h = (h + 1) & (sharedHashSize - 1)
	}
}

// makeChunks splits e.jobs into chunks of about chunkTiles records. The split
// depends only on the number of records, so the message does not depend on
// the number of workers.
func (e *Encoder) makeChunks() {
	n := len(e.jobs)
	nc := min(max((n+chunkTiles/2)/chunkTiles, 1), MaxChunks)
	if cap(e.chunks) < nc {
		e.chunks = append(e.chunks[:cap(e.chunks)], make([]chunk, nc-cap(e.chunks))...)
	}
	e.chunks = e.chunks[:nc]
	prev := -1
	for i := range e.chunks {
		c := &e.chunks[i]
		c.first, c.end = i*n/nc, (i+1)*n/nc
		c.prevIndex = prev
		prev = int(e.jobs[c.end-1].index)
	}
	e.fuse = true
	for i := range e.jobs {
		if e.jobs[i].copy {
			e.fuse = false
			break
		}
	}
}

// task runs pool task t of the current phase on worker w.
func (e *Encoder) task(w, t int) {
	switch e.phase {
	case phaseDiff:
		e.diffRow(t)
	case phaseEncode:
		e.encodeChunk(&e.workers[w], &e.chunks[t])
	case phaseChoose:
		e.chooseRow(t)
	case phaseKeyCopy:
		e.keepTileRow(t)
	case phaseVote:
		e.motion.scanRow(e, t)
	case phaseProbe:
		e.motion.hashProbe(e, t)
	case phaseUpdate:
		c := &e.chunks[t]
		for i := c.first; i < c.end; i++ {
			if !e.jobs[i].save {
				e.updatePrev(int(e.jobs[i].index))
			}
		}
	}
}

// write encodes the planned records and appends the message to dst.
func (e *Encoder) write(dst []byte, key bool) []byte {
	e.makeChunks()
	if key {
		// A key frame replaces all of prev: whole rows copy twice as fast
		// as tile by tile (the hardware streams them), and the tiles are
		// then encoded from prev, in cache.
		e.phase = phaseKeyCopy
		e.pool.run(e.tilesY)
	}
	e.phase = phaseEncode
	e.pool.run(len(e.chunks))
	if !e.fuse {
		e.phase = phaseUpdate
		e.pool.run(len(e.chunks))
	}
	e.lossyN = 0
	for i := range e.tiles {
		if e.tiles[i].lossy {
			e.lossyN++
		}
	}
	e.learnRefineCost()

	size := HeaderSize + len(e.chunks)*ChunkHeaderSize
	for i := range e.chunks {
		c := &e.chunks[i]
		size += len(c.blob)
		if c.method == methodZstd {
			size += len(c.packed)
		} else {
			size += len(c.raw)
		}
	}
	start := len(dst)
	dst = slices.Grow(dst, size)[:start+size]
	out := dst[start:]
	putHeader(out, key, e.seq, e.width, e.height, len(e.jobs), len(e.chunks))
	body := out[HeaderSize+len(e.chunks)*ChunkHeaderSize:]
	for i := range e.chunks {
		c := &e.chunks[i]
		packed := c.raw
		if c.method == methodZstd {
			packed = c.packed
		}
		putChunkHeader(out[HeaderSize+i*ChunkHeaderSize:], chunkHeader{
			method: c.method, tiles: c.end - c.first, rawLen: len(c.raw), packedLen: len(packed), blobLen: len(c.blob),
		})
		body = body[copy(body, packed):]
		body = body[copy(body, c.blob):]
	}
	return dst
}

// encodeChunk writes and compresses the records of one chunk.
func (e *Encoder) encodeChunk(w *worker, c *chunk) {
	c.raw, c.blob = c.raw[:0], c.blob[:0]
	c.refineRaw, c.refineN = 0, 0
	w.shared.reset()
	prev := c.prevIndex
	haveVec := false
	var vdx, vdy int32
	for i := c.first; i < c.end; i++ {
		j := &e.jobs[i]
		c.raw = binary.AppendUvarint(c.raw, uint64(int(j.index)-prev-1))
		prev = int(j.index)
		t := &e.tiles[j.index]
		if j.save {
			// The tile did not change: prev holds what the viewer shows.
			c.raw = append(c.raw, encSave)
			t.inLong, t.longLossy, t.longInPrev = true, false, true
			continue
		}
		opAt := len(c.raw)
		c.raw = append(c.raw, 0)
		var op byte
		if j.base {
			op |= opBase
		}
		if j.copy {
			if haveVec && j.dx == vdx && j.dy == vdy {
				op |= opCopySame
			} else {
				op |= opCopy
				c.raw = binary.AppendUvarint(c.raw, zigzag(int(j.dx)))
				c.raw = binary.AppendUvarint(c.raw, zigzag(int(j.dy)))
				haveVec, vdx, vdy = true, j.dx, j.dy
			}
			if j.crect {
				op |= opCopyRect
				c.raw = append(c.raw, j.cx, j.cy, j.cw-1, j.ch-1)
			}
		}
		// What the viewer holds after the copy: the source's state, and
		// outside a partial copy the tile's own or, with BASE, the long-term
		// picture's.
		under := t.lossy
		if j.base {
			under = t.longLossy
		}
		copied := j.copy && j.srcLossy || (!j.copy || j.crect) && under
		if e.fuse && !e.key {
			// No copy reads the previous frame: bring the tile up to date now
			// and encode from the copy, which is then in cache.
			e.updatePrev(int(j.index))
		}
		if j.keep {
			c.raw[opAt] = op | encKeep
			t.lossy = copied
		} else {
			enc, lossy := e.encodeRegion(w, c, j, &op)
			c.raw[opAt] = op | enc
			if j.refine {
				c.refineRaw += len(c.raw) - opAt
				c.refineN++
			}
			switch {
			case lossy:
				t.lossy = true
				t.jpegSeq = e.seq + 1
			case !j.sub:
				t.lossy = false
			case j.copy || j.base:
				t.lossy = copied
			}
		}
		// The viewer's picture now equals its long-term tile only if it was
		// taken from there whole.
		t.inLong = j.base && j.keep && !j.copy
		if e.key {
			// prev holds the new tile once fused; else it is copied after
			// this phase, and the long-term tile with it.
			t.inLong, t.longLossy, t.longInPrev = true, t.lossy, true
		}
	}
	c.method = methodNone
	if len(c.raw) >= 64 {
		c.packed = e.zenc.EncodeAll(c.raw, c.packed[:0])
		if len(c.packed) < len(c.raw) {
			c.method = methodZstd
		}
	}
}

// encodeRegion appends the region of job j (its sub-rectangle, if any, then
// the encoding's data) to c and returns the encoding and whether it is lossy.
func (e *Encoder) encodeRegion(w *worker, c *chunk, j *tileJob, op *byte) (byte, bool) {
	x0, y0, tw, th := tileRect(int(j.index), e.tilesX, e.width, e.height)
	rx, ry, rw, rh := 0, 0, tw, th
	if j.sub {
		rx, ry, rw, rh = int(j.rx), int(j.ry), int(j.rw), int(j.rh)
		*op |= opSubRect
		c.raw = append(c.raw, byte(rx), byte(ry), byte(rw-1), byte(rh-1))
	}
	// The region's pixels: in the kept frame if just updated, else in the image.
	pix, stride := e.img.Pix, e.img.Stride
	if e.fuse {
		pix, stride = e.prev, e.width*4
	}
	px := pix[(y0+ry)*stride+(x0+rx)*4:]
	f := e.img.Format
	n := w.pal.build(px, stride, rw, rh)
	switch {
	case n == 1:
		c.raw = appendColour(c.raw, w.pal.colors[0], f)
		return encSolid, false
	case n <= maxLocalPalette:
		c.raw = append(c.raw, byte(n-1))
		for _, col := range w.pal.colors[:n] {
			c.raw = appendColour(c.raw, col, f)
		}
		c.raw = appendIndices(c.raw, w.pal.idx[:], rw, rh, paletteBits(n))
		return encPalette, false
	case e.q > 0 && !j.refine && rw*rh >= minJPEGPixels && (n > maxPalette || !w.pal.dominant(rw*rh)):
		// Photographic: many colours, or tens of colours none of which
		// dominates (antialiased text and drawings have a background).
		before := len(c.blob)
		c.blob = w.jpeg.appendJPEG(c.blob, px, stride, rw, rh, f, e.q)
		c.raw = append(c.raw, byte(e.q))
		c.raw = binary.AppendUvarint(c.raw, uint64(len(c.blob)-before))
		return encJPEG, true
	case n <= maxPalette:
		if e.appendShared(w, c, n, rw*rh) {
			return encShared, false
		}
	}
	if n > maxPalette {
		c.raw = appendPredicted(c.raw, px, stride, rw, rh, f)
		return encPredict, false
	}
	n0 := len(c.raw)
	c.raw = slices.Grow(c.raw, rw*rh*3)[:n0+rw*rh*3]
	out := c.raw[n0:]
	for y := range rh {
		row := px[y*stride : y*stride+rw*4]
		if f == BGRA {
			packBGRA(out[y*rw*3:(y+1)*rw*3], row)
		} else {
			packRGBA(out[y*rw*3:(y+1)*rw*3], row)
		}
	}
	return encRaw, false
}

// appendShared writes a shared-palette region if its n colours fit in the
// chunk's palette.
func (e *Encoder) appendShared(w *worker, c *chunk, n, pixels int) bool {
	s := &w.shared
	missing := 0
	for _, col := range w.pal.colors[:n] {
		if _, ok := s.find(col); !ok {
			missing++
		}
	}
	if s.n+missing > maxShared {
		return false
	}
	c.raw = binary.AppendUvarint(c.raw, uint64(missing))
	g := s.gen << 24
	for k, col := range w.pal.colors[:n] {
		i, ok := s.find(col)
		if !ok {
			s.keys[i], s.vals[i] = g|col, uint16(s.n)
			i = s.n
			s.n++
			c.raw = appendColour(c.raw, col, e.img.Format)
		}
		w.xlat[k] = uint16(i)
	}
	n0 := len(c.raw)
	if s.n <= 256 {
		c.raw = slices.Grow(c.raw, pixels)[:n0+pixels]
		out := c.raw[n0:]
		for i, v := range w.pal.idx[:pixels] {
			out[i] = byte(w.xlat[v])
		}
		return true
	}
	c.raw = slices.Grow(c.raw, 2*pixels)[:n0+2*pixels]
	out := c.raw[n0:]
	for i, v := range w.pal.idx[:pixels] {
		binary.LittleEndian.PutUint16(out[2*i:], w.xlat[v])
	}
	return true
}

// appendColour appends a source-format colour (4th byte clear) as R, G, B.
func appendColour(dst []byte, c uint32, f PixelFormat) []byte {
	if f == BGRA {
		return append(dst, byte(c>>16), byte(c>>8), byte(c))
	}
	return append(dst, byte(c), byte(c>>8), byte(c>>16))
}

// longOf returns the frame that holds long-term tile idx: long, or prev
// until the tile changes there.
func (e *Encoder) longOf(idx int) []byte {
	if e.tiles[idx].longInPrev {
		return e.prev
	}
	return e.long
}

// copyTile copies tile idx between two kept frames (prev, long).
func (e *Encoder) copyTile(dst, src []byte, idx int) {
	x0, y0, tw, th := tileRect(idx, e.tilesX, e.width, e.height)
	w4 := e.width * 4
	o := y0*w4 + x0*4
	copyRows(dst[o:], w4, src[o:], w4, tw*4, th)
}

// keepTileRow copies tile row ty of the image into prev.
func (e *Encoder) keepTileRow(ty int) {
	img := &e.img
	w4 := e.width * 4
	y0, y1 := ty*TileSize, min((ty+1)*TileSize, e.height)
	if img.Stride == w4 {
		copy(e.prev[y0*w4:y1*w4], img.Pix[y0*w4:])
		return
	}
	for y := y0; y < y1; y++ {
		copy(e.prev[y*w4:(y+1)*w4], img.Pix[y*img.Stride:])
	}
}

// updatePrev copies tile idx of the image into the kept previous frame,
// after moving the long-term tile out of it if it was there.
func (e *Encoder) updatePrev(idx int) {
	// A key frame replaces the long-term picture: nothing to keep.
	if t := &e.tiles[idx]; t.longInPrev && !e.key {
		e.copyTile(e.long, e.prev, idx)
		t.longInPrev = false
	}
	x0, y0, tw, th := tileRect(idx, e.tilesX, e.width, e.height)
	img := &e.img
	w4 := e.width * 4
	for y := y0; y < y0+th; y++ {
		copy(e.prev[y*w4+x0*4:y*w4+(x0+tw)*4], img.Pix[y*img.Stride+x0*4:])
	}
}
