package codec

import "encoding/binary"

// putShared paints the w x h region at (x0, y0) from indices into a chunk's
// shared palette of opaque RGBA words: bytes, or 16-bit words when wide.
func putShared(pix []byte, stride, x0, y0, w, h int, pal []uint32, idx []byte, wide bool) {
	p := (*[maxShared]uint32)(pal)
	o := y0*stride + x0*4
	if wide {
		// Four pixels a step, two a store (see putSharedBytes).
		const m = maxShared - 1
		le := binary.LittleEndian
		for y := range h {
			out := pix[o : o+w*4]
			row := idx[y*w*2 : (y+1)*w*2]
			x := 0
			for ; x+4 <= w; x += 4 {
				v := le.Uint64(row[2*x : 2*x+8])
				g := (*[16]byte)(out[4*x : 4*x+16])
				le.PutUint64(g[0:8], uint64(p[v&m])|uint64(p[v>>16&m])<<32)
				le.PutUint64(g[8:16], uint64(p[v>>32&m])|uint64(p[v>>48&m])<<32)
			}
			for ; x < w; x++ {
				le.PutUint32(out[x*4:], p[le.Uint16(row[x*2:])&m])
			}
			o += stride
		}
		return
	}
	putSharedBytes(pix, stride, o, w, h, p, idx)
}

// putSharedBytes is putShared for 1-byte indices, the bulk of a screen of
// text. Rows are fixed-size arrays, painted by straight-line code: Go's
// WebAssembly port makes every taken branch (a loop's back edge too) a jump
// through a dispatch table, which costs more than the lookups it would skip
// (such as painting runs of one index with fewer stores), and bounds checks
// and spilled slice headers cost about as much as painting a pixel. Pairs of
// pixels take one 8-byte store. Regions narrower than a tile (most of them
// nearly as wide) are painted whole in scratch rows, then copied out.
func putSharedBytes(pix []byte, stride, o, w, h int, pal *[maxShared]uint32, idx []byte) {
	// Narrow regions: this row's and the previous row's indices, 0 past w
	// in both so that comparing them compares the region's part only, and the
	// painted row.
	var rows [2][TileSize]byte
	var px [TileSize * 4]byte
	var up *[TileSize]byte
	le := binary.LittleEndian
	idx = idx[:w*h]
	for y := range h {
		row, out := &rows[y&1], &px
		if w == TileSize {
			row, out = (*[TileSize]byte)(idx[y*TileSize:]), (*[TileSize * 4]byte)(pix[o:])
		} else {
			copy(row[:w], idx[y*w:])
		}
		// Text repeats rows (blank lines, vertical strokes): copy the row
		// above. The compare is written out, as a call would cost more.
		if up != nil && (le.Uint64(row[0:8])^le.Uint64(up[0:8]))|
			(le.Uint64(row[8:16])^le.Uint64(up[8:16]))|
			(le.Uint64(row[16:24])^le.Uint64(up[16:24]))|
			(le.Uint64(row[24:32])^le.Uint64(up[24:32]))|
			(le.Uint64(row[32:40])^le.Uint64(up[32:40]))|
			(le.Uint64(row[40:48])^le.Uint64(up[40:48]))|
			(le.Uint64(row[48:56])^le.Uint64(up[48:56]))|
			(le.Uint64(row[56:64])^le.Uint64(up[56:64])) == 0 {
			if w == TileSize {
				// A fixed-size copy is one memory.copy instruction; a
				// call to memmove also goes through the dispatch.
				*out = *(*[TileSize * 4]byte)(pix[o-stride:])
			} else {
				copy(pix[o:o+w*4], pix[o-stride:])
			}
		} else {
			var v uint64
			v = binary.LittleEndian.Uint64(row[0:8])
			binary.LittleEndian.PutUint64(out[0:8], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[8:16], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[16:24], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[24:32], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[8:16])
			binary.LittleEndian.PutUint64(out[32:40], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[40:48], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[48:56], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[56:64], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[16:24])
			binary.LittleEndian.PutUint64(out[64:72], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[72:80], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[80:88], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[88:96], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[24:32])
			binary.LittleEndian.PutUint64(out[96:104], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[104:112], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[112:120], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[120:128], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[32:40])
			binary.LittleEndian.PutUint64(out[128:136], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[136:144], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[144:152], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[152:160], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[40:48])
			binary.LittleEndian.PutUint64(out[160:168], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[168:176], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[176:184], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[184:192], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[48:56])
			binary.LittleEndian.PutUint64(out[192:200], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[200:208], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[208:216], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[216:224], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			v = binary.LittleEndian.Uint64(row[56:64])
			binary.LittleEndian.PutUint64(out[224:232], uint64(pal[byte(v)])|uint64(pal[byte(v>>8)])<<32)
			binary.LittleEndian.PutUint64(out[232:240], uint64(pal[byte(v>>16)])|uint64(pal[byte(v>>24)])<<32)
			binary.LittleEndian.PutUint64(out[240:248], uint64(pal[byte(v>>32)])|uint64(pal[byte(v>>40)])<<32)
			binary.LittleEndian.PutUint64(out[248:256], uint64(pal[byte(v>>48)])|uint64(pal[byte(v>>56)])<<32)
			if w != TileSize {
				copy(pix[o:o+w*4], out[:])
			}
		}
		up = row
		o += stride
	}
}
