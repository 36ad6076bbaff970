package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// Network paths a phase can run over.
const (
	pathLoopback = "loopback"      // separate processes, real loopback UDP
	pathVNet     = "vnet"          // one process, pion's virtual network, no impairment
	pathImpaired = "vnet-impaired" // one process, virtual network with --impair
)

// runInfo describes a run: the first JSON line, the table's heading.
type runInfo struct {
	Kind         string   `json:"kind"` // "run"
	Screen       string   `json:"screen"`
	Width        int      `json:"width"`
	Height       int      `json:"height"`
	Processes    string   `json:"processes"`
	Impair       string   `json:"impair,omitempty"`
	PhaseSeconds float64  `json:"phaseSeconds"`
	FPSCap       int      `json:"fpsCap"`
	CPUs         int      `json:"cpus"`
	Injector     string   `json:"injector"`
	Notes        []string `json:"notes,omitempty"`
}

// phaseResult is what one phase measured: one JSON line, one table row.
type phaseResult struct {
	Kind    string  `json:"kind"` // "phase"
	Phase   string  `json:"phase"`
	Path    string  `json:"path"`
	Seconds float64 `json:"seconds"`
	Changes int     `json:"changes"` // screen changes drawn
	Updates int     `json:"updates"` // updates the viewer applied
	FPS     float64 `json:"fps"`     // updates applied per second
	// Capture on the host to applied on the viewer, over the updates.
	LatencyMedianMs *float64 `json:"latencyMedianMs,omitempty"`
	LatencyP99Ms    *float64 `json:"latencyP99Ms,omitempty"`
	LatencyMaxMs    *float64 `json:"latencyMaxMs,omitempty"`
	// Where the latency went: the host's encoding and the viewer's
	// decoding of each update (medians, and the worst update's).
	EncodeMedianMs *float64 `json:"encodeMedianMs,omitempty"`
	DecodeMedianMs *float64 `json:"decodeMedianMs,omitempty"`
	MaxBytes       int      `json:"maxUpdateBytes"` // the largest update
	MbitPerSec     float64  `json:"mbitPerSec"`     // screen data the viewer received during the phase
	Superseded     int      `json:"superseded"`     // frames the host captured and could not send
	// Input phase: viewer send to injected on the host.
	InputSent     int      `json:"inputSent,omitempty"`
	InputLost     int      `json:"inputLost,omitempty"`
	InputMedianMs *float64 `json:"inputMedianMs,omitempty"`
	InputP99Ms    *float64 `json:"inputP99Ms,omitempty"`
	// CPU in % of one core over the phase; nil when not measured. With
	// one process (--impair), HostCPU is the whole process's.
	HostCPU      *float64 `json:"hostCpuPct,omitempty"`
	ViewerCPU    *float64 `json:"viewerCpuPct,omitempty"`
	RTTMs        float64  `json:"rttMs"`                  // the viewer's smoothed ping round trip at the end
	Quality      *int     `json:"hostQuality"`            // the host's JPEG quality at the end; 0: lossless
	Exact        bool     `json:"exact"`                  // the viewer's picture became the screen's exactly
	ExactAfterMs *float64 `json:"exactAfterMs,omitempty"` // how long after the phase's end
	NotExact     string   `json:"notExact,omitempty"`     // why not, when not exact
	// Frames is every update of the phase, in the order applied (--frames).
	Frames []updateRow `json:"frames,omitempty"`
}

// updateRow is one update the viewer applied (--frames): when the host
// captured it, after the phase's first capture; its size; its latency and
// where that went. Rest is the latency less encoding and decoding: the
// wait for the link, sending, carrying, reassembling and applying.
type updateRow struct {
	AtMs       float64 `json:"atMs"`
	Bytes      int     `json:"bytes"`
	Key        bool    `json:"key,omitempty"`
	Superseded uint32  `json:"superseded,omitempty"`
	LatencyMs  float64 `json:"latencyMs"`
	EncodeMs   float64 `json:"encodeMs"`
	DecodeMs   float64 `json:"decodeMs"`
	RestMs     float64 `json:"restMs"`
}

