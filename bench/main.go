// Command bench measures deskhand against the other ways of sending a screen, on recorded real screen content.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/deskhand/deskhand/bench/internal/codecbench"
	"github.com/deskhand/deskhand/bench/internal/e2e"
	"github.com/deskhand/deskhand/bench/internal/record"
	"github.com/deskhand/deskhand/bench/internal/report"
	"github.com/deskhand/deskhand/bench/internal/webbench"
)

const usage = `usage: go run ./bench COMMAND [flags]

Commands:
  record   record real 1920x1080 screen content as PNG frames, driving real
           programs on a private Xvfb screen
             go run ./bench record --scenario typing --out corpus/typing
             go run ./bench record --scenario all --out corpus
  codec    run every codec (deskhand's and the baselines: PNG, zstd, s2, and
           x264/VP8 through ffmpeg when it is installed) on every frame of a
           corpus, and print sizes, times and quality
             go run ./bench codec --corpus corpus/typing [--json]
  report   run the codec benchmark on every scenario of a corpora folder and
           write a Markdown report with charts
             go run ./bench report --corpora corpus --out report
  e2e      run a host and a viewer over WebRTC on this machine (separate
           processes on loopback, a private Xvfb screen) and print latency,
           input latency, throughput, frame rate and CPU against the
           session layer's goals
             go run ./bench e2e [--synthetic] [--json]
             go run ./bench e2e --impair delay=50ms,loss=1%,rate=10mbit
  web      measure the browser viewer in a headless Chromium: module download,
           page open to first full frame, decode + paint, typing latency
             go run ./bench web [--loads N] [--keys N] [--json]

Run "go run ./bench COMMAND -h" for a command's flags.
`

type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

var commands = map[string]command{
	"record": record.Run,
	"codec":  codecbench.Run,
	"report": report.Run,
	"e2e":    e2e.Run,
	"web":    webbench.Run,
	// The e2e benchmark's child processes; not listed in the usage.
	"e2e-host":   e2e.RunHost,
	"e2e-viewer": e2e.RunViewer,
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	name := os.Args[1]
	if name == "-h" || name == "--help" || name == "help" {
		fmt.Print(usage)
		return
	}
	cmd, ok := commands[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: unknown command %q\n\n%s", name, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cmd(ctx, os.Args[2:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(os.Stderr, "bench %s: %v\n", name, err)
		}
		os.Exit(1)
	}
}
