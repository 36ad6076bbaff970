package xconn

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"

	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/jezek/xgb"
)

func init() {
	// xgb logs through a package-level logger to stderr: "Could not get
	// authority info" for every connection made without a cookie, and a
	// line for every read error when a connection ends. Both are expected
	// and reported as errors by the backends, so it is silenced once, at
	// init, before any connection exists: setting it later would race with
	// the goroutines of connections already open.
	xgb.Logger = log.New(io.Discard, "", 0)
}

// Conn is an open connection to an X server.
type Conn struct {
	Net     net.Conn  // the socket
	X       *xgb.Conn // the X connection over it
	stop    func() bool
	ctx     context.Context
	display string
}

// Open connects to the display at addr (named display in errors), with the
// cookie of the Xauthority file xauthority ("" for the usual one: see
// xdisplay.XauthorityPath).
//
// ctx bounds the connection and, until Release, the caller's setup that
// follows: when ctx ends, the socket is closed, which is the one thing that
// unblocks every xgb call, the handshake included.
//
// Errors: one wrapping ctx.Err() when ctx ended first; else one wrapping
// unavailable (the caller's "no display" error) that says whether nothing
// answered or the server refused the connection.
func Open(ctx context.Context, addr xdisplay.Addr, display, xauthority string, unavailable error) (*Conn, error) {
	nc, err := xdisplay.Dial(ctx, addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("x11: connect to %s: %w", display, ctx.Err())
		}
		return nil, fmt.Errorf("%w: nothing answers at %s: %v", unavailable, display, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = nc.Close() })
	cookie := xdisplay.FindCookie(xdisplay.XauthorityPath(xauthority), addr, nc)
	var conn *xgb.Conn
	if cookie != nil {
		conn, err = xgb.NewConnNetWithCookieHex(nc, hex.EncodeToString(cookie))
	} else {
		conn, err = xgb.NewConnNet(nc)
	}
	if err != nil {
		stop()
		_ = nc.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("x11: handshake with %s: %w", display, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %s refused the connection: %v", unavailable, display, err)
	}
	return &Conn{Net: nc, X: conn, stop: stop, ctx: ctx, display: display}, nil
}

// Release ends ctx's hold on the connection once the caller's setup is
// done. It reports false if ctx had already ended, and so closed the
// socket. Calling it again returns false.
func (c *Conn) Release() bool { return c.stop() }

// Setup ends the caller's setup, whose result is err. On success, with the
// context still live, it releases the context's hold and returns nil.
// Otherwise it closes the connection, waits for xgb's reader goroutine to
// end, and returns err, or one wrapping the context's error when the
// context ended first.
func (c *Conn) Setup(err error) error {
	if err == nil && !c.Release() {
		err = c.ctx.Err()
	}
	if err == nil {
		return nil
	}
	_ = c.Net.Close()
	// xgb's reader goroutine ends by closing the event queue.
	for {
		if ev, xerr := c.X.WaitForEvent(); ev == nil && xerr == nil {
			break
		}
	}
	if c.ctx.Err() != nil {
		return fmt.Errorf("x11: set up %s: %w", c.display, c.ctx.Err())
	}
	return err
}
