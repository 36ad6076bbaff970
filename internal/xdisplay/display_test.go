package xdisplay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestParse(t *testing.T) {
	good := []struct {
		in      string
		network string
		addr0   string
		number  int
		screen  int
	}{
		{":0", "unix", "/tmp/.X11-unix/X0", 0, 0},
		{":12.1", "unix", "/tmp/.X11-unix/X12", 12, 1},
		{"unix:3", "unix", "/tmp/.X11-unix/X3", 3, 0},
		{"localhost:10.0", "tcp", "localhost:6010", 10, 0},
		{"tcp/example.org:2", "tcp", "example.org:6002", 2, 0},
		{"[::1]:1", "tcp", "[::1]:6001", 1, 0},
		{"/tmp/launch-x/org.xquartz:0", "unix", "/tmp/launch-x/org.xquartz:0", 0, 0},
	}
	for _, g := range good {
		a, err := Parse(g.in)
		require.NoError(t, err, g.in)
		assert.Equal(t, g.in, a.Name)
		assert.Equal(t, g.network, a.Network, g.in)
		assert.Equal(t, g.addr0, a.Addrs[0], g.in)
		assert.Equal(t, g.number, a.Number, g.in)
		assert.Equal(t, g.screen, a.Screen, g.in)
		assert.Equal(t, g.network == "unix", a.Local(), g.in)
	}
	for _, bad := range []string{"", "0", ":", ":x", ":-1", ":1.x", ":1.-2", "host::0", "foo/bar:1", ":+1", ":99999", ":1.256"} {
		_, err := Parse(bad)
		assert.ErrorIs(t, err, ErrBadName, "%q", bad)
		var ne *NameError
		require.ErrorAs(t, err, &ne, "%q", bad)
		assert.Equal(t, bad, ne.Name)
	}
}

// The backends prefix their own sentinel; the result must read as it did
// when each had its own copy of Parse.
func TestNameErrorWrapped(t *testing.T) {
	sentinel := errors.New("x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N")
	_, err := Parse("no-colon")
	wrapped := fmt.Errorf("%w: %w", sentinel, err)
	assert.EqualError(t, wrapped, `x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N: "no-colon": no ':'`)
	assert.ErrorIs(t, wrapped, sentinel)
	assert.ErrorIs(t, wrapped, ErrBadName)
	assert.NotErrorIs(t, errors.New("other"), ErrBadName)
}

// Dial goes down the list until an address answers.
func TestDialFallsBack(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, "x:0"))
	require.NoError(t, err)
	defer ln.Close()

	a, err := Parse(filepath.Join(dir, "x") + ":0")
	require.NoError(t, err)
	require.Equal(t, []string{ln.Addr().String()}, a.Addrs)
	a.Addrs = append([]string{filepath.Join(dir, "missing")}, a.Addrs...)
	c, err := Dial(context.Background(), a)
	require.NoError(t, err)
	s, err := ln.Accept()
	require.NoError(t, err)
	_, err = c.Write([]byte("l"))
	require.NoError(t, err)
	got := make([]byte, 1)
	_, err = s.Read(got)
	require.NoError(t, err)
	assert.Equal(t, "l", string(got))
	require.NoError(t, s.Close())
	require.NoError(t, c.Close())
}

func TestDialErrors(t *testing.T) {
	dir := t.TempDir()
	a := Addr{Name: "test", Network: "unix", Addrs: []string{filepath.Join(dir, "a"), filepath.Join(dir, "b")}}
	_, err := Dial(context.Background(), a)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "a"))
	assert.Contains(t, err.Error(), filepath.Join(dir, "b"))

	// A cancelled context stops at the first address.
	ln, err := net.Listen("unix", filepath.Join(dir, "b"))
	require.NoError(t, err)
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Dial(ctx, a)
	assert.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, err.Error(), filepath.Join(dir, "b"))

	// Not from Parse: no address at all must still give an error, not a nil
	// connection with a nil error.
	c, err := Dial(context.Background(), Addr{Name: "empty", Network: "unix"})
	assert.ErrorIs(t, err, ErrNoAddress)
	assert.Nil(t, c)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{":0", ":1.2", "host:3", "tcp/h:4.5", "/tmp/s:0", "unix:7", "h::0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			var ne *NameError
			if !errors.Is(err, ErrBadName) || !errors.As(err, &ne) || ne.Name != s {
				t.Fatalf("%q: unexpected error %v", s, err)
			}
			return
		}
		if len(a.Addrs) == 0 || a.Number < 0 || a.Screen < 0 || a.Screen > 255 || a.Name != s {
			t.Fatalf("%q: bad result %+v", s, a)
		}
		if a.Network != "unix" && a.Network != "tcp" {
			t.Fatalf("%q: network %q", s, a.Network)
		}
	})
}
