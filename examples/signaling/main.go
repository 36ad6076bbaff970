// Command signaling runs a deskhand signaling server that introduces hosts and viewers to each other, and serves the browser viewer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/deskhand/deskhand/signaling"
	"github.com/deskhand/deskhand/web"
)

// signalPath is where the WebSocket endpoint lives; the browser viewer is served at "/".
const signalPath = "/v1/signal"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "signaling:", err)
		}
		stop()
		os.Exit(2)
	}
}

// run serves until ctx ends (on SIGINT or SIGTERM), then shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("signaling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	codeTTL := fs.Duration("code-ttl", 10*time.Minute, "how long an unused one-time code stays valid (10s..24h)")
	codeLength := fs.Int("code-length", 6, "characters in a one-time code (4..32)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q; see -help", fs.Args())
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	viewer, err := web.Handler(web.WithSignalingURL(signalPath))
	if err != nil {
		return err
	}
	sig, err := signaling.NewServer(
		signaling.WithCodeTTL(*codeTTL),
		signaling.WithCodeLength(*codeLength),
		signaling.WithLogger(log),
	)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle(signalPath, sig)
	mux.Handle("/", viewer) // the browser viewer: / and its files

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "endpoint", signalPath,
		"viewer", fmt.Sprintf("http://%s/ (open it in a browser, or http://%s/?id=ID&code=CODE)", ln.Addr(), ln.Addr()))
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		_ = sig.Close()
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Stop accepting first, then end the WebSocket sessions, which Shutdown does not track.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if cerr := sig.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = <-served
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