// updateRows turns a phase's frame records into rows.
func updateRows(frames []frameRec) []updateRow {
	if len(frames) == 0 {
		return nil
	}
	first := frames[0].Captured
	for _, f := range frames {
		first = min(first, f.Captured)
	}
	rows := make([]updateRow, len(frames))
	for i, f := range frames {
		lat := f.Applied - f.Captured
		rows[i] = updateRow{AtMs: float64(f.Captured-first) / 1e6, Bytes: f.Bytes, Key: f.Key, Superseded: f.Superseded,
			LatencyMs: float64(lat) / 1e6, EncodeMs: float64(f.Encode) / 1e6, DecodeMs: float64(f.Decode) / 1e6,
			RestMs: float64(lat-f.Encode-f.Decode) / 1e6}
	}
	return rows
}

// measure is one goal of issue 4 and what the run measured for it: one
// JSON line, one row of the first table.
type measure struct {
	Kind   string   `json:"kind"` // "measure"
	Name   string   `json:"name"`
	Median *float64 `json:"median,omitempty"`
	P99    *float64 `json:"p99,omitempty"`
	Value  *float64 `json:"value,omitempty"`
	Unit   string   `json:"unit,omitempty"` // of Median and P99
	// ValueUnit is Value's unit.
	ValueUnit string `json:"valueUnit,omitempty"`
	Goal      string `json:"goal"`
	Met       *bool  `json:"met,omitempty"` // nil: no goal, or not measurable
}

func ptr[T any](v T) *T { return &v }

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summarize turns a phase's raw reports into its result.
func summarize(phase, path string, wall time.Duration, changes int, vr viewerReport, hr hostReport, sharedProcess bool) phaseResult {
	r := phaseResult{Kind: "phase", Phase: phase, Path: path, Seconds: wall.Seconds(), Changes: changes,
		Updates: len(vr.Frames), RTTMs: ms(vr.RTT), HostCPU: hr.CPU, ViewerCPU: vr.CPU}
	if sharedProcess {
		r.ViewerCPU = nil
	}
	if hr.Link != nil {
		r.Quality = ptr(hr.Link.Quality)
	}
	lat := make([]float64, 0, len(vr.Frames))
	enc := make([]float64, 0, len(vr.Frames))
	dec := make([]float64, 0, len(vr.Frames))
	for _, f := range vr.Frames {
		lat = append(lat, float64(f.Applied-f.Captured)/1e6)
		enc = append(enc, float64(f.Encode)/1e6)
		dec = append(dec, float64(f.Decode)/1e6)
		r.Superseded += int(f.Superseded)
		r.MaxBytes = max(r.MaxBytes, f.Bytes)
	}
	if s := wall.Seconds(); s > 0 {
		r.FPS = float64(len(vr.Frames)) / s
		r.MbitPerSec = float64(vr.Received) * 8 / s / 1e6
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		r.LatencyMedianMs, r.LatencyP99Ms, r.LatencyMaxMs = ptr(percentile(lat, 50)), ptr(percentile(lat, 99)), ptr(lat[len(lat)-1])
		slices.Sort(enc)
		slices.Sort(dec)
		r.EncodeMedianMs, r.DecodeMedianMs = ptr(percentile(enc, 50)), ptr(percentile(dec, 50))
	}
	if len(vr.Sent) > 0 {
		injected := make(map[int]int64, len(hr.Injected))
		for _, in := range hr.Injected {
			if _, dup := injected[in.Seq]; !dup {
				injected[in.Seq] = in.At
			}
		}
		var in []float64
		for _, s := range vr.Sent {
			at, ok := injected[s.Seq]
			if !ok {
				r.InputLost++
				continue
			}
			in = append(in, float64(at-s.At)/1e6)
		}
		r.InputSent = len(vr.Sent)
		if len(in) > 0 {
			slices.Sort(in)
			r.InputMedianMs, r.InputP99Ms = ptr(percentile(in, 50)), ptr(percentile(in, 99))
		}
	}
	return r
}

// goals holds the targets of issue 4 (2-core machine, loopback, 1080p).
var goals = struct {
	smallMedian, smallP99 float64 // ms
	fullMedian, fullP99   float64 // ms
	inputP99              float64 // ms
	throughput            float64 // Mbit/s
	idleCPU               float64 // % of a core
	impairedFPS           float64
	impairedRTTs          float64 // latency within this many round trips of unimpaired
}{5, 12, 15, 30, 1, 400, 2, 25, 2}

