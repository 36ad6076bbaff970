// Command viewer is a headless deskhand viewer for tests, scripts and benchmarks: it connects, sends input, and saves the screen.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "viewer:", oneLine(err))
		}
		os.Exit(1)
	}
}

type config struct {
	server, id, code string
	typeText         string
	click            string
	snapshot         string
	settle, timeout  time.Duration
	loopback         bool
	name             string
	stats, lossless  bool
	copyText         string
	monitor          int
	fps              int
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c config
	fs := flag.NewFlagSet("viewer", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.server, "server", "", "signaling server URL, such as ws://127.0.0.1:8080/v1/signal (required)")
	fs.StringVar(&c.id, "id", "", "session ID the host shows (required)")
	fs.StringVar(&c.code, "code", "", "one-time code the host shows (required)")
	fs.StringVar(&c.typeText, "type", "", `text to type after connecting; \n presses Enter, \t Tab, \\ is a backslash`)
	fs.StringVar(&c.click, "click", "", "X,Y: click the left button there after connecting (before --type)")
	fs.StringVar(&c.snapshot, "snapshot", "", "write the screen to this PNG file once it has been still for --settle, then exit")
	fs.DurationVar(&c.settle, "settle", time.Second, "how long the screen must be still before --snapshot")
	fs.DurationVar(&c.timeout, "timeout", 60*time.Second, "give up after this long")
	fs.BoolVar(&c.loopback, "loopback", false, "use only the loopback interface (tests and one-machine demos)")
	fs.StringVar(&c.name, "name", "deskhand viewer", "name the host is shown")
	fs.BoolVar(&c.stats, "stats", false, "print the session's statistics every second on stderr; without --snapshot, stay connected until --timeout or Ctrl-C")
	fs.BoolVar(&c.lossless, "lossless", false, "ask the host for lossless updates only")
	fs.StringVar(&c.copyText, "copy", "", "set the host's clipboard to this text after connecting")
	fs.IntVar(&c.monitor, "monitor", -1, "show only this monitor of the host (an index; -1: all)")
	fs.IntVar(&c.fps, "fps", 0, "ask the host for at most this many updates a second (1..240; 0: the host's rate)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.server == "" || c.id == "" || c.code == "" {
		return errors.New("--server, --id and --code are required")
	}
	opts := []rdp.Option{rdp.WithLoopbackOnly(c.loopback), rdp.WithLossless(c.lossless),
		// After a network drop, come back with the session's resume token.
		rdp.WithReconnect(func(ctx context.Context, token string) (rdp.Signaler, error) {
			return signaling.Resume(ctx, c.server, c.id, token, signaling.WithName(c.name))
		}),
		rdp.WithStateHook(func(st rdp.ConnState, err error) {
			if st == rdp.StateReconnecting {
				fmt.Fprintf(stderr, "viewer: connection lost (%v); resuming the session\n", err)
			} else if st == rdp.StateConnected {
				fmt.Fprintln(stderr, "viewer: session resumed")
			}
		}),
	}
	if c.fps != 0 {
		if c.fps < 1 || c.fps > 240 {
			return fmt.Errorf("--fps %d: want 1..240", c.fps)
		}
		opts = append(opts, rdp.WithMaxFPS(c.fps))
	}
	var events []input.Event
	if c.click != "" {
		x, y, err := parsePoint(c.click)
		if err != nil {
			return fmt.Errorf("--click: %w", err)
		}
		events = append(events,
			input.Event{Kind: input.MouseMove, X: x, Y: y},
			input.Event{Kind: input.MouseButton, Button: input.ButtonLeft, Down: true},
			input.Event{Kind: input.MouseButton, Button: input.ButtonLeft, Down: false})
	}
	if c.typeText != "" {
		typed, err := typeEvents(unescape(c.typeText))
		if err != nil {
			return fmt.Errorf("--type: %w", err)
		}
		events = append(events, typed...)
	}

	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	link, err := signaling.Join(ctx, c.server, c.id, c.code, signaling.WithName(c.name))
	if err != nil {
		return fmt.Errorf("cannot join session %s: %w", c.id, err)
	}
	v, err := rdp.Connect(ctx, link, opts...)
	if err != nil {
		_ = link.Close()
		return fmt.Errorf("cannot connect to session %s: %w", c.id, err)
	}
	defer v.Close()
	fmt.Fprintf(stderr, "viewer: connected to session %s\n", c.id)

	if c.monitor != rdp.AllMonitors {
		if err := v.SelectMonitor(c.monitor); err != nil {
			return fmt.Errorf("--monitor: %w", err)
		}
	}
	if c.copyText != "" {
		if err := v.SetClipboard(ctx, c.copyText); err != nil {
			return fmt.Errorf("--copy: %w", err)
		}
	}
	if len(events) > 0 {
		if err := v.Send(events...); err != nil {
			return fmt.Errorf("sending input: %w", err)
		}
		if err := v.Sync(ctx); err != nil {
			return fmt.Errorf("waiting for the host to perform the input: %w", err)
		}
	}
	if c.stats {
		stop := printStats(ctx, v, stderr)
		defer stop()
	}
	if c.snapshot == "" {
		if !c.stats {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-v.Done():
			return v.Err()
		}
	}
	if err := v.WaitStill(ctx, c.settle); err != nil {
		return fmt.Errorf("waiting for a still screen: %w", err)
	}
	img := v.Snapshot()
	if err := writePNG(c.snapshot, img); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "snapshot %s %dx%d\n", c.snapshot, img.Rect.Dx(), img.Rect.Dy())
	return nil
}

