package inputtest

import (
	"context"
	"testing"

	"github.com/deskhand/deskhand/input"
)

// The benchmarks run against the in-memory recorder, which also checks
// that every event reached the injector.
func BenchmarkRecorderMouseMove(b *testing.B) {
	rec := input.NewRecorder()
	MouseMove(b, context.Background(), rec, 1024, 768)
	if len(rec.Events()) != b.N {
		b.Fatalf("recorded %d events, want %d", len(rec.Events()), b.N)
	}
}

func BenchmarkRecorderKey(b *testing.B) {
	rec := input.NewRecorder()
	Key(b, rec)
	if len(rec.Events()) != 2*b.N {
		b.Fatalf("recorded %d events, want %d", len(rec.Events()), 2*b.N)
	}
}
