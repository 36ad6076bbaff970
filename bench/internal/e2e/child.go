package e2e

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

// The parent and its children talk in JSON lines: the parent writes one
// request to a child's standard input and reads one reply from its
// standard output, in turn. A child's first line, before any request, says
// it is ready (for the host, with the session's ID and code). A child whose
// standard input closes leaves: that is how the parent ends it, and how a
// child of a parent that died does not stay behind.

// request is one call from the parent to a child.
type request struct {
	Op       string        `json:"op"`
	Phase    string        `json:"phase,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
	Path     string        `json:"path,omitempty"`
	On       bool          `json:"on,omitempty"`
	SDP      string        `json:"sdp,omitempty"`   // probe: the other side's session description
	Bytes    int64         `json:"bytes,omitempty"` // probe: bytes the sender sent
}

// reply is a child's answer to one request; Err is set when it failed.
type reply struct {
	Err     string        `json:"err,omitempty"`
	ID      string        `json:"id,omitempty"`
	Code    string        `json:"code,omitempty"`
	Changes int           `json:"changes,omitempty"`
	Width   int           `json:"width,omitempty"`
	Height  int           `json:"height,omitempty"`
	Host    *hostReport   `json:"host,omitempty"`
	Viewer  *viewerReport `json:"viewer,omitempty"`
	Info    string        `json:"info,omitempty"`
	Last    int64         `json:"last,omitempty"` // Unix ns
	SDP     string        `json:"sdp,omitempty"`  // probe: this side's session description
	Probe   *probeSide    `json:"probe,omitempty"`
}

// Operations of the children.
const (
	opBegin    = "begin"    // host, viewer: a phase starts
	opEnd      = "end"      // host: the phase ended; report
	opStop     = "stop"     // viewer: the phase ended
	opReport   = "report"   // viewer: report the phase
	opSetup    = "setup"    // host with --synthetic: draw the phase's first picture
	opRun      = "run"      // host with --synthetic: run the phase's changes
	opPicture  = "picture"  // host with --synthetic: write the screen to Path
	opStill    = "still"    // viewer: wait until still for Duration
	opLossless = "lossless" // viewer: ask for lossless updates (On) or not
	opSnapshot = "snapshot" // viewer: write its picture to Path
	opLast     = "last"     // viewer: when it last received or applied an update
)

// serveLines answers requests read from in with handle until in ends
// (nil) or ctx does.
func serveLines(ctx context.Context, in io.Reader, out io.Writer, handle func(context.Context, request) (reply, error)) error {
	reqs := make(chan request)
	readErr := make(chan error, 1)
	go func() {
		dec := json.NewDecoder(in)
		for {
			var r request
			if err := dec.Decode(&r); err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readErr <- err
				return
			}
			select {
			case reqs <- r:
			case <-ctx.Done():
				return
			}
		}
	}()
	enc := json.NewEncoder(out)
	for {
		select {
		case <-ctx.Done():
			return nil // interrupted: a normal end
		case err := <-readErr:
			if err != nil {
				return fmt.Errorf("reading requests: %w", err)
			}
			return nil
		case r := <-reqs:
			rep, err := handle(ctx, r)
			if err != nil {
				rep = reply{Err: err.Error()}
			}
			if err := enc.Encode(rep); err != nil {
				return fmt.Errorf("writing a reply: %w", err)
			}
		}
	}
}

// Raw pictures travel between processes as files: a 16-byte header (the
// magic, width and height, little endian) and RGBA rows.
const rawMagic = "DHE2ERGB"

func writeRaw(path string, img *image.RGBA) error {
	var hdr [16]byte
	copy(hdr[:], rawMagic)
	binary.LittleEndian.PutUint32(hdr[8:], uint32(img.Rect.Dx()))
	binary.LittleEndian.PutUint32(hdr[12:], uint32(img.Rect.Dy()))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(hdr[:])
	for y := 0; err == nil && y < img.Rect.Dy(); y++ {
		_, err = f.Write(img.Pix[y*img.Stride : y*img.Stride+4*img.Rect.Dx()])
	}
	return errors.Join(err, f.Close())
}

// maxRawPixels bounds what readRaw allocates: the largest screen the
// benchmark draws.
const maxRawPixels = maxSide * maxSide

func readRaw(path string) (*image.RGBA, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var hdr [16]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:8]) != rawMagic {
		return nil, fmt.Errorf("%w: %s is not a picture file", ErrChild, path)
	}
	w, h := int(binary.LittleEndian.Uint32(hdr[8:])), int(binary.LittleEndian.Uint32(hdr[12:]))
	if w < 1 || h < 1 || w > maxSide || h > maxSide || w*h > maxRawPixels {
		return nil, fmt.Errorf("%w: %s: bad size %dx%d", ErrChild, path, w, h)
	}
	// The file must hold the picture before the picture is allocated.
	if st, err := f.Stat(); err != nil || st.Size() != int64(len(hdr))+4*int64(w)*int64(h) {
		return nil, fmt.Errorf("%w: %s: not the size of a %dx%d picture", ErrChild, path, w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if _, err := io.ReadFull(f, img.Pix); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrChild, path, err)
	}
	return img, nil
}

// child is a host or viewer process, seen from the parent.
type child struct {
	role    string
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	enc     *json.Encoder
	replies chan reply
	readErr error // set before replies is closed
	mu      sync.Mutex
	closed  bool
}

// childReadyTimeout bounds a child's start: building nothing, it only
// opens its screen or connects.
const childReadyTimeout = 60 * time.Second

// startChild runs this program's hidden command e2e-<role> and waits for
// its ready line.
func startChild(ctx context.Context, role string, args, env []string, stderr io.Writer) (*child, reply, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, reply{}, fmt.Errorf("%w: finding this program to run the %s: %w", ErrChild, role, err)
	}
	cmd := exec.CommandContext(ctx, exe, append([]string{"e2e-" + role}, args...)...)
	cmd.Env = env
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	setChildAttrs(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, reply{}, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, reply{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, reply{}, fmt.Errorf("%w: starting the %s: %w", ErrChild, role, err)
	}
	c := &child{role: role, cmd: cmd, stdin: stdin, enc: json.NewEncoder(stdin), replies: make(chan reply, 4)}
	go c.readLoop(stdout)
	rctx, cancel := context.WithTimeout(ctx, childReadyTimeout)
	defer cancel()
	r, err := c.next(rctx)
	if err == nil && r.Err != "" {
		err = errors.New(r.Err)
	}
	if err != nil {
		_ = c.close()
		return nil, reply{}, fmt.Errorf("%w: the %s did not start: %w", ErrChild, role, err)
	}
	return c, r, nil
}

func (c *child) readLoop(r io.Reader) {
	defer close(c.replies)
	dec := json.NewDecoder(r)
	for {
		var m reply
		if err := dec.Decode(&m); err != nil {
			if !errors.Is(err, io.EOF) {
				c.readErr = err
			}
			return
		}
		c.replies <- m
	}
}

func (c *child) next(ctx context.Context) (reply, error) {
	select {
	case r, ok := <-c.replies:
		if !ok {
			if c.readErr != nil {
				return reply{}, fmt.Errorf("the %s process sent garbage: %w", c.role, c.readErr)
			}
			return reply{}, fmt.Errorf("the %s process exited (its error output says why)", c.role)
		}
		return r, nil
	case <-ctx.Done():
		return reply{}, ctx.Err()
	}
}

// call sends one request and returns the reply.
func (c *child) call(ctx context.Context, req request) (reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.enc.Encode(req); err != nil {
		return reply{}, fmt.Errorf("%w: %s %s: the process is gone: %w", ErrChild, c.role, req.Op, err)
	}
	r, err := c.next(ctx)
	if err != nil {
		return reply{}, fmt.Errorf("%w: %s %s: %w", ErrChild, c.role, req.Op, err)
	}
	if r.Err != "" {
		return reply{}, fmt.Errorf("%w: %s %s: %s", ErrChild, c.role, req.Op, r.Err)
	}
	return r, nil
}

// childCloseGrace is how long a child may take to leave once told to.
const childCloseGrace = 10 * time.Second

// close tells the child to leave (its standard input closes), and kills it
// if it has not left within childCloseGrace. It is idempotent.
func (c *child) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	_ = c.stdin.Close()
	done := make(chan error, 1)
	go func() {
		for range c.replies { // until the child's output ends
		}
		done <- c.cmd.Wait()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(childCloseGrace):
		_ = c.cmd.Process.Kill()
		return <-done
	}
}

// remoteHost is a host child process.
type remoteHost struct{ c *child }

func (h remoteHost) begin(ctx context.Context) error {
	_, err := h.c.call(ctx, request{Op: opBegin})
	return err
}

func (h remoteHost) end(ctx context.Context) (hostReport, error) {
	r, err := h.c.call(ctx, request{Op: opEnd})
	if err != nil {
		return hostReport{}, err
	}
	if r.Host == nil {
		return hostReport{}, fmt.Errorf("%w: the host's report is missing", ErrChild)
	}
	return *r.Host, nil
}

// remoteScreen is the --synthetic screen inside a host child.
type remoteScreen struct {
	c   *child
	dir string
}

func (s remoteScreen) setup(ctx context.Context, phase string) error {
	_, err := s.c.call(ctx, request{Op: opSetup, Phase: phase})
	return err
}

func (s remoteScreen) run(ctx context.Context, phase string, d time.Duration) (int, error) {
	r, err := s.c.call(ctx, request{Op: opRun, Phase: phase, Duration: d})
	return r.Changes, err
}

func (s remoteScreen) snapshot(ctx context.Context) (*image.RGBA, error) {
	path := filepath.Join(s.dir, "screen.raw")
	if _, err := s.c.call(ctx, request{Op: opPicture, Path: path}); err != nil {
		return nil, err
	}
	return readRaw(path)
}

// remoteViewer is a viewer child process.
type remoteViewer struct {
	c   *child
	dir string
}

func (v remoteViewer) waitStill(ctx context.Context, d time.Duration) error {
	_, err := v.c.call(ctx, request{Op: opStill, Duration: d})
	return err
}

func (v remoteViewer) setLossless(ctx context.Context, on bool) error {
	_, err := v.c.call(ctx, request{Op: opLossless, On: on})
	return err
}

func (v remoteViewer) begin(ctx context.Context, phase string) error {
	_, err := v.c.call(ctx, request{Op: opBegin, Phase: phase})
	return err
}

func (v remoteViewer) stop(ctx context.Context) error {
	_, err := v.c.call(ctx, request{Op: opStop})
	return err
}

func (v remoteViewer) report(ctx context.Context) (viewerReport, error) {
	r, err := v.c.call(ctx, request{Op: opReport})
	if err != nil {
		return viewerReport{}, err
	}
	if r.Viewer == nil {
		return viewerReport{}, fmt.Errorf("%w: the viewer's report is missing", ErrChild)
	}
	return *r.Viewer, nil
}

func (v remoteViewer) lastUpdate(ctx context.Context) (time.Time, error) {
	r, err := v.c.call(ctx, request{Op: opLast})
	if err != nil || r.Last == 0 {
		return time.Time{}, err
	}
	return time.Unix(0, r.Last), nil
}

func (v remoteViewer) snapshot(ctx context.Context) (*image.RGBA, error) {
	path := filepath.Join(v.dir, "viewer.raw")
	r, err := v.c.call(ctx, request{Op: opSnapshot, Path: path})
	if err != nil || r.Width == 0 {
		return nil, err // no picture yet
	}
	return readRaw(path)
}

// childLogger logs warnings and errors of the host and viewer libraries to
// the child's error output, which the parent shows.
func childLogger(stderr io.Writer, role string) *slog.Logger {
	return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("e2e", role)
}

// RunHost is the hidden command e2e-host: the host side of `bench e2e`,
// run by the benchmark as a child process. It registers with the
// benchmark's signaling server, prints the session's credentials as its
// first JSON line, serves the viewer, and answers the benchmark's requests
// on its standard input until that closes.
func RunHost(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runHost(ctx, args, os.Stdin, stdout, stderr)
}

func runHost(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("e2e-host", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "signaling server URL (required)")
	display := fs.String("display", "", "X display to share, such as :3")
	synthetic := fs.Bool("synthetic", false, "share an in-memory screen instead of an X display")
	sizeFlag := fs.String("size", "1920x1080", "screen size, WxH")
	fps := fs.Int("fps", 30, "capture cap, 1..240")
	probe := addProbeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if probe.on() {
		return runProbeSender(ctx, probe, stdin, stdout)
	}
	stopProfile, err := startProfile(*probe.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		return err
	}
	if *server == "" || (*display == "") == !*synthetic {
		return fmt.Errorf("%w: e2e-host needs --server and one of --display or --synthetic", ErrUsage)
	}
	log := childLogger(stderr, "host")

	var (
		src      capture.Source
		inj      input.Injector
		screen   *sceneScreen
		injector string
	)
	if *synthetic {
		cv := newCanvas(size.X, size.Y)
		src, inj, injector = cv.source(), input.NewRecorder(), "input.Recorder"
		screen = &sceneScreen{sc: newScene(cv, size.X, size.Y, *fps), picture: func() (*image.RGBA, error) { return cv.picture(), nil }}
	} else {
		if src, err = openX11Source(ctx, *display); err != nil {
			return fmt.Errorf("capturing %s: %w", *display, err)
		}
		if inj, injector, err = openInjector(); err != nil {
			_ = src.Close()
			return fmt.Errorf("injecting input on %s: %w", *display, err)
		}
	}
	agent, err := newHostAgent(src, inj, size, rdp.WithMaxFPS(*fps), rdp.WithLoopbackOnly(true), rdp.WithLogger(log))
	if err != nil {
		return err
	}
	defer agent.Close()

	hc, err := signaling.Register(ctx, *server, signaling.WithName("e2e host"))
	if err != nil {
		return fmt.Errorf("registering with %s: %w", *server, err)
	}
	defer hc.Close()
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- agent.host.Serve(serveCtx, hc) }()
	defer func() { stopServe(); <-served }()

	cred := hc.Credentials()
	if err := json.NewEncoder(stdout).Encode(reply{ID: cred.ID, Code: cred.Code, Info: injector}); err != nil {
		return err
	}
	return serveLines(ctx, stdin, stdout, func(ctx context.Context, r request) (reply, error) {
		switch r.Op {
		case opBegin:
			return reply{}, agent.begin(ctx)
		case opEnd:
			rep, err := agent.end(ctx)
			return reply{Host: &rep}, err
		}
		if screen == nil {
			return reply{}, fmt.Errorf("unknown request %q", r.Op)
		}
		switch r.Op {
		case opSetup:
			return reply{}, screen.setup(ctx, r.Phase)
		case opRun:
			n, err := screen.run(ctx, r.Phase, r.Duration)
			return reply{Changes: n}, err
		case opPicture:
			img, err := screen.snapshot(ctx)
			if err != nil {
				return reply{}, err
			}
			return reply{Width: img.Rect.Dx(), Height: img.Rect.Dy()}, writeRaw(r.Path, img)
		}
		return reply{}, fmt.Errorf("unknown request %q", r.Op)
	})
}

// RunViewer is the hidden command e2e-viewer: the viewer side of `bench
// e2e`, run by the benchmark as a child process. It joins the host's
// session, prints an empty JSON line once connected, and answers the
// benchmark's requests on its standard input until that closes.
func RunViewer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runViewer(ctx, args, os.Stdin, stdout, stderr)
}

