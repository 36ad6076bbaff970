package e2e

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v5/vnet"
)

// impairment is what --impair adds to the path between host and viewer.
// The zero value adds nothing.
type impairment struct {
	// RTT is the round-trip delay added, half in each direction (netem's
	// "delay" on loopback also applies twice, once per direction).
	RTT time.Duration
	// Loss is the fraction of packets dropped in each direction, 0..1.
	Loss float64
	// Rate is each direction's rate limit in bits per second; 0 is none.
	Rate int64
}

// Limits of --impair values: beyond them the benchmark measures nothing
// useful (a session cannot even connect).
const (
	maxImpairRTT  = 10 * time.Second
	maxImpairLoss = 0.5
	minImpairRate = 64_000
	maxImpairRate = 100_000_000_000
)

func (m impairment) String() string {
	var parts []string
	if m.RTT > 0 {
		parts = append(parts, "delay="+m.RTT.String())
	}
	if m.Loss > 0 {
		parts = append(parts, "loss="+strconv.FormatFloat(m.Loss*100, 'g', -1, 64)+"%")
	}
	if m.Rate > 0 {
		parts = append(parts, "rate="+formatRate(m.Rate))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

func formatRate(bits int64) string {
	switch {
	case bits%1_000_000_000 == 0:
		return strconv.FormatInt(bits/1_000_000_000, 10) + "gbit"
	case bits%1_000_000 == 0:
		return strconv.FormatInt(bits/1_000_000, 10) + "mbit"
	case bits%1_000 == 0:
		return strconv.FormatInt(bits/1_000, 10) + "kbit"
	}
	return strconv.FormatInt(bits, 10) + "bit"
}

// rateUnits are tc's: SI prefixes of 1000, "bit" for bits and "bps" for
// bytes per second.
var rateUnits = []struct {
	suffix string
	bits   float64
}{
	{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1},
	{"gbps", 8e9}, {"mbps", 8e6}, {"kbps", 8e3}, {"bps", 8},
}

// parseImpairment parses --impair: comma-separated key=value pairs, any
// subset of delay (a Go duration: the round trip added), loss (a
// percentage, the % optional) and rate (a number with tc's unit: bit,
// kbit, mbit, gbit, or bps, kbps, mbps, gbps for bytes).
func parseImpairment(s string) (impairment, error) {
	var m impairment
	s = strings.TrimSpace(s)
	if s == "" {
		return m, fmt.Errorf("%w: empty", ErrImpairSpec)
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if !ok || val == "" {
			return m, fmt.Errorf("%w: %q is not key=value", ErrImpairSpec, part)
		}
		if seen[key] {
			return m, fmt.Errorf("%w: %s given twice", ErrImpairSpec, key)
		}
		seen[key] = true
		switch key {
		case "delay":
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 || d > maxImpairRTT {
				return m, fmt.Errorf("%w: delay=%s: want a duration from 0 to %v, such as 50ms (the round trip added)", ErrImpairSpec, val, maxImpairRTT)
			}
			m.RTT = d
		case "loss":
			p, err := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
			if err != nil || p < 0 || p > maxImpairLoss*100 || p != p {
				return m, fmt.Errorf("%w: loss=%s: want a percentage from 0 to %g, such as 1%%", ErrImpairSpec, val, maxImpairLoss*100)
			}
			m.Loss = p / 100
		case "rate":
			bits, err := parseRate(val)
			if err != nil {
				return m, fmt.Errorf("%w: rate=%s: %v", ErrImpairSpec, val, err)
			}
			m.Rate = bits
		default:
			return m, fmt.Errorf("%w: unknown key %q (use delay, loss and rate)", ErrImpairSpec, key)
		}
	}
	return m, nil
}

func parseRate(val string) (int64, error) {
	v := strings.ToLower(val)
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(v, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f != f {
			break
		}
		bits := f * u.bits
		if bits < minImpairRate || bits > maxImpairRate {
			return 0, fmt.Errorf("want %s to %s", formatRate(minImpairRate), formatRate(maxImpairRate))
		}
		return int64(bits), nil
	}
	return 0, errors.New("want a number and a unit: bit, kbit, mbit, gbit (or bps, kbps, mbps, gbps for bytes), such as 10mbit")
}

// vnetPath is a virtual network with two hosts, the deskhand host and the
// viewer, and the impairment between them: the router delays every packet
// by half the round trip and drops the lost ones; each host's network
// interface takes its packets through a token bucket (the rate limit, with
// a queue of about 100 ms at that rate, dropping when full, as a router's
// buffer would).
type vnetPath struct {
	router       *vnet.Router
	host, viewer *vnet.Net
	queues       []*vnet.Queue
}

const (
	vnetHostIP   = "10.77.0.2"
	vnetViewerIP = "10.77.0.3"
)

func newVNetPath(m impairment) (*vnetPath, error) {
	router, err := vnet.NewRouter(&vnet.RouterConfig{
		CIDR:          "10.77.0.0/24",
		MinDelay:      m.RTT / 2,
		LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled},
	})
	if err != nil {
		return nil, fmt.Errorf("e2e: virtual network: %w", err)
	}
	if m.Loss > 0 {
		var mu sync.Mutex
		rng := rand.New(rand.NewPCG(1, 2)) // fixed: runs are comparable
		router.AddChunkFilter(func(vnet.Chunk) bool {
			mu.Lock()
			defer mu.Unlock()
			return rng.Float64() >= m.Loss
		})
	}
	p := &vnetPath{router: router}
	add := func(ip string) (*vnet.Net, error) {
		n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
		if err != nil {
			return nil, err
		}
		var nic vnet.NIC = n
		if m.Rate > 0 {
			queueBytes := max(m.Rate/8/10, 64<<10) // 100 ms at the rate
			q, err := vnet.NewQueue(n, vnet.NewTBFQueue(int(m.Rate), 16<<10, queueBytes))
			if err != nil {
				return nil, err
			}
			p.queues = append(p.queues, q)
			nic = q
		}
		if err := router.AddNet(nic); err != nil {
			return nil, err
		}
		return n, nil
	}
	if p.host, err = add(vnetHostIP); err == nil {
		p.viewer, err = add(vnetViewerIP)
	}
	if err == nil {
		err = router.Start()
	}
	if err != nil {
		for _, q := range p.queues {
			_ = q.Close()
		}
		return nil, fmt.Errorf("e2e: virtual network: %w", err)
	}
	return p, nil
}

// Close stops the network. Close the peers using it first.
func (p *vnetPath) Close() error {
	err := p.router.Stop()
	for _, q := range p.queues {
		_ = q.Close()
	}
	return err
}
