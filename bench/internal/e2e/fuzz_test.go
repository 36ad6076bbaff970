package e2e

import (
	"os"
	"path/filepath"
	"testing"
)

// Any --impair text parses or fails with ErrImpairSpec, never panics, and
// what parses stays in range and prints back to the same impairment.
func FuzzParseImpairment(f *testing.F) {
	for _, s := range []string{"delay=50ms,loss=1%,rate=10mbit", "loss=0.5", "rate=2mbps", "delay=", "x=y", "rate=1e9bit", ",,", "loss=1e-9%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseImpairment(s)
		if err != nil {
			return
		}
		if m.RTT < 0 || m.RTT > maxImpairRTT || m.Loss < 0 || m.Loss > maxImpairLoss || (m.Rate != 0 && (m.Rate < minImpairRate || m.Rate > maxImpairRate)) {
			t.Fatalf("%q parsed out of range: %+v", s, m)
		}
		if _, err := parseImpairment(m.String()); m != (impairment{}) && err != nil {
			t.Fatalf("%q -> %q does not parse: %v", s, m.String(), err)
		}
	})
}

// Picture files come from another process: a broken one is an error, and
// never makes the reader allocate more than its header's bounded size.
func FuzzReadRaw(f *testing.F) {
	f.Add([]byte(rawMagic + "\x02\x00\x00\x00\x01\x00\x00\x00" + "12345678"))
	f.Add([]byte(rawMagic + "\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Add([]byte("nope"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "f.raw")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		img, err := readRaw(path)
		if err != nil {
			return
		}
		if n := 4 * img.Rect.Dx() * img.Rect.Dy(); len(b) < 16+n {
			t.Fatalf("a %v picture from %d bytes", img.Rect, len(b))
		}
	})
}
