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
// The encoder's transform is the floating-point AAN DCT of the IJG library
// (jfdctflt.c); the decoder (jpeg_decode.go) has an integer inverse with
// shortcuts for sparse blocks. The tables come from the JPEG standard and
// Go's image/jpeg.

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
// shifts the others towards zero) by this fraction of a quantisation step,
// as libjpeg-style encoders do: a coefficient just above half a step costs
// more bits than the error it removes. On recorded video at quality 40 it
// saves 12% of the JPEG bytes for 0.57 dB of PSNR, where lowering the
// quality to 36 saves 5% for 0.35 dB.
const jpegDeadZone = 0.2

// aanScale are the AAN DCT's per-frequency scale factors.
var aanScale = [8]float32{1, 1.387039845, 1.306562965, 1.175875602, 1, 0.785694958, 0.541196100, 0.275899379}

// jpegEncoder encodes regions of up to TileSize x TileSize pixels. It is
// per-worker scratch.
type jpegEncoder struct {
	quality int
	qz      [2][64]uint8   // quantisation tables, zig-zag order
	div     [2][64]float32 // 1/divisor for the AAN output, natural order

	y      [TileSize * TileSize]float32 // level-shifted luma, padded to 16s
	cb, cr [TileSize * TileSize / 4]float32
	block  [64]float32

	acc  uint64 // bits not yet written, MSB-aligned at bit 63-nacc
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
			e.div[t][n] = 1 / (float32(e.qz[t][k]) * aanScale[n/8] * aanScale[n%8] * 8)
		}
	}
}

// appendJPEG appends the entropy-coded scan of the w x h region of px (4
// bytes a pixel, rows stride bytes apart, in format f) at quality q.
func (e *jpegEncoder) appendJPEG(dst, px []byte, stride, w, h int, f PixelFormat, q int) []byte {
	e.setQuality(q)
	pw, ph := (w+15)&^15, (h+15)&^15
	rs, bs := uint(0), uint(16) // shifts of R and B in a little-endian pixel word
	if f == BGRA {
		rs, bs = 16, 0
	}
	// Colour conversion (JFIF), replicating the last column and row into the
	// padding; chroma averaged over 2x2.
	cw := pw / 2
	for y := 0; y < ph; y += 2 {
		r0 := px[min(y, h-1)*stride:][:w*4]
		r1 := px[min(y+1, h-1)*stride:][:w*4]
		yo0, yo1 := e.y[y*pw:y*pw+pw], e.y[(y+1)*pw:(y+1)*pw+pw]
		cb, cr := e.cb[(y/2)*cw:(y/2)*cw+cw], e.cr[(y/2)*cw:(y/2)*cw+cw]
		for x := 0; x < pw; x += 2 {
			x0, x1 := min(x, w-1)*4, min(x+1, w-1)*4
			p00 := binary.LittleEndian.Uint32(r0[x0:])
			p01 := binary.LittleEndian.Uint32(r0[x1:])
			p10 := binary.LittleEndian.Uint32(r1[x0:])
			p11 := binary.LittleEndian.Uint32(r1[x1:])
			rr0, gg0, bb0 := float32(p00>>rs&0xFF), float32(p00>>8&0xFF), float32(p00>>bs&0xFF)
			rr1, gg1, bb1 := float32(p01>>rs&0xFF), float32(p01>>8&0xFF), float32(p01>>bs&0xFF)
			rr2, gg2, bb2 := float32(p10>>rs&0xFF), float32(p10>>8&0xFF), float32(p10>>bs&0xFF)
			rr3, gg3, bb3 := float32(p11>>rs&0xFF), float32(p11>>8&0xFF), float32(p11>>bs&0xFF)
			yo0[x] = 0.299*rr0 + 0.587*gg0 + 0.114*bb0 - 128
			yo0[x+1] = 0.299*rr1 + 0.587*gg1 + 0.114*bb1 - 128
			yo1[x] = 0.299*rr2 + 0.587*gg2 + 0.114*bb2 - 128
			yo1[x+1] = 0.299*rr3 + 0.587*gg3 + 0.114*bb3 - 128
			sr, sg, sb := rr0+rr1+rr2+rr3, gg0+gg1+gg2+gg3, bb0+bb1+bb2+bb3
			cb[x/2] = (-0.168736*sr - 0.331264*sg + 0.5*sb) / 4
			cr[x/2] = (0.5*sr - 0.418688*sg - 0.081312*sb) / 4
		}
	}

	e.out = dst
	e.acc, e.nacc = 0, 0
	var dcY, dcCb, dcCr int32
	for my := 0; my < ph; my += 16 {
		for mx := 0; mx < pw; mx += 16 {
			dcY = e.block8(e.y[:], pw, mx, my, 0, dcY)
			dcY = e.block8(e.y[:], pw, mx+8, my, 0, dcY)
			dcY = e.block8(e.y[:], pw, mx, my+8, 0, dcY)
			dcY = e.block8(e.y[:], pw, mx+8, my+8, 0, dcY)
			dcCb = e.block8(e.cb[:], cw, mx/2, my/2, 1, dcCb)
			dcCr = e.block8(e.cr[:], cw, mx/2, my/2, 1, dcCr)
		}
	}
	// Pad the last byte with 1 bits.
	if e.nacc%8 != 0 {
		e.emit(1<<(8-e.nacc%8)-1, 8-e.nacc%8)
	}
	e.flush()
	return e.out
}

