package rdp

import (
	"sync"
	"time"
)

// Flow control. The host never queues frames for a viewer: it sends the
// next update only when the link has room, and an update always carries
// every change made since the previous one (the viewer's encoder compares
// against what it last sent), so a frame that could not go is superseded,
// not delayed.
//
// "Room" is measured, not configured. The viewer acknowledges every screen
// message once applied; the host keeps what is in flight and estimates the
// link's delivery rate from the acknowledgements (the delivered bytes
// between a message's send and its ack, over that time, as BBR does) and
// the round-trip time from pings. It sends while fewer than maxInFlight
// messages and fewer bytes than one bandwidth-delay product plus two
// frames are in flight; one message may always be in flight, so a large
// key frame on a slow link still goes.
//
// Quality follows the same signal. Photographic regions that change are
// sent as JPEG (quality 85 on a clear link) and refined to lossless by the
// codec once they have been still for a moment, as TigerVNC and Guacamole
// do: a changing photograph sent losslessly costs megabytes and a tenth of
// a second even on loopback. When frames are superseded because the link
// is full, the quality steps down; when the link has stayed clear for a
// while, it steps back up. A viewer (or host) that asks for lossless gets
// lossless only. Text and flat regions are lossless at every step. The
// refinement takes at most half of the bandwidth (refineRate): sent as fast
// as the codec spreads it, a refined photograph is a megabyte that would
// hold up a second of typing on a 10 Mbit/s link.

const (
	maxInFlight    = 4                      // messages
	minWindow      = 128 << 10              // bytes
	rateWindow     = 2 * time.Second        // delivery-rate samples kept for the max filter
	evalEvery      = 500 * time.Millisecond // quality decisions
	calmBeforeUp   = 2 * time.Second        // a clear link for this long raises quality
	defaultRTTSeed = 100 * time.Millisecond // before any measurement
)

// qualityLadder are the JPEG qualities the host steps through, for
// photographic regions while they change.
var qualityLadder = [...]int{85, 70, 55, 40, 30, 20}

type inFlight struct {
	n             uint32 // message count when sent (1 for the first message)
	bytes         int
	at            time.Time
	deliveredThen int64     // bytes delivered when it was sent
	deliveredAt   time.Time // when deliveredThen was reached
}

type rateSample struct {
	at   time.Time
	rate float64 // bytes per second
}

// flow is the host's view of one viewer's link. Safe for concurrent use.
type flow struct {
	mu            sync.Mutex
	frameInterval time.Duration

	sent      uint32 // messages sent
	acked     uint32 // messages acknowledged
	queue     []inFlight
	queued    int // bytes in queue
	delivered int64
	lastAckAt time.Time
	samples   []rateSample

	srtt    time.Duration
	minRTT  time.Duration
	haveRTT bool

	// quality
	level      int
	lossless   bool // the viewer (or the host) wants lossless only
	hostMax    int  // the host's cap on quality steps: never above this level index
	blocked    int  // ticks blocked since the last evaluation
	lastEval   time.Time
	calmSince  time.Time
	viewerFPS  int
	lastSentAt time.Time

	// the highest bandwidth measured lately, for refineRate
	capacity   float64
	capacityAt time.Time

	// statistics
	superseded      uint32 // since the last message
	totalSuperseded uint64
	meter           meter
}

func newFlow(frameInterval time.Duration, lossless bool, now time.Time) *flow {
	return &flow{frameInterval: frameInterval, lossless: lossless, lastEval: now, calmSince: now, hostMax: len(qualityLadder) - 1}
}

// ready reports whether a new message may be sent to this viewer now.
func (f *flow) ready(now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	// Half a capture interval of slack: captures come on the host's clock,
	// and a cap of 10 fps must not become 7.5 at 30 fps captures.
	if f.viewerFPS > 0 && now.Sub(f.lastSentAt) < time.Second/time.Duration(f.viewerFPS)-f.frameInterval/2 {
		return false
	}
	n := len(f.queue)
	if n == 0 {
		return true
	}
	return n < maxInFlight && f.queued < f.windowLocked()
}

// windowLocked is how many bytes may be in flight: the bandwidth-delay
// product plus two frame intervals of data, so the link stays busy while
// the latency added stays below a round trip and two frames.
func (f *flow) windowLocked() int {
	rtt := defaultRTTSeed
	if f.haveRTT {
		rtt = f.srtt
	}
	w := int(f.bandwidthLocked(time.Time{}) * (rtt + 2*f.frameInterval).Seconds())
	return max(w, minWindow)
}

