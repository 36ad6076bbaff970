package e2e

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	v := make([]float64, 100)
	for i := range v {
		v[i] = float64(i + 1)
	}
	assert.Equal(t, 50.0, percentile(v, 50))
	assert.Equal(t, 99.0, percentile(v, 99))
	assert.Equal(t, 100.0, percentile(v, 100))
	assert.Equal(t, 7.0, percentile([]float64{7}, 99))
	assert.True(t, percentile(nil, 50) != percentile(nil, 50), "NaN for no values")
}

func TestSummarize(t *testing.T) {
	const sec = int64(time.Second)
	vr := viewerReport{Start: 0, End: sec, RTT: 2 * time.Millisecond, CPU: ptr(12.5), Received: 10_000}
	for i := range 10 {
		c := int64(i) * sec / 10
		vr.Frames = append(vr.Frames, frameRec{Captured: c, Applied: c + int64(i+1)*int64(time.Millisecond), Bytes: 1000 + i, Superseded: 1,
			Encode: int64(i) * int64(time.Millisecond), Decode: int64(time.Millisecond) / 2})
	}
	for i := range 4 {
		vr.Sent = append(vr.Sent, inputRec{Seq: i, At: int64(i) * 10 * int64(time.Millisecond)})
	}
	hr := hostReport{CPU: ptr(40.0), Link: &linkReport{Quality: 70},
		Injected: []inputRec{{Seq: 0, At: 500_000}, {Seq: 1, At: 10_000_000 + 1_500_000}, {Seq: 3, At: 30_000_000 + 250_000}}}

	r := summarize(phaseTyping, pathLoopback, time.Second, 30, vr, hr, false)
	assert.Equal(t, 10, r.Updates)
	assert.InDelta(t, 10, r.FPS, 1e-9)
	assert.InDelta(t, 0.08, r.MbitPerSec, 1e-9)
	assert.Equal(t, 10, r.Superseded)
	assert.Equal(t, 5.0, *r.LatencyMedianMs)
	assert.Equal(t, 10.0, *r.LatencyP99Ms)
	assert.Equal(t, 4.0, *r.EncodeMedianMs)
	assert.Equal(t, 0.5, *r.DecodeMedianMs)
	assert.Equal(t, 1009, r.MaxBytes)
	assert.Equal(t, 4, r.InputSent)
	assert.Equal(t, 1, r.InputLost, "sequence 2 never arrived")
	assert.Equal(t, 0.5, *r.InputMedianMs)
	assert.Equal(t, 1.5, *r.InputP99Ms)
	assert.Equal(t, 40.0, *r.HostCPU)
	assert.Equal(t, 12.5, *r.ViewerCPU)
	assert.Equal(t, 70, *r.Quality)
	assert.Equal(t, 2.0, r.RTTMs)

	rows := updateRows(vr.Frames)
	require.Len(t, rows, 10)
	assert.Equal(t, updateRow{AtMs: 300, Bytes: 1003, Superseded: 1, LatencyMs: 4, EncodeMs: 3, DecodeMs: 0.5, RestMs: 0.5}, rows[3])
	assert.Nil(t, updateRows(nil))

	shared := summarize(phaseIdle, pathImpaired, time.Second, 0, viewerReport{CPU: ptr(1.0)}, hostReport{CPU: ptr(1.0)}, true)
	assert.Nil(t, shared.ViewerCPU, "one process: one CPU figure")
	assert.Nil(t, shared.LatencyMedianMs, "no updates, no latency")
	assert.Zero(t, shared.FPS)
}

// The probe's rate is the receiver's, from its first message to its last,
// the first message's bytes excluded (they arrived before the span).
// The pings' median and 99th percentile come from their latencies in any
// order; no pings, no figures.
func TestSummarizePings(t *testing.T) {
	var r probeResult
	lat := make([]float64, 0, 100)
	for i := 100; i >= 1; i-- {
		lat = append(lat, float64(i)/10)
	}
	summarizePings(&r, lat)
	assert.Equal(t, 100, r.Pings)
	require.NotNil(t, r.PingMedianMs)
	require.NotNil(t, r.PingP99Ms)
	assert.InDelta(t, 5.0, *r.PingMedianMs, 0.11)
	assert.InDelta(t, 9.9, *r.PingP99Ms, 0.11)
	assert.Equal(t, 10.0, lat[0], "the latencies given are left as they were")

	var none probeResult
	summarizePings(&none, nil)
	assert.Zero(t, none.Pings)
	assert.Nil(t, none.PingMedianMs)
}

