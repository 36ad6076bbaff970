//go:build !amd64 || purego

package codec

// useAVX2 is never true here: there is no assembly for this platform (or
// purego asks for none). A variable, as on amd64, for the tests.
var useAVX2 = false

// convertFast converts nothing: the Go code does it all.
func (e *jpegEncoder) convertFast(r0, r1 []byte, n, pr int, rs, bs uint) int { return 0 }

// transform is fdct for table t.
func (e *jpegEncoder) transform(b *[64]int32, t int) uint64 {
	return fdct(b, &e.tmp, &e.thr[t&1])
}
