//go:build !linux

package record

import "context"

func record(context.Context, spec, string, int, options) (Info, error) {
	return Info{}, ErrUnsupported
}