func TestSummarizeProbe(t *testing.T) {
	sent := probeSide{Bytes: 10 << 20, Messages: 40, Seconds: 2, CPU: ptr(80.0)}
	got := probeSide{Bytes: 10 << 20, Messages: 40, FirstLen: 256 << 10, First: int64(time.Second), Last: int64(3 * time.Second), CPU: ptr(60.0)}
	r := summarizeProbe(probeOurs, 256<<10, 4<<20, sent, got)
	assert.Equal(t, "probe", r.Kind)
	assert.InDelta(t, float64(39*256<<10)*8/2/1e6, r.MbitPerSec, 1e-9)
	assert.Equal(t, 80.0, *r.SenderCPU)
	assert.Equal(t, 60.0, *r.ReceiverCPU)
	assert.Equal(t, 40, r.Messages)
	assert.Contains(t, r.Transport, "internal/peerapi")
	assert.Contains(t, summarizeProbe(probePion, 1024, 4<<20, sent, got).Transport, "pion defaults")

	one := summarizeProbe(probeOurs, 1024, 4<<20, sent, probeSide{Bytes: 1024, Messages: 1, FirstLen: 1024, First: 5, Last: 5})
	assert.Zero(t, one.MbitPerSec, "one message spans no time: no rate")
}

func TestParseRcvbufErrors(t *testing.T) {
	snmp := "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
		"Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
		"Udp: 4400013 2925 4312 4408244 4312 0 0 0 0\n" +
		"UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdpLite: 0 0 0 0 99 0\n"
	n, ok := parseRcvbufErrors(snmp)
	require.True(t, ok)
	assert.Equal(t, int64(4312), n)
	_, ok = parseRcvbufErrors("Udp: InDatagrams\nUdp: 5\n")
	assert.False(t, ok, "no RcvbufErrors column")
	_, ok = parseRcvbufErrors("Udp: InDatagrams RcvbufErrors\nUdp: 5\n")
	assert.False(t, ok, "a short line of values")
	_, ok = parseRcvbufErrors("")
	assert.False(t, ok)
}

func metByName(ms []measure) map[string]*bool {
	out := map[string]*bool{}
	for _, m := range ms {
		out[m.Name] = m.Met
	}
	return out
}

// The goals are evaluated from the numbers: each can be met and missed.
func TestMeasuresEvaluateGoals(t *testing.T) {
	phase := func(name, path string, med, p99, fps float64) phaseResult {
		return phaseResult{Kind: "phase", Phase: name, Path: path, LatencyMedianMs: ptr(med), LatencyP99Ms: ptr(p99), FPS: fps, Exact: true}
	}
	good := []phaseResult{
		phase(phaseTyping, pathLoopback, 2, 10, 30),
		phase(phaseScroll, pathLoopback, 20, 90, 30),
		phase(phaseFull, pathLoopback, 15, 30, 10),
		{Phase: phaseThroughput, Path: pathLoopback, MbitPerSec: 450, Exact: true},
		{Phase: phaseInput, Path: pathLoopback, InputSent: 100, InputMedianMs: ptr(0.2), InputP99Ms: ptr(0.9), Exact: true},
		{Phase: phaseIdle, Path: pathLoopback, HostCPU: ptr(1.5), Exact: true},
	}
	probes := []probeResult{
		{Kind: "probe", Settings: probeOurs, MessageBytes: 256 << 10, MbitPerSec: 400, Pings: 500, PingMedianMs: ptr(0.2), PingP99Ms: ptr(0.8)},
		{Kind: "probe", Settings: probeUnbatched, MessageBytes: 256 << 10, MbitPerSec: 320},
		{Kind: "probe", Settings: probePion, MessageBytes: 256 << 10, MbitPerSec: 32},
	}
	ms := measures(probes, good, nil)
	require.Len(t, ms, 11)
	noGoal := map[string]bool{"scrolling: capture to applied": true, "data-channel throughput, pion defaults": true,
		"data-channel throughput, UDP unbatched": true,
		"session throughput (lossless noise)":    true, "  the transport alone: probe's small messages, send to delivered": true}
	for name, met := range metByName(ms) {
		if noGoal[name] {
			assert.Nil(t, met, "no goal for %s", name)
			continue
		}
		require.NotNil(t, met, name)
		assert.True(t, *met, name)
	}
	for _, m := range ms {
		switch m.Name {
		case "data-channel throughput":
			assert.Equal(t, 400.0, *m.Value, "the probe with deskhand's settings, not the session")
		case "data-channel throughput, pion defaults":
			assert.Equal(t, 32.0, *m.Value)
			assert.Contains(t, m.ValueUnit, "12.5x", "the ratio to deskhand's settings")
		case "data-channel throughput, UDP unbatched":
			assert.Equal(t, 320.0, *m.Value)
			assert.Contains(t, m.ValueUnit, "batching: 1.2x", "the ratio to deskhand's settings")
		case "session throughput (lossless noise)":
			assert.Equal(t, 450.0, *m.Value)
		}
	}

	bad := append([]phaseResult(nil), good...)
	bad[0].LatencyP99Ms = ptr(12.5)
	bad[2].LatencyMedianMs = ptr(15.1)
	bad[4].InputLost = 1
	bad[5].HostCPU = ptr(2.0)
	bad[1].Exact = false
	badProbes := append([]probeResult(nil), probes...)
	badProbes[0].MbitPerSec = 399
	for name, met := range metByName(measures(badProbes, bad, nil)) {
		if met != nil {
			assert.False(t, *met, name)
		}
	}

	// Without a probe (--probe 0) the session's figure stays, the goal's
	// row goes.
	met := metByName(measures(nil, good, nil))
	assert.NotContains(t, met, "data-channel throughput")
	assert.Contains(t, met, "session throughput (lossless noise)")

	imp := &impairment{RTT: 50 * time.Millisecond}
	withImp := []phaseResult{
		phase(phaseTyping, pathVNet, 3, 5, 30),
		phase(phaseTyping, pathImpaired, 103, 150, 25),
		phase(phaseScroll, pathVNet, 10, 20, 30),
		phase(phaseScroll, pathImpaired, 111, 300, 24.9),
	}
	met = metByName(measures(probes, withImp, imp))
	assert.True(t, *met["typing, impaired: frames per second"])
	assert.True(t, *met["typing, impaired: capture to applied"], "103 <= 3 + 2 x 50")
	assert.False(t, *met["scroll, impaired: frames per second"])
	assert.False(t, *met["scroll, impaired: capture to applied"], "111 > 10 + 2 x 50")
	assert.True(t, *met["impaired: viewer's picture exact after every phase"])
	assert.Nil(t, met["typing, unimpaired vnet: capture to applied"])

	// Without a delay, the round trip is what the unimpaired pings saw.
	withImp[0].RTTMs = 1
	met = metByName(measures(nil, withImp[:2], &impairment{Rate: 10_000_000}))
	assert.False(t, *met["typing, impaired: capture to applied"], "103 > 3 + 2 x 1")
}

