package e2e

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
)

// inputRec is one pointer move of the input phase: its sequence number and
// when it was sent (viewer) or injected (host), Unix nanoseconds.
type inputRec struct {
	Seq int   `json:"n"`
	At  int64 `json:"t"`
}

// frameRec is one update the viewer applied (rdp.FrameInfo), times in Unix
// nanoseconds.
type frameRec struct {
	// Captured is the host's own reading (rdp.FrameInfo.HostCaptured): host
	// and viewer share this machine's clock, and the clock offset the viewer
	// estimates through pings could be off by half a round trip, enough to
	// turn a small update's latency negative on a loaded machine.
	Captured   int64  `json:"c"`
	Applied    int64  `json:"a"`
	Bytes      int    `json:"b"`
	Superseded uint32 `json:"s,omitempty"`
	Key        bool   `json:"k,omitempty"`
	Encode     int64  `json:"e"` // the host's encoding time, ns
	Decode     int64  `json:"d"` // the viewer's decoding time, ns
}

// hostReport is what the host side measured over a phase.
type hostReport struct {
	CPU      *float64    `json:"cpu,omitempty"` // % of one core; nil: not measured
	Injected []inputRec  `json:"injected,omitempty"`
	Link     *linkReport `json:"link,omitempty"`
}

// linkReport is the host's view of the viewer's link at the end of a phase.
type linkReport struct {
	RTT        time.Duration `json:"rtt"`
	Bandwidth  int64         `json:"bandwidth"` // bits/s
	Quality    int           `json:"quality"`   // 0: lossless
	Superseded uint64        `json:"superseded"`
}

// viewerReport is what the viewer side measured over a phase.
type viewerReport struct {
	Start  int64      `json:"start"` // Unix ns
	End    int64      `json:"end"`
	Frames []frameRec `json:"frames"` // captured within [Start, End]
	CPU    *float64   `json:"cpu,omitempty"`
	Sent   []inputRec `json:"sent,omitempty"`
	// Received is the screen data the viewer received during the phase
	// (message fragments as they arrived, applied or not yet), bytes.
	Received int64         `json:"received"`
	SendErr  string        `json:"sendErr,omitempty"`
	RTT      time.Duration `json:"rtt"`
}

// The pointer moves of the input phase carry their sequence number in
// their coordinates, one pixel in from the screen's edges.
func encodeSeq(seq int, size image.Point) (x, y int) {
	w, h := max(size.X-2, 1), max(size.Y-2, 1)
	return 1 + seq%w, 1 + (seq/w)%h
}

func decodeSeq(x, y int, size image.Point) (int, bool) {
	w, h := max(size.X-2, 1), max(size.Y-2, 1)
	if x < 1 || x > w || y < 1 || y > h {
		return 0, false
	}
	return (y-1)*w + x - 1, true
}

// timedInjector notes when each pointer move of the input phase has been
// performed by the injector it wraps.
type timedInjector struct {
	inner input.Injector
	size  image.Point
	mu    sync.Mutex
	log   []inputRec
}

func (t *timedInjector) Inject(ctx context.Context, e input.Event) error {
	err := t.inner.Inject(ctx, e)
	if err == nil && e.Kind == input.MouseMove {
		at := time.Now().UnixNano()
		if seq, ok := decodeSeq(e.X, e.Y, t.size); ok {
			t.mu.Lock()
			t.log = append(t.log, inputRec{Seq: seq, At: at})
			t.mu.Unlock()
		}
	}
	return err
}

func (t *timedInjector) take() []inputRec {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := t.log
	t.log = nil
	return out
}

func (t *timedInjector) Close() error { return t.inner.Close() }

// hostAgent is the host side of the benchmark: an rdp.Host sharing a
// screen, with its CPU measured over each phase.
type hostAgent struct {
	host   *rdp.Host
	src    capture.Source
	inj    *timedInjector
	cpu    cpuMeter
	closer func() error // what else to release (the screen's connection)
}

// newHostAgent shares src and injects through inj; it owns both.
func newHostAgent(src capture.Source, inj input.Injector, size image.Point, opts ...rdp.Option) (*hostAgent, error) {
	ti := &timedInjector{inner: inj, size: size}
	h, err := rdp.NewHost(src, ti, opts...)
	if err != nil {
		_ = src.Close()
		_ = inj.Close()
		return nil, err
	}
	return &hostAgent{host: h, src: src, inj: ti}, nil
}

func (a *hostAgent) begin(context.Context) error {
	a.cpu = startCPU()
	a.inj.take()
	return nil
}

func (a *hostAgent) end(context.Context) (hostReport, error) {
	r := hostReport{CPU: a.cpu.percent(), Injected: a.inj.take()}
	if vs := a.host.Viewers(); len(vs) > 0 {
		l := vs[0].Link
		r.Link = &linkReport{RTT: l.RTT, Bandwidth: l.Bandwidth, Quality: l.Quality, Superseded: l.Superseded}
	}
	return r, nil
}

func (a *hostAgent) Close() error {
	err := a.host.Close()
	err = errors.Join(err, a.inj.Close(), a.src.Close())
	if a.closer != nil {
		err = errors.Join(err, a.closer())
	}
	return err
}

