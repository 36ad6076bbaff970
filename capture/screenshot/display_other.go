//go:build !(linux || freebsd || openbsd || netbsd)

package screenshot

// checkDisplay has nothing to check on Windows and macOS: the session's
// displays are always there (NumActiveDisplays reports none otherwise).
func checkDisplay() error { return nil }
