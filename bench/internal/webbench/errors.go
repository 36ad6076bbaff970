package webbench

import "errors"

var (
	// ErrUsage means the command line was wrong; the message says which flag.
	ErrUsage = errors.New("webbench: bad command line; run `go run ./bench web -h`")

	// ErrNoChromium means no Chromium was found to drive.
	ErrNoChromium = errors.New("webbench: no Chromium found; apt-get install chromium (Debian's package) or pass --chromium PATH")

	// ErrMissingTool means a program the benchmark drives is not installed.
	ErrMissingTool = errors.New("webbench: a program the benchmark drives is missing; apt-get install xvfb xterm xdotool")

	// ErrNoPicture means the page did not show what the benchmark waited for
	// in time: a broken build of the viewer, or a machine far too slow.
	ErrNoPicture = errors.New("webbench: the viewer page did not show the screen in time; run `go test ./web` to check the viewer")
)
