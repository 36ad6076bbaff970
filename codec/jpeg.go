package codec

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// Lossy regions are baseline JPEG (ITU T.81) with everything fixed but the
// quality and the size: 3 components (JFIF YCbCr), 4:2:0 sampling, the
// example quantisation tables of Annex K scaled by quality as libjpeg and
// Go's image/jpeg do, the example Huffman tables of Annex K.3, no restart
// markers. The wire carries only the entropy-coded scan: the ~600 bytes of
// tables that a JPEG file repeats would cost more than a small region's
// pixels. jpegFile rebuilds a standard file (for a browser's decoder, or
// image/jpeg in tests) from a scan.
//
// The encoder's transform is an integer AAN DCT (the IJG library's
// jfdctfst.c with more precision); the decoder (jpeg_decode.go) has an
// integer inverse with shortcuts for sparse blocks. The tables come from the JPEG standard and
// Go's image/jpeg. On amd64 with AVX2, the colour conversion and the DCT
// run as assembly (jpeg_amd64.s) that gives the same numbers, eight lanes
// at a time: 2.8x faster on a 1080p photograph (BenchmarkJPEGEncodeAsm).

// unzig maps the zig-zag order of coefficients to natural (row-major) order.
var unzig = [64]uint8{
	0, 1, 8, 16, 9, 2, 3, 10,
	17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34,
	27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36,
	29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46,
	53, 60, 61, 54, 47, 55, 62, 63,
}

// baseQuant are the example tables of Annex K.1 (luminance, chrominance) in
// zig-zag order.
var baseQuant = [2][64]uint8{
	{
		16, 11, 12, 14, 12, 10, 16, 14,
		13, 14, 18, 17, 16, 19, 24, 40,
		26, 24, 22, 22, 24, 49, 35, 37,
		29, 40, 58, 51, 61, 60, 57, 51,
		56, 55, 64, 72, 92, 78, 64, 68,
		87, 69, 55, 56, 80, 109, 81, 87,
		95, 98, 103, 104, 103, 62, 77, 113,
		121, 112, 100, 120, 92, 101, 103, 99,
	},
	{
		17, 18, 18, 24, 21, 24, 47, 26,
		26, 47, 99, 66, 56, 66, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
		99, 99, 99, 99, 99, 99, 99, 99,
	},
}

// quantTables returns the quantisation tables for quality 1..100, zig-zag order.
func quantTables(quality int) (q [2][64]uint8) {
	scale := 200 - 2*quality
	if quality < 50 {
		scale = 5000 / quality
	}
	for i := range q {
		for k, v := range baseQuant[i] {
			x := (int(v)*scale + 50) / 100
			q[i][k] = uint8(min(max(x, 1), 255))
		}
	}
	return q
}

// huffSpec is a Huffman table as JPEG's DHT segment gives it: the number of
// codes of each length 1..16 and the symbols in code order.
type huffSpec struct {
	count  [16]uint8
	values []uint8
}

