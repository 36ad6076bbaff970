package xdisplay

import (
	"encoding/binary"
	"io"
	"net"
	"os"
	"strconv"
)

// Xauthority address families (X11/Xauth.h).
const (
	FamilyInternet  = 0
	FamilyInternet6 = 6
	FamilyLocal     = 256
	FamilyWild      = 65535
)

// maxXauthority bounds how much of an Xauthority file is read: real ones
// hold a few entries of a few dozen bytes.
const maxXauthority = 1 << 20

// Entry is one record of an Xauthority file.
type Entry struct {
	Family uint16 // one of the Family constants, or another the file names
	Addr   []byte // host name (FamilyLocal) or IP address bytes
	Number string // display number, "" for any
	Name   string // authorization protocol, e.g. "MIT-MAGIC-COOKIE-1"
	Data   []byte // the secret
}

// ParseXauthority decodes an Xauthority file: a sequence of entries, each a
// big-endian family and four length-prefixed fields. A truncated trailing
// entry ends the list; what came before it stays usable. The entries alias b.
func ParseXauthority(b []byte) []Entry {
	var out []Entry
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
		e := Entry{Family: binary.BigEndian.Uint16(b)}
		b = b[2:]
		var number, name []byte
		var ok bool
		if e.Addr, ok = field(); !ok {
			break
		}
		if number, ok = field(); !ok {
			break
		}
		if name, ok = field(); !ok {
			break
		}
		if e.Data, ok = field(); !ok {
			break
		}
		e.Number, e.Name = string(number), string(name)
		out = append(out, e)
	}
	return out
}

// XauthorityPath returns where the cookie file is: opt when set, else the
// places every X client looks ($XAUTHORITY, then $HOME/.Xauthority), else "".
func XauthorityPath(opt string) string {
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

// FindCookie returns the MIT-MAGIC-COOKIE-1 in the Xauthority file at path
// for display a reached through c, or nil when there is none (the server may
// need none) or the file cannot be read. c, the connection Dial made, is
// consulted only for "tcp" displays, to match the server's IP address; nil
// matches as a local connection would.
func FindCookie(path string, a Addr, c net.Conn) []byte {
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
	if a.Network == "tcp" && c != nil {
		if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
			remote = ta.IP
		}
	}
	if remote != nil && remote.IsLoopback() {
		// Xlib files loopback connections under the local host name.
		remote = nil
	}
	number := strconv.Itoa(a.Number)
	for _, e := range ParseXauthority(b) {
		if e.Name != "MIT-MAGIC-COOKIE-1" || len(e.Data) != 16 {
			continue
		}
		if e.Number != "" && e.Number != number {
			continue
		}
		switch e.Family {
		case FamilyWild:
		case FamilyLocal:
			if remote != nil || string(e.Addr) != hostname {
				continue
			}
		case FamilyInternet, FamilyInternet6:
			if remote == nil || !net.IP(e.Addr).Equal(remote) {
				continue
			}
		default:
			continue
		}
		return e.Data
	}
	return nil
}
