//go:build linux || freebsd || openbsd || netbsd

package x11

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// bigText is n bytes of mixed ASCII and multi-byte UTF-8 text.
func bigText(n int) string {
	line := "Ligne numéro %d — ünïcødé, emoji 🙂👍, 中文, plain ASCII to fill the rest of it.\n"
	var b strings.Builder
	for i := 0; b.Len() <= n; i++ {
		fmt.Fprintf(&b, line, i)
	}
	s := b.String()
	cut := n
	for !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + strings.Repeat("x", n-cut)
}

var texts = []struct {
	name, text string
}{
	{"ascii", "hello, clipboard"},
	{"utf8", "héllo wörld — ça marche? 🙂👍 日本語\ttab\nnewline"},
	{"empty", ""},
	{"1MiB", bigText(1 << 20)},
}

func TestWriteThenXclipReads(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	var log logs
	c := open(t, srv.Display, WithLogger(slog.New(&log)))
	for _, tc := range texts {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			require.NoError(t, c.WriteText(bg(t), tc.text))
			wrote := time.Since(start)
			out, err := xclipOut(t, srv, "clipboard", "")
			require.NoError(t, err)
			assert.Equal(t, len(tc.text), len(out))
			assert.True(t, tc.text == string(out), "xclip read a different text")
			t.Logf("%d bytes: WriteText %v, WriteText + xclip -o %v", len(tc.text), wrote, time.Since(start))
		})
	}
	assert.Equal(t, 1, log.count("sending by INCR"), "the 1 MiB text must go by INCR")
	noChange(t, c)
}

func TestTargetsAndEncodings(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)
	require.NoError(t, c.WriteText(bg(t), "café"))

	out, err := xclipOut(t, srv, "clipboard", "TARGETS")
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"TARGETS", "MULTIPLE", "TIMESTAMP", "UTF8_STRING", "STRING", "TEXT"},
		strings.Fields(string(out)))

	out, err = xclipOut(t, srv, "clipboard", "STRING")
	require.NoError(t, err)
	assert.Equal(t, "caf\xe9", string(out), "STRING is Latin-1")
	out, err = xclipOut(t, srv, "clipboard", "TEXT")
	require.NoError(t, err)
	assert.Equal(t, "caf\xe9", string(out), "TEXT picks STRING when it is exact")

	require.NoError(t, c.WriteText(bg(t), "€ 🙂"))
	out, err = xclipOut(t, srv, "clipboard", "STRING")
	require.NoError(t, err)
	assert.Equal(t, "? ?", string(out), "STRING cannot carry these")
	out, err = xclipOut(t, srv, "clipboard", "TEXT")
	require.NoError(t, err)
	assert.Equal(t, "€ 🙂", string(out), "TEXT picks UTF8_STRING when STRING would lose")

	_, err = xclipOut(t, srv, "clipboard", "image/png")
	assert.Error(t, err, "an unknown target must be refused")
}

func TestXclipWritesThenChangesAndRead(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	var log logs
	c := open(t, srv.Display, WithLogger(slog.New(&log)))
	for _, tc := range texts {
		if tc.text == "" {
			continue // xclip does not take the selection for empty input
		}
		t.Run(tc.name, func(t *testing.T) {
			noChange(t, c)
			xclipIn(t, srv, "clipboard", []byte(tc.text))
			waitChange(t, c)
			start := time.Now()
			got, err := c.ReadText(bg(t), 4<<20)
			require.NoError(t, err)
			t.Logf("%d bytes: ReadText from xclip %v", len(tc.text), time.Since(start))
			assert.Equal(t, len(tc.text), len(got))
			assert.True(t, tc.text == got, "read a different text")
		})
	}
	// xclip sends by INCR above its chunk (about 1 MiB with BIG-REQUESTS).
	assert.Equal(t, 1, log.count("receiving by INCR"))
}

