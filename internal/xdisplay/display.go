package xdisplay

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strconv"
	"strings"
)

// Addr is a parsed X display name.
type Addr struct {
	Name    string   // the display name as given, for messages
	Network string   // "unix" or "tcp"
	Addrs   []string // tried in order by Dial
	Host    string   // the host for "tcp", "" for local sockets
	Number  int      // the display number, 0..59535 (the TCP port less 6000)
	Screen  int      // the screen number, 0..255
}

// Local reports whether the server is reached through a local socket, the
// only case where it can share memory with us.
func (a Addr) Local() bool { return a.Network == "unix" }

// Parse parses an X display name the way Xlib does:
// [protocol/][host]:number[.screen], or /path/to/socket:number[.screen].
// Every error it returns is a *NameError.
func Parse(name string) (Addr, error) {
	a := Addr{Name: name}
	bad := func(why string) (Addr, error) {
		return Addr{}, &NameError{Name: name, Reason: why}
	}
	colon := strings.LastIndexByte(name, ':')
	if colon < 0 {
		return bad("no ':'")
	}
	head, tail := name[:colon], name[colon+1:]
	num, scr, hasScreen := strings.Cut(tail, ".")
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 || n > 65535-6000 || strings.HasPrefix(num, "+") {
		return bad("the display number must be a small non-negative integer")
	}
	a.Number = n
	if hasScreen {
		s, err := strconv.Atoi(scr)
		if err != nil || s < 0 || s > 255 || strings.HasPrefix(scr, "+") {
			return bad("the screen number must be 0..255")
		}
		a.Screen = s
	}
	switch {
	case strings.HasPrefix(head, "/"):
		// launchd-style socket path, as xgb and Xlib accept.
		a.Network = "unix"
		a.Addrs = []string{head + ":" + num}
		return a, nil
	case strings.HasSuffix(head, ":"):
		return bad("DECnet (host::n) is not supported")
	}
	proto, host, hasProto := strings.Cut(head, "/")
	if !hasProto {
		host, proto = proto, ""
	}
	switch proto {
	case "", "unix", "local", "tcp", "inet", "inet6":
	default:
		return bad("unknown protocol " + strconv.Quote(proto))
	}
	if (host == "" || host == "unix") && (proto == "" || proto == "unix" || proto == "local") {
		a.Network = "unix"
		path := "/tmp/.X11-unix/X" + num
		a.Addrs = []string{path}
		if runtime.GOOS == "linux" {
			// Servers also listen on the abstract socket, which stays
			// reachable when /tmp is not shared (containers).
			a.Addrs = append(a.Addrs, "@"+path)
		}
		return a, nil
	}
	if host == "" || host == "unix" {
		host = "localhost"
	}
	a.Network = "tcp"
	a.Host = host
	a.Addrs = []string{net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(6000+n))}
	return a, nil
}

// Dial connects to the first address of a that answers. The error joins
// those of every address tried; ctx ends the attempts.
func Dial(ctx context.Context, a Addr) (net.Conn, error) {
	if len(a.Addrs) == 0 {
		return nil, ErrNoAddress
	}
	var dialer net.Dialer
	var errs []error
	for _, addr := range a.Addrs {
		c, err := dialer.DialContext(ctx, a.Network, addr)
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}
