package signaling

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"time"
	"unicode"
	"unicode/utf8"
)

// Option configures a Server (see NewServer). Options validate their arguments and NewServer
// returns the first error, wrapping ErrInvalidOption.
type Option func(*options) error

type options struct {
	codeTTL          time.Duration
	codeLen          int
	maxFailuresID    int
	maxFailuresAddr  int
	addrWindow       time.Duration
	lockoutBase      time.Duration
	lockoutMax       time.Duration
	trustForwarded   bool
	maxMessage       int
	maxHosts         int
	maxViewers       int
	log              *slog.Logger
	origins          []string
	pingInterval     time.Duration
	handshakeTimeout time.Duration
	writeTimeout     time.Duration
	reclaimWindow    time.Duration
}

func defaultOptions() options {
	return options{
		codeTTL:          10 * time.Minute,
		codeLen:          6,
		maxFailuresID:    5,
		maxFailuresAddr:  20,
		addrWindow:       10 * time.Minute,
		lockoutBase:      30 * time.Second,
		lockoutMax:       time.Hour,
		maxMessage:       64 << 10,
		maxHosts:         10000,
		maxViewers:       8,
		log:              slog.New(slog.NewTextHandler(io.Discard, nil)),
		pingInterval:     30 * time.Second,
		handshakeTimeout: 10 * time.Second,
		writeTimeout:     10 * time.Second,
		reclaimWindow:    2 * time.Minute,
	}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
}

// WithCodeTTL sets how long a one-time code stays valid if nobody uses it; the server then gives
// the host a fresh code. Default 10 minutes; range 10 s to 24 h.
func WithCodeTTL(d time.Duration) Option {
	return func(o *options) error {
		if d < 10*time.Second || d > 24*time.Hour {
			return invalid("WithCodeTTL(%v): want 10s..24h", d)
		}
		o.codeTTL = d
		return nil
	}
}

// WithCodeLength sets the number of characters of a code, drawn from the 31 characters
// "abcdefghjkmnpqrstuvwxyz23456789" (no 0/o, 1/l/i to misread). Default 6 (about 8.9e8
// codes); range 4 to 32.
func WithCodeLength(n int) Option {
	return func(o *options) error {
		if n < 4 || n > 32 {
			return invalid("WithCodeLength(%d): want 4..32", n)
		}
		o.codeLen = n
		return nil
	}
}

// WithMaxFailuresPerID sets how many wrong codes in a row lock a session ID (see WithLockout).
// Default 5; range 1 to 1000.
func WithMaxFailuresPerID(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 1000 {
			return invalid("WithMaxFailuresPerID(%d): want 1..1000", n)
		}
		o.maxFailuresID = n
		return nil
	}
}

// WithMaxFailuresPerAddr sets how many failed joins (wrong code or unknown ID) one remote address
// may make within a sliding window of length per before its joins are refused with
// ErrRateLimited. IPv6 addresses count per /64. Default 20 per 10 minutes; n 1 to 1,000,000,
// per 1 ms to 24 h.
func WithMaxFailuresPerAddr(n int, per time.Duration) Option {
	return func(o *options) error {
		if n < 1 || n > 1_000_000 {
			return invalid("WithMaxFailuresPerAddr(%d, ...): want n in 1..1000000", n)
		}
		if per < time.Millisecond || per > 24*time.Hour {
			return invalid("WithMaxFailuresPerAddr(..., %v): want per in 1ms..24h", per)
		}
		o.maxFailuresAddr, o.addrWindow = n, per
		return nil
	}
}

// WithLockout sets how long a session ID refuses joins after WithMaxFailuresPerID wrong codes:
// base the first time, doubling each further time, capped at max; a successful join resets it.
// Default 30 s and 1 h; base 1 ms to 24 h, max base to 24 h.
func WithLockout(base, max time.Duration) Option {
	return func(o *options) error {
		if base < time.Millisecond || base > 24*time.Hour {
			return invalid("WithLockout(%v, ...): want base in 1ms..24h", base)
		}
		if max < base || max > 24*time.Hour {
			return invalid("WithLockout(..., %v): want max in base..24h", max)
		}
		o.lockoutBase, o.lockoutMax = base, max
		return nil
	}
}

// WithTrustForwardedFor makes the server take a client's address from the last entry of the
// X-Forwarded-For header (the one your reverse proxy added) instead of the TCP peer. Turn it on
// only behind a proxy that sets the header, or clients can pick their own address and evade the
// per-address limit. Default false.
func WithTrustForwardedFor(trust bool) Option {
	return func(o *options) error {
		o.trustForwarded = trust
		return nil
	}
}

