//go:build cgo && (linux || windows || darwin)

package main

import (
	"image"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/robotgo"
)

func openInjector(origin image.Point) (input.Injector, error) {
	return robotgo.New(robotgo.WithOrigin(origin.X, origin.Y))
}
