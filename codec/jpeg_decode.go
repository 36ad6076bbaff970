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
// decoded, two pixels per 64-bit word. (A floating-point IDCT and a
// per-pixel colour conversion were 85% of the time of decoding a tile.)

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

// jpegDecoder decodes scans written by jpegEncoder (and any baseline scan
// with the same fixed parameters). It is reused: no allocation per call.
type jpegDecoder struct {
	quality int
	mul     [2][64]int32 // dequantisation times the AAN scale, Q(idctFrac), natural order

	coef [64]int // the block being decoded; all zero between blocks
	ws   [64]int // between the two passes of the IDCT

	// The samples of one MCU: 16x16 luma, then 8x8 Cb and 8x8 Cr.
	mcuY [256]uint8
	mcuC [128]uint8
	flat bool // the last block decoded had only a DC coefficient

	data []byte
	pos  int
	acc  uint64 // MSB-aligned bits
	nacc uint
	pad  uint // 1 bits appended past the end of data
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
			if dcY, err = d.block(d.mcuY[0:], 16, 0, dcY); err != nil {
				return err
			}
			if dcY, err = d.block(d.mcuY[8:], 16, 0, dcY); err != nil {
				return err
			}
			if dcY, err = d.block(d.mcuY[128:], 16, 0, dcY); err != nil {
				return err
			}
			if dcY, err = d.block(d.mcuY[136:], 16, 0, dcY); err != nil {
				return err
			}
			if dcCb, err = d.block(d.mcuC[0:], 8, 1, dcCb); err != nil {
				return err
			}
			flatChroma := d.flat
			if dcCr, err = d.block(d.mcuC[64:], 8, 1, dcCr); err != nil {
				return err
			}
			flatChroma = flatChroma && d.flat
			o := out[my*stride+mx*4:]
			switch {
			case mx+16 > w || my+16 > h:
				d.putPartMCU(o, stride, min(w-mx, 16), min(h-my, 16))
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

// block decodes one block with table set t (0 luma, 1 chroma) into the 8x8
// area at the start of plane (rows stride apart) and returns its DC value.
func (d *jpegDecoder) block(plane []uint8, stride, t int, prevDC int) (int, error) {
	_ = plane[7*stride+7]
	// Every step below takes at most 31 bits: a code of up to 16 and a
	// magnitude of up to 15.
	if d.nacc < 32 {
		if err := d.fill(); err != nil {
			return 0, err
		}
	}
	s, ok := d.huff(&jpegTables.dec[2*t])
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
	mul := &d.mul[t]
	acTab := &jpegTables.dec[2*t+1]
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
		v *= 0x0101010101010101
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[r*stride:], v)
		}
		return dc, nil
	}
	c[0] = dc*int(mul[0]) + idctBias
	d.idct(plane, stride, rows|1, cols|1)
	for r := range 8 {
		if rows>>r&1 != 0 {
			clear(c[r*8 : r*8+8])
		}
	}
	c[0] = 0
	return dc, nil
}

// idct transforms d.coef (nonzero only in the rows and columns whose bits
// are set) into the 8x8 samples at the start of plane. The one-dimensional
// transforms return their eight outputs as values, not arrays, so that they
// stay in registers.
func (d *jpegDecoder) idct(plane []uint8, stride int, rows, cols uint) {
	_ = plane[7*stride+7]
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
		for r := range 8 {
			binary.LittleEndian.PutUint64(plane[r*stride:], row)
		}
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
			binary.LittleEndian.PutUint64(plane[r*stride:], uint64(uint8(col>>(8*r)))*0x0101010101010101)
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
	for i := range ncols {
		col := (*[8]int)(ws[8*i : 8*i+8])
		switch {
		case rows <= 0x3:
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = descale(idct2(c[i], c[8+i]))
		case rows <= 0xF:
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = descale(idct4(c[i], c[8+i], c[16+i], c[24+i]))
		default:
			col[0], col[1], col[2], col[3], col[4], col[5], col[6], col[7] = idct8(c[i], c[8+i], c[16+i], c[24+i], c[32+i], c[40+i], c[48+i], c[56+i])
		}
	}
	for r := range 8 {
		var row uint64
		switch ncols {
		case 2:
			row = packRow(shSparse)(idct2(ws[r], ws[8+r]))
		case 4:
			row = packRow(shSparse)(idct4(ws[r], ws[8+r], ws[16+r], ws[24+r]))
		default:
			row = packRow(shFull)(idct8(ws[r], ws[8+r], ws[16+r], ws[24+r], ws[32+r], ws[40+r], ws[48+r], ws[56+r]))
		}
		binary.LittleEndian.PutUint64(plane[r*stride:], row)
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
var colourTab = func() (t struct{ crR, cbB, cbG, crG [256]int32 }) {
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
		convert16(
			(*[64]byte)(out[r*stride:r*stride+64]),
			(*[64]byte)(out[(r+1)*stride:(r+1)*stride+64]),
			(*[32]uint8)(d.mcuY[r*16:r*16+32]),
			(*[72]uint8)(d.mcuC[r*4:r*4+72]))
	}
}

// putFlatChromaMCU is putMCU for an MCU of one chroma value (most of
// them: a chroma block has only DC seven times in ten), when no pixel needs
// clamping: then every pair of pixels is the same sum as in convert16 with
// the same chroma terms, and the test for clamping is on luma alone, eight
// samples at a time. It reports false, having written nothing, if some
// pixel needs clamping.
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
	for i := 0; i < len(d.mcuY); i += 8 {
		x := binary.LittleEndian.Uint64(d.mcuY[i : i+8])
		xl := x & low7
		tHi, tLo := xl+kHi, xl^low7+kLo // ^x&low7 = xl^low7
		above |= x&tHi | (x|tHi)&mHi | ^x&tLo | (^x|tLo)&mLo
	}
	if above&0x8080808080808080 != 0 {
		return false
	}
	delta := uint64((int64(dr) + int64(dg)<<8 + int64(db)<<16 + 0xFF<<24) * (1 + 1<<32))
	for r := range 16 {
		o := (*[64]byte)(out[r*stride : r*stride+64])
		y := (*[16]uint8)(d.mcuY[r*16 : r*16+16])
		for i := range 8 {
			binary.LittleEndian.PutUint64(o[8*i:8*i+8], (uint64(y[2*i])|uint64(y[2*i+1])<<32)*0x010101+delta)
		}
	}
	return true
}

