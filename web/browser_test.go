package web_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/deskhand/deskhand/capture/x11"
	"github.com/deskhand/deskhand/internal/headless"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/deskhand/deskhand/signaling"
	"github.com/deskhand/deskhand/web"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// browserTimeout bounds each browser test; the machine is small and shared.
const browserTimeout = 60 * time.Second

// chromium returns the path of a Chromium the tests can drive, or skips
// the test.
func chromium(t *testing.T) string {
	t.Helper()
	p := headless.Find()
	if p == "" {
		t.Skip("no Chromium to drive: apt-get install chromium (Debian's package)")
	}
	return p
}

// browser starts a headless Chromium with a fresh profile and returns a
// context for chromedp actions in one of its tabs. The browser's console
// and uncaught exceptions go to the test's log.
func browser(t *testing.T, ctx context.Context) context.Context {
	t.Helper()
	bctx, stop, err := headless.Start(ctx, chromium(t), chromedp.WithLogf(t.Logf), chromedp.WithListener(func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, strings.Trim(string(a.Value), `"`))
			}
			t.Logf("browser console.%s: %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			e := ev.ExceptionDetails
			desc := ""
			if e.Exception != nil {
				desc = e.Exception.Description
			}
			t.Logf("browser exception: %s %s (%s:%d)", e.Text, desc, e.URL, e.LineNumber)
		}
	}))
	require.NoError(t, err)
	t.Cleanup(stop)
	return bctx
}

// pageStats is window.deskhand.stats().
type pageStats struct {
	Connected                            bool
	State                                string
	Frames                               int
	Painted                              int
	Width                                int
	Height                               int
	FPS                                  float64
	RTTMs                                float64 `json:"rttMs"`
	DecodeMs, PaintMs                    float64
	Reconnects                           int
	StartedMs, ConnectedMs, FirstPaintMs float64
	Cursor                               struct {
		X, Y    int
		Visible bool
	}
}

func stats(ctx context.Context) (pageStats, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[pageStats](`window.deskhand ? window.deskhand.stats() : {state: "loading"}`))
}

// waitFor polls the page until cond holds for its stats.
func waitFor(t *testing.T, ctx context.Context, what string, cond func(pageStats) bool) pageStats {
	t.Helper()
	for {
		s, err := stats(ctx)
		require.NoError(t, err, "reading the page's stats while waiting for %s", what)
		if cond(s) {
			return s
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; last stats %+v", what, ctx.Err(), s)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// canvasPixels reads the screen canvas through getImageData.
func canvasPixels(ctx context.Context) (*image.RGBA, error) {
	const js = `(() => {
		const c = document.getElementById("screen");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		let s = "";
		for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
		return {w: c.width, h: c.height, data: btoa(s)};
	})()`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		W, H int
		Data string
	}](js))
	if err != nil {
		return nil, err
	}
	pix, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		return nil, err
	}
	if len(pix) != res.W*res.H*4 {
		return nil, fmt.Errorf("canvas %dx%d gave %d bytes", res.W, res.H, len(pix))
	}
	return &image.RGBA{Pix: pix, Stride: res.W * 4, Rect: image.Rect(0, 0, res.W, res.H)}, nil
}

// differing counts the pixels whose colour differs (alpha ignored) and
// returns the box around them.
func differing(a, b *image.RGBA) (int, image.Rectangle) {
	if a.Rect != b.Rect {
		return a.Rect.Dx() * a.Rect.Dy(), a.Rect
	}
	n, box := 0, image.Rectangle{}
	for y := range a.Rect.Dy() {
		ra, rb := a.Pix[y*a.Stride:], b.Pix[y*b.Stride:]
		for x := range a.Rect.Dx() {
			i := x * 4
			if ra[i] != rb[i] || ra[i+1] != rb[i+1] || ra[i+2] != rb[i+2] {
				n++
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return n, box
}

// formMessage waits for the connect form to come back with a message (a
// session that could not start or has ended), and returns its kind and text.
func formMessage(t *testing.T, ctx context.Context) (msg struct{ Kind, Text string }) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Poll[chromedp.Void](`document.getElementById("message").dataset.kind !== ""`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(browserTimeout)),
	), "waiting for the page's message")
	msg, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Kind, Text string }](
		`(() => { const m = document.getElementById("message"); return {kind: m.dataset.kind, text: m.textContent}; })()`))
	require.NoError(t, err)
	return msg
}

