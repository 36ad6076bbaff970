package codec

import (
	"encoding/binary"
	"errors"
)

// The decoder's inverse DCT is in integers (exact, so the same on every
// platform) and skips the work that the zeros of a block make useless: at
// the qualities a screen is sent with, nearly every block has no
// coefficient outside the top-left 4x4 and a third have only DC (recorded
// video at quality 40), so most one-dimensional transforms have two or four
// inputs instead of eight. Each MCU is converted to RGBA as soon as it is
// decoded: an MCU of one chroma value as one 64-bit sum per pixel pair (and
// a luma block of one value as one colour), any other through tables that
// clamp, without branches. The samples of an MCU are kept block by block,
// 8 bytes a row, so that every offset in a block is a constant and the
// compiler drops the bounds checks; a small AC coefficient with a short
// code is decoded with one lookup (acFast). (A floating-point IDCT and a
// per-pixel colour conversion were 85% of the time of decoding a tile;
// then colour conversion was 40% of what was left, the bounds checks and
// loops of 8 around each block 20%.) All of it is pure Go: the browser
// viewer runs it as WebAssembly.

const (
	// idctFrac is the number of fraction bits of the dequantised
	// coefficients and of the values between the two passes.
	idctFrac = 12
	// idctConst is the number of fraction bits of the multipliers.
	idctConst = 13
	// idctBias, added to the DC coefficient, level-shifts the output by 128
	// and rounds it: the DC term reaches every sample with gain 1, and the
	// output is scaled by 8.
	idctBias = (128*8 + 4) << idctFrac
)

// aanQ are the AAN scale factors (jpeg.go's aanScale) in Q14.
var aanQ = [8]int64{16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520}

// Multipliers of the sparse transforms in Q(idctConst). With AAN-scaled
// inputs c[u] the one-dimensional inverse DCT is
// out[x] = sum over u of c[u] * cos((2x+1)u pi/16) / cos(u pi/16), and
// out[7-x] flips the sign of the odd terms.
const (
	k1x1 = 6945  // u=1, x=1: 0.8477590650
	k1x2 = 4640  // u=1, x=2: 0.5664544974
	k1x3 = 1629  // u=1, x=3: 0.1989123674
	k2x1 = 3393  // u=2, x=1: 0.4142135624 (x=2: minus it, x=3: -1)
	k3x1 = -1922 // u=3, x=1: -0.2346331353
	k3x2 = -9663 // u=3, x=2: -1.1795804271
	k3x3 = -5474 // u=3, x=3: -0.6681786379
)

// Multipliers of the full AAN transform (jidctflt.c) in Q(idctConst).
const (
	aan1414 = 11585 // 1.414213562
	aan1847 = 15137 // 1.847759065
	aan1082 = 8867  // 1.082392200
	aan2613 = 21407 // 2.613125930
)

// acFastBits is the width of the lookup of acFast.
const acFastBits = 10

// acFastEOB marks an entry of acFast that is the end of the block.
const acFastEOB = 1 << 7

// acFast decodes, for the luma and the chroma AC table, a whole AC
// coefficient (its code and its magnitude bits) from the next acFastBits
// bits when they hold both, and the end-of-block code: value<<16 | run<<8
// | bits to consume, or acFastEOB | bits to consume. 0: neither (a longer
// code or value, or the run of 16 zeros), left to the table of the code.
// Most coefficients at the qualities a screen is sent with are small
// values with short codes.
var acFast = func() (f [2][1 << acFastBits]int32) {
	for t := range 2 {
		enc := &jpegTables.enc[2*t+1]
		for sym := range 256 {
			c := enc[sym]
			l := uint(c >> 24)
			r, s := sym>>4, uint(sym&15)
			if l == 0 || l+s > acFastBits || (s == 0 && r == 15) {
				continue
			}
			code := int(c & 0xFFFF)
			free := acFastBits - l - s // bits after the code and the magnitude
			for m := range 1 << s {
				var e int32
				if s == 0 {
					e = acFastEOB | int32(l)
				} else {
					v := m
					if v < 1<<(s-1) {
						v += -1<<s + 1
					}
					e = int32(v)<<16 | int32(r)<<8 | int32(l+s)
				}
				base := (code<<s | m) << free
				for j := range 1 << free {
					f[t][base|j] = e
				}
			}
		}
	}
	return f
}()

