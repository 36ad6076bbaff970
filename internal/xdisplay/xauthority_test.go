package xdisplay

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func entryBytes(family uint16, addr, number, name string, data []byte) []byte {
	var b []byte
	put := func(s []byte) {
		b = append(b, byte(len(s)>>8), byte(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(family>>8), byte(family))
	put([]byte(addr))
	put([]byte(number))
	put([]byte(name))
	put(data)
	return b
}

func TestParseXauthority(t *testing.T) {
	cookie := bytes.Repeat([]byte{7}, 16)
	file := entryBytes(FamilyLocal, "box", "3", "MIT-MAGIC-COOKIE-1", cookie)
	file = append(file, entryBytes(FamilyInternet, "\x7f\x00\x00\x01", "", "XDM-AUTHORIZATION-1", []byte{1, 2})...)
	file = append(file, 0x00, 0x00, 0x00, 0x05, 'a') // a truncated trailing entry
	assert.Equal(t, []Entry{
		{Family: FamilyLocal, Addr: []byte("box"), Number: "3", Name: "MIT-MAGIC-COOKIE-1", Data: cookie},
		{Family: FamilyInternet, Addr: []byte{127, 0, 0, 1}, Number: "", Name: "XDM-AUTHORIZATION-1", Data: []byte{1, 2}},
	}, ParseXauthority(file))
	assert.Empty(t, ParseXauthority(nil))
	assert.Empty(t, ParseXauthority([]byte{1}))
}

func TestFindCookie(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	want := bytes.Repeat([]byte{7}, 16)
	var file []byte
	file = append(file, entryBytes(FamilyLocal, "otherhost", "5", "MIT-MAGIC-COOKIE-1", bytes.Repeat([]byte{1}, 16))...)
	file = append(file, entryBytes(FamilyLocal, host, "4", "MIT-MAGIC-COOKIE-1", bytes.Repeat([]byte{2}, 16))...)
	file = append(file, entryBytes(FamilyLocal, host, "5", "XDM-AUTHORIZATION-1", bytes.Repeat([]byte{3}, 16))...)
	file = append(file, entryBytes(FamilyLocal, host, "5", "MIT-MAGIC-COOKIE-1", want)...)
	file = append(file, 0x01) // a truncated trailing entry
	path := filepath.Join(t.TempDir(), "Xauthority")
	require.NoError(t, os.WriteFile(path, file, 0o600))

	a, err := Parse(":5")
	require.NoError(t, err)
	assert.Equal(t, want, FindCookie(path, a, nil))
	a, err = Parse(":6")
	require.NoError(t, err)
	assert.Nil(t, FindCookie(path, a, nil))
	assert.Nil(t, FindCookie(filepath.Join(t.TempDir(), "missing"), a, nil))
	assert.Nil(t, FindCookie("", a, nil))

	wild := entryBytes(FamilyWild, "", "", "MIT-MAGIC-COOKIE-1", want)
	require.NoError(t, os.WriteFile(path, wild, 0o600))
	assert.Equal(t, want, FindCookie(path, a, nil))
}

// Over TCP the server's address picks the entry, except on loopback, which
// Xlib files under the local host name.
func TestFindCookieTCP(t *testing.T) {
	host, err := os.Hostname()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	a := Addr{Name: "127.0.0.1:0", Network: "tcp", Host: "127.0.0.1", Addrs: []string{ln.Addr().String()}}
	c, err := Dial(t.Context(), a)
	require.NoError(t, err)
	defer c.Close()
	s, err := ln.Accept()
	require.NoError(t, err)
	defer s.Close()

	byIP := bytes.Repeat([]byte{1}, 16)
	byName := bytes.Repeat([]byte{2}, 16)
	path := filepath.Join(t.TempDir(), "Xauthority")
	ipEntry := entryBytes(FamilyInternet, "\x7f\x00\x00\x01", "0", "MIT-MAGIC-COOKIE-1", byIP)
	require.NoError(t, os.WriteFile(path, ipEntry, 0o600))
	assert.Nil(t, FindCookie(path, a, c), "a loopback server is not looked up by IP")
	nameEntry := entryBytes(FamilyLocal, host, "0", "MIT-MAGIC-COOKIE-1", byName)
	require.NoError(t, os.WriteFile(path, append(ipEntry, nameEntry...), 0o600))
	assert.Equal(t, byName, FindCookie(path, a, c))
}

func TestXauthorityPath(t *testing.T) {
	t.Setenv("XAUTHORITY", "/x/auth")
	t.Setenv("HOME", "/home/u")
	assert.Equal(t, "/given", XauthorityPath("/given"))
	assert.Equal(t, "/x/auth", XauthorityPath(""))
	t.Setenv("XAUTHORITY", "")
	assert.Equal(t, "/home/u/.Xauthority", XauthorityPath(""))
	t.Setenv("HOME", "")
	assert.Equal(t, "", XauthorityPath(""))
}

// FuzzParseXauthority: the file is whatever is on disk.
func FuzzParseXauthority(f *testing.F) {
	f.Add([]byte{})
	f.Add(entryBytes(FamilyLocal, "host", "0", "MIT-MAGIC-COOKIE-1", bytes.Repeat([]byte{9}, 16)))
	f.Add([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 0, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > maxXauthority {
			return
		}
		entries := ParseXauthority(b)
		// Re-encoding the entries gives a prefix of the input.
		var re []byte
		for _, e := range entries {
			re = append(re, entryBytes(e.Family, string(e.Addr), e.Number, e.Name, e.Data)...)
		}
		if !bytes.HasPrefix(b, re) {
			t.Fatalf("entries do not re-encode to a prefix of the input")
		}
	})
}
