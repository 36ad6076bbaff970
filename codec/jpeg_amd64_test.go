//go:build amd64 && !purego

package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// The assembly must compute exactly what the Go code computes: these tests
// run both on the same input and compare every output.

// Samples as convertRows makes them: level-shifted luma, or chroma, of
// jpegFrac fraction bits.
const sampleMin, sampleMax = -128 << jpegFrac, 127 << jpegFrac

// fdctBoth transforms b with both versions at quality q, table t, and
// fails if they differ.
func fdctBoth(t *testing.T, e *jpegEncoder, b *[64]int32, tab int) {
	t.Helper()
	want, got := *b, *b
	wantMask := fdct(&want, &e.tmp, &e.thr[tab])
	gotMask := fdctAVX2(&got, &e.tmp, &e.thr[tab].off, &e.thr[tab].lim)
	if want != got || wantMask != gotMask {
		t.Fatalf("fdct of %v (quality %d, table %d):\nGo   %v mask %016x\nAVX2 %v mask %016x", *b, e.quality, tab, want, wantMask, got, gotMask)
	}
}

func TestFDCTAVX2(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(1, 2))
	var e jpegEncoder
	for _, q := range []int{1, 10, 40, 75, 85, 95, 100} {
		e.setQuality(q)
		for tab := range 2 {
			var b [64]int32
			// Extremes: every pattern of the two limits along a row and a
			// column makes the intermediate sums largest (the products
			// of the first pass pass 2^31, those of the second 2^36).
			for pat := range 256 {
				for i := range 64 {
					if pat>>(i%8)&1 != 0 {
						b[i] = sampleMax
					} else {
						b[i] = sampleMin
					}
				}
				fdctBoth(t, &e, &b, tab)
				for i := range 64 {
					if pat>>(i/8)&1 != 0 {
						b[i] = sampleMax
					} else {
						b[i] = sampleMin
					}
				}
				fdctBoth(t, &e, &b, tab)
				for i := range 64 {
					if (pat>>(i%8)^pat>>(i/8))&1 != 0 {
						b[i] = sampleMax
					} else {
						b[i] = sampleMin
					}
				}
				fdctBoth(t, &e, &b, tab)
			}
			for range 2000 {
				// Noise, a smooth ramp with a little noise, a flat block.
				kind := rng.IntN(3)
				base, slope := rng.Int32N(sampleMax-sampleMin)+sampleMin, rng.Int32N(401)-200
				for i := range b {
					switch kind {
					case 0:
						b[i] = rng.Int32N(sampleMax-sampleMin+1) + sampleMin
					case 1:
						b[i] = min(max(base+slope*int32(i%8+i/8)+rng.Int32N(65)-32, sampleMin), sampleMax)
					default:
						b[i] = base
					}
				}
				fdctBoth(t, &e, &b, tab)
			}
		}
	}
}

// randomRows returns two rows of w pixels of random colours, with garbage
// in the fourth byte, sometimes of few values (flat areas, edges).
func randomRows(rng *rand.Rand, w int) (r0, r1 []byte) {
	r0, r1 = make([]byte, 4*w), make([]byte, 4*w)
	few := rng.IntN(2) == 0
	fill := func(p []byte) {
		for i := 0; i < len(p); i += 4 {
			v := rng.Uint32()
			if few {
				v = []uint32{0, 0xFFFFFFFF, 0x00FF00FF, 0x12345678}[rng.IntN(4)]
			}
			binary.LittleEndian.PutUint32(p[i:], v)
		}
	}
	fill(r0)
	fill(r1)
	return r0, r1
}

