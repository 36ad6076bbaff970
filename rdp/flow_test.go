package rdp

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskhand/deskhand/codec"

	"github.com/stretchr/testify/require"
)

// A link of rate bytes/s and round trip rtt, simulated message by message:
// a message's ack comes back once its bytes have been through the link and
// half a round trip each way.
type simLink struct {
	rate     float64
	rtt      time.Duration
	busyTill time.Time
}

func (l *simLink) ackTime(sent time.Time, bytes int) time.Time {
	start := sent.Add(l.rtt / 2)
	if l.busyTill.After(start) {
		start = l.busyTill
	}
	l.busyTill = start.Add(time.Duration(float64(bytes) / l.rate * float64(time.Second)))
	return l.busyTill.Add(l.rtt / 2)
}

type pendingAck struct {
	at    time.Time
	count uint32
}

// runFlow drives a flow at 30 captures a second for d, each capture a
// message of size(i) bytes if the flow is ready, and returns how many
// went and the largest time a message spent in flight.
func runFlow(f *flow, l *simLink, d time.Duration, size func(i int) int) (sentN, skipped int, worst time.Duration, q int) {
	t0 := time.Unix(1000, 0)
	var acks []pendingAck
	sentAt := map[uint32]time.Time{}
	var count uint32
	for now, i := t0, 0; now.Sub(t0) < d; now, i = now.Add(time.Millisecond), i+1 {
		for len(acks) > 0 && !acks[0].at.After(now) {
			f.onAck(acks[0].count, acks[0].at)
			worst = max(worst, acks[0].at.Sub(sentAt[acks[0].count]))
			acks = acks[1:]
		}
		if i%500 == 0 {
			f.onRTT(l.rtt) // the pings
		}
		if i%33 != 0 { // about 30 captures a second
			continue
		}
		if !f.ready(now) {
			f.skipped()
			skipped++
			continue
		}
		q = f.quality(now)
		n := size(i)
		f.onSent(n, now)
		count++
		sentN++
		sentAt[count] = now
		acks = append(acks, pendingAck{at: l.ackTime(now, n), count: count})
	}
	return sentN, skipped, worst, q
}

func TestFlowSmallUpdatesFlowFreely(t *testing.T) {
	f := newFlow(time.Second/30, false, time.Unix(1000, 0))
	l := &simLink{rate: 10e6 / 8, rtt: 50 * time.Millisecond}
	sent, skipped, worst, q := runFlow(f, l, 5*time.Second, func(int) int { return 2000 })
	require.GreaterOrEqual(t, sent, 148, "typing-size updates at 30 fps over 10 Mbit/s, 50 ms")
	require.Zero(t, skipped)
	require.Less(t, worst, 2*l.rtt, "no queue grows")
	require.Equal(t, qualityLadder[0], q, "a clear link keeps the best quality")
	st := f.stats(time.Unix(1005, 0))
	require.InDelta(t, float64(l.rtt), float64(st.RTT), float64(10*time.Millisecond))
}

func TestFlowSupersedesInsteadOfQueueing(t *testing.T) {
	f := newFlow(time.Second/30, false, time.Unix(1000, 0))
	l := &simLink{rate: 10e6 / 8, rtt: 50 * time.Millisecond}
	// 200 KB frames at 30 fps want 48 Mbit/s: most must be superseded, and
	// what goes must not wait behind a queue.
	sent, skipped, worst, q := runFlow(f, l, 5*time.Second, func(int) int { return 200 << 10 })
	require.Greater(t, skipped, sent)
	require.Less(t, worst, 4*l.rtt+time.Duration(float64(2*200<<10)/l.rate*float64(time.Second)), "at most about two frames and a round trip in flight")
	require.Less(t, q, qualityLadder[0], "a full link lowers the quality")
	st := f.stats(time.Unix(1005, 0))
	require.InDelta(t, 10e6, float64(st.Bandwidth), 2e6, "delivery rate measured from acks")
	require.Equal(t, uint64(skipped), st.Superseded)
}

func TestFlowQualityComesBack(t *testing.T) {
	f := newFlow(time.Second/30, false, time.Unix(1000, 0))
	l := &simLink{rate: 10e6 / 8, rtt: 20 * time.Millisecond}
	big := true
	size := func(int) int {
		if big {
			return 300 << 10
		}
		return 1000
	}
	_, _, _, q := runFlow(f, l, 3*time.Second, size)
	require.Less(t, q, qualityLadder[0])
	big = false
	l.busyTill = time.Time{}
	// runFlow restarts its clock at t0: move the flow's clock on by hand.
	f2 := f
	f2.mu.Lock()
	f2.lastEval, f2.calmSince, f2.queue, f2.queued, f2.lastSentAt = time.Unix(1000, 0), time.Unix(1000, 0), nil, 0, time.Time{}
	f2.acked = f2.sent
	f2.lastAckAt = time.Time{}
	f2.mu.Unlock()
	_, _, _, q = runFlow(f2, l, 30*time.Second, size)
	require.Equal(t, qualityLadder[0], q, "back to the best quality once the link is clear")
}

func TestFlowLosslessAndFPSPrefs(t *testing.T) {
	f := newFlow(time.Second/30, false, time.Unix(1000, 0))
	f.setPrefs(10, true)
	l := &simLink{rate: 1e6 / 8, rtt: 20 * time.Millisecond}
	sent, _, _, q := runFlow(f, l, 3*time.Second, func(int) int { return 100 })
	require.Zero(t, q)
	require.InDelta(t, 30, sent, 2, "10 fps asked by the viewer")
}

