package rdp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/signaling"
	"github.com/pion/transport/v5"
)

// MaxMessageSize is the largest data-channel message rdp sends: browsers
// accept messages up to 256 KiB, and pion refuses to send them larger ones.
const MaxMessageSize = 256 << 10

// Grant is what the host allows one viewer.
type Grant struct {
	// ViewOnly refuses the viewer's mouse and keyboard.
	ViewOnly bool
}

// AcceptFunc decides whether a viewer may connect, and with what rights.
// Returning an error refuses the viewer; the error's text is sent to the
// viewer as the reason, so make it one the person in front can read
// ("declined by the user"). ctx ends when the viewer gives up waiting
// (it leaves signaling or says goodbye: a consent prompt should then go
// away), after the host's WithConnectTimeout, and at Host.Close, which
// waits for the hook to return. It runs on the viewer's session
// goroutine: like an event hook, it must not call the host's Close.
type AcceptFunc func(ctx context.Context, p signaling.Peer) (Grant, error)

// Option configures a Host or a Viewer. Options that apply to one side only
// say so, and are ignored by the other.
type Option func(*options) error

type options struct {
	logger         *slog.Logger
	accept         AcceptFunc
	events         func(Event)
	viewOnly       bool
	maxFPS         int
	maxBuffered    int
	maxFrameBytes  int
	maxPixels      int
	iceServers     []string
	loopbackOnly   bool
	connectTimeout time.Duration
	maxFPSSet      bool
	lossless       bool
	frameHook      func(FrameInfo)
	cursorHook     func(RemoteCursor)
	clipboard      clipboard.Clipboard
	clipPolicy     ClipboardPolicy
	clipHook       func(string)
	clipLimit      int
	net            transport.Net
	redial         Redialer
	resumeWindow   time.Duration
	stateHook      func(ConnState, error)
	heldWarn       time.Duration // a viewer's link full this long is logged
	adoptHook      func()        // tests: a viewer calls it before adopting a new connection
}

func defaultOptions() options {
	return options{
		logger:         slog.New(slog.NewTextHandler(io.Discard, nil)),
		maxFPS:         30,
		maxBuffered:    4 << 20,
		maxFrameBytes:  64 << 20,
		maxPixels:      8192 * 8192,
		connectTimeout: 30 * time.Second,
		clipLimit:      defaultClipboardSize,
		resumeWindow:   defaultResumeWindow,
		heldWarn:       5 * time.Second,
	}
}

