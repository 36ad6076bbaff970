package webbench

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"time"

	"github.com/deskhand/deskhand/internal/headless"
	"github.com/deskhand/deskhand/internal/xvfb"
	"github.com/deskhand/deskhand/signaling"
	"github.com/deskhand/deskhand/web"
)

// Screen size of the benchmark, as the goals state it.
const screenW, screenH = 1920, 1080

// config is a run's settings, from the command line.
type config struct {
	loads    int           // page loads per cache mode
	keys     int           // keys typed
	updates  int           // full-screen updates measured
	json     bool          // JSON instead of tables
	timeout  time.Duration // the whole run
	chromium string        // path of the browser; "" finds it
	log      io.Writer     // progress
}

const usageText = `usage: bench web [--loads N] [--keys N] [--updates N] [--json]
                 [--timeout D] [--chromium PATH]

Measures deskhand's browser viewer (the web package's page and its
WebAssembly module) in a headless Chromium against the goals of its issue:
the module's compressed download, page open to the first full 1920x1080
frame (cache disabled, then enabled), decode + paint of full-screen text
updates, and key-to-pixels typing latency. The screen is a private Xvfb
with an xterm, shared by deskhand's example agent (built with the Go
toolchain) through a signaling server in this process, on loopback.

Flags:
`

func parseFlags(args []string, stderr io.Writer) (config, error) {
	cfg := config{log: stderr}
	fs := flag.NewFlagSet("web", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usageText)
		fs.PrintDefaults()
	}
	fs.IntVar(&cfg.loads, "loads", 5, "page loads measured with the cache disabled, and as many with it enabled (1..100)")
	fs.IntVar(&cfg.keys, "keys", 50, "keys typed for the typing latency (1..1000)")
	fs.IntVar(&cfg.updates, "updates", 20, "full-screen text updates measured (1..1000)")
	fs.BoolVar(&cfg.json, "json", false, "print one JSON object instead of tables")
	fs.DurationVar(&cfg.timeout, "timeout", 5*time.Minute, "give up after this long")
	fs.StringVar(&cfg.chromium, "chromium", "", "Chromium to drive (default: chromium, chromium-browser or google-chrome on PATH)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, err
		}
		return cfg, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	case cfg.loads < 1 || cfg.loads > 100:
		return cfg, fmt.Errorf("%w: --loads %d: want 1..100", ErrUsage, cfg.loads)
	case cfg.keys < 1 || cfg.keys > 1000:
		return cfg, fmt.Errorf("%w: --keys %d: want 1..1000", ErrUsage, cfg.keys)
	case cfg.updates < 1 || cfg.updates > 1000:
		return cfg, fmt.Errorf("%w: --updates %d: want 1..1000", ErrUsage, cfg.updates)
	case cfg.timeout <= 0:
		return cfg, fmt.Errorf("%w: --timeout %v: want more than 0", ErrUsage, cfg.timeout)
	}
	return cfg, nil
}

// Run implements `bench web`: it parses args, runs the measurements and
// prints them to stdout (tables, or one JSON object with --json); progress
// goes to stderr. It returns ErrUsage for a bad command line (flag.ErrHelp
// for -h) and an error when the run could not complete; goals not met are
// results, not errors.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if cfg.chromium == "" {
		if cfg.chromium = headless.Find(); cfg.chromium == "" {
			return ErrNoChromium
		}
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()
	res, err := run(ctx, cfg)
	if err != nil {
		return err
	}
	if cfg.json {
		return writeJSON(stdout, res)
	}
	return writeTable(stdout, res)
}

// desk is the host side: the X screen, its terminal, the web server and
// the agent sharing the screen.
type desk struct {
	x      *xvfb.Server
	addr   string // the web server: page and signaling
	agent  *exec.Cmd
	lines  chan struct{} // closed when the agent's output ends
	mu     sync.Mutex
	creds  [][2]string // every id= code= line the agent printed
	newCrd chan struct{}
}

var credsRE = regexp.MustCompile(`^id=(\S+) code=(\S+)$`)