// The example Huffman tables of Annex K.3: DC and AC luminance, DC and AC
// chrominance.
var huffSpecs = [4]huffSpec{
	{[16]uint8{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 125}, []uint8{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
	{[16]uint8{0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0}, []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}},
	{[16]uint8{0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 119}, []uint8{
		0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
		0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
		0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
		0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
		0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
		0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
		0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
		0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
		0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
		0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}},
}

// huffEnc maps a symbol to its code: length in the top 8 bits, code below.
type huffEnc [256]uint32

// huffLookupBits is the width of the decoder's direct lookup; longer codes
// take the canonical slow path.
const huffLookupBits = 9

// huffDec decodes one table: lookup holds length<<8 | symbol for every
// huffLookupBits-bit prefix that starts with a code that short (0: longer).
type huffDec struct {
	lookup  [1 << huffLookupBits]uint16
	maxCode [18]int32 // largest code of each length, -1 if none
	valPtr  [17]int32 // index in values of the first code of each length
	minCode [17]int32
	values  []uint8
}

// jpegTables are the compiled Huffman tables; built once, read-only.
var jpegTables = func() (t struct {
	enc [4]huffEnc
	dec [4]huffDec
}) {
	for i, s := range huffSpecs {
		code, k := int32(0), 0
		d := &t.dec[i]
		d.values = s.values
		for l := 1; l <= 16; l++ {
			d.valPtr[l] = int32(k)
			d.minCode[l] = code
			d.maxCode[l] = -1
			for range s.count[l-1] {
				t.enc[i][s.values[k]] = uint32(l)<<24 | uint32(code)
				if l <= huffLookupBits {
					shift := huffLookupBits - l
					for j := int32(0); j < 1<<shift; j++ {
						d.lookup[code<<shift|j] = uint16(l)<<8 | uint16(s.values[k])
					}
				}
				d.maxCode[l] = code
				code++
				k++
			}
			code <<= 1
		}
		d.maxCode[17] = 1 << 30
	}
	return t
}()

// jpegDeadZone widens the interval of AC values that quantise to zero (and
// shifts the others towards zero) by this percentage of a quantisation step,
// as libjpeg-style encoders do: a coefficient just above half a step costs
// more bits than the error it removes. On recorded video at quality 40 it
// saves 12% of the JPEG bytes for 0.57 dB of PSNR, where lowering the
// quality to 36 saves 5% for 0.35 dB.
const jpegDeadZone = 20 // percent of a step

// aanScale are the AAN DCT's per-frequency scale factors.
var aanScale = [8]float64{1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.541196100, 0.275899379}

// The encoder works in integers from the pixels to the bits: a fused
// colour conversion and 2x2 chroma averaging writes one MCU row straight
// into 8x8 blocks, an integer AAN DCT leaves its output scaling to the
// quantiser, which multiplies by reciprocals, and the entropy coder jumps
// from one non-zero coefficient to the next with a bit mask. (The
// floating-point version spent a quarter of its time converting between
// floats and integers, and another on copying samples and testing zeros.)
const (
	// jpegFrac is the number of fraction bits of the level-shifted samples:
	// rounding them to integers would add noise that high qualities show.
	jpegFrac = 6
	// fdctBits is the number of fraction bits of the DCT's multipliers.
	fdctBits = 16
	// quantBits is the number of fraction bits of the reciprocal
	// quantisation steps.
	quantBits = 32
)

// The AAN multipliers in Q(fdctBits).
const (
	fdct0707  = 46341 // 0.707106781
	fdct0382  = 25080 // 0.382683433
	fdct0541  = 35468 // 0.541196100
	fdct1306  = 85627 // 1.306562965
	fdctRound = 1 << (fdctBits - 1)
)

// The JFIF colour matrix in Q16. Each chroma row sums to zero, so grey
// has no chroma at all.
const (
	yR, yG, yB    = 19595, 38470, 7471
	cbR, cbG, cbB = -11059, -21709, 32768
	crR, crG, crB = 32768, -27439, -5329
)

const (
	// lumaBias rounds a luma sample and level-shifts it by 128.
	lumaBias = 1<<(15-jpegFrac) - 128<<16
	// chromaBias rounds a chroma sample computed from the sums of 4 pixels.
	chromaBias = 1 << (17 - jpegFrac)
	// acBias rounds |AC| towards zero by jpegDeadZone more than to nearest.
	acBias = int64(1) << quantBits * (50 - jpegDeadZone) / 100
	// dcBias rounds |DC| to nearest.
	dcBias = int64(1) << (quantBits - 1)
)

// jpegEncoder encodes regions of up to TileSize x TileSize pixels. It is
// per-worker scratch.
type jpegEncoder struct {
	quality int
	qz      [2][64]uint8  // quantisation tables, zig-zag order
	recip   [2][64]uint32 // 2^quantBits / step of the scaled DCT output, fdct's order
	thr     [2]quantThresholds

	mcu  [TileSize / 16][6][64]int32 // one MCU row: four Y blocks, Cb, Cr, each row-major
	tmp  [64]int32                   // fdct's first pass
	edge [2][64]byte                 // the last MCU's pixel rows, padded to 16 pixels

	acc  uint64 // the last nacc bits not yet written, LSB-aligned
	nacc uint
	out  []byte
}

func (e *jpegEncoder) setQuality(q int) {
	if e.quality == q {
		return
	}
	e.quality = q
	e.qz = quantTables(q)
	for t := range 2 {
		for k := range 64 {
			n := unzig[k]
			step := float64(e.qz[t][k]) * aanScale[n/8] * aanScale[n%8] * 8 * (1 << jpegFrac)
			r := int64(math.Round((1 << quantBits) / step))
			p := unzigT[k]
			e.recip[t][p] = uint32(r)
			// The smallest |v| that block quantises to non-zero.
			bias := acBias
			if n == 0 {
				bias = dcBias
			}
			thr := ((1 << quantBits) - bias + r - 1) / r
			e.thr[t].off[p], e.thr[t].lim[p] = int32(thr-1), uint32(2*thr-1)
		}
	}
}

// quantThresholds tell the DCT which outputs quantise to zero: output n
// does iff uint32(v + off[n]) < lim[n] (|v| >= T is v+T-1 outside
// 0..2T-2). fdct's order; apart, as the assembly loads them.
type quantThresholds struct {
	off [64]int32
	lim [64]uint32
}

// fdct leaves the coefficients transposed: (u, v), natural index v*8+u, at
// u*8+v. unzigT maps the zig-zag order to that order, zigT the other way.
var unzigT, zigT = func() (unz, zig [64]uint8) {
	for k, n := range unzig {
		p := n%8*8 + n/8
		unz[k], zig[p] = p, uint8(k)
	}
	return unz, zig
}()

// appendJPEG appends the entropy-coded scan of the w x h region of px (4
// bytes a pixel, rows stride bytes apart, in format f) at quality q.
func (e *jpegEncoder) appendJPEG(dst, px []byte, stride, w, h int, f PixelFormat, q int) []byte {
	e.setQuality(q)
	rs, bs := uint(0), uint(16) // shifts of R and B in a little-endian pixel word
	if f == BGRA {
		rs, bs = 16, 0
	}
	mcus := (w + 15) / 16
	e.out = dst
	e.acc, e.nacc = 0, 0
	var dcY, dcCb, dcCr int32
	for my := 0; my < h; my += 16 {
		// Rows past the bottom repeat the last one.
		for r := 0; r < 16; r += 2 {
			r0 := px[min(my+r, h-1)*stride:][:w*4]
			r1 := px[min(my+r+1, h-1)*stride:][:w*4]
			for m := e.convertFast(r0, r1, w/16, r/2, rs, bs); m < mcus; m++ {
				convertRows(&e.mcu[m], e.span(0, r0, m*16), e.span(1, r1, m*16), r/2, rs, bs)
			}
		}
		for m := range mcus {
			b := &e.mcu[m]
			dcY = e.block(&b[0], 0, dcY)
			dcY = e.block(&b[1], 0, dcY)
			dcY = e.block(&b[2], 0, dcY)
			dcY = e.block(&b[3], 0, dcY)
			dcCb = e.block(&b[4], 1, dcCb)
			dcCr = e.block(&b[5], 1, dcCr)
		}
	}
	// Pad the last byte with 1 bits.
	acc, nacc, out := e.acc, e.nacc, e.out
	if pad := (8 - nacc%8) % 8; pad > 0 {
		acc = acc<<pad | 1<<pad - 1
		nacc += pad
	}
	for nacc >= 8 {
		nacc -= 8
		b := byte(acc >> nacc)
		out = append(out, b)
		if b == 0xFF {
			out = append(out, 0)
		}
	}
	e.out = nil
	return out
}

// span returns the 16 pixels of row from pixel x on, repeating the row's
// last pixel where it is shorter (into edge[i]).
func (e *jpegEncoder) span(i int, row []byte, x int) *[64]byte {
	if x*4+64 <= len(row) {
		return (*[64]byte)(row[x*4:])
	}
	p := &e.edge[i&1]
	n := copy(p[:], row[x*4:])
	for j := n; j < 64; j += 4 {
		copy(p[j:j+4], p[n-4:n])
	}
	return p
}

// convertRows converts two rows of 16 pixels, s0 above s1, that are rows
// 2*pr and 2*pr+1 of the MCU m: into its luma blocks and, averaged over 2x2,
// its chroma blocks.
func convertRows(m *[6][64]int32, s0, s1 *[64]byte, pr int, rs, bs uint) {
	pr &= 7
	yb, yo := pr>>2<<1, (pr&3)*16
	convert8((*[16]int32)(m[yb][yo:]), (*[4]int32)(m[4][pr*8:]), (*[4]int32)(m[5][pr*8:]), (*[32]byte)(s0[:32]), (*[32]byte)(s1[:32]), rs, bs)
	convert8((*[16]int32)(m[yb+1][yo:]), (*[4]int32)(m[4][pr*8+4:]), (*[4]int32)(m[5][pr*8+4:]), (*[32]byte)(s0[32:]), (*[32]byte)(s1[32:]), rs, bs)
}

// convert8 converts 2 rows of 8 pixels, a above b: luma into two block
// rows of y, chroma into one row of 4 of cb and cr.
func convert8(y *[16]int32, cb, cr *[4]int32, a, b *[32]byte, rs, bs uint) {
	for i := range 4 {
		p0 := binary.LittleEndian.Uint32(a[i*8:])
		p1 := binary.LittleEndian.Uint32(a[i*8+4:])
		p2 := binary.LittleEndian.Uint32(b[i*8:])
		p3 := binary.LittleEndian.Uint32(b[i*8+4:])
		r0, g0, b0 := int32(p0>>(rs&31)&0xFF), int32(p0>>8&0xFF), int32(p0>>(bs&31)&0xFF)
		r1, g1, b1 := int32(p1>>(rs&31)&0xFF), int32(p1>>8&0xFF), int32(p1>>(bs&31)&0xFF)
		r2, g2, b2 := int32(p2>>(rs&31)&0xFF), int32(p2>>8&0xFF), int32(p2>>(bs&31)&0xFF)
		r3, g3, b3 := int32(p3>>(rs&31)&0xFF), int32(p3>>8&0xFF), int32(p3>>(bs&31)&0xFF)
		y[2*i] = (yR*r0 + yG*g0 + yB*b0 + lumaBias) >> (16 - jpegFrac)
		y[2*i+1] = (yR*r1 + yG*g1 + yB*b1 + lumaBias) >> (16 - jpegFrac)
		y[2*i+8] = (yR*r2 + yG*g2 + yB*b2 + lumaBias) >> (16 - jpegFrac)
		y[2*i+9] = (yR*r3 + yG*g3 + yB*b3 + lumaBias) >> (16 - jpegFrac)
		sr, sg, sb := r0+r1+r2+r3, g0+g1+g2+g3, b0+b1+b2+b3
		cb[i] = (cbR*sr + cbG*sg + cbB*sb + chromaBias) >> (18 - jpegFrac)
		cr[i] = (crR*sr + crG*sg + crB*sb + chromaBias) >> (18 - jpegFrac)
	}
}

// block transforms, quantises and codes one block with table t, and
// returns its DC value.
func (e *jpegEncoder) block(b *[64]int32, t int, prevDC int32) int32 {
	t &= 1
	// mask has bit k set if the coefficient k (zig-zag order) is not zero.
	nat := e.transform(b, t) &^ 1
	var mask uint64
	for nat != 0 {
		mask |= 1 << (zigT[bits.TrailingZeros64(nat)&63] & 63)
		nat &= nat - 1
	}
	rc := &e.recip[t]
	dc := quant(b[0], rc[0], dcBias)

	acc, nacc, out := e.acc, e.nacc, e.out
	dcTab, acTab := &jpegTables.enc[2*t], &jpegTables.enc[2*t+1]
	// DC: the difference from the previous block's.
	d := dc - prevDC
	ds := d >> 31
	size := uint(bits.Len32(uint32((d ^ ds) - ds)))
	hc := dcTab[size]
	n := uint(hc>>24) + size
	acc = acc<<n | uint64(hc&0xFFFF)<<size | uint64(uint32(d+ds)&(1<<size-1))
	nacc += n
	if nacc >= 32 {
		nacc -= 32
		out = appendStuffed32(out, uint32(acc>>nacc))
	}
	last := 0
	for mask != 0 {
		k := bits.TrailingZeros64(mask)
		mask &= mask - 1
		run := k - last - 1
		last = k
		for run >= 16 {
			hc := acTab[0xF0]
			acc = acc<<(hc>>24) | uint64(hc&0xFFFF)
			nacc += uint(hc >> 24)
			if nacc >= 32 {
				nacc -= 32
				out = appendStuffed32(out, uint32(acc>>nacc))
			}
			run -= 16
		}
		// AC rounds towards zero by jpegDeadZone more than to nearest.
		p := unzigT[k&63] & 63
		v := quantAC(b[p], rc[p])
		vs := v >> 31
		size := uint(bits.Len32(uint32((v ^ vs) - vs)))
		hc := acTab[uint(run)<<4|size]
		n := uint(hc>>24) + size
		acc = acc<<n | uint64(hc&0xFFFF)<<size | uint64(uint32(v+vs)&(1<<size-1))
		nacc += n
		if nacc >= 32 {
			nacc -= 32
			out = appendStuffed32(out, uint32(acc>>nacc))
		}
	}
	if last != 63 {
		hc := acTab[0x00]
		acc = acc<<(hc>>24) | uint64(hc&0xFFFF)
		nacc += uint(hc >> 24)
		if nacc >= 32 {
			nacc -= 32
			out = appendStuffed32(out, uint32(acc>>nacc))
		}
	}
	e.acc, e.nacc, e.out = acc, nacc, out
	return dc
}

// quant divides the DCT output v by the step whose reciprocal is r,
// rounding |v| up from bias (of 1<<quantBits).
func quant(v int32, r uint32, bias int64) int32 {
	w := int64(v)
	s := w >> 63
	return int32(((((w^s)-s)*int64(r)+bias)>>quantBits ^ s) - s)
}

// quantAC quantises an AC output: towards zero by jpegDeadZone more than
// to nearest.
func quantAC(v int32, r uint32) int32 { return quant(v, r, acBias) }

// appendStuffed32 appends w big-endian, stuffing a 0 after every 0xFF byte.
func appendStuffed32(out []byte, w uint32) []byte {
	if (w&0x80808080)&((w&0x7F7F7F7F)+0x01010101) == 0 {
		return binary.BigEndian.AppendUint32(out, w)
	}
	return appendStuffedSlow(out, w)
}

func appendStuffedSlow(out []byte, w uint32) []byte {
	for i := 24; i >= 0; i -= 8 {
		b := byte(w >> i)
		out = append(out, b)
		if b == 0xFF {
			out = append(out, 0)
		}
	}
	return out
}

// fdct is the forward AAN DCT of jfdctfst.c in more precise integers;
// output (u,v) is scaled by 8*aanScale[u]*aanScale[v]. The first pass
// reads the rows of d and writes them transposed into tmp, so that the
// second reads rows too (the compiler addresses columns poorly), and
// leaves d transposed. fdct returns the mask, in d's order, of the outputs
// that quantise to non-zero by thr: testing them while they are in
// registers is cheaper than quantising all.
func fdct(d, tmp *[64]int32, thr *quantThresholds) (mask uint64) {
	for i := range 8 {
		fdct8((*[8]int32)(d[i*8:]), (*[57]int32)(tmp[i:]))
	}
	for i := range 8 {
		mask |= fdct8q((*[8]int32)(tmp[i*8:]), (*[8]int32)(d[i*8:]), (*[8]int32)(thr.off[i*8:]), (*[8]uint32)(thr.lim[i*8:])) << (i * 8 & 63)
	}
	return mask
}

// fdct8 transforms the row r into o[0], o[8], ..., o[56].
func fdct8(r *[8]int32, o *[57]int32) {
	tmp0, tmp7 := int(r[0])+int(r[7]), int(r[0])-int(r[7])
	tmp1, tmp6 := int(r[1])+int(r[6]), int(r[1])-int(r[6])
	tmp2, tmp5 := int(r[2])+int(r[5]), int(r[2])-int(r[5])
	tmp3, tmp4 := int(r[3])+int(r[4]), int(r[3])-int(r[4])
	tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
	tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
	o[0], o[32] = int32(tmp10+tmp11), int32(tmp10-tmp11)
	z1 := ((tmp12+tmp13)*fdct0707 + fdctRound) >> fdctBits
	o[16], o[48] = int32(tmp13+z1), int32(tmp13-z1)
	tmp10, tmp11, tmp12 = tmp4+tmp5, tmp5+tmp6, tmp6+tmp7
	z5 := (tmp10 - tmp12) * fdct0382
	z2 := (tmp10*fdct0541 + z5 + fdctRound) >> fdctBits
	z4 := (tmp12*fdct1306 + z5 + fdctRound) >> fdctBits
	z3 := (tmp11*fdct0707 + fdctRound) >> fdctBits
	z11, z13 := tmp7+z3, tmp7-z3
	o[40], o[24], o[8], o[56] = int32(z13+z2), int32(z13-z2), int32(z11+z4), int32(z11-z4)
}

// fdct8q transforms r into o and returns the bits of the outputs that
// quantise to non-zero by off and lim.
func fdct8q(r, o *[8]int32, off *[8]int32, lim *[8]uint32) uint64 {
	tmp0, tmp7 := int(r[0])+int(r[7]), int(r[0])-int(r[7])
	tmp1, tmp6 := int(r[1])+int(r[6]), int(r[1])-int(r[6])
	tmp2, tmp5 := int(r[2])+int(r[5]), int(r[2])-int(r[5])
	tmp3, tmp4 := int(r[3])+int(r[4]), int(r[3])-int(r[4])
	tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
	tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
	o0, o4 := tmp10+tmp11, tmp10-tmp11
	z1 := ((tmp12+tmp13)*fdct0707 + fdctRound) >> fdctBits
	o2, o6 := tmp13+z1, tmp13-z1
	tmp10, tmp11, tmp12 = tmp4+tmp5, tmp5+tmp6, tmp6+tmp7
	z5 := (tmp10 - tmp12) * fdct0382
	z2 := (tmp10*fdct0541 + z5 + fdctRound) >> fdctBits
	z4 := (tmp12*fdct1306 + z5 + fdctRound) >> fdctBits
	z3 := (tmp11*fdct0707 + fdctRound) >> fdctBits
	z11, z13 := tmp7+z3, tmp7-z3
	o5, o3, o1, o7 := z13+z2, z13-z2, z11+z4, z11-z4
	o[0], o[1], o[2], o[3] = int32(o0), int32(o1), int32(o2), int32(o3)
	o[4], o[5], o[6], o[7] = int32(o4), int32(o5), int32(o6), int32(o7)
	return nonZero(o0, off[0], lim[0]) | nonZero(o1, off[1], lim[1])<<1 | nonZero(o2, off[2], lim[2])<<2 |
		nonZero(o3, off[3], lim[3])<<3 | nonZero(o4, off[4], lim[4])<<4 | nonZero(o5, off[5], lim[5])<<5 |
		nonZero(o6, off[6], lim[6])<<6 | nonZero(o7, off[7], lim[7])<<7
}

// nonZero returns 1 if the DCT output v quantises to non-zero by its
// threshold's off and lim.
func nonZero(v int, off int32, lim uint32) uint64 {
	var bit uint64
	if uint32(int32(v)+off) >= lim {
		bit = 1
	}
	return bit
}

// jpegFile appends a complete baseline JFIF file around a scan written by
// jpegEncoder: what a browser's or image/jpeg's decoder reads.
func jpegFile(dst []byte, w, h, quality int, scan []byte) []byte {
	dst = append(dst, 0xFF, 0xD8) // SOI
	q := quantTables(quality)
	dst = append(dst, 0xFF, 0xDB, 0, 2+2*65) // DQT
	for t := range 2 {
		dst = append(dst, byte(t))
		dst = append(dst, q[t][:]...)
	}
	dst = append(dst, 0xFF, 0xC0, 0, 17, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3, // SOF0
		1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	dhtLen := 2
	for _, s := range huffSpecs {
		dhtLen += 17 + len(s.values)
	}
	dst = append(dst, 0xFF, 0xC4, byte(dhtLen>>8), byte(dhtLen)) // DHT
	for i, s := range huffSpecs {
		class := byte(i%2) << 4 // 0 DC, 1 AC
		dst = append(dst, class|byte(i/2))
		dst = append(dst, s.count[:]...)
		dst = append(dst, s.values...)
	}
	dst = append(dst, 0xFF, 0xDA, 0, 12, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 63, 0) // SOS
	dst = append(dst, scan...)
	return append(dst, 0xFF, 0xD9) // EOI
}
