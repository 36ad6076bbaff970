package webbench

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/deskhand/deskhand/internal/headless"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, 5, cfg.loads)
	assert.Equal(t, 50, cfg.keys)

	_, err = parseFlags([]string{"-h"}, io.Discard)
	assert.ErrorIs(t, err, flag.ErrHelp)
	for _, args := range [][]string{{"--loads", "0"}, {"--keys", "1001"}, {"--updates", "-1"}, {"--timeout", "0s"}, {"extra"}, {"--nope"}} {
		_, err := parseFlags(args, io.Discard)
		assert.ErrorIs(t, err, ErrUsage, "%v", args)
	}
}

func TestGoals(t *testing.T) {
	r := &result{WasmGzip: 2_100_000, WasmEncoding: "gzip",
		ColdOpenMs: []float64{900, 1200, 950}, WarmOpenMs: []float64{1100, 1000, 1300},
		UpdateMs: []float64{10, 30, 12}, KeyMs: []float64{50, 41, 39}}
	var met []bool
	for _, g := range goals(r) {
		met = append(met, g.Met)
	}
	assert.Equal(t, []bool{true, true, false, true, false}, met)

	r.WasmEncoding = "" // served uncompressed: the goal is about the compressed download
	assert.False(t, goals(r)[0].Met)
	assert.True(t, math.IsNaN(median(nil)))
	assert.False(t, goals(&result{})[1].Met, "nothing measured is not a goal met")
	assert.Equal(t, 3.0, percentile([]float64{5, 1, 3, 2, 4}, 50))
}

// TestRunSmoke runs the whole benchmark with tiny counts against the real
// parts: Xvfb, the agent, Chromium.
func TestRunSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Xvfb, the agent and Chromium")
	}
	if headless.Find() == "" {
		t.Skip("no Chromium to drive: apt-get install chromium (Debian's package)")
	}
	var out, log bytes.Buffer
	err := Run(t.Context(), []string{"--loads", "1", "--keys", "2", "--updates", "1", "--json", "--timeout", "2m"}, &out, &log)
	if errors.Is(err, ErrMissingTool) {
		t.Skip(err)
	}
	require.NoError(t, err, "progress:\n%s", log.String())
	var r result
	require.NoError(t, json.Unmarshal(out.Bytes(), &r), "%s", out.String())
	assert.Equal(t, "gzip", r.WasmEncoding)
	assert.Less(t, r.WasmGzip, r.WasmRaw)
	assert.Len(t, r.ColdOpenMs, 1)
	assert.Len(t, r.WarmOpenMs, 1)
	assert.Len(t, r.KeyMs, 2)
	assert.Len(t, r.UpdateMs, 1)
	for _, v := range append(append(r.ColdOpenMs, r.KeyMs...), r.UpdateMs...) {
		assert.Greater(t, v, 0.0)
	}
	assert.Len(t, r.Goals, 5)

	var table bytes.Buffer
	require.NoError(t, writeTable(&table, &r))
	assert.True(t, strings.Contains(table.String(), "typing: key → changed pixels"), "%s", table.String())
}