// WithMaxMessageSize sets the largest client message the server reads, in bytes; a larger one
// ends the connection (WebSocket close 1009). SDP is a few KB. Default 64 KiB; range 1 KiB to
// 16 MiB.
func WithMaxMessageSize(n int) Option {
	return func(o *options) error {
		if n < 1<<10 || n > 16<<20 {
			return invalid("WithMaxMessageSize(%d): want 1024..16777216", n)
		}
		o.maxMessage = n
		return nil
	}
}

// WithMaxHosts sets how many hosts may be registered at once; more get ErrFull. Default 10000;
// range 1 to 10,000,000.
func WithMaxHosts(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 10_000_000 {
			return invalid("WithMaxHosts(%d): want 1..10000000", n)
		}
		o.maxHosts = n
		return nil
	}
}

// WithMaxViewersPerHost sets how many viewers one host may have at once; more get ErrFull (and
// their code stays valid). Default 8; range 1 to 1024.
func WithMaxViewersPerHost(n int) Option {
	return func(o *options) error {
		if n < 1 || n > 1024 {
			return invalid("WithMaxViewersPerHost(%d): want 1..1024", n)
		}
		o.maxViewers = n
		return nil
	}
}

// WithLogger sets where the server logs (never codes, which are secrets). Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return invalid("WithLogger(nil): pass a logger, or omit the option to discard logs")
		}
		o.log = l
		return nil
	}
}

// WithOriginPatterns lets browser pages from other origins connect, as host patterns matched with
// path.Match ("example.com", "*.example.com", or with a scheme "https://example.com"). The
// default (no patterns) allows pages served by the same host as the server, and non-browser
// clients, which send no Origin.
func WithOriginPatterns(patterns ...string) Option {
	return func(o *options) error {
		for _, p := range patterns {
			if p == "" {
				return invalid("WithOriginPatterns: empty pattern")
			}
			if _, err := path.Match(p, ""); err != nil {
				return invalid("WithOriginPatterns(%q): %v", p, err)
			}
		}
		o.origins = append([]string(nil), patterns...)
		return nil
	}
}

// WithPingInterval sets how often the server pings each connection; a connection that does not
// answer within one interval is closed, so dead hosts free their session ID. Default 30 s;
// range 10 ms to 1 h.
func WithPingInterval(d time.Duration) Option {
	return func(o *options) error {
		if d < 10*time.Millisecond || d > time.Hour {
			return invalid("WithPingInterval(%v): want 10ms..1h", d)
		}
		o.pingInterval = d
		return nil
	}
}

// WithReclaimWindow sets how long the server keeps a session ID for the host that left it: within
// the window only a register with the ID's secret gets it back (a HostConn reconnecting after a
// network drop does so by itself), and no new host is given it. At most WithMaxHosts IDs are kept
// this way. 0 keeps none: a left ID is free at once, to whoever asks for it first. Default 2
// minutes; range 0 to 24 h.
func WithReclaimWindow(d time.Duration) Option {
	return func(o *options) error {
		if d < 0 || d > 24*time.Hour {
			return invalid("WithReclaimWindow(%v): want 0..24h", d)
		}
		o.reclaimWindow = d
		return nil
	}
}

// ClientOption configures Register and Join. Options validate their arguments and Register/Join
// return the first error, wrapping ErrInvalidOption.
type ClientOption func(*clientOptions) error

type clientOptions struct {
	name          string
	httpClient    *http.Client
	log           *slog.Logger
	onCredentials func(Credentials)
	onState       func(connected bool, err error)
	pingInterval  time.Duration
	writeTimeout  time.Duration

	reconnect      bool
	newIDIfTaken   bool
	sessionID      string // with secret: the ID Register reclaims
	secret         string
	backoffMin     time.Duration
	backoffMax     time.Duration
	attemptTimeout time.Duration // one reconnection attempt: dial and register
}

func newClientOptions(opts []ClientOption) (clientOptions, error) {
	o := clientOptions{
		httpClient:   http.DefaultClient,
		log:          slog.New(slog.NewTextHandler(io.Discard, nil)),
		pingInterval: 30 * time.Second,
		writeTimeout: 10 * time.Second,

		reconnect:      true,
		backoffMin:     500 * time.Millisecond,
		backoffMax:     10 * time.Second,
		attemptTimeout: 15 * time.Second,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return clientOptions{}, err
		}
	}
	return o, nil
}