func find(results []phaseResult, phase, path string) *phaseResult {
	for i := range results {
		if results[i].Phase == phase && results[i].Path == path {
			return &results[i]
		}
	}
	return nil
}

func latencyMeasure(name string, r *phaseResult, medGoal, p99Goal float64) measure {
	m := measure{Kind: "measure", Name: name, Median: r.LatencyMedianMs, P99: r.LatencyP99Ms, Value: ptr(r.FPS), Unit: "ms", ValueUnit: "fps"}
	if medGoal > 0 {
		m.Goal = fmt.Sprintf("median <= %g ms, p99 <= %g ms", medGoal, p99Goal)
		m.Met = ptr(r.LatencyMedianMs != nil && *r.LatencyMedianMs <= medGoal && *r.LatencyP99Ms <= p99Goal)
	}
	return m
}

// measures evaluates the goals from the probe's and the phases' results.
func measures(probes []probeResult, results []phaseResult, imp *impairment) []measure {
	var out []measure
	if imp == nil {
		if r := find(results, phaseTyping, pathLoopback); r != nil {
			out = append(out, latencyMeasure("small change (typing): capture to applied", r, goals.smallMedian, goals.smallP99))
		}
		if r := find(results, phaseScroll, pathLoopback); r != nil {
			out = append(out, latencyMeasure("scrolling: capture to applied", r, 0, 0))
		}
		if r := find(results, phaseFull, pathLoopback); r != nil {
			out = append(out, latencyMeasure("full-screen change: capture to applied", r, goals.fullMedian, goals.fullP99))
		}
		if r := find(results, phaseInput, pathLoopback); r != nil {
			m := measure{Kind: "measure", Name: "input: viewer send to injected", Median: r.InputMedianMs, P99: r.InputP99Ms,
				Value: ptr(float64(r.InputSent - r.InputLost)), Unit: "ms", ValueUnit: fmt.Sprintf("of %d moves injected", r.InputSent),
				Goal: fmt.Sprintf("p99 <= %g ms, none lost", goals.inputP99)}
			m.Met = ptr(r.InputP99Ms != nil && *r.InputP99Ms <= goals.inputP99 && r.InputLost == 0 && r.InputSent > 0)
			out = append(out, m)
		}
		out = append(out, probeMeasures(probes)...)
		if r := find(results, phaseThroughput, pathLoopback); r != nil {
			// Capture, lossless encoding, transport and decoding together:
			// bound by the codec's CPU, not a goal of the transport.
			out = append(out, measure{Kind: "measure", Name: "session throughput (lossless noise)", Value: ptr(r.MbitPerSec),
				ValueUnit: "Mbit/s"})
		}
		if r := find(results, phaseIdle, pathLoopback); r != nil {
			m := measure{Kind: "measure", Name: "idle screen: host CPU", Value: r.HostCPU, ValueUnit: "% of a core",
				Goal: fmt.Sprintf("< %g %%", goals.idleCPU)}
			if r.HostCPU != nil {
				m.Met = ptr(*r.HostCPU < goals.idleCPU)
			}
			out = append(out, m)
		}
		if m, ok := exactMeasure("viewer's picture exact after every phase", results, pathLoopback); ok {
			out = append(out, m)
		}
		return out
	}

	for _, phase := range []string{phaseTyping, phaseScroll} {
		base, r := find(results, phase, pathVNet), find(results, phase, pathImpaired)
		if base != nil {
			out = append(out, latencyMeasure(phase+", unimpaired vnet: capture to applied", base, 0, 0))
		}
		if r == nil {
			continue
		}
		out = append(out, measure{Kind: "measure", Name: phase + ", impaired: frames per second", Value: ptr(r.FPS), ValueUnit: "fps",
			Goal: fmt.Sprintf(">= %g fps", goals.impairedFPS), Met: ptr(r.FPS >= goals.impairedFPS)})
		m := measure{Kind: "measure", Name: phase + ", impaired: capture to applied", Median: r.LatencyMedianMs, P99: r.LatencyP99Ms,
			Unit: "ms", Goal: "median within 2 RTT of unimpaired"}
		if base != nil && base.LatencyMedianMs != nil && r.LatencyMedianMs != nil {
			// The path's round trip: the delay added, else what the
			// unimpaired pings measured.
			rtt := ms(imp.RTT)
			if rtt == 0 {
				rtt = base.RTTMs
			}
			limit := *base.LatencyMedianMs + goals.impairedRTTs*rtt
			m.Goal = fmt.Sprintf("median <= %.1f + %g x %.1f = %.1f ms", *base.LatencyMedianMs, goals.impairedRTTs, rtt, limit)
			m.Met = ptr(*r.LatencyMedianMs <= limit)
		}
		out = append(out, m)
	}
	if m, ok := exactMeasure("impaired: viewer's picture exact after every phase", results, pathImpaired); ok {
		out = append(out, m)
	}
	return out
}

