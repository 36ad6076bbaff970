package report

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskhand/deskhand/bench/internal/codecbench"
	"github.com/deskhand/deskhand/capture"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// writeCorpus writes n synthetic 320x200 frames into dir as a corpus.
func writeCorpus(t *testing.T, dir string, n int, seed int64) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o755))
	src, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithFormat(capture.RGBA), capture.WithSeed(seed))
	require.NoError(t, err)
	defer src.Close()
	for i := 0; i < n; i++ {
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%06d.png", i)))
		require.NoError(t, err)
		require.NoError(t, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(f, src.Frame(uint64(i)).RGBA()))
		require.NoError(t, f.Close())
	}
}

// checkSVG fails unless path is a non-empty, well-formed SVG document.
func checkSVG(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, data, path)
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "%s is not well-formed XML", path)
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	assert.Equal(t, "svg", root, path)
	return string(data)
}

// checkReport checks report.md and that every image it links exists and is
// a well-formed SVG; it returns the report text.
func checkReport(t *testing.T, dir string) string {
	t.Helper()
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	require.NoError(t, err)
	links := regexp.MustCompile(`!\[[^\]]*\]\(([^)]+)\)`).FindAllStringSubmatch(string(md), -1)
	require.NotEmpty(t, links, "the report embeds its charts")
	for _, l := range links {
		checkSVG(t, filepath.Join(dir, l[1]))
	}
	return string(md)
}

func result(corpus, codec string, lossy bool, median float64, encMs float64) codecbench.Result {
	r := codecbench.Result{Corpus: corpus, Codec: codec, Lossy: lossy, Frames: 10, Width: 1920, Height: 1080,
		TotalBytes: int64(median * 10), MedianBytes: median, MedianUpdateBytes: median, P99Bytes: int64(median * 3), RawBytes: 10 * 1920 * 1080 * 3,
		EncodeMedianMs: encMs, EncodeP99Ms: encMs * 2, DecodeMedianMs: encMs / 4, DecodeP99Ms: encMs / 2, Exact: !lossy}
	if lossy {
		a, b := 41.5, 38.25
		r.PSNRMeanDB, r.PSNRMinDB = &a, &b
		r.TimingAvg = true
		r.Notes = "times are averages"
	}
	return r
}

func TestWrite(t *testing.T) {
	results := []codecbench.Result{
		func() codecbench.Result { // mostly unchanged frames: median 0
			r := result("typing", "deskhand", false, 0, 0.9)
			r.MedianUpdateBytes = 1300
			return r
		}(),
		result("typing", "s2", false, 380000, 1.7),
		result("typing", "x264-crf23", true, 3900, 30),
		result("scroll", "deskhand", false, 11000, 2.5),
		result("scroll", "s2", false, 370000, 1.6),
		result("a|b", "x264-crf23", true, 4100, 28),
		result("<&>", "s2", false, 1000, 1),
	}
	dir := t.TempDir()
	date := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	require.NoError(t, Write(dir, results, WithTitle("Codec bench"), WithDate(date), WithSource("From a test."), WithPNG(true),
		WithFailures(errors.New("codec foo: mismatch at frame 3\ncodec bar: broke"))))
	md := checkReport(t, dir)
	assert.True(t, strings.HasPrefix(md, "# Codec bench\n"))
	assert.Contains(t, md, "2026-05-04 03:02 UTC")
	assert.Contains(t, md, "From a test.")
	assert.Contains(t, md, "## Failures")
	assert.Contains(t, md, "- codec foo: mismatch at frame 3\n- codec bar: broke\n")
	for _, s := range []string{"## typing", "## scroll", "## a|b", "| " + strings.Join(codecbench.TableHeader(), " | ") + " |",
		"41.50 / 38.25", "30.000 avg", "Note: times are averages.", "| a\\|b |"} {
		assert.Contains(t, md, s)
	}
	// The summary matrix marks a codec missing from a scenario.
	assert.Regexp(t, `\| s2 \| [^|]+ \| [^|]+ \| – \|`, md)

	for _, f := range []string{"typing-bytes", "typing-encode", "scroll-bytes", "scroll-encode", "a-b-bytes", "summary-bytes", "summary-encode"} {
		svg := checkSVG(t, filepath.Join(dir, f+".svg"))
		assert.Contains(t, md, "("+f+".svg)")
		p, err := os.Open(filepath.Join(dir, f+".png"))
		require.NoError(t, err)
		img, err := png.Decode(p)
		p.Close()
		require.NoError(t, err, f)
		assert.Greater(t, img.Bounds().Dx(), 300)
		if strings.HasPrefix(f, "typing") || strings.HasPrefix(f, "scroll") {
			assert.Contains(t, svg, "s2", "%s names the codecs", f)
		}
	}
	typing := checkSVG(t, filepath.Join(dir, "typing-bytes.svg"))
	assert.Contains(t, typing, "0 B (1.3 KiB per update)", "a zero median is labelled, not dropped")
	assert.Contains(t, checkSVG(t, filepath.Join(dir, "typing-encode.svg")), "30.0 ms (avg)")
	assert.Contains(t, typing, "x264-crf23 (lossy)")
	summary := checkSVG(t, filepath.Join(dir, "summary-bytes.svg"))
	assert.Contains(t, summary, "scroll", "the legend names the scenarios")
}