func TestConvertRowsAVX2(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var a, b jpegEncoder
	for _, f := range []PixelFormat{BGRA, RGBA} {
		rs, bs := uint(0), uint(16)
		if f == BGRA {
			rs, bs = 16, 0
		}
		for n := 1; n <= TileSize/16; n++ {
			for pr := range 8 {
				for range 50 {
					r0, r1 := randomRows(rng, n*16)
					// Start from garbage: only the converted rows must agree.
					for m := range a.mcu {
						for k := range a.mcu[m] {
							for i := range a.mcu[m][k] {
								a.mcu[m][k][i] = rng.Int32()
							}
						}
					}
					b.mcu = a.mcu
					for m := range n {
						convertRows(&a.mcu[m], a.span(0, r0, m*16), a.span(1, r1, m*16), pr, rs, bs)
					}
					require.Equal(t, n, b.convertFast(r0, r1, n, pr, rs, bs))
					if a.mcu != b.mcu {
						t.Fatalf("%v, %d MCUs, rows %d and %d: the AVX2 conversion differs from the Go one", f, n, 2*pr, 2*pr+1)
					}
				}
			}
		}
	}
	// Rows too short for the MCUs asked are left to the Go code.
	r0, r1 := randomRows(rng, 31)
	require.Equal(t, 0, b.convertFast(r0, r1, 2, 0, 16, 0))
}

// TestJPEGEncodeAVX2 encodes whole regions, whose sizes leave partial MCUs
// at the right and bottom edges, with and without the assembly: the scans
// must be the same bytes.
func TestJPEGEncodeAVX2(t *testing.T) {
	requireAsm(t)
	rng := rand.New(rand.NewPCG(5, 6))
	pics := []*frame{toFrame(photo(256, 128, 9), BGRA), toFrame(photo(256, 128, 10), RGBA)}
	noise := newFrame(256, 128, BGRA, 3)
	for i := range noise.Pix {
		noise.Pix[i] = byte(rng.Uint32())
	}
	pics = append(pics, noise)
	var enc jpegEncoder
	for _, fr := range pics {
		for _, q := range []int{5, 40, 85, 100} {
			for _, sz := range [][2]int{{64, 64}, {63, 64}, {64, 63}, {17, 9}, {1, 1}, {48, 33}, {16, 16}, {33, 64}} {
				w, h := sz[0], sz[1]
				x, y := rng.IntN(fr.Width-w+1), rng.IntN(fr.Height-h+1)
				px := fr.Pix[y*fr.Stride+x*4:]
				got := enc.appendJPEG(nil, px, fr.Stride, w, h, fr.Format, q)
				var want []byte
				withoutAsm(func() { want = enc.appendJPEG(nil, px, fr.Stride, w, h, fr.Format, q) })
				if !bytes.Equal(got, want) {
					t.Fatalf("%v %dx%d at quality %d: the scans differ (%d bytes with AVX2, %d without)", fr.Format, w, h, q, len(got), len(want))
				}
			}
		}
	}
}

// FuzzFDCTAVX2 compares the two transforms on any block of samples (two
// bytes each, folded into the samples' range) at any quality.
func FuzzFDCTAVX2(f *testing.F) {
	requireAsm(f)
	f.Add(uint8(85), false, make([]byte, 128))
	f.Add(uint8(1), true, bytes.Repeat([]byte{0xFF, 0x7F, 0, 0x80}, 32))
	f.Fuzz(func(t *testing.T, q uint8, chroma bool, data []byte) {
		var e jpegEncoder
		e.setQuality(int(q)%100 + 1)
		var b [64]int32
		for i := range b {
			if 2*i+1 < len(data) {
				v := int32(int16(binary.LittleEndian.Uint16(data[2*i:])))
				b[i] = min(max(v, sampleMin), sampleMax)
			}
		}
		tab := 0
		if chroma {
			tab = 1
		}
		fdctBoth(t, &e, &b, tab)
	})
}

// BenchmarkJPEGEncodeAsm encodes a 1080p photograph as JPEG tiles with and
// without the assembly, in the same run.
func BenchmarkJPEGEncodeAsm(b *testing.B) {
	fr := toFrame(photo(1920, 1080, 1), BGRA)
	for _, asm := range []bool{false, true} {
		b.Run(fmt.Sprintf("avx2=%v", asm), func(b *testing.B) {
			if asm {
				requireAsm(b)
			}
			defer func(v bool) { useAVX2 = v }(useAVX2)
			useAVX2 = asm
			var enc jpegEncoder
			out, starts := encodeTiles(&enc, nil, nil, fr, DefaultQuality)
			b.SetBytes(int64(fr.Width * fr.Height * 4))
			b.ReportAllocs()
			for b.Loop() {
				out, starts = encodeTiles(&enc, out[:0], starts, fr, DefaultQuality)
			}
		})
	}
}
