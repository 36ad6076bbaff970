package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseImpairment(t *testing.T) {
	good := []struct {
		in   string
		want impairment
	}{
		{"delay=50ms,loss=1%,rate=10mbit", impairment{RTT: 50 * time.Millisecond, Loss: 0.01, Rate: 10_000_000}},
		{"delay=50ms", impairment{RTT: 50 * time.Millisecond}},
		{"loss=0.5", impairment{Loss: 0.005}},
		{" rate = 2mbps , delay=0s ", impairment{Rate: 16_000_000}},
		{"RATE=1Gbit", impairment{Rate: 1_000_000_000}},
		{"rate=64kbit", impairment{Rate: 64_000}},
		{"rate=1.5mbit", impairment{Rate: 1_500_000}},
		{"loss=0%", impairment{}},
	}
	for _, tc := range good {
		got, err := parseImpairment(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	bad := []string{
		"", "   ", "delay", "delay=", "delay=fast", "delay=-1ms", "delay=11s",
		"loss=x", "loss=-1%", "loss=51%", "loss=NaN",
		"rate=10", "rate=10mb", "rate=abcmbit", "rate=1bit", "rate=1000gbit", "rate=-5mbit",
		"jitter=5ms", "delay=5ms,delay=6ms", "delay=5ms,,loss=1",
	}
	for _, in := range bad {
		_, err := parseImpairment(in)
		require.ErrorIs(t, err, ErrImpairSpec, "%q", in)
	}
}

func TestImpairmentStringParsesBack(t *testing.T) {
	for _, m := range []impairment{
		{RTT: 50 * time.Millisecond, Loss: 0.01, Rate: 10_000_000},
		{Rate: 1_500_000},
		{Loss: 0.25},
		{RTT: 1500 * time.Microsecond},
	} {
		got, err := parseImpairment(m.String())
		require.NoError(t, err, m.String())
		assert.Equal(t, m, got)
	}
	assert.Equal(t, "none", impairment{}.String())
}