func TestFlowAckAheadIsClamped(t *testing.T) {
	now := time.Unix(1000, 0)
	f := newFlow(time.Second/30, false, now)
	for range maxInFlight {
		require.True(t, f.ready(now))
		f.onSent(100, now)
	}
	require.False(t, f.ready(now), "at most maxInFlight messages in flight")
	require.False(t, f.onAck(9, now), "9 acknowledged, 4 sent")
	require.True(t, f.ready(now), "everything counts as delivered")
	f.onSent(100, now)
	require.True(t, f.onAck(5, now), "the next honest ack is fine")
	require.Zero(t, f.stats(now).InFlight)
}

func TestClockOffset(t *testing.T) {
	var c clockOffset
	base := time.Unix(5000, 0)
	hostAhead := 3 * time.Second
	// A slow sample, then a fast one: the fast one decides.
	c.sample(base, base.Add(hostAhead+40*time.Millisecond), base.Add(100*time.Millisecond))
	c.sample(base.Add(time.Second), base.Add(time.Second+hostAhead+time.Millisecond), base.Add(time.Second+2*time.Millisecond))
	got := c.local(base.Add(hostAhead))
	require.WithinDuration(t, base, got, time.Millisecond)
}

// photoPixels is a photograph-like RGBA picture: smooth shapes and grain,
// which the codec sends as JPEG while it changes and refines once still.
func photoPixels(w, h int) []byte {
	rng := rand.New(rand.NewPCG(3, 5))
	pix := make([]byte, 4*w*h)
	for y := range h {
		for x := range w {
			o := 4 * (y*w + x)
			fx, fy := float64(x), float64(y)
			pix[o] = byte(128 + 60*math.Sin(fx/37+fy/91) + float64(rng.IntN(24)))
			pix[o+1] = byte(128 + 60*math.Sin(fy/29-fx/113) + float64(rng.IntN(24)))
			pix[o+2] = byte(128 + 60*math.Cos((fx+fy)/53) + float64(rng.IntN(24)))
			pix[o+3] = 255
		}
	}
	return pix
}

// TestFlowRefinementLeavesRoomForChanges shows a photograph once over a
// simulated 10 Mbit/s, 50 ms link and keeps it still while the codec
// refines it to lossless. A change made at any moment of the refinement
// (typing behind the photo) must reach the viewer within the flow's promise
// (a round trip and two frames of queue), which the refinement, sent as
// fast as the codec spreads it, breaks.
func TestFlowRefinementLeavesRoomForChanges(t *testing.T) {
	const w, h = 1024, 576
	pix := photoPixels(w, h)
	l0 := simLink{rate: 10e6 / 8, rtt: 50 * time.Millisecond}
	frame := time.Second / 30
	run := func(limit bool) (worst time.Duration, refinedIn time.Duration) {
		enc, err := codec.NewEncoder(codec.WithQuality(40), codec.WithRefineDelay(100*time.Millisecond), codec.WithConcurrency(1))
		require.NoError(t, err)
		defer enc.Close()
		f := newFlow(frame, false, time.Unix(1000, 0))
		l := l0
		t0 := time.Unix(1000, 0)
		var acks []pendingAck
		var count uint32
		var pending []time.Time // changes not yet carried by a message
		var msg []byte
		lastLossy := t0
		for now, i := t0, 0; now.Sub(t0) < 30*time.Second; now, i = now.Add(time.Millisecond), i+1 {
			for len(acks) > 0 && !acks[0].at.After(now) {
				f.onAck(acks[0].count, acks[0].at)
				acks = acks[1:]
			}
			if i%500 == 0 {
				f.onRTT(l.rtt)
			}
			if i%33 != 0 {
				continue
			}
			if i > 0 {
				pending = append(pending, now) // a change the viewer must see
			}
			if !f.ready(now) {
				f.skipped()
				continue
			}
			enc.SetQuality(40)
			if limit {
				enc.SetRefineRate(f.refineRate(now))
			}
			msg, err = enc.Encode(msg[:0], codec.Image{Width: w, Height: h, Stride: 4 * w, Pix: pix, Format: codec.RGBA, Time: now}, false)
			require.NoError(t, err)
			if enc.LossyTiles() > 0 {
				lastLossy = now
			}
			n := len(msg) + 100 // the change itself
			f.onSent(n, now)
			count++
			ack := l.ackTime(now, n)
			acks = append(acks, pendingAck{at: ack, count: count})
			for _, c := range pending {
				worst = max(worst, ack.Add(-l.rtt/2).Sub(c))
			}
			pending = pending[:0]
			if enc.LossyTiles() == 0 && i > 0 {
				return worst, lastLossy.Sub(t0)
			}
		}
		t.Fatalf("limit %v: the photo was not refined in 30 s", limit)
		return 0, 0
	}
	worstLimited, tookLimited := run(true)
	worstFree, tookFree := run(false)
	t.Logf("refinement limited by the link: worst change latency %v, refined in %v; unlimited: %v, %v", worstLimited, tookLimited, worstFree, tookFree)
	promise := l0.rtt + 2*frame + 20*time.Millisecond // a round trip, two frames, and a typing message's own time
	require.Less(t, worstLimited, promise)
	require.Greater(t, worstFree, promise, "the test shows nothing if the unlimited refinement keeps the promise too")
	require.Less(t, tookLimited, 15*time.Second, "the refinement still ends")
}
