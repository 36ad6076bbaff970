package web_test

import (
	"context"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/deskhand/deskhand/capture/x11"
	"github.com/stretchr/testify/require"
)

// reconnectTimeout bounds TestBrowserReconnects: Chromium gives a silent
// path up (ICE failed) only after about 30 s, and resuming waits for it.
const reconnectTimeout = 3 * time.Minute

// banner is what the page's banner says, and its kind.
func banner(ctx context.Context) (kind, text string, err error) {
	b, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Kind, Text string }](
		`(() => { const b = document.getElementById("banner"); return {kind: b.hidden ? "" : b.dataset.kind, text: b.textContent}; })()`))
	return b.Kind, b.Text, err
}

// waitBanner waits until the page's banner shows a message of that kind,
// and returns its text.
func waitBanner(t *testing.T, ctx context.Context, kind string) string {
	t.Helper()
	for {
		k, text, err := banner(ctx)
		require.NoError(t, err)
		if k == kind {
			return text
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the page's banner never said %q; it says %q: %q", kind, k, text)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// typeOnScreen types text into the X screen's focused window with xdotool,
// independently of deskhand.
func (d *desk) typeOnScreen(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "xdotool", "type", "--delay", "20", text)
	cmd.Env = d.x.Env()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "xdotool type: %s", out)
}

// TestBrowserReconnects is the rest of the third browser test:
// the signaling server restarting shows its message while the picture
// stays live (it flows peer to peer), and after a network drop — the agent
// frozen until the page notices, then thawed — the page resumes the
// session by itself and the canvas equals the screen again.
func TestBrowserReconnects(t *testing.T) {
	chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), reconnectTimeout)
	defer cancel()
	d := newDesk(t, ctx, "exec sh")
	id, code := d.credentials(t, ctx)
	bctx := browser(t, ctx)
	d.open(t, bctx, id, code)
	src, err := x11.OpenContext(ctx, d.x.Display)
	require.NoError(t, err)
	defer src.Close()

	// Focus the terminal (focus follows the X pointer: no window manager).
	move := exec.CommandContext(ctx, "xdotool", "mousemove", "300", "200")
	move.Env = d.x.Env()
	require.NoError(t, move.Run())

	// The signaling server stops: the page says so, and the session goes
	// on, the picture included.
	d.stopSignaling()
	t.Logf("with the signaling server stopped, the page says: %s", waitBanner(t, bctx, "server-lost"))
	s, err := stats(bctx)
	require.NoError(t, err)
	require.True(t, s.Connected, "the session goes on without the signaling server: %+v", s)
	d.typeOnScreen(t, ctx, "echo live without the server")
	canvasMatchesScreen(t, ctx, bctx, src)

	// The server comes back on the same address; the agent registers
	// again with the same ID (it prints its credentials again).
	for drained := false; !drained; { // the lines printed before: codes of the old server
		select {
		case <-d.creds:
		default:
			drained = true
		}
	}
	d.startSignaling(t, nil)
	again, _ := d.credentials(t, ctx)
	require.Equal(t, id, again, "the agent got its session ID back")

	// A network drop: the agent stops answering until the page notices,
	// and the screen changes meanwhile.
	require.NoError(t, d.agent.Process.Signal(syscall.SIGSTOP))
	thawed := false
	thaw := func() {
		if !thawed {
			thawed = true
			_ = d.agent.Process.Signal(syscall.SIGCONT)
		}
	}
	defer thaw()
	d.typeOnScreen(t, ctx, "echo typed while the agent was frozen")
	waitFor(t, bctx, "the page to notice the drop", func(s pageStats) bool { return s.State == "reconnecting" })
	t.Logf("after the drop, the page says: %s", waitBanner(t, bctx, "lost"))
	thaw()

	s = waitFor(t, bctx, "the page to resume the session", func(s pageStats) bool { return s.Connected && s.Reconnects > 0 })
	t.Logf("resumed: %+v", s)
	poll(t, bctx, "the banner to go once the session is back", `document.getElementById("banner").hidden`)
	canvasMatchesScreen(t, ctx, bctx, src)

	// The resume checked that the host answering is the first one by its
	// DTLS certificate: Chromium shows the remote certificate to the page.
	pinned, err := chromedp.Run(bctx, chromedp.Evaluate[bool](
		`typeof RTCDtlsTransport === "function" && typeof RTCDtlsTransport.prototype.getRemoteCertificates === "function"`))
	require.NoError(t, err)
	require.True(t, pinned, "this Chromium does not expose the host's certificate: resuming could not check it")
	require.NoError(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`window.deskhand.disconnect()`)))
}