// WithName sets the name the other side sees (Peer.Name): the host's machine or the viewer's
// user. Default empty; at most 64 bytes of UTF-8 without control characters.
func WithName(name string) ClientOption {
	return func(o *clientOptions) error {
		if len(name) > maxNameLen || !utf8.ValidString(name) {
			return invalid("WithName: want at most %d bytes of UTF-8", maxNameLen)
		}
		for _, r := range name {
			if unicode.IsControl(r) {
				return invalid("WithName(%q): control characters are not allowed", name)
			}
		}
		o.name = name
		return nil
	}
}

// WithHTTPClient sets the HTTP client that opens the WebSocket (for TLS settings, proxies or
// headers). Default http.DefaultClient. Ignored under GOOS=js, where the browser connects.
func WithHTTPClient(c *http.Client) ClientOption {
	return func(o *clientOptions) error {
		if c == nil {
			return invalid("WithHTTPClient(nil): pass a client, or omit the option for http.DefaultClient")
		}
		o.httpClient = c
		return nil
	}
}

// WithClientLogger sets where the client logs (never codes). Default: discard.
func WithClientLogger(l *slog.Logger) ClientOption {
	return func(o *clientOptions) error {
		if l == nil {
			return invalid("WithClientLogger(nil): pass a logger, or omit the option to discard logs")
		}
		o.log = l
		return nil
	}
}

// OnCredentials sets a function that Register's HostConn calls with the first credentials and with
// every later code (after a join or an expiry), in order, from one goroutine of its own: it may
// block without holding up signaling, but a slow one delays later calls. HostConn.Close does not
// wait for a call in progress. Join ignores it. Default: none.
func OnCredentials(f func(Credentials)) ClientOption {
	return func(o *clientOptions) error {
		if f == nil {
			return invalid("OnCredentials(nil): pass a function, or omit the option")
		}
		o.onCredentials = f
		return nil
	}
}

// WithClientPingInterval sets how often the client pings the server; a server that does not
// answer within one interval is taken as gone (ErrServerGone), which catches dead networks
// that TCP alone would notice only after many minutes. 0 turns pings off. Default 30 s; range 0
// or 10 ms to 1 h. Under GOOS=js the browser handles keepalive and this does nothing.
func WithClientPingInterval(d time.Duration) ClientOption {
	return func(o *clientOptions) error {
		if d != 0 && (d < 10*time.Millisecond || d > time.Hour) {
			return invalid("WithClientPingInterval(%v): want 0 or 10ms..1h", d)
		}
		o.pingInterval = d
		return nil
	}
}

// WithoutReconnect makes a HostConn end when its connection to the server is lost (Accept then
// returns ErrServerGone), instead of reconnecting by itself. Join and Resume ignore it. Default:
// reconnect.
func WithoutReconnect() ClientOption {
	return func(o *clientOptions) error {
		o.reconnect = false
		return nil
	}
}

// OnConnectionState sets a function that a HostConn calls with (false, why) when it loses its
// connection to the server and starts reconnecting, and with (true, nil) once it has registered
// again (OnCredentials then reports the new code). It is not called when the HostConn ends for
// good (Done says so). Calls come in order with OnCredentials' from the same goroutine. Join and
// Resume ignore it. Default: none.
func OnConnectionState(f func(connected bool, err error)) ClientOption {
	return func(o *clientOptions) error {
		if f == nil {
			return invalid("OnConnectionState(nil): pass a function, or omit the option")
		}
		o.onState = f
		return nil
	}
}

// WithSessionID makes Register ask for the session ID id back, proving it is this host's with
// the secret the server gave it (HostConn.Secret): a host that restarts keeps its ID. The server
// refuses with ErrIDTaken if another host holds the ID, or keeps it for one that left. Join and
// Resume ignore it. Default: a new ID. id is 9 digits; secret 22 to 128 characters of
// A-Z a-z 0-9 _ -.
func WithSessionID(id, secret string) ClientOption {
	return func(o *clientOptions) error {
		if !validSessionID(id) {
			return invalid("WithSessionID(%q, ...): want the 9-digit ID the server gave", id)
		}
		if !validToken(secret, minSecretLen, maxSecretLen) {
			return invalid("WithSessionID(..., secret): want the secret the server gave (%d to %d characters of A-Z a-z 0-9 _ -)", minSecretLen, maxSecretLen)
		}
		o.sessionID, o.secret = id, secret
		return nil
	}
}

// WithNewIDIfTaken makes Register and a reconnecting HostConn register under a new session ID
// when the server will not give the old one back (ErrIDTaken), instead of failing; OnCredentials
// then reports the new ID, which the host's user must pass on again. Join and Resume ignore it.
// Default: off, a HostConn never changes its ID.
func WithNewIDIfTaken() ClientOption {
	return func(o *clientOptions) error {
		o.newIDIfTaken = true
		return nil
	}
}
