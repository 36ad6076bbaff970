//go:build linux || freebsd || openbsd || netbsd

package x11_test

import (
	"context"
	"errors"
	"log"
	"os"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/clipboard/x11"
)

// A host shares its clipboard with a session: it pushes local changes, and
// writes what the viewer sends, each direction under its own policy.
func Example() {
	ctx := context.Background()
	var cb clipboard.Clipboard
	x, err := x11.Open(ctx, x11.WithDisplay(os.Getenv("DISPLAY")))
	switch {
	case errors.Is(err, clipboard.ErrUnavailable):
		cb = clipboard.NewMemory() // no display: the session's text stays in the host
	case err != nil:
		log.Fatal(err)
	default:
		cb = x
	}
	defer cb.Close()

	const limit = 1 << 20
	fromViewer := make(chan string) // fed by the session
	for {
		select {
		case _, ok := <-cb.Changes():
			if !ok {
				return // the display went away
			}
			text, err := cb.ReadText(ctx, limit)
			if errors.Is(err, clipboard.ErrTooLarge) {
				continue // the policy says no
			}
			if err != nil {
				log.Print(err)
				continue
			}
			_ = text // send to the viewer
		case text := <-fromViewer:
			if clipboard.Valid(text, limit) != nil {
				continue
			}
			if err := cb.WriteText(ctx, text); err != nil {
				log.Print(err)
			}
		}
	}
}
