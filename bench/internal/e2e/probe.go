package e2e

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/deskhand/deskhand/internal/peerapi"
)

// The raw data-channel probe measures the transport alone: two child
// processes (this program's e2e-host and e2e-viewer with --probe) open one
// peer connection on loopback, introduced by the parent relaying offer and
// answer, and the sender writes messages the size of rdp's screen
// fragments as fast as the same flow control as rdp's host allows. It runs
// with deskhand's transport settings (internal/peerapi, what sessions use),
// with the same settings but datagram-by-datagram UDP, and with pion's
// defaults, so that what the settings and the batching buy shows.

// maxProbeMessage is the largest probe message: pion refuses to send
// larger ones to a peer that does not say it takes them, and browsers take
// 256 KiB.
const maxProbeMessage = 1 << 20

// probeResult is what one probe run measured: one JSON line, one table
// row.
type probeResult struct {
	Kind         string  `json:"kind"`     // "probe"
	Settings     string  `json:"settings"` // probeOurs, probeUnbatched or probePion
	Transport    string  `json:"transport"`
	MessageBytes int     `json:"messageBytes"`
	HighWater    int     `json:"highWaterBytes"` // the sender's flow control; it resumes below half
	Seconds      float64 `json:"seconds"`        // the sender's, until all was delivered
	Bytes        int64   `json:"bytes"`          // received
	Messages     int     `json:"messages"`       // received
	// MbitPerSec is the receiver's rate from its first message's arrival
	// to its last's (the first message's bytes excluded).
	MbitPerSec  float64  `json:"mbitPerSec"`
	SenderCPU   *float64 `json:"senderCpuPct,omitempty"`
	ReceiverCPU *float64 `json:"receiverCpuPct,omitempty"`
	// UDPDrops is how many UDP datagrams the kernel dropped for want of
	// socket buffer space (RcvbufErrors in /proc/net/snmp) during the run,
	// machine-wide; nil where the counter is not readable. Each drop costs
	// SCTP a retransmission and halves its congestion window. The kernel
	// counts what it drops as it received it: with deskhand's batching
	// (internal/udpbatch, receive offload), a run of up to 64 datagrams
	// that arrived as one counts once.
	UDPDrops *int64 `json:"udpRcvbufErrors,omitempty"`
	// Pings: small messages every pingInterval after the throughput run,
	// on the same channel; their time from send to delivery.
	Pings        int      `json:"pings,omitempty"` // delivered
	PingMedianMs *float64 `json:"pingMedianMs,omitempty"`
	PingP99Ms    *float64 `json:"pingP99Ms,omitempty"`
}

// probeTransport describes what settings give the probe's transport.
func probeTransport(settings string) string {
	if settings == probePion {
		return "pion defaults: SCTP receive buffer 1 MiB, pion's own UDP sockets with the kernel's default buffers (loopback candidates enabled, UDP4 only)"
	}
	batching := "batched (internal/udpbatch)"
	if settings == probeUnbatched {
		batching = "one datagram per system call"
	}
	return fmt.Sprintf("internal/peerapi: SCTP receive buffer %s, one UDP socket (ICE mux) with %s kernel buffers (capped by net.core.rmem_max %s), %s",
		formatBytes(peerapi.SCTPReceiveBuffer), formatBytes(peerapi.UDPSocketBuffer), sysctlBytes("/proc/sys/net/core/rmem_max"), batching)
}

// sysctlBytes reads a number of bytes from a /proc/sys file, "unknown"
// when it cannot.
func sysctlBytes(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return "unknown"
	}
	return formatBytes(n)
}

