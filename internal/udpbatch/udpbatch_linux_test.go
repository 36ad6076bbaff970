package udpbatch

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// listen opens a loopback UDP socket with buffers large enough that the
// tests' bursts are not dropped.
func listen(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	_ = c.SetReadBuffer(4 << 20)
	_ = c.SetWriteBuffer(4 << 20)
	return c
}

// wrapped is a loopback socket behind Wrap, closed at the test's end.
func wrapped(t *testing.T) *Conn {
	t.Helper()
	pc, err := Wrap(listen(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = pc.Close() })
	return pc.(*Conn)
}

func addrOf(pc net.PacketConn) netip.AddrPort {
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// datagram i of a test: its length from sizes, its bytes telling i apart.
func payload(i, n int) []byte {
	p := make([]byte, n)
	for k := range p {
		p[k] = byte(i*31 + k)
	}
	return p
}

// readAll reads n datagrams within a few seconds.
func readAll(t *testing.T, r net.PacketConn, n int) ([][]byte, []netip.AddrPort) {
	t.Helper()
	got, from, err := readN(r, n, nil)
	require.NoError(t, err, "after %d of %d datagrams", len(got), n)
	return got, from
}

// readN reads n datagrams within a few seconds, counting them in count if
// not nil; it stops at the first error.
func readN(r net.PacketConn, n int, count *atomic.Int64) ([][]byte, []netip.AddrPort, error) {
	_ = r.SetReadDeadline(time.Now().Add(10 * time.Second))
	var got [][]byte
	var from []netip.AddrPort
	buf := make([]byte, 1<<16)
	for len(got) < n {
		k, addr, err := r.ReadFrom(buf)
		if err != nil {
			return got, from, err
		}
		got = append(got, bytes.Clone(buf[:k]))
		from = append(from, addr.(*net.UDPAddr).AddrPort())
		if count != nil {
			count.Add(1)
		}
	}
	return got, from, nil
}

// The sizes a burst is made of: runs of full-size datagrams ended by a
// shorter one, as SCTP sends a message, with lone small ones between.
func burstSizes(rng *rand.Rand, n int) []int {
	sizes := make([]int, 0, n)
	for len(sizes) < n {
		switch rng.IntN(4) {
		case 0:
			sizes = append(sizes, rng.IntN(100)) // an ack, a ping, an empty one
		default:
			full := 1200 + rng.IntN(40)
			for range 1 + rng.IntN(150) {
				sizes = append(sizes, full)
			}
			sizes = append(sizes, 1+rng.IntN(full))
		}
	}
	return sizes[:n]
}

// Datagrams written in bursts arrive whole, in order and from the right
// address, at a batching receiver and at a plain one; and they took far
// fewer system calls than datagrams on both sides.
func TestBurstsArriveInOrder(t *testing.T) {
	for _, plain := range []bool{false, true} {
		name := map[bool]string{false: "batching receiver", true: "plain receiver"}[plain]
		t.Run(name, func(t *testing.T) {
			w := wrapped(t)
			var r net.PacketConn
			if plain {
				c := listen(t)
				t.Cleanup(func() { _ = c.Close() })
				r = c
			} else {
				r = wrapped(t)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			sizes := burstSizes(rng, 3000)
			type result struct {
				got  [][]byte
				from []netip.AddrPort
				err  error
			}
			done := make(chan result, 1)
			var read atomic.Int64
			go func() {
				got, from, err := readN(r, len(sizes), &read)
				done <- result{got, from, err}
			}()
			to := addrOf(r)
			for i, n := range sizes {
				// At most 64 datagrams ahead of the reader, well within
				// a default socket buffer (net.core.rmem_max may be
				// 208 KiB): a loss here would be the test's, not a bug.
				for int64(i)-read.Load() >= 64 {
					time.Sleep(50 * time.Microsecond)
				}
				_, err := w.WriteToAddrPort(payload(i, n), to)
				require.NoError(t, err)
			}
			res := <-done
			require.NoError(t, res.err, "after %d of %d datagrams", len(res.got), len(sizes))
			require.Len(t, res.got, len(sizes), "datagrams lost")
			for i, n := range sizes {
				if !bytes.Equal(payload(i, n), res.got[i]) {
					t.Fatalf("datagram %d of %d: got %d bytes, want %d (out of order or cut)", i, len(sizes), len(res.got[i]), n)
				}
				require.Equal(t, addrOf(w), res.from[i])
			}
			st := sent(w)
			assert.Equal(t, uint64(len(sizes)), st.Sent)
			assert.Less(t, st.Sends, st.Sent/2, "sends were not batched")
			if !plain {
				rs := r.(*Conn).Stats()
				assert.Equal(t, uint64(len(sizes)), rs.Received)
				assert.Less(t, rs.Receives, rs.Received/2, "receives were not batched")
			}
		})
	}
}

// sent waits for w's send in progress, if any, to finish, so that its
// stats count it: a datagram may arrive before its send call returns.
func sent(w *Conn) Stats {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	return w.Stats()
}

// holdSender keeps w's sending goroutine and any writer's own flush from
// sending until the returned func is called, and makes the next writes
// count as following closely; what is written meanwhile queues.
func holdSender(w *Conn) (release func()) {
	w.sendMu.Lock()
	w.mu.Lock()
	w.last = time.Now().Add(time.Hour)
	w.streak = burstAfter
	w.mu.Unlock()
	return w.sendMu.Unlock
}

// A queue is cut into runs exactly where it must be: at a change of
// address, at a datagram longer than the run's first, after a shorter one,
// at 64 datagrams and at 64 KiB. Each run is one send, and the batching
// receiver gets each run in one read.
func TestRuns(t *testing.T) {
	w := wrapped(t)
	a, b := wrapped(t), wrapped(t)
	type dg struct {
		to   *Conn
		size int
	}
	var dgs []dg
	add := func(to *Conn, size, n int) {
		for range n {
			dgs = append(dgs, dg{to, size})
		}
	}
	add(a, 1000, 10) // run 1: 10 to a
	add(b, 1000, 5)  // run 2: address changes
	add(b, 1200, 3)  // run 3: longer than 1000
	add(b, 700, 1)   //        a shorter one ends run 3
	add(b, 500, 100) // runs 4, 5: at most 64 datagrams
	add(a, 25000, 3) // runs 6, 7: 2 x 25000, and a third would pass 64 KiB
	add(a, 0, 2)     // runs 8, 9: empty datagrams go one by one
	wantRuns := map[*Conn]uint64{a: 5, b: 4}

	release := holdSender(w)
	for i, d := range dgs {
		_, err := w.WriteToAddrPort(payload(i, d.size), addrOf(d.to))
		require.NoError(t, err)
	}
	release()

	for _, r := range []*Conn{a, b} {
		var want [][]byte
		for i, d := range dgs {
			if d.to == r {
				want = append(want, payload(i, d.size))
			}
		}
		got, _ := readAll(t, r, len(want))
		require.Equal(t, want, got)
		assert.Equal(t, wantRuns[r], r.Stats().Receives, "reads of runs")
	}
	assert.Equal(t, wantRuns[a]+wantRuns[b], sent(w).Sends)
	assert.Equal(t, uint64(len(dgs)), sent(w).Sent)
}

// queueThenRead queues n datagrams of size bytes from w to r while w's
// sender is held, releases it, and checks that r gets them all, in order.
func queueThenRead(t *testing.T, w, r *Conn, n, size int) {
	t.Helper()
	release := holdSender(w)
	for i := range n {
		_, err := w.WriteToAddrPort(payload(i, size), addrOf(r))
		require.NoError(t, err)
	}
	release()
	got, _ := readAll(t, r, n)
	for i := range n {
		require.Equal(t, payload(i, size), got[i], "datagram %d", i)
	}
}

// Without segmentation offload every datagram is its own send, and still
// arrives in order.
func TestWithoutOffload(t *testing.T) {
	w, r := wrapped(t), wrapped(t)
	w.gso.Store(false)
	queueThenRead(t, w, r, 50, 1100)
	assert.Equal(t, uint64(50), sent(w).Sends)
}

// When the kernel refuses a segmentation-offload send, the run goes out a
// datagram at a time, in order; after EIO (a device that cannot checksum
// segments) the connection stops asking for the offload, after EINVAL (a
// run the path cannot take) it asks again next time.
func TestOffloadRefused(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EIO, syscall.EINVAL} {
		t.Run(errno.Error(), func(t *testing.T) {
			w, r := wrapped(t), wrapped(t)
			real := w.write
			var refused atomic.Int32
			w.write = func(p, oob []byte, to netip.AddrPort) error {
				if len(oob) > 0 {
					refused.Add(1)
					return &net.OpError{Op: "write", Net: "udp", Err: os.NewSyscallError("sendmsg", errno)}
				}
				return real(p, oob, to)
			}
			queueThenRead(t, w, r, 20, 1000)
			assert.Equal(t, int32(1), refused.Load(), "one offload send tried")
			assert.Equal(t, uint64(20), sent(w).Sends, "then one send per datagram")
			assert.Equal(t, errno == syscall.EINVAL, w.gso.Load(), "offload still asked for")
		})
	}
}

// After a pause the first burstAfter datagrams are sent by their writer
// before the write returns (no goroutine hand-off for a lone input event
// and its acknowledgement); the ones after them, a burst, are queued.
func TestFirstAfterPauseGoAtOnce(t *testing.T) {
	w, r := wrapped(t), wrapped(t)
	time.Sleep(2 * pause)
	for i := range burstAfter {
		_, err := w.WriteToAddrPort(payload(i, 100), addrOf(r))
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), w.Stats().Sends, "datagram %d sent within its write", i)
	}
	// The next one within the burst (set so: the machine may have
	// paused this test between the writes) is queued, and its write does
	// not wait for the send.
	release := holdSender(w)
	_, err := w.WriteToAddrPort(payload(burstAfter, 100), addrOf(r))
	require.NoError(t, err)
	assert.Equal(t, uint64(burstAfter), w.Stats().Sends)
	release()
	got, _ := readAll(t, r, burstAfter+1)
	for i := range burstAfter + 1 {
		require.Equal(t, payload(i, 100), got[i])
	}
}

