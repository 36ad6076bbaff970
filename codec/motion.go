package codec

import (
	"bytes"
	"encoding/binary"
)

// Copy detection: scrolling and dragged windows move content of the
// previous frame. The encoder finds a few candidate motion vectors by
// matching hashes of 64-pixel row segments of the changed tiles against
// segments of the previous frame at every horizontal offset, then tries the
// candidates (and the previous message's vectors) on every changed tile and
// keeps the one that leaves the smallest region to paint. Every copy is
// verified pixel by pixel, so the result stays lossless.
//
// The cost is bounded: at most maxProbeTiles tiles feed the hash table,
// 32 rows each; the previous frame is scanned on every 16th row of the
// changed area only. Whatever the vertical offset, two of the 32
// consecutive probe rows of a tile meet a scanned row.

const (
	probeRows     = 32 // consecutive rows per tile in the table
	probeFirstRow = 16 // the probe rows of a full tile: 16..47, its middle
	scanStep      = 16 // rows of the previous frame scanned: every 16th
	maxProbeTiles = 128
	probeBits     = 13 // table of 8192 slots for 4096 segments
	filterBits    = 16 // the table's filter: 65536 bits, 6% of them set when full
	maxCandidates = 4
	voteBits      = 10
	minVotes      = 1
	// segment hashes: a polynomial over the 24-bit colours, rolled one pixel
	// at a time over the previous frame.
	hashBase = 0x100000001B3
	// Below these, the probe tiles are hashed and the scan positions
	// matched on the calling goroutine: waking a worker costs more than
	// the small changes of typing.
	inlineProbes = 32    // tiles, about 25 µs of hashing
	inlineScan   = 16384 // positions of the scan, about 60 µs
)

// hashPow are hashBase^0..4 (modulo 2^64, as all the hash arithmetic).
var hashPow = func() (p [5]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * hashBase
	}
	return p
}()

// hashBase64 is hashBase^64, what a pixel's weight reaches when it leaves
// the 64-pixel window.
var hashBase64 = func() uint64 {
	v := uint64(1)
	for range 64 {
		v *= hashBase
	}
	return v
}()

// motion holds the copy detection state and scratch of one Encoder.
type motion struct {
	found []tileMotion // per tile, valid when any
	any   bool
	last  [maxCandidates]vec // the previous message's vectors, most used first
	nlast int

	cands  [2 * maxCandidates]vec
	ncands int

	gen   uint32
	keys  [1 << probeBits]uint64 // segment hash (0: empty in this gen)
	gens  [1 << probeBits]uint32
	where [1 << probeBits]uint32 // x<<16 | y of the segment in the current frame
	// filter has bit probeFilter(h) set for every segment of the table: the
	// scan looks a position up in the table only when its bit is set,
	// which for new content (no match) is one position in 16 or fewer.
	filter [1 << filterBits / 64]uint64

	vgen   uint32
	vkeys  [1 << voteBits]vec
	vgens  [1 << voteBits]uint32
	vcount [1 << voteBits]int32
	used   []tileVecCount // vectors used this message, for last

	probes []probeTile // the changed tiles whose segments are looked for

	// The scan of the previous frame, one pool task per scanned row.
	scanX0, scanX1, scanY0 int
	hits                   [][]vec // per scanned row: the vectors it votes for
}

type vec struct{ dx, dy int32 }

// probeTile is a changed tile whose probe rows go into the table: the
// hashes of its rows y, y+1, ... at column x.
type probeTile struct {
	index  int32
	x, y   int32
	hashes [probeRows]uint64
}

type tileVecCount struct {
	v vec
	n int
}

// tileMotion is the copy chosen for one tile: whether it starts from the
// long-term picture (base), the vector, the copied rectangle (tile
// coordinates, max exclusive) and the bounding box of what is still wrong
// after them (x1 == 0: nothing).
type tileMotion struct {
	ok                 bool // a copy
	base               bool
	srcLossy           bool
	dx, dy             int32
	cx0, cy0, cx1, cy1 uint8
	x0, y0, x1, y1     uint8
}

