package e2e

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

// config is a run's settings, from the command line.
type config struct {
	synthetic bool
	size      image.Point
	phase     time.Duration
	settle    time.Duration
	phases    []string
	fps       int
	impair    *impairment
	json      bool
	timeout   time.Duration
	// The raw data-channel probe: how long it sends (0: not run), its
	// message size, and where its children write CPU profiles ("": none).
	probe         time.Duration
	probeMessage  int
	probeBuffered int
	profileDir    string
	// frames lists every update of every phase after the summary.
	frames bool
}

const usageText = `usage: bench e2e [--synthetic] [--size WxH] [--phase D] [--phases LIST]
                 [--settle D] [--fps N] [--impair SPEC] [--json] [--timeout D]
                 [--probe D] [--probe-message N] [--probe-buffered N]
                 [--cpuprofile DIR] [--frames]

Runs a deskhand host and viewer on this machine over WebRTC, drives the
screen through phases (typing, scroll, full, throughput, input, idle) and
prints capture-to-applied latency, input latency, throughput, frame rate,
CPU per side and exactness per phase, with the session layer's goals.

First, a raw data-channel probe measures the transport alone: two
processes, one peer connection on loopback, messages the size of a
session's screen fragments sent as fast as the session's flow control
allows, then small messages at the input phase's pace, timed from send
to delivery; once with deskhand's transport settings and once with pion's
defaults (not with --impair).

By default the screen is a private Xvfb that the benchmark draws on, the
host captures with capture/x11 and injects with input/x11, and host
and viewer are separate processes on loopback. --impair runs both in this
process over pion's virtual network instead (the kernel's netem needs
privileges this benchmark does not ask for), after a baseline of typing
and scroll over the same network unimpaired.

Flags:
`