func runViewer(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("e2e-viewer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "signaling server URL (required)")
	id := fs.String("id", "", "session ID (required)")
	code := fs.String("code", "", "one-time code (required)")
	sizeFlag := fs.String("size", "1920x1080", "the host's screen size, WxH")
	probe := addProbeFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if probe.on() {
		return runProbeReceiver(ctx, probe, stdin, stdout)
	}
	stopProfile, err := startProfile(*probe.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	size, err := parseSize(*sizeFlag)
	if err != nil {
		return err
	}
	if *server == "" || *id == "" || *code == "" {
		return fmt.Errorf("%w: e2e-viewer needs --server, --id and --code", ErrUsage)
	}
	link, err := signaling.Join(ctx, *server, *id, *code, signaling.WithName("e2e viewer"))
	if err != nil {
		return fmt.Errorf("joining session %s: %w", *id, err)
	}
	a := &viewerAgent{size: size}
	v, err := rdp.Connect(ctx, link, rdp.WithLoopbackOnly(true), rdp.WithFrameHook(a.onFrame),
		rdp.WithLogger(childLogger(stderr, "viewer")))
	if err != nil {
		_ = link.Close()
		return fmt.Errorf("connecting to session %s: %w", *id, err)
	}
	a.v = v
	defer a.Close()
	if err := json.NewEncoder(stdout).Encode(reply{}); err != nil {
		return err
	}
	return serveLines(ctx, stdin, stdout, func(ctx context.Context, r request) (reply, error) {
		return a.handle(ctx, r)
	})
}

func (a *viewerAgent) handle(ctx context.Context, r request) (reply, error) {
	switch r.Op {
	case opStill:
		return reply{}, a.waitStill(ctx, r.Duration)
	case opLossless:
		return reply{}, a.setLossless(ctx, r.On)
	case opBegin:
		return reply{}, a.begin(ctx, r.Phase)
	case opStop:
		return reply{}, a.stop(ctx)
	case opReport:
		rep, err := a.report(ctx)
		return reply{Viewer: &rep}, err
	case opLast:
		t, err := a.lastUpdate(ctx)
		if t.IsZero() {
			return reply{}, err
		}
		return reply{Last: t.UnixNano()}, err
	case opSnapshot:
		img, err := a.snapshot(ctx)
		if err != nil || img == nil {
			return reply{}, err // no picture yet: no size
		}
		return reply{Width: img.Rect.Dx(), Height: img.Rect.Dy()}, writeRaw(r.Path, img)
	}
	return reply{}, fmt.Errorf("unknown request %q", r.Op)
}

// maxSide is the largest screen width or height the benchmark accepts.
const maxSide = 8192

// parseSize parses "WxH".
func parseSize(s string) (image.Point, error) {
	ws, hs, ok := cutX(s)
	w, errW := strconv.Atoi(ws)
	h, errH := strconv.Atoi(hs)
	if !ok || errW != nil || errH != nil || w < minSide || h < minSide || w > maxSide || h > maxSide {
		return image.Point{}, fmt.Errorf("%w: size %q: want WxH, each side %d..%d, such as 1920x1080", ErrUsage, s, minSide, maxSide)
	}
	return image.Pt(w, h), nil
}

// minSide keeps a few rows and columns of text on the screen.
const minSide = 64

func cutX(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == 'x' || s[i] == 'X' {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}
