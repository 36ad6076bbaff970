package codec

import (
	"bytes"
	"encoding/binary"
	"image"
	"math/bits"
)

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

// diff marks the tiles whose colours differ from the previous frame, with
// the bounding box of the change, and reports whether any did. It reads
// prev and the image only: copy detection still needs the previous frame.
func (e *Encoder) diff() bool {
	clear(e.changed)
	e.damaged = e.img.Damage != nil
	if e.damaged && !e.markDamage(e.img.Damage) {
		return false
	}
	e.phase = phaseDiff
	e.pool.run(e.tilesY)
	for _, c := range e.changed {
		if c {
			return true
		}
	}
	return false
}

// diffRow compares tile row ty. Rows are compared whole first, so an
// unchanged frame costs one bytes.Equal pass; only rows that differ are
// split into tile spans.
func (e *Encoder) diffRow(ty int) {
	const span = TileSize * 4
	img := &e.img
	w4 := e.width * 4
	changed := e.changed[ty*e.tilesX : (ty+1)*e.tilesX]
	tiles := e.tiles[ty*e.tilesX : (ty+1)*e.tilesX]
	var cand []bool
	wholeRow := true
	if e.damaged {
		cand = e.candidate[ty*e.tilesX : (ty+1)*e.tilesX]
		some := false
		for _, c := range cand {
			some = some || c
			wholeRow = wholeRow && c
		}
		if !some {
			return
		}
	}
	y0 := ty * TileSize
	for y := y0; y < min(y0+TileSize, e.height); y++ {
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
			if bytes.Equal(c, o) {
				continue
			}
			first, last, ok := diffSpan(c, o)
			if !ok {
				continue
			}
			t := &tiles[tx]
			ry := uint8(y - y0)
			if !changed[tx] {
				changed[tx] = true
				t.x0, t.x1, t.y0 = uint8(first), uint8(last+1), ry
			} else {
				t.x0, t.x1 = min(t.x0, uint8(first)), max(t.x1, uint8(last+1))
			}
			t.y1 = ry + 1
		}
	}
}

// diffSpan returns the first and last pixel whose colour differs between two
// spans of 4-byte pixels (4th byte ignored), or ok false if none does.
func diffSpan(a, b []byte) (first, last int, ok bool) {
	n := min(len(a), len(b)) / 4
	i := 0
	for ; i+2 <= n; i += 2 {
		if x := (binary.LittleEndian.Uint64(a[i*4:]) ^ binary.LittleEndian.Uint64(b[i*4:])) & mask48; x != 0 {
			first = i + bits.TrailingZeros64(x)/32
			ok = true
			break
		}
	}
	if !ok {
		if i < n && (binary.LittleEndian.Uint32(a[i*4:])^binary.LittleEndian.Uint32(b[i*4:]))&mask24 != 0 {
			return i, i, true
		}
		return 0, 0, false
	}
	for j := n - 1; j >= first; j-- {
		if (binary.LittleEndian.Uint32(a[j*4:])^binary.LittleEndian.Uint32(b[j*4:]))&mask24 != 0 {
			return first, j, true
		}
	}
	return first, first, true
}

// equalRGB reports whether two rows of 4-byte pixels hold the same colours,
// ignoring every 4th byte (X or A, which capture may leave as garbage).
func equalRGB(a, b []byte) bool {
	i := 0
	for ; i+8 <= len(a) && i+8 <= len(b); i += 8 {
		if (binary.LittleEndian.Uint64(a[i:])^binary.LittleEndian.Uint64(b[i:]))&mask48 != 0 {
			return false
		}
	}
	for ; i+4 <= len(a) && i+4 <= len(b); i += 4 {
		if (binary.LittleEndian.Uint32(a[i:])^binary.LittleEndian.Uint32(b[i:]))&mask24 != 0 {
			return false
		}
	}
	return true
}
