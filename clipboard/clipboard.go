package clipboard

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clipboard reads and writes a system clipboard's text.
//
// Implementations are safe for concurrent use; Close may be called while a
// read or write waits, and makes it return ErrClosed.
type Clipboard interface {
	// ReadText returns the clipboard's text as UTF-8 ("" when it holds no
	// text). When the text is longer than max bytes it returns ErrTooLarge
	// (and no text). max must be >= 0.
	ReadText(ctx context.Context, max int) (string, error)
	// WriteText makes text the clipboard's content; the Clipboard keeps
	// serving it to other programs until another program takes the
	// clipboard or Close. A text that is not Valid gives ErrInvalidText.
	WriteText(ctx context.Context, text string) error
	// Changes receives a value (coalesced, buffered 1) whenever another
	// program takes the clipboard, so the caller can ReadText. Writes by
	// this Clipboard do not signal. The channel is closed when the
	// Clipboard is closed or loses its system clipboard.
	Changes() <-chan struct{}
	// Close releases the clipboard (text written by it is no longer served)
	// and ends Changes. It is idempotent.
	Close() error
}

// Valid reports whether text may cross a session: at most max bytes
// (ErrTooLarge), valid UTF-8 and free of NUL bytes (ErrInvalidText). A max
// below 0 gives ErrInvalidArgument. The size is checked first, so a huge
// text is refused without being scanned.
func Valid(text string, max int) error {
	if max < 0 {
		return fmt.Errorf("%w: size limit %d; use 0 or more bytes", ErrInvalidArgument, max)
	}
	if len(text) > max {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(text), max)
	}
	return validText(text)
}

func validText(text string) error {
	if i := strings.IndexByte(text, 0); i >= 0 {
		return fmt.Errorf("%w: NUL at byte %d", ErrInvalidText, i)
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("%w: invalid UTF-8", ErrInvalidText)
	}
	return nil
}

// Sanitize returns text in the form Valid accepts (leaving its size alone):
// NUL bytes are dropped and each run of bytes that is not UTF-8 becomes one
// U+FFFD. Backends pass what other programs offer through it, since a
// program may put anything on a clipboard. A valid text is returned as is,
// without copying.
func Sanitize(text string) string {
	if validText(text) == nil {
		return text
	}
	// Repair first: dropping a NUL first could join the bytes around it
	// into a character that was never there.
	text = strings.ToValidUTF8(text, "\uFFFD")
	return strings.ReplaceAll(text, "\x00", "")
}
