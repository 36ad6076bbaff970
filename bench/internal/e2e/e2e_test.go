package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runLines runs the benchmark with --json and returns its lines by kind.
func runLines(t *testing.T, args ...string) (run map[string]any, probes []probeResult, phases []phaseResult, ms []measure) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out, errOut bytes.Buffer
	err := Run(ctx, append(args, "--json"), &out, &errOut)
	require.NoError(t, err, "stderr:\n%s", errOut.String())
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var kind struct{ Kind string }
		require.NoError(t, json.Unmarshal([]byte(line), &kind), line)
		switch kind.Kind {
		case "run":
			require.NoError(t, json.Unmarshal([]byte(line), &run))
		case "probe":
			var p probeResult
			require.NoError(t, json.Unmarshal([]byte(line), &p))
			probes = append(probes, p)
		case "phase":
			var p phaseResult
			require.NoError(t, json.Unmarshal([]byte(line), &p))
			phases = append(phases, p)
		case "measure":
			var m measure
			require.NoError(t, json.Unmarshal([]byte(line), &m))
			ms = append(ms, m)
		default:
			t.Fatalf("unknown line %s", line)
		}
	}
	return run, probes, phases, ms
}

// A short run of the probe and every phase, host and viewer in child
// processes (this test binary; see TestMain): both probes, every phase and
// every measure are there, the numbers are plausible, and the viewer's
// picture is exact after each phase. No timing is asserted: the machine
// may be slow.
func TestRunSyntheticAllPhases(t *testing.T) {
	run, probes, phases, ms := runLines(t, "--synthetic", "--size", "320x180", "--phase", "700ms", "--settle", "350ms",
		"--probe", "700ms", "--probe-message", "65536", "--frames")
	assert.Equal(t, "synthetic canvas", run["screen"])
	require.Len(t, probes, 3)
	assert.Equal(t, [3]string{probeOurs, probeUnbatched, probePion}, [3]string{probes[0].Settings, probes[1].Settings, probes[2].Settings})
	for _, p := range probes {
		assert.Equal(t, 65536, p.MessageBytes, p.Settings)
		assert.Equal(t, int64(p.Messages)*65536, p.Bytes, "%s: whole messages only", p.Settings)
		assert.Greater(t, p.Messages, 1, p.Settings)
		assert.Positive(t, p.MbitPerSec, p.Settings)
		require.NotNil(t, p.SenderCPU, p.Settings)
		require.NotNil(t, p.ReceiverCPU, p.Settings)
		assert.Positive(t, *p.SenderCPU, p.Settings)
		// Pings every 10 ms for 0.7 s, all delivered, each timed on the
		// machine's one clock.
		assert.Greater(t, p.Pings, 10, p.Settings)
		require.NotNil(t, p.PingMedianMs, p.Settings)
		require.NotNil(t, p.PingP99Ms, p.Settings)
		assert.Positive(t, *p.PingMedianMs, p.Settings)
		assert.GreaterOrEqual(t, *p.PingP99Ms, *p.PingMedianMs, p.Settings)
	}
	require.Len(t, phases, len(allPhases))
	for i, p := range phases {
		assert.Equal(t, allPhases[i], p.Phase)
		assert.Equal(t, pathLoopback, p.Path)
		assert.True(t, p.Exact, "%s: %s", p.Phase, p.NotExact)
		require.NotNil(t, p.HostCPU, p.Phase)
		require.NotNil(t, p.ViewerCPU, p.Phase)
		switch p.Phase {
		case phaseTyping, phaseScroll, phaseFull, phaseThroughput:
			assert.Positive(t, p.Changes, p.Phase)
			assert.Positive(t, p.Updates, p.Phase)
			require.NotNil(t, p.LatencyMedianMs, p.Phase)
			assert.Positive(t, *p.LatencyMedianMs, p.Phase)
			assert.GreaterOrEqual(t, *p.LatencyP99Ms, *p.LatencyMedianMs, p.Phase)
			assert.Positive(t, p.MbitPerSec, p.Phase)
			// --frames: every applied update, each latency split whole.
			require.Len(t, p.Frames, p.Updates, p.Phase)
			for _, u := range p.Frames {
				assert.Positive(t, u.Bytes, p.Phase)
				assert.GreaterOrEqual(t, u.AtMs, 0.0, p.Phase)
				assert.InDelta(t, u.LatencyMs, u.EncodeMs+u.DecodeMs+u.RestMs, 1e-6, p.Phase)
			}
		case phaseInput:
			assert.Positive(t, p.InputSent)
			assert.Zero(t, p.InputLost, "every move reached the host")
			require.NotNil(t, p.InputP99Ms)
			assert.Positive(t, *p.InputMedianMs)
		case phaseIdle:
			assert.Zero(t, p.Changes)
		}
	}
	names := map[string]bool{}
	for _, m := range ms {
		names[m.Name] = true
		if m.Goal != "" && !strings.HasPrefix(m.Name, "scrolling") {
			assert.NotNil(t, m.Met, m.Name)
		}
	}
	for _, want := range []string{
		"small change (typing): capture to applied",
		"scrolling: capture to applied",
		"full-screen change: capture to applied",
		"input: viewer send to injected",
		"data-channel throughput",
		"data-channel throughput, UDP unbatched",
		"data-channel throughput, pion defaults",
		"session throughput (lossless noise)",
		"idle screen: host CPU",
		"viewer's picture exact after every phase",
	} {
		assert.True(t, names[want], "missing measure %q", want)
	}
}

