package record

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsValidate(t *testing.T) {
	for name, opt := range map[string]Option{
		"fps 0":             WithFPS(0),
		"fps 121":           WithFPS(121),
		"frames 0":          WithFrames(0),
		"frames 1e6":        WithFrames(1_000_000),
		"duration 0":        WithDuration(0),
		"duration 2h":       WithDuration(2 * time.Hour),
		"encoders 0":        WithEncoders(0),
		"encoders 65":       WithEncoders(65),
		"buffer 1 MiB":      WithMaxBuffer(1 << 20),
		"nil logger":        WithLogger(nil),
		"nil progress":      WithProgress(nil),
		"frames + duration": func(o *options) error { o.frames = 5; return WithDuration(time.Second)(o) },
		"duration + frames": func(o *options) error { o.duration = time.Second; return WithFrames(5)(o) },
	} {
		o := defaultOptions()
		assert.ErrorIs(t, opt(&o), ErrInvalidOption, name)
	}
	o := defaultOptions()
	for _, opt := range []Option{WithFPS(120), WithFrames(999_999), WithEncoders(64), WithMaxBuffer(64 << 20), WithProgress(&bytes.Buffer{})} {
		require.NoError(t, opt(&o))
	}
	assert.Equal(t, 120, o.fps)
	assert.Equal(t, 999_999, o.frames)
}

func TestRecordRejectsBadArgumentsBeforeStartingAnything(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "out")
	_, err := Record(ctx, "dance", dir)
	assert.ErrorIs(t, err, ErrUnknownScenario)
	_, err = Record(ctx, "typing", dir, WithFPS(500))
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = Record(ctx, "typing", "")
	assert.ErrorIs(t, err, ErrInvalidOption)
	_, err = os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist, "a refused recording created its directory")
}

func TestRunUsageErrors(t *testing.T) {
	for name, args := range map[string][]string{
		"no scenario":       {"--out", "x"},
		"no out":            {"--scenario", "typing"},
		"unknown scenario":  {"--scenario", "dance", "--out", "x"},
		"frames and secs":   {"--scenario", "typing", "--out", "x", "--frames", "3", "--seconds", "1"},
		"negative seconds":  {"--scenario", "typing", "--out", "x", "--seconds", "-1"},
		"bad fps":           {"--scenario", "typing", "--out", "x", "--fps", "0"},
		"bad encoders":      {"--scenario", "typing", "--out", "x", "--encoders", "0"},
		"small buffer":      {"--scenario", "typing", "--out", "x", "--buffer-mb", "1"},
		"stray argument":    {"--scenario", "typing", "--out", "x", "extra"},
		"unknown flag":      {"--scenario", "typing", "--out", "x", "--colour"},
		"not a number":      {"--scenario", "typing", "--out", "x", "--frames", "many"},
		"too many frames":   {"--scenario", "typing", "--out", "x", "--frames", "1000000"},
		"seconds too large": {"--scenario", "typing", "--out", "x", "--seconds", "7200"},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), args, &stdout, &stderr)
		assert.ErrorIs(t, err, ErrUsage, name)
		assert.Contains(t, stderr.String(), "usage: bench record", name)
		assert.Empty(t, stdout.String(), name)
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"-h"}, &stdout, &stderr))
	for _, name := range append(Scenarios(), AllScenarios) {
		assert.Contains(t, stderr.String(), "  "+name+" ")
	}
}

func TestScenarios(t *testing.T) {
	assert.Equal(t, []string{"typing", "scroll", "drag", "photos", "listing", "video"}, Scenarios())
	for _, name := range Scenarios() {
		n, err := DefaultFrames(name)
		require.NoError(t, err)
		assert.True(t, n >= 60 && n <= 150, "%s records %d frames by default", name, n)
		desc, err := Describe(name)
		require.NoError(t, err)
		assert.NotEmpty(t, desc)
	}
	_, err := DefaultFrames("all")
	assert.ErrorIs(t, err, ErrUnknownScenario)
	assert.ErrorIs(t, CheckPrograms("dance"), ErrUnknownScenario)
}

func TestCheckNeedsNamesThePackages(t *testing.T) {
	needs := []need{
		{label: "sh", bin: "sh", pkg: "dash"},
		{label: "frobnicator", bin: "deskhand-no-such-program", pkg: "frob-tools"},
		{label: "frob data", file: "/nonexistent/deskhand/frob.dat", pkg: "frob-data"},
		{label: "frobctl", bin: "deskhand-no-such-ctl", pkg: "frob-tools"},
	}
	err := checkNeeds("demo", needs)
	require.ErrorIs(t, err, ErrMissingProgram)
	msg := err.Error()
	assert.NotContains(t, msg, "\n")
	assert.Contains(t, msg, "demo needs frobnicator, frob data, frobctl")
	assert.True(t, strings.HasSuffix(msg, "apt-get install frob-tools frob-data"), msg)
	assert.NoError(t, checkNeeds("demo", needs[:1]))
}

func TestRunReportsMissingProgramsInOneLine(t *testing.T) {
	// Every scenario needs Xvfb; with an empty PATH nothing is found.
	t.Setenv("PATH", t.TempDir())
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"--scenario", "scroll", "--out", filepath.Join(t.TempDir(), "c")}, &stdout, &stderr)
	require.ErrorIs(t, err, ErrMissingProgram)
	assert.Contains(t, err.Error(), "apt-get install xvfb xterm less")
	assert.NotContains(t, err.Error(), "\n")

	err = Run(context.Background(), []string{"--scenario", "all", "--keep-going", "--out", t.TempDir()}, &stdout, &stderr)
	require.ErrorIs(t, err, ErrMissingProgram)
	for _, name := range Scenarios() {
		assert.Contains(t, err.Error(), name+" needs")
	}
	assert.Empty(t, stdout.String())
}

func TestScrollTextIsLongGoSource(t *testing.T) {
	text := scrollText(5000)
	assert.GreaterOrEqual(t, strings.Count(text, "\n"), 5000)
	assert.Contains(t, text, "package record")
	assert.Contains(t, text, "func scrollText(")
	assert.Equal(t, text, scrollText(5000), "the text differs between calls")
}
