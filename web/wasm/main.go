//go:build js

package main

import (
	"syscall/js"
)

func main() {
	a := &app{startedMs: now()}
	js.Global().Set("deskhand", a.api())
	// viewer.js waits for this before it connects.
	if ready := js.Global().Get("deskhandReady"); ready.Type() == js.TypeFunction {
		ready.Invoke()
	}
	select {} // serve the page's calls for as long as it lives
}
