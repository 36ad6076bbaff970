//go:build linux || freebsd || openbsd || netbsd

package screenshot

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/deskhand/deskhand/capture"
	"github.com/jezek/xgb"
)

func init() {
	// kbinani connects through xgb, whose package-level logger prints "Could
	// not get authority info" to stderr for every connection without a
	// cookie (once per frame here). The message is expected and harmless, so
	// the logger is silenced once, at init, before any connection exists:
	// setting it later would race with xgb's goroutines.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// checkDisplay makes sure kbinani will find an X server: it reads $DISPLAY
// itself, and fails (or, in some versions, panics inside xgb) without one.
func checkDisplay() error {
	display := os.Getenv("DISPLAY")
	if display == "" {
		return capture.ErrNoDisplay
	}
	c, err := xgb.NewConnDisplay(display)
	if err != nil {
		return fmt.Errorf("%w: DISPLAY=%s: %v", capture.ErrNoDisplay, display, err)
	}
	c.Close()
	return nil
}
