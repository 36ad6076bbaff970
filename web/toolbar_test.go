package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// poll evaluates expr in the page until it is true.
func poll(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserTimeout))), "waiting for %s", what)
}

// eventually checks cond every 100 ms until it holds.
func eventually(t *testing.T, ctx context.Context, what string, cond func() (bool, string)) {
	t.Helper()
	for {
		ok, last := cond()
		if ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: never; last %s", what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestBrowserToolbar drives the toolbar as a person would (real clicks):
// clipboard text both ways, Ctrl+Alt+Del, full screen and disconnect.
func TestBrowserToolbar(t *testing.T) {
	chromium(t)
	if _, err := exec.LookPath("xclip"); err != nil {
		t.Skip("xclip reads and sets the X clipboard independently of deskhand: apt-get install xclip")
	}
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	// The terminal records the bytes its keys send, so that a key
	// combination reaching the X screen shows in the file.
	keys := filepath.Join(t.TempDir(), "keys")
	d := newDesk(t, ctx, "stty raw -echo; exec cat -v > "+keys)
	id, code := d.credentials(t, ctx)
	bctx := browser(t, ctx)
	origin := strings.TrimSuffix(d.page, "/")
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(bctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
			Permission: &cdpbrowser.PermissionDescriptor{Name: name}, Setting: cdpbrowser.PermissionSettingGranted, Origin: origin})
		require.NoError(t, err, "granting %s", name)
	}
	d.open(t, bctx, id, code)
	move := exec.CommandContext(ctx, "xdotool", "mousemove", "300", "200") // the terminal gets the focus
	move.Env = d.x.Env()
	require.NoError(t, move.Run())

	// The host's clipboard comes to the page: the Copy button holds it and
	// a click puts it on this computer's clipboard.
	const fromHost = "copied on the remote computer 42"
	xclip := exec.Command("xclip", "-selection", "clipboard", "-i")
	xclip.Env = d.x.Env()
	xclip.Stdin = strings.NewReader(fromHost)
	require.NoError(t, xclip.Run())
	poll(t, bctx, "the Copy button", `!document.getElementById("copy").disabled`)
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("copy"))))
	poll(t, bctx, "the copy", `document.getElementById("copy").dataset.copied === "click"`)
	got, err := chromedp.Run(bctx, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, fromHost, got, "this computer's clipboard after Copy")

	// This computer's clipboard goes to the host when the page gets the
	// focus back.
	const fromBrowser = "copied in the browser 7"
	require.NoError(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`(async () => {
		await navigator.clipboard.writeText(`+"`"+fromBrowser+"`"+`);
		const s = document.getElementById("screen");
		s.blur();
		s.focus();
	})()`, chromedp.EvalAwaitPromise)))
	eventually(t, ctx, "the host's clipboard to get the browser's text", func() (bool, string) {
		out := exec.CommandContext(ctx, "xclip", "-selection", "clipboard", "-o")
		out.Env = d.x.Env()
		b, _ := out.Output()
		return string(b) == fromBrowser, string(b)
	})

	// Ctrl+Alt+Del reaches the X screen as that key combination: xterm
	// sends Delete with Ctrl and Alt as ESC [ 3 ; 7 ~.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("cad"))))
	eventually(t, ctx, "Ctrl+Alt+Del in the terminal", func() (bool, string) {
		b, _ := os.ReadFile(keys)
		return strings.Contains(string(b), "^[[3;7~"), string(b)
	})

	// Full screen and back, by the button.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("fullscreen"))))
	poll(t, bctx, "full screen", `document.fullscreenElement !== null && document.getElementById("fullscreen").textContent === "Exit full screen"`)
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("fullscreen"))))
	poll(t, bctx, "the window again", `document.fullscreenElement === null`)

	// Quality: lossless is accepted while connected.
	res, err := chromedp.Run(bctx, chromedp.Evaluate[any](`window.deskhand.setLossless(true)`))
	require.NoError(t, err)
	require.Nil(t, res, "setLossless")

	// Disconnect: the form comes back, with no error.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("disconnect"))))
	poll(t, bctx, "the form", `!document.getElementById("join").hidden && document.getElementById("state").dataset.state === "closed"`)
	msg, err := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById("message").dataset.kind`))
	require.NoError(t, err)
	require.Empty(t, msg, "a disconnect by the person is no error")
}

// TestBrowserViewOnly: a host that only lets viewers watch shows the
// toolbar's view-only mark, and the page's keys do not reach its screen.
func TestBrowserViewOnly(t *testing.T) {
	chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	keys := filepath.Join(t.TempDir(), "keys")
	d := newDesk(t, ctx, "stty raw -echo; exec cat -v > "+keys, "--view-only")
	id, code := d.credentials(t, ctx)
	bctx := browser(t, ctx)
	d.open(t, bctx, id, code)
	poll(t, bctx, "the view-only mark", `!document.getElementById("viewonly").hidden`)
	move := exec.CommandContext(ctx, "xdotool", "mousemove", "300", "200")
	move.Env = d.x.Env()
	require.NoError(t, move.Run())

	// Typed on the page: nothing; then typed on the X screen itself: the
	// file shows only that, so the page's keys had their chance before.
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("screen")), chromedp.KeyEvent("from the page")))
	require.NoError(t, chromedp.Do(bctx, chromedp.Click(chromedp.ID("cad"))))
	typed := exec.CommandContext(ctx, "xdotool", "type", "on the screen")
	typed.Env = d.x.Env()
	require.NoError(t, typed.Run())
	eventually(t, ctx, "the screen's own keys in the terminal", func() (bool, string) {
		b, _ := os.ReadFile(keys)
		return strings.Contains(string(b), "on the screen"), string(b)
	})
	b, err := os.ReadFile(keys)
	require.NoError(t, err)
	require.Equal(t, "on the screen", string(b), "only the screen's own keys reached the terminal")
}
