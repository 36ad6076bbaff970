//go:build !linux

package e2e

import (
	"context"
	"image"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/internal/xvfb"
)

// xScreen is not available here: the Xvfb screen needs Linux.
type xScreen struct{}

func (*xScreen) put(image.Rectangle, []byte) error   { return ErrPlatform }
func (*xScreen) scrollUp(image.Rectangle, int) error { return ErrPlatform }
func (*xScreen) flush() error                        { return ErrPlatform }
func (*xScreen) image() (*image.RGBA, error)         { return nil, ErrPlatform }
func (*xScreen) close()                              {}

func startXvfbScreen(context.Context, image.Point) (*xScreen, *xvfb.Server, error) {
	return nil, nil, ErrPlatform
}

func openX11Source(context.Context, string) (capture.Source, error) { return nil, ErrPlatform }
