package codec

import (
	"bytes"
	"encoding/binary"
	"slices"
)

const (
	mask24 = 0x00FFFFFF
	mask48 = 0x00FFFFFF00FFFFFF

	// maxPalette is the most colours a palette record holds; a region with
	// more is raw (or lossy).
	maxPalette = 256

	palHashBits = 10
	palHashSize = 1 << palHashBits
)

// palette finds the colours of a region and the index of every pixel. It is
// per-worker scratch, reused for every region without clearing: hash slots
// carry the generation that filled them.
type palette struct {
	n      int
	runs   int                // pixels equal to their left neighbour or in a row equal to the one above
	colors [maxPalette]uint32 // source-format pixels, 4th byte cleared
	idx    [TileSize * TileSize]byte

	gen  uint32
	keys [palHashSize]uint32 // gen<<24 | colour
	vals [palHashSize]uint8
}

// build collects the colours of a w x h region of 4-byte pixels (rows
// stride bytes apart) and the palette index of each pixel. It returns the
// number of colours, or maxPalette+1 as soon as there are more (photographs
// bail out after a few rows). A solid region leaves the indices unset.
func (p *palette) build(px []byte, stride, w, h int) int {
	rowLen := w * 4
	first := binary.LittleEndian.Uint32(px) & mask24
	if solidRegion(px, stride, w, h, first) {
		p.colors[0], p.n, p.runs = first, 1, w*h
		return 1
	}
	runs := 0
	p.gen++
	if p.gen == 256 {
		clear(p.keys[:])
		p.gen = 1
	}
	g := p.gen << 24
	n := 0
	last := uint32(0xFFFFFFFF) // never a masked colour
	lastPair := uint64(0xFFFFFFFFFFFFFFFF)
	li := byte(0)
	idx := p.idx[:w*h]
	for y := range h {
		row := px[y*stride : y*stride+rowLen]
		out := idx[y*w : (y+1)*w]
		// Text repeats rows (blank lines, vertical strokes): copy their
		// indices. bytes.Equal is vectorised; a 4th byte that differs only
		// sends the row the slow way.
		if y > 0 && bytes.Equal(row, px[(y-1)*stride:(y-1)*stride+rowLen]) {
			copy(out, idx[(y-1)*w:y*w])
			runs += w
			continue
		}
		x := 0
		for ; x+2 <= w; x += 2 {
			v := binary.LittleEndian.Uint64(row[x*4:]) & mask48
			if v == lastPair {
				out[x], out[x+1] = li, li
				runs += 2
				continue
			}
			for j := range 2 {
				c := uint32(v >> (32 * j))
				if c != last {
					var ok bool
					if li, n, ok = p.lookup(c, g, n); !ok {
						return p.n
					}
					last, lastPair = c, uint64(c)|uint64(c)<<32
				} else {
					runs++
				}
				out[x+j] = li
			}
		}
		if x < w {
			c := binary.LittleEndian.Uint32(row[x*4:]) & mask24
			if c != last {
				var ok bool
				if li, n, ok = p.lookup(c, g, n); !ok {
					return p.n
				}
				last, lastPair = c, uint64(c)|uint64(c)<<32
			} else {
				runs++
			}
			out[x] = li
		}
	}
	p.n, p.runs = n, runs
	return n
}

// lookup returns the index of colour c, adding it if new; ok is false (and
// p.n is maxPalette+1) when there is no room.
func (p *palette) lookup(c, g uint32, n int) (byte, int, bool) {
	s := (c * 0x9E3779B1) >> (32 - palHashBits)
	for {
		kv := p.keys[s]
		if kv == g|c {
			return p.vals[s], n, true
		}
		if kv>>24 != g>>24 {
			if n == maxPalette {
				p.n = maxPalette + 1
				return 0, n, false
			}
			p.keys[s], p.vals[s] = g|c, byte(n)
			p.colors[n] = c
			return byte(n), n + 1, true
		}
		s = (s + 1) & (palHashSize - 1)
	}
}

// solidRegion reports whether every pixel of the region has colour c (4th
// byte ignored). Shifted by one pixel, a solid row equals itself, and every
// row equals the first: vectorised compares; when 4th bytes differ, the exact
// check decides.
func solidRegion(px []byte, stride, w, h int, c uint32) bool {
	first := px[:w*4]
	y := 0
	if bytes.Equal(first[4:], first[:len(first)-4]) {
		// The rows equal to a solid first row are solid: go on from the
		// first that is not (text under blank lines).
		y = 1
		for y < h && bytes.Equal(px[y*stride:y*stride+w*4], first) {
			y++
		}
		if y == h {
			return true
		}
	}
	for ; y < h; y++ {
		if !solid(px[y*stride:y*stride+w*4], c) {
			return false
		}
	}
	return true
}

