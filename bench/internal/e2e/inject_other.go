//go:build !(cgo && linux)

package e2e

import "github.com/deskhand/deskhand/input"

// openInjector falls back to recording: input/robotgo needs cgo.
func openInjector() (input.Injector, string, error) {
	return input.NewRecorder(), "input.Recorder (no cgo: events recorded, not performed)", nil
}
