package web

// The browser viewer's module, built from web/wasm into assets/ (see the
// package documentation); run after changing web/wasm or what it imports.
//go:generate go run ./internal/gen