// solid reports whether every pixel of px has colour c (4th byte ignored).
func solid(px []byte, c uint32) bool {
	pat := uint64(c) | uint64(c)<<32
	i := 0
	for ; i+32 <= len(px); i += 32 {
		a := binary.LittleEndian.Uint64(px[i:]) & mask48
		b := binary.LittleEndian.Uint64(px[i+8:]) & mask48
		d := binary.LittleEndian.Uint64(px[i+16:]) & mask48
		e := binary.LittleEndian.Uint64(px[i+24:]) & mask48
		if (a^pat)|(b^pat)|(d^pat)|(e^pat) != 0 {
			return false
		}
	}
	for ; i+4 <= len(px); i += 4 {
		if binary.LittleEndian.Uint32(px[i:])&mask24 != c {
			return false
		}
	}
	return true
}

// dominant reports whether one colour covers at least 40% of the region's
// pixels (a background), after build found 2..256 colours.
func (p *palette) dominant(pixels int) bool {
	var count [maxPalette]int32
	for _, v := range p.idx[:pixels] {
		count[v]++
	}
	limit := int32(pixels * 2 / 5)
	for _, c := range count[:p.n] {
		if c >= limit {
			return true
		}
	}
	return false
}

// paletteBits is the index width for n colours: 1, 2, 4 or 8 bits.
func paletteBits(n int) int {
	switch {
	case n <= 2:
		return 1
	case n <= 4:
		return 2
	case n <= 16:
		return 4
	}
	return 8
}

// appendIndices appends the indices of a w x h region packed bits to a
// pixel, each row starting on a byte boundary, leftmost pixel in the most
// significant bits.
func appendIndices(dst []byte, idx []byte, w, h, bits int) []byte {
	rowBytes := (w*bits + 7) / 8
	n := len(dst)
	dst = slices.Grow(dst, rowBytes*h)[:n+rowBytes*h]
	out := dst[n:]
	switch bits {
	case 8:
		copy(out, idx[:w*h])
	case 1:
		for y := range h {
			pack1(out[y*rowBytes:(y+1)*rowBytes], idx[y*w:(y+1)*w])
		}
	case 2:
		for y := range h {
			pack2(out[y*rowBytes:(y+1)*rowBytes], idx[y*w:(y+1)*w])
		}
	case 4:
		for y := range h {
			pack4(out[y*rowBytes:(y+1)*rowBytes], idx[y*w:(y+1)*w])
		}
	}
	return dst
}

// pack2 packs bytes of 0..3 four to a byte, eight per step: in each
// little-endian half word, the multiplication moves byte j's two bits to bits
// 30-2j..31-2j, where no other product lands.
func pack2(out, in []byte) {
	i := 0
	for ; i+8 <= len(in); i += 8 {
		v := binary.LittleEndian.Uint64(in[i:])
		lo, hi := v&0xFFFFFFFF, v>>32
		const m = 1<<30 | 1<<20 | 1<<10 | 1
		out[i/4], out[i/4+1] = byte(lo*m>>24), byte(hi*m>>24)
	}
	for ; i < len(in); i += 4 {
		out[i/4] = packByte(in[i:], 2)
	}
}

// pack4 packs bytes of 0..15 two to a byte, eight per step: each 16-bit lane
// of the word becomes its low byte shifted up by 4 or-ed with its high
// byte, and the four lanes' low bytes are then gathered.
func pack4(out, in []byte) {
	i := 0
	for ; i+8 <= len(in); i += 8 {
		v := binary.LittleEndian.Uint64(in[i:])
		t := (v&0x00FF00FF00FF00FF)<<4 | (v>>8)&0x00FF00FF00FF00FF
		t = (t | t>>8) & 0x0000FFFF0000FFFF
		t |= t >> 16
		binary.LittleEndian.PutUint32(out[i/2:], uint32(t))
	}
	for ; i < len(in); i += 2 {
		out[i/2] = packByte(in[i:], 4)
	}
}

// pack1 packs 0/1 bytes into bits, eight per step: the multiplication moves
// the low bit of every byte of a little-endian word into the top byte,
// first byte highest, without carries.
func pack1(out, in []byte) {
	i := 0
	for ; i+8 <= len(in); i += 8 {
		out[i/8] = byte((binary.LittleEndian.Uint64(in[i:]) * 0x8040201008040201) >> 56)
	}
	if i < len(in) {
		out[i/8] = packByte(in[i:], 1)
	}
}

// packByte packs the first 8/bits indices of in (fewer at the end of a row)
// into one byte, the first in the most significant bits, 0 bits after the
// last.
func packByte(in []byte, bits int) byte {
	var b byte
	for j := range 8 / bits {
		b <<= bits
		if j < len(in) {
			b |= in[j]
		}
	}
	return b
}