func TestReadLimits(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)

	xclipIn(t, srv, "clipboard", []byte(strings.Repeat("é", 50)))
	waitChange(t, c)
	_, err := c.ReadText(bg(t), 99)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge)
	got, err := c.ReadText(bg(t), 100)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("é", 50), got)

	big := bigText(1<<20 + 1)
	xclipIn(t, srv, "clipboard", []byte(big))
	waitChange(t, c)
	_, err = c.ReadText(bg(t), 1<<20)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge, "xclip announces no size: cut off while receiving")
	got, err = c.ReadText(bg(t), 1<<20+1)
	require.NoError(t, err, "a read after an abandoned one works")
	assert.Equal(t, len(big), len(got))
	if i := firstDiff(big, got); i >= 0 {
		t.Errorf("texts differ from byte %d", i)
	}

	_, err = c.ReadText(bg(t), -1)
	assert.ErrorIs(t, err, clipboard.ErrInvalidArgument)

	// Our own text obeys the limit too.
	require.NoError(t, c.WriteText(bg(t), "hello"))
	_, err = c.ReadText(bg(t), 4)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge)
	got, err = c.ReadText(bg(t), 5)
	require.NoError(t, err)
	assert.Equal(t, "hello", got)
}

func firstDiff(a, b string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

func TestTwoClipboards(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	var logA, logB logs
	a := open(t, srv.Display, WithLogger(slog.New(&logA)))
	b := open(t, srv.Display, WithLogger(slog.New(&logB)))

	text := bigText(1 << 20)
	require.NoError(t, a.WriteText(bg(t), text))
	waitChange(t, b)
	noChange(t, a)
	start := time.Now()
	got, err := b.ReadText(bg(t), 1<<20)
	require.NoError(t, err)
	t.Logf("1 MiB from one Clipboard to another: %v", time.Since(start))
	assert.True(t, text == got, "read a different text")
	assert.Equal(t, 1, logA.count("sending by INCR"))
	assert.Equal(t, 1, logB.count("receiving by INCR"))

	_, err = b.ReadText(bg(t), 1<<20-1)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge)

	// b takes the clipboard: a learns it and reads b's text, not its own.
	require.NoError(t, b.WriteText(bg(t), "from b"))
	waitChange(t, a)
	got, err = a.ReadText(bg(t), 100)
	require.NoError(t, err)
	assert.Equal(t, "from b", got)
	noChange(t, b)
}

func TestNoOwner(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)
	got, err := c.ReadText(bg(t), 100)
	require.NoError(t, err)
	assert.Equal(t, "", got)
}

func TestPrimary(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display, WithSelection("PRIMARY"))
	require.NoError(t, c.WriteText(bg(t), "selected"))
	out, err := xclipOut(t, srv, "primary", "")
	require.NoError(t, err)
	assert.Equal(t, "selected", string(out))
	_, err = xclipOut(t, srv, "clipboard", "")
	assert.Error(t, err, "CLIPBOARD must stay empty")

	xclipIn(t, srv, "clipboard", []byte("other selection"))
	xclipIn(t, srv, "primary", []byte("mouse"))
	waitChange(t, c)
	got, err := c.ReadText(bg(t), 100)
	require.NoError(t, err)
	assert.Equal(t, "mouse", got)
}

// silentOwner owns the selection and never answers; requests reports each
// request it got.
func silentOwner(t *testing.T, display string) (requests chan struct{}) {
	r := newRaw(t, display)
	requests = make(chan struct{}, 100)
	r.own(t, "CLIPBOARD")
	r.run(func(ev xgb.Event) {
		if _, ok := ev.(xproto.SelectionRequestEvent); ok {
			requests <- struct{}{}
		}
	})
	return requests
}

func TestCloseWhileReadWaits(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display, WithTimeout(maxTimeout))
	requests := silentOwner(t, srv.Display)
	errc := make(chan error, 1)
	go func() {
		_, err := c.ReadText(context.Background(), 100)
		errc <- err
	}()
	<-requests // the read waits for the owner now
	require.NoError(t, c.Close())
	select {
	case err := <-errc:
		assert.ErrorIs(t, err, clipboard.ErrClosed)
	case <-time.After(guard):
		t.Fatal("ReadText did not return after Close")
	}
	closed(t, c.Changes())
	_, err := c.ReadText(bg(t), 1)
	assert.ErrorIs(t, err, clipboard.ErrClosed)
	assert.ErrorIs(t, c.WriteText(bg(t), "x"), clipboard.ErrClosed)
	require.NoError(t, c.Close())
}

