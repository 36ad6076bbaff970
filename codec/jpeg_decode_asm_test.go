package codec

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The assembly of jpeg_decode_amd64.s must give the same bytes as the Go
// code for every input; these tests compare the two.

// DESKHAND_NOASM=1 switches the assembly off, so that one test binary
// measures both: `go test -c`, then run it with and without.
func init() {
	if os.Getenv("DESKHAND_NOASM") != "" {
		useAVX2 = false
	}
}

// requireAsm skips a test that compares the assembly with the Go code
// where there is no assembly.
func requireAsm(t testing.TB) {
	t.Helper()
	if !useAVX2 {
		t.Skip("no assembly to compare: it needs amd64 with AVX2, without -tags purego (or DESKHAND_NOASM is set)")
	}
}

// withoutAsm runs f with the assembly switched off.
func withoutAsm(f func()) {
	saved := useAVX2
	useAVX2 = false
	defer func() { useAVX2 = saved }()
	f()
}

// asmTrust is the largest coefficient for which idctAVX2 must not decline:
// the first pass grows values at most 11.4 times, and it declines past 2^27.
const asmTrust = 1 << 23

// checkIDCT transforms d.coef with the assembly and with idctBlock and
// requires the same samples, or that the assembly declined without
// writing; it reports whether the assembly did the transform.
func checkIDCT(t testing.TB, d *jpegDecoder, rows, cols uint) bool {
	t.Helper()
	coef := d.coef
	var want [64]uint8
	d.idctBlock(&want, rows, cols)
	var got [64]uint8
	for i := range got {
		got[i] = 0xA5
	}
	ok := d.idctAsm(&got, rows, cols)
	require.Equal(t, coef, d.coef, "a transform changed the coefficients")
	if !ok {
		for i := range got {
			require.Equal(t, uint8(0xA5), got[i], "the assembly declined but wrote sample %d", i)
		}
		return false
	}
	require.Equal(t, want, got, "rows %08b cols %08b coefficients %v", rows, cols, coef)
	return true
}

// masks returns the rows and columns of c that hold a coefficient other
// than DC, with bit 0 set, as block passes them to idctBlock.
func masks(c *[64]int) (rows, cols uint) {
	for n := 1; n < 64; n++ {
		if c[n] != 0 {
			rows |= 1 << (n >> 3)
			cols |= 1 << (n & 7)
		}
	}
	return rows | 1, cols | 1
}

// randomBlock fills d.coef as block does for quality table t: quantised
// values v (|v| up to amp, DC up to 2047) times the multipliers, within
// the first nr rows and nc columns, each present with probability 1/den.
func randomBlock(rng *rand.Rand, d *jpegDecoder, t, nr, nc, amp, den int) {
	clear(d.coef[:])
	mul := &d.mul[t]
	for n := 1; n < 64; n++ {
		if n>>3 >= nr || n&7 >= nc || rng.IntN(den) != 0 {
			continue
		}
		v := rng.IntN(2*amp+1) - amp
		if rng.IntN(4) == 0 {
			v = rng.IntN(7) - 3
		}
		d.coef[n] = v * int(mul[n])
	}
	dc := rng.IntN(4096) - 2048
	if rng.IntN(3) > 0 {
		dc = rng.IntN(257) - 128
	}
	d.coef[0] = dc*int(mul[0]) + idctBias
}

// shapeSizes are blocks of nr x nc coefficients that reach every
// combination of the three transforms for rows and for columns.
var shapeSizes = [][2]int{
	{1, 2}, {1, 4}, {1, 8}, {2, 1}, {4, 1}, {8, 1},
	{2, 2}, {2, 3}, {3, 2}, {2, 4}, {4, 2}, {4, 4}, {3, 4},
	{2, 8}, {8, 2}, {4, 8}, {8, 4}, {5, 8}, {8, 5}, {8, 8},
}