// desk is a real session's host side: Xvfb with a terminal, a signaling
// server serving the viewer page in this process, and `agent share`.
type desk struct {
	x     *xvfb.Server
	page  string // the viewer page's URL
	agent *exec.Cmd
	creds chan [2]string

	// The web server (signaling and the page) on addr, which can be
	// stopped and started again on the same address.
	addr   string
	mu     sync.Mutex
	sig    *signaling.Server
	server *http.Server
	served chan struct{}
}

// startSignaling serves the signaling server and the viewer page on ln,
// or on d.addr again when ln is nil.
func (d *desk) startSignaling(t *testing.T, ln net.Listener) {
	t.Helper()
	var err error
	if ln == nil {
		ln, err = net.Listen("tcp", d.addr)
		require.NoError(t, err, "listening on %s again", d.addr)
	}
	sig, err := signaling.NewServer()
	require.NoError(t, err)
	viewer, err := web.Handler()
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle(web.DefaultSignalingPath, sig)
	mux.Handle("/", viewer)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	d.mu.Lock()
	d.sig, d.server, d.served = sig, srv, served
	d.mu.Unlock()
}

// stopSignaling stops the web server as a restart would: every
// WebSocket closed, no listener.
func (d *desk) stopSignaling() {
	d.mu.Lock()
	sig, srv, served := d.sig, d.server, d.served
	d.sig, d.server = nil, nil
	d.mu.Unlock()
	if srv == nil {
		return
	}
	_ = sig.Close()
	_ = srv.Close()
	<-served
}

var (
	agentOnce sync.Once
	agentBin  string
	agentErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if agentBin != "" {
		_ = os.RemoveAll(filepath.Dir(agentBin))
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// buildAgent builds examples/agent once per test run.
func buildAgent(t *testing.T) string {
	t.Helper()
	agentOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deskhand-web-")
		if err != nil {
			agentErr = err
			return
		}
		agentBin = filepath.Join(dir, "agent")
		out, err := exec.Command("go", "build", "-o", agentBin, "github.com/deskhand/deskhand/examples/agent").CombinedOutput()
		if err != nil {
			agentErr = fmt.Errorf("go build examples/agent: %v\n%s", err, out)
		}
	})
	require.NoError(t, agentErr)
	return agentBin
}

var credsRE = regexp.MustCompile(`^id=(\S+) code=(\S+)$`)

// stillTerminal is a terminal showing text and taking no input.
const stillTerminal = `printf 'deskhand browser viewer test\n\n'; ls -l /usr/bin | head -40; exec sleep 600`

// newDesk starts the host side; agentArgs go to `agent share` after its
// server and --loopback.
func newDesk(t *testing.T, ctx context.Context, xtermCmd string, agentArgs ...string) *desk {
	t.Helper()
	d := &desk{x: xvfb.ForTest(t, 1920, 1080), creds: make(chan [2]string, 8)}
	env := d.x.Env()

	xt := exec.Command("xterm", "-geometry", "100x30+40+40", "-fa", "Monospace", "-fs", "11", "-e", "sh", "-c", xtermCmd)
	xt.Env = env
	require.NoError(t, xt.Start(), "xterm (apt-get install xterm)")
	t.Cleanup(func() { _ = xt.Process.Kill(); _ = xt.Wait() })
	wait := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--class", "xterm")
	wait.Env = env
	require.NoError(t, wait.Run(), "waiting for the xterm window (xdotool)")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	d.addr = ln.Addr().String()
	d.startSignaling(t, ln)
	t.Cleanup(d.stopSignaling)
	d.page = "http://" + d.addr + "/"

	d.agent = exec.Command(buildAgent(t), append([]string{"share", "--server", "ws://" + d.addr + web.DefaultSignalingPath, "--loopback"}, agentArgs...)...)
	d.agent.Env = env
	var stderr strings.Builder
	var mu sync.Mutex
	d.agent.Stderr = writerFunc(func(b []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return stderr.Write(b) })
	stdout, err := d.agent.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, d.agent.Start())
	lines := make(chan struct{})
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := credsRE.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case d.creds <- [2]string{m[1], m[2]}:
				default:
				}
			}
		}
	}()
	t.Cleanup(func() {
		_ = d.agent.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.agent.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = d.agent.Process.Kill()
			<-done
		}
		<-lines
		if t.Failed() {
			mu.Lock()
			t.Logf("agent stderr:\n%s", stderr.String())
			mu.Unlock()
		}
	})
	return d
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// open opens the viewer page in bctx with id and code, as a connect link
// does, and waits for the first frame of the whole 1920x1080 screen.
func (d *desk) open(t *testing.T, bctx context.Context, id, code string) pageStats {
	t.Helper()
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(d.page+"?id="+id+"&code="+code)))
	return waitFor(t, bctx, "the first frame", func(s pageStats) bool {
		return s.Connected && s.Painted > 0 && s.Width == 1920 && s.Height == 1080
	})
}

