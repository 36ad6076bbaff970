//go:build !linux

package main

import (
	"image"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/capture/screenshot"
)

func openScreen(_ string, monitor int) (capture.Source, image.Point, error) {
	src, err := screenshot.Open(monitor)
	if err != nil {
		return nil, image.Point{}, err
	}
	return src, screenOrigin(src), nil
}
