package xvfb

import (
	"context"
	"errors"
	"os"
	"testing"
)

// ForTest starts an Xvfb for the test and stops it when the test ends. When
// Xvfb is not installed the test is skipped, except under CI (CI set), where
// a missing X server is a broken setup and fails the test.
func ForTest(tb testing.TB, width, height int) *Server {
	tb.Helper()
	s, err := Start(context.Background(), width, height)
	if errors.Is(err, ErrNotInstalled) && os.Getenv("CI") == "" {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