// --impair runs in this process over the virtual network: the unimpaired
// baseline first, then the impaired phases, with the impaired goals.
func TestRunImpaired(t *testing.T) {
	_, probes, phases, ms := runLines(t, "--synthetic", "--size", "320x180", "--phase", "700ms", "--settle", "350ms",
		"--phases", "typing,idle", "--impair", "delay=20ms,loss=1%,rate=10mbit")
	assert.Empty(t, probes, "no probe over the virtual network")
	require.Len(t, phases, 3)
	assert.Equal(t, [3]string{pathVNet, pathImpaired, pathImpaired}, [3]string{phases[0].Path, phases[1].Path, phases[2].Path})
	assert.Equal(t, [3]string{phaseTyping, phaseTyping, phaseIdle}, [3]string{phases[0].Phase, phases[1].Phase, phases[2].Phase})
	for _, p := range phases {
		assert.True(t, p.Exact, "%s over %s: %s", p.Phase, p.Path, p.NotExact)
		assert.Nil(t, p.ViewerCPU, "one process")
	}
	require.NotNil(t, phases[1].LatencyMedianMs)
	assert.Greater(t, *phases[1].LatencyMedianMs, 10.0, "half the added round trip at least")
	names := map[string]bool{}
	for _, m := range ms {
		names[m.Name] = true
	}
	for _, want := range []string{"typing, unimpaired vnet: capture to applied", "typing, impaired: frames per second",
		"typing, impaired: capture to applied", "impaired: viewer's picture exact after every phase"} {
		assert.True(t, names[want], "missing measure %q", want)
	}
}

func TestRunBadUsage(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{
		{"--size", "10x10"}, {"--size", "big"}, {"--phase", "1ms"}, {"--settle", "2m"}, {"--fps", "0"},
		{"--phases", "typing,dancing"}, {"--phases", "idle,idle"}, {"--timeout", "-1s"}, {"extra"}, {"--nope"},
		{"--probe", "50ms"}, {"--probe", "-1s"}, {"--probe-message", "100"}, {"--probe-message", "2000000"},
		{"--probe-buffered", "1000"},
	} {
		err := Run(ctx, args, io.Discard, io.Discard)
		require.ErrorIs(t, err, ErrUsage, "%v", args)
	}
	err := Run(ctx, []string{"--impair", "delay=soon"}, io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrImpairSpec)
	var help bytes.Buffer
	err = Run(ctx, []string{"-h"}, io.Discard, &help)
	require.True(t, errors.Is(err, flag.ErrHelp))
	assert.Contains(t, help.String(), "usage: bench e2e")

	phases, err := parsePhases("idle, TYPING ,scroll")
	require.NoError(t, err)
	assert.Equal(t, []string{phaseTyping, phaseScroll, phaseIdle}, phases, "always in the canonical order")
}

func TestChildrenRefuseBadUsage(t *testing.T) {
	ctx := context.Background()
	err := runHost(ctx, []string{"--server", "ws://127.0.0.1:1/v1/signal"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage, "neither --display nor --synthetic")
	err = runHost(ctx, []string{"--synthetic", "--size", "1x1", "--server", "x"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage)
	err = runViewer(ctx, []string{"--server", "ws://127.0.0.1:1/v1/signal"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage)
	err = runHost(ctx, []string{"--probe", "quic"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage, "unknown probe settings")
	err = runHost(ctx, []string{"--probe", probeOurs, "--probe-message", "0"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage)
	err = runViewer(ctx, []string{"--probe", "quic"}, strings.NewReader(""), io.Discard, io.Discard)
	require.ErrorIs(t, err, ErrUsage)
}
