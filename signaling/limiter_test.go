package signaling

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAddrLimiterSlidingWindow(t *testing.T) {
	l := newAddrLimiter(3, time.Minute)
	t0 := time.Unix(1_000_000, 0)
	for i := range 3 {
		_, blocked := l.blocked("a", t0)
		assert.False(t, blocked)
		l.fail("a", t0.Add(time.Duration(i)*10*time.Second))
	}
	wait, blocked := l.blocked("a", t0.Add(25*time.Second))
	assert.True(t, blocked)
	assert.Equal(t, 35*time.Second, wait, "until the oldest failure leaves the window")
	_, blocked = l.blocked("b", t0)
	assert.False(t, blocked, "addresses are independent")

	// The oldest failure has left the window: one more attempt is allowed.
	_, blocked = l.blocked("a", t0.Add(time.Minute))
	assert.False(t, blocked)
	l.fail("a", t0.Add(time.Minute))
	wait, blocked = l.blocked("a", t0.Add(time.Minute))
	assert.True(t, blocked)
	assert.Equal(t, 10*time.Second, wait)

	// Stale addresses are swept, so the map does not grow with every address ever seen.
	for i := range 100 {
		l.fail(string(rune('A'+i)), t0.Add(2*time.Minute))
	}
	assert.Equal(t, 100, l.size(), "a's failures had all left the window")
	l.fail("z", t0.Add(10*time.Minute))
	assert.Equal(t, 1, l.size())
}

func TestClientAddr(t *testing.T) {
	req := func(remote string, xff ...string) *http.Request {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{}}
		for _, v := range xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		return r
	}
	cases := []struct {
		name       string
		r          *http.Request
		trust      bool
		shown, key string
	}{
		{"ipv4", req("192.0.2.1:5000"), false, "192.0.2.1:5000", "192.0.2.1"},
		{"ipv6 per /64", req("[2001:db8:1:2:3:4:5:6]:5000"), false, "[2001:db8:1:2:3:4:5:6]:5000", "2001:db8:1:2::/64"},
		{"mapped ipv4", req("[::ffff:192.0.2.1]:5000"), false, "[::ffff:192.0.2.1]:5000", "192.0.2.1"},
		{"xff ignored", req("192.0.2.1:5000", "198.51.100.1"), false, "192.0.2.1:5000", "192.0.2.1"},
		{"xff last entry", req("192.0.2.1:5000", "203.0.113.9, 198.51.100.1"), true, "198.51.100.1", "198.51.100.1"},
		{"xff last header", req("192.0.2.1:5000", "203.0.113.9", "198.51.100.2"), true, "198.51.100.2", "198.51.100.2"},
		{"xff garbage", req("192.0.2.1:5000", "not-an-ip"), true, "192.0.2.1:5000", "192.0.2.1"},
		{"no port", req("192.0.2.1"), false, "192.0.2.1", "192.0.2.1"},
	}
	for _, tc := range cases {
		shown, key := clientAddr(tc.r, tc.trust)
		assert.Equal(t, tc.shown, shown, tc.name)
		assert.Equal(t, tc.key, key, tc.name)
	}
}