func (m *motion) reset() { m.any, m.nlast = false, 0 }

// tile returns the copy (or base) chosen for tile i.
func (m *motion) tile(i int) tileMotion {
	if !m.any {
		return tileMotion{}
	}
	return m.found[i]
}

// find looks for candidate vectors for the changed tiles of e (e.changed,
// e.tiles bounding boxes, e.prev, e.img); Encoder.choose tries them.
func (m *motion) find(e *Encoder) {
	m.any = false
	m.ncands = 0
	n := 0
	bx0, by0, bx1, by1 := e.tilesX, e.tilesY, -1, -1
	for i, c := range e.changed {
		// Video: a tile sent as JPEG in the previous message that changed
		// again moves in no exact way; leave it out of the search.
		if c {
			n++
			tx, ty := i%e.tilesX, i/e.tilesX
			bx0, by0, bx1, by1 = min(bx0, tx), min(by0, ty), max(bx1, tx), max(by1, ty)
		}
	}
	if n < 2 {
		return
	}
	for _, v := range m.last[:m.nlast] {
		m.addCandidate(v)
	}
	m.vote(e, n, bx0*TileSize, by0*TileSize, min((bx1+1)*TileSize, e.width), min((by1+1)*TileSize, e.height))
}

// remember keeps the vectors that won, most used first, for the next
// message.
func (m *motion) remember(e *Encoder) {
	m.used = m.used[:0]
	for i, c := range e.changed {
		if !c || !m.found[i].ok {
			continue
		}
		v := vec{m.found[i].dx, m.found[i].dy}
		k := 0
		for k < len(m.used) && m.used[k].v != v {
			k++
		}
		if k == len(m.used) {
			m.used = append(m.used, tileVecCount{v: v})
		}
		m.used[k].n++
	}
	m.nlast = 0
	for range maxCandidates {
		best := -1
		for k, u := range m.used {
			if u.n > 0 && (best < 0 || u.n > m.used[best].n) {
				best = k
			}
		}
		if best < 0 {
			break
		}
		m.last[m.nlast] = m.used[best].v
		m.nlast++
		m.used[best].n = 0
	}
}

func (m *motion) addCandidate(v vec) {
	if v == (vec{}) || m.ncands == len(m.cands) {
		return
	}
	for _, c := range m.cands[:m.ncands] {
		if c == v {
			return
		}
	}
	m.cands[m.ncands] = v
	m.ncands++
}

// segHash hashes the 64 pixels at p (4 bytes each, 4th byte ignored):
// sum of pixel i times hashBase^(63-i), as the rolling hash computes it,
// here four pixels a step so that the multiplications overlap.
func segHash(p []byte) uint64 {
	p = p[:TileSize*4]
	b2, b3, b4 := hashPow[2], hashPow[3], hashPow[4]
	var h uint64
	for i := 0; i < len(p); i += 16 {
		q := (*[16]byte)(p[i:])
		h = h*b4 + uint64(binary.LittleEndian.Uint32(q[0:])&mask24)*b3 +
			uint64(binary.LittleEndian.Uint32(q[4:])&mask24)*b2 +
			uint64(binary.LittleEndian.Uint32(q[8:])&mask24)*hashBase +
			uint64(binary.LittleEndian.Uint32(q[12:])&mask24)
	}
	return h
}

func probeSlot(h uint64) uint32 { return uint32((h * 0x9E3779B97F4A7C15) >> (64 - probeBits)) }

// probeFilter is the filter bit of hash h: the bits of the same product
// below the slot's.
func probeFilter(h uint64) uint32 {
	return uint32((h*0x9E3779B97F4A7C15)>>(64-probeBits-filterBits)) & (1<<filterBits - 1)
}

