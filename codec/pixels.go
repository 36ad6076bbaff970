package codec

import (
	"encoding/binary"
	"slices"
)

// equalRGB reports whether two rows of 4-byte pixels hold the same colours,
// ignoring every 4th byte (X or A, which capture may leave as garbage).
// It is only called on spans bytes.Equal already found different.
func equalRGB(a, b []byte) bool {
	const mask64 = 0x00FFFFFF00FFFFFF
	i := 0
	for ; i+8 <= len(a) && i+8 <= len(b); i += 8 {
		if (binary.LittleEndian.Uint64(a[i:])^binary.LittleEndian.Uint64(b[i:]))&mask64 != 0 {
			return false
		}
	}
	for ; i+4 <= len(a) && i+4 <= len(b); i += 4 {
		if (binary.LittleEndian.Uint32(a[i:])^binary.LittleEndian.Uint32(b[i:]))&0x00FFFFFF != 0 {
			return false
		}
	}
	return true
}

// solidTile reports whether every pixel of the w x h tile at (x0, y0) has the
// colour of its first pixel (4th byte ignored).
func solidTile(pix []byte, stride, x0, y0, w, h int) bool {
	first := binary.LittleEndian.Uint32(pix[y0*stride+x0*4:]) & 0x00FFFFFF
	pat := uint64(first) | uint64(first)<<32
	const mask64 = 0x00FFFFFF00FFFFFF
	for y := y0; y < y0+h; y++ {
		row := pix[y*stride+x0*4 : y*stride+(x0+w)*4]
		i := 0
		for ; i+8 <= len(row); i += 8 {
			if binary.LittleEndian.Uint64(row[i:])&mask64 != pat {
				return false
			}
		}
		if i < len(row) && binary.LittleEndian.Uint32(row[i:])&0x00FFFFFF != first {
			return false
		}
	}
	return true
}

// appendTileRGB appends the w x h tile at (x0, y0) as packed RGB, row-major.
func appendTileRGB(dst, pix []byte, stride, x0, y0, w, h int, f PixelFormat) []byte {
	n := len(dst)
	dst = slices.Grow(dst, w*h*3)[:n+w*h*3]
	out := dst[n:]
	for y := y0; y < y0+h; y++ {
		row := pix[y*stride+x0*4 : y*stride+(x0+w)*4]
		if f == BGRA {
			packBGRA(out[:w*3], row)
		} else {
			packRGBA(out[:w*3], row)
		}
		out = out[w*3:]
	}
	return dst
}

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

// appendSolidRGB appends the colour of the pixel at off as R, G, B.
func appendSolidRGB(dst, pix []byte, off int, f PixelFormat) []byte {
	s := pix[off : off+4]
	if f == BGRA {
		return append(dst, s[2], s[1], s[0])
	}
	return append(dst, s[0], s[1], s[2])
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
