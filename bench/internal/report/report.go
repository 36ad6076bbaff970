package report

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/deskhand/deskhand/bench/internal/codecbench"
	"gonum.org/v1/plot/vg"
)

// Option configures Write.
type Option func(*options) error

type options struct {
	title    string
	source   string
	date     time.Time
	png      bool
	failures []string
}

// WithTitle sets the report's title. Default "deskhand codec benchmark";
// must not be empty.
func WithTitle(title string) Option {
	return func(o *options) error {
		if strings.TrimSpace(title) == "" {
			return fmt.Errorf("%w: empty title", ErrInvalidOption)
		}
		o.title = title
		return nil
	}
}

// WithSource sets a sentence saying where the results come from (which
// corpora, or which results file). Default none.
func WithSource(s string) Option {
	return func(o *options) error { o.source = s; return nil }
}

// WithDate sets the date printed in the report. Default the time of Write;
// must not be the zero time.
func WithDate(t time.Time) Option {
	return func(o *options) error {
		if t.IsZero() {
			return fmt.Errorf("%w: zero date", ErrInvalidOption)
		}
		o.date = t
		return nil
	}
}

// WithPNG also writes every chart as PNG next to its SVG, for viewers that
// do not show SVG. Default false.
func WithPNG(on bool) Option {
	return func(o *options) error { o.png = on; return nil }
}

// WithFailures lists failures (e.g. a lossless codec that did not rebuild a
// frame) in a section of their own at the top of the report, one per line of
// err's message. Default none; a nil err adds nothing.
func WithFailures(err error) Option {
	return func(o *options) error {
		if err != nil {
			for _, l := range strings.Split(err.Error(), "\n") {
				if l = strings.TrimSpace(l); l != "" {
					o.failures = append(o.failures, l)
				}
			}
		}
		return nil
	}
}

// Scenario is one corpus directory of a --corpora directory.
type Scenario struct {
	Name string // the directory's base name, e.g. "typing"
	Dir  string
}

// Scenarios returns the corpora under dir: every subdirectory holding PNG
// frames (codecbench.CorpusFiles), typing, scroll, drag, photos, video first
// and others by name. Subdirectories without PNG files are skipped; a
// subdirectory with badly numbered frames is an error. When dir itself holds
// the frames, it is the one scenario.
func Scenarios(dir string) ([]Scenario, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoScenarios, err)
	}
	var out []Scenario
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		if _, err := codecbench.CorpusFiles(sub); err != nil {
			if !hasPNG(sub) {
				continue
			}
			return nil, err
		}
		out = append(out, Scenario{Name: e.Name(), Dir: sub})
	}
	if len(out) == 0 {
		if _, err := codecbench.CorpusFiles(dir); err == nil {
			return []Scenario{{Name: codecbench.CorpusName(dir), Dir: dir}}, nil
		}
		return nil, fmt.Errorf("%w: in %s", ErrNoScenarios, dir)
	}
	// `bench record`'s scenarios, easiest first; others follow by name.
	knownOrder := []string{"typing", "scroll", "drag", "photos", "listing", "video"}
	rank := func(name string) int {
		if i := slices.Index(knownOrder, name); i >= 0 {
			return i
		}
		return len(knownOrder)
	}
	slices.SortStableFunc(out, func(a, b Scenario) int {
		if ra, rb := rank(a.Name), rank(b.Name); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, nil
}

func hasPNG(dir string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	return len(m) > 0
}

// Run implements `bench report --corpora DIR --out DIR [--results FILE]
// [--codecs a,b] [--frames N] [--png]`: it benchmarks every scenario under
// --corpora (saving the results as results.jsonl in --out), or reads
// --results instead, and writes report.md and the charts into --out. Codec
// failures are listed in the report and returned after it is written. -h
// prints usage and returns flag.ErrHelp.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpora := fs.String("corpora", "", "directory of scenario corpora (typing/, scroll/, ...), each of PNG frames")
	out := fs.String("out", "", "directory to write report.md, results.jsonl and the charts into (required)")
	resultsFile := fs.String("results", "", "read results saved by `bench codec --json` (JSON lines) instead of running the benchmark")
	codecList := fs.String("codecs", "", "comma-separated codecs to run (default: codecbench's default set)")
	maxFrames := fs.Int("frames", 0, "use only the first N frames of each corpus (0 = all)")
	withPNG := fs.Bool("png", false, "also write each chart as PNG")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench report (--corpora DIR | --results FILE) --out DIR [--codecs a,b] [--frames N] [--png]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	case *out == "":
		return fmt.Errorf("%w: --out DIR is required", ErrUsage)
	case (*corpora == "") == (*resultsFile == ""):
		return fmt.Errorf("%w: give exactly one of --corpora DIR and --results FILE", ErrUsage)
	case *maxFrames < 0:
		return fmt.Errorf("%w: --frames must be >= 0, got %d", ErrUsage, *maxFrames)
	case *resultsFile != "" && (*codecList != "" || *maxFrames != 0):
		return fmt.Errorf("%w: --codecs and --frames only apply with --corpora", ErrUsage)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("%w: --out: %v", ErrUsage, err)
	}

	var results []codecbench.Result
	var runErr error
	var source string
	if *resultsFile != "" {
		f, err := os.Open(*resultsFile)
		if err != nil {
			return fmt.Errorf("%w: --results: %v", ErrUsage, err)
		}
		results, err = codecbench.ReadJSON(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", *resultsFile, err)
		}
		source = fmt.Sprintf("Results read from `%s`.", filepath.Base(*resultsFile))
	} else {
		var err error
		results, source, runErr, err = runScenarios(ctx, *corpora, *out, *codecList, *maxFrames, stderr)
		if err != nil {
			return err
		}
	}
	if len(results) == 0 {
		return errors.Join(ErrNoResults, runErr)
	}
	err := Write(*out, results, WithSource(source), WithFailures(runErr), WithPNG(*withPNG))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", filepath.Join(*out, "report.md"))
	return runErr
}