// TestIDCTAsmShapes compares the two on random blocks of every shape at
// qualities across the range, with small and large quantised values,
// sparse and dense: the samples must match, and the assembly must not
// decline any block whose coefficients are within asmTrust.
func TestIDCTAsmShapes(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(7, 8))
	var d jpegDecoder
	kinds := map[uint]int{}
	for _, q := range []int{1, 5, 10, 25, 40, 50, 75, 85, 95, 100} {
		d.setQuality(q)
		for _, sz := range shapeSizes {
			for i := range 120 {
				amp := []int{3, 30, 300, 1023}[i%4]
				randomBlock(rng, &d, i&1, sz[0], sz[1], amp, 1+i%3)
				rows, cols := masks(&d.coef)
				if rows == 1 && cols == 1 {
					continue
				}
				big := 0
				for _, c := range d.coef {
					big = max(big, c, -c)
				}
				ok := checkIDCT(t, &d, rows, cols)
				if big < asmTrust {
					require.True(t, ok, "declined a block of coefficients within %d: %v", asmTrust, d.coef)
				}
				if ok {
					kinds[idctShape(rows, cols)]++
				}
			}
		}
	}
	require.Len(t, kinds, 9, "transform combinations the assembly did: %v", kinds)
}

// TestIDCTAsmExtremes compares the two at the edges: the largest legal
// coefficients (which the assembly declines), and values at the limits it
// accepts with every combination of signs, which is where an intermediate
// value is largest and where its outputs need clamping.
func TestIDCTAsmExtremes(t *testing.T) {
	requireAsm(t)
	var d jpegDecoder
	did, declined := 0, 0
	count := func(ok bool) {
		if ok {
			did++
		} else {
			declined++
		}
	}
	// Row 0 (then column 0) of eight values of one magnitude, every sign:
	// the second pass (the first) sees the worst inputs for some output.
	for _, m := range []int{1<<27 - 1, 1 << 27, 1<<27 + 1, 11_700_000, 1 << 24, 1 << 20, 40_000} {
		for signs := range 256 {
			for _, column := range []bool{false, true} {
				clear(d.coef[:])
				for i := range 8 {
					v := m
					if signs>>i&1 != 0 {
						v = -m
					}
					if v == -1<<27 && signs&1 != 0 {
						v-- // also just below the lower limit
					}
					n := i
					if column {
						n = 8 * i
					}
					d.coef[n] = v
				}
				rows, cols := masks(&d.coef)
				count(checkIDCT(t, &d, rows, cols))
				// The same in a full block: row and column transforms idct8.
				d.coef[9], d.coef[63] = m, -m
				rows, cols = masks(&d.coef)
				count(checkIDCT(t, &d, rows, cols))
			}
		}
	}
	// Past the limits the assembly must decline, even where its 32 bits
	// would still do (the exactness of both passes rests on the limits):
	// a column of coefficients up to 1.24 * 2^27 whose first-pass outputs
	// are a square wave just within 2^27, and the first pass doubling
	// values within 2^27 (rows 0 and 1 equal) in every column.
	clear(d.coef[:])
	for i, v := range []int{0, 166053747, 0, -49433104, 0, 22070037, 0, -6570104} {
		d.coef[8*i] = v
	}
	d.coef[0] += 1 << 20
	rows, cols := masks(&d.coef)
	require.False(t, checkIDCT(t, &d, rows, cols), "coefficients beyond 2^27")
	for signs := range 256 {
		clear(d.coef[:])
		for i := range 8 {
			v := 1<<27 - 1
			if signs>>i&1 != 0 {
				v = -v
			}
			d.coef[i], d.coef[8+i] = v, v
		}
		rows, cols := masks(&d.coef)
		require.False(t, checkIDCT(t, &d, rows, cols), "first-pass outputs beyond 2^27")
	}
	// The same in one column at a time, with each second-pass transform.
	for i := range 8 {
		for _, extra := range []int{0, 1, 3, 7} {
			clear(d.coef[:])
			d.coef[extra] = 1 << 20
			d.coef[i], d.coef[8+i] = 1<<27-1, 1<<27-1
			rows, cols := masks(&d.coef)
			require.False(t, checkIDCT(t, &d, rows, cols), "first-pass outputs beyond 2^27 in column %d", i)
		}
	}
	// The largest coefficients a scan can hold: DC 2047 and AC 1023 times
	// the multipliers of quality 1, with mixed signs.
	d.setQuality(1)
	rng := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		for n := range 64 {
			v := []int{1023, -1023, 0, 1, -1, 511}[rng.IntN(6)]
			d.coef[n] = v * int(d.mul[rng.IntN(2)][n])
		}
		d.coef[0] = []int{2047, -2048, 0}[rng.IntN(3)]*int(d.mul[0][0]) + idctBias
		rows, cols := masks(&d.coef)
		count(checkIDCT(t, &d, rows, cols))
	}
	t.Logf("done %d, declined %d", did, declined)
	require.NotZero(t, did)
	require.NotZero(t, declined)
}