// jpegDecoder decodes scans written by jpegEncoder (and any baseline scan
// with the same fixed parameters). It is reused: no allocation per call.
// On amd64 with AVX2, the inverse DCT and the colour conversion run as
// assembly (jpeg_decode_amd64.s) that gives the same pixels: decoding is
// 1.7-2x faster (BenchmarkJPEGDecodeTiles).
type jpegDecoder struct {
	quality int
	mul     [2][64]int32 // dequantisation times the AAN scale, Q(idctFrac), natural order

	coef [64]int // the block being decoded; all zero between blocks
	ws   [64]int // between the two passes of the IDCT

	// The samples of one MCU, block by block (rows 8 bytes apart, so
	// that the offsets of a block are constants): four 8x8 luma blocks
	// (top left, top right, bottom left, bottom right), then 8x8 Cb and
	// 8x8 Cr.
	mcuY  [256]uint8
	mcuC  [128]uint8
	flat  bool          // the last block decoded had only a DC coefficient
	flatY [4]bool       // which luma blocks of the MCU had only DC
	part  [16 * 64]byte // an MCU in RGBA, of which putPartMCU copies a part

	data []byte
	pos  int
	acc  uint64 // MSB-aligned bits
	nacc uint
	pad  uint // 1 bits appended past the end of data

	_ cacheLinePad // a Decoder keeps one per worker, side by side
}

var (
	errJPEGMarker = errors.New("marker or unstuffed 0xFF in scan data")
	errJPEGShort  = errors.New("scan data ends early")
	errJPEGCode   = errors.New("invalid Huffman code")
	errJPEGCoef   = errors.New("coefficients run past the block")
	errJPEGTail   = errors.New("bytes or non-1 padding after the last block")
)

func (d *jpegDecoder) setQuality(q int) {
	if d.quality == q {
		return
	}
	d.quality = q
	qz := quantTables(q)
	for t := range 2 {
		for k := range 64 {
			n := unzig[k]
			// Q14 * Q14 = Q28, rounded to Q(idctFrac).
			const sh = 28 - idctFrac
			d.mul[t][n] = int32((int64(qz[t][k])*aanQ[n/8]*aanQ[n%8] + 1<<(sh-1)) >> sh)
		}
	}
}

// fill tops the bit buffer up to more than 56 bits.
func (d *jpegDecoder) fill() error {
	// Eight bytes at once when none of them is 0xFF (a stuffed 0xFF 0x00 or
	// a marker), which is most of the time.
	if d.pos+8 <= len(d.data) {
		x := binary.BigEndian.Uint64(d.data[d.pos:])
		if (^x-0x0101010101010101)&x&0x8080808080808080 == 0 {
			n := (64 - d.nacc) / 8
			d.acc |= x &^ (1<<(64-8*n) - 1) >> d.nacc
			d.pos += int(n)
			d.nacc += 8 * n
			return nil
		}
	}
	for d.nacc <= 56 {
		if d.pos < len(d.data) {
			c := d.data[d.pos]
			d.pos++
			if c == 0xFF {
				if d.pos >= len(d.data) || d.data[d.pos] != 0 {
					return errJPEGMarker
				}
				d.pos++
			}
			d.acc |= uint64(c) << (56 - d.nacc)
		} else {
			if d.pad >= 64 {
				return errJPEGShort
			}
			d.acc |= 0xFF << (56 - d.nacc)
			d.pad += 8
		}
		d.nacc += 8
	}
	return nil
}

// huff decodes one symbol with table t; the buffer holds at least 16 bits.
func (d *jpegDecoder) huff(t *huffDec) (uint8, bool) {
	if v := t.lookup[d.acc>>(64-huffLookupBits)]; v != 0 {
		n := uint(v >> 8)
		d.acc <<= n
		d.nacc -= n
		return uint8(v), true
	}
	return d.huffSlow(t)
}

// huffSlow decodes a code longer than huffLookupBits.
func (d *jpegDecoder) huffSlow(t *huffDec) (uint8, bool) {
	for l := huffLookupBits + 1; l <= 16; l++ {
		code := int32(d.acc >> (64 - l))
		if code <= t.maxCode[l] {
			d.acc <<= uint(l)
			d.nacc -= uint(l)
			return t.values[t.valPtr[l]+code-t.minCode[l]], true
		}
	}
	return 0, false
}

