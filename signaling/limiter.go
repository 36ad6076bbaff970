package signaling

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// addrLimiter counts failed joins per remote address in a sliding window. It is not safe for
// concurrent use; the Server guards it with its mutex.
type addrLimiter struct {
	max       int
	window    time.Duration
	failures  map[string][]time.Time // oldest first, at most max entries
	lastSweep time.Time
}

func newAddrLimiter(max int, window time.Duration) *addrLimiter {
	return &addrLimiter{max: max, window: window, failures: make(map[string][]time.Time)}
}

// blocked reports whether key has used up its failures, and for how long it stays blocked.
func (l *addrLimiter) blocked(key string, now time.Time) (time.Duration, bool) {
	times := l.prune(key, now)
	if len(times) < l.max {
		return 0, false
	}
	return times[0].Add(l.window).Sub(now), true
}

// fail records a failed join from key.
func (l *addrLimiter) fail(key string, now time.Time) {
	l.sweep(now)
	times := l.prune(key, now)
	if len(times) >= l.max {
		times = times[1:] // only the newest max failures matter for the window
	}
	l.failures[key] = append(times, now)
}

func (l *addrLimiter) prune(key string, now time.Time) []time.Time {
	times := l.failures[key]
	i := 0
	for i < len(times) && !now.Before(times[i].Add(l.window)) {
		i++
	}
	if i == len(times) {
		delete(l.failures, key)
		return nil
	}
	if i > 0 {
		times = append(times[:0], times[i:]...)
		l.failures[key] = times
	}
	return times
}

// sweep drops addresses whose failures have all left the window, at most once per window, so
// that the map holds only addresses that failed recently however many there are over time.
func (l *addrLimiter) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < l.window {
		return
	}
	l.lastSweep = now
	for key := range l.failures {
		l.prune(key, now)
	}
}

func (l *addrLimiter) size() int { return len(l.failures) }

// clientAddr returns the address a server shows for a request (Peer.Addr) and the key it rate
// limits by. The key is the IP, and for IPv6 its /64, since one machine commonly holds a whole /64.
func clientAddr(r *http.Request, trustForwarded bool) (shown, key string) {
	shown = r.RemoteAddr
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if trustForwarded {
		if vals := r.Header.Values("X-Forwarded-For"); len(vals) > 0 {
			last := vals[len(vals)-1]
			if i := strings.LastIndexByte(last, ','); i >= 0 {
				last = last[i+1:]
			}
			if ip, err := netip.ParseAddr(strings.TrimSpace(last)); err == nil {
				host = ip.String()
				shown = host
			}
		}
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return shown, host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return shown, p.String()
	}
	return shown, ip.String()
}
