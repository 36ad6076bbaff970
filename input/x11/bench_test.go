package x11

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/internal/xvfb"
)

// The same benchmarks are in input/robotgo/bench_test.go: run both to
// compare. Each event includes the round trip that proves the server
// performed it, as Inject's callers see it.

func benchInjector(b *testing.B) *Injector {
	b.Helper()
	srv := xvfb.ForTest(b, 1024, 768)
	in, err := New(WithDisplay(srv.Display))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = in.Close() })
	return in
}

func BenchmarkInjectMouseMove(b *testing.B) {
	in := benchInjector(b)
	ctx := context.Background()
	b.SetBytes(5) // the event's wire size
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if err := in.Inject(ctx, input.Event{Kind: input.MouseMove, X: i % 1024, Y: i % 768}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}

// BenchmarkInjectKey presses and releases a key: two events an iteration.
func BenchmarkInjectKey(b *testing.B) {
	in := benchInjector(b)
	ctx := context.Background()
	b.SetBytes(2 * 4)
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	for b.Loop() {
		for _, down := range []bool{true, false} {
			start := time.Now()
			if err := in.Inject(ctx, input.Event{Kind: input.KeyEvent, Key: input.ShiftLeft, Down: down}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
	}
	reportPercentiles(b, lat)
}

// reportPercentiles reports the median and 99th percentile of one Inject,
// the figures issue 4's latency goal is about.
func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkInjectMouseMoveCancelable is MouseMove with a context that can
// end, as a session's is: the wait then runs on its own goroutine.
func BenchmarkInjectMouseMoveCancelable(b *testing.B) {
	in := benchInjector(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.SetBytes(5)
	b.ReportAllocs()
	lat := make([]time.Duration, 0, 1<<16)
	i := 0
	for b.Loop() {
		i++
		start := time.Now()
		if err := in.Inject(ctx, input.Event{Kind: input.MouseMove, X: i % 1024, Y: i % 768}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportPercentiles(b, lat)
}