// credentials waits for the agent's current session ID and code.
func (d *desk) credentials(t *testing.T, ctx context.Context) (id, code string) {
	t.Helper()
	select {
	case c := <-d.creds:
		return c[0], c[1]
	case <-ctx.Done():
		t.Fatal("the agent printed no id= code= line")
		return "", ""
	}
}

// TestBrowserShowsTheScreen is the first browser test: against
// `agent share` on an Xvfb screen, the page's canvas, once the screen is
// still, equals an independent capture of that screen pixel for pixel. On
// the way it checks that a wrong code says so.
func TestBrowserShowsTheScreen(t *testing.T) {
	chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	d := newDesk(t, ctx, stillTerminal)
	id, code := d.credentials(t, ctx)
	bctx := browser(t, ctx)

	// A wrong code: the form comes back and says so.
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(d.page+"?id="+id+"&code=wrong"+code)))
	msg := formMessage(t, bctx)
	require.Equal(t, "bad-code", msg.Kind, "message: %s", msg.Text)
	require.Contains(t, msg.Text, "Wrong code")

	start := time.Now()
	s := d.open(t, bctx, id, code)
	t.Logf("page open to first painted frame: %v; in the page: module started %.0f ms, connected %.0f ms, first paint %.0f ms (%+v)",
		time.Since(start).Round(time.Millisecond), s.StartedMs, s.ConnectedMs, s.FirstPaintMs, s)

	src, err := x11.OpenContext(ctx, d.x.Display)
	require.NoError(t, err)
	defer src.Close()
	canvasMatchesScreen(t, ctx, bctx, src)

	layout, err := chromedp.Run(bctx, chromedp.Evaluate[struct{ CSSW, CSSH float64 }](
		`(() => { const r = document.getElementById("screen").getBoundingClientRect(); return {cssw: r.width, cssh: r.height}; })()`))
	require.NoError(t, err)
	require.Less(t, layout.CSSW, 1920.0, "fit to window: the canvas is shown smaller than the screen")
	require.InDelta(t, 1920.0/1080.0, layout.CSSW/layout.CSSH, 0.01, "fit to window keeps the aspect ratio")

	// 1:1: one screen pixel is one display pixel, drawn without smoothing.
	one, err := chromedp.Run(bctx, chromedp.Evaluate[struct {
		W, DPR    float64
		Pixelated bool
	}](`(() => {
		const sel = document.getElementById("scale");
		sel.value = "1";
		sel.dispatchEvent(new Event("change"));
		const c = document.getElementById("screen");
		return {w: c.getBoundingClientRect().width, dpr: devicePixelRatio, pixelated: getComputedStyle(c).imageRendering === "pixelated"};
	})()`))
	require.NoError(t, err)
	require.InDelta(t, 1920/one.DPR, one.W, 0.01, "1:1 size")
	require.True(t, one.Pixelated, "crisp pixels at 1:1")
	require.NoError(t, chromedp.Do(bctx, chromedp.Evaluate[chromedp.Void](`window.deskhand.disconnect()`)))
}