// receive reads an n-bit magnitude (1 <= n <= 15; the buffer holds n bits)
// and extends its sign.
func (d *jpegDecoder) receive(n uint8) int {
	v := int(d.acc >> (64 - n))
	d.acc <<= n
	d.nacc -= uint(n)
	if v < 1<<(n-1) {
		v += -1<<n + 1
	}
	return v
}

// decode decodes the scan data of a w x h region at quality q into out (RGBA,
// rows stride bytes apart). It fails if data is not exactly one scan; out
// is then undefined.
func (d *jpegDecoder) decode(out []byte, stride, w, h, q int, data []byte) error {
	d.setQuality(q)
	d.data, d.pos, d.acc, d.nacc, d.pad = data, 0, 0, 0, 0
	if err := d.scan(out, stride, w, h); err != nil {
		clear(d.coef[:]) // a failed block may leave coefficients behind
		return err
	}
	return nil
}

// scan decodes the MCUs of a w x h region, converting each to RGBA as soon
// as it is decoded (while in cache), and checks what follows the last one.
func (d *jpegDecoder) scan(out []byte, stride, w, h int) error {
	var dcY, dcCb, dcCr int
	var err error
	for my := 0; my < h; my += 16 {
		for mx := 0; mx < w; mx += 16 {
			for b := range 4 {
				if dcY, err = d.block((*[64]uint8)(d.mcuY[64*b:]), 0, dcY); err != nil {
					return err
				}
				d.flatY[b] = d.flat
			}
			if dcCb, err = d.block((*[64]uint8)(d.mcuC[0:]), 1, dcCb); err != nil {
				return err
			}
			flatChroma := d.flat
			if dcCr, err = d.block((*[64]uint8)(d.mcuC[64:]), 1, dcCr); err != nil {
				return err
			}
			flatChroma = flatChroma && d.flat
			o := out[my*stride+mx*4:]
			switch {
			case mx+16 > w || my+16 > h:
				d.putPartMCU(o, stride, min(w-mx, 16), min(h-my, 16))
			case d.putMCUAsm(o, stride):
				// Faster than putFlatChromaMCU too.
			case !flatChroma || !d.putFlatChromaMCU(o, stride):
				d.putMCU(o, stride)
			}
		}
	}
	// What is left must be fewer than 8 bits of 1s from the last byte.
	if d.pad > d.nacc || d.pos != len(d.data) {
		return errJPEGTail
	}
	if real := d.nacc - d.pad; real >= 8 || (real > 0 && d.acc>>(64-real) != 1<<real-1) {
		return errJPEGTail
	}
	return nil
}

