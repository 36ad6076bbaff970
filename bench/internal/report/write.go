package report

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/deskhand/deskhand/bench/internal/codecbench"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// Write writes report.md and its charts into dir (which must exist):
// per scenario (Result.Corpus, in order of first appearance) the codec
// table, the key-frame table (when the results have key frames) and two
// charts, <scenario>-bytes.svg (median bytes per frame per codec) and
// <scenario>-encode.svg (median encode time per codec); two summary charts
// across scenarios, summary-bytes.svg and summary-encode.svg; and a "Goals"
// section computed from the numbers (see writeGoals). Charts use log scales.
func Write(dir string, results []codecbench.Result, opts ...Option) error {
	o := options{title: "deskhand codec benchmark"}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return err
		}
	}
	if o.date.IsZero() {
		o.date = time.Now()
	}
	if len(results) == 0 {
		return ErrNoResults
	}
	groups := groupByCorpus(results)

	var md bytes.Buffer
	fmt.Fprintf(&md, "# %s\n\n", o.title)
	fmt.Fprintf(&md, "%s · %s/%s · %d CPUs · %s.", o.date.Format("2006-01-02 15:04 MST"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	if o.source != "" {
		fmt.Fprintf(&md, " %s", o.source)
	}
	md.WriteString("\n\n")
	if len(o.failures) > 0 {
		md.WriteString("## Failures\n\nThese codecs failed and are missing from the tables below:\n\n")
		for _, f := range o.failures {
			fmt.Fprintf(&md, "- %s\n", f)
		}
		md.WriteString("\n")
	}
	md.WriteString(howToRead)

	// Summary across scenarios.
	codecs := codecOrder(results)
	md.WriteString("## Summary\n\nMedian bytes per frame:\n\n")
	writeMatrix(&md, groups, codecs, func(r codecbench.Result) string { return codecbench.FormatBytes(r.MedianBytes) })
	md.WriteString("\nMedian encode time per frame (ms; \"avg\": average, see above):\n\n")
	writeMatrix(&md, groups, codecs, func(r codecbench.Result) string { return fmtMs(r.EncodeMedianMs, r.TimingAvg) })
	md.WriteString("\n")
	var bytesSeries, encSeries []series
	for _, g := range groups {
		bs, es := series{name: g.name, values: map[string]float64{}}, series{name: g.name, values: map[string]float64{}}
		for _, r := range g.results {
			bs.values[r.Codec] = r.MedianBytes
			es.values[r.Codec] = r.EncodeMedianMs
		}
		bytesSeries, encSeries = append(bytesSeries, bs), append(encSeries, es)
	}
	for _, c := range []struct {
		file, title, axis string
		ss                []series
		label             func(float64) string
	}{
		{"summary-bytes", "Median bytes per frame, all scenarios", "bytes per frame (log)", bytesSeries, siLabel},
		{"summary-encode", "Median encode time per frame, all scenarios", "ms per frame (log)", encSeries, msLabel},
	} {
		if err := writeDotChart(dir, c.file, c.title, c.axis, codecs, c.ss, c.label, o.png); err != nil {
			return err
		}
		fmt.Fprintf(&md, "![%s](%s.svg)\n\n", c.title, c.file)
	}

	writeGoals(&md, groups)

	// One section per scenario.
	used := map[string]bool{}
	for _, g := range groups {
		base := fileSafe(g.name)
		for i := 2; used[base]; i++ {
			base = fmt.Sprintf("%s-%d", fileSafe(g.name), i)
		}
		used[base] = true
		first := g.results[0]
		fmt.Fprintf(&md, "## %s\n\n`%s`: %d frames of %dx%d.\n\n", g.name, g.name, first.Frames, first.Width, first.Height)
		writeTable(&md, g.results)
		if codecbench.HasKeyFrames(g.results) {
			writeKeyTable(&md, g.results)
		}
		var bytesBars, encBars []bar
		for _, r := range g.results {
			label := r.Codec
			if r.Lossy {
				label += " (lossy)"
			}
			col := codecColor(r.Codec, r.Lossy)
			text := codecbench.FormatBytes(r.MedianBytes)
			if r.MedianUpdateBytes > r.MedianBytes {
				// Mostly skipped frames: say what an update costs.
				text += " (" + codecbench.FormatBytes(r.MedianUpdateBytes) + " per update)"
			}
			bytesBars = append(bytesBars, bar{label: label, value: r.MedianBytes, text: text, color: col})
			text = fmtMs(r.EncodeMedianMs, false) + " ms"
			if r.TimingAvg {
				text += " (avg)"
			}
			encBars = append(encBars, bar{label: label, value: r.EncodeMedianMs, text: text, color: col})
		}
		for _, c := range []struct {
			suffix, title, axis string
			bars                []bar
			label               func(float64) string
		}{
			{"bytes", "Median bytes per frame: " + g.name, "bytes per frame (log)", bytesBars, siLabel},
			{"encode", "Median encode time per frame: " + g.name, "ms per frame (log)", encBars, msLabel},
		} {
			file := base + "-" + c.suffix
			if err := writeBarChart(dir, file, c.title, c.axis, c.bars, c.label, o.png); err != nil {
				return err
			}
			fmt.Fprintf(&md, "![%s](%s.svg)\n\n", c.title, file)
		}
	}
	return os.WriteFile(filepath.Join(dir, "report.md"), md.Bytes(), 0o644)
}

const howToRead = `## How to read this

- Every codec codes each scenario's frames in order, as one screen-sharing session would.
  Sizes are bytes per frame; a frame deskhand finds unchanged costs 0 bytes, so "median/update" gives
  the median over the frames that cost bytes. Ratio is raw / total, raw being 3 bytes per pixel (RGB).
- deskhand (with its own worker goroutines on all cores), PNG, zstd and s2 run in this process; each encode and decode call is timed
  (median and 99th percentile). ffmpeg codecs (x264, VP8) run as one ffmpeg process per sequence, on all
  cores: their times are marked "avg", ffmpeg's own -benchmark real time for its processing loop (RGB to
  YUV conversion included; process start and input probing left out) divided by the frames.
- "enc/dec upd" is, over the frames that cost bytes, the median encode time divided by the median decode
  time: how many times faster than encoding decoding an update is.
- The key-frame table of each scenario codes frame 0 as a key frame (what a viewer joining a session
  needs first) several times on one reused encoder and decoder, after an untimed warm-up, and gives the
  medians; "enc vs s2" and "bytes vs zstd-fastest" divide by those codecs' key frame in the same run.
  ffmpeg codecs cannot be timed per frame: their key frame is frame 0 of the sequence (stream headers
  included), times "-".
- Lossless codecs are checked to rebuild every frame exactly (RGB), key frames included. Lossy codecs
  show PSNR on RGB against the source, mean and minimum over frames (an exact frame counts as 100 dB).
- Charts use log scales; deskhand is blue, lossless baselines grey, lossy baselines orange. A value of 0
  sits on the left edge.

`

type group struct {
	name    string
	results []codecbench.Result
}

func groupByCorpus(results []codecbench.Result) []group {
	var gs []group
	index := map[string]int{}
	for _, r := range results {
		name := r.Corpus
		if name == "" {
			name = "corpus"
		}
		i, ok := index[name]
		if !ok {
			i = len(gs)
			index[name] = i
			gs = append(gs, group{name: name})
		}
		gs[i].results = append(gs[i].results, r)
	}
	return gs
}

// codecOrder lists codec names in order of first appearance.
func codecOrder(results []codecbench.Result) []string {
	var out []string
	for _, r := range results {
		if !slices.Contains(out, r.Codec) {
			out = append(out, r.Codec)
		}
	}
	return out
}

// writeTable writes the codec table of one scenario as Markdown, numbers
// right-aligned, followed by the rows' notes.
func writeTable(md *bytes.Buffer, results []codecbench.Result) {
	rows := make([][]string, 0, len(results))
	var notes []string
	for _, r := range results {
		rows = append(rows, codecbench.TableRow(r))
		if r.Notes != "" && !slices.Contains(notes, r.Notes) {
			notes = append(notes, r.Notes)
		}
	}
	writeMarkdownTable(md, codecbench.TableHeader(), rows)
	for _, n := range notes {
		fmt.Fprintf(md, "Note: %s.\n\n", strings.TrimSuffix(n, "."))
	}
}

// writeKeyTable writes the key-frame table of one scenario as Markdown.
func writeKeyTable(md *bytes.Buffer, results []codecbench.Result) {
	var rows [][]string
	for _, r := range results {
		if row := codecbench.KeyTableRow(r); row != nil {
			rows = append(rows, row)
		}
	}
	fmt.Fprintf(md, "Key frame (frame 0), median of %d runs:\n\n", codecbench.KeyRuns)
	writeMarkdownTable(md, codecbench.KeyTableHeader(), rows)
}

// writeMarkdownTable writes a Markdown table: the first two columns (name,
// lossy) left-aligned, the numbers right-aligned.
func writeMarkdownTable(md *bytes.Buffer, header []string, rows [][]string) {
	md.WriteString("| " + strings.Join(escapeCells(header), " | ") + " |\n|")
	for i := range header {
		if i < 2 {
			md.WriteString(" --- |")
		} else {
			md.WriteString(" ---: |")
		}
	}
	md.WriteString("\n")
	for _, row := range rows {
		md.WriteString("| " + strings.Join(escapeCells(row), " | ") + " |\n")
	}
	md.WriteString("\n")
}

// writeMatrix writes a codecs x scenarios Markdown table of cell(result).
func writeMatrix(md *bytes.Buffer, groups []group, codecs []string, cell func(codecbench.Result) string) {
	md.WriteString("| codec |")
	for _, g := range groups {
		md.WriteString(" " + escapeCell(g.name) + " |")
	}
	md.WriteString("\n| --- |" + strings.Repeat(" ---: |", len(groups)) + "\n")
	for _, c := range codecs {
		md.WriteString("| " + escapeCell(c) + " |")
		for _, g := range groups {
			v := "–"
			if i := slices.IndexFunc(g.results, func(r codecbench.Result) bool { return r.Codec == c }); i >= 0 {
				v = cell(g.results[i])
			}
			md.WriteString(" " + v + " |")
		}
		md.WriteString("\n")
	}
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func escapeCells(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = escapeCell(c)
	}
	return out
}

// fmtMs formats milliseconds with about three significant digits.
func fmtMs(v float64, avg bool) string {
	var s string
	switch a := math.Abs(v); {
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	case a >= 1:
		s = fmt.Sprintf("%.2f", v)
	default:
		s = fmt.Sprintf("%.3f", v)
	}
	if avg {
		s += " avg"
	}
	return s
}

func msLabel(v float64) string { return fmt.Sprintf("%g", v) }

func writeBarChart(dir, file, title, axis string, bars []bar, label func(float64) string, withPNG bool) (err error) {
	defer recoverPlot(&err, file)
	p := barChart(title, axis, bars, label)
	return saveAll(dir, file, withPNG, chartWidth, chartHeight(len(bars)), p, nil, 0)
}

func writeDotChart(dir, file, title, axis string, codecs []string, ss []series, label func(float64) string, withPNG bool) (err error) {
	defer recoverPlot(&err, file)
	p, legend, err := dotChart(title, axis, codecs, ss, label)
	if err != nil {
		return err
	}
	legendWidth := 1.5 * vg.Inch
	return saveAll(dir, file, withPNG, chartWidth+legendWidth, chartHeight(len(codecs)), p, &legend, legendWidth)
}

func saveAll(dir, file string, withPNG bool, w, h vg.Length, p *plot.Plot, legend *plot.Legend, legendWidth vg.Length) error {
	formats := []string{"svg"}
	if withPNG {
		formats = append(formats, "png")
	}
	for _, f := range formats {
		if err := save(filepath.Join(dir, file+"."+f), f, w, h, p, legend, legendWidth); err != nil {
			return fmt.Errorf("report: chart %s.%s: %w", file, f, err)
		}
	}
	return nil
}

// recoverPlot turns a panic inside gonum/plot (it panics on ranges a log
// scale cannot show) into an error naming the chart.
func recoverPlot(err *error, file string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("report: chart %s: %v", file, r)
	}
}