// viewerAgent is the viewer side: an rdp.Viewer whose applied updates are
// logged, and which moves the host's pointer during the input phase.
type viewerAgent struct {
	v    *rdp.Viewer
	size image.Point

	mu     sync.Mutex
	frames []frameRec
	last   time.Time // when the last update was applied
	// screen bytes received at the last lastUpdate call, and when that
	// count was first seen
	seenBytes int64
	seenAt    time.Time

	start    time.Time
	end      time.Time
	bytes0   int64 // screen bytes received before the phase
	received int64
	cpu      *float64
	meter    cpuMeter
	stopSend chan struct{}
	sendDone chan struct{}
	sent     []inputRec // owned by the sender until sendDone
	sendErr  error
}

// onFrame is the viewer's frame hook: it must not block.
func (a *viewerAgent) onFrame(f rdp.FrameInfo) {
	a.mu.Lock()
	a.last = f.Applied
	a.frames = append(a.frames, frameRec{Captured: f.HostCaptured.UnixNano(), Applied: f.Applied.UnixNano(),
		Bytes: f.Bytes, Superseded: f.Superseded, Key: f.Key, Encode: int64(f.Encode), Decode: int64(f.Decode)})
	a.mu.Unlock()
}

func (a *viewerAgent) waitStill(ctx context.Context, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, stillTimeout)
	defer cancel()
	if err := a.v.WaitStill(ctx, d); err != nil {
		return fmt.Errorf("waiting for the viewer's screen to be still for %v: %w", d, err)
	}
	return nil
}

// stillTimeout bounds a wait for a still screen: one that keeps changing
// after its source stopped is a failure to report, not to wait out.
const stillTimeout = 60 * time.Second

func (a *viewerAgent) setLossless(_ context.Context, on bool) error {
	return a.v.SetPrefs(0, on)
}

func (a *viewerAgent) begin(_ context.Context, phase string) error {
	a.mu.Lock()
	a.frames = a.frames[:0]
	a.mu.Unlock()
	a.start, a.end, a.cpu = time.Now(), time.Time{}, nil
	a.bytes0, a.received = a.v.Stats().Bytes, 0
	a.meter = startCPU()
	a.sent, a.sendErr = nil, nil
	if phase == phaseInput {
		a.stopSend, a.sendDone = make(chan struct{}), make(chan struct{})
		go a.sendLoop(a.stopSend, a.sendDone)
	}
	return nil
}

// inputInterval is how often the input phase moves the pointer.
const inputInterval = 10 * time.Millisecond

func (a *viewerAgent) sendLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(inputInterval)
	defer t.Stop()
	for seq := 0; ; seq++ {
		x, y := encodeSeq(seq, a.size)
		at := time.Now()
		if err := a.v.Send(input.Event{Kind: input.MouseMove, X: x, Y: y}); err != nil {
			a.sendErr = err
			return
		}
		a.sent = append(a.sent, inputRec{Seq: seq, At: at.UnixNano()})
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// stop ends the phase: the CPU span ends, the pointer stops, and once the
// host has performed every move sent, stop returns.
func (a *viewerAgent) stop(ctx context.Context) error {
	a.end = time.Now()
	a.cpu = a.meter.percent()
	a.received = a.v.Stats().Bytes - a.bytes0
	if a.stopSend == nil {
		return nil
	}
	close(a.stopSend)
	<-a.sendDone
	a.stopSend = nil
	ctx, cancel := context.WithTimeout(ctx, stillTimeout)
	defer cancel()
	if err := a.v.Sync(ctx); err != nil {
		return fmt.Errorf("waiting for the host to perform the input: %w", err)
	}
	return nil
}

// report returns the phase's measurements. Call it once the updates of the
// phase have arrived (the picture is the screen's).
func (a *viewerAgent) report(context.Context) (viewerReport, error) {
	r := viewerReport{Start: a.start.UnixNano(), End: a.end.UnixNano(), CPU: a.cpu, Sent: a.sent, RTT: a.v.Stats().RTT, Received: a.received}
	if a.sendErr != nil {
		r.SendErr = a.sendErr.Error()
	}
	a.mu.Lock()
	for _, f := range a.frames {
		if f.Captured >= r.Start && f.Captured <= r.End {
			r.Frames = append(r.Frames, f)
		}
	}
	a.mu.Unlock()
	return r, nil
}

// lastUpdate returns when the viewer last applied an update or, as far
// as successive calls can tell, received screen data for one (a large
// update on a slow link takes many seconds to arrive); zero before any.
func (a *viewerAgent) lastUpdate(context.Context) (time.Time, error) {
	b := a.v.Stats().Bytes
	a.mu.Lock()
	defer a.mu.Unlock()
	if b != a.seenBytes {
		a.seenBytes, a.seenAt = b, time.Now()
	}
	if a.seenAt.After(a.last) {
		return a.seenAt, nil
	}
	return a.last, nil
}

// snapshot returns the viewer's picture now, nil before the first one.
func (a *viewerAgent) snapshot(context.Context) (*image.RGBA, error) {
	return a.v.Snapshot(), nil
}

func (a *viewerAgent) Close() error {
	if a.stopSend != nil {
		close(a.stopSend)
		<-a.sendDone
		a.stopSend = nil
	}
	return a.v.Close()
}

// sceneScreen is a screen the benchmark draws its phases on, and whose
// picture it compares with the viewer's.
type sceneScreen struct {
	sc      *scene
	picture func() (*image.RGBA, error)
}

func (s *sceneScreen) setup(_ context.Context, phase string) error { return s.sc.setup(phase) }

func (s *sceneScreen) run(ctx context.Context, phase string, d time.Duration) (int, error) {
	return s.sc.run(ctx, phase, d)
}

func (s *sceneScreen) snapshot(context.Context) (*image.RGBA, error) { return s.picture() }