// block decodes one block with table set t (0 luma, 1 chroma) into plane
// and returns its DC value.
func (d *jpegDecoder) block(plane *[64]uint8, t int, prevDC int) (int, error) {
	// Every step below takes at most 31 bits: a code of up to 16 and a
	// magnitude of up to 15.
	if d.nacc < 32 {
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
	s, ok := d.huff(&jpegTables.dec[2*(t&1)])
	if !ok || s > 11 {
		return 0, errJPEGCode
	}
	dc := prevDC
	if s > 0 {
		dc += d.receive(s)
		if dc < -2048 || dc > 2047 {
			return 0, errJPEGCoef
		}
	}
	c := &d.coef
	mul := &d.mul[t&1]
	acTab := &jpegTables.dec[2*(t&1)+1]
	fast := &acFast[t&1]
	// rows and cols have bit i set if row or column i holds a nonzero
	// coefficient (DC aside). The bit buffer is kept in locals, which the
	// compiler keeps in registers.
	var rows, cols uint
	acc, nacc := d.acc, d.nacc
	for k := 1; k < 64; k++ {
		if nacc < 32 {
			d.acc, d.nacc = acc, nacc
			if err := d.fill(); err != nil {
				return 0, err
			}
			acc, nacc = d.acc, d.nacc
		}
		if e := fast[acc>>(64-acFastBits)]; e != 0 {
			n := uint(e & 31)
			acc <<= n
			nacc -= n
			if e&acFastEOB != 0 {
				break
			}
			k += int(e >> 8 & 15)
			if k > 63 {
				return 0, errJPEGCoef
			}
			n = uint(unzig[k&63])
			c[n] = int(e>>16) * int(mul[n])
			rows |= 1 << (n >> 3)
			cols |= 1 << (n & 7)
			continue
		}
		var rs uint8
		if e := acTab.lookup[acc>>(64-huffLookupBits)]; e != 0 {
			n := uint(e >> 8)
			acc <<= n
			nacc -= n
			rs = uint8(e)
		} else {
			d.acc, d.nacc = acc, nacc
			if rs, ok = d.huffSlow(acTab); !ok {
				return 0, errJPEGCode
			}
			acc, nacc = d.acc, d.nacc
		}
		r, s := int(rs>>4), uint(rs&15)
		if s == 0 {
			if r != 15 {
				break // end of block
			}
			k += 15
			continue
		}
		k += r
		if k > 63 {
			return 0, errJPEGCoef
		}
		// The s-bit magnitude, sign-extended.
		v := int(acc >> (64 - s))
		acc <<= s
		nacc -= s
		if v < 1<<(s-1) {
			v += -1<<s + 1
		}
		n := unzig[k&63]
		c[n] = v * int(mul[n])
		rows |= 1 << (n >> 3)
		cols |= 1 << (n & 7)
	}
	d.acc, d.nacc = acc, nacc
	d.flat = rows == 0
	if rows == 0 {
		v := uint64(clampSample((dc*int(mul[0]) + idctBias) >> (idctFrac + 3)))
		fillBlock(plane, v*0x0101010101010101)
		return dc, nil
	}
	c[0] = dc*int(mul[0]) + idctBias
	d.idctBlockFast(plane, rows|1, cols|1)
	// Clearing the rows up to the last that holds a coefficient, in
	// sizes the compiler clears with a few stores, costs less than
	// testing each row.
	switch {
	case rows <= 0x1:
		clear(c[:8])
	case rows <= 0x3:
		clear(c[:16])
	case rows <= 0xF:
		clear(c[:32])
	default:
		clear(c[:])
	}
	return dc, nil
}

// idctShape returns which transforms idctBlock applies to the columns
// (bits 0-1) and to the rows (bits 2-3): 0 idct2, 1 idct4, 2 idct8.
func idctShape(rows, cols uint) uint {
	kind := func(mask uint) uint {
		switch {
		case mask <= 0x3:
			return 0
		case mask <= 0xF:
			return 1
		}
		return 2
	}
	return kind(rows) | kind(cols)<<2
}

// fillBlock sets every row of plane to row.
func fillBlock(plane *[64]uint8, row uint64) {
	binary.LittleEndian.PutUint64(plane[0:], row)
	binary.LittleEndian.PutUint64(plane[8:], row)
	binary.LittleEndian.PutUint64(plane[16:], row)
	binary.LittleEndian.PutUint64(plane[24:], row)
	binary.LittleEndian.PutUint64(plane[32:], row)
	binary.LittleEndian.PutUint64(plane[40:], row)
	binary.LittleEndian.PutUint64(plane[48:], row)
	binary.LittleEndian.PutUint64(plane[56:], row)
}

// idct is idctBlock into the 8x8 area at the start of plane, rows stride
// bytes apart (for TestIDCTSparse; the decoder writes whole blocks).
func (d *jpegDecoder) idct(plane []uint8, stride int, rows, cols uint) {
	var b [64]uint8
	d.idctBlock(&b, rows, cols)
	for r := range 8 {
		copy(plane[r*stride:r*stride+8], b[8*r:8*r+8])
	}
}

// idctBlock transforms d.coef (nonzero only in the rows and columns whose
// bits are set) into the samples of plane. The one-dimensional transforms
// return their eight outputs as values, not arrays, so that they stay in
// registers.
func (d *jpegDecoder) idctBlock(plane *[64]uint8, rows, cols uint) {
	c, ws := &d.coef, &d.ws
	switch {
	case rows == 1:
		// Only horizontal frequencies: every row is the same.
		var row uint64
		switch {
		case cols <= 0x3:
			row = packRow(shSparse)(idct2(c[0], c[1]))
		case cols <= 0xF:
			row = packRow(shSparse)(idct4(c[0], c[1], c[2], c[3]))
		default:
			row = packRow(shFull)(idct8(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]))
		}
		fillBlock(plane, row)
		return
	case cols == 1:
		// Only vertical frequencies: every row is one value.
		var col uint64
		switch {
		case rows <= 0x3:
			col = packRow(shSparse)(idct2(c[0], c[8]))
		case rows <= 0xF:
			col = packRow(shSparse)(idct4(c[0], c[8], c[16], c[24]))
		default:
			col = packRow(shFull)(idct8(c[0], c[8], c[16], c[24], c[32], c[40], c[48], c[56]))
		}
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[8*r:], uint64(uint8(col>>(8*r)))*0x0101010101010101)
		}
		return
	}
	// Columns first, only as many as hold coefficients (the others are
	// zero), each with as many inputs as there are rows with coefficients;
	// ws holds them transposed, a column in a row.
	ncols := 8
	if cols <= 0x3 {
		ncols = 2
	} else if cols <= 0xF {
		ncols = 4
	}
	// The shape tests are outside the loops; i&7 (a no-op) spares the
	// bounds checks.
	switch {
	case rows <= 0x3:
		for i := range ncols {
			i &= 7
			col := (*[8]int)(ws[8*i : 8*i+8])
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = descale(idct2(c[i], c[8+i]))
		}
	case rows <= 0xF:
		for i := range ncols {
			i &= 7
			col := (*[8]int)(ws[8*i : 8*i+8])
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = descale(idct4(c[i], c[8+i], c[16+i], c[24+i]))
		}
	default:
		for i := range ncols {
			i &= 7
			col := (*[8]int)(ws[8*i : 8*i+8])
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = idct8(c[i], c[8+i], c[16+i], c[24+i], c[32+i], c[40+i], c[48+i], c[56+i])
		}
	}
	switch ncols {
	case 2:
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[8*r:], packRow(shSparse)(idct2(ws[r], ws[8+r])))
		}
	case 4:
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[8*r:], packRow(shSparse)(idct4(ws[r], ws[8+r], ws[16+r], ws[24+r])))
		}
	default:
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[8*r:], packRow(shFull)(idct8(ws[r], ws[8+r], ws[16+r], ws[24+r], ws[32+r], ws[40+r], ws[48+r], ws[56+r])))
		}
	}
}

