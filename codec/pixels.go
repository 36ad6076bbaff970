package codec

import (
	"encoding/binary"
	"slices"
)

// packBGRA writes the B, G, R, X pixels of src to dst as R, G, B, 4 pixels
// (16 bytes in, 12 out) per step; a byte-at-a-time loop was a third of the
// time of a key frame.
func packBGRA(dst, src []byte) {
	for len(src) >= 16 && len(dst) >= 12 {
		p0 := swapRB(binary.LittleEndian.Uint32(src))
		p1 := swapRB(binary.LittleEndian.Uint32(src[4:]))
		p2 := swapRB(binary.LittleEndian.Uint32(src[8:]))
		p3 := swapRB(binary.LittleEndian.Uint32(src[12:]))
		binary.LittleEndian.PutUint64(dst, uint64(p0)|uint64(p1)<<24|uint64(p2)<<48)
		binary.LittleEndian.PutUint32(dst[8:], p2>>16|p3<<8)
		src, dst = src[16:], dst[12:]
	}
	for len(src) >= 4 && len(dst) >= 3 {
		dst[0], dst[1], dst[2] = src[2], src[1], src[0]
		src, dst = src[4:], dst[3:]
	}
}

// swapRB turns a little-endian B, G, R, X word into R, G, B in the low 24 bits.
func swapRB(v uint32) uint32 {
	return v>>16&0xFF | v&0xFF00 | (v&0xFF)<<16
}

// packRGBA writes the R, G, B, A pixels of src to dst as R, G, B.
func packRGBA(dst, src []byte) {
	for len(src) >= 16 && len(dst) >= 12 {
		p0 := binary.LittleEndian.Uint32(src) & 0xFFFFFF
		p1 := binary.LittleEndian.Uint32(src[4:]) & 0xFFFFFF
		p2 := binary.LittleEndian.Uint32(src[8:]) & 0xFFFFFF
		p3 := binary.LittleEndian.Uint32(src[12:]) & 0xFFFFFF
		binary.LittleEndian.PutUint64(dst, uint64(p0)|uint64(p1)<<24|uint64(p2)<<48)
		binary.LittleEndian.PutUint32(dst[8:], p2>>16|p3<<8)
		src, dst = src[16:], dst[12:]
	}
	for len(src) >= 4 && len(dst) >= 3 {
		dst[0], dst[1], dst[2] = src[0], src[1], src[2]
		src, dst = src[4:], dst[3:]
	}
}

// fillRGBA paints the w x h rectangle at (x0, y0) of an RGBA framebuffer with
// one opaque colour.
func fillRGBA(pix []byte, stride, x0, y0, w, h int, rgb []byte) {
	first := pix[y0*stride+x0*4 : y0*stride+(x0+w)*4]
	for i := 0; i+3 < len(first); i += 4 {
		first[i], first[i+1], first[i+2], first[i+3] = rgb[0], rgb[1], rgb[2], 0xFF
	}
	for y := y0 + 1; y < y0+h; y++ {
		copy(pix[y*stride+x0*4:y*stride+(x0+w)*4], first)
	}
}

// putRGB paints packed RGB rows into the w x h rectangle at (x0, y0) of an RGBA
// framebuffer, opaque.
func putRGB(pix []byte, stride, x0, y0, w, h int, rgb []byte) {
	for y := range h {
		unpackRGB(pix[(y0+y)*stride+x0*4:(y0+y)*stride+(x0+w)*4], rgb[y*w*3:(y+1)*w*3])
	}
}

// unpackRGB writes the R, G, B pixels of src to dst as opaque R, G, B, A, 4
// pixels (12 bytes in, 16 out) per step.
func unpackRGB(dst, src []byte) {
	const opaque = 0xFF000000
	for len(src) >= 12 && len(dst) >= 16 {
		x := binary.LittleEndian.Uint64(src)
		y := binary.LittleEndian.Uint32(src[8:])
		p0 := uint32(x) & 0xFFFFFF
		p1 := uint32(x>>24) & 0xFFFFFF
		p2 := uint32(x>>48) | (y&0xFF)<<16
		p3 := y >> 8
		binary.LittleEndian.PutUint64(dst, uint64(p0|opaque)|uint64(p1|opaque)<<32)
		binary.LittleEndian.PutUint64(dst[8:], uint64(p2|opaque)|uint64(p3|opaque)<<32)
		src, dst = src[12:], dst[16:]
	}
	for len(src) >= 3 && len(dst) >= 4 {
		dst[0], dst[1], dst[2], dst[3] = src[0], src[1], src[2], 0xFF
		src, dst = src[3:], dst[4:]
	}
}

