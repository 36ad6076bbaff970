package e2e

import "time"

// cpuMeter measures a process's CPU use over a span, as a percentage of
// one core.
type cpuMeter struct {
	wall time.Time
	cpu  time.Duration
	ok   bool
}

func startCPU() cpuMeter {
	c, ok := cpuTime()
	return cpuMeter{wall: time.Now(), cpu: c, ok: ok}
}

// percent returns the CPU used since start, in % of one core, or nil when
// it cannot be measured here.
func (m cpuMeter) percent() *float64 {
	c, ok := cpuTime()
	wall := time.Since(m.wall)
	if !ok || !m.ok || wall <= 0 {
		return nil
	}
	p := 100 * float64(c-m.cpu) / float64(wall)
	return &p
}