func TestWriteTableAndJSON(t *testing.T) {
	info := runInfo{Kind: "run", Screen: "synthetic canvas", Width: 64, Height: 64, Processes: "p", CPUs: 2, Notes: []string{"a note"}}
	results := []phaseResult{
		{Kind: "phase", Phase: phaseTyping, Path: pathLoopback, Updates: 3, LatencyMedianMs: ptr(1.0), LatencyP99Ms: ptr(2.0), Exact: true, ExactAfterMs: ptr(150.0)},
		{Kind: "phase", Phase: phaseIdle, Path: pathLoopback, HostCPU: ptr(1.0), NotExact: "7 pixels differ"},
		{Kind: "phase", Phase: phaseFull, Path: pathLoopback, Updates: 1, Exact: true,
			Frames: []updateRow{{AtMs: 0, Bytes: 191393, Key: true, LatencyMs: 18.93, EncodeMs: 9.37, DecodeMs: 5.35, RestMs: 4.21}}},
	}
	probes := []probeResult{
		summarizeProbe(probeOurs, 256<<10, 4<<20, probeSide{Bytes: 3 << 20, Seconds: 1, CPU: ptr(90.0)},
			probeSide{Bytes: 3 << 20, Messages: 12, FirstLen: 256 << 10, First: 0, Last: int64(time.Second / 10), CPU: ptr(70.0)}),
		{Kind: "probe", Settings: probePion, MessageBytes: 256 << 10, MbitPerSec: 30, UDPDrops: ptr(int64(17))},
	}
	ms := measures(probes, results, nil)
	var table bytes.Buffer
	require.NoError(t, writeTable(&table, info, probes, results, ms))
	out := table.String()
	for _, want := range []string{"synthetic canvas 64x64", "note: a note", "small change (typing): capture to applied",
		"idle screen: host CPU", "NO: 7 pixels differ", "after 150 ms", "data-channel throughput", "pion-defaults",
		"230.7", "90.0", "70.0", "17", "updates of full over loopback", "191393", "18.93", "9.37", "5.35", "4.21"} {
		assert.Contains(t, out, want)
	}

	var js bytes.Buffer
	require.NoError(t, writeJSON(&js, info, probes, results, ms))
	lines := strings.Split(strings.TrimSpace(js.String()), "\n")
	require.Len(t, lines, 1+len(probes)+len(results)+len(ms))
	kinds := map[string]int{}
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		kinds[m["kind"].(string)]++
	}
	assert.Equal(t, map[string]int{"run": 1, "probe": 2, "phase": 3, "measure": len(ms)}, kinds)
	assert.Contains(t, js.String(), `"frames":[{"atMs":0,"bytes":191393,"key":true,"latencyMs":18.93`)
	assert.NotContains(t, lines[1+len(probes)], `"frames"`, "no --frames, no list")
}