// Run implements `bench e2e`: it parses args, runs the phases and prints
// the results to stdout (a table, or JSON lines with --json); progress goes
// to stderr. It returns ErrUsage for a bad command line (flag.ErrHelp for
// -h), and an error when the run could not complete; goals not met are
// results, not errors.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Progress and both children's error output share stderr.
	stderr = &lockedWriter{w: stderr}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	info := runInfo{Kind: "run", Width: cfg.size.X, Height: cfg.size.Y, PhaseSeconds: cfg.phase.Seconds(),
		FPSCap: cfg.fps, CPUs: runtime.NumCPU(), Screen: "Xvfb (capture/x11)"}
	if cfg.synthetic {
		info.Screen = "synthetic canvas"
	}
	var (
		probes  []probeResult
		results []phaseResult
	)
	if cfg.impair == nil {
		// Before the session, so that nothing else runs beside the probe.
		if cfg.probe > 0 {
			if probes, err = runProbes(ctx, cfg, stderr); err != nil {
				return err
			}
		}
		results, err = runSeparate(ctx, cfg, &info, stderr)
	} else {
		results, err = runInProcess(ctx, cfg, &info, stderr)
	}
	if err != nil {
		return err
	}
	ms := measures(probes, results, cfg.impair)
	if cfg.json {
		return writeJSON(stdout, info, probes, results, ms)
	}
	return writeTable(stdout, info, probes, results, ms)
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := config{}
	fs.BoolVar(&cfg.synthetic, "synthetic", false, "draw the screen in memory inside the host process instead of on a private Xvfb (capture copies only what changed; input is recorded, not performed)")
	size := fs.String("size", "1920x1080", "screen size, WxH")
	fs.DurationVar(&cfg.phase, "phase", 5*time.Second, "how long each phase runs (100ms..10m)")
	phases := fs.String("phases", strings.Join(allPhases, ","), "comma-separated phases to run, in this order: "+strings.Join(allPhases, ","))
	fs.DurationVar(&cfg.settle, "settle", time.Second, "how long the viewer must have had no update before a phase starts, once it shows the starting picture exactly (100ms..1m; more than the codec's 300 ms lossless refinement delay keeps refinements out of the phase)")
	fs.IntVar(&cfg.fps, "fps", 30, "the host's capture cap, frames a second (1..240); the throughput phase draws noise at this rate")
	impair := fs.String("impair", "", "run through an impaired path: comma-separated delay=D (round trip added), loss=P% (each direction), rate=R (each direction; bit, kbit, mbit, gbit, or bps, kbps, mbps, gbps for bytes), such as delay=50ms,loss=1%,rate=10mbit")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object per line (the run, each probe, each phase, each measure) instead of tables")
	fs.DurationVar(&cfg.timeout, "timeout", 10*time.Minute, "give up after this long")
	fs.DurationVar(&cfg.probe, "probe", 5*time.Second, "how long the raw data-channel probe sends, with each of deskhand's and pion's default transport settings (0: no probe, else 100ms..10m; not run with --impair)")
	fs.IntVar(&cfg.probeMessage, "probe-message", rdp.MaxMessageSize, fmt.Sprintf("the probe's message size in bytes (1024..%d; default: rdp's screen fragment)", maxProbeMessage))
	fs.IntVar(&cfg.probeBuffered, "probe-buffered", defaultProbeBuffered, fmt.Sprintf("the probe sender's high-water mark: it sends while at most this many bytes are queued, and resumes once the queue is below half (%d..%d; default: rdp's WithMaxBuffered)", minProbeBuffered, maxProbeBuffered))
	fs.StringVar(&cfg.profileDir, "cpuprofile", "", "write CPU profiles (pprof) of the children into this folder: host.pprof and viewer.pprof for the session, probe-*.pprof for the probe")
	fs.BoolVar(&cfg.frames, "frames", false, "also list every update of every phase: when it was captured, its size, its capture-to-applied latency and where that went (encoding, decoding, the rest)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageText)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	var err error
	if cfg.size, err = parseSize(*size); err != nil {
		return cfg, err
	}
	if cfg.phases, err = parsePhases(*phases); err != nil {
		return cfg, err
	}
	switch {
	case cfg.phase < 100*time.Millisecond || cfg.phase > 10*time.Minute:
		return cfg, fmt.Errorf("%w: --phase %v: want 100ms..10m", ErrUsage, cfg.phase)
	case cfg.settle < 100*time.Millisecond || cfg.settle > time.Minute:
		return cfg, fmt.Errorf("%w: --settle %v: want 100ms..1m", ErrUsage, cfg.settle)
	case cfg.fps < 1 || cfg.fps > 240:
		return cfg, fmt.Errorf("%w: --fps %d: want 1..240", ErrUsage, cfg.fps)
	case cfg.timeout <= 0:
		return cfg, fmt.Errorf("%w: --timeout %v: want more than 0", ErrUsage, cfg.timeout)
	case cfg.probe != 0 && (cfg.probe < 100*time.Millisecond || cfg.probe > 10*time.Minute):
		return cfg, fmt.Errorf("%w: --probe %v: want 0 or 100ms..10m", ErrUsage, cfg.probe)
	case cfg.probeMessage < 1024 || cfg.probeMessage > maxProbeMessage:
		return cfg, fmt.Errorf("%w: --probe-message %d: want 1024..%d", ErrUsage, cfg.probeMessage, maxProbeMessage)
	case cfg.probeBuffered < minProbeBuffered || cfg.probeBuffered > maxProbeBuffered:
		return cfg, fmt.Errorf("%w: --probe-buffered %d: want %d..%d", ErrUsage, cfg.probeBuffered, minProbeBuffered, maxProbeBuffered)
	}
	if *impair != "" {
		m, err := parseImpairment(*impair)
		if err != nil {
			return cfg, err
		}
		cfg.impair = &m
	}
	return cfg, nil
}

func parsePhases(s string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if !slices.Contains(allPhases, p) {
			return nil, fmt.Errorf("%w: --phases: unknown phase %q (want some of %s)", ErrUsage, p, strings.Join(allPhases, ","))
		}
		if slices.Contains(out, p) {
			return nil, fmt.Errorf("%w: --phases: %s given twice", ErrUsage, p)
		}
		out = append(out, p)
	}
	// Always in the canonical order: each phase starts from where the
	// previous one left the screen.
	slices.SortFunc(out, func(a, b string) int { return slices.Index(allPhases, a) - slices.Index(allPhases, b) })
	return out, nil
}

// The sides of a session, as the phases see them: local agents in this
// process, or stubs of child processes.
type (
	hostSide interface {
		begin(ctx context.Context) error
		end(ctx context.Context) (hostReport, error)
	}
	viewerSide interface {
		waitStill(ctx context.Context, d time.Duration) error
		setLossless(ctx context.Context, on bool) error
		begin(ctx context.Context, phase string) error
		stop(ctx context.Context) error
		report(ctx context.Context) (viewerReport, error)
		snapshot(ctx context.Context) (*image.RGBA, error)
		lastUpdate(ctx context.Context) (time.Time, error) // last screen data received or applied
	}
	screenSide interface {
		setup(ctx context.Context, phase string) error
		run(ctx context.Context, phase string, d time.Duration) (int, error)
		snapshot(ctx context.Context) (*image.RGBA, error)
	}
)

