package e2e

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture/screenshot"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/stretchr/testify/require"
)

const timeout = 90 * time.Second

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the three example commands once per test run.
func binaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "deskhand-e2e-")
		if buildErr != nil {
			return
		}
		for _, cmd := range []string{"signaling", "agent", "viewer"} {
			out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, cmd), "github.com/deskhand/deskhand/examples/"+cmd).CombinedOutput()
			if err != nil {
				buildErr = fmt.Errorf("go build %s: %v\n%s", cmd, err, out)
				return
			}
		}
	})
	require.NoError(t, buildErr)
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// proc is a running example command whose stdout is read line by line.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *strings.Builder
	mu     sync.Mutex
	done   chan struct{}
}

func start(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(filepath.Join(binaries(t), name), args...)
	cmd.Env = env
	p := &proc{cmd: cmd, lines: make(chan string, 64), stderr: &strings.Builder{}, done: make(chan struct{})}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = lockedWriter{p}
	require.NoError(t, cmd.Start())
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, p.errText())
		}
	})
	return p
}

type lockedWriter struct{ p *proc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.stderr.Write(b)
}

func (p *proc) errText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// line waits for the next stdout line matching re.
func (p *proc) line(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("%s exited before printing %v; stderr:\n%s", p.cmd.Path, re, p.errText())
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("%s printed no line matching %v", p.cmd.Path, re)
		}
	}
}

func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("%s did not exit", p.cmd.Path)
		return -1
	}
}

var (
	listeningRE = regexp.MustCompile(`^listening on http://(\S+)$`)
	credsRE     = regexp.MustCompile(`^id=(\S+) code=(\S+)$`)
)

type desk struct {
	x      *xvfb.Server
	server string // signaling WebSocket URL
	sig    *proc
	agent  *proc
}

// setup starts Xvfb with an xterm, the signaling server and agent share.
func setup(t *testing.T, xtermCmd string) *desk {
	t.Helper()
	d := &desk{x: xvfb.ForTest(t, 1920, 1080)}
	env := d.x.Env()
	if _, err := exec.LookPath("xterm"); err != nil {
		t.Fatal("xterm is not installed (apt-get install xterm)")
	}
	xt := exec.Command("xterm", "-geometry", "100x30+40+40", "-fa", "Monospace", "-fs", "11", "-e", "sh", "-c", xtermCmd)
	xt.Env = env
	require.NoError(t, xt.Start())
	t.Cleanup(func() { _ = xt.Process.Kill(); _ = xt.Wait() })
	waitWindow(t, env, "xterm")

	d.sig = start(t, os.Environ(), "signaling", "--listen", "127.0.0.1:0")
	addr := d.sig.line(t, listeningRE)[1]
	d.server = "ws://" + addr + "/v1/signal"
	d.agent = start(t, env, "agent", "share", "--server", d.server, "--loopback")
	return d
}

func (d *desk) credentials(t *testing.T) (id, code string) {
	m := d.agent.line(t, credsRE)
	return m[1], m[2]
}

func waitWindow(t *testing.T, env []string, class string) {
	t.Helper()
	cmd := exec.Command("xdotool", "search", "--sync", "--onlyvisible", "--class", class)
	cmd.Env = env
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		require.NoError(t, err, "xdotool search")
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		t.Fatalf("no %s window appeared", class)
	}
}

func (d *desk) viewer(t *testing.T, args ...string) (*proc, int) {
	t.Helper()
	p := start(t, os.Environ(), "viewer", append([]string{"--server", d.server, "--loopback", "--timeout", "60s"}, args...)...)
	return p, p.wait(t)
}

func readPNG(t *testing.T, path string) *image.RGBA {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	rgba, ok := img.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(img.Bounds())
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				rgba.Set(x, y, img.At(x, y))
			}
		}
	}
	return rgba
}

// independentCapture grabs the screen with kbinani/screenshot, a capture
// implementation that shares no code with the agent's MIT-SHM source.
func independentCapture(t *testing.T, display string) *image.RGBA {
	t.Helper()
	t.Setenv("DISPLAY", display) // kbinani reads it
	src, err := screenshot.Open(-1)
	require.NoError(t, err)
	defer src.Close()
	f, err := src.Next(context.Background())
	require.NoError(t, err)
	return f.RGBA()
}

func requireSameRGB(t *testing.T, want, got *image.RGBA) {
	t.Helper()
	require.Equal(t, want.Rect.Size(), got.Rect.Size(), "size")
	diff := 0
	first := ""
	for y := 0; y < want.Rect.Dy(); y++ {
		for x := 0; x < want.Rect.Dx(); x++ {
			i, j := want.PixOffset(want.Rect.Min.X+x, want.Rect.Min.Y+y), got.PixOffset(got.Rect.Min.X+x, got.Rect.Min.Y+y)
			if want.Pix[i] != got.Pix[j] || want.Pix[i+1] != got.Pix[j+1] || want.Pix[i+2] != got.Pix[j+2] {
				if diff == 0 {
					first = fmt.Sprintf("(%d,%d) want %v got %v", x, y, want.Pix[i:i+3], got.Pix[j:j+3])
				}
				diff++
			}
		}
	}
	require.Zero(t, diff, "%d pixels differ; first at %s", diff, first)
}

