//go:build cgo && (windows || darwin)

package main

import (
	"image"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/robotgo"
)

// openInjector uses robotgo, which injects into the local desktop: display
// names are for X11 only.
func openInjector(_ string, origin image.Point) (input.Injector, error) {
	return robotgo.New(robotgo.WithOrigin(origin.X, origin.Y))
}
