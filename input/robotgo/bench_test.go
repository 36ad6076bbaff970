//go:build cgo && linux

package robotgo

import (
	"context"
	"testing"

	"github.com/deskhand/deskhand/input/inputtest"
)

// The same benchmarks are in input/x11/bench_test.go: run both to compare.
// They use the package's shared Xvfb (see TestMain).

func benchInjector(b *testing.B) *Injector {
	b.Helper()
	if display == "" {
		b.Skip("no Xvfb")
	}
	in, err := New()
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