func findProbe(probes []probeResult, settings string) *probeResult {
	for i := range probes {
		if probes[i].Settings == settings {
			return &probes[i]
		}
	}
	return nil
}

// probeMeasures are the data-channel throughput goal, measured by the
// probe with deskhand's settings, and pion's defaults beside it.
func probeMeasures(probes []probeResult) []measure {
	var out []measure
	ours, unbatched, pion := findProbe(probes, probeOurs), findProbe(probes, probeUnbatched), findProbe(probes, probePion)
	if ours != nil && ours.PingMedianMs != nil {
		// Beside the input goal: what the transport alone takes for the
		// same messages at the same pace, with nothing else running.
		out = append(out, measure{Kind: "measure", Name: "  the transport alone: probe's small messages, send to delivered",
			Median: ours.PingMedianMs, P99: ours.PingP99Ms, Unit: "ms", Value: ptr(float64(ours.Pings)),
			ValueUnit: fmt.Sprintf("messages of %d B every %v", pingBytes, pingInterval)})
	}
	if ours != nil {
		out = append(out, measure{Kind: "measure", Name: "data-channel throughput", Value: ptr(ours.MbitPerSec),
			ValueUnit: fmt.Sprintf("Mbit/s (%s messages)", formatBytes(ours.MessageBytes)),
			Goal:      fmt.Sprintf(">= %g Mbit/s", goals.throughput), Met: ptr(ours.MbitPerSec >= goals.throughput)})
	}
	// The baselines, each with what deskhand's settings carry more.
	for _, b := range []struct {
		p          *probeResult
		name, gain string
	}{{unbatched, "UDP unbatched", "batching"}, {pion, "pion defaults", "deskhand's settings"}} {
		if b.p == nil {
			continue
		}
		unit := fmt.Sprintf("Mbit/s (%s messages)", formatBytes(b.p.MessageBytes))
		if ours != nil && b.p.MbitPerSec > 0 {
			unit += fmt.Sprintf("; %s: %.1fx", b.gain, ours.MbitPerSec/b.p.MbitPerSec)
		}
		out = append(out, measure{Kind: "measure", Name: "data-channel throughput, " + b.name, Value: ptr(b.p.MbitPerSec),
			ValueUnit: unit})
	}
	return out
}

func exactMeasure(name string, results []phaseResult, path string) (measure, bool) {
	n, bad := 0, 0
	for _, r := range results {
		if r.Path == path {
			n++
			if !r.Exact {
				bad++
			}
		}
	}
	if n == 0 {
		return measure{}, false
	}
	return measure{Kind: "measure", Name: name, Value: ptr(float64(bad)), ValueUnit: "phases not exact",
		Goal: "0", Met: ptr(bad == 0)}, true
}