func TestWriteEdgeCases(t *testing.T) {
	for name, rs := range map[string][]codecbench.Result{
		"one codec":  {result("x", "deskhand", false, 1200, 1)},
		"all zero":   {result("x", "deskhand", false, 0, 0), result("x", "s2", false, 0, 0)},
		"equal":      {result("x", "a", false, 1000, 1), result("x", "b", false, 1000, 1)},
		"no corpus":  {result("", "a", false, 1000, 1)},
		"tiny times": {result("x", "a", false, 5, 0.0001), result("x", "b", false, 3e9, 5e4)},
	} {
		dir := t.TempDir()
		require.NoError(t, Write(dir, rs), name)
		checkReport(t, dir)
	}
	assert.ErrorIs(t, Write(t.TempDir(), nil), ErrNoResults)
	assert.ErrorIs(t, Write(t.TempDir(), []codecbench.Result{result("x", "a", false, 1, 1)}, WithTitle(" ")), ErrInvalidOption)
	assert.ErrorIs(t, Write(t.TempDir(), []codecbench.Result{result("x", "a", false, 1, 1)}, WithDate(time.Time{})), ErrInvalidOption)
	assert.Error(t, Write(filepath.Join(t.TempDir(), "missing"), []codecbench.Result{result("x", "a", false, 1, 1)}))
}

func TestScenarios(t *testing.T) {
	root := t.TempDir()
	writeCorpus(t, filepath.Join(root, "zeta"), 1, 1)
	writeCorpus(t, filepath.Join(root, "video"), 1, 2)
	writeCorpus(t, filepath.Join(root, "typing"), 1, 3)
	writeCorpus(t, filepath.Join(root, "alpha"), 1, 4)
	require.NoError(t, os.Mkdir(filepath.Join(root, "notes"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, "README"), []byte("x"), 0o644))
	sc, err := Scenarios(root)
	require.NoError(t, err)
	var names []string
	for _, s := range sc {
		names = append(names, s.Name)
		assert.Equal(t, filepath.Join(root, s.Name), s.Dir)
	}
	assert.Equal(t, []string{"typing", "video", "alpha", "zeta"}, names)

	// A corpus directory itself is one scenario.
	sc, err = Scenarios(filepath.Join(root, "video"))
	require.NoError(t, err)
	assert.Equal(t, []Scenario{{Name: "video", Dir: filepath.Join(root, "video")}}, sc)

	// A badly numbered corpus is an error, not skipped.
	require.NoError(t, os.Rename(filepath.Join(root, "alpha", "000000.png"), filepath.Join(root, "alpha", "000001.png")))
	_, err = Scenarios(root)
	assert.ErrorIs(t, err, codecbench.ErrCorpus)

	_, err = Scenarios(filepath.Join(root, "notes"))
	assert.ErrorIs(t, err, ErrNoScenarios)
	_, err = Scenarios(filepath.Join(root, "missing"))
	assert.ErrorIs(t, err, ErrNoScenarios)
}

