package main

import (
	"image"

	"github.com/deskhand/deskhand/capture"
)

// screenOrigin is where the shared area starts on the desktop: viewers send
// positions relative to what they see, the injector needs desktop ones.
func screenOrigin(src capture.Source) image.Point {
	if b, ok := src.(capture.Bounder); ok {
		return b.Bounds().Min
	}
	return image.Point{}
}