// inFlight returns the messages and bytes sent and not yet acknowledged,
// and the window they are measured against.
func (f *flow) inFlight() (messages, bytes, window int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue), f.queued, f.windowLocked()
}

// skipped counts a captured frame this viewer could not take.
func (f *flow) skipped() {
	f.mu.Lock()
	f.superseded++
	f.totalSuperseded++
	f.blocked++
	f.mu.Unlock()
}

// onSent records a message handed to the transport and returns the
// superseded count to put in its header.
func (f *flow) onSent(bytes int, now time.Time) uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sent++
	deliveredAt := f.lastAckAt
	if len(f.queue) == 0 || deliveredAt.IsZero() {
		// The link was idle: the delivery clock starts now, so the time the
		// link spent with nothing to do does not count against its rate.
		deliveredAt = now
	}
	f.queue = append(f.queue, inFlight{n: f.sent, bytes: bytes, at: now, deliveredThen: f.delivered, deliveredAt: deliveredAt})
	f.queued += bytes
	f.lastSentAt = now
	f.meter.add(now, bytes)
	s := f.superseded
	f.superseded = 0
	return s
}

// onAck takes the viewer's count of messages received. A count ahead of
// what was sent (a confused or hostile viewer) acknowledges everything
// and returns false: it can only hurt that viewer's own pictures.
func (f *flow) onAck(count uint32, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	ok := true
	if count-f.acked > f.sent-f.acked { // modular: ahead of what was sent
		count, ok = f.sent, false
	}
	for len(f.queue) > 0 && int32(count-f.queue[0].n) >= 0 {
		m := f.queue[0]
		f.queue = f.queue[1:]
		f.queued -= m.bytes
		f.delivered += int64(m.bytes)
		if d := now.Sub(m.deliveredAt); d > 0 {
			// With one message in flight the elapsed time includes a whole
			// round trip of propagation, which is not the link's rate: take
			// it out when transmission clearly dominates (else the small
			// remainder would inflate the estimate).
			if f.haveRTT && d-f.minRTT >= d/4 {
				d -= f.minRTT
			}
			f.samples = append(f.samples, rateSample{at: now, rate: float64(f.delivered-m.deliveredThen) / d.Seconds()})
		}
		if rtt := now.Sub(m.at); m.bytes <= 16<<10 {
			// A small message's ack is a round trip (plus decoding).
			f.rttSampleLocked(rtt)
		}
	}
	if len(f.queue) == 0 {
		f.queue = f.queue[:0:0] // let the backing array go once drained
	}
	f.acked = count
	f.lastAckAt = now
	return ok
}

// onRTT takes a round-trip sample from a ping.
func (f *flow) onRTT(rtt time.Duration) {
	f.mu.Lock()
	f.rttSampleLocked(rtt)
	f.mu.Unlock()
}

func (f *flow) rttSampleLocked(rtt time.Duration) {
	if rtt <= 0 {
		rtt = time.Microsecond
	}
	if !f.haveRTT {
		f.srtt, f.minRTT, f.haveRTT = rtt, rtt, true
		return
	}
	f.srtt += (rtt - f.srtt) / 8
	f.minRTT = min(f.minRTT, rtt)
}

// bandwidthLocked is the highest delivery rate measured over the last
// rateWindow (bytes per second), 0 when unknown. A zero now means "do not
// prune".
func (f *flow) bandwidthLocked(now time.Time) float64 {
	if !now.IsZero() {
		i := 0
		for i < len(f.samples) && now.Sub(f.samples[i].at) > rateWindow {
			i++
		}
		f.samples = append(f.samples[:0], f.samples[i:]...)
	}
	best := 0.0
	for _, s := range f.samples {
		best = max(best, s.rate)
	}
	return best
}

// quality returns the JPEG quality for the next message (0: lossless),
// stepping it from what the link showed since the last call.
func (f *flow) quality(now time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lossless {
		f.level = 0
		return 0 // lossless
	}
	if now.Sub(f.lastEval) >= evalEvery {
		f.bandwidthLocked(now) // prune old samples
		if f.blocked >= 2 {
			f.level = min(f.level+1, f.hostMax)
			f.calmSince = now
		} else if f.blocked == 0 && now.Sub(f.calmSince) >= calmBeforeUp && f.level > 0 {
			f.level--
			f.calmSince = now
		} else if f.blocked > 0 {
			f.calmSince = now
		}
		f.blocked = 0
		f.lastEval = now
	}
	return qualityLadder[f.level]
}

// refineShare is the share of the measured bandwidth that the lossless
// refinement of lossy regions may take: the rest stays for what changes
// meanwhile (typing behind a photograph being refined).
const refineShare = 0.5