// vote builds the table of probe segments of the changed tiles, scans the
// previous frame inside (x0, y0)-(x1, y1) and adds the vectors with the most
// matches to the candidates.
func (m *motion) vote(e *Encoder, changed, x0, y0, x1, y1 int) {
	m.gen++
	if m.gen == 0 {
		clear(m.gens[:])
		m.gen = 1
	}
	// The probe tiles; their segments are hashed on the pool, then
	// entered in tile order (the first of equal segments wins).
	step := max(1, (changed+maxProbeTiles-1)/maxProbeTiles)
	m.probes = m.probes[:0]
	k := 0
	for i, c := range e.changed {
		if !c {
			continue
		}
		k++
		if k%step != 0 {
			continue
		}
		if _, _, tw, th := tileRect(i, e.tilesX, e.width, e.height); tw < TileSize || th < probeRows {
			continue
		}
		m.probes = append(m.probes, probeTile{index: int32(i)})
	}
	if len(m.probes) > inlineProbes {
		e.phase = phaseProbe
		e.pool.run(len(m.probes))
	} else {
		for j := range m.probes {
			m.hashProbe(e, j)
		}
	}
	entries := 0
	clear(m.filter[:])
	for _, p := range m.probes {
		for r, h := range p.hashes {
			if h == 0 {
				continue
			}
			s := probeSlot(h)
			for m.gens[s] == m.gen && m.keys[s] != h {
				s = (s + 1) & (1<<probeBits - 1)
			}
			if m.gens[s] == m.gen {
				continue // the same content twice: keep the first
			}
			m.gens[s], m.keys[s], m.where[s] = m.gen, h, uint32(p.x)<<16|uint32(int(p.y)+r)
			f := probeFilter(h)
			m.filter[f/64] |= 1 << (f % 64)
			entries++
		}
	}
	if entries == 0 || x1-x0 < TileSize {
		return
	}

	m.vgen++
	if m.vgen == 0 {
		clear(m.vgens[:])
		m.vgen = 1
	}
	// Scan the rows on the pool, each into its own list of matches, then
	// vote in row order: the same votes in the same order as one
	// goroutine would cast them.
	m.scanX0, m.scanX1, m.scanY0 = x0, x1, (y0+scanStep-1)/scanStep*scanStep
	rows := 0
	if m.scanY0 < y1 {
		rows = (y1 - m.scanY0 + scanStep - 1) / scanStep
	}
	if len(m.hits) < rows {
		m.hits = append(m.hits, make([][]vec, rows-len(m.hits))...)
	}
	if rows*(x1-x0) > inlineScan {
		e.phase = phaseVote
		e.pool.run(rows)
	} else {
		for k := range rows {
			m.scanRow(e, k)
		}
	}
	for _, hits := range m.hits[:rows] {
		for _, v := range hits {
			m.addVote(v)
		}
	}

	// The best voted vectors become candidates.
	for range maxCandidates {
		best := -1
		for s := range m.vkeys {
			if m.vgens[s] == m.vgen && m.vcount[s] >= minVotes && (best < 0 || m.vcount[s] > m.vcount[best]) {
				best = s
			}
		}
		if best < 0 {
			break
		}
		m.addCandidate(m.vkeys[best])
		m.vcount[best] = 0
	}
}

// hashProbe hashes the probe rows of the j-th probe tile (a pool task).
// A uniform segment, which would match everywhere, or one whose hash is 0
// (the table's empty key) gets 0: no probe.
func (m *motion) hashProbe(e *Encoder, j int) {
	p := &m.probes[j]
	img := &e.img
	tx, ty, _, th := tileRect(int(p.index), e.tilesX, e.width, e.height)
	first := ty + min(probeFirstRow, th-probeRows)
	p.x, p.y = int32(tx), int32(first)
	for r := range p.hashes {
		y := first + r
		seg := img.Pix[y*img.Stride+tx*4 : y*img.Stride+tx*4+TileSize*4]
		p.hashes[r] = 0
		if !bytes.Equal(seg[4:], seg[:len(seg)-4]) {
			p.hashes[r] = segHash(seg)
		}
	}
}

