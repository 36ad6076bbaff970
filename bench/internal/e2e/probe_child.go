package e2e

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/deskhand/deskhand/internal/peerapi"
	"github.com/pion/webrtc/v4"
)

// The probe's transport settings: deskhand's (internal/peerapi, what a
// session uses), the same without UDP batching (internal/udpbatch), or
// pion's defaults (only what loopback needs to connect).
const (
	probeOurs      = "deskhand"
	probeUnbatched = "unbatched"
	probePion      = "pion-defaults"
)

// Flow control of the probe's sender, as rdp's host does on its screen
// channel: it stops sending above a high-water mark of bytes queued
// (rdp: WithMaxBuffered, default 4 MiB) and resumes when the channel
// reports the queue below half of it (the bufferedAmountLow threshold).
const (
	defaultProbeBuffered = 4 << 20
	minProbeBuffered     = 256 << 10 // WithMaxBuffered's range
	maxProbeBuffered     = 256 << 20
)

// Operations of the probe's children.
const (
	opAnswer  = "answer"  // receiver: take the offer in SDP, reply with the answer
	opConnect = "connect" // sender: take the answer in SDP, wait for the channel to open
	opSend    = "send"    // sender: send for Duration, wait until all is delivered, report
	opPings   = "pings"   // sender: send a small timestamped message every pingInterval for Duration, report
	// opBeginPings (receiver): count from now, and time each message
	// from the timestamp it carries.
	opBeginPings = "begin-pings"
	// opBegin (receiver): count from now; opReport (receiver): wait for
	// Bytes, then report.
)

// probeConnectTimeout bounds ICE, DTLS and SCTP on loopback.
const probeConnectTimeout = 30 * time.Second

// probeDrainTimeout bounds the wait for what the sender queued to arrive.
const probeDrainTimeout = 60 * time.Second

// probeSide is what one probe child measured.
type probeSide struct {
	Bytes    int64    `json:"bytes"`    // sent, or received since begin
	Messages int      `json:"messages"` // the same, in messages
	First    int64    `json:"first"`    // receiver: first message's arrival, Unix ns
	FirstLen int      `json:"firstLen"` // receiver: its size
	Last     int64    `json:"last"`     // receiver: last message's arrival, Unix ns
	Seconds  float64  `json:"seconds"`  // sender: sending until all was delivered
	CPU      *float64 `json:"cpu,omitempty"`
	// LatencyMs (receiver, after begin-pings): each ping's time from its
	// send to its delivery, in milliseconds.
	LatencyMs []float64 `json:"latencyMs,omitempty"`
}

// probeFlags are the flags e2e-host and e2e-viewer take to play the
// probe's sender and receiver instead of a session's sides.
type probeFlags struct {
	settings   *string
	message    *int
	buffered   *int
	cpuProfile *string
}

func addProbeFlags(fs *flag.FlagSet) probeFlags {
	return probeFlags{
		settings:   fs.String("probe", "", "run the raw data-channel probe with these transport settings ("+probeOurs+", "+probeUnbatched+" or "+probePion+") instead of a session"),
		message:    fs.Int("probe-message", 0, "probe: bytes per message (sender)"),
		buffered:   fs.Int("probe-buffered", defaultProbeBuffered, "probe: the sender's high-water mark of bytes queued"),
		cpuProfile: fs.String("cpuprofile", "", "write a CPU profile of this process to this file"),
	}
}

func (f probeFlags) on() bool { return *f.settings != "" }

// probeAPI builds the pion API for settings; the closer releases its
// socket, if any.
func probeAPI(settings string) (*webrtc.API, io.Closer, error) {
	switch settings {
	case probeOurs:
		return peerapi.New(peerapi.Config{LoopbackOnly: true})
	case probeUnbatched:
		return peerapi.New(peerapi.Config{LoopbackOnly: true, UnbatchedUDP: true})
	case probePion:
		var se webrtc.SettingEngine
		peerapi.RestrictToLoopback(&se)
		se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
		return webrtc.NewAPI(webrtc.WithSettingEngine(se)), noSocket{}, nil
	}
	return nil, nil, fmt.Errorf("%w: --probe %q: want %s, %s or %s", ErrUsage, settings, probeOurs, probeUnbatched, probePion)
}

// noSocket is the closer of an API whose sockets pion opens and closes
// itself.
type noSocket struct{}

func (noSocket) Close() error { return nil }

// probePeer is one side of the probe: a peer connection and its socket.
type probePeer struct {
	pc   *webrtc.PeerConnection
	sock io.Closer
}

func newProbePeer(settings string) (*probePeer, error) {
	api, sock, err := probeAPI(settings)
	if err != nil {
		return nil, err
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		_ = sock.Close()
		return nil, fmt.Errorf("creating the peer connection: %w", err)
	}
	return &probePeer{pc: pc, sock: sock}, nil
}

func (p *probePeer) Close() error {
	err := p.pc.Close()
	if p.sock != nil {
		err = errors.Join(err, p.sock.Close())
	}
	return err
}