// TestIDCTAsmNoDecline checks that the assembly does every block of real
// pictures: it transforms the blocks of photographs encoded at every
// quality (coefficients taken from the encoder's own quantisation).
func TestIDCTAsmNoDecline(t *testing.T) {
	requireAsm(t)
	ph := photo(256, 256, 11)
	// Saturated and sharp corners: the coefficients of edges.
	for y := range 64 {
		for x := range 64 {
			if (x/4+y/4)%2 == 0 {
				copy(ph.Pix[ph.PixOffset(x, y):], []byte{255, 255, 255, 255})
			} else {
				copy(ph.Pix[ph.PixOffset(x, y):], []byte{0, 0, 0, 255})
			}
		}
	}
	var d jpegDecoder
	blocks := 0
	for _, q := range []int{1, 10, 40, 85, 100} {
		d.setQuality(q)
		qz := quantTables(q)
		for by := 0; by < 256; by += 8 {
			for bx := 0; bx < 256; bx += 8 {
				for ch := range 3 {
					f := forwardDCT(ph, bx, by, ch)
					tab := min(ch, 1)
					clear(d.coef[:])
					for k := range 64 {
						n := int(unzig[k])
						qv := int(qz[tab][k])
						v := (int(f[n]) + qv/2*sign(int(f[n]))) / qv
						d.coef[n] = v * int(d.mul[tab][n])
					}
					d.coef[0] += idctBias
					rows, cols := masks(&d.coef)
					if rows == 1 && cols == 1 {
						continue
					}
					require.True(t, checkIDCT(t, &d, rows, cols), "declined q%d block %d,%d channel %d", q, bx, by, ch)
					blocks++
				}
			}
		}
	}
	require.Greater(t, blocks, 1000)
}

func sign(v int) int {
	if v < 0 {
		return -1
	}
	return 1
}

// forwardDCT returns the rounded JPEG DCT of the 8x8 block at bx, by of
// channel ch (0 Y, 1 Cb, 2 Cr) of img, natural order.
func forwardDCT(img *image.RGBA, bx, by, ch int) (f [64]float64) {
	var s [64]float64
	for y := range 8 {
		for x := range 8 {
			p := img.Pix[img.PixOffset(bx+x, by+y):]
			r, g, b := float64(p[0]), float64(p[1]), float64(p[2])
			switch ch {
			case 0:
				s[y*8+x] = 0.299*r + 0.587*g + 0.114*b - 128
			case 1:
				s[y*8+x] = -0.1687*r - 0.3313*g + 0.5*b
			default:
				s[y*8+x] = 0.5*r - 0.4187*g - 0.0813*b
			}
		}
	}
	for v := range 8 {
		for u := range 8 {
			sum := 0.0
			for y := range 8 {
				for x := range 8 {
					sum += s[y*8+x] * cosTab[x][u] * cosTab[y][v]
				}
			}
			f[v*8+u] = float64(int(sum / 4 * cScale(u) * cScale(v)))
		}
	}
	return f
}

