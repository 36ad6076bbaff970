package web

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Option configures Handler.
type Option func(*options) error

type options struct {
	signalURL string
	name      string
}

// DefaultSignalingPath is where the page looks for the signaling server's
// WebSocket endpoint by default: where examples/signaling serves it.
const DefaultSignalingPath = "/v1/signal"

func defaultOptions() options {
	return options{signalURL: DefaultSignalingPath, name: "deskhand web viewer"}
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidOption, fmt.Sprintf(format, args...))
}

// WithSignalingURL sets the signaling server's WebSocket endpoint the page
// joins sessions through: an absolute path such as "/v1/signal", taken on
// the page's own host (ws: for an http: page, wss: for https:), or a full
// ws:// or wss:// URL for a server elsewhere. Default DefaultSignalingPath.
func WithSignalingURL(u string) Option {
	return func(o *options) error {
		p, err := url.Parse(u)
		switch {
		case err != nil:
			return invalid("WithSignalingURL(%q): %v", u, err)
		case p.Scheme == "" && p.Host == "" && strings.HasPrefix(p.Path, "/") && !strings.HasPrefix(u, "//"):
		case (p.Scheme == "ws" || p.Scheme == "wss") && p.Host != "":
		default:
			return invalid("WithSignalingURL(%q): want an absolute path such as /v1/signal or a ws:// or wss:// URL", u)
		}
		if p.User != nil || p.Fragment != "" {
			return invalid("WithSignalingURL(%q): no user information or fragment", u)
		}
		o.signalURL = u
		return nil
	}
}

// WithViewerName sets the name the host's user is shown for viewers that
// use this page (the page's ?name= overrides it). Default "deskhand web
// viewer"; 1 to 64 bytes of UTF-8 without control characters.
func WithViewerName(name string) Option {
	return func(o *options) error {
		if name == "" || len(name) > 64 || !utf8.ValidString(name) || strings.ContainsFunc(name, unicode.IsControl) {
			return invalid("WithViewerName(%q): want 1 to 64 bytes of UTF-8 without control characters", name)
		}
		o.name = name
		return nil
	}
}