// 1. The snapshot equals an independent capture of the same screen, pixel
// for pixel.
func TestSnapshotMatchesScreen(t *testing.T) {
	d := setup(t, "ls -la /usr; echo deskhand e2e; exec sleep 600")
	id, code := d.credentials(t)
	out := filepath.Join(t.TempDir(), "snap.png")
	v, rc := d.viewer(t, "--id", id, "--code", code, "--snapshot", out, "--settle", "1500ms", "--stats")
	require.Zero(t, rc, "viewer failed: %s", v.errText())
	// --stats printed the session's numbers while it waited.
	require.Regexp(t, `stats 1920x1080 fps=[0-9.]+ bitrate=[0-9.]+Mbit/s rtt=[0-9.]+ms latency=[0-9.]+ms encode=[0-9.]+ms decode=[0-9.]+ms updates=[1-9][0-9]* keyframes=1 superseded=0 errors=0`, v.errText())
	got := readPNG(t, out)
	want := independentCapture(t, d.x.Display)
	require.Equal(t, image.Pt(1920, 1080), want.Rect.Size())
	requireSameRGB(t, want, got)
	// Not a blank screen: the xterm is in the picture.
	colours := map[[3]byte]bool{}
	for i := 0; i < len(got.Pix); i += 4 {
		colours[[3]byte(got.Pix[i:i+3])] = true
	}
	require.Greater(t, len(colours), 2, "the snapshot shows the xterm")
}

// 2. Typed text runs a command in the xterm's shell; a click lands where it
// was sent.
func TestTypeAndClick(t *testing.T) {
	d := setup(t, "exec sh")
	dir := t.TempDir()
	file := filepath.Join(dir, "hello.txt")
	id, code := d.credentials(t)
	v, rc := d.viewer(t, "--id", id, "--code", code, "--click", "300,200", "--type", `echo hello > `+file+`\n`)
	require.Zero(t, rc, "viewer failed: %s", v.errText())
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(file)
		return err == nil && string(b) == "hello\n"
	}, timeout, 50*time.Millisecond, "the typed command did not create %s", file)

	loc := exec.Command("xdotool", "getmouselocation", "--shell")
	loc.Env = d.x.Env()
	b, err := loc.Output()
	require.NoError(t, err)
	require.Contains(t, string(b), "X=300\nY=200\n")

	// The code was one-time: the agent printed a fresh one, and the old
	// one is refused with a reason.
	_, code2 := d.credentials(t)
	require.NotEqual(t, code, code2)
	v, rc = d.viewer(t, "--id", id, "--code", code, "--snapshot", filepath.Join(dir, "x.png"))
	require.NotZero(t, rc)
	require.Contains(t, v.errText(), "expired or already used")

	// The clipboard: a viewer's text lands in the host's X clipboard,
	// where another program (xclip) reads it.
	v, rc = d.viewer(t, "--id", id, "--code", code2, "--copy", "héllo clip ✓")
	require.Zero(t, rc, "viewer failed: %s", v.errText())
	xclip := exec.Command("xclip", "-selection", "clipboard", "-o")
	xclip.Env = d.x.Env()
	b, err = xclip.Output()
	require.NoError(t, err, "xclip (apt-get install xclip)")
	require.Equal(t, "héllo clip ✓", string(b))
}

// 3. Wrong codes give one clear line and a non-zero exit, never a hang; a
// vanished signaling server does not end the agent, which comes back with
// the same ID once the server is back.
func TestBadInputFailsClearly(t *testing.T) {
	d := setup(t, "exec sleep 600")
	id, code := d.credentials(t)
	wrong := "zzzzzz"
	if code == wrong {
		wrong = "yyyyyy"
	}
	v, rc := d.viewer(t, "--id", id, "--code", wrong, "--snapshot", filepath.Join(t.TempDir(), "x.png"))
	require.NotZero(t, rc)
	require.Contains(t, v.errText(), "wrong code")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(v.errText()), "\n")+1, "one line: %q", v.errText())

	// The signaling server goes away: the agent says so and keeps running.
	addr := strings.TrimSuffix(strings.TrimPrefix(d.server, "ws://"), "/v1/signal")
	require.NoError(t, d.sig.cmd.Process.Kill())
	d.sig.wait(t)
	require.Eventually(t, func() bool {
		return strings.Contains(d.agent.errText(), "signaling server lost; reconnecting")
	}, timeout, 50*time.Millisecond, "the agent did not say it is reconnecting")

	// A viewer pointed at a dead server fails at once, with the reason.
	v, rc = d.viewer(t, "--id", id, "--code", code)
	require.NotZero(t, rc)
	require.Contains(t, v.errText(), "cannot join")
	select {
	case <-d.agent.done:
		t.Fatalf("the agent exited without its signaling server: %s", d.agent.errText())
	default:
	}

	// The server comes back on the same address: the agent registers again
	// with the same ID and a new code, and a viewer connects with them.
	d.sig = start(t, os.Environ(), "signaling", "--listen", addr)
	require.Equal(t, addr, d.sig.line(t, listeningRE)[1])
	id2, code2 := d.credentials(t)
	require.Equal(t, id, id2, "the agent kept its session ID")
	require.NotEqual(t, code, code2)
	require.Eventually(t, func() bool {
		return strings.Contains(d.agent.errText(), "reconnected to the signaling server")
	}, timeout, 50*time.Millisecond, "the agent did not log its reconnection")
	v, rc = d.viewer(t, "--id", id2, "--code", code2, "--snapshot", filepath.Join(t.TempDir(), "back.png"))
	require.Zero(t, rc, "viewer failed: %s", v.errText())
}