func TestRunCorpora(t *testing.T) {
	root := t.TempDir()
	writeCorpus(t, filepath.Join(root, "typing"), 4, 1)
	writeCorpus(t, filepath.Join(root, "scroll"), 3, 2)
	out := filepath.Join(t.TempDir(), "report")
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"--corpora", root, "--out", out, "--codecs", "deskhand,s2"}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	assert.Equal(t, "wrote "+filepath.Join(out, "report.md")+"\n", stdout.String())
	assert.Contains(t, stderr.String(), "== typing")

	f, err := os.Open(filepath.Join(out, "results.jsonl"))
	require.NoError(t, err)
	results, err := codecbench.ReadJSON(f)
	f.Close()
	require.NoError(t, err)
	require.Len(t, results, 4)
	assert.Equal(t, "typing", results[0].Corpus)
	assert.Equal(t, 4, results[0].Frames)
	assert.Equal(t, "scroll", results[3].Corpus)
	assert.Equal(t, "s2", results[3].Codec)

	md := checkReport(t, out)
	assert.Contains(t, md, "## typing")
	assert.Contains(t, md, "`typing`: 4 frames of 320x200.")
	assert.Less(t, strings.Index(md, "## typing"), strings.Index(md, "## scroll"))
	assert.Regexp(t, `\| deskhand \| no \| [0-9.]+ KiB \| [0-9.]+ \| [0-9.]+ \| [0-9.]+x \| [0-9.]+x \| - \| - \| yes \|`, md,
		"a key-frame row for deskhand, measured against s2, without zstd-fastest in the run")
	assert.Contains(t, md, "## Goals")

	// The saved results make the same report without running anything.
	out2 := t.TempDir()
	stdout.Reset()
	require.NoError(t, Run(context.Background(), []string{"--results", filepath.Join(out, "results.jsonl"), "--out", out2}, &stdout, &stderr))
	md2 := checkReport(t, out2)
	for _, s := range []string{"## typing", "## scroll", "| deskhand | no | 4 |"} {
		assert.Contains(t, md2, s)
	}
}

func TestRunErrors(t *testing.T) {
	root := t.TempDir()
	writeCorpus(t, filepath.Join(root, "typing"), 1, 1)
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	require.NoError(t, os.WriteFile(bad, []byte("{not json\n"), 0o644))
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	out := t.TempDir()
	for name, c := range map[string]struct {
		args []string
		want error
	}{
		"no out":         {[]string{"--corpora", root}, ErrUsage},
		"neither":        {[]string{"--out", out}, ErrUsage},
		"both":           {[]string{"--corpora", root, "--results", bad, "--out", out}, ErrUsage},
		"codecs+results": {[]string{"--results", bad, "--codecs", "s2", "--out", out}, ErrUsage},
		"frames":         {[]string{"--corpora", root, "--out", out, "--frames", "-2"}, ErrUsage},
		"extra":          {[]string{"--corpora", root, "--out", out, "x"}, ErrUsage},
		"bad flag":       {[]string{"--nope"}, ErrUsage},
		"bad results":    {[]string{"--results", bad, "--out", out}, codecbench.ErrUsage},
		"no results":     {[]string{"--results", empty, "--out", out}, ErrNoResults},
		"missing file":   {[]string{"--results", bad + ".x", "--out", out}, ErrUsage},
		"no scenarios":   {[]string{"--corpora", t.TempDir(), "--out", out}, ErrNoScenarios},
		"unknown codec":  {[]string{"--corpora", root, "--out", out, "--codecs", "nope"}, codecbench.ErrUnknownCodec},
		"help":           {[]string{"-h"}, flag.ErrHelp},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), c.args, &stdout, &stderr)
		assert.ErrorIs(t, err, c.want, name)
		assert.Empty(t, stdout.String(), name)
	}
}

func TestChartHelpers(t *testing.T) {
	assert.Equal(t, 1.0, logFloor(nil))
	assert.Equal(t, 1.0, logFloor([]float64{0, 0}))
	assert.Equal(t, 100.0, logFloor([]float64{0, 812, 5000}))
	assert.Equal(t, 100.0, logFloor([]float64{1000}), "a value on a power of ten still gets a bar")
	assert.InDelta(t, 0.001, logFloor([]float64{0.0042}), 1e-12)
	assert.Equal(t, "10k", siLabel(1e4))
	assert.Equal(t, "1M", siLabel(1e6))
	assert.Equal(t, "0.1", siLabel(0.1))
	ticks := logTicks{label: siLabel}.Ticks(100, 2000)
	var labelled []string
	for _, tk := range ticks {
		if tk.Label != "" {
			labelled = append(labelled, tk.Label)
		}
	}
	assert.Equal(t, []string{"100", "1k"}, labelled)
	assert.Len(t, ticks, 11, "100..900 and 1000, 2000")
	assert.Equal(t, "a-b", fileSafe("a/b"))
	assert.Equal(t, "scenario-summary", fileSafe("summary"))
	assert.Equal(t, "12.3 avg", fmtMs(12.34, true))
	assert.Equal(t, "0.001", fmtMs(0.0012, false))
	_ = image.Point{}
}

