//go:build !linux

package main

import (
	"context"
	"errors"
	"image"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/screenshot"
	"github.com/deskhand/deskhand/clipboard"
)

// openClipboard: no clipboard backend for this system yet.
func openClipboard(context.Context, string) (clipboard.Clipboard, error) {
	return nil, errors.New("no clipboard backend for this system yet")
}

func openScreen(_ string, monitor int) (capture.Source, image.Point, error) {
	src, err := screenshot.Open(monitor)
	if err != nil {
		return nil, image.Point{}, err
	}
	return src, screenOrigin(src), nil
}