func buildOptions(opts []Option) (options, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// WithLogger sets where the Host or Viewer logs. Default: nowhere.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return fmt.Errorf("rdp: WithLogger: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithAccept sets the host's hook that accepts or refuses each viewer
// (a consent prompt, a permission check). Host only. Default: accept every
// viewer that got through signaling (it knew the one-time code), with the
// control WithViewOnly allows.
func WithAccept(f AcceptFunc) Option {
	return func(o *options) error {
		o.accept = f
		return nil
	}
}

// WithEvents sets a function told of every session event (joins, refusals,
// connections, departures, refused input), for audit logs and "who is
// connected" displays. It is called from the session's goroutines and must
// not block. It may call the host's Viewers and Disconnect, but not Close,
// which waits for every session to end, this one too: a host that quits
// when its viewer leaves calls go host.Close(). Host only.
func WithEvents(f func(Event)) Option {
	return func(o *options) error {
		o.events = f
		return nil
	}
}

// WithViewOnly makes every viewer view-only, whatever the accept hook
// grants. Host only. Default: false.
func WithViewOnly(v bool) Option {
	return func(o *options) error {
		o.viewOnly = v
		return nil
	}
}

// WithMaxFPS caps how often the host captures and sends the screen. On a
// viewer, it asks the host to send it at most fps updates a second (the
// host's own cap still applies). Default 30 on a host, no request on a
// viewer; range 1..240.
func WithMaxFPS(fps int) Option {
	return func(o *options) error {
		if fps < 1 || fps > 240 {
			return fmt.Errorf("rdp: WithMaxFPS(%d): want 1..240", fps)
		}
		o.maxFPS, o.maxFPSSet = fps, true
		return nil
	}
}

// WithLossless keeps every update lossless. On a host, it never sends
// lossy regions to any viewer; on a viewer, it asks the host to send it
// lossless updates only (see Viewer.SetPrefs to change it later). Default
// false: photographic regions go lossy when the link cannot carry them,
// and are refined to lossless once still.
func WithLossless(v bool) Option {
	return func(o *options) error {
		o.lossless = v
		return nil
	}
}

// WithFrameHook sets a function called after each screen update is
// applied, with what is known about it (for statistics, latency probes and
// tests). It runs on the viewer's receiving goroutine, which applies the
// next update once it returns: it must not block, and may call the
// viewer's methods (Stats, View to repaint f.Rects…). Viewer only.
func WithFrameHook(f func(FrameInfo)) Option {
	return func(o *options) error {
		o.frameHook = f
		return nil
	}
}

// WithCursorHook sets a function called whenever the host's pointer moves,
// changes shape or hides (see Viewer.Cursor). It runs on the viewer's
// receiving goroutine and must not block; it may call the viewer's
// methods. Viewer only.
func WithCursorHook(f func(RemoteCursor)) Option {
	return func(o *options) error {
		o.cursorHook = f
		return nil
	}
}

// WithClipboard shares the host's clipboard cb with viewers as policy
// allows. Host only. Default: no clipboard sharing. The host does not close
// cb.
func WithClipboard(cb clipboard.Clipboard, policy ClipboardPolicy) Option {
	return func(o *options) error {
		if cb == nil {
			return fmt.Errorf("rdp: WithClipboard: nil clipboard")
		}
		if policy.MaxBytes == 0 {
			policy.MaxBytes = defaultClipboardSize
		}
		if policy.MaxBytes < 1 || policy.MaxBytes > 64<<20 {
			return fmt.Errorf("rdp: WithClipboard: MaxBytes %d: want 1 byte..64 MiB", policy.MaxBytes)
		}
		o.clipboard, o.clipPolicy = cb, policy
		return nil
	}
}

// WithClipboardHook sets a function called with each clipboard text the
// host sends (when its clipboard changes). It runs on the viewer's
// receiving goroutine and must not block; it may call the viewer's
// methods. Viewer only.
func WithClipboardHook(f func(text string)) Option {
	return func(o *options) error {
		o.clipHook = f
		return nil
	}
}

// WithClipboardLimit bounds the clipboard texts a viewer takes from the
// host and sends to it. Viewer only. Default 1 MiB, range 1 byte..64 MiB.
func WithClipboardLimit(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 64<<20 {
			return fmt.Errorf("rdp: WithClipboardLimit(%d): want 1 byte..64 MiB", n)
		}
		o.clipLimit = n
		return nil
	}
}

// defaultResumeWindow is how long a lost session can be resumed.
const defaultResumeWindow = time.Minute

// WithReconnect makes a viewer resume its session when the network drops:
// it calls dial with the session's resume token (the host gave it in its
// hello) until the host answers, for up to WithResumeWindow, while
// State is StateReconnecting; the screen then restarts with a key frame.
// With signaling, dial is typically
//
//	func(ctx context.Context, token string) (rdp.Signaler, error) {
//		return signaling.Resume(ctx, url, id, token)
//	}
//
// Viewer only. Default: none; a lost connection ends the session.
func WithReconnect(dial Redialer) Option {
	return func(o *options) error {
		o.redial = dial
		return nil
	}
}

// WithResumeWindow sets how long a session lost to a network drop can be
// resumed: the host keeps its place (and the viewer's rights) that long,
// and a viewer with WithReconnect tries that long. 0 on a host disables
// resuming. Default 1 minute, range 0..1 hour.
func WithResumeWindow(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > time.Hour {
			return fmt.Errorf("rdp: WithResumeWindow(%v): want 0..1h", d)
		}
		o.resumeWindow = d
		return nil
	}
}

// WithStateHook sets a function called when the viewer's connection state
// changes (reconnecting, connected again, closed), with the error that
// caused it. It must not block; it may call the viewer's methods. Viewer
// only.
func WithStateHook(f func(ConnState, error)) Option {
	return func(o *options) error {
		o.stateHook = f
		return nil
	}
}

// WithNet makes the peer connection use n instead of the machine's network,
// e.g. pion's virtual network (github.com/pion/transport/v5/vnet) to run a
// session through delay, loss and rate limits in tests and benchmarks.
// WithLoopbackOnly is then ignored. Ignored in the browser. Default: the
// real network.
func WithNet(n transport.Net) Option {
	return func(o *options) error {
		o.net = n
		return nil
	}
}