// printStats prints v's statistics every second until stopped.
func printStats(ctx context.Context, v *rdp.Viewer, w io.Writer) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-v.Done():
				return
			case <-t.C:
				fmt.Fprintln(w, formatStats(v.Stats()))
			}
		}
	}()
	return func() { cancel(); <-done }
}

func formatStats(s rdp.ViewerStats) string {
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + "ms"
	}
	return fmt.Sprintf("stats %dx%d fps=%.1f bitrate=%.2fMbit/s rtt=%s latency=%s encode=%s decode=%s updates=%d keyframes=%d superseded=%d errors=%d",
		s.Width, s.Height, s.FPS, float64(s.Bitrate)/1e6, ms(s.RTT), ms(s.Latency), ms(s.LastEncode), ms(s.LastDecode),
		s.Updates, s.KeyFrames, s.Superseded, s.DecodeErrors)
}

func writePNG(path string, img *image.RGBA) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}

func parsePoint(s string) (x, y int, err error) {
	xs, ys, ok := strings.Cut(s, ",")
	if !ok {
		return 0, 0, fmt.Errorf("%q: want X,Y such as 100,200", s)
	}
	if x, err = strconv.Atoi(strings.TrimSpace(xs)); err == nil {
		y, err = strconv.Atoi(strings.TrimSpace(ys))
	}
	if err != nil || x < 0 || y < 0 || x > 65535 || y > 65535 {
		return 0, 0, fmt.Errorf("%q: want two whole numbers 0..65535", s)
	}
	return x, y, nil
}

// unescape turns the \n, \t and \\ a shell passes literally into the
// characters they name.
func unescape(s string) string {
	return strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\t`, "\t").Replace(s)
}

// typeEvents turns text into events: runs of printable text as text
// events, newlines and tabs as presses of Enter and Tab.
func typeEvents(s string) ([]input.Event, error) {
	var out []input.Event
	for len(s) > 0 {
		i := strings.IndexAny(s, "\n\t")
		if i < 0 {
			i = len(s)
		}
		for text := s[:i]; len(text) > 0; {
			n := min(len(text), input.MaxText)
			for n > 0 && n < len(text) && !utf8.RuneStart(text[n]) {
				n--
			}
			out = append(out, input.Event{Kind: input.TextEvent, Text: text[:n]})
			text = text[n:]
		}
		if i == len(s) {
			break
		}
		code := "Enter"
		if s[i] == '\t' {
			code = "Tab"
		}
		k, ok := input.KeyFromCode(code)
		if !ok {
			return nil, fmt.Errorf("no key code for %s", code)
		}
		out = append(out,
			input.Event{Kind: input.KeyEvent, Key: k, Down: true},
			input.Event{Kind: input.KeyEvent, Key: k, Down: false})
		s = s[i+1:]
	}
	return out, nil
}

// oneLine keeps the failure message to one line, as scripts expect.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
