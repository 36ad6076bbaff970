package xconn

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"

	"github.com/deskhand/deskhand/internal/xdisplay"
	"github.com/jezek/xgb"
)

// Conn is an open connection to an X server.
type Conn struct {
	Net  net.Conn  // the socket
	X    *xgb.Conn // the X connection over it
	stop func() bool
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
	return &Conn{Net: nc, X: conn, stop: stop}, nil
}

// Release ends ctx's hold on the connection once the caller's setup is
// done. It reports false if ctx had already ended, and so closed the
// socket. Calling it again returns false.
func (c *Conn) Release() bool { return c.stop() }