// WithMaxBuffered sets how many bytes may wait in a viewer's screen channel
// before the host stops sending it updates; changes made meanwhile are sent
// in the next update instead of queuing frames. Host only. Default 4 MiB,
// range 256 KiB..256 MiB.
func WithMaxBuffered(n int) Option {
	return func(o *options) error {
		if n < 256<<10 || n > 256<<20 {
			return fmt.Errorf("rdp: WithMaxBuffered(%d): want 256 KiB..256 MiB", n)
		}
		o.maxBuffered = n
		return nil
	}
}

// WithMaxFrameBytes sets the largest screen update the viewer accepts;
// larger ones end the session with ErrFrameTooLarge. Viewer only.
// Default 64 MiB, range 64 KiB..1 GiB.
func WithMaxFrameBytes(n int) Option {
	return func(o *options) error {
		if n < 64<<10 || n > 1<<30 {
			return fmt.Errorf("rdp: WithMaxFrameBytes(%d): want 64 KiB..1 GiB", n)
		}
		o.maxFrameBytes = n
		return nil
	}
}

// WithMaxPixels sets the largest screen (width × height) the viewer
// accepts. Viewer only. Default 8192×8192, range 1..1<<28.
func WithMaxPixels(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 1<<28 {
			return fmt.Errorf("rdp: WithMaxPixels(%d): want 1..%d", n, 1<<28)
		}
		o.maxPixels = n
		return nil
	}
}

// WithICEServers sets STUN/TURN server URLs ("stun:host:port"). Default:
// none, which works on a LAN and on loopback.
func WithICEServers(urls ...string) Option {
	return func(o *options) error {
		o.iceServers = append([]string(nil), urls...)
		return nil
	}
}

// WithLoopbackOnly restricts WebRTC to the loopback interface over UDP/IPv4:
// for tests and single-machine demos, where no packet should leave the
// machine. Ignored in the browser. Default: false (all interfaces).
func WithLoopbackOnly(v bool) Option {
	return func(o *options) error {
		o.loopbackOnly = v
		return nil
	}
}

// WithConnectTimeout bounds how long negotiation and connection may take.
// Default 30 s, range 1 s..10 min.
func WithConnectTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d < time.Second || d > 10*time.Minute {
			return fmt.Errorf("rdp: WithConnectTimeout(%v): want 1s..10m", d)
		}
		o.connectTimeout = d
		return nil
	}
}

// EventKind says what happened in a session.
type EventKind uint8

// The session events, in the order a session goes through them.
const (
	EventViewerJoined        EventKind = iota + 1 // a viewer asked to connect
	EventViewerRefused                            // the accept hook refused it (Err says why)
	EventViewerConnected                          // its data channels are open
	EventInputRefused                             // it sent input without control
	EventViewerLeft                               // its session ended (Err says why, nil for a clean goodbye)
	EventSecureAttention                          // it asked for Ctrl+Alt+Del, and the host performs it
	EventClipboardToViewer                        // the host's clipboard text was sent to it (Bytes)
	EventClipboardFromViewer                      // it set the host's clipboard (Bytes)
	EventViewerResumed                            // it came back after a network drop with its resume token (same rights; the accept hook is not asked again)
)

func (k EventKind) String() string {
	switch k {
	case EventViewerJoined:
		return "viewer-joined"
	case EventViewerRefused:
		return "viewer-refused"
	case EventViewerConnected:
		return "viewer-connected"
	case EventInputRefused:
		return "input-refused"
	case EventViewerLeft:
		return "viewer-left"
	case EventSecureAttention:
		return "ctrl-alt-del"
	case EventClipboardToViewer:
		return "clipboard-to-viewer"
	case EventClipboardFromViewer:
		return "clipboard-from-viewer"
	case EventViewerResumed:
		return "viewer-resumed"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one thing that happened in a host's session.
type Event struct {
	Kind     EventKind
	Time     time.Time
	Peer     signaling.Peer
	ViewOnly bool
	Err      error
	Bytes    int // clipboard events: the text's size
}

// ICE timing: a viewer that vanishes is noticed within seconds, not the
// half minute of pion's defaults.
const (
	iceDisconnectedTimeout = 4 * time.Second
	iceFailedTimeout       = 8 * time.Second
	iceKeepalive           = time.Second
)