// scanRow hashes every 64-pixel segment of the k-th scanned row of the
// previous frame and lists the vectors from the probe segments it matches
// to it (a pool task: it reads the probe table and writes m.hits[k] only).
func (m *motion) scanRow(e *Encoder, k int) {
	y, x0, x1 := m.scanY0+k*scanStep, m.scanX0, m.scanX1
	hits := m.hits[k][:0]
	w4 := e.width * 4
	row := e.prev[y*w4 : y*w4+w4]
	h := segHash(row[x0*4:])
	for x := x0; ; x++ {
		if f := probeFilter(h); h != 0 && m.filter[f/64]&(1<<(f%64)) != 0 {
			s := probeSlot(h)
			for m.gens[s] == m.gen {
				if m.keys[s] == h {
					w := m.where[s]
					hits = append(hits, vec{int32(x) - int32(w>>16), int32(y) - int32(w&0xFFFF)})
					break
				}
				s = (s + 1) & (1<<probeBits - 1)
			}
		}
		if x+TileSize >= x1 {
			break
		}
		out := uint64(binary.LittleEndian.Uint32(row[x*4:]) & mask24)
		in := uint64(binary.LittleEndian.Uint32(row[(x+TileSize)*4:]) & mask24)
		h = h*hashBase - out*hashBase64 + in
	}
	m.hits[k] = hits
}

func (m *motion) addVote(v vec) {
	if v == (vec{}) {
		return
	}
	s := uint32((uint64(uint32(v.dx))<<32|uint64(uint32(v.dy)))*0x9E3779B97F4A7C15>>(64-voteBits)) & (1<<voteBits - 1)
	for range 1 << voteBits {
		if m.vgens[s] != m.vgen {
			m.vgens[s], m.vkeys[s], m.vcount[s] = m.vgen, v, 1
			return
		}
		if m.vkeys[s] == v {
			m.vcount[s]++
			return
		}
		s = (s + 1) & (1<<voteBits - 1)
	}
}

// chooseRow picks the copy for every changed tile of tile row ty: the
// candidate that leaves the smallest area to paint, if smaller than painting
// the change in place. Whole-tile copies of every candidate are tried first
// (a few vectorised row compares each), then copies of part of the tile
// (bestPartial), then the long-term picture (chooseBase); unchanged tiles
// are considered for saving (checkSave).
func (e *Encoder) chooseRow(ty int) {
	m := &e.motion
	for tx := range e.tilesX {
		i := ty*e.tilesX + tx
		m.found[i] = tileMotion{}
		t := &e.tiles[i]
		if !e.changed[i] {
			if e.saveDue(t) {
				e.checkSave(i)
			}
			continue
		}
		x0, y0, tw, th := tileRect(i, e.tilesX, e.width, e.height)
		inPlace := int(t.x1-t.x0) * int(t.y1-t.y0)
		bestCost, bestV := inPlace, -1
		var best tileMotion
		// What the whole-tile copy of each candidate leaves wrong, or a
		// bound of it, ranks the candidates for copies of part of the tile.
		var score [len(m.cands)]int
		for k, v := range m.cands[:m.ncands] {
			sx, sy := x0+int(v.dx), y0+int(v.dy)
			score[k] = tw*th + 1
			if sx < 0 || sy < 0 || sx+tw > e.width || sy+th > e.height {
				continue
			}
			if score[k] = e.residualBound(e.prev, x0, y0, sx, sy, tw, th); score[k] >= bestCost {
				continue
			}
			// The exact area ranks the candidates below: no limit.
			r := e.residual(e.prev, x0, y0, sx, sy, tw, th, tw*th+1)
			cost := int(r.x1-r.x0) * int(r.y1-r.y0)
			score[k] = cost
			if cost < bestCost {
				r.cx1, r.cy1 = uint8(tw), uint8(th)
				best, bestCost, bestV = r, cost, k
				if cost == 0 {
					break
				}
			}
		}
		// A tile sent as JPEG in the previous message that changes again is
		// video: whole-tile copies catch camera pans, copies of parts do
		// not pay for their cost there.
		var order [len(m.cands)]int8
		tries := 0
		if bestCost > 0 && m.ncands > 0 && t.jpegSeq != e.seq {
			tries = m.ncands
			rank(order[:tries], score[:tries])
			roi := [4]int{int(t.x0), int(t.y0), int(t.x1), int(t.y1)}
			if r, cost, k := e.bestPartial(e.prev, roi, x0, y0, order[:tries], bestCost); cost < bestCost {
				best, bestCost, bestV = r, cost, k
			}
		}
		if bestV >= 0 && bestCost < inPlace {
			v := m.cands[bestV]
			best.ok, best.dx, best.dy = true, v.dx, v.dy
			best.srcLossy = e.lossyAt(x0+int(v.dx)+int(best.cx0), y0+int(v.dy)+int(best.cy0), int(best.cx1-best.cx0), int(best.cy1-best.cy0))
			m.found[i] = best
		} else {
			bestCost = inPlace
		}
		if bestCost > 0 && !t.inLong {
			e.chooseBase(i, bestCost, order[:tries])
		}
	}
}

