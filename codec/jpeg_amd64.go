//go:build amd64 && !purego

package codec

import "golang.org/x/sys/cpu"

// useAVX2 selects the assembly of the JPEG encoder (jpeg_amd64.s) and
// decoder (jpeg_decode_amd64.s), which computes exactly what the Go code
// does, eight lanes at a time. A variable, so that tests can compare both.
var useAVX2 = cpu.X86.HasAVX2

// convertRowsAVX2 is convertRows for rows pr*2 and pr*2+1 of the n MCUs
// from mcu[0] on, whose 16 pixels of each row start at s0 and s1 (64 bytes
// an MCU). yo is the byte offset of the luma rows in an MCU, co that of the
// chroma rows in its Cb block; rs and bs shift R and B down in a pixel word.
//
//go:noescape
func convertRowsAVX2(mcu *[TileSize / 16][6][64]int32, s0, s1 *byte, n, yo, co int, rs, bs uint64)

// fdctAVX2 is fdct, with tmp as its scratch and the thresholds split into
// their offsets and limits.
//
//go:noescape
func fdctAVX2(d, tmp *[64]int32, off *[64]int32, lim *[64]uint32) uint64

// convertFast converts rows 2*pr and 2*pr+1 of the first n MCUs of e.mcu,
// whose pixels are whole in r0 and r1, and returns how many it converted
// (none without AVX2).
func (e *jpegEncoder) convertFast(r0, r1 []byte, n, pr int, rs, bs uint) int {
	if !useAVX2 || n <= 0 || len(r0) < n*64 || len(r1) < n*64 {
		return 0
	}
	n, pr = min(n, len(e.mcu)), pr&7
	yo := (pr>>2<<1)*256 + (pr&3)*64
	convertRowsAVX2(&e.mcu, &r0[0], &r1[0], n, yo, pr*32, uint64(rs), uint64(bs))
	return n
}

// transform is fdct for table t.
func (e *jpegEncoder) transform(b *[64]int32, t int) uint64 {
	if useAVX2 {
		return fdctAVX2(b, &e.tmp, &e.thr[t&1].off, &e.thr[t&1].lim)
	}
	return fdct(b, &e.tmp, &e.thr[t&1])
}
