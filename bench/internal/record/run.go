package record

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Run is "bench record": args are the flags after the subcommand. It writes
// progress to stderr and one summary line per recorded scenario to stdout.
// Bad flags give an error matching ErrUsage after the usage text is written
// to stderr; -h writes the usage text and returns nil.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("bench record", flag.ContinueOnError)
	fl.SetOutput(stderr)
	scenario := fl.String("scenario", "", "scenario to record: "+strings.Join(Scenarios(), ", ")+", or all")
	out := fl.String("out", "", "output directory (must not exist or be empty); with all, one subdirectory per scenario")
	fps := fl.Int("fps", defaultFPS, fmt.Sprintf("capture pace in frames per second (%d..%d)", minFPS, maxFPS))
	frames := fl.Int("frames", 0, "frames to record (default: the scenario's own count, see below)")
	seconds := fl.Float64("seconds", 0, "record this many seconds instead of --frames")
	keepGoing := fl.Bool("keep-going", false, "with all: record the other scenarios when one fails")
	encoders := fl.Int("encoders", defaultEncoders, fmt.Sprintf("PNG encoding goroutines (1..%d)", maxEncoders))
	bufferMiB := fl.Int64("buffer-mb", defaultMaxBuffer>>20, "memory for frames waiting to be encoded, MiB (8 per frame)")
	verbose := fl.Bool("v", false, "log what is started and waited for")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: bench record --scenario NAME --out DIR [flags]\n\n"+
			"Records real screen content at %dx%d on a private Xvfb as DIR/000000.png,\n"+
			"000001.png, ... and DIR/%s.\n\nScenarios:\n", Width, Height, InfoFile)
		for _, sp := range specs() {
			fmt.Fprintf(stderr, "  %-7s %3d frames  %s\n", sp.name, sp.frames, sp.desc)
		}
		fmt.Fprintf(stderr, "  %-7s records each of them into DIR/<scenario>\n\nFlags:\n", AllScenarios)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	usage := func(format string, a ...any) error {
		msg := fmt.Sprintf(format, a...)
		fmt.Fprintf(stderr, "bench record: %s\n", msg)
		fl.Usage()
		return fmt.Errorf("%w: %s", ErrUsage, msg)
	}
	switch {
	case fl.NArg() > 0:
		return usage("unexpected arguments %q", fl.Args())
	case *scenario == "":
		return usage("--scenario is required")
	case *out == "":
		return usage("--out is required")
	case *frames != 0 && *seconds != 0:
		return usage("give --frames or --seconds, not both")
	case *seconds < 0:
		return usage("--seconds must be positive")
	}
	names := []string{*scenario}
	if *scenario == AllScenarios {
		names = Scenarios()
	} else if _, err := lookup(*scenario); err != nil {
		return usage("unknown scenario %q", *scenario)
	}

	opts := []Option{WithFPS(*fps), WithEncoders(*encoders), WithMaxBuffer(*bufferMiB << 20), WithProgress(stderr)}
	if *frames != 0 {
		opts = append(opts, WithFrames(*frames))
	}
	if *seconds != 0 {
		opts = append(opts, WithDuration(time.Duration(*seconds*float64(time.Second))))
	}
	if *verbose {
		opts = append(opts, WithLogger(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	// Check every option and program before the first recording, so that a
	// typo fails at once rather than after minutes of recording.
	probe := defaultOptions()
	for _, opt := range opts {
		if err := opt(&probe); err != nil {
			return usage("%v", err)
		}
	}
	var errs []error
	for _, name := range names {
		if err := CheckPrograms(name); err != nil {
			if !*keepGoing {
				return err
			}
			errs = append(errs, err)
		}
	}

	for _, name := range names {
		dir := *out
		if *scenario == AllScenarios {
			dir = filepath.Join(*out, name)
		}
		if CheckPrograms(name) != nil {
			continue // reported above
		}
		began := time.Now()
		info, err := Record(ctx, name, dir, opts...)
		if err != nil {
			if !*keepGoing || ctx.Err() != nil {
				return err
			}
			fmt.Fprintf(stderr, "bench record: %v\n", err)
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: %d frames %dx%d at %d fps in %s (%s; took %.1fs, capture %.1fs, %d late frames, max %.0f ms late)\n",
			name, info.Frames, info.Width, info.Height, info.FPS, dir, sizeOf(dir),
			time.Since(began).Seconds(), info.Timing.CaptureSeconds, info.Timing.LateFrames, info.Timing.MaxLateMS)
	}
	return errors.Join(errs...)
}

// sizeOf returns the total size of a corpus's frames, for the summary.
func sizeOf(dir string) string {
	paths, err := ReadCorpus(dir)
	if err != nil {
		return "size unknown"
	}
	var total int64
	for _, p := range paths {
		if st, err := statSize(p); err == nil {
			total += st
		}
	}
	return fmt.Sprintf("%.1f MB", float64(total)/1e6)
}
