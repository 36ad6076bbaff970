package codec

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// bytesBelowPlain is bytesBelow written plainly.
func bytesBelowPlain(p []byte, n int) bool {
	for _, c := range p {
		if int(c) >= n {
			return false
		}
	}
	return true
}

// TestBytesBelow checks the eight-bytes-at-a-time test against the plain
// loop for every bound, every byte value and every position of the one
// byte that may break the bound (the carries between bytes are the risk).
func TestBytesBelow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 256; n++ {
		for _, size := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 71} {
			p := make([]byte, size)
			// A filler below n (when there is one), as high as allowed:
			// the largest sums without carrying.
			fill := byte(max(n-1, 0))
			for i := range p {
				p[i] = fill
			}
			require.Equal(t, bytesBelowPlain(p, n), bytesBelow(p, n), "n %d size %d filler %d", n, size, fill)
			for pos := range size {
				for v := range 256 {
					p[pos] = byte(v)
					if got, want := bytesBelow(p, n), bytesBelowPlain(p, n); got != want {
						require.Failf(t, "bytesBelow", "n %d size %d: byte %d at %d: got %v, want %v", n, size, v, pos, got, want)
					}
				}
				p[pos] = byte(rng.IntN(max(n, 1)))
			}
		}
	}
}

// FuzzBytesBelow compares bytesBelow with the plain loop on any bytes.
func FuzzBytesBelow(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint16(10))
	f.Add([]byte("\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x80"), uint16(128))
	f.Add([]byte("\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xfe\xff"), uint16(255))
	f.Add([]byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, p []byte, n uint16) {
		if len(p) > 1<<16 {
			return
		}
		k := int(n) % 300
		require.Equal(t, bytesBelowPlain(p, k), bytesBelow(p, k), "n %d", k)
	})
}

// putSharedPlain is putShared written plainly from FORMAT.md.
func putSharedPlain(pix []byte, stride, x0, y0, w, h int, pal []uint32, idx []byte, wide bool) {
	for y := range h {
		for x := range w {
			var i int
			if wide {
				i = int(binary.LittleEndian.Uint16(idx[2*(y*w+x):]))
			} else {
				i = int(idx[y*w+x])
			}
			binary.LittleEndian.PutUint32(pix[(y0+y)*stride+(x0+x)*4:], pal[i])
		}
	}
}

// sharedIndices makes w x h indices below n, shaped like text from seed
// bytes: runs of one index, rows repeating the row above (or all of it but
// one pixel), and noise.
func sharedIndices(rng *rand.Rand, w, h, n int, wide bool) []byte {
	size := 1
	if wide {
		size = 2
	}
	idx := make([]byte, w*h*size)
	put := func(i, v int) {
		if wide {
			binary.LittleEndian.PutUint16(idx[2*i:], uint16(v))
		} else {
			idx[i] = byte(v)
		}
	}
	for y := range h {
		if y > 0 && rng.IntN(2) == 0 {
			// The row above, or it with one pixel changed: rows that
			// differ in one place only.
			copy(idx[y*w*size:(y+1)*w*size], idx[(y-1)*w*size:y*w*size])
			if rng.IntN(2) == 0 {
				x := rng.IntN(w)
				put(y*w+x, (int(idx[(y*w+x)*size])+1)%n)
			}
			continue
		}
		bg := rng.IntN(n)
		for x := range w {
			v := bg
			if rng.IntN(4) == 0 {
				v = rng.IntN(n)
			}
			put(y*w+x, v)
		}
	}
	return idx
}

// checkPutShared paints a w x h region at (x0, y0) of a frame with
// putShared and with the plain painter and requires the same pixels,
// outside the region too.
func checkPutShared(t *testing.T, x0, y0, w, h int, pal []uint32, idx []byte, wide bool) {
	t.Helper()
	fw, fh := x0+w+3, y0+h+2
	stride := fw * 4
	got := make([]byte, stride*fh)
	for i := range got {
		got[i] = byte(i * 7)
	}
	want := append([]byte(nil), got...)
	putShared(got, stride, x0, y0, w, h, pal, idx, wide)
	putSharedPlain(want, stride, x0, y0, w, h, pal, idx, wide)
	require.Equal(t, want, got, "region %dx%d at (%d,%d), wide %v", w, h, x0, y0, wide)
}

// testSharedPalette is a full shared palette of distinct opaque colours.
func testSharedPalette() []uint32 {
	pal := make([]uint32, maxShared)
	for i := range pal {
		pal[i] = uint32(i)*0x9E3779B1&0xFFFFFF | 0xFF000000
	}
	return pal
}

// TestPutShared compares putShared with the plain painter for every region
// width and a few heights, 1- and 2-byte indices.
func TestPutShared(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pal := testSharedPalette()
	for w := 1; w <= TileSize; w++ {
		for _, h := range []int{1, 2, 5, TileSize} {
			for _, wide := range []bool{false, true} {
				n := 256
				if wide {
					n = maxShared
				}
				for _, colours := range []int{1, 3, n} {
					idx := sharedIndices(rng, w, h, colours, wide)
					checkPutShared(t, rng.IntN(70), rng.IntN(3), w, h, pal, idx, wide)
				}
			}
		}
	}
}

// FuzzPutShared compares putShared with the plain painter on regions and
// indices made from arbitrary bytes (indices are validated before painting,
// so out-of-range ones are folded in range here).
func FuzzPutShared(f *testing.F) {
	f.Add(uint8(64), uint8(3), uint8(0), false, []byte("aaaaaaaabbbbbbbb"))
	f.Add(uint8(57), uint8(9), uint8(5), false, []byte{0, 1, 2, 3, 0, 0, 0, 0, 9})
	f.Add(uint8(64), uint8(2), uint8(1), true, []byte{0xff, 0x0f, 1, 0})
	f.Add(uint8(1), uint8(1), uint8(0), false, []byte{})
	pal := testSharedPalette()
	f.Fuzz(func(t *testing.T, w, h, x0 uint8, wide bool, data []byte) {
		rw, rh := 1+int(w)%TileSize, 1+int(h)%TileSize
		size := 1
		if wide {
			size = 2
		}
		idx := make([]byte, rw*rh*size)
		if len(data) > 0 {
			for i := range idx {
				idx[i] = data[i%len(data)]
			}
		}
		if wide {
			for i := 0; i < len(idx); i += 2 {
				idx[i+1] &= maxShared>>8 - 1
			}
		}
		checkPutShared(t, int(x0)%80, 1, rw, rh, pal, idx, wide)
	})
}