type session struct {
	host          hostSide
	viewer        viewerSide
	screen        screenSide
	path          string
	sharedProcess bool // host and viewer in one process: one CPU figure
	// Limits of the wait for an exact picture; zero: exactStillLimit and
	// exactMaxWait.
	stillLimit, maxWait time.Duration
}

// How long the benchmark waits for the viewer's picture to equal the
// screen. A slow link takes long (a lossless 1080p noise picture is 6 MB,
// five seconds at 10 Mbit/s), so the wait goes on while updates arrive, up
// to exactMaxWait; a picture that stays wrong while no update comes for
// exactStillLimit is given up on: corrupted, or a change the host never
// sent.
const (
	exactStillLimit = 10 * time.Second
	exactMaxWait    = 3 * time.Minute
	exactPoll       = 150 * time.Millisecond // how often the pictures are compared
)

// exactness is how a wait for the viewer's picture ended.
type exactness struct {
	exact   bool
	took    time.Duration // until exact, or until given up
	diff    int           // pixels that differ at the end
	first   image.Point   // the first of them
	arrived bool          // updates were still arriving when the wait gave up
}

// waitExact waits until the viewer's picture equals the screen's. The
// screen must be still.
func waitExact(ctx context.Context, s session) (exactness, error) {
	stillLimit, maxWait := cmp.Or(s.stillLimit, exactStillLimit), cmp.Or(s.maxWait, exactMaxWait)
	start := time.Now()
	for {
		want, err := s.screen.snapshot(ctx)
		if err != nil {
			return exactness{}, fmt.Errorf("reading the screen: %w", err)
		}
		got, err := s.viewer.snapshot(ctx)
		if err != nil {
			return exactness{}, err
		}
		e := exactness{took: time.Since(start)}
		if e.diff, e.first = compareRGB(want, got); e.diff == 0 {
			e.exact = true
			return e, nil
		}
		last, err := s.viewer.lastUpdate(ctx)
		if err != nil {
			return exactness{}, err
		}
		if last.Before(start) {
			last = start
		}
		if time.Since(last) >= stillLimit {
			return e, nil
		}
		if e.took >= maxWait {
			e.arrived = true
			return e, nil
		}
		t := time.NewTimer(exactPoll)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return exactness{}, ctx.Err()
		}
	}
}

func (e exactness) String() string {
	switch {
	case e.exact:
		return fmt.Sprintf("exact after %v", e.took.Round(time.Millisecond))
	case e.arrived:
		return fmt.Sprintf("updates still arriving after %v, %d pixels differ (the first at %d,%d)", e.took.Round(time.Second), e.diff, e.first.X, e.first.Y)
	}
	return fmt.Sprintf("wrong and no update coming: %d pixels differ (the first at %d,%d), given up after %v", e.diff, e.first.X, e.first.Y, e.took.Round(time.Second))
}

