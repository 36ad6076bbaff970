package codec

// The long-term picture (FORMAT.md): besides the previous frame, both sides
// keep a second picture L, set whole by a key frame and tile by tile by save
// records. A record with BASE starts its tile from L, so the wallpaper a
// dragged window uncovers, or a closed window leaves behind, is not painted
// again when the viewer has it in L. The encoder saves a tile once it has
// stayed unchanged (and lossless) for saveAfter frames, so what L holds is
// what stays on screen, not what passes over it.
//
// Every use of L is verified pixel by pixel against the encoder's copy of L,
// which is exact where the viewer's is (longLossy marks the tiles of a lossy
// key frame); a tile built on a lossy L tile is lossy, like a copy of one.

// A tile is saved once it has stayed unchanged for saveAfter frames (Encode
// calls), or saveAfterMoved if its last change copied content from
// elsewhere: moved content is most likely a window being dragged, whose
// pauses must not replace in L the wallpaper it covers (nor must the plain
// background of a window, which does not change as the window moves).
const (
	saveAfter      = 8
	saveAfterMoved = 64
)

// inlineChoose is the most tiles choose looks at on the calling goroutine.
const inlineChoose = 16

// choose runs the per-tile decisions of a message with changes: copies
// (when motion found candidates), BASE records and saves. Without
// candidates (typing) there are few tiles to look at, if any: they are done
// on the calling goroutine, as waking the workers would cost more.
func (e *Encoder) choose() {
	m := &e.motion
	work := 0
	if m.ncands == 0 {
		for i, c := range e.changed {
			if t := &e.tiles[i]; c && !t.inLong || !c && e.saveDue(t) {
				work++
			}
		}
		if work == 0 {
			return
		}
	}
	if m.ncands > 0 || work > inlineChoose {
		e.phase = phaseChoose
		e.pool.run(e.tilesY)
	} else {
		for ty := range e.tilesY {
			e.chooseRow(ty)
		}
	}
	m.any = true
	if m.ncands > 0 {
		m.remember(e)
	}
}

// saveDue reports whether an unchanged tile is a candidate for saving.
func (e *Encoder) saveDue(t *tileInfo) bool {
	if t.inLong || t.lossy || t.noSave {
		return false
	}
	if t.moved {
		return e.frame-t.changedAt >= saveAfterMoved
	}
	return e.frame-t.changedAt >= saveAfter
}

// checkSave decides what to do with an unchanged tile that is due: nothing
// if L already holds it; nothing either if it is one colour (a solid record
// paints it in 5 bytes, while L may hold something costlier to repaint);
// else save it in this message.
func (e *Encoder) checkSave(i int) {
	t := &e.tiles[i]
	x0, y0, tw, th := tileRect(i, e.tilesX, e.width, e.height)
	w4 := e.width * 4
	long := e.longOf(i)
	first := e.prev[y0*w4+x0*4 : y0*w4+(x0+tw)*4]
	same, uniform := !t.longLossy, true
	c := pix32(first, 0)
	for k := 1; k < tw && uniform; k++ {
		uniform = pix32(first, k) == c
	}
	for y := y0; y < y0+th && (same || uniform); y++ {
		row := e.prev[y*w4+x0*4 : y*w4+(x0+tw)*4]
		same = same && equalRGB(row, long[y*w4+x0*4:y*w4+(x0+tw)*4])
		uniform = uniform && equalRGB(row, first)
	}
	switch {
	case same:
		t.inLong = true
	case uniform:
		t.noSave = true
	default:
		t.save = true
	}
}

// matchesSome reports whether at least 1/16 of the pixels of four sample
// rows of the tile at (x0, y0) of the image equal ref's at the same place.
func (e *Encoder) matchesSome(ref []byte, x0, y0, tw, th int) bool {
	img := &e.img
	w4 := e.width * 4
	same := 0
	for k := range 4 {
		y := y0 + (th-1)*k/3
		cur := img.Pix[y*img.Stride+x0*4 : y*img.Stride+(x0+tw)*4]
		in := ref[y*w4+x0*4 : y*w4+(x0+tw)*4]
		for i := range tw {
			if pix32(cur, i) == pix32(in, i) {
				same++
			}
		}
	}
	return same*16 >= 4*tw
}

// chooseBase tries, for changed tile i, to start from L: L alone, and L
// under a copy of part of the tile with the candidates of order (best
// ranked first; none for no such copy). It keeps the one that leaves the
// smallest area to paint, if below limit (the cost of the best choice
// without L).
func (e *Encoder) chooseBase(i, limit int, order []int8) {
	m := &e.motion
	x0, y0, tw, th := tileRect(i, e.tilesX, e.width, e.height)
	long := e.longOf(i)
	if !e.matchesSome(long, x0, y0, tw, th) {
		return // video, new content: L explains nothing
	}
	var best tileMotion
	found := false
	// L alone must leave at most 3/4 of the area to paint: a region that
	// almost fills the tile, painted over L, costs as much as the tile
	// painted in place and can cost more (its palette is no smaller, and
	// the decoder first copies L's tile). Text that changed at the same
	// place is rejected after a few rows instead of all 64.
	most := (limit*3 + 3) / 4
	if e.residualBound(long, x0, y0, x0, y0, tw, th) < most {
		r := e.residual(long, x0, y0, x0, y0, tw, th, most)
		if cost := int(r.x1-r.x0) * int(r.y1-r.y0); cost < most {
			best, limit, found = r, cost, true
		}
	}
	if limit > 0 && len(order) > 0 {
		if r, cost, k := e.bestPartial(long, [4]int{0, 0, tw, th}, x0, y0, order, limit); cost < limit {
			v := m.cands[k]
			r.ok, r.dx, r.dy = true, v.dx, v.dy
			r.srcLossy = e.lossyAt(x0+int(v.dx)+int(r.cx0), y0+int(v.dy)+int(r.cy0), int(r.cx1-r.cx0), int(r.cy1-r.cy0))
			best, found = r, true
		}
	}
	if found {
		best.base = true
		m.found[i] = best
	}
}
