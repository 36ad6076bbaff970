package clipboard

import "errors"

// ErrTooLarge means a text is longer than the size limit it was checked
// against. Raise the limit (the host's clipboard policy) or copy less text.
var ErrTooLarge = errors.New("clipboard: text is larger than the size limit; copy less text or raise the limit")

// ErrInvalidText means a text is not valid UTF-8 or contains a NUL byte,
// which clipboards cannot carry intact. Convert the text to UTF-8 and drop
// NULs (Sanitize does both) before writing it.
var ErrInvalidText = errors.New("clipboard: text must be valid UTF-8 without NUL bytes; pass it through clipboard.Sanitize")

// ErrClosed means a Clipboard was used after Close. Open a new one.
var ErrClosed = errors.New("clipboard: clipboard is closed; open a new one")

// ErrUnavailable means the system clipboard cannot be reached: no display
// was named, nothing answers there, or the connection to it was lost. Open
// the clipboard again once the display is up, or use a Memory clipboard.
var ErrUnavailable = errors.New("clipboard: the system clipboard cannot be reached; open it again once the display is up")

// ErrInvalidArgument means an option or argument is outside its documented
// range (for example a negative size limit).
var ErrInvalidArgument = errors.New("clipboard: invalid option or argument value (see its documented range)")
