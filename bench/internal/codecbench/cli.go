package codecbench

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// Run implements `bench codec --corpus DIR [--json] [--codecs a,b,...]
// [--frames N]`: it loads the corpus, runs the codecs and prints one row per
// codec to stdout (an aligned table, or one JSON object per line with
// --json). Progress goes to stderr. It returns an error for bad flags
// (ErrUsage), an unusable corpus, or any codec that failed, e.g. a lossless
// codec that did not rebuild a frame (ErrMismatch); the rows of the codecs
// that succeeded are printed first. -h prints usage and returns
// flag.ErrHelp.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("codec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	corpus := fs.String("corpus", "", "corpus directory of PNG frames 000000.png, 000001.png, ... (required)")
	asJSON := fs.Bool("json", false, "print one JSON object per codec and line instead of a table")
	codecHelp := "comma-separated codecs to run (default: " + strings.Join(codecNames(DefaultCodecs()), ",")
	if extra := extraNames(); len(extra) > 0 {
		codecHelp += "; also: " + strings.Join(extra, ",")
	}
	codecList := fs.String("codecs", "", codecHelp+")")
	maxFrames := fs.Int("frames", 0, "use only the first N frames (0 = all)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: bench codec --corpus DIR [--json] [--codecs a,b,...] [--frames N]")
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
	case *corpus == "":
		return fmt.Errorf("%w: --corpus DIR is required", ErrUsage)
	case *maxFrames < 0:
		return fmt.Errorf("%w: --frames must be >= 0, got %d", ErrUsage, *maxFrames)
	}
	codecs, err := SelectCodecs(splitList(*codecList))
	if err != nil {
		return err
	}

	fmt.Fprintf(stderr, "loading %s\n", *corpus)
	frames, err := loadN(ctx, *corpus, *maxFrames)
	if err != nil {
		return err
	}
	b := frames[0].Bounds()
	fmt.Fprintf(stderr, "loaded %d frames of %dx%d\n", len(frames), b.Dx(), b.Dy())

	results, runErr := RunCorpus(ctx, frames, codecs, WithProgress(ProgressPrinter(stderr)))
	name := CorpusName(*corpus)
	for i := range results {
		results[i].Corpus = name
	}
	if *asJSON {
		if err := WriteJSON(stdout, results); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "corpus %s: %d frames %dx%d; raw = 3 bytes/pixel (RGB) = %s/frame\n",
			*corpus, len(frames), b.Dx(), b.Dy(), FormatBytes(float64(b.Dx()*b.Dy()*3)))
		if err := WriteTable(stdout, results); err != nil {
			return err
		}
		if HasKeyFrames(results) {
			fmt.Fprintf(stdout, "\n%s\n", KeyTableTitle(results))
			if err := WriteKeyTable(stdout, results); err != nil {
				return err
			}
		}
	}
	return runErr
}

// loadN loads the first n frames of dir (all when n is 0).
func loadN(ctx context.Context, dir string, n int) ([]*image.RGBA, error) {
	paths, err := CorpusFiles(dir)
	if err != nil {
		return nil, err
	}
	if n > 0 && n < len(paths) {
		paths = paths[:n]
	}
	return LoadFrames(ctx, paths)
}

// CorpusName is the name a corpus directory gets in results: its base name.
func CorpusName(dir string) string { return filepath.Base(filepath.Clean(dir)) }

// ProgressPrinter returns a progress function for WithProgress that writes a
// line to w about every tenth of each codec's frames.
func ProgressPrinter(w io.Writer) func(codec string, done, total int) {
	return func(codec string, done, total int) {
		step := max(1, total/10)
		if done == 1 || done == total || done%step == 0 {
			fmt.Fprintf(w, "%s: %d/%d frames\n", codec, done, total)
		}
	}
}

// WriteJSON writes one JSON object per result and line.
func WriteJSON(w io.Writer, results []Result) error {
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// ReadJSON reads results written by WriteJSON. A malformed object, or one
// without a codec name or frames, returns ErrUsage.
func ReadJSON(r io.Reader) ([]Result, error) {
	dec := json.NewDecoder(r)
	var out []Result
	for {
		var res Result
		err := dec.Decode(&res)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("%w: result %d: %v", ErrUsage, len(out)+1, err)
		}
		if res.Codec == "" || res.Frames < 1 {
			return out, fmt.Errorf("%w: result %d has no codec or no frames: not a `bench codec --json` line", ErrUsage, len(out)+1)
		}
		out = append(out, res)
	}
}

// TableHeader returns the column names of WriteTable, in order. "enc/dec
// upd" is Result.UpdateEncDecRatio: over the frames that cost bytes, the
// median encode time divided by the median decode time.
func TableHeader() []string {
	return []string{"codec", "lossy", "frames", "total", "median/frame", "median/update", "p99/frame", "ratio",
		"enc med ms", "enc p99 ms", "dec med ms", "dec p99 ms", "enc/dec upd", "PSNR mean/min dB", "exact"}
}