// descale takes the outputs of idct2 or idct4 to the fraction bits of their
// inputs.
func descale(v0, v1, v2, v3, v4, v5, v6, v7 int) (o0, o1, o2, o3, o4, o5, o6, o7 int) {
	return v0 >> idctConst, v1 >> idctConst, v2 >> idctConst, v3 >> idctConst,
		v4 >> idctConst, v5 >> idctConst, v6 >> idctConst, v7 >> idctConst
}

// Shifts that take the outputs of a second pass to samples.
const (
	shSparse = idctFrac + idctConst + 3 // idct2, idct4
	shFull   = idctFrac + 3             // idct8
)

// packRow returns a function that shifts eight IDCT outputs right by sh,
// clamps them to 0..255 and packs them into a word, first sample lowest. A
// function literal called at once is inlined whatever its size, which the
// compiler would not do for a function of nine parameters; the shift comes
// first because a call whose only argument is the transform can take its
// eight results.
func packRow(sh uint) func(v0, v1, v2, v3, v4, v5, v6, v7 int) uint64 {
	return func(v0, v1, v2, v3, v4, v5, v6, v7 int) uint64 {
		v0, v1, v2, v3 = v0>>sh, v1>>sh, v2>>sh, v3>>sh
		v4, v5, v6, v7 = v4>>sh, v5>>sh, v6>>sh, v7>>sh
		if uint(v0|v1|v2|v3|v4|v5|v6|v7) > 255 {
			v0, v1, v2, v3 = clampSample(v0), clampSample(v1), clampSample(v2), clampSample(v3)
			v4, v5, v6, v7 = clampSample(v4), clampSample(v5), clampSample(v6), clampSample(v7)
		}
		return uint64(v0) | uint64(v1)<<8 | uint64(v2)<<16 | uint64(v3)<<24 |
			uint64(v4)<<32 | uint64(v5)<<40 | uint64(v6)<<48 | uint64(v7)<<56
	}
}