// capacityMemory is how long refineRate remembers the highest bandwidth
// measured. The refinement's own messages are small and spaced out, so the
// rates measured while it runs understate the link; taking them as the
// link's would slow the refinement further at every step.
const capacityMemory = 10 * time.Second

// refineRate is the bytes a second the codec may spend refining, 0 (no
// limit) while the bandwidth is unknown.
func (f *flow) refineRate(now time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	bw := f.bandwidthLocked(now)
	if bw >= f.capacity || now.Sub(f.capacityAt) > capacityMemory {
		f.capacity, f.capacityAt = bw, now
	}
	return int(f.capacity * refineShare)
}

func (f *flow) qualityLocked() int {
	if f.lossless {
		return 0
	}
	return qualityLadder[f.level]
}

// setPrefs applies the viewer's preferences.
func (f *flow) setPrefs(maxFPS int, lossless bool) {
	f.mu.Lock()
	f.viewerFPS, f.lossless = maxFPS, lossless
	f.mu.Unlock()
}

// stats fills the link part of a viewer's statistics.
func (f *flow) stats(now time.Time) LinkStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	fps, bps := f.meter.rates(now)
	return LinkStats{
		RTT:        f.srtt,
		Bandwidth:  int64(f.bandwidthLocked(now) * 8),
		Bitrate:    int64(bps * 8),
		FPS:        fps,
		Quality:    f.qualityLocked(),
		InFlight:   f.queued,
		Superseded: f.totalSuperseded,
	}
}

// LinkStats describe a host's link to one viewer.
type LinkStats struct {
	RTT        time.Duration // smoothed round-trip time (pings and acknowledgements)
	Bandwidth  int64         // the highest delivery rate measured over the last two seconds, bits/s
	Bitrate    int64         // screen data sent over the last second, bits/s
	FPS        float64       // screen updates sent over the last second
	Quality    int           // JPEG quality of changing photographic regions now; 0 means lossless only
	InFlight   int           // bytes sent and not yet acknowledged
	Superseded uint64        // captured frames this viewer could not take (their changes went in a later update)
}

// meter counts events and bytes over the last whole second.
type meter struct {
	start             time.Time
	n, bytes          int
	lastN, lastBytes  int
	lastStart, lastAt time.Time
}

func (m *meter) roll(now time.Time) {
	if m.start.IsZero() {
		m.start = now
		return
	}
	if now.Sub(m.start) < time.Second {
		return
	}
	if now.Sub(m.start) >= 2*time.Second {
		m.lastN, m.lastBytes = 0, 0 // a whole idle second went by
	} else {
		m.lastN, m.lastBytes = m.n, m.bytes
	}
	m.lastStart, m.lastAt = m.start, now
	m.n, m.bytes, m.start = 0, 0, now
}

func (m *meter) add(now time.Time, bytes int) {
	m.roll(now)
	m.n++
	m.bytes += bytes
}

// rates returns events and bytes per second over the last complete second.
func (m *meter) rates(now time.Time) (perSec, bytesPerSec float64) {
	m.roll(now)
	if m.lastAt.IsZero() {
		if d := now.Sub(m.start).Seconds(); d > 0.25 {
			return float64(m.n) / d, float64(m.bytes) / d
		}
		return 0, 0
	}
	d := m.lastAt.Sub(m.lastStart).Seconds()
	return float64(m.lastN) / d, float64(m.lastBytes) / d
}

// clockOffset estimates how far the host's clock is ahead of ours, from
// ping round trips: the host answered at its time At, which is ours at the
// round trip's middle. The sample with the shortest round trip over the
// last minute wins (the least queueing, the least error).
type clockOffset struct {
	offset  time.Duration
	bestRTT time.Duration
	bestAt  time.Time
	rtt     time.Duration // smoothed
	have    bool
}

func (c *clockOffset) sample(sent, hostAt, now time.Time) {
	rtt := now.Sub(sent)
	if rtt < 0 {
		return
	}
	if c.rtt == 0 {
		c.rtt = rtt
	} else {
		c.rtt += (rtt - c.rtt) / 8
	}
	if !c.have || rtt <= c.bestRTT || now.Sub(c.bestAt) > time.Minute {
		c.offset = hostAt.Sub(sent.Add(rtt / 2))
		c.bestRTT, c.bestAt, c.have = rtt, now, true
	}
}

// local converts a time of the host's clock to ours.
func (c *clockOffset) local(host time.Time) time.Time { return host.Add(-c.offset) }