// putPalette paints the w x h region at (x0, y0) of an RGBA framebuffer from
// palette record data: the colour count minus one, the colours as RGB and
// the packed indices (validated: each below the count).
func putPalette(pix []byte, stride, x0, y0, w, h, n int, data []byte) {
	var pal [256]uint32
	for i := range n {
		c := data[1+3*i : 4+3*i]
		pal[i] = uint32(c[0]) | uint32(c[1])<<8 | uint32(c[2])<<16 | 0xFF000000
	}
	bits := paletteBits(n)
	idx := data[1+3*n:]
	rowBytes := (w*bits + 7) / 8
	for y := range h {
		row := idx[y*rowBytes : (y+1)*rowBytes]
		out := pix[(y0+y)*stride+x0*4 : (y0+y)*stride+(x0+w)*4]
		switch bits {
		case 1:
			x := 0
			for _, b := range row {
				if x+8 <= w {
					o := out[x*4 : x*4+32]
					binary.LittleEndian.PutUint32(o[0:], pal[b>>7])
					binary.LittleEndian.PutUint32(o[4:], pal[b>>6&1])
					binary.LittleEndian.PutUint32(o[8:], pal[b>>5&1])
					binary.LittleEndian.PutUint32(o[12:], pal[b>>4&1])
					binary.LittleEndian.PutUint32(o[16:], pal[b>>3&1])
					binary.LittleEndian.PutUint32(o[20:], pal[b>>2&1])
					binary.LittleEndian.PutUint32(o[24:], pal[b>>1&1])
					binary.LittleEndian.PutUint32(o[28:], pal[b&1])
					x += 8
					continue
				}
				for ; x < w; x++ {
					binary.LittleEndian.PutUint32(out[x*4:], pal[b>>7])
					b <<= 1
				}
			}
		case 2:
			x := 0
			for _, b := range row[:w/4] {
				o := out[x*4 : x*4+16]
				binary.LittleEndian.PutUint32(o[0:], pal[b>>6])
				binary.LittleEndian.PutUint32(o[4:], pal[b>>4&3])
				binary.LittleEndian.PutUint32(o[8:], pal[b>>2&3])
				binary.LittleEndian.PutUint32(o[12:], pal[b&3])
				x += 4
			}
			for ; x < w; x++ {
				binary.LittleEndian.PutUint32(out[x*4:], pal[row[x>>2]>>(6-2*(x&3))&3])
			}
		case 4:
			x := 0
			for _, b := range row[:w/2] {
				o := out[x*4 : x*4+8]
				binary.LittleEndian.PutUint32(o[0:], pal[b>>4])
				binary.LittleEndian.PutUint32(o[4:], pal[b&15])
				x += 2
			}
			if x < w {
				binary.LittleEndian.PutUint32(out[x*4:], pal[row[x>>1]>>4])
			}
		case 8:
			for x, v := range row[:w] {
				binary.LittleEndian.PutUint32(out[x*4:], pal[v])
			}
		}
	}
}

// The predicted encoding is lossless photographs' raw: colours are
// decorrelated by subtracting green from red and blue (R-G, G, B-G, modulo
// 256) and each of the three planes is predicted from its left (a), upper
// (b) and upper-left (c) neighbours in the region with the median edge
// detector of LOCO-I (JPEG-LS): min(a, b) if c >= max(a, b), max(a, b) if
// c <= min(a, b), else a + b - c; neighbours outside the region are 0. The
// data is the residuals, value minus prediction modulo 256, pixel by pixel
// (R-G, G, B-G). Natural pictures leave small residuals that zstd's entropy
// stage codes in about half the bytes of raw RGB.

// med is the median edge predictor, written as a clamp so that it compiles
// to conditional moves (photographs make its branches unpredictable).
func med(a, b, c int) int {
	return min(max(a+b-c, min(a, b)), max(a, b))
}