var cosTab = func() (t [8][8]float64) {
	for x := range 8 {
		for u := range 8 {
			t[x][u] = math.Cos(float64((2*x+1)*u) * math.Pi / 16)
		}
	}
	return t
}()

func cScale(u int) float64 {
	if u == 0 {
		return 0.7071067811865476
	}
	return 1
}

// TestIDCTAsmRawInts feeds coefficients of any size, beyond what a scan
// holds: wherever the assembly does the transform it must match.
func TestIDCTAsmRawInts(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(11, 12))
	var d jpegDecoder
	did := 0
	for i := range 20000 {
		clear(d.coef[:])
		sz := shapeSizes[i%len(shapeSizes)]
		bits := 1 + rng.IntN(40)
		for n := range 64 {
			if n>>3 < sz[0] && n&7 < sz[1] && rng.IntN(2) == 0 {
				d.coef[n] = int(rng.Int64N(1<<bits)) - 1<<(bits-1)
			}
		}
		rows, cols := masks(&d.coef)
		if rows == 1 && cols == 1 {
			continue
		}
		if checkIDCT(t, &d, rows, cols) {
			did++
		}
	}
	t.Logf("done %d", did)
	require.Greater(t, did, 5000)
}

// FuzzIDCTAsm reads a block from the bytes: a quality and a shape, then
// quantised values (2 bytes each) in natural order within the shape, or,
// in raw mode, coefficients of 4 bytes each. The two must agree.
func FuzzIDCTAsm(f *testing.F) {
	f.Add(byte(85), byte(0x33), []byte{0x10, 0x00, 0xF0, 0xFF, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00})
	f.Add(byte(1), byte(0x77), []byte{0xFF, 0x07, 0xFF, 0x03, 0x01, 0xFC, 0xFF, 0x03})
	f.Add(byte(40), byte(0x80|0x17), []byte{0xFF, 0xFF, 0xFF, 0x07, 0x00, 0x00, 0x00, 0xF8})
	f.Fuzz(func(t *testing.T, q, shape byte, data []byte) {
		requireAsm(t)
		var d jpegDecoder
		d.setQuality(int(q)%100 + 1)
		nr, nc := int(shape>>4&7)+1, int(shape&7)+1
		raw := shape&0x80 != 0
		tab := int(shape >> 3 & 1)
		for n := range 64 {
			if n>>3 >= nr || n&7 >= nc {
				continue
			}
			if raw {
				if len(data) < 4 {
					break
				}
				d.coef[n] = int(int32(binary.LittleEndian.Uint32(data)))
				data = data[4:]
				continue
			}
			if len(data) < 2 {
				break
			}
			v := int(int16(binary.LittleEndian.Uint16(data)))
			data = data[2:]
			if n == 0 {
				d.coef[0] = min(max(v, -2048), 2047)*int(d.mul[tab][0]) + idctBias
			} else {
				d.coef[n] = min(max(v, -1023), 1023) * int(d.mul[tab][n])
			}
		}
		rows, cols := masks(&d.coef)
		checkIDCT(t, &d, rows, cols)
	})
}

// checkPutMCU converts d's MCU with the assembly and with putMCU into
// copies of the same garbage, stride bytes a row, and requires the same
// bytes everywhere (the ones between the rows untouched).
func checkPutMCU(t testing.TB, d *jpegDecoder, stride int, garbage *rand.Rand) {
	t.Helper()
	n := 15*stride + 64
	want := make([]byte, n)
	for i := range want {
		want[i] = byte(garbage.Uint32())
	}
	got := append([]byte(nil), want...)
	d.putMCU(want, stride)
	require.True(t, d.putMCUAsm(got, stride))
	if string(got) != string(want) {
		for i := range got {
			require.Equal(t, want[i], got[i], "stride %d: row %d byte %d (Y %v Cb/Cr %v)", stride, i/stride, i%stride, d.mcuY, d.mcuC)
		}
	}
}

