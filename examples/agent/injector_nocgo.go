//go:build !(cgo && (linux || windows || darwin))

package main

import (
	"errors"
	"image"

	"github.com/deskhand/deskhand/input"
)

func openInjector(image.Point) (input.Injector, error) {
	return nil, errors.New("this agent was built without cgo, which robotgo needs to inject input")
}
