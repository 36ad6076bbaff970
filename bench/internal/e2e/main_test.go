package e2e

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

// TestMain also plays the benchmark's child processes: Run starts
// os.Executable() with e2e-host or e2e-viewer, which under `go test` is
// this test binary.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 {
		run := map[string]func(context.Context, []string) error{
			"e2e-host": func(ctx context.Context, args []string) error {
				return RunHost(ctx, args, os.Stdout, os.Stderr)
			},
			"e2e-viewer": func(ctx context.Context, args []string) error {
				return RunViewer(ctx, args, os.Stdout, os.Stderr)
			},
		}[os.Args[1]]
		if run != nil {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			err := run(ctx, os.Args[2:])
			stop()
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			os.Exit(0)
		}
	}
	goleak.VerifyTestMain(m)
}