// TestPutMCUAsm compares the two conversions on random planes, on planes
// of the extreme values (every pixel clamping one way or the other), with
// the strides of the decoder: a tile (256), putPartMCU's (64), a frame.
func TestPutMCUAsm(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(13, 14))
	var d jpegDecoder
	strides := []int{64, 256, 68, 1920 * 4, 4096*4 + 4}
	for i := range 400 {
		for j := range d.mcuY {
			d.mcuY[j] = byte(rng.Uint32())
		}
		for j := range d.mcuC {
			d.mcuC[j] = byte(rng.Uint32())
		}
		checkPutMCU(t, &d, strides[i%len(strides)], rng)
	}
	extremes := []byte{0, 1, 2, 127, 128, 129, 253, 254, 255}
	for _, y := range extremes {
		for _, cb := range extremes {
			for _, cr := range extremes {
				for j := range d.mcuY {
					d.mcuY[j] = y ^ byte(j&1) // a neighbour one off
				}
				for j := range 64 {
					d.mcuC[j], d.mcuC[64+j] = cb, cr
				}
				checkPutMCU(t, &d, 256, rng)
			}
		}
	}
	require.False(t, d.putMCUAsm(make([]byte, 64*16), 60), "rows that overlap are left to putMCU")
}

// TestPutMCUAsmAllValues converts every luma value with every chroma
// pair: an MCU per pair, its 256 pixels of all luma values.
func TestPutMCUAsmAllValues(t *testing.T) {
	requireAsm(t)
	var d jpegDecoder
	for j := range d.mcuY {
		d.mcuY[j] = byte(j * 37) // every value once, shuffled
	}
	want, got := make([]byte, 16*64), make([]byte, 16*64)
	for k := range 1 << 16 {
		for j := range 64 {
			d.mcuC[j], d.mcuC[64+j] = byte(k), byte(k>>8)
		}
		d.putMCU(want, 64)
		require.True(t, d.putMCUAsm(got, 64))
		if string(got) != string(want) {
			for i := range got {
				r, x := i/64, i%64/4
				y := d.mcuY[r>>3*128+x>>3*64+r&7*8+x&7]
				require.Equal(t, want[i], got[i], "Y %d Cb %d Cr %d, channel %d", y, byte(k), byte(k>>8), i%4)
			}
		}
	}
}

// FuzzPutMCUAsm fills the MCU's planes from the bytes (repeated) and
// compares the two conversions.
func FuzzPutMCUAsm(f *testing.F) {
	f.Add(byte(0), []byte{0, 255, 128, 17})
	f.Add(byte(3), []byte{255, 0, 0, 255, 1, 2, 3})
	f.Fuzz(func(t *testing.T, s byte, data []byte) {
		requireAsm(t)
		if len(data) == 0 {
			return
		}
		var d jpegDecoder
		for j := range d.mcuY {
			d.mcuY[j] = data[j%len(data)]
		}
		for j := range d.mcuC {
			d.mcuC[j] = data[(256+j)%len(data)]
		}
		checkPutMCU(t, &d, 64+4*int(s%64), rand.New(rand.NewPCG(uint64(s), 1)))
	})
}

// decodeBoth decodes a scan with the assembly and without it and requires
// the same pixels or the same error.
func decodeBoth(t testing.TB, dec *jpegDecoder, w, h, q int, scan []byte) {
	t.Helper()
	out := make([]byte, w*h*4)
	err := dec.decode(out, w*4, w, h, q, scan)
	ref := make([]byte, w*h*4)
	var refErr error
	withoutAsm(func() { refErr = dec.decode(ref, w*4, w, h, q, scan) })
	require.Equal(t, refErr, err, "%dx%d q%d", w, h, q)
	if err == nil {
		require.Equal(t, ref, out, "%dx%d q%d", w, h, q)
	}
}

