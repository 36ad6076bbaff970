package screenshot

import "errors"

// ErrNoDisplays means the system reports no active display to capture (a
// headless Windows session, a locked macOS screen without permission, or an
// X server kbinani cannot read monitors from).
var ErrNoDisplays = errors.New("screenshot: the system reports no active display; check the session and screen-recording permission")