// rank orders the candidate indexes by score, lowest first.
func rank(order []int8, score []int) {
	for k := range order {
		order[k] = int8(k)
		for j := k; j > 0 && score[order[j]] < score[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
}

// bestPartial tries partialCopy with the candidates of order and returns
// the best result, its cost and candidate. At a window's edge every
// whole-tile copy fails, the window's vector usually least but not always
// (rows the window left plain match any vector), so all are tried, best
// ranked first; the sample rows of partialCopy reject a wrong one at a
// small fraction of the cost of a pass.
func (e *Encoder) bestPartial(ref []byte, roi [4]int, x0, y0 int, order []int8, limit int) (tileMotion, int, int) {
	m := &e.motion
	var best tileMotion
	bestK := -1
	for _, k8 := range order {
		k := int(k8)
		v := m.cands[k]
		if r, cost := e.partialCopy(ref, roi, x0, y0, x0+int(v.dx), y0+int(v.dy), limit); cost < limit {
			best, limit, bestK = r, cost, k
			if cost == 0 {
				break
			}
		}
	}
	return best, limit, bestK
}

// pix32 returns pixel i of a row (4th byte cleared).
func pix32(row []byte, i int) uint32 { return binary.LittleEndian.Uint32(row[i*4:]) & mask24 }

// partialCopy finds the rectangle C, within the rectangle roi of the tile
// at (x0, y0) (tile coordinates, max exclusive), of the pixels that differ
// from ref (what the tile shows without the copy: prev, or the long-term
// picture under BASE) and that the previous frame at (sx, sy) (the tile's
// origin moved) fixes. It returns C and the bounding box of what is wrong
// after copying C and taking ref elsewhere in roi, unless that is sure to
// be limit pixels or more. Pixels outside roi must equal ref.
func (e *Encoder) partialCopy(ref []byte, roi [4]int, x0, y0, sx, sy, limit int) (tileMotion, int) {
	const none = 1 << 30
	img := &e.img
	w4 := e.width * 4
	// The part of roi whose source lies in the frame.
	xa, xb := max(roi[0], -sx), min(roi[2], e.width-sx)
	ya, yb := max(roi[1], -sy), min(roi[3], e.height-sy)
	if xa >= xb || ya >= yb {
		return tileMotion{}, none
	}
	rows := func(y int) (cur, in, src []byte) {
		cur = img.Pix[(y0+y)*img.Stride+(x0+xa)*4 : (y0+y)*img.Stride+(x0+xb)*4]
		in = ref[(y0+y)*w4+(x0+xa)*4 : (y0+y)*w4+(x0+xb)*4]
		src = e.prev[(sy+y)*w4+(sx+xa)*4 : (sy+y)*w4+(sx+xb)*4]
		return
	}
	fixes := func(cur, in, src []byte, i int) bool {
		c := pix32(cur, i)
		return c != pix32(in, i) && c == pix32(src, i)
	}
	// A wrong vector matches no pixel here and there but in plain areas:
	// every 4th pixel of the sample rows below tells most at once.
	some := false
	for k := 0; k < 4 && !some; k++ {
		cur, _, src := rows(ya + (yb-ya-1)*k/3)
		for i := 0; i < xb-xa; i += 4 {
			if pix32(cur, i) == pix32(src, i) {
				some = true
				break
			}
		}
	}
	if !some {
		return tileMotion{}, none
	}
	// Most candidates explain nothing (video, a wrong vector) but pixels
	// here and there by chance; moved content matches on whole areas. Four
	// sample rows tell, and bound from below what the copy leaves wrong
	// (changed pixels it does not fix).
	fixed, same, changed, sampled := 0, 0, 0, 0
	wx0, wx1, wy0, wy1 := xb, xa-1, -1, -1
	for k := range 4 {
		y := ya + (yb-ya-1)*k/3
		cur, in, src := rows(y)
		sampled += xb - xa
		for i := range xb - xa {
			c := pix32(cur, i)
			moved := c == pix32(src, i)
			if moved {
				same++
			}
			if c != pix32(in, i) {
				changed++
				if moved {
					fixed++
				} else {
					wx0, wx1 = min(wx0, xa+i), max(wx1, xa+i)
					if wy0 < 0 {
						wy0 = y
					}
					wy1 = y
				}
			}
		}
	}
	if fixed < 4 || fixed*8 < changed || same*8 < sampled ||
		wy0 >= 0 && (wx1-wx0+1)*(wy1-wy0+1) >= limit {
		return tileMotion{}, none
	}
	// C's bounding box: per row, the first and the last pixel it fixes.
	cx0, cy0, cx1, cy1 := 255, 255, 0, 0
	for y := ya; y < yb; y++ {
		cur, in, src := rows(y)
		if equalRGB(cur, in) {
			continue // nothing to fix
		}
		n, l := xb-xa, -1
		for i := range n {
			if fixes(cur, in, src, i) {
				l = i
				break
			}
		}
		if l < 0 {
			continue
		}
		r := l
		for i := n - 1; i > l; i-- {
			if fixes(cur, in, src, i) {
				r = i
				break
			}
		}
		cx0, cx1 = min(cx0, xa+l), max(cx1, xa+r+1)
		cy0, cy1 = min(cy0, y), y+1
	}
	// What is wrong after the copy: in C where the source differs, outside
	// C where the tile differs from ref. Rows are compared in up to three
	// spans, word by word.
	rx0, ry0, rx1, ry1 := 255, 255, 0, 0
	for y := roi[1]; y < roi[3]; y++ {
		cur := img.Pix[(y0+y)*img.Stride+x0*4:]
		in := ref[(y0+y)*w4+x0*4:]
		lo, hi := 1<<30, -1
		span := func(a, b int, cur, other []byte) { // pixels a..b-1 of the tile, other starting at a
			if a >= b {
				return
			}
			if f, l, ok := diffSpan(cur[a*4:b*4], other[:(b-a)*4]); ok {
				lo, hi = min(lo, a+f), max(hi, a+l)
			}
		}
		if y >= cy0 && y < cy1 {
			a, b := max(roi[0], cx0), min(roi[2], cx1)
			span(roi[0], min(roi[2], cx0), cur, in[roi[0]*4:])
			if a < b {
				span(a, b, cur, e.prev[(sy+y)*w4+(sx+a)*4:])
			}
			span(max(roi[0], cx1), roi[2], cur, in[max(roi[0], cx1)*4:])
		} else {
			span(roi[0], roi[2], cur, in[roi[0]*4:])
		}
		if hi >= 0 {
			rx0, rx1 = min(rx0, lo), max(rx1, hi+1)
			ry0, ry1 = min(ry0, y), y+1
		}
	}
	r := tileMotion{cx0: uint8(cx0), cy0: uint8(cy0), cx1: uint8(cx1), cy1: uint8(cy1)}
	if rx1 == 0 {
		return r, 0
	}
	r.x0, r.y0, r.x1, r.y1 = uint8(rx0), uint8(ry0), uint8(rx1), uint8(ry1)
	return r, (rx1 - rx0) * (ry1 - ry0)
}

// residualBound bounds from below, from the first and last rows alone, the
// area the copy of the tile from (sx, sy) of src (prev, or the long-term
// picture) leaves wrong: when both rows differ, the bounding box spans
// every row. Most wrong vectors (and video, where nothing copies exactly)
// are rejected on it.
func (e *Encoder) residualBound(src []byte, x0, y0, sx, sy, tw, th int) int {
	img := &e.img
	w4 := e.width * 4
	lo, hi := tw, -1
	for _, y := range [2]int{0, th - 1} {
		cur := img.Pix[(y0+y)*img.Stride+x0*4 : (y0+y)*img.Stride+(x0+tw)*4]
		old := src[(sy+y)*w4+sx*4 : (sy+y)*w4+(sx+tw)*4]
		first, last, ok := diffSpan(cur, old)
		if !ok {
			return 0
		}
		lo, hi = min(lo, first), max(hi, last)
	}
	return (hi - lo + 1) * th
}

// residual compares the tw x th tile of the image at (x0, y0) with src
// (prev, or the long-term picture) at (sx, sy) and returns the bounding box
// of what differs. It finds the box's first and last rows before the rows
// between, so that it can stop as soon as the box reaches limit pixels: it
// then returns a box of at least limit pixels, not the exact one.
func (e *Encoder) residual(src []byte, x0, y0, sx, sy, tw, th, limit int) tileMotion {
	img := &e.img
	w4 := e.width * 4
	span := func(y int) (int, int, bool) {
		cur := img.Pix[(y0+y)*img.Stride+x0*4 : (y0+y)*img.Stride+(x0+tw)*4]
		old := src[(sy+y)*w4+sx*4 : (sy+y)*w4+(sx+tw)*4]
		if bytes.Equal(cur, old) {
			return 0, 0, false
		}
		return diffSpan(cur, old)
	}
	var r tileMotion
	top := 0
	lo, hi, ok := 0, 0, false
	for ; !ok && top < th; top++ {
		lo, hi, ok = span(top)
	}
	if !ok {
		return r
	}
	top--
	bottom := top
	for y := th - 1; y > top; y-- {
		if first, last, ok := span(y); ok {
			lo, hi, bottom = min(lo, first), max(hi, last), y
			break
		}
	}
	height := bottom - top + 1
	for y := top + 1; y < bottom && (hi-lo+1)*height < limit; y++ {
		if first, last, ok := span(y); ok {
			lo, hi = min(lo, first), max(hi, last)
		}
	}
	r.x0, r.x1, r.y0, r.y1 = uint8(lo), uint8(hi+1), uint8(top), uint8(bottom+1)
	return r
}

// lossyAt reports whether the rectangle overlaps a tile the viewer holds
// lossy.
func (e *Encoder) lossyAt(x, y, w, h int) bool {
	for ty := y / TileSize; ty <= (y+h-1)/TileSize; ty++ {
		for tx := x / TileSize; tx <= (x+w-1)/TileSize; tx++ {
			if e.tiles[ty*e.tilesX+tx].lossy {
				return true
			}
		}
	}
	return false
}