// TestJPEGDecodeAsmSynthetic compares whole decodes: random coefficients
// of every shape (intact, corrupted, cut short) and encoded photographs
// with saturated colours, at qualities across the range.
func TestJPEGDecodeAsmSynthetic(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(15, 16))
	var dec jpegDecoder
	for i := range 300 {
		w, h := rng.IntN(TileSize)+1, rng.IntN(TileSize)+1
		if i%2 == 0 {
			w, h = TileSize, TileSize
		}
		q := rng.IntN(100) + 1
		scan := randomScan(rng, w, h)
		decodeBoth(t, &dec, w, h, q, scan)
		if len(scan) > 0 {
			bad := append([]byte(nil), scan...)
			bad[rng.IntN(len(bad))] ^= byte(1 << rng.IntN(8))
			decodeBoth(t, &dec, w, h, q, bad)
		}
	}
	var enc jpegEncoder
	for seed := range 6 {
		ph := photo(TileSize, TileSize, uint64(seed))
		for y := range 16 {
			for x := range 16 {
				copy(ph.Pix[ph.PixOffset(x, y):], []byte{255, 0, 255, 255})
				copy(ph.Pix[ph.PixOffset(63-x, 63-y):], []byte{0, 255, 0, 255})
			}
		}
		for _, q := range []int{1, 10, 25, 40, 60, 85, 95, 100} {
			for _, sz := range [][2]int{{64, 64}, {48, 32}, {37, 23}} {
				scan := enc.appendJPEG(nil, region(ph, 0, 0, sz[0], sz[1]), sz[0]*4, sz[0], sz[1], RGBA, q)
				decodeBoth(t, &dec, sz[0], sz[1], q, scan)
			}
		}
	}
}

// TestJPEGDecodeAsmDecoder compares the public Decoder, with its
// goroutines, on an encoded sequence of photographs, assembly on and off.
func TestJPEGDecodeAsmDecoder(t *testing.T) {
	requireAsm(t)
	fr := toFrame(photo(320, 192, 21), BGRA)
	for _, q := range []int{30, 85} {
		enc, err := NewEncoder(WithQuality(q))
		require.NoError(t, err)
		msg, err := enc.Encode(nil, fr.Image, true)
		require.NoError(t, err)
		require.NoError(t, enc.Close())
		var imgs [2]*image.RGBA
		for i, asm := range []bool{true, false} {
			dec, err := NewDecoder()
			require.NoError(t, err)
			run := func() { _, err = dec.Decode(msg) }
			if asm {
				run()
			} else {
				withoutAsm(run)
			}
			require.NoError(t, err)
			imgs[i] = dec.Image()
			require.NoError(t, dec.Close())
		}
		require.Equal(t, imgs[1].Pix, imgs[0].Pix, "q%d", q)
	}
}

// TestJPEGDecodeAsmCorpus compares whole decodes of the 64x64 tiles of
// the first frames of the recorded scenarios of DESKHAND_CORPUS at three
// qualities.
func TestJPEGDecodeAsmCorpus(t *testing.T) {
	requireAsm(t)
	dir := os.Getenv("DESKHAND_CORPUS")
	if dir == "" {
		t.Skip("set DESKHAND_CORPUS to a directory of recorded scenarios")
	}
	names, err := filepath.Glob(filepath.Join(dir, "*", "000000.png"))
	require.NoError(t, err)
	if len(names) == 0 {
		t.Skipf("no scenario with a 000000.png in %s", dir)
	}
	if testing.Short() || raceEnabled {
		names = names[:1]
	}
	var enc jpegEncoder
	var dec jpegDecoder
	for _, name := range names {
		img := loadPNG(t, name)
		for _, q := range []int{40, 85, 100} {
			tiles := 0
			for y := 0; y+TileSize <= img.Rect.Dy(); y += TileSize {
				for x := 0; x+TileSize <= img.Rect.Dx(); x += TileSize {
					px := img.Pix[img.PixOffset(x, y):]
					scan := enc.appendJPEG(nil, px, img.Stride, TileSize, TileSize, RGBA, q)
					decodeBoth(t, &dec, TileSize, TileSize, q, scan)
					tiles++
				}
			}
			t.Logf("%s q%d: %d tiles", name, q, tiles)
		}
	}
}

