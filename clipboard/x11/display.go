//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// This file is a copy of capture/x11/display.go: the import policy keeps the
// two backends apart. A fix to one belongs in both.

// displayAddr is a parsed X display name.
type displayAddr struct {
	name    string
	network string   // "unix" or "tcp"
	addrs   []string // tried in order
	host    string   // "" for local sockets
	number  int
	screen  int
}

// parseDisplay parses an X display name the way Xlib does:
// [protocol/][host]:number[.screen], or /path/to/socket:number[.screen].
func parseDisplay(name string) (displayAddr, error) {
	d := displayAddr{name: name}
	bad := func(why string) (displayAddr, error) {
		return displayAddr{}, fmt.Errorf("%w: %q: %s", ErrBadDisplayName, name, why)
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
	d.number = n
	if hasScreen {
		s, err := strconv.Atoi(scr)
		if err != nil || s < 0 || s > 255 || strings.HasPrefix(scr, "+") {
			return bad("the screen number must be 0..255")
		}
		d.screen = s
	}
	switch {
	case strings.HasPrefix(head, "/"):
		// launchd-style socket path, as xgb and Xlib accept.
		d.network = "unix"
		d.addrs = []string{head + ":" + num}
		return d, nil
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
		d.network = "unix"
		path := "/tmp/.X11-unix/X" + num
		d.addrs = []string{path}
		if runtime.GOOS == "linux" {
			// Servers also listen on the abstract socket, which stays
			// reachable when /tmp is not shared (containers).
			d.addrs = append(d.addrs, "@"+path)
		}
		return d, nil
	}
	if host == "" || host == "unix" {
		host = "localhost"
	}
	d.network = "tcp"
	d.host = host
	d.addrs = []string{net.JoinHostPort(strings.Trim(host, "[]"), strconv.Itoa(6000+n))}
	return d, nil
}

// dial connects to the first address of d that answers.
func dial(ctx context.Context, d displayAddr) (net.Conn, error) {
	var dialer net.Dialer
	var errs []error
	for _, a := range d.addrs {
		c, err := dialer.DialContext(ctx, d.network, a)
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

// Xauthority address families (X11/Xauth.h).
const (
	familyInternet  = 0
	familyInternet6 = 6
	familyLocal     = 256
	familyWild      = 65535
)

// maxXauthority bounds how much of an Xauthority file is read: real ones
// hold a few entries of a few dozen bytes.
const maxXauthority = 1 << 20

type xauthEntry struct {
	family uint16
	addr   []byte
	number string
	name   string
	data   []byte
}

// parseXauthority decodes an Xauthority file: a sequence of entries, each a
// big-endian family and four length-prefixed fields. A truncated trailing
// entry ends the list; what came before it stays usable.
func parseXauthority(b []byte) []xauthEntry {
	var out []xauthEntry
	field := func() ([]byte, bool) {
		if len(b) < 2 {
			return nil, false
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			return nil, false
		}
		f := b[2 : 2+n]
		b = b[2+n:]
		return f, true
	}
	for len(b) >= 2 {
		e := xauthEntry{family: binary.BigEndian.Uint16(b)}
		b = b[2:]
		var number, name []byte
		var ok bool
		if e.addr, ok = field(); !ok {
			break
		}
		if number, ok = field(); !ok {
			break
		}
		if name, ok = field(); !ok {
			break
		}
		if e.data, ok = field(); !ok {
			break
		}
		e.number, e.name = string(number), string(name)
		out = append(out, e)
	}
	return out
}

// xauthorityPath returns where the cookie file is: the option, else the
// places every X client looks ($XAUTHORITY, then $HOME/.Xauthority).
func xauthorityPath(opt string) string {
	if opt != "" {
		return opt
	}
	if p := os.Getenv("XAUTHORITY"); p != "" {
		return p
	}
	if home := os.Getenv("HOME"); home != "" {
		return home + "/.Xauthority"
	}
	return ""
}

// findCookie returns the MIT-MAGIC-COOKIE-1 for display d reached through c,
// or nil when the file has none (the server may need none).
func findCookie(path string, d displayAddr, c net.Conn) []byte {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxXauthority))
	if err != nil {
		return nil
	}
	hostname, _ := os.Hostname()
	var remote net.IP
	if d.network == "tcp" {
		if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			remote = a.IP
		}
	}
	if remote != nil && remote.IsLoopback() {
		// Xlib files loopback connections under the local host name.
		remote = nil
	}
	number := strconv.Itoa(d.number)
	for _, e := range parseXauthority(b) {
		if e.name != "MIT-MAGIC-COOKIE-1" || len(e.data) != 16 {
			continue
		}
		if e.number != "" && e.number != number {
			continue
		}
		switch e.family {
		case familyWild:
		case familyLocal:
			if remote != nil || string(e.addr) != hostname {
				continue
			}
		case familyInternet, familyInternet6:
			if remote == nil || !net.IP(e.addr).Equal(remote) {
				continue
			}
		default:
			continue
		}
		return e.data
	}
	return nil
}
