// Package codec turns screen frames into compact, lossless messages and back.
//
// A frame is cut into TileSize x TileSize tiles. An [Encoder] keeps a copy of the
// previous frame and sends only the tiles that changed, as RGB, solid tiles as one
// colour, all of one message's tiles compressed together with zstd (compressing
// tiles one by one costs 2.5–4x in size). A [Decoder] applies messages to an RGBA
// framebuffer and refuses anything it cannot apply exactly, so a viewer never shows
// a corrupted picture as good: after any error it waits for the next key frame.
//
// The wire format is described in FORMAT.md ("Version 1"). Every message starts
// with a version byte and every tile with an encoding byte, so faster or smaller
// encodings (palettes, copy-rect from hashes, lossy tiles) can be added later
// without breaking the frame structure.
//
// Import policy: codec is the lowest layer of deskhand. It must never import any
// other deskhand package, pion, cgo or unsafe: only the standard library and
// github.com/klauspost/compress (optionally github.com/zeebo/xxh3). It must build
// for GOOS=js GOARCH=wasm, because the browser viewer decodes with it.
// imports_test.go enforces this.
//
// An Encoder or a Decoder is not safe for concurrent use; use one per stream.
package codec