// runPhases runs phases on a connected session. Each starts once the
// viewer shows its starting picture exactly and has been still for
// cfg.settle; each ends with the wait for the viewer to show the final
// picture exactly (the updates of the phase have then all arrived).
func runPhases(ctx context.Context, cfg config, s session, phases []string, progress io.Writer) ([]phaseResult, error) {
	var results []phaseResult
	for _, ph := range phases {
		fmt.Fprintf(progress, "e2e: %s over %s: setting up\n", ph, s.path)
		if err := s.screen.setup(ctx, ph); err != nil {
			return results, fmt.Errorf("setting up %s: %w", ph, err)
		}
		if ph == phaseThroughput {
			if err := s.viewer.setLossless(ctx, true); err != nil {
				return results, err
			}
		}
		// The viewer may have no picture yet (a new session), or the host
		// may hold the change back: only the picture itself says when the
		// viewer is ready.
		e, err := waitExact(ctx, s)
		if err != nil {
			return results, fmt.Errorf("before %s: %w", ph, err)
		}
		if !e.exact {
			return results, fmt.Errorf("before %s: the viewer did not show the starting picture: %v", ph, e)
		}
		if err := s.viewer.waitStill(ctx, cfg.settle); err != nil {
			return results, fmt.Errorf("before %s: %w", ph, err)
		}
		if err := s.host.begin(ctx); err != nil {
			return results, err
		}
		if err := s.viewer.begin(ctx, ph); err != nil {
			return results, err
		}
		fmt.Fprintf(progress, "e2e: %s over %s: running for %v\n", ph, s.path, cfg.phase)
		start := time.Now()
		changes, err := s.screen.run(ctx, ph, cfg.phase)
		if err != nil {
			return results, fmt.Errorf("running %s: %w", ph, err)
		}
		wall := time.Since(start)
		if err := s.viewer.stop(ctx); err != nil {
			return results, fmt.Errorf("ending %s: %w", ph, err)
		}
		hr, err := s.host.end(ctx)
		if err != nil {
			return results, err
		}
		e, err = waitExact(ctx, s)
		if err != nil {
			return results, fmt.Errorf("after %s: %w", ph, err)
		}
		vr, err := s.viewer.report(ctx)
		if err != nil {
			return results, fmt.Errorf("after %s: %w", ph, err)
		}
		if vr.SendErr != "" {
			return results, fmt.Errorf("%s: sending input: %s", ph, vr.SendErr)
		}
		if ph == phaseThroughput {
			if err := s.viewer.setLossless(ctx, false); err != nil {
				return results, err
			}
		}
		r := summarize(ph, s.path, wall, changes, vr, hr, s.sharedProcess)
		if cfg.frames {
			r.Frames = updateRows(vr.Frames)
		}
		r.Exact = e.exact
		if e.exact {
			r.ExactAfterMs = ptr(ms(e.took))
		} else {
			r.NotExact = e.String()
		}
		results = append(results, r)
	}
	return results, nil
}

// signalPath is where the signaling server listens, as in
// examples/signaling.
const signalPath = "/v1/signal"

// startSignaling serves a signaling server on a free loopback port.
func startSignaling() (url string, stop func(), err error) {
	sig, err := signaling.NewServer()
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(signalPath, sig)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = sig.Close()
		return "", nil, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	stop = func() {
		_ = sig.Close()
		_ = srv.Close()
		<-done
	}
	return "ws://" + ln.Addr().String() + signalPath, stop, nil
}

// runSeparate runs host and viewer as child processes over loopback.
func runSeparate(ctx context.Context, cfg config, info *runInfo, stderr io.Writer) ([]phaseResult, error) {
	info.Processes = "host and viewer in separate processes, loopback UDP"
	dir, err := os.MkdirTemp("", "deskhand-e2e-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	url, stopSig, err := startSignaling()
	if err != nil {
		return nil, err
	}
	defer stopSig()

	size := fmt.Sprintf("%dx%d", cfg.size.X, cfg.size.Y)
	hostArgs := []string{"--server", url, "--size", size, "--fps", fmt.Sprint(cfg.fps)}
	env := os.Environ()
	var screen screenSide
	if cfg.synthetic {
		hostArgs = append(hostArgs, "--synthetic")
		info.Notes = append(info.Notes, "--synthetic: the host shares an in-memory screen it draws itself (its CPU includes drawing; capture copies only what changed); input is recorded, not performed")
	} else {
		fmt.Fprintf(stderr, "e2e: starting Xvfb %s\n", size)
		xs, srv, err := startXvfbScreen(ctx, cfg.size)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		defer xs.close()
		screen = &sceneScreen{sc: newScene(xs, cfg.size.X, cfg.size.Y, cfg.fps), picture: xs.image}
		hostArgs = append(hostArgs, "--display", srv.Display)
		env = srv.Env() // the host's capture and injector open $DISPLAY
		info.Notes = append(info.Notes, "the benchmark draws on the Xvfb from its own process (PutImage, CopyArea), as an application would; host CPU excludes drawing, and Xvfb's own CPU is counted nowhere")
	}

	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
		hostArgs = append(hostArgs, "--cpuprofile", filepath.Join(cfg.profileDir, "host.pprof"))
	}
	fmt.Fprintln(stderr, "e2e: starting the host and the viewer")
	hostC, ready, err := startChild(ctx, "host", hostArgs, env, stderr)
	if err != nil {
		return nil, err
	}
	defer hostC.close()
	info.Injector = ready.Info
	viewArgs := []string{"--server", url, "--id", ready.ID, "--code", ready.Code, "--size", size}
	if cfg.profileDir != "" {
		viewArgs = append(viewArgs, "--cpuprofile", filepath.Join(cfg.profileDir, "viewer.pprof"))
	}
	viewC, _, err := startChild(ctx, "viewer", viewArgs, os.Environ(), stderr)
	if err != nil {
		return nil, err
	}
	defer viewC.close()
	if cfg.synthetic {
		screen = remoteScreen{c: hostC, dir: dir}
	}
	s := session{host: remoteHost{c: hostC}, viewer: remoteViewer{c: viewC, dir: dir}, screen: screen, path: pathLoopback}
	return runPhases(ctx, cfg, s, cfg.phases, stderr)
}