// The summary charts label every codec row, also the top and bottom rows
// of codecs run in only some scenarios, whose dots all sit off their row's
// centre (deskhand-lossy's label was missing at the bottom).
func TestSummaryChartsLabelEveryRow(t *testing.T) {
	var results []codecbench.Result
	scenarios := []string{"typing", "scroll", "drag", "photos", "video"}
	for i, sc := range scenarios {
		if i == 0 {
			results = append(results, result(sc, "first-only-typing", false, 900, 0.8))
		}
		results = append(results, result(sc, "s2", false, 380000, 1.7))
		if i >= 3 {
			results = append(results, result(sc, "deskhand-lossy", true, 60000, 50))
		}
	}
	dir := t.TempDir()
	require.NoError(t, Write(dir, results))
	for _, f := range []string{"summary-bytes", "summary-encode"} {
		svg := checkSVG(t, filepath.Join(dir, f+".svg"))
		for _, label := range []string{">first-only-typing<", ">s2<", ">deskhand-lossy<"} {
			assert.True(t, strings.Contains(svg, label), "%s does not label row %s", f, label)
		}
	}
}

func withKey(r codecbench.Result, bytes int64, enc, dec float64, vsS2, vsZstd float64) codecbench.Result {
	f := func(v float64) *float64 { return &v }
	r.Key = &codecbench.KeyFrame{Bytes: bytes, Runs: codecbench.KeyRuns, EncodeMedianMs: f(enc), DecodeMedianMs: f(dec),
		EncDecRatio: f(enc / dec), EncodeVsS2: f(vsS2), BytesVsZstdFastest: f(vsZstd), Exact: !r.Lossy}
	return r
}

func TestWriteKeyFramesAndGoals(t *testing.T) {
	dh := withKey(result("typing", "deskhand", false, 0, 0.9), 1400000, 75, 31, 3.56, 0.682)
	dh.UpdateEncDecRatio = 38.5
	lossy := withKey(result("typing", "deskhand-lossy", true, 0, 0.9), 300000, 40, 8, 1.9, 0.15)
	lossy.TimingAvg, lossy.UpdateEncDecRatio = false, 3.6
	results := []codecbench.Result{
		dh,
		lossy,
		withKey(result("typing", "zstd-fastest", false, 2e6, 55), 2e6, 55, 14, 2.64, 1),
		withKey(result("typing", "s2", false, 2.8e6, 21), 2.8e6, 21, 8, 1, 1.382),
		func() codecbench.Result { // ffmpeg: bytes only
			r := result("typing", "x264-crf23", true, 100, 20)
			r.Key = &codecbench.KeyFrame{Bytes: 29000}
			return r
		}(),
		result("scroll", "deskhand", false, 165, 2), // from an older results file: no key frame
	}
	dir := t.TempDir()
	require.NoError(t, Write(dir, results))
	md := checkReport(t, dir)

	typing := md[strings.Index(md, "## typing"):strings.Index(md, "## scroll")]
	assert.Contains(t, typing, "Key frame (frame 0), median of 7 runs:")
	assert.Contains(t, typing, "| "+strings.Join(codecbench.KeyTableHeader(), " | ")+" |")
	for _, row := range []string{
		"| deskhand | no | 1.34 MiB | 75.000 | 31.000 | 2.4x | 3.56x | 0.682x | - | yes |",
		"| deskhand-lossy | yes | 293.0 KiB |",
		"| s2 | no | 2.67 MiB | 21.000 | 8.000 | 2.6x | 1.00x | 1.382x | - | yes |",
		"| x264-crf23 | yes | 28.3 KiB | - | - | - | - | - | - | no |",
	} {
		assert.Contains(t, typing, row)
	}
	scroll := md[strings.Index(md, "## scroll"):]
	assert.NotContains(t, scroll, "Key frame", "no key-frame table without key frames")

	// The goals are computed from the numbers, for deskhand's codecs only.
	require.Contains(t, md, "## Goals")
	goals := md[strings.Index(md, "## Goals"):strings.Index(md, "## typing")]
	assert.Contains(t, goals, "| typing | deskhand | 0.682x met | 3.56x not met | 2.4x not met | 38.5x met |")
	assert.Contains(t, goals, "| typing | deskhand-lossy | 0.150x met | 1.90x met | 5.0x met | 3.6x not met |")
	assert.NotContains(t, goals, "| typing | s2 |")
	assert.NotContains(t, goals, "| scroll |", "no key frame, no goal row")
	assert.Less(t, strings.Index(md, "## Summary"), strings.Index(md, "## Goals"))

	// Without any key frame there is no goals section.
	dir = t.TempDir()
	require.NoError(t, Write(dir, []codecbench.Result{result("x", "deskhand", false, 100, 1)}))
	assert.NotContains(t, checkReport(t, dir), "## Goals")
}
