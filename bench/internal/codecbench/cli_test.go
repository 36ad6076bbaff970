package codecbench

import (
	"bytes"
	"context"
	"flag"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunJSON(t *testing.T) {
	dir := writeCorpus(t, syntheticFrames(t, 320, 200, 5))
	var out, errOut bytes.Buffer
	err := Run(context.Background(), []string{"--corpus", dir, "--json", "--codecs", "deskhand, s2", "--frames", "4"}, &out, &errOut)
	require.NoError(t, err, errOut.String())
	results, err := ReadJSON(&out)
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.Equal(t, "deskhand", results[0].Codec)
	assert.Equal(t, "s2", results[1].Codec)
	for _, r := range results {
		assert.Equal(t, CorpusName(dir), r.Corpus)
		assert.Equal(t, 4, r.Frames)
	}
	assert.Contains(t, errOut.String(), "deskhand: 4/4 frames", "progress goes to stderr")

	// Every documented field is present in each line, PSNR as null.
	line := strings.SplitN(out.String(), "\n", 2)[0]
	if line == "" {
		var again bytes.Buffer
		require.NoError(t, WriteJSON(&again, results))
		line = strings.SplitN(again.String(), "\n", 2)[0]
	}
	for _, f := range []string{"corpus", "codec", "lossy", "frames", "total_bytes", "median_bytes", "p99_bytes",
		"encode_median_ms", "encode_p99_ms", "decode_median_ms", "decode_p99_ms", "psnr_mean_db", "psnr_min_db", "exact"} {
		assert.Contains(t, line, `"`+f+`":`, f)
	}
	assert.Contains(t, line, `"psnr_mean_db":null`)
}

func TestRunTable(t *testing.T) {
	dir := writeCorpus(t, syntheticFrames(t, 320, 200, 3))
	var out, errOut bytes.Buffer
	require.NoError(t, Run(context.Background(), []string{"--corpus", dir, "--codecs", "png-fast,zstd-fastest,deskhand"}, &out, &errOut))
	main, key, ok := strings.Cut(out.String(), "\n\n")
	require.True(t, ok, "the key-frame table follows after a blank line")
	assert.True(t, strings.HasPrefix(key, "key frame (frame 0):"), key)
	lines := strings.Split(main, "\n")
	require.Len(t, lines, 5, out.String())
	assert.Contains(t, lines[0], "3 frames 320x200")
	cols := regexp.MustCompile(`\s{2,}`)
	cells := func(l string) []string { return cols.Split(strings.TrimSpace(l), -1) }
	assert.Equal(t, TableHeader(), cells(lines[1]))
	for i, name := range []string{"png-fast", "zstd-fastest", "deskhand"} {
		row := cells(lines[2+i])
		require.Len(t, row, len(TableHeader()), lines[2+i])
		assert.Equal(t, name, row[0])
		assert.Equal(t, "3", row[2])
		assert.Equal(t, "yes", row[len(row)-1])
	}
	// Columns line up: every line has the same width.
	for _, l := range lines[2:] {
		assert.Equal(t, len(lines[1]), len(l))
	}
}

func TestRunErrors(t *testing.T) {
	good := writeCorpus(t, syntheticFrames(t, 32, 32, 2))
	for name, c := range map[string]struct {
		args []string
		want error
	}{
		"no corpus":     {nil, ErrUsage},
		"bad flag":      {[]string{"--corpus", good, "--nope"}, ErrUsage},
		"extra arg":     {[]string{"--corpus", good, "extra"}, ErrUsage},
		"frames":        {[]string{"--corpus", good, "--frames", "-1"}, ErrUsage},
		"unknown codec": {[]string{"--corpus", good, "--codecs", "deskhand,mjpeg"}, ErrUnknownCodec},
		"twice":         {[]string{"--corpus", good, "--codecs", "s2,s2"}, ErrUnknownCodec},
		"missing dir":   {[]string{"--corpus", good + "/nope"}, ErrCorpus},
		"help":          {[]string{"-h"}, flag.ErrHelp},
	} {
		var out, errOut bytes.Buffer
		err := Run(context.Background(), c.args, &out, &errOut)
		assert.ErrorIs(t, err, c.want, name)
		if c.want != flag.ErrHelp {
			assert.NotContains(t, err.Error(), "\n", "%s: one-line error", name)
		}
		assert.Empty(t, out.String(), name)
	}
}

func TestSelectCodecs(t *testing.T) {
	def, err := SelectCodecs(nil)
	require.NoError(t, err)
	assert.Equal(t, codecNames(DefaultCodecs()), codecNames(def))
	got, err := SelectCodecs([]string{"s2", "deskhand", "png"})
	require.NoError(t, err)
	assert.Equal(t, []string{"s2", "deskhand", "png"}, codecNames(got))
	_, err = SelectCodecs([]string{"h265"})
	require.ErrorIs(t, err, ErrUnknownCodec)
	assert.Contains(t, err.Error(), "deskhand", "lists the known names")
}

func TestReadJSONRejectsGarbage(t *testing.T) {
	_, err := ReadJSON(strings.NewReader(`{"codec":"x","frames":1}` + "\nnot json\n"))
	assert.ErrorIs(t, err, ErrUsage)
	_, err = ReadJSON(strings.NewReader(`{"foo":1}`))
	assert.ErrorIs(t, err, ErrUsage)
}

func TestFormatBytes(t *testing.T) {
	assert.Equal(t, "812 B", FormatBytes(812))
	assert.Equal(t, "12.3 KiB", FormatBytes(12.3*1024))
	assert.Equal(t, "5.93 MiB", FormatBytes(5.93*1024*1024))
}