// writeJSON writes the run, its probes, its phases and its measures, one
// JSON object per line.
func writeJSON(w io.Writer, info runInfo, probes []probeResult, results []phaseResult, ms []measure) error {
	enc := json.NewEncoder(w)
	if err := enc.Encode(info); err != nil {
		return err
	}
	for _, p := range probes {
		if err := enc.Encode(p); err != nil {
			return err
		}
	}
	for _, r := range results {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}

func formatBytes(n int) string {
	switch {
	case n == 0:
		return "-"
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func fmtF(v *float64, format string) string {
	if v == nil || math.IsNaN(*v) {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

// writeTable writes the run as text for people: a heading, the goals, the
// probe's runs, then one row per phase.
func writeTable(w io.Writer, info runInfo, probes []probeResult, results []phaseResult, ms []measure) error {
	fmt.Fprintf(w, "deskhand e2e: %s %dx%d, %s; %.3gs phases, host capture cap %d fps, %d CPUs; injector %s\n",
		info.Screen, info.Width, info.Height, info.Processes, info.PhaseSeconds, info.FPSCap, info.CPUs, info.Injector)
	if info.Impair != "" {
		fmt.Fprintf(w, "impairment: %s\n", info.Impair)
	}
	for _, n := range info.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "measure\tmedian\tp99\tvalue\tgoal\tmet")
	for _, m := range ms {
		unit := ""
		if m.Unit != "" {
			unit = " " + m.Unit
		}
		value := "-"
		if m.Value != nil {
			value = strconv.FormatFloat(math.Round(*m.Value*10)/10, 'f', -1, 64)
		}
		if m.Value != nil {
			value += " " + m.ValueUnit
		}
		met := "-"
		if m.Met != nil {
			met = "yes"
			if !*m.Met {
				met = "NO"
			}
		}
		goal := m.Goal
		if goal == "" {
			goal = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Name, fmtF(m.Median, "%.2f")+unit, fmtF(m.P99, "%.2f")+unit, value, goal, met)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(probes) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "probe\tmessage\tseconds\treceived\tMbit/s\tsender CPU %\treceiver CPU %\tUDP drops\tpings\tping med ms\tping p99 ms\ttransport")
		for _, p := range probes {
			drops := "-"
			if p.UDPDrops != nil {
				drops = strconv.FormatInt(*p.UDPDrops, 10)
			}
			fmt.Fprintf(tw, "%s\t%s\t%.1f\t%s\t%.1f\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", p.Settings, formatBytes(p.MessageBytes), p.Seconds,
				formatBytes(int(p.Bytes)), p.MbitPerSec, fmtF(p.SenderCPU, "%.1f"), fmtF(p.ReceiverCPU, "%.1f"), drops,
				p.Pings, fmtF(p.PingMedianMs, "%.3f"), fmtF(p.PingP99Ms, "%.3f"), p.Transport)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tpath\tseconds\tchanges\tupdates\tfps\tlat med ms\tlat p99 ms\tlat max ms\tenc med ms\tdec med ms\tlargest\tMbit/s\tsuperseded\tinput med ms\tinput p99 ms\thost CPU %\tviewer CPU %\tRTT ms\tquality\texact\t")
	for _, r := range results {
		exact := "yes"
		if r.ExactAfterMs != nil {
			exact = fmt.Sprintf("after %.0f ms", *r.ExactAfterMs)
		}
		if !r.Exact {
			exact = "NO: " + r.NotExact
		}
		quality := "-"
		if r.Quality != nil {
			quality = "lossless"
			if *r.Quality > 0 {
				quality = fmt.Sprint(*r.Quality)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%.1f\t%d\t%s\t%s\t%s\t%s\t%.2f\t%s\t%s\t\n",
			r.Phase, r.Path, r.Seconds, r.Changes, r.Updates, r.FPS,
			fmtF(r.LatencyMedianMs, "%.2f"), fmtF(r.LatencyP99Ms, "%.2f"), fmtF(r.LatencyMaxMs, "%.2f"),
			fmtF(r.EncodeMedianMs, "%.2f"), fmtF(r.DecodeMedianMs, "%.2f"), formatBytes(r.MaxBytes), r.MbitPerSec, r.Superseded, fmtF(r.InputMedianMs, "%.3f"), fmtF(r.InputP99Ms, "%.3f"),
			fmtF(r.HostCPU, "%.1f"), fmtF(r.ViewerCPU, "%.1f"), r.RTTMs, quality, exact)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeUpdates(w, results)
}

// writeUpdates lists the updates of the phases that have them (--frames),
// a table per phase.
func writeUpdates(w io.Writer, results []phaseResult) error {
	for _, r := range results {
		if len(r.Frames) == 0 {
			continue
		}
		fmt.Fprintf(w, "\nupdates of %s over %s (rest: latency less encoding and decoding)\n", r.Phase, r.Path)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "captured at ms\tbytes\tkey\tsuperseded\tlatency ms\tencode ms\tdecode ms\trest ms\t")
		for _, u := range r.Frames {
			key := "-"
			if u.Key {
				key = "key"
			}
			fmt.Fprintf(tw, "%.1f\t%d\t%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t\n", u.AtMs, u.Bytes, key, u.Superseded, u.LatencyMs, u.EncodeMs, u.DecodeMs, u.RestMs)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