// closed waits for ch to be closed, dropping pending signals.
func closed(t *testing.T, ch <-chan struct{}) {
	t.Helper()
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-time.After(guard):
			t.Fatal("Changes was not closed")
		}
	}
}

func TestSilentOwner(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	_ = silentOwner(t, srv.Display)
	c := open(t, srv.Display, WithTimeout(100*time.Millisecond))
	_, err := c.ReadText(bg(t), 100)
	assert.ErrorIs(t, err, ErrOwnerTimeout)

	slow := open(t, srv.Display, WithTimeout(maxTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = slow.ReadText(ctx, 100)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// serveWith makes r answer each request with answer, which writes the
// property and returns the property to notify (None refuses). Deletions of a
// requestor's property go to onDelete.
func serveWith(r *rawClient, answer func(r *rawClient, e xproto.SelectionRequestEvent) xproto.Atom,
	onDelete func(r *rawClient, e xproto.PropertyNotifyEvent)) {
	r.run(func(ev xgb.Event) {
		switch e := ev.(type) {
		case xproto.SelectionRequestEvent:
			r.notify(e, answer(r, e))
		case xproto.PropertyNotifyEvent:
			if e.State == xproto.PropertyDelete && onDelete != nil {
				onDelete(r, e)
			}
		}
	})
}

func TestStringFallbackAndGarbage(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)
	var mu sync.Mutex
	reply := []byte("caf\xe9\x00")
	format := byte(8)
	r := newRaw(t, srv.Display)
	r.own(t, "CLIPBOARD")
	serveWith(r, func(r *rawClient, e xproto.SelectionRequestEvent) xproto.Atom {
		if e.Target != xproto.AtomString {
			return xproto.AtomNone // a Latin-1-only program
		}
		mu.Lock()
		defer mu.Unlock()
		xproto.ChangeProperty(r.conn, xproto.PropModeReplace, e.Requestor, e.Property, xproto.AtomString, format,
			uint32(len(reply)*8/int(format)), reply)
		return e.Property
	}, nil)

	got, err := c.ReadText(bg(t), 100)
	require.NoError(t, err)
	assert.Equal(t, "café", got, "Latin-1 becomes UTF-8, the C terminator goes")
	_, err = c.ReadText(bg(t), 4)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge, "the limit applies to the UTF-8 text")

	mu.Lock()
	format = 32
	reply = []byte{1, 2, 3, 4}
	mu.Unlock()
	_, err = c.ReadText(bg(t), 100)
	assert.ErrorIs(t, err, ErrBadReply)
}

// TestIncrOverrun: an owner that announces a tiny INCR and then keeps
// sending is cut off once max bytes have arrived.
func TestIncrOverrun(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	// The owner never ends its transfer: let the skipping give up soon.
	c := open(t, srv.Display, WithTimeout(300*time.Millisecond))
	chunks := make(chan int, 100)
	r := newRaw(t, srv.Display)
	r.own(t, "CLIPBOARD")
	incr, utf8 := r.atom(t, "INCR"), r.atom(t, "UTF8_STRING")
	serveWith(r, func(r *rawClient, e xproto.SelectionRequestEvent) xproto.Atom {
		if e.Target != utf8 {
			return xproto.AtomNone
		}
		xproto.ChangeWindowAttributes(r.conn, e.Requestor, xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange})
		xproto.ChangeProperty(r.conn, xproto.PropModeReplace, e.Requestor, e.Property, incr, 32, 1, encode32(1))
		return e.Property
	}, func(r *rawClient, e xproto.PropertyNotifyEvent) {
		n := len(chunks)
		chunks <- n
		if n >= 50 {
			return // and never ends the transfer
		}
		data := []byte(strings.Repeat("x", 100))
		xproto.ChangeProperty(r.conn, xproto.PropModeReplace, e.Window, e.Atom, utf8, 8, uint32(len(data)), data)
	})

	// Without the limit enforced while receiving, the read would wait for
	// an end that never comes and time out instead.
	_, err := c.ReadText(bg(t), 250)
	assert.ErrorIs(t, err, clipboard.ErrTooLarge)
	// The abandoned transfer is drained: the owner is let through all its
	// chunks rather than left waiting.
	deadline := time.Now().Add(guard)
	for len(chunks) < 51 {
		require.True(t, time.Now().Before(deadline), "the owner was left waiting after %d chunks", len(chunks))
		time.Sleep(10 * time.Millisecond)
	}
}