func loadPNG(t testing.TB, name string) *image.RGBA {
	f, err := os.Open(name)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Rect, img, img.Bounds().Min, draw.Src)
	return rgba
}

// BenchmarkIDCTAsm times one block of each shape (nr x nc coefficients,
// half of them nonzero) with the assembly ("asm", idctAsm alone) and
// with idctBlock ("go").
func BenchmarkIDCTAsm(b *testing.B) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, sz := range [][2]int{{1, 4}, {4, 1}, {2, 2}, {2, 4}, {4, 4}, {4, 8}, {8, 8}} {
		var d jpegDecoder
		d.setQuality(85)
		const n = 64
		var blocks [n][64]int
		var shapes [n][2]uint
		for i := range n {
			for {
				randomBlock(rng, &d, i&1, sz[0], sz[1], 20, 2)
				if r, c := masks(&d.coef); r != 1 || c != 1 {
					break
				}
			}
			blocks[i] = d.coef
			shapes[i][0], shapes[i][1] = masks(&d.coef)
		}
		for _, impl := range []string{"asm", "go"} {
			b.Run(fmt.Sprintf("%dx%d/%s", sz[0], sz[1], impl), func(b *testing.B) {
				if impl == "asm" && !useAVX2 {
					b.Skip("no assembly")
				}
				var out [64]uint8
				b.SetBytes(64)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					d.coef = blocks[i%n]
					if impl == "asm" {
						d.idctAsm(&out, shapes[i%n][0], shapes[i%n][1])
					} else {
						d.idctBlock(&out, shapes[i%n][0], shapes[i%n][1])
					}
					i++
				}
			})
		}
	}
}

// BenchmarkPutMCUAsm times the conversion of one MCU with the assembly,
// with putMCU, and, for an MCU of one chroma value, with
// putFlatChromaMCU ("flat-go") against the assembly ("flat-asm"), and
// the same with luma blocks of one value each ("dc-go", "dc-asm").
func BenchmarkPutMCUAsm(b *testing.B) {
	rng := rand.New(rand.NewPCG(19, 20))
	var d jpegDecoder
	ph := photo(16, 16, 3)
	for j := range d.mcuY {
		d.mcuY[j] = ph.Pix[4*j+1]
	}
	for j := range d.mcuC {
		d.mcuC[j] = byte(100 + rng.IntN(50))
	}
	out := make([]byte, 64*256)
	for _, impl := range []string{"asm", "go", "flat-asm", "flat-go", "dc-asm", "dc-go"} {
		b.Run(impl, func(b *testing.B) {
			if !useAVX2 && (impl == "asm" || impl == "flat-asm" || impl == "dc-asm") {
				b.Skip("no assembly")
			}
			if impl != "asm" && impl != "go" {
				for j := range 64 {
					d.mcuC[j], d.mcuC[64+j] = 120, 136
				}
				if impl[0] == 'd' { // DC-only luma blocks as well
					for q := range 4 {
						d.flatY[q] = true
						for j := range 64 {
							d.mcuY[64*q+j] = d.mcuY[64*q]
						}
					}
				}
				if !d.putFlatChromaMCU(out, 256) {
					b.Fatal("the MCU needs clamping")
				}
			}
			b.SetBytes(16 * 16 * 4)
			b.ReportAllocs()
			for b.Loop() {
				switch impl {
				case "asm", "flat-asm", "dc-asm":
					d.putMCUAsm(out, 256)
				case "go":
					d.putMCU(out, 256)
				case "flat-go", "dc-go":
					d.putFlatChromaMCU(out, 256)
				}
			}
		})
	}
}
