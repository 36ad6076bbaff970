//go:build cgo && linux

package e2e

import (
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/robotgo"
)

// openInjector returns the real injector of the X display named by
// $DISPLAY (robotgo reads it; the benchmark sets it for the host process).
func openInjector() (input.Injector, string, error) {
	inj, err := robotgo.New()
	if err != nil {
		return nil, "", err
	}
	return inj, "input/robotgo", nil
}