// putPartMCU is putMCU for the w x h top-left part of the MCU (at the
// right or bottom edge of the region).
func (d *jpegDecoder) putPartMCU(out []byte, stride, w, h int) {
	r := 0
	if w == 16 { // the bottom edge: whole pairs of rows as putMCU
		for ; r+1 < h; r += 2 {
			convert16(
				(*[64]byte)(out[r*stride:r*stride+64]),
				(*[64]byte)(out[(r+1)*stride:(r+1)*stride+64]),
				(*[32]uint8)(d.mcuY[r*16:r*16+32]),
				(*[72]uint8)(d.mcuC[r*4:r*4+72]))
		}
	}
	for ; r < h; r++ {
		o := out[r*stride : r*stride+w*4]
		for x := range w {
			c := r/2*8 + x/2
			dr, dg, db := chromaTerms(d.mcuC[c], d.mcuC[64+c])
			binary.LittleEndian.PutUint32(o[4*x:], rgba(d.mcuY[r*16+x], dr, dg, db))
		}
	}
}

// convert16 converts two rows of 16 pixels: o0 and o1 are the output rows,
// l the two rows of luma, c a row of Cb and 64 bytes on the matching row
// of Cr. When no channel of the four pixels of a chroma sample needs
// clamping (all but strong colours near black or white), each of their two
// pixel pairs is one 64-bit sum: the luma bytes plus the chroma terms
// (signed, as one integer), which cannot carry from one byte into the next.
func convert16(o0, o1 *[64]byte, l *[32]uint8, c *[72]uint8) {
	for i := range 8 {
		dr, dg, db := chromaTerms(c[i], c[64+i])
		y0, y1, y2, y3 := int32(l[2*i]), int32(l[2*i+1]), int32(l[16+2*i]), int32(l[17+2*i])
		if min(y0, y1, y2, y3)+min(dr, dg, db) >= 0 && max(y0, y1, y2, y3)+max(dr, dg, db) <= 255 {
			d := uint64((int64(dr) + int64(dg)<<8 + int64(db)<<16 + 0xFF<<24) * (1 + 1<<32))
			binary.LittleEndian.PutUint64(o0[8*i:8*i+8], (uint64(y0)|uint64(y1)<<32)*0x010101+d)
			binary.LittleEndian.PutUint64(o1[8*i:8*i+8], (uint64(y2)|uint64(y3)<<32)*0x010101+d)
			continue
		}
		binary.LittleEndian.PutUint64(o0[8*i:8*i+8], uint64(rgba(l[2*i], dr, dg, db))|uint64(rgba(l[2*i+1], dr, dg, db))<<32)
		binary.LittleEndian.PutUint64(o1[8*i:8*i+8], uint64(rgba(l[16+2*i], dr, dg, db))|uint64(rgba(l[17+2*i], dr, dg, db))<<32)
	}
}

// chromaTerms returns what Cb and Cr add to luma for R, G and B.
func chromaTerms(cb, cr uint8) (dr, dg, db int32) {
	t := &colourTab
	return t.crR[cr], (t.cbG[cb] + t.crG[cr]) >> 16, t.cbB[cb]
}

// rgba returns the opaque pixel of luma l with chroma terms from chromaTerms.
func rgba(l uint8, dr, dg, db int32) uint32 {
	v := int32(l)
	return uint32(clampSample(v+dr)) | uint32(clampSample(v+dg))<<8 | uint32(clampSample(v+db))<<16 | 0xFF000000
}
