//go:build amd64 && !purego

package codec

// idctAVX2 is idctBlock of coef into plane for the transforms that shape
// selects (idctShape). It reports false, having written nothing, if a
// coefficient or a value between the passes is beyond what its 32-bit
// lanes compute exactly (see the .s file); no real picture has such a
// block.
//
//go:noescape
func idctAVX2(coef *[64]int, plane *[64]uint8, shape uint) bool

// putMCUAVX2 is putMCU: 16 rows of 64 bytes at out, stride bytes apart.
//
//go:noescape
func putMCUAVX2(out *byte, stride int, y *[256]uint8, c *[128]uint8)

// idctAsm is idctBlock in assembly; false if it was not done.
func (d *jpegDecoder) idctAsm(plane *[64]uint8, rows, cols uint) bool {
	return useAVX2 && idctAVX2(&d.coef, plane, idctShape(rows, cols))
}

// idctBlockFast is idctBlock, in assembly where that is faster: not for a
// block of one row or one column of coefficients, which the Go code
// transforms once and repeats.
func (d *jpegDecoder) idctBlockFast(plane *[64]uint8, rows, cols uint) {
	if rows == 1 || cols == 1 || !d.idctAsm(plane, rows, cols) {
		d.idctBlock(plane, rows, cols)
	}
}

// putMCUAsm is putMCU in assembly; false if it was not done.
func (d *jpegDecoder) putMCUAsm(out []byte, stride int) bool {
	// Rows that overlap would be written in another order than putMCU's.
	if !useAVX2 || stride < 64 {
		return false
	}
	_ = out[15*stride+63]
	putMCUAVX2(&out[0], stride, &d.mcuY, &d.mcuC)
	return true
}
