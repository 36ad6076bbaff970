// Package codec turns screen frames into compact messages and back.
//
// A frame is cut into TileSize x TileSize tiles. An [Encoder] keeps a copy of
// the previous frame and sends only what changed, tile by tile: the changed
// part of a tile as one colour, a palette of a few colours (1-4 bits a
// pixel), a palette shared by the tiles of a chunk (antialiased text), raw
// RGB, or, with [WithQuality], JPEG for photographs and video; content that
// moved (scrolling, dragged windows) as copies of the previous picture, found
// by hashing and verified pixel by pixel. The records of a message are
// compressed together with zstd in a few chunks that workers encode in
// parallel. Lossy regions are sent again losslessly once they stop changing.
// A [Decoder] applies messages to an RGBA framebuffer and refuses anything it
// cannot apply exactly, so a viewer never shows a corrupted picture as good:
// after any error it waits for the next key frame.
//
// The wire format is described in FORMAT.md ("Version 2"). Every message
// starts with a version byte and every record with an encoding, so new
// encodings can be added later without breaking the frame structure.
//
// Import policy: codec is the lowest layer of deskhand. It must never import
// any other deskhand package, pion, cgo or unsafe: only the standard library,
// github.com/klauspost/compress (optionally github.com/zeebo/xxh3) and, on
// amd64, golang.org/x/sys/cpu to choose the AVX2 assembly. It must build for
// GOOS=js GOARCH=wasm, because the browser viewer decodes with it.
// internal/layering enforces this.
//
// The assembly (jpeg_amd64.s for the encoder, jpeg_decode_amd64.s for the
// decoder) computes exactly what the Go code computes, which every other
// platform runs (the browser viewer too), and which the build tag purego
// selects on amd64; tests compare the two on every build with AVX2.
//
// An Encoder or a Decoder is not safe for concurrent use (except
// [Encoder.SetQuality]); use one per stream. An Encoder runs worker
// goroutines ([WithConcurrency]) until Close.
package codec