// runInProcess runs host and viewer in this process over pion's virtual
// network: first typing and scroll unimpaired, then every phase impaired.
func runInProcess(ctx context.Context, cfg config, info *runInfo, stderr io.Writer) ([]phaseResult, error) {
	info.Processes = "host and viewer in this process, pion's virtual network (vnet)"
	info.Impair = cfg.impair.String()
	info.Injector = "input.Recorder (one process: input is recorded, not performed)"
	info.Notes = append(info.Notes,
		"delay is the round trip added, half each way; loss and rate apply to each direction; the rate limiter queues up to 100 ms and drops beyond",
		"netem is not used (it needs privileges and a kernel module); host, viewer and the virtual network share one process, so CPU is the whole process's and viewer CPU is not separated",
		"the unimpaired baseline runs over the same virtual network without impairment")
	var (
		screen    screenSide
		newSource func() (capture.Source, error)
	)
	if cfg.synthetic {
		cv := newCanvas(cfg.size.X, cfg.size.Y)
		screen = &sceneScreen{sc: newScene(cv, cfg.size.X, cfg.size.Y, cfg.fps), picture: func() (*image.RGBA, error) { return cv.picture(), nil }}
		newSource = func() (capture.Source, error) { return cv.source(), nil }
	} else {
		fmt.Fprintf(stderr, "e2e: starting Xvfb %dx%d\n", cfg.size.X, cfg.size.Y)
		xs, srv, err := startXvfbScreen(ctx, cfg.size)
		if err != nil {
			return nil, err
		}
		defer srv.Close()
		defer xs.close()
		screen = &sceneScreen{sc: newScene(xs, cfg.size.X, cfg.size.Y, cfg.fps), picture: xs.image}
		newSource = func() (capture.Source, error) { return openX11Source(ctx, srv.Display) }
	}
	var results []phaseResult
	var baseline []string
	for _, p := range cfg.phases {
		if p == phaseTyping || p == phaseScroll {
			baseline = append(baseline, p)
		}
	}
	if len(baseline) > 0 {
		r, err := runOverVNet(ctx, cfg, impairment{}, screen, newSource, baseline, pathVNet, stderr)
		results = append(results, r...)
		if err != nil {
			return results, err
		}
	}
	r, err := runOverVNet(ctx, cfg, *cfg.impair, screen, newSource, cfg.phases, pathImpaired, stderr)
	return append(results, r...), err
}

// runOverVNet connects a host and a viewer in this process through a
// virtual network with impairment m and runs phases.
func runOverVNet(ctx context.Context, cfg config, m impairment, screen screenSide, newSource func() (capture.Source, error),
	phases []string, path string, stderr io.Writer) ([]phaseResult, error) {
	fmt.Fprintf(stderr, "e2e: connecting over the virtual network (%s)\n", m)
	vn, err := newVNetPath(m)
	if err != nil {
		return nil, err
	}
	defer vn.Close()
	src, err := newSource()
	if err != nil {
		return nil, err
	}
	ha, err := newHostAgent(src, input.NewRecorder(), cfg.size, rdp.WithMaxFPS(cfg.fps), rdp.WithNet(vn.host))
	if err != nil {
		return nil, err
	}
	defer ha.Close()

	hl, vl := signaling.Pipe()
	sctx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() {
		served <- ha.host.ServeViewer(sctx, hl, signaling.Peer{ID: "e2e-viewer", Name: "e2e viewer", Addr: path})
		_ = hl.Close()
	}()
	defer func() { stopServe(); <-served }()

	va := &viewerAgent{size: cfg.size}
	v, err := rdp.Connect(ctx, vl, rdp.WithNet(vn.viewer), rdp.WithFrameHook(va.onFrame))
	if err != nil {
		_ = vl.Close()
		return nil, fmt.Errorf("connecting over the virtual network: %w", err)
	}
	va.v = v
	defer va.Close()
	s := session{host: ha, viewer: va, screen: screen, path: path, sharedProcess: true}
	return runPhases(ctx, cfg, s, phases, stderr)
}
