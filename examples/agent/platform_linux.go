package main

import (
	"context"
	"image"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/x11"
	"github.com/deskhand/deskhand/clipboard"
	clipx11 "github.com/deskhand/deskhand/clipboard/x11"
)

// openScreen uses the fast X11 source: one connection, one shared-memory
// segment, ~2 ms per 1080p frame.
// openClipboard opens the display's clipboard. It is opened after the
// screen source: xgb's extension tables must not be set up by both at once.
func openClipboard(ctx context.Context, display string) (clipboard.Clipboard, error) {
	return clipx11.Open(ctx, clipx11.WithDisplay(display))
}

func openScreen(display string, monitor int) (capture.Source, image.Point, error) {
	src, err := x11.Open(display, x11.WithMonitor(monitor))
	if err != nil {
		return nil, image.Point{}, err
	}
	return src, screenOrigin(src), nil
}
