//go:build !js

package main

import (
	"fmt"
	"os"
)

// main: on other platforms the package builds (its tests run natively)
// but has nothing to do.
func main() {
	fmt.Fprintln(os.Stderr, "wasm: this is deskhand's browser viewer; build it with GOOS=js GOARCH=wasm (go generate ./web)")
	os.Exit(2)
}
