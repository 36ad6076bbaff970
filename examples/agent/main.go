// Command agent is deskhand's agent for the customer's machine; "agent share" gives an attended session, as TeamViewer QuickSupport does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
)

const usage = `usage: agent share --server URL [flags]

Commands:
  share   register with a signaling server, print "id=<ID> code=<CODE>" on
          stdout (again whenever the code changes), and let a viewer who has
          both see this screen and, unless --view-only, control it.
          The agent only dials out: it never listens on a port.

Run "agent share -h" for the flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	switch os.Args[1] {
	case "share":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := share(ctx, os.Args[2:], os.Stdout, os.Stderr)
		stop()
		if err != nil {
			if !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "agent:", err)
			}
			os.Exit(1)
		}
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "agent: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
}

func share(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agent share", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "", "signaling server URL, such as ws://127.0.0.1:8080/v1/signal (required)")
	display := fs.String("display", os.Getenv("DISPLAY"), "X display to share (Linux; default $DISPLAY)")
	monitor := fs.Int("monitor", -1, "monitor to share (-1: the whole screen)")
	viewOnly := fs.Bool("view-only", false, "let viewers watch but not control")
	fps := fs.Int("fps", 30, "most screen updates per second (1..240)")
	loopback := fs.Bool("loopback", false, "use only the loopback interface (tests and one-machine demos)")
	name := fs.String("name", "", "name shown to viewers (default: the host name)")
	clip := fs.String("clipboard", "both", "share clipboard text: both, to-viewer, from-viewer or off")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *server == "" {
		return errors.New("--server is required (the signaling server's URL, such as ws://127.0.0.1:8080/v1/signal)")
	}
	var policy rdp.ClipboardPolicy
	switch *clip {
	case "both":
		policy = rdp.ClipboardPolicy{ToViewers: true, FromViewers: true}
	case "to-viewer":
		policy.ToViewers = true
	case "from-viewer":
		policy.FromViewers = true
	case "off":
	default:
		return fmt.Errorf("--clipboard %q: want both, to-viewer, from-viewer or off", *clip)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *name == "" {
		*name, _ = os.Hostname()
	}

	src, origin, err := openScreen(*display, *monitor)
	if err != nil {
		return fmt.Errorf("cannot capture the screen: %w", err)
	}
	defer src.Close()
	var inj input.Injector
	if !*viewOnly {
		inj, err = openInjector(*display, origin)
		if err != nil {
			log.Warn("input disabled: viewers will only watch", "err", err)
			inj = nil
		} else {
			defer inj.Close()
		}
	}

	opts := []rdp.Option{rdp.WithLogger(log)}
	if *clip != "off" {
		cb, err := openClipboard(ctx, *display)
		if err != nil {
			log.Warn("clipboard sharing disabled", "err", err)
		} else {
			defer cb.Close()
			opts = append(opts, rdp.WithClipboard(cb, policy))
		}
	}
	host, err := rdp.NewHost(src, inj, append(opts,
		rdp.WithMaxFPS(*fps),
		rdp.WithViewOnly(*viewOnly),
		rdp.WithLoopbackOnly(*loopback),
		rdp.WithEvents(func(e rdp.Event) {
			log.Info("session", "event", e.Kind.String(), "viewer", e.Peer.Name, "addr", e.Peer.Addr, "viewOnly", e.ViewOnly, "err", e.Err)
		}))...,
	)
	if err != nil {
		return err
	}
	defer host.Close()

	// The HostConn reconnects by itself when the signaling server goes away (restart, network)
	// and gets the same ID back; sessions in progress go on peer to peer meanwhile. Only the
	// OnCredentials and OnConnectionState calls, made in order from one goroutine, touch lastID.
	lastID := ""
	hc, err := signaling.Register(ctx, *server,
		signaling.WithName(*name),
		// If someone else took the ID while the server was unreachable, a new one beats exiting:
		// the new id= line says so, and the log explains.
		signaling.WithNewIDIfTaken(),
		signaling.OnCredentials(func(c signaling.Credentials) {
			if lastID != "" && c.ID != lastID {
				log.Warn("the signaling server gave a new session ID: the old one was taken; give the new id and code", "old", lastID, "id", c.ID)
			}
			lastID = c.ID
			fmt.Fprintf(stdout, "id=%s code=%s\n", c.ID, c.Code)
		}),
		signaling.OnConnectionState(func(connected bool, err error) {
			if connected {
				log.Info("reconnected to the signaling server", "server", *server)
			} else {
				log.Warn("signaling server lost; reconnecting", "server", *server, "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("cannot register with %s: %w", *server, err)
	}
	defer hc.Close()
	log.Info("sharing the screen; give the id and code to the person who will connect", "server", *server)

	err = host.Serve(ctx, hc)
	if ctx.Err() != nil {
		return nil // interrupted: a normal end
	}
	// Serve ends only when the HostConn gave up: the server refused it for good.
	return fmt.Errorf("lost the signaling server: %w", err)
}