// TableRow formats one result as the cells of WriteTable. Times that are
// averages (TimingAvg) are marked "avg"; so is the enc/dec ratio of
// averages.
func TableRow(r Result) []string {
	t := func(v float64) string {
		s := fmt.Sprintf("%.3f", v)
		if r.TimingAvg {
			s += " avg"
		}
		return s
	}
	encDec := "-"
	if r.UpdateEncDecRatio > 0 {
		encDec = fmt.Sprintf("%.1fx", r.UpdateEncDecRatio)
		if r.TimingAvg {
			encDec += " avg"
		}
	}
	psnr := "-"
	if r.PSNRMeanDB != nil && r.PSNRMinDB != nil {
		psnr = fmt.Sprintf("%.2f / %.2f", *r.PSNRMeanDB, *r.PSNRMinDB)
	}
	lossy, exact := "no", "yes"
	if r.Lossy {
		lossy = "yes"
	}
	if !r.Exact {
		exact = "no"
	}
	return []string{r.Codec, lossy, fmt.Sprint(r.Frames), FormatBytes(float64(r.TotalBytes)),
		FormatBytes(r.MedianBytes), FormatBytes(r.MedianUpdateBytes), FormatBytes(float64(r.P99Bytes)), fmt.Sprintf("%.1fx", r.Ratio),
		t(r.EncodeMedianMs), t(r.EncodeP99Ms), t(r.DecodeMedianMs), t(r.DecodeP99Ms), encDec, psnr, exact}
}

// WriteTable writes results as an aligned text table, one row per codec:
// names left-aligned, numbers right-aligned.
func WriteTable(w io.Writer, results []Result) error {
	rows := [][]string{TableHeader()}
	for _, r := range results {
		rows = append(rows, TableRow(r))
	}
	return writeAligned(w, rows)
}

// HasKeyFrames says whether any result carries a key-frame measurement.
func HasKeyFrames(results []Result) bool {
	for _, r := range results {
		if r.Key != nil {
			return true
		}
	}
	return false
}

// KeyTableTitle returns the line that introduces WriteKeyTable's table: how
// the key frame was measured, and which rows have no times.
func KeyTableTitle(results []Result) string {
	s := fmt.Sprintf("key frame (frame 0): coded %d times as a key frame after one warm-up, medians; "+
		"enc/dec = encode / decode time, enc vs %s = encode time / %s's, bytes vs %s = bytes / %s's",
		KeyRuns, KeyTimeBaseline, KeyTimeBaseline, KeyBytesBaseline, KeyBytesBaseline)
	for _, r := range results {
		if r.Key != nil && r.Key.Runs == 0 {
			s += "; \"-\": not measurable per frame (bytes of frame 0 in the sequence run)"
			break
		}
	}
	return s
}

// KeyTableHeader returns the column names of WriteKeyTable, in order.
func KeyTableHeader() []string {
	return []string{"codec", "lossy", "bytes", "enc med ms", "dec med ms", "enc/dec",
		"enc vs " + KeyTimeBaseline, "bytes vs " + KeyBytesBaseline, "PSNR dB", "exact"}
}

// KeyTableRow formats the key frame of one result as the cells of
// WriteKeyTable; unknown values are "-". A result without a key frame gives
// nil.
func KeyTableRow(r Result) []string {
	k := r.Key
	if k == nil {
		return nil
	}
	f := func(v *float64, format string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf(format, *v)
	}
	lossy, exact := "no", "yes"
	if r.Lossy {
		lossy = "yes"
	}
	if !k.Exact {
		exact = "no"
	}
	return []string{r.Codec, lossy, FormatBytes(float64(k.Bytes)), f(k.EncodeMedianMs, "%.3f"), f(k.DecodeMedianMs, "%.3f"),
		f(k.EncDecRatio, "%.1fx"), f(k.EncodeVsS2, "%.2fx"), f(k.BytesVsZstdFastest, "%.3fx"), f(k.PSNRDB, "%.2f"), exact}
}

// WriteKeyTable writes the key frames of results as an aligned text table,
// one row per codec that has one.
func WriteKeyTable(w io.Writer, results []Result) error {
	rows := [][]string{KeyTableHeader()}
	for _, r := range results {
		if row := KeyTableRow(r); row != nil {
			rows = append(rows, row)
		}
	}
	return writeAligned(w, rows)
}

// writeAligned writes rows as columns: the first left-aligned, the others
// right-aligned.
func writeAligned(w io.Writer, rows [][]string) error {
	// tabwriter aligns every column the same way: pad the names ourselves.
	width := 0
	for _, row := range rows {
		width = max(width, len(row[0]))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range rows {
		row[0] += strings.Repeat(" ", width-len(row[0]))
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	return tw.Flush()
}

// FormatBytes formats a byte count with a binary unit: 812 B, 12.3 KiB,
// 5.93 MiB.
func FormatBytes(n float64) string {
	switch a := math.Abs(n); {
	case a < 1024:
		return fmt.Sprintf("%.0f B", n)
	case a < 1024*1024:
		return fmt.Sprintf("%.1f KiB", n/1024)
	case a < 1024*1024*1024:
		return fmt.Sprintf("%.2f MiB", n/(1024*1024))
	default:
		return fmt.Sprintf("%.2f GiB", n/(1024*1024*1024))
	}
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

func codecNames(cs []Codec) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name()
	}
	return out
}

func extraNames() []string {
	def := map[string]bool{}
	for _, c := range DefaultCodecs() {
		def[c.Name()] = true
	}
	var out []string
	for _, c := range AllCodecs() {
		if !def[c.Name()] {
			out = append(out, c.Name())
		}
	}
	return out
}