func TestMultiple(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)
	require.NoError(t, c.WriteText(bg(t), "multi é"))

	r := newRaw(t, srv.Display)
	notified := make(chan xproto.SelectionNotifyEvent, 1)
	r.run(func(ev xgb.Event) {
		if e, ok := ev.(xproto.SelectionNotifyEvent); ok {
			notified <- e
		}
	})
	at := func(n string) xproto.Atom { return r.atom(t, n) }
	p1, p2, p3, p4, pm := at("P1"), at("P2"), at("P3"), at("P4"), at("PM")
	bogus := at("image/png")
	pairs := []atomPair{
		{uint32(at("UTF8_STRING")), uint32(p1)},
		{uint32(xproto.AtomString), uint32(p2)},
		{uint32(bogus), uint32(p3)},
		{uint32(at("TARGETS")), uint32(p4)},
	}
	require.NoError(t, xproto.ChangePropertyChecked(r.conn, xproto.PropModeReplace, r.win, pm, at("ATOM_PAIR"), 32,
		uint32(2*len(pairs)), encodeAtomPairs(pairs)).Check())
	xproto.ConvertSelection(r.conn, r.win, at("CLIPBOARD"), at("MULTIPLE"), pm, xproto.TimeCurrentTime)
	var e xproto.SelectionNotifyEvent
	select {
	case e = <-notified:
	case <-time.After(guard):
		t.Fatal("no answer to MULTIPLE")
	}
	require.Equal(t, pm, e.Property)

	get := func(p xproto.Atom) *xproto.GetPropertyReply {
		rep, err := xproto.GetProperty(r.conn, false, r.win, p, xproto.GetPropertyTypeAny, 0, 1000).Reply()
		require.NoError(t, err)
		return rep
	}
	back, err := parseAtomPairs(get(pm).Value, 32)
	require.NoError(t, err)
	require.Len(t, back, 4)
	assert.Equal(t, uint32(p1), back[0].property)
	assert.Equal(t, uint32(xproto.AtomNone), back[2].property, "the unknown target is refused in the list")
	assert.Equal(t, "multi é", string(get(p1).Value))
	assert.Equal(t, "multi \xe9", string(get(p2).Value))
	assert.Len(t, get(p4).Value, 4*6)
}

// TestRequestorVanishes: a requestor that dies in the middle of an INCR
// transfer does not stop the clipboard from serving others.
func TestRequestorVanishes(t *testing.T) {
	needXclip(t)
	srv := xvfb.ForTest(t, 64, 48)
	var log logs
	c := open(t, srv.Display, WithLogger(slog.New(&log)))
	text := bigText(1 << 20)
	require.NoError(t, c.WriteText(bg(t), text))

	conn, err := xgb.NewConnDisplay(srv.Display)
	require.NoError(t, err)
	r := &rawClient{conn: conn, done: make(chan struct{})}
	r.win, err = xproto.NewWindowId(conn)
	require.NoError(t, err)
	root := xproto.Setup(conn).DefaultScreen(conn).Root
	require.NoError(t, xproto.CreateWindowChecked(conn, 0, r.win, root, 0, 0, 1, 1, 0, xproto.WindowClassInputOnly, 0,
		xproto.CwEventMask, []uint32{xproto.EventMaskPropertyChange}).Check())
	notified := make(chan struct{}, 1)
	r.run(func(ev xgb.Event) {
		if _, ok := ev.(xproto.SelectionNotifyEvent); ok {
			notified <- struct{}{}
		}
	})
	prop := r.atom(t, "P")
	xproto.ConvertSelection(conn, r.win, r.atom(t, "CLIPBOARD"), r.atom(t, "UTF8_STRING"), prop, xproto.TimeCurrentTime)
	<-notified
	// Take the first chunk, then vanish.
	xproto.DeleteProperty(conn, r.win, prop)
	_, err = xproto.GetInputFocus(conn).Reply()
	require.NoError(t, err)
	conn.Close()
	<-r.done

	out, err := xclipOut(t, srv, "clipboard", "")
	require.NoError(t, err)
	assert.True(t, text == string(out))
	assert.Equal(t, 2, log.count("sending by INCR"))
}