// A reader's buffer shorter than the datagram gets its start, as with a
// plain socket, and the next read gets the next datagram of the run.
func TestShortReadBuffer(t *testing.T) {
	w, r := wrapped(t), wrapped(t)
	release := holdSender(w)
	for i := range 3 {
		_, err := w.WriteToAddrPort(payload(i, 1000), addrOf(r))
		require.NoError(t, err)
	}
	release()
	require.NoError(t, r.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 10)
	for i := range 3 {
		n, _, err := r.ReadFromAddrPort(buf)
		require.NoError(t, err)
		require.Equal(t, payload(i, 1000)[:10], buf[:n])
	}
}

// Wrong uses and a closed connection give errors, never a hang: too large
// a datagram, an address of another kind, a read past its deadline, and a
// read blocked when the connection closes.
func TestErrors(t *testing.T) {
	w := wrapped(t)
	_, err := w.WriteToAddrPort(make([]byte, 70000), netip.MustParseAddrPort("127.0.0.1:9"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "message too long")
	_, err = w.WriteTo([]byte("x"), &net.IPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.Error(t, err)

	require.NoError(t, w.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	_, _, err = w.ReadFrom(make([]byte, 100))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.NoError(t, w.SetReadDeadline(time.Time{}))

	readErr := make(chan error, 1)
	go func() {
		_, _, err := w.ReadFromAddrPort(make([]byte, 100))
		readErr <- err
	}()
	time.Sleep(20 * time.Millisecond)
	require.NoError(t, w.Close())
	select {
	case err := <-readErr:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked read did not end at Close")
	}
	_, err = w.WriteToAddrPort([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9"))
	require.ErrorIs(t, err, net.ErrClosed)
	require.True(t, errors.Is(w.Close(), net.ErrClosed), "a second Close")
}