// appendPredicted appends the residuals of a w x h region of 4-byte pixels
// in format f, rows stride bytes apart.
func appendPredicted(dst, px []byte, stride, w, h int, f PixelFormat) []byte {
	rs, bs := uint(0), uint(16)
	if f == BGRA {
		rs, bs = 16, 0
	}
	n := len(dst)
	dst = slices.Grow(dst, w*h*3)[:n+w*h*3]
	out := dst[n:]
	var rows [2][TileSize * 3]byte
	prev, cur := &rows[0], &rows[1]
	for y := range h {
		row := px[y*stride : y*stride+w*4]
		for x := range w {
			v := binary.LittleEndian.Uint32(row[x*4:])
			g := byte(v >> 8)
			cur[3*x], cur[3*x+1], cur[3*x+2] = byte(v>>rs)-g, g, byte(v>>bs)-g
		}
		o := out[y*w*3 : (y+1)*w*3]
		for i := range 3 {
			o[i] = cur[i] - prev[i] // a = c = 0: the prediction is b
		}
		for i := 3; i < w*3; i++ {
			o[i] = cur[i] - byte(med(int(cur[i-3]), int(prev[i]), int(prev[i-3])))
		}
		prev, cur = cur, prev
	}
	return dst
}

// putPredicted paints a predicted region into an RGBA framebuffer, opaque.
func putPredicted(pix []byte, stride, x0, y0, w, h int, data []byte) {
	// A narrower region is decoded at full width in scratch rows: the
	// pixels past its width do not affect those before.
	var zero, up, out [TileSize * 4]byte
	var in [TileSize * 3]byte
	o := y0*stride + x0*4
	for y := range h {
		row, res := pix[o:o+w*4], data[y*w*3:(y+1)*w*3]
		above := &zero // outside the region: 0, and med(a, 0, 0) = a
		if w == TileSize {
			if y > 0 {
				above = (*[TileSize * 4]byte)(pix[o-stride : o-stride+TileSize*4])
			}
			predictRow((*[TileSize * 4]byte)(row), above, (*[TileSize * 3]byte)(res), 0xFF000000)
		} else {
			if y > 0 {
				copy(up[:], pix[o-stride:o-stride+w*4])
				above = &up
			}
			copy(in[:], res)
			predictRow(&out, above, &in, 0xFF000000)
			copy(row, out[:])
		}
		o += stride
	}
}

// predictRow decodes a row of a predicted region of a tile's width, below
// the row above (RGBA, already decoded). The three planes are decoded
// together, pixel by pixel, with the left and upper-left neighbours in
// registers: writing each value to memory and reading it back as the next
// pixel's left neighbour made a chain of store-to-load delays. Every index
// is provably in range, and opaque is a parameter because the compiler
// splits the store of a word with a constant byte into three stores.
func predictRow(out, above *[TileSize * 4]byte, in *[TileSize * 3]byte, opaque uint32) {
	// Left of the region, a and c are 0: med(0, b, 0) = b.
	var a0, a1, a2, c0, c1, c2 int
	for x := range TileSize {
		up := binary.LittleEndian.Uint32(above[4*x : 4*x+4])
		g := int(up >> 8 & 0xFF)
		b0, b1, b2 := (int(up)-g)&0xFF, g, (int(up>>16)-g)&0xFF
		r := (*[3]byte)(in[3*x : 3*x+3])
		a0 = (int(r[0]) + med(a0, b0, c0)) & 0xFF
		a1 = (int(r[1]) + med(a1, b1, c1)) & 0xFF
		a2 = (int(r[2]) + med(a2, b2, c2)) & 0xFF
		binary.LittleEndian.PutUint32(out[4*x:4*x+4], uint32((a0+a1)&0xFF|a1<<8|(a2+a1)&0xFF<<16)|opaque)
		c0, c1, c2 = b0, b1, b2
	}
}

// copyRows copies h rows of n bytes from src to dst, whose rows are
// srcStride and dstStride bytes apart. Rows of a whole tile are copied as
// fixed-size arrays: in WebAssembly that is one memory.copy instruction,
// where copy calls memmove (a call costs a jump through Go's dispatch).
func copyRows(dst []byte, dstStride int, src []byte, srcStride int, n, h int) {
	if n == TileSize*4 {
		for y := range h {
			*(*[TileSize * 4]byte)(dst[y*dstStride:]) = *(*[TileSize * 4]byte)(src[y*srcStride:])
		}
		return
	}
	for y := range h {
		copy(dst[y*dstStride:y*dstStride+n], src[y*srcStride:y*srcStride+n])
	}
}