// clampSample clamps v to 0..255.
func clampSample[T int | int32](v T) T { return min(max(v, 0), 255) }

// idct2 is the one-dimensional inverse DCT of AAN-scaled inputs of which
// only the first two may be nonzero; the outputs have idctConst more
// fraction bits than the inputs.
func idct2(c0, c1 int) (o0, o1, o2, o3, o4, o5, o6, o7 int) {
	e := c0 << idctConst
	p0, p1, p2, p3 := c1<<idctConst, c1*k1x1, c1*k1x2, c1*k1x3
	return e + p0, e + p1, e + p2, e + p3, e - p3, e - p2, e - p1, e - p0
}

// idct4 is idct2 for inputs of which the first four may be nonzero.
func idct4(c0, c1, c2, c3 int) (o0, o1, o2, o3, o4, o5, o6, o7 int) {
	a, b := c0<<idctConst, c2<<idctConst
	t := c2 * k2x1
	e0, e1, e2, e3 := a+b, a+t, a-t, a-b
	p0 := (c1 + c3) << idctConst
	p1 := c1*k1x1 + c3*k3x1
	p2 := c1*k1x2 + c3*k3x2
	p3 := c1*k1x3 + c3*k3x3
	return e0 + p0, e1 + p1, e2 + p2, e3 + p3, e3 - p3, e2 - p2, e1 - p1, e0 - p0
}

// idct8 is the full one-dimensional AAN inverse DCT of jidctflt.c in fixed
// point; the outputs have as many fraction bits as the inputs.
func idct8(c0, c1, c2, c3, c4, c5, c6, c7 int) (o0, o1, o2, o3, o4, o5, o6, o7 int) {
	tmp10, tmp11 := c0+c4, c0-c4
	tmp13 := c2 + c6
	tmp12 := (c2-c6)*aan1414>>idctConst - tmp13
	tmp0, tmp3 := tmp10+tmp13, tmp10-tmp13
	tmp1, tmp2 := tmp11+tmp12, tmp11-tmp12
	z13, z10 := c5+c3, c5-c3
	z11, z12 := c1+c7, c1-c7
	tmp7 := z11 + z13
	tmp11 = (z11 - z13) * aan1414 >> idctConst
	z5 := (z10 + z12) * aan1847 >> idctConst
	tmp10 = z12*aan1082>>idctConst - z5
	tmp12 = z5 - z10*aan2613>>idctConst
	tmp6 := tmp12 - tmp7
	tmp5 := tmp11 - tmp6
	tmp4 := tmp10 + tmp5
	return tmp0 + tmp7, tmp1 + tmp6, tmp2 + tmp5, tmp3 - tmp4, tmp3 + tmp4, tmp2 - tmp5, tmp1 - tmp6, tmp0 - tmp7
}

// colourTab are the chroma terms of the JFIF conversion in 16.16 fixed
// point, indexed by Cb or Cr: R = Y + crR, G = Y + (cbG + crG) >> 16,
// B = Y + cbB. crR and cbB are rounded; crG includes the rounding of G.
var colourTab = func() (t struct {
	crR, cbB, cbG, crG [256]int32
	// clampR[i] is i-256 clamped to 0..255 in the R byte of a pixel;
	// clampG and clampB likewise, clampB with alpha 255. Luma plus 256
	// plus a chroma term (within -227..227) is within 29..738.
	clampR, clampG, clampB [768]uint32
}) {
	for i := range 768 {
		v := uint32(clampSample(i - 256))
		t.clampR[i], t.clampG[i], t.clampB[i] = v, v<<8, v<<16|0xFF000000
	}
	for i := range 256 {
		v := int32(i) - 128
		t.crR[i] = (91881*v + 1<<15) >> 16
		t.cbB[i] = (116130*v + 1<<15) >> 16
		t.cbG[i] = -22554 * v
		t.crG[i] = -46802*v + 1<<15
	}
	return t
}()

// putMCU converts the decoded MCU to 16x16 opaque RGBA pixels at the start
// of out (rows stride bytes apart), chroma upsampled by replication.
func (d *jpegDecoder) putMCU(out []byte, stride int) {
	for r := 0; r < 16; r += 2 {
		d.putRows(out[r*stride:], stride, r)
	}
}

