//go:build cgo && linux

package robotgo

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"sync"

	"github.com/deskhand/deskhand/input"
	rg "github.com/go-vgo/robotgo"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

func init() {
	// xgb logs "Could not get authority info" through a package-level logger
	// to stderr for every connection made without a cookie. It is expected
	// here, so the logger is silenced once, at init, before any connection
	// exists: setting it later would race with xgb's goroutines.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// robotgoDisplay is the display robotgo's Xlib connection is bound to,
// guarded by robotgoMu (robotgo's own copy is unsafe to read before it is
// first set).
var robotgoDisplay string

// x11System watches the X server over its own connection: robotgo's Xlib
// ends the process on any error, so everything that could cause one is
// checked here first.
type x11System struct {
	conn    *xgb.Conn
	mu      sync.Mutex
	keysyms map[uint32]bool
}

func newSystem() (system, error) {
	display := os.Getenv("DISPLAY")
	if display == "" {
		return nil, fmt.Errorf("%w (DISPLAY is unset)", input.ErrNoDisplay)
	}
	conn, err := xgb.NewConnDisplay(display)
	if err != nil {
		return nil, fmt.Errorf("%w: DISPLAY=%s: %v", input.ErrNoDisplay, display, err)
	}
	ext, err := xproto.QueryExtension(conn, uint16(len("XTEST")), "XTEST").Reply()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: DISPLAY=%s: %v", input.ErrNoDisplay, display, err)
	}
	if ext == nil || !ext.Present {
		conn.Close()
		return nil, ErrNoXTest
	}
	s := &x11System{conn: conn}
	if err := s.loadKeymap(context.Background()); err != nil {
		conn.Close()
		return nil, err
	}
	robotgoMu.Lock()
	if robotgoDisplay != display {
		if err := rg.SetXDisplayName(display); err != nil {
			robotgoMu.Unlock()
			conn.Close()
			return nil, fmt.Errorf("%w: robotgo: %v", input.ErrNoDisplay, err)
		}
		robotgoDisplay = display
	}
	robotgoMu.Unlock()
	return s, nil
}

// await waits for an X reply, or ctx.
func await[T any](ctx context.Context, reply func() (T, error)) (T, error) {
	if ctx.Done() == nil {
		return reply()
	}
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := reply()
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

func (s *x11System) loadKeymap(ctx context.Context) error {
	setup := xproto.Setup(s.conn)
	lo, hi := setup.MinKeycode, setup.MaxKeycode
	rep, err := await(ctx, xproto.GetKeyboardMapping(s.conn, lo, byte(hi-lo+1)).Reply)
	if err != nil || rep == nil {
		return fmt.Errorf("%w: read the keyboard map: %v", input.ErrNoDisplay, err)
	}
	m := make(map[uint32]bool, len(rep.Keysyms))
	for _, ks := range rep.Keysyms {
		if ks != 0 {
			m[uint32(ks)] = true
		}
	}
	s.mu.Lock()
	s.keysyms = m
	s.mu.Unlock()
	return nil
}

// alive makes one round trip to the server and reloads the keyboard map if
// it changed since the last event (robotgo remaps a key to type non-ASCII).
func (s *x11System) alive(ctx context.Context) error {
	remap := false
	for {
		ev, _ := s.conn.PollForEvent()
		if ev == nil {
			break
		}
		if m, ok := ev.(xproto.MappingNotifyEvent); ok && m.Request == xproto.MappingKeyboard {
			remap = true
		}
	}
	if _, err := await(ctx, xproto.GetInputFocus(s.conn).Reply); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("%w: the X server stopped answering: %v", input.ErrNoDisplay, err)
	}
	if remap {
		return s.loadKeymap(ctx)
	}
	return nil
}

func (s *x11System) has(keysym uint32) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keysyms[keysym]
}

func (s *x11System) keyOK(k keyInfo) bool {
	return k.name != "" && !k.notOnX11 && k.keysym != 0 && s.has(k.keysym)
}

func (s *x11System) runeOK(r rune) bool {
	switch {
	case r >= 0x20 && r < 0x7f:
		ks, shift := charKeysym(byte(r))
		return s.has(ks) && (!shift || s.has(0xffe1))
	case r > 0xffff:
		// robotgo builds a keysym name from the rune's \u escape, which has
		// no form above U+FFFF: it would press keycode 0.
		return false
	}
	// Other characters are typed by remapping a spare keycode to them.
	return true
}

func (s *x11System) close() { s.conn.Close() }