// localDescription sets d as the local description and returns it as JSON
// once ICE has gathered every candidate: the probe does not trickle.
func (p *probePeer) localDescription(ctx context.Context, d webrtc.SessionDescription) (string, error) {
	gathered := webrtc.GatheringCompletePromise(p.pc)
	if err := p.pc.SetLocalDescription(d); err != nil {
		return "", err
	}
	select {
	case <-gathered:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	b, err := json.Marshal(p.pc.LocalDescription())
	return string(b), err
}

func (p *probePeer) setRemote(sdp string) error {
	var d webrtc.SessionDescription
	if err := json.Unmarshal([]byte(sdp), &d); err != nil {
		return fmt.Errorf("%w: a bad session description: %w", ErrChild, err)
	}
	return p.pc.SetRemoteDescription(d)
}

// startProfile starts a CPU profile to path ("" : none); stop ends it.
func startProfile(path string) (stop func() error, err error) {
	if path == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// runProbeSender is e2e-host --probe: it offers a peer connection with one
// reliable, ordered data channel (as rdp's screen channel) and, asked to,
// sends messages on it as fast as flow control allows.
func runProbeSender(ctx context.Context, f probeFlags, stdin io.Reader, stdout io.Writer) error {
	p, err := newProbePeer(*f.settings)
	if err != nil {
		return err
	}
	defer p.Close()
	if *f.message < 1 || *f.message > maxProbeMessage {
		return fmt.Errorf("%w: --probe-message %d: want 1..%d", ErrUsage, *f.message, maxProbeMessage)
	}
	if *f.buffered < minProbeBuffered || *f.buffered > maxProbeBuffered {
		return fmt.Errorf("%w: --probe-buffered %d: want %d..%d", ErrUsage, *f.buffered, minProbeBuffered, maxProbeBuffered)
	}
	ordered := true
	dc, err := p.pc.CreateDataChannel("probe", &webrtc.DataChannelInit{Ordered: &ordered})
	if err != nil {
		return err
	}
	opened := make(chan struct{})
	dc.OnOpen(func() { close(opened) })
	low := make(chan struct{}, 1)
	dc.SetBufferedAmountLowThreshold(uint64(*f.buffered / 2))
	dc.OnBufferedAmountLow(func() {
		select {
		case low <- struct{}{}:
		default:
		}
	})
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return err
	}
	sdp, err := p.localDescription(ctx, offer)
	if err != nil {
		return fmt.Errorf("gathering candidates: %w", err)
	}
	if err := json.NewEncoder(stdout).Encode(reply{SDP: sdp}); err != nil {
		return err
	}
	msg := make([]byte, *f.message)
	for i := range msg {
		msg[i] = byte(i*131 + i>>8) // no pattern SCTP or DTLS could make cheaper
	}
	return serveLines(ctx, stdin, stdout, func(ctx context.Context, r request) (reply, error) {
		switch r.Op {
		case opConnect:
			if err := p.setRemote(r.SDP); err != nil {
				return reply{}, err
			}
			cctx, cancel := context.WithTimeout(ctx, probeConnectTimeout)
			defer cancel()
			select {
			case <-opened:
				return reply{}, nil
			case <-cctx.Done():
				return reply{}, fmt.Errorf("the probe's data channel did not open within %v", probeConnectTimeout)
			}
		case opSend:
			stop, err := startProfile(*f.cpuProfile)
			if err != nil {
				return reply{}, err
			}
			side, err := probeSend(ctx, dc, low, msg, uint64(*f.buffered), r.Duration)
			return reply{Probe: &side}, errors.Join(err, stop())
		case opPings:
			side, err := probePings(ctx, dc, r.Duration)
			return reply{Probe: &side}, err
		}
		return reply{}, fmt.Errorf("unknown request %q", r.Op)
	})
}

// probeSend sends msg on dc for d, sending only while at most highWater
// bytes are queued, then waits until everything queued has been
// acknowledged.
func probeSend(ctx context.Context, dc *webrtc.DataChannel, low <-chan struct{}, msg []byte, highWater uint64, d time.Duration) (probeSide, error) {
	cpu := startCPU()
	start := time.Now()
	deadline := start.Add(d)
	var side probeSide
	// A missed low-water signal must not stall the probe: re-check now and
	// then.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if dc.BufferedAmount() > highWater {
			select {
			case <-low:
			case <-tick.C:
			case <-ctx.Done():
				return side, ctx.Err()
			}
			continue
		}
		if err := dc.Send(msg); err != nil {
			return side, fmt.Errorf("sending: %w", err)
		}
		side.Bytes += int64(len(msg))
		side.Messages++
	}
	drain := time.Now().Add(probeDrainTimeout)
	for dc.BufferedAmount() > 0 {
		if time.Now().After(drain) {
			return side, fmt.Errorf("%d bytes still queued %v after sending ended", dc.BufferedAmount(), probeDrainTimeout)
		}
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
			return side, ctx.Err()
		}
	}
	side.Seconds = time.Since(start).Seconds()
	side.CPU = cpu.percent()
	return side, nil
}

// Pings: small messages as the input phase sends (an input event is a few
// tens of bytes) at its pace, each carrying its send time. Sender and
// receiver share this machine's clock, so the receiver times each one:
// what the transport alone costs a viewer's input, the floor under the
// input latency the session measures.
const (
	pingInterval = inputInterval
	pingBytes    = 24
)