// putRows converts rows r and r+1 (r even) of the MCU to 16 pixels each at
// the start of out and stride bytes further.
func (d *jpegDecoder) putRows(out []byte, stride, r int) {
	yb := r>>3*128 + r&7*8 // rows r and r+1 of the left block
	convert16(
		(*[64]byte)(out[:64]),
		(*[64]byte)(out[stride:stride+64]),
		(*[16]uint8)(d.mcuY[yb:yb+16]),
		(*[16]uint8)(d.mcuY[yb+64:yb+80]),
		(*[72]uint8)(d.mcuC[r*4:r*4+72]))
}

// putFlatChromaMCU is putMCU for an MCU of one chroma value (most of
// them: a chroma block has only DC seven times in ten), when no pixel needs
// clamping: then every pair of pixels is one 64-bit sum, the luma bytes
// plus the chroma terms (signed, as one integer), which cannot carry from
// one byte into the next, and the test for clamping is on luma alone,
// eight samples at a time. A luma block of one value (DC only) is one
// colour. It reports false, having written nothing, if some pixel needs
// clamping.
func (d *jpegDecoder) putFlatChromaMCU(out []byte, stride int) bool {
	dr, dg, db := chromaTerms(d.mcuC[0], d.mcuC[64])
	// Luma in lo..hi needs no clamping: no byte may be above hi, nor its
	// complement above 255-lo.
	lo, hi := max(-min(dr, dg, db), 0), min(255-max(dr, dg, db), 255)
	if lo > hi {
		return false
	}
	const low7, ones = 0x7F7F7F7F7F7F7F7F, 0x0101010101010101
	// The high bit of a byte of x&low7 + kHi tells whether its low 7 bits
	// are above those of hi; no byte carries into the next. A byte is above
	// hi if that and (hi >= 128) or (hi < 128) its own high bit is set.
	kHi, kLo := uint64(127-hi&127)*ones, uint64(127-(255-lo)&127)*ones
	var mHi, mLo uint64 // all ones: "or", else "and"
	if hi < 128 {
		mHi = ^uint64(0)
	}
	if 255-lo < 128 {
		mLo = ^uint64(0)
	}
	var above uint64
	for q := range 4 {
		n := 64
		if d.flatY[q] {
			n = 8 // one value: its first eight are all of them
		}
		blk := d.mcuY[64*q : 64*q+n]
		for i := 0; i+8 <= len(blk); i += 8 {
			x := binary.LittleEndian.Uint64(blk[i : i+8])
			xl := x & low7
			tHi, tLo := xl+kHi, xl^low7+kLo // ^x&low7 = xl^low7
			above |= x&tHi | (x|tHi)&mHi | ^x&tLo | (^x|tLo)&mLo
		}
	}
	if above&0x8080808080808080 != 0 {
		return false
	}
	delta := uint64((int64(dr) + int64(dg)<<8 + int64(db)<<16 + 0xFF<<24) * (1 + 1<<32))
	for q := range 4 {
		o := out[(q>>1)*8*stride+(q&1)*32:]
		y := (*[64]uint8)(d.mcuY[64*q : 64*q+64])
		if d.flatY[q] {
			v := uint64(y[0])*(0x010101|0x010101<<32) + delta
			for r := range 8 {
				row := (*[32]byte)(o[r*stride : r*stride+32])
				binary.LittleEndian.PutUint64(row[0:], v)
				binary.LittleEndian.PutUint64(row[8:], v)
				binary.LittleEndian.PutUint64(row[16:], v)
				binary.LittleEndian.PutUint64(row[24:], v)
			}
			continue
		}
		for r := range 8 {
			row := (*[32]byte)(o[r*stride : r*stride+32])
			l := (*[8]uint8)(y[8*r : 8*r+8])
			binary.LittleEndian.PutUint64(row[0:], (uint64(l[0])|uint64(l[1])<<32)*0x010101+delta)
			binary.LittleEndian.PutUint64(row[8:], (uint64(l[2])|uint64(l[3])<<32)*0x010101+delta)
			binary.LittleEndian.PutUint64(row[16:], (uint64(l[4])|uint64(l[5])<<32)*0x010101+delta)
			binary.LittleEndian.PutUint64(row[24:], (uint64(l[6])|uint64(l[7])<<32)*0x010101+delta)
		}
	}
	return true
}

