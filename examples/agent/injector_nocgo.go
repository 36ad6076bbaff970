//go:build !(linux || freebsd || openbsd || netbsd) && !(cgo && (windows || darwin))

package main

import (
	"errors"
	"image"

	"github.com/deskhand/deskhand/input"
)

func openInjector(string, image.Point) (input.Injector, error) {
	return nil, errors.New("this agent was built without cgo, which robotgo needs to inject input on this system")
}
