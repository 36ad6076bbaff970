//go:build cgo && linux

package e2e

import (
	"os"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/input/robotgo"
	"github.com/deskhand/deskhand/input/x11"
)

// injectorEnv, set to "robotgo" in the benchmark's environment, makes the
// host inject through input/robotgo instead of input/x11, to compare them.
const injectorEnv = "DESKHAND_BENCH_INJECTOR"

// openInjector returns the real injector of the X display named by
// $DISPLAY (the benchmark sets it for the host process): input/x11, as the
// agent uses on Linux, or input/robotgo when $DESKHAND_BENCH_INJECTOR is
// "robotgo".
func openInjector() (input.Injector, string, error) {
	if os.Getenv(injectorEnv) == "robotgo" {
		inj, err := robotgo.New()
		if err != nil {
			return nil, "", err
		}
		return inj, "input/robotgo", nil
	}
	inj, err := x11.New(x11.WithDisplay(os.Getenv("DISPLAY")))
	if err != nil {
		return nil, "", err
	}
	return inj, "input/x11", nil
}