func TestOpenErrors(t *testing.T) {
	ctx := bg(t)
	_, err := Open(ctx)
	assert.ErrorIs(t, err, ErrNoDisplay)
	assert.ErrorIs(t, err, clipboard.ErrUnavailable)
	_, err = Open(ctx, WithDisplay(""))
	assert.ErrorIs(t, err, clipboard.ErrUnavailable)
	_, err = Open(ctx, WithDisplay("nonsense"))
	assert.ErrorIs(t, err, ErrBadDisplayName)
	assert.EqualError(t, err, `x11: malformed display name; use :N, :N.S, host:N or /path/to/socket:N: "nonsense": no ':'`)
	_, err = Open(ctx, WithDisplay(t.TempDir()+"/nothing:0"))
	assert.ErrorIs(t, err, clipboard.ErrUnavailable)
	for _, opt := range []Option{WithSelection("clipboard"), WithTimeout(0), WithTimeout(time.Hour), WithLogger(nil), WithXAuthority("")} {
		_, err = Open(ctx, WithDisplay(":0"), opt)
		assert.ErrorIs(t, err, clipboard.ErrInvalidArgument)
	}
	srv := xvfb.ForTest(t, 64, 48)
	_, err = Open(ctx, WithDisplay(srv.Display+".3"))
	assert.ErrorIs(t, err, ErrNoScreen)

	c := open(t, srv.Display)
	assert.ErrorIs(t, c.WriteText(ctx, "nul\x00"), clipboard.ErrInvalidText)
	assert.ErrorIs(t, c.WriteText(ctx, "\xff"), clipboard.ErrInvalidText)
}

func TestServerDies(t *testing.T) {
	srv, err := xvfb.Start(bg(t), 64, 48)
	if errors.Is(err, xvfb.ErrNotInstalled) {
		t.Skip(err)
	}
	require.NoError(t, err)
	defer srv.Close()
	c := open(t, srv.Display)
	require.NoError(t, c.WriteText(bg(t), "soon gone"))
	require.NoError(t, srv.Close())
	closed(t, c.Changes())
	_, err = c.ReadText(bg(t), 100)
	assert.ErrorIs(t, err, clipboard.ErrUnavailable)
	assert.ErrorIs(t, c.WriteText(bg(t), "x"), clipboard.ErrUnavailable)
	require.NoError(t, c.Close())
}

func TestCloseReleases(t *testing.T) {
	srv := xvfb.ForTest(t, 64, 48)
	c := open(t, srv.Display)
	require.NoError(t, c.WriteText(bg(t), "bye"))
	r := newRaw(t, srv.Display)
	r.drain()
	sel := r.atom(t, "CLIPBOARD")
	owner := func() xproto.Window {
		rep, err := xproto.GetSelectionOwner(r.conn, sel).Reply()
		require.NoError(t, err)
		return rep.Owner
	}
	require.Equal(t, c.owner, owner())
	require.NoError(t, c.Close())
	// The server handles our disconnection on its own schedule.
	deadline := time.Now().Add(guard)
	for owner() != xproto.WindowNone {
		require.True(t, time.Now().Before(deadline), "the clipboard is still owned after Close")
		time.Sleep(10 * time.Millisecond)
	}
}

func BenchmarkTransfer1MiB(b *testing.B) {
	srv := xvfb.ForTest(b, 64, 48)
	a, r := open(b, srv.Display), open(b, srv.Display)
	text := bigText(1 << 20)
	require.NoError(b, a.WriteText(bg(b), text))
	waitChange(b, r)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := r.ReadText(context.Background(), len(text))
		if err != nil || len(got) != len(text) {
			b.Fatal(err, len(got))
		}
	}
}

func BenchmarkWriteText1MiB(b *testing.B) {
	srv := xvfb.ForTest(b, 64, 48)
	c := open(b, srv.Display)
	text := bigText(1 << 20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteText(context.Background(), text); err != nil {
			b.Fatal(err)
		}
	}
}
