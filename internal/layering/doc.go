// Package layering holds the test that enforces deskhand's import policy
// (STYLE.md): which package may import which, which ones stay free of pion
// and cgo, and which ones build for GOOS=js GOARCH=wasm. It has no code of
// its own and nothing may import it.
package layering
