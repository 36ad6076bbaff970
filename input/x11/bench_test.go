package x11

import (
	"context"
	"testing"

	"github.com/deskhand/deskhand/input/inputtest"
	"github.com/deskhand/deskhand/internal/xvfb"
)

// The same benchmarks are in input/robotgo/bench_test.go: run both to
// compare. Each event is timed as Inject's callers see it: a key includes
// the round trip that proves the server performed it, a pointer move only
// the writing of its request (see the package documentation).

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
	inputtest.MouseMove(b, context.Background(), benchInjector(b), 1024, 768)
}

// BenchmarkInjectKey presses and releases a key: two events an iteration.
func BenchmarkInjectKey(b *testing.B) { inputtest.Key(b, benchInjector(b)) }

// BenchmarkInjectMouseMoveCancelable is MouseMove with a context that can
// end, as a session's is: the wait then runs on its own goroutine.
func BenchmarkInjectMouseMoveCancelable(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inputtest.MouseMove(b, ctx, benchInjector(b), 1024, 768)
}
