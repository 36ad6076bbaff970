//go:build cgo && (linux || windows || darwin)

package robotgo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/deskhand/deskhand/input"
	rg "github.com/go-vgo/robotgo"
)

// robotgoMu serialises every call into robotgo. robotgo keeps one
// process-wide Xlib connection, which is not safe for concurrent use, and
// its sleep settings are package variables: no two injectors may call it at
// once, so this lock has to be package-level too.
var robotgoMu sync.Mutex

// openInjectors counts injectors not yet closed, guarded by robotgoMu. When
// the last one closes, robotgo's Xlib connection is closed too: left open,
// Xlib would end the process (at exit, or at robotgo's next call) once that
// X server goes away.
var openInjectors int

// Option configures New.
type Option func(*options) error

type options struct {
	ox, oy int
	log    *slog.Logger
}

// maxOrigin bounds WithOrigin: screens are at most 32767 pixels across on X11.
const maxOrigin = 1 << 16

// WithOrigin sets the screen position of the shared frame's top-left pixel
// (the captured monitor's origin, capture.Bounder.Bounds().Min); it is added
// to every pointer position. Default (0, 0); each -65536..65536.
func WithOrigin(x, y int) Option {
	return func(o *options) error {
		if x < -maxOrigin || x > maxOrigin || y < -maxOrigin || y > maxOrigin {
			return fmt.Errorf("robotgo: WithOrigin(%d, %d): each coordinate must be within ±%d: %w", x, y, maxOrigin, input.ErrInvalid)
		}
		o.ox, o.oy = x, y
		return nil
	}
}

// WithLogger sets where the injector reports dropped events and releases (at
// debug level). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("robotgo: WithLogger(nil): %w", input.ErrInvalid)
		}
		o.log = l
		return nil
	}
}

// system is the platform part: on X11 it checks the server and its keyboard
// map before robotgo touches them.
type system interface {
	// alive returns an error when the display no longer answers.
	alive(ctx context.Context) error
	// keyOK reports whether robotgo can press k on this display.
	keyOK(k keyInfo) bool
	// runeOK reports whether robotgo can type r on this display.
	runeOK(r rune) bool
	close()
}

// Injector performs input events on the local desktop through robotgo. It
// implements input.Injector and is safe for concurrent use.
type Injector struct {
	opts   options
	sys    system
	held   input.HeldKeys
	mu     sync.Mutex
	closed bool
}

// New returns an injector for the local desktop. On Linux it returns
// input.ErrNoDisplay when DISPLAY is unset or no X server answers there, and
// ErrNoXTest when the server cannot take synthetic input.
func New(opts ...Option) (*Injector, error) {
	o := options{}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	sys, err := newSystem()
	if err != nil {
		return nil, err
	}
	robotgoMu.Lock()
	rg.MouseSleep = 0
	rg.KeySleep = 0
	openInjectors++
	robotgoMu.Unlock()
	return &Injector{opts: o, sys: sys}, nil
}

// Inject performs e. Invalid events return an error wrapping input.ErrInvalid;
// events this system cannot perform return input.ErrUnsupportedKey,
// ErrUnsupportedButton or ErrUnsupportedText and are dropped; a display that
// stopped answering returns input.ErrNoDisplay.
func (in *Injector) Inject(ctx context.Context, e input.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return input.ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := in.sys.alive(ctx); err != nil {
		return err
	}
	if err := in.perform(e); err != nil {
		in.opts.log.Debug("robotgo: event dropped", "event", e, "err", err)
		return err
	}
	in.held.Observe(e)
	return nil
}

func (in *Injector) perform(e input.Event) error {
	switch e.Kind {
	case input.MouseMove:
		robotgoMu.Lock()
		defer robotgoMu.Unlock()
		rg.Move(e.X+in.opts.ox, e.Y+in.opts.oy)
		return nil
	case input.MouseButton:
		return in.button(e)
	case input.MouseWheel:
		dx := e.DX
		if runtime.GOOS == "windows" {
			dx = 0 // robotgo v1.1.0 sends it as a vertical wheel (see doc.go)
		}
		robotgoMu.Lock()
		defer robotgoMu.Unlock()
		// robotgo's Scroll counts up and left as positive (its ScrollDir
		// passes -n for "down" and "right"); events count down and right.
		rg.Scroll(-dx, -e.DY, 0)
		return nil
	case input.KeyEvent:
		return in.key(e.Key, e.Down)
	case input.TextEvent:
		return in.text(e.Text)
	}
	return fmt.Errorf("%w: kind %v", input.ErrInvalid, e.Kind)
}

