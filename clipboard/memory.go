package clipboard

import (
	"context"
	"fmt"
	"sync"
)

// Memory is a Clipboard held in process memory: for tests, and for hosts
// that have no system clipboard (its text is shared only between the
// session and the host program itself). The zero value is not usable; call
// NewMemory.
type Memory struct {
	mu      sync.Mutex
	text    string
	closed  bool
	changes chan struct{}
}

// NewMemory returns an empty Memory clipboard.
func NewMemory() *Memory {
	return &Memory{changes: make(chan struct{}, 1)}
}

// ReadText returns the text last written by WriteText or SetByOther.
func (m *Memory) ReadText(ctx context.Context, max int) (string, error) {
	if max < 0 {
		return "", fmt.Errorf("%w: ReadText max %d; use 0 or more bytes", ErrInvalidArgument, max)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", ErrClosed
	}
	if len(m.text) > max {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(m.text), max)
	}
	return m.text, nil
}

// WriteText sets the text without signalling Changes, as a system clipboard
// does not tell its writer about its own write.
func (m *Memory) WriteText(ctx context.Context, text string) error {
	if err := validText(text); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.text = text
	return nil
}

// SetByOther acts as another program taking the clipboard with text: the
// text is stored as a backend would read it (through Sanitize) and Changes
// signals. It returns ErrClosed after Close.
func (m *Memory) SetByOther(text string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ErrClosed
	}
	m.text = Sanitize(text)
	select {
	case m.changes <- struct{}{}:
	default: // a signal is already pending: the reader will see this text too
	}
	return nil
}

// Changes signals each SetByOther; it is closed by Close.
func (m *Memory) Changes() <-chan struct{} { return m.changes }

// Close forgets the text and closes Changes. It is idempotent.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.text = ""
		close(m.changes)
	}
	return nil
}

var _ Clipboard = (*Memory)(nil)
