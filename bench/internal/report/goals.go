package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/deskhand/deskhand/bench/internal/codecbench"
)

// The goals of issue 3 for deskhand's codec, checked against the numbers of
// each run: never claimed, always computed.
const (
	// goalKeyBytesVsZstd: a key frame smaller than zstd-fastest's of the raw
	// frame (bytes ratio below this).
	goalKeyBytesVsZstd = 1.0
	// goalKeyEncVsS2: a key frame encoded in at most this many times s2's
	// encode time.
	goalKeyEncVsS2 = 2.0
	// goalEncDec: decoding at least this many times faster than encoding.
	goalEncDec = 4.0
)

// goalCodec says whether a codec is one of deskhand's own, whose goals the
// report checks.
func goalCodec(name string) bool { return strings.HasPrefix(name, "deskhand") }

// writeGoals writes, for every scenario and every deskhand codec with a key
// frame, whether each goal is met by the measured numbers. It writes nothing
// when no result has what the goals need.
func writeGoals(md *bytes.Buffer, groups []group) {
	var rows [][]string
	for _, g := range groups {
		for _, r := range g.results {
			if !goalCodec(r.Codec) || r.Key == nil {
				continue
			}
			k := r.Key
			upd := (*float64)(nil)
			if r.UpdateEncDecRatio > 0 && !r.TimingAvg {
				upd = &r.UpdateEncDecRatio
			}
			rows = append(rows, []string{g.name, r.Codec,
				goalCell(k.BytesVsZstdFastest, "%.3fx", func(v float64) bool { return v < goalKeyBytesVsZstd }),
				goalCell(k.EncodeVsS2, "%.2fx", func(v float64) bool { return v <= goalKeyEncVsS2 }),
				goalCell(k.EncDecRatio, "%.1fx", func(v float64) bool { return v >= goalEncDec }),
				goalCell(upd, "%.1fx", func(v float64) bool { return v >= goalEncDec }),
			})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(md, "## Goals\n\n"+
		"Goals for deskhand's codecs: a key frame of a text screen smaller than %s's key frame of the raw frame "+
		"and encoded in at most %gx %s's time; decoding at least %gx faster than encoding. "+
		"Each cell below is computed from the key-frame and codec tables of the scenario (\"met\" or \"not met\"; "+
		"\"–\" when a number is missing). The key-frame goals are stated for text screens; they are computed for every scenario.\n\n",
		codecbench.KeyBytesBaseline, goalKeyEncVsS2, codecbench.KeyTimeBaseline, goalEncDec)
	header := []string{"scenario", "codec",
		fmt.Sprintf("key bytes vs %s (< %g)", codecbench.KeyBytesBaseline, goalKeyBytesVsZstd),
		fmt.Sprintf("key enc vs %s (≤ %g)", codecbench.KeyTimeBaseline, goalKeyEncVsS2),
		fmt.Sprintf("key enc/dec (≥ %g)", goalEncDec),
		fmt.Sprintf("update enc/dec (≥ %g)", goalEncDec)}
	writeMarkdownTable(md, header, rows)
}

// goalCell formats v and says whether ok(v): "0.68x met", "3.56x not met",
// or "–" when v is unknown.
func goalCell(v *float64, format string, ok func(float64) bool) string {
	if v == nil {
		return "–"
	}
	verdict := "not met"
	if ok(*v) {
		verdict = "met"
	}
	return fmt.Sprintf(format, *v) + " " + verdict
}