// TestBrowserClicksAndTypes: a click on the fitted canvas lands on the
// matching screen point, and keys typed into the page run a command in
// the remote terminal.
func TestBrowserClicksAndTypes(t *testing.T) {
	chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), browserTimeout)
	defer cancel()
	d := newDesk(t, ctx, "exec sh")
	id, code := d.credentials(t, ctx)
	bctx := browser(t, ctx)
	d.open(t, bctx, id, code)

	// Where screen point (300, 211) is on the page, the canvas being fitted.
	const sx, sy = 300, 211
	at, err := chromedp.Run(bctx, chromedp.Evaluate[struct{ X, Y, Scale float64 }](fmt.Sprintf(`(() => {
		const r = document.getElementById("screen").getBoundingClientRect();
		return {x: r.left + (%d + 0.5) * r.width / 1920, y: r.top + (%d + 0.5) * r.height / 1080, scale: r.width / 1920};
	})()`, sx, sy)))
	require.NoError(t, err)
	require.Less(t, at.Scale, 1.0, "the canvas is fitted to a window smaller than the screen")
	require.NoError(t, chromedp.Do(bctx, chromedp.MouseClickXY(at.X, at.Y)))

	// The X server's own pointer, read independently of deskhand. The
	// browser may round the click to a whole page pixel, which covers
	// 1/scale screen pixels.
	tolerance := int(math.Ceil(1 / at.Scale))
	loc := regexp.MustCompile(`x:(\d+) y:(\d+)`)
	for {
		cmd := exec.CommandContext(ctx, "xdotool", "getmouselocation")
		cmd.Env = d.x.Env()
		out, err := cmd.Output()
		require.NoError(t, err, "xdotool getmouselocation")
		m := loc.FindStringSubmatch(string(out))
		require.NotNil(t, m, "xdotool said %q", out)
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		if abs(x-sx) <= tolerance && abs(y-sy) <= tolerance {
			t.Logf("clicked screen point %d,%d; the X pointer is at %d,%d", sx, sy, x, y)
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the pointer is at %d,%d, not at the clicked %d,%d (±%d)", x, y, sx, sy, tolerance)
		case <-time.After(100 * time.Millisecond):
		}
	}

	// The click put the pointer over the terminal, which has the focus
	// (no window manager: focus follows the pointer).
	file := filepath.Join(t.TempDir(), "typed")
	require.NoError(t, chromedp.Do(bctx, chromedp.KeyEvent("touch "+file+"\n")))
	for {
		if _, err := os.Stat(file); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("typing in the page did not run the command: %s does not exist", file)
		case <-time.After(100 * time.Millisecond):
		}
	}

	// The agent quits: the page says the remote computer ended the session.
	require.NoError(t, d.agent.Process.Signal(os.Interrupt))
	msg := formMessage(t, bctx)
	require.Equal(t, "host-closed", msg.Kind, "message: %s", msg.Text)
	t.Logf("after the agent quit, the page says: %s", msg.Text)
}

// canvasMatchesScreen waits until the screen is still and the page's
// canvas equals an independent capture of it, pixel for pixel.
func canvasMatchesScreen(t *testing.T, ctx, bctx context.Context, src *x11.Source) {
	t.Helper()
	var lastN int
	var lastBox image.Rectangle
	for attempt := 0; ; attempt++ {
		// Still: no update for a while, the lossless refinement included.
		frames := -1
		waitFor(t, bctx, "a still screen", func(s pageStats) bool {
			still := s.Frames == frames
			frames = s.Frames
			if !still {
				time.Sleep(700 * time.Millisecond)
			}
			return still
		})
		got, err := canvasPixels(bctx)
		require.NoError(t, err)
		f, err := src.Next(ctx)
		require.NoError(t, err)
		want := f.RGBA()
		lastN, lastBox = differing(got, want)
		if lastN == 0 {
			t.Logf("canvas equals the X screen, %dx%d, after %d comparisons", got.Rect.Dx(), got.Rect.Dy(), attempt+1)
			break
		}
		t.Logf("comparison %d: %d pixels differ, within %v", attempt+1, lastN, lastBox)
		select {
		case <-ctx.Done():
			t.Fatalf("the canvas never equalled the screen: %d pixels differ, within %v", lastN, lastBox)
		case <-time.After(time.Second):
		}
	}

}

func abs(n int) int { return max(n, -n) }
