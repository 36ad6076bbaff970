// Package inputtest holds benchmarks every input.Injector runs the same
// way, so that backends (input/x11, input/robotgo) are compared on equal
// terms: each event is timed as Inject's callers see it, and the median
// and 99th percentile of one Inject are reported (p50-µs, p99-µs), the
// figures the session layer's input-latency goal is about.
//
// Import policy: input and the standard library; only tests import it.
package inputtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
)

// MouseMove injects pointer moves across a w x h area with ctx.
func MouseMove(b *testing.B, ctx context.Context, inj input.Injector, w, h int) {
	b.SetBytes(5) // the event's wire size
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if err := inj.Inject(ctx, input.Event{Kind: input.MouseMove, X: i % w, Y: i % h}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// Key presses and releases Shift: two events an iteration.
func Key(b *testing.B, inj input.Injector) {
	ctx := context.Background()
	b.SetBytes(2 * 4)
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		for _, down := range []bool{true, false} {
			start := time.Now()
			if err := inj.Inject(ctx, input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft, Down: down}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
	}
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