// startDesk starts everything but the browser; stop releases it all.
func startDesk(ctx context.Context, cfg config) (d *desk, stop func(), err error) {
	for _, tool := range []string{"Xvfb", "xterm", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, nil, fmt.Errorf("%w: %s", ErrMissingTool, tool)
		}
	}
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()

	d = &desk{newCrd: make(chan struct{}, 1)}
	if d.x, err = xvfb.Start(ctx, screenW, screenH); err != nil {
		return nil, nil, err
	}
	stops = append(stops, func() { _ = d.x.Close() })
	env := append(d.x.Env(), "PS1=$ ")

	// A terminal larger than the screen: whatever the font, text covers
	// the whole screen. The shell starts with no prompt decoration.
	xt := exec.Command("xterm", "-geometry", "400x200+0+0", "-fa", "Monospace", "-fs", "11", "-e", "sh")
	xt.Env = env
	if err := xt.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting xterm: %w", err)
	}
	stops = append(stops, func() { _ = xt.Process.Kill(); _ = xt.Wait() })
	wait := exec.CommandContext(ctx, "xdotool", "search", "--sync", "--onlyvisible", "--class", "xterm")
	wait.Env = env
	if out, err := wait.CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("waiting for the xterm window: %v: %s", err, out)
	}
	// Focus follows the X pointer (no window manager): put it on the terminal.
	if err := d.xdotool(ctx, "mousemove", "600", "400"); err != nil {
		return nil, nil, err
	}

	sig, err := signaling.NewServer()
	if err != nil {
		return nil, nil, err
	}
	viewer, err := web.Handler()
	if err != nil {
		_ = sig.Close()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(web.DefaultSignalingPath, sig)
	mux.Handle("/", viewer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = sig.Close()
		return nil, nil, err
	}
	d.addr = ln.Addr().String()
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	stops = append(stops, func() { _ = sig.Close(); _ = srv.Close(); <-served })

	dir, err := os.MkdirTemp("", "deskhand-webbench-")
	if err != nil {
		return nil, nil, err
	}
	stops = append(stops, func() { _ = os.RemoveAll(dir) })
	bin := filepath.Join(dir, "agent")
	fmt.Fprintln(cfg.log, "web: building examples/agent")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/deskhand/deskhand/examples/agent").CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("go build examples/agent: %v\n%s", err, out)
	}
	d.agent = exec.Command(bin, "share", "--server", "ws://"+d.addr+web.DefaultSignalingPath, "--loopback")
	d.agent.Env = env
	stdout, err := d.agent.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := d.agent.Start(); err != nil {
		return nil, nil, fmt.Errorf("starting the agent: %w", err)
	}
	d.lines = make(chan struct{})
	go d.readCredentials(stdout)
	stops = append(stops, func() {
		_ = d.agent.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = d.agent.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = d.agent.Process.Kill()
			<-done
		}
		<-d.lines
	})
	return d, stop, nil
}

func (d *desk) readCredentials(r io.Reader) {
	defer close(d.lines)
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if m := credsRE.FindStringSubmatch(sc.Text()); m != nil {
			d.mu.Lock()
			d.creds = append(d.creds, [2]string{m[1], m[2]})
			d.mu.Unlock()
			select {
			case d.newCrd <- struct{}{}:
			default:
			}
		}
	}
}

// credentials waits until the agent printed more than after lines of
// credentials, and returns the newest with their count: each session
// spends a code, and the agent then prints the next.
func (d *desk) credentials(ctx context.Context, after int) (id, code string, n int, err error) {
	for {
		d.mu.Lock()
		n = len(d.creds)
		if n > after {
			c := d.creds[n-1]
			d.mu.Unlock()
			return c[0], c[1], n, nil
		}
		d.mu.Unlock()
		select {
		case <-d.newCrd:
		case <-d.lines:
			return "", "", 0, errors.New("webbench: the agent ended before printing a session code")
		case <-ctx.Done():
			return "", "", 0, fmt.Errorf("webbench: waiting for the agent's session code: %w", ctx.Err())
		}
	}
}

func (d *desk) xdotool(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, "xdotool", args...)
	cmd.Env = d.x.Env()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("xdotool %v: %v: %s", args, err, out)
	}
	return nil
}