// probePings sends a ping every pingInterval for d.
func probePings(ctx context.Context, dc *webrtc.DataChannel, d time.Duration) (probeSide, error) {
	var side probeSide
	t := time.NewTicker(pingInterval)
	defer t.Stop()
	deadline := time.Now().Add(d)
	msg := make([]byte, pingBytes)
	for {
		select {
		case <-ctx.Done():
			return side, ctx.Err()
		case now := <-t.C:
			if now.After(deadline) {
				return side, nil
			}
			binary.BigEndian.PutUint64(msg, uint64(time.Now().UnixNano()))
			if err := dc.Send(msg); err != nil {
				return side, fmt.Errorf("sending a ping: %w", err)
			}
			side.Bytes += pingBytes
			side.Messages++
		}
	}
}

// probeCounter counts what the receiver's data channel delivers.
type probeCounter struct {
	mu       sync.Mutex
	counting bool
	pings    bool // time each message from the send time it carries
	side     probeSide
	arrived  chan struct{} // a message arrived; buffered 1
}

func (c *probeCounter) onMessage(m webrtc.DataChannelMessage) {
	now := time.Now().UnixNano()
	c.mu.Lock()
	if c.counting {
		if c.side.Messages == 0 {
			c.side.First, c.side.FirstLen = now, len(m.Data)
		}
		c.side.Last = now
		c.side.Bytes += int64(len(m.Data))
		c.side.Messages++
		if c.pings && len(m.Data) >= 8 {
			sent := int64(binary.BigEndian.Uint64(m.Data))
			c.side.LatencyMs = append(c.side.LatencyMs, float64(now-sent)/1e6)
		}
	}
	c.mu.Unlock()
	select {
	case c.arrived <- struct{}{}:
	default:
	}
}

// runProbeReceiver is e2e-viewer --probe: it answers the sender's offer
// and counts the bytes its data channel delivers.
func runProbeReceiver(ctx context.Context, f probeFlags, stdin io.Reader, stdout io.Writer) error {
	p, err := newProbePeer(*f.settings)
	if err != nil {
		return err
	}
	defer p.Close()
	c := &probeCounter{arrived: make(chan struct{}, 1)}
	// The sender's channel opens when it has sent the channel's opening
	// message; this side learns of the channel once it has handled it, a
	// moment later (longer on a loaded machine).
	gotChannel := make(chan struct{})
	var once sync.Once
	p.pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		dc.OnMessage(c.onMessage)
		once.Do(func() { close(gotChannel) })
	})
	if err := json.NewEncoder(stdout).Encode(reply{}); err != nil {
		return err
	}
	var (
		cpu         cpuMeter
		stopProfile = func() error { return nil }
	)
	defer func() { _ = stopProfile() }()
	return serveLines(ctx, stdin, stdout, func(ctx context.Context, r request) (reply, error) {
		switch r.Op {
		case opAnswer:
			if err := p.setRemote(r.SDP); err != nil {
				return reply{}, err
			}
			answer, err := p.pc.CreateAnswer(nil)
			if err != nil {
				return reply{}, err
			}
			sdp, err := p.localDescription(ctx, answer)
			return reply{SDP: sdp}, err
		case opBegin, opBeginPings:
			t := time.NewTimer(probeConnectTimeout)
			select {
			case <-gotChannel:
				t.Stop()
			case <-t.C:
				return reply{}, fmt.Errorf("%w: the probe's data channel has not reached the receiver within %v", ErrChild, probeConnectTimeout)
			case <-ctx.Done():
				t.Stop()
				return reply{}, ctx.Err()
			}
			if r.Op == opBegin {
				if stopProfile, err = startProfile(*f.cpuProfile); err != nil {
					return reply{}, err
				}
			}
			c.mu.Lock()
			c.counting, c.pings, c.side = true, r.Op == opBeginPings, probeSide{}
			c.mu.Unlock()
			cpu = startCPU()
			return reply{}, nil
		case opReport:
			side, err := c.wait(ctx, r.Bytes)
			side.CPU = cpu.percent()
			err = errors.Join(err, stopProfile())
			stopProfile = func() error { return nil }
			return reply{Probe: &side}, err
		}
		return reply{}, fmt.Errorf("unknown request %q", r.Op)
	})
}

// wait returns the count once want bytes have arrived, or an error when
// nothing arrives for probeDrainTimeout.
func (c *probeCounter) wait(ctx context.Context, want int64) (probeSide, error) {
	for {
		c.mu.Lock()
		side := c.side
		c.mu.Unlock()
		if side.Bytes >= want {
			return side, nil
		}
		t := time.NewTimer(probeDrainTimeout)
		select {
		case <-c.arrived:
			t.Stop()
		case <-t.C:
			return side, fmt.Errorf("%w: %d of %d bytes arrived, then nothing for %v", ErrChild, side.Bytes, want, probeDrainTimeout)
		case <-ctx.Done():
			t.Stop()
			return side, ctx.Err()
		}
	}
}
