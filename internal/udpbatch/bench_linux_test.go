package udpbatch

import (
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBurst carries bursts of 1200-byte datagrams (an SCTP packet
// inside DTLS) over loopback, from one socket to another, plain or
// wrapped on both sides: the cost per datagram of sending and receiving
// it, which batching divides. The writer stays at most 256 datagrams
// ahead of the reader, so that nothing is dropped.
func BenchmarkBurst(b *testing.B) {
	for _, wrap := range []bool{false, true} {
		b.Run(map[bool]string{false: "plain", true: "batched"}[wrap], func(b *testing.B) {
			open := func() (net.PacketConn, func(p []byte, to netip.AddrPort) error, func([]byte) error) {
				c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				if err != nil {
					b.Fatal(err)
				}
				_ = c.SetReadBuffer(4 << 20)
				_ = c.SetWriteBuffer(4 << 20)
				if !wrap {
					return c, func(p []byte, to netip.AddrPort) error { _, err := c.WriteToUDPAddrPort(p, to); return err },
						func(p []byte) error { _, _, err := c.ReadFromUDPAddrPort(p); return err }
				}
				pc, err := Wrap(c)
				if err != nil {
					b.Fatal(err)
				}
				w := pc.(*Conn)
				return w, func(p []byte, to netip.AddrPort) error { _, err := w.WriteToAddrPort(p, to); return err },
					func(p []byte) error { _, _, err := w.ReadFromAddrPort(p); return err }
			}
			w, write, _ := open()
			r, _, read := open()
			defer w.Close()
			defer r.Close()
			to := r.LocalAddr().(*net.UDPAddr).AddrPort()
			var got atomic.Int64
			done := make(chan error, 1)
			go func() {
				buf := make([]byte, 2048)
				for range b.N {
					if err := read(buf); err != nil {
						done <- err
						return
					}
					got.Add(1)
				}
				done <- nil
			}()
			p := make([]byte, 1200)
			b.SetBytes(int64(len(p)))
			b.ResetTimer()
			for i := range b.N {
				for int64(i)-got.Load() >= 256 {
					runtime.Gosched()
				}
				if err := write(p, to); err != nil {
					b.Fatal(err)
				}
			}
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("%d of %d datagrams arrived", got.Load(), b.N)
			}
			if wrap {
				b.StopTimer()
				b.ReportMetric(float64(sent(w.(*Conn)).Sends)/float64(b.N), "sends/datagram")
				b.ReportMetric(float64(r.(*Conn).Stats().Receives)/float64(b.N), "receives/datagram")
			}
		})
	}
}
