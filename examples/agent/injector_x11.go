//go:build linux || freebsd || openbsd || netbsd

package main

import (
	"image"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/x11"
)

// openInjector injects into the X display the agent captures, through
// XTEST in pure Go: it works in agents built without cgo too.
func openInjector(display string, origin image.Point) (input.Injector, error) {
	return x11.New(x11.WithDisplay(display), x11.WithOrigin(origin.X, origin.Y))
}
