//go:build !(cgo && linux)

package e2e

import (
	"os"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/x11"
)

// openInjector returns input/x11's injector of the X display named by
// $DISPLAY (the benchmark sets it for the host process); it needs no cgo.
func openInjector() (input.Injector, string, error) {
	inj, err := x11.New(x11.WithDisplay(os.Getenv("DISPLAY")))
	if err != nil {
		return nil, "", err
	}
	return inj, "input/x11", nil
}
