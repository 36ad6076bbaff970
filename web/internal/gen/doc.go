// Command gen builds the browser viewer's WebAssembly module for package
// web and records what it was built from; `go generate ./web` runs it.
//
// It writes, under the web package's assets/ folder:
//
//   - viewer.wasm.gz: web/wasm built with GOOS=js GOARCH=wasm, -trimpath
//     and -ldflags=-s -w, compressed with gzip at its best level;
//   - wasm_exec.js: the Go toolchain's JavaScript support for that module,
//     copied from $(go env GOROOT)/lib/wasm, which must match the
//     toolchain that built the module;
//   - viewer.wasm.txt: the Go version, a hash of every source file and
//     dependency version the module was built from, and the module's
//     hashes and sizes.
//
// With -check it builds nothing: it recomputes the source hash and checks
// the three files against it and against each other, and exits with
// status 1, saying what to run, when they are stale. Package web's tests
// run it. With -verify it also rebuilds the module in a temporary folder
// and compares it byte for byte (Go's builds are reproducible with the
// same toolchain and -trimpath).
package main
