package webbench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
)

// goal is one of the goals, evaluated.
type goal struct {
	Measure string  `json:"measure"`
	Value   float64 `json:"value"`
	Unit    string  `json:"unit"`
	Goal    string  `json:"goal"`
	Met     bool    `json:"met"`
}

// Limits of the goals.
const (
	goalWasmBytes = 3_000_000 // 3 MB compressed
	goalOpenMs    = 1000      // page open to first full frame, under
	goalUpdateMs  = 20        // decode + paint, median under
	goalKeyMs     = 40        // key to pixels, median under
)

func goals(r *result) []goal {
	return []goal{
		{"WASM download, compressed (" + r.WasmEncoding + ")", float64(r.WasmGzip) / 1e6, "MB", "≤ 3 MB", r.WasmGzip > 0 && r.WasmGzip <= goalWasmBytes && r.WasmEncoding != ""},
		{"page open → first full frame, cache disabled (median)", median(r.ColdOpenMs), "ms", "< 1000 ms", median(r.ColdOpenMs) < goalOpenMs},
		{"page open → first full frame, cached (median)", median(r.WarmOpenMs), "ms", "< 1000 ms", median(r.WarmOpenMs) < goalOpenMs},
		{"decode + paint, full-screen text update (median)", median(r.UpdateMs), "ms", "< 20 ms", median(r.UpdateMs) < goalUpdateMs},
		{"typing: key → changed pixels (median)", median(r.KeyMs), "ms", "< 40 ms", median(r.KeyMs) < goalKeyMs},
	}
}

// percentile of values (unsorted; NaN when empty), nearest rank.
func percentile(values []float64, p float64) float64 {
	if len(values) == 0 {
		return math.NaN()
	}
	s := slices.Clone(values)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func median(values []float64) float64 { return percentile(values, 50) }

func writeJSON(w io.Writer, r *result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func writeTable(w io.Writer, r *result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "browser viewer, %dx%d, %s\n\n", screenW, screenH, r.Chromium)
	fmt.Fprintf(tw, "module\tbytes\n")
	fmt.Fprintf(tw, "viewer.wasm, Content-Encoding %s\t%d\n", orDash(r.WasmEncoding), r.WasmGzip)
	fmt.Fprintf(tw, "viewer.wasm, no encoding\t%d\n\n", r.WasmRaw)
	fmt.Fprintf(tw, "measure (ms)\tn\tmin\tmedian\tp90\tmax\n")
	row := func(name string, v []float64) {
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%.1f\t%.1f\t%.1f\n", name, len(v), percentile(v, 0), median(v), percentile(v, 90), percentile(v, 100))
	}
	row("page open → module started, cache disabled", r.ColdStartMs)
	row("page open → session connected, cache disabled", r.ColdConnectMs)
	row("page open → first full frame, cache disabled", r.ColdOpenMs)
	row("page open → module started, cached", r.WarmStartMs)
	row("page open → session connected, cached", r.WarmConnectMs)
	row("page open → first full frame, cached", r.WarmOpenMs)
	row("full-screen text update: decode", r.DecodeMs)
	row("full-screen text update: paint", r.PaintMs)
	row("full-screen text update: decode + paint", r.UpdateMs)
	row("typing: key → changed pixels", r.KeyMs)
	fmt.Fprintln(tw)
	fmt.Fprintf(tw, "goal\tvalue\tgoal\tmet\n")
	for _, g := range r.Goals {
		met := "not met"
		if g.Met {
			met = "met"
		}
		fmt.Fprintf(tw, "%s\t%.2f %s\t%s\t%s\n", g.Measure, g.Value, g.Unit, g.Goal, met)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
