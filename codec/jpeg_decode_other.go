//go:build !amd64 || purego

package codec

// idctAsm reports false: no assembly.
func (d *jpegDecoder) idctAsm(plane *[64]uint8, rows, cols uint) bool { return false }

// idctBlockFast is idctBlock.
func (d *jpegDecoder) idctBlockFast(plane *[64]uint8, rows, cols uint) {
	d.idctBlock(plane, rows, cols)
}

// putMCUAsm reports false: no assembly.
func (d *jpegDecoder) putMCUAsm(out []byte, stride int) bool { return false }