func (in *Injector) button(e input.Event) error {
	var name string
	switch e.Button {
	case input.ButtonLeft:
		name = "left"
	case input.ButtonMiddle:
		name = "center"
	case input.ButtonRight:
		name = "right"
	default:
		return fmt.Errorf("%w: %v (robotgo has no side buttons)", input.ErrUnsupportedButton, e.Button)
	}
	dir := "up"
	if e.Down {
		dir = "down"
	}
	robotgoMu.Lock()
	defer robotgoMu.Unlock()
	return rg.Toggle(name, dir)
}

func (in *Injector) key(k input.Key, down bool) error {
	info, ok := keys[k]
	if !ok || !in.sys.keyOK(info) {
		return fmt.Errorf("%w: %v", input.ErrUnsupportedKey, k)
	}
	dir := "up"
	if down {
		dir = "down"
	}
	robotgoMu.Lock()
	defer robotgoMu.Unlock()
	if err := rg.KeyToggle(info.name, dir); err != nil {
		return fmt.Errorf("%w: %v: %v", input.ErrUnsupportedKey, k, err)
	}
	return nil
}

// text types s. robotgo cannot type control characters: newlines, returns
// and tabs become Enter and Tab presses, anything else rejects the whole
// text before a character is typed.
func (in *Injector) text(s string) error {
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || !in.sys.runeOK(r) {
			return fmt.Errorf("%w: %U", input.ErrUnsupportedText, r)
		}
	}
	if strings.ContainsAny(s, "\r\n") && !in.sys.keyOK(keys[input.Enter]) {
		return fmt.Errorf("%w: Enter is not on the keyboard map", input.ErrUnsupportedText)
	}
	if strings.ContainsRune(s, '\t') && !in.sys.keyOK(keys[input.Tab]) {
		return fmt.Errorf("%w: Tab is not on the keyboard map", input.ErrUnsupportedText)
	}
	start := 0
	flush := func(end int) {
		if end > start {
			robotgoMu.Lock()
			rg.TypeStr(s[start:end])
			robotgoMu.Unlock()
		}
	}
	for i := 0; i < len(s); i++ {
		var k input.Key
		switch s[i] {
		case '\n':
			if i > 0 && s[i-1] == '\r' {
				flush(i)
				start = i + 1
				continue // "\r\n" is one Enter, pressed for the '\r'
			}
			k = input.Enter
		case '\r':
			k = input.Enter
		case '\t':
			k = input.Tab
		default:
			continue
		}
		flush(i)
		start = i + 1
		if err := in.tap(k); err != nil {
			return err
		}
	}
	flush(len(s))
	return nil
}

func (in *Injector) tap(k input.Key) error {
	if err := in.key(k, true); err != nil {
		return err
	}
	return in.key(k, false)
}

// closeTimeout bounds Close's check that the display still answers.
const closeTimeout = 5 * time.Second

// Close releases every key and button still held through this injector
// (newest first), then the injector. It is idempotent. When the display no
// longer answers, nothing is released.
func (in *Injector) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.closed {
		return nil
	}
	in.closed = true
	var errs []error
	// Bounded, because Close takes no context and the server may be stuck.
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	alive := in.sys.alive(ctx)
	cancel()
	releases := in.held.Release()
	switch {
	case alive != nil && len(releases) > 0:
		errs = append(errs, alive)
	case alive == nil:
		for _, e := range releases {
			in.opts.log.Debug("robotgo: releasing on close", "event", e)
			if err := in.perform(e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	robotgoMu.Lock()
	openInjectors--
	if openInjectors == 0 && alive == nil {
		rg.CloseMainDisplay()
	}
	robotgoMu.Unlock()
	in.sys.close()
	return errors.Join(errs...)
}

var _ input.Injector = (*Injector)(nil)