// block8 transforms, quantises and codes the 8x8 block at (x, y) of plane
// (rows stride apart) with table t, and returns its DC value.
func (e *jpegEncoder) block8(plane []float32, stride, x, y, t int, prevDC int32) int32 {
	b := &e.block
	for r := range 8 {
		copy(b[r*8:r*8+8], plane[(y+r)*stride+x:])
	}
	fdct(b)
	div := &e.div[t]
	var c [64]int32
	// DC rounds to nearest without a branch: |v| < 2048, so v+4096.5 is
	// positive and truncation is floor.
	c[0] = int32(b[0]*div[0]+4096.5) - 4096
	for k := 1; k < 64; k++ {
		n := unzig[k]
		// AC rounds towards zero by jpegDeadZone more than to nearest:
		// truncate |v| + 0.5 - jpegDeadZone, then restore the sign.
		v := b[n] * div[n]
		bits := math.Float32bits(v)
		sign := int32(bits) >> 31
		a := int32(math.Float32frombits(bits&^(1<<31)) + (0.5 - jpegDeadZone))
		c[k] = (a ^ sign) - sign
	}
	dc := &jpegTables.enc[2*t]
	ac := &jpegTables.enc[2*t+1]
	e.emitValue(dc, 0, c[0]-prevDC)
	run := uint32(0)
	for k := 1; k < 64; k++ {
		v := c[k]
		if v == 0 {
			run++
			continue
		}
		for run > 15 {
			e.emitCode(ac[0xF0])
			run -= 16
		}
		e.emitValue(ac, run, v)
		run = 0
	}
	if run > 0 {
		e.emitCode(ac[0x00])
	}
	return c[0]
}

// emitValue writes the code of (run, size of v) and then v's size bits.
func (e *jpegEncoder) emitValue(tab *huffEnc, run uint32, v int32) {
	a := v
	if a < 0 {
		a = -a
		v--
	}
	size := uint32(bits.Len32(uint32(a)))
	e.emitCode(tab[run<<4|size])
	if size > 0 {
		e.emit(uint64(v)&(1<<size-1), uint(size))
	}
}

func (e *jpegEncoder) emitCode(c uint32) { e.emit(uint64(c&0xFFFFFF), uint(c>>24)) }

// emit appends the low n bits of v to the bit stream.
func (e *jpegEncoder) emit(v uint64, n uint) {
	e.acc |= v << (64 - e.nacc - n)
	e.nacc += n
	if e.nacc >= 32 {
		e.flush32()
	}
}

// flush32 writes 32 bits, stuffing a 0 after every 0xFF byte.
func (e *jpegEncoder) flush32() {
	w := uint32(e.acc >> 32)
	if (w&0x80808080)&((w&0x7F7F7F7F)+0x01010101) == 0 {
		// No 0xFF byte: write the word at once.
		e.out = binary.BigEndian.AppendUint32(e.out, w)
	} else {
		for i := 24; i >= 0; i -= 8 {
			b := byte(w >> i)
			e.out = append(e.out, b)
			if b == 0xFF {
				e.out = append(e.out, 0)
			}
		}
	}
	e.acc <<= 32
	e.nacc -= 32
}

// flush writes the remaining whole bytes.
func (e *jpegEncoder) flush() {
	for e.nacc >= 8 {
		b := byte(e.acc >> 56)
		e.out = append(e.out, b)
		if b == 0xFF {
			e.out = append(e.out, 0)
		}
		e.acc <<= 8
		e.nacc -= 8
	}
}

// fdct is the forward AAN DCT of jfdctflt.c; output (u,v) is scaled by
// 8*aanScale[u]*aanScale[v].
func fdct(d *[64]float32) {
	for i := 0; i < 64; i += 8 {
		r := d[i : i+8 : i+8]
		tmp0, tmp7 := r[0]+r[7], r[0]-r[7]
		tmp1, tmp6 := r[1]+r[6], r[1]-r[6]
		tmp2, tmp5 := r[2]+r[5], r[2]-r[5]
		tmp3, tmp4 := r[3]+r[4], r[3]-r[4]
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		r[0], r[4] = tmp10+tmp11, tmp10-tmp11
		z1 := (tmp12 + tmp13) * 0.707106781
		r[2], r[6] = tmp13+z1, tmp13-z1
		tmp10, tmp11, tmp12 = tmp4+tmp5, tmp5+tmp6, tmp6+tmp7
		z5 := (tmp10 - tmp12) * 0.382683433
		z2 := 0.541196100*tmp10 + z5
		z4 := 1.306562965*tmp12 + z5
		z3 := tmp11 * 0.707106781
		z11, z13 := tmp7+z3, tmp7-z3
		r[5], r[3], r[1], r[7] = z13+z2, z13-z2, z11+z4, z11-z4
	}
	for i := range 8 {
		tmp0, tmp7 := d[i]+d[56+i], d[i]-d[56+i]
		tmp1, tmp6 := d[8+i]+d[48+i], d[8+i]-d[48+i]
		tmp2, tmp5 := d[16+i]+d[40+i], d[16+i]-d[40+i]
		tmp3, tmp4 := d[24+i]+d[32+i], d[24+i]-d[32+i]
		tmp10, tmp13 := tmp0+tmp3, tmp0-tmp3
		tmp11, tmp12 := tmp1+tmp2, tmp1-tmp2
		d[i], d[32+i] = tmp10+tmp11, tmp10-tmp11
		z1 := (tmp12 + tmp13) * 0.707106781
		d[16+i], d[48+i] = tmp13+z1, tmp13-z1
		tmp10, tmp11, tmp12 = tmp4+tmp5, tmp5+tmp6, tmp6+tmp7
		z5 := (tmp10 - tmp12) * 0.382683433
		z2 := 0.541196100*tmp10 + z5
		z4 := 1.306562965*tmp12 + z5
		z3 := tmp11 * 0.707106781
		z11, z13 := tmp7+z3, tmp7-z3
		d[40+i], d[24+i], d[8+i], d[56+i] = z13+z2, z13-z2, z11+z4, z11-z4
	}
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
