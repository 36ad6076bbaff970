package input

import (
	"context"
	"slices"
	"sync"
)

// Injector performs events on the machine.
type Injector interface {
	// Inject performs e. An invalid event returns an error wrapping
	// ErrInvalid; an event the system cannot perform, one wrapping
	// ErrUnsupportedKey, ErrUnsupportedButton or ErrUnsupportedText.
	// ctx bounds the wait for the display.
	Inject(ctx context.Context, e Event) error
	// Close releases any key or button still held down, then the injector.
	// It is idempotent.
	Close() error
}

// HeldKeys tracks the keys and mouse buttons currently held down through an
// injector, so that it can release them when the session ends: a viewer that
// disconnects between a key press and its release must not leave Shift or a
// mouse button stuck on the host. The zero value is ready; it is safe for
// concurrent use.
type HeldKeys struct {
	mu   sync.Mutex
	held []Event // KeyEvent and MouseButton presses, oldest first
}

func sameInput(a, b Event) bool {
	return a.Kind == b.Kind && a.Key == b.Key && a.Button == b.Button
}

// Observe records an event the injector has performed. Presses of keys and
// buttons are remembered (once, however often they repeat), releases forget
// them, and other kinds are ignored.
func (h *HeldKeys) Observe(e Event) {
	if e.Kind != KeyEvent && e.Kind != MouseButton {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	i := slices.IndexFunc(h.held, func(x Event) bool { return sameInput(x, e) })
	switch {
	case e.Down && i < 0:
		h.held = append(h.held, e)
	case !e.Down && i >= 0:
		h.held = slices.Delete(h.held, i, i+1)
	}
}

// Held returns the presses still in effect, oldest first.
func (h *HeldKeys) Held() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.held)
}

// Release returns the events that release everything still held, newest
// press first (so modifiers pressed before a key are released after it),
// and forgets them.
func (h *HeldKeys) Release() []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Event, 0, len(h.held))
	for i := len(h.held) - 1; i >= 0; i-- {
		e := h.held[i]
		e.Down = false
		out = append(out, e)
	}
	h.held = h.held[:0]
	return out
}

// Recorder is an Injector that records events instead of performing them,
// for tests. Like a real injector it validates events and, on Close, releases
// what is still held (the releases are recorded too). It is safe for
// concurrent use.
type Recorder struct {
	mu      sync.Mutex
	events  []Event
	held    HeldKeys
	closed  bool
	changed chan struct{} // closed and replaced at every change
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{changed: make(chan struct{})}
}

func (r *Recorder) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// Inject records e. It returns an error wrapping ErrInvalid for an invalid
// event (nothing is recorded), ErrClosed after Close, or ctx's error.
func (r *Recorder) Inject(ctx context.Context, e Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := e.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.events = append(r.events, e)
	r.held.Observe(e)
	r.notifyLocked()
	return nil
}

// Events returns a copy of the events recorded so far.
func (r *Recorder) Events() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// Wait blocks until at least n events are recorded and returns them all. It
// returns early with what there is and ErrClosed when the recorder closes
// first, or ctx's error when ctx ends first.
func (r *Recorder) Wait(ctx context.Context, n int) ([]Event, error) {
	for {
		r.mu.Lock()
		if len(r.events) >= n {
			out := slices.Clone(r.events)
			r.mu.Unlock()
			return out, nil
		}
		if r.closed {
			out := slices.Clone(r.events)
			r.mu.Unlock()
			return out, ErrClosed
		}
		ch := r.changed
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return r.Events(), ctx.Err()
		}
	}
}

// Close records the release of every key and button still held, then stops
// recording. It is idempotent.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.events = append(r.events, r.held.Release()...)
	r.closed = true
	r.notifyLocked()
	return nil
}

var _ Injector = (*Recorder)(nil)

// Syncer is implemented by injectors whose Inject may return before the
// system has performed the event, such as input/x11 for pointer moves. Sync
// returns once every event injected before it has been performed; hosts
// call it when a viewer asks to know that (rdp's Viewer.Sync).
type Syncer interface {
	Sync(ctx context.Context) error
}

// SecureAttention is implemented by injectors that can perform the secure
// attention sequence (Ctrl+Alt+Del) through the system's own path; where
// keys pressed by software are not enough (Windows' SendSAS). Hosts fall
// back to CtrlAltDel's key events otherwise.
type SecureAttention interface {
	SecureAttention(ctx context.Context) error
}

// CtrlAltDel returns the key events of Ctrl+Alt+Del: the three presses,
// then the releases in reverse order.
func CtrlAltDel() []Event {
	return []Event{
		{Kind: KeyEvent, Key: ControlLeft, Down: true},
		{Kind: KeyEvent, Key: AltLeft, Down: true},
		{Kind: KeyEvent, Key: Delete, Down: true},
		{Kind: KeyEvent, Key: Delete},
		{Kind: KeyEvent, Key: AltLeft},
		{Kind: KeyEvent, Key: ControlLeft},
	}
}