// runProbes runs the probe with deskhand's settings, then without its
// batching, then with pion's defaults.
func runProbes(ctx context.Context, cfg config, stderr io.Writer) ([]probeResult, error) {
	if cfg.profileDir != "" {
		if err := os.MkdirAll(cfg.profileDir, 0o755); err != nil {
			return nil, fmt.Errorf("--cpuprofile: %w", err)
		}
	}
	var out []probeResult
	for _, settings := range []string{probeOurs, probeUnbatched, probePion} {
		fmt.Fprintf(stderr, "e2e: data-channel probe (%s), %s messages for %v\n", settings, formatBytes(cfg.probeMessage), cfg.probe)
		r, err := runProbe(ctx, cfg, settings, stderr)
		if err != nil {
			return out, fmt.Errorf("data-channel probe (%s): %w", settings, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func runProbe(ctx context.Context, cfg config, settings string, stderr io.Writer) (probeResult, error) {
	args := func(role string) []string {
		a := []string{"--probe", settings, "--probe-message", strconv.Itoa(cfg.probeMessage), "--probe-buffered", strconv.Itoa(cfg.probeBuffered)}
		if cfg.profileDir != "" {
			a = append(a, "--cpuprofile", filepath.Join(cfg.profileDir, "probe-"+settings+"-"+role+".pprof"))
		}
		return a
	}
	drops0, dropsOK := udpRcvbufErrors()
	sender, offer, err := startChild(ctx, "host", args("sender"), os.Environ(), stderr)
	if err != nil {
		return probeResult{}, err
	}
	defer sender.close()
	receiver, _, err := startChild(ctx, "viewer", args("receiver"), os.Environ(), stderr)
	if err != nil {
		return probeResult{}, err
	}
	defer receiver.close()

	answer, err := receiver.call(ctx, request{Op: opAnswer, SDP: offer.SDP})
	if err != nil {
		return probeResult{}, err
	}
	if _, err := sender.call(ctx, request{Op: opConnect, SDP: answer.SDP}); err != nil {
		return probeResult{}, err
	}
	if _, err := receiver.call(ctx, request{Op: opBegin}); err != nil {
		return probeResult{}, err
	}
	sent, err := sender.call(ctx, request{Op: opSend, Duration: cfg.probe})
	if err != nil {
		return probeResult{}, err
	}
	if sent.Probe == nil {
		return probeResult{}, fmt.Errorf("%w: the probe sender's report is missing", ErrChild)
	}
	got, err := receiver.call(ctx, request{Op: opReport, Bytes: sent.Probe.Bytes})
	if err != nil {
		return probeResult{}, err
	}
	if got.Probe == nil {
		return probeResult{}, fmt.Errorf("%w: the probe receiver's report is missing", ErrChild)
	}
	r := summarizeProbe(settings, cfg.probeMessage, cfg.probeBuffered, *sent.Probe, *got.Probe)
	if drops1, ok := udpRcvbufErrors(); ok && dropsOK {
		r.UDPDrops = ptr(drops1 - drops0)
	}

	if _, err := receiver.call(ctx, request{Op: opBeginPings}); err != nil {
		return r, err
	}
	if sent, err = sender.call(ctx, request{Op: opPings, Duration: cfg.probe}); err != nil {
		return r, err
	}
	if sent.Probe == nil {
		return r, fmt.Errorf("%w: the probe sender's ping report is missing", ErrChild)
	}
	if got, err = receiver.call(ctx, request{Op: opReport, Bytes: sent.Probe.Bytes}); err != nil {
		return r, err
	}
	if got.Probe == nil {
		return r, fmt.Errorf("%w: the probe receiver's ping report is missing", ErrChild)
	}
	summarizePings(&r, got.Probe.LatencyMs)
	return r, nil
}

// summarizePings adds the pings' latencies to r.
func summarizePings(r *probeResult, latencyMs []float64) {
	r.Pings = len(latencyMs)
	if len(latencyMs) == 0 {
		return
	}
	sorted := slices.Clone(latencyMs)
	slices.Sort(sorted)
	r.PingMedianMs, r.PingP99Ms = ptr(percentile(sorted, 50)), ptr(percentile(sorted, 99))
}

// udpRcvbufErrors reads the kernel's count of UDP datagrams dropped for a
// full socket buffer (Linux), and whether it could.
func udpRcvbufErrors() (int64, bool) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, false
	}
	return parseRcvbufErrors(string(b))
}

// parseRcvbufErrors finds RcvbufErrors in the Udp lines of /proc/net/snmp:
// a line of names, then a line of values.
func parseRcvbufErrors(snmp string) (int64, bool) {
	var names []string
	for _, line := range strings.Split(snmp, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, name := range names {
			if name == "RcvbufErrors" && i < len(fields) {
				n, err := strconv.ParseInt(fields[i], 10, 64)
				return n, err == nil
			}
		}
		return 0, false
	}
	return 0, false
}

// summarizeProbe turns the two sides' reports into the probe's result.
func summarizeProbe(settings string, message, highWater int, sent, got probeSide) probeResult {
	r := probeResult{Kind: "probe", Settings: settings, Transport: probeTransport(settings), MessageBytes: message, HighWater: highWater,
		Seconds: sent.Seconds, Bytes: got.Bytes, Messages: got.Messages, SenderCPU: sent.CPU, ReceiverCPU: got.CPU}
	if span := time.Duration(got.Last - got.First); span > 0 && got.Messages > 1 {
		r.MbitPerSec = float64(got.Bytes-int64(got.FirstLen)) * 8 / span.Seconds() / 1e6
	}
	return r
}