// runScenarios benchmarks every scenario of dir, appending each scenario's
// results to out/results.jsonl as it finishes. codecErr joins the codec
// failures; err is for failures that stop the run.
func runScenarios(ctx context.Context, dir, out, codecList string, maxFrames int, stderr io.Writer) (results []codecbench.Result, source string, codecErr, err error) {
	codecs, err := codecbench.SelectCodecs(splitList(codecList))
	if err != nil {
		return nil, "", nil, err
	}
	scenarios, err := Scenarios(dir)
	if err != nil {
		return nil, "", nil, err
	}
	jsonl, err := os.Create(filepath.Join(out, "results.jsonl"))
	if err != nil {
		return nil, "", nil, err
	}
	defer jsonl.Close()

	var names []string
	var errs []error
	for _, sc := range scenarios {
		fmt.Fprintf(stderr, "== %s (%s)\n", sc.Name, sc.Dir)
		paths, err := codecbench.CorpusFiles(sc.Dir)
		if err != nil {
			return nil, "", nil, err
		}
		if maxFrames > 0 && maxFrames < len(paths) {
			paths = paths[:maxFrames]
		}
		frames, err := codecbench.LoadFrames(ctx, paths)
		if err != nil {
			return nil, "", nil, err
		}
		rs, err := codecbench.RunCorpus(ctx, frames, codecs, codecbench.WithProgress(codecbench.ProgressPrinter(stderr)))
		if ctx.Err() != nil {
			return nil, "", nil, ctx.Err()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("scenario %s: %w", sc.Name, err))
			fmt.Fprintf(stderr, "%s: %v\n", sc.Name, err)
		}
		for i := range rs {
			rs[i].Corpus = sc.Name
		}
		if err := codecbench.WriteJSON(jsonl, rs); err != nil {
			return nil, "", nil, err
		}
		results = append(results, rs...)
		names = append(names, sc.Name)
	}
	if err := jsonl.Close(); err != nil {
		return nil, "", nil, err
	}
	source = fmt.Sprintf("Measured by `bench report` on the corpora %s of `%s` (results in `results.jsonl`).",
		strings.Join(names, ", "), dir)
	return results, source, errors.Join(errs...), nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// fileSafe turns a scenario name into a file name part.
func fileSafe(name string) string {
	s := regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(name, "-")
	if s == "" || s == "." || s == ".." || strings.HasPrefix(s, "summary") {
		s = "scenario-" + s
	}
	return s
}

// chart sizes for a chart with n rows.
func chartHeight(n int) vg.Length { return chartChrome + vg.Length(n)*rowHeight }