// putPartMCU is putMCU for the w x h top-left part of the MCU (at the
// right or bottom edge of the region): the whole MCU into d.part, then the
// part of it.
func (d *jpegDecoder) putPartMCU(out []byte, stride, w, h int) {
	if w == 16 && h%2 == 0 { // the bottom edge of most regions
		for r := 0; r < h; r += 2 {
			d.putRows(out[r*stride:], stride, r)
		}
		return
	}
	d.putMCU(d.part[:], 64)
	for r := range h {
		copy(out[r*stride:r*stride+w*4], d.part[64*r:64*r+w*4])
	}
}

// convert16 converts two rows of 16 pixels: o0 and o1 are the output rows,
// yl and yr the two rows of luma of the left and right blocks, c a row of
// Cb and 64 bytes on the matching row of Cr. Each channel is looked up,
// clamped and in place, in a table window that the chroma sample selects:
// no branch (a fifth of the chroma samples of a photograph need clamping
// for some pixel, too many and too randomly for a test to pay) and a dozen
// instructions per pixel.
func convert16(o0, o1 *[64]byte, yl, yr *[16]uint8, c *[72]uint8) {
	convertHalf((*[32]byte)(o0[:32]), (*[32]byte)(o1[:32]), yl, (*[68]uint8)(c[:68]))
	convertHalf((*[32]byte)(o0[32:]), (*[32]byte)(o1[32:]), yr, (*[68]uint8)(c[4:72]))
}

// convertHalf is half of convert16: two rows of 8 pixels. (Unrolled, and
// loading each luma sample where it is used: loads stay between the
// stores, where shifts of a word of samples were all hoisted and spilled.)
func convertHalf(o0, o1 *[32]byte, l *[16]uint8, c *[68]uint8) {
	r, g, b := clampWindows(c[0], c[64])
	binary.LittleEndian.PutUint64(o0[0:], pixel2(r, g, b, l[0], l[1]))
	binary.LittleEndian.PutUint64(o1[0:], pixel2(r, g, b, l[8], l[9]))
	r, g, b = clampWindows(c[1], c[65])
	binary.LittleEndian.PutUint64(o0[8:], pixel2(r, g, b, l[2], l[3]))
	binary.LittleEndian.PutUint64(o1[8:], pixel2(r, g, b, l[10], l[11]))
	r, g, b = clampWindows(c[2], c[66])
	binary.LittleEndian.PutUint64(o0[16:], pixel2(r, g, b, l[4], l[5]))
	binary.LittleEndian.PutUint64(o1[16:], pixel2(r, g, b, l[12], l[13]))
	r, g, b = clampWindows(c[3], c[67])
	binary.LittleEndian.PutUint64(o0[24:], pixel2(r, g, b, l[6], l[7]))
	binary.LittleEndian.PutUint64(o1[24:], pixel2(r, g, b, l[14], l[15]))
}

// pixel2 returns the pixels of luma y0 and y1 with the clamp windows of
// clampWindows, first pixel lowest.
func pixel2(r, g, b *[256]uint32, y0, y1 uint8) uint64 {
	return uint64(r[y0]|g[y0]|b[y0]) | uint64(r[y1]|g[y1]|b[y1])<<32
}

// clampWindows returns the windows of the clamp tables that give R, G and
// B for each luma value with the chroma terms of Cb and Cr.
func clampWindows(cb, cr uint8) (r, g, b *[256]uint32) {
	t := &colourTab
	dr, dg, db := chromaTerms(cb, cr)
	// &511 is a no-op (every term is within -227..227) that spares the
	// bounds checks.
	return (*[256]uint32)(t.clampR[uint(dr+256)&511:]),
		(*[256]uint32)(t.clampG[uint(dg+256)&511:]),
		(*[256]uint32)(t.clampB[uint(db+256)&511:])
}

// chromaTerms returns what Cb and Cr add to luma for R, G and B.
func chromaTerms(cb, cr uint8) (dr, dg, db int32) {
	t := &colourTab
	return t.crR[cr], (t.cbG[cb] + t.crG[cr]) >> 16, t.cbB[cb]
}
