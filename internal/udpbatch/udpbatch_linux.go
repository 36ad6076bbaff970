package udpbatch

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

const (
	// maxSegments is the kernel's limit on the datagrams of one
	// segmentation-offload send (UDP_MAX_SEGMENTS).
	maxSegments = 64
	// maxRunBytes bounds the payload of one send: an IP datagram's 64 KiB,
	// less its IPv6 and UDP headers.
	maxRunBytes = 65535 - 40 - 8
	// queueBytes is how much a writer queues before it sends the queue
	// itself, which also holds a writer back while the kernel is slow.
	queueBytes = 256 << 10
	// A datagram is sent at once by its writer, not queued, unless the
	// burstAfter datagrams written before it each followed the previous
	// one within pause: a message of a few datagrams after a quiet time
	// (an input event, its acknowledgement, a keepalive) does not wait
	// for the sending goroutine to wake up, and a burst is batched.
	pause      = 200 * time.Microsecond
	burstAfter = 4
	// readBuffer holds one received run (at most 64 KiB with UDP_GRO).
	readBuffer = 1 << 17
)

// Wrap returns c as a connection that batches its sends and receives (see
// the package documentation). The returned connection owns c: closing it
// closes c. It also implements ReadFromAddrPort and WriteToAddrPort, the
// allocation-free form pion's ICE mux looks for.
func Wrap(c *net.UDPConn) (net.PacketConn, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	b := &Conn{
		c:      c,
		fill:   new(queue),
		spare:  new(queue),
		kick:   make(chan struct{}, 1),
		done:   make(chan struct{}),
		ended:  make(chan struct{}),
		rbuf:   make([]byte, readBuffer),
		oob:    make([]byte, unix.CmsgSpace(4)),
		gsoOOB: make([]byte, unix.CmsgSpace(2)),
	}
	b.write = func(p, oob []byte, to netip.AddrPort) error {
		_, _, err := c.WriteMsgUDPAddrPort(p, oob, to)
		return err
	}
	// Kernel support for both offloads came in Linux 4.18 (send) and 5.0
	// (receive); without them the connection still batches the work
	// into its own goroutine and sends datagram by datagram.
	var sockErr error
	err = rc.Control(func(fd uintptr) {
		if _, e := unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_SEGMENT); e == nil {
			b.gso.Store(true)
		}
		if e := unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_GRO, 1); e != nil && !errors.Is(e, unix.ENOPROTOOPT) {
			sockErr = e
		}
	})
	if err == nil {
		err = sockErr
	}
	if err != nil {
		return nil, err
	}
	go b.sender()
	return b, nil
}

// Conn is the connection Wrap returns on Linux.
type Conn struct {
	c *net.UDPConn

	// mu guards fill, closed, last and streak.
	mu     sync.Mutex
	fill   *queue // datagrams written and not yet taken for sending
	closed bool
	last   time.Time // when the last datagram was written
	streak int       // datagrams written less than pause apart before it, up to burstAfter

	// sendMu is held while a queue goes to the kernel, so that datagrams
	// leave in the order they were written; it guards spare, the queue
	// being sent, and the send buffers below.
	sendMu sync.Mutex
	spare  *queue
	gsoOOB []byte
	gso    atomic.Bool                                  // the kernel accepts UDP_SEGMENT
	write  func(p, oob []byte, to netip.AddrPort) error // one sendmsg

	stats struct{ sends, sent, receives, received atomic.Uint64 }

	kick  chan struct{} // the queue has datagrams; capacity 1
	done  chan struct{} // closed by Close
	ended chan struct{} // closed when the sending goroutine returns

	// readMu guards the reading state: one read at a time.
	readMu  sync.Mutex
	rbuf    []byte
	oob     []byte
	pending []byte // the datagrams of the last run not yet read
	seg     int    // their size (the last one may be shorter)
	left    int    // how many they are
	from    netip.AddrPort
}

// queue is datagrams back to back in one buffer, so that a run of them is
// one contiguous slice for a segmentation-offload send.
type queue struct {
	buf  []byte
	dgms []datagram
}

type datagram struct {
	to  netip.AddrPort
	end int // offset of its end in buf
}

func (q *queue) reset() {
	q.buf = q.buf[:0]
	q.dgms = q.dgms[:0]
}

// WriteToAddrPort queues p for to, or sends it at once if it does not
// follow a burst (see burstAfter). It
// reports an error when the connection is closed, when p is too large for
// a UDP datagram, or when it sent p itself and that failed.
func (b *Conn) WriteToAddrPort(p []byte, to netip.AddrPort) (int, error) {
	if len(p) > maxRunBytes {
		return 0, b.opError("write", to, syscall.EMSGSIZE)
	}
	to = netip.AddrPortFrom(to.Addr().Unmap(), to.Port())
	now := time.Now()
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return 0, b.opError("write", to, net.ErrClosed)
	}
	q := b.fill
	first := len(q.dgms) == 0
	if now.Sub(b.last) > pause {
		b.streak = 0
	} else if b.streak < burstAfter {
		b.streak++
	}
	b.last = now
	alone := first && b.streak < burstAfter
	q.buf = append(q.buf, p...)
	q.dgms = append(q.dgms, datagram{to: to, end: len(q.buf)})
	full := len(q.buf) >= queueBytes
	b.mu.Unlock()
	if alone || full {
		// Alone, p is the first datagram of the queue, whose error flush
		// returns. Full, the error may be another datagram's: only a
		// closed connection concerns this one.
		if err := b.flush(); err != nil && (alone || errors.Is(err, net.ErrClosed)) {
			return 0, err
		}
		return len(p), nil
	}
	if first {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return len(p), nil
}

// WriteTo is WriteToAddrPort for a *net.UDPAddr.
func (b *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, b.opError("write", netip.AddrPort{}, syscall.EAFNOSUPPORT)
	}
	return b.WriteToAddrPort(p, ua.AddrPort())
}

// sender sends what writers queue until Close.
func (b *Conn) sender() {
	defer close(b.ended)
	for {
		select {
		case <-b.kick:
		case <-b.done:
			return
		}
		_ = b.flush() // a lost datagram, as the network may lose it
	}
}

// flush sends every queued datagram, in order, and returns the error of
// the send that carried the first one.
func (b *Conn) flush() error {
	b.sendMu.Lock()
	defer b.sendMu.Unlock()
	b.mu.Lock()
	q := b.fill
	b.fill, b.spare = b.spare, q
	b.mu.Unlock()
	defer q.reset()

	var first error
	start := 0
	for i := 0; i < len(q.dgms); {
		to := q.dgms[i].to
		size := q.dgms[i].end - start
		j := i + 1
		end := q.dgms[i].end
		if size > 0 && b.gso.Load() {
			// A run: datagrams to the same address, all of the first's size
			// but the last, which may be shorter but not empty.
			for j < len(q.dgms) && j-i < maxSegments && q.dgms[j].to == to {
				n := q.dgms[j].end - end
				if n > size || n == 0 || q.dgms[j].end-start > maxRunBytes {
					break
				}
				end = q.dgms[j].end
				j++
				if n < size {
					break
				}
			}
		}
		if err := b.sendRun(q.buf[start:end], to, size, j-i); i == 0 {
			first = err
		}
		start, i = end, j
	}
	return first
}

// sendRun sends run, n datagrams of size bytes (the last may be shorter),
// to to: as one segmentation-offload send when n > 1, falling back to one
// send each if the kernel refuses it.
func (b *Conn) sendRun(run []byte, to netip.AddrPort, size, n int) error {
	if n > 1 {
		err := b.send(run, to, size)
		if err == nil {
			return nil
		}
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			return err // closed, or a deadline: not the offload's fault
		}
		// EIO: the device cannot checksum segments, so stop asking for
		// the offload if single sends work; EINVAL: this run's segments
		// are too large for the path, and later runs may be fine. Either
		// way, send this run's datagrams one by one.
		var first error
		for len(run) > 0 {
			k := min(size, len(run))
			if err := b.send(run[:k], to, 0); err != nil && first == nil {
				first = err
			}
			run = run[k:]
		}
		if first == nil && errno != syscall.EINVAL {
			b.gso.Store(false)
		}
		return first
	}
	return b.send(run, to, 0)
}

// send is one sendmsg of p to to, with a UDP_SEGMENT size when seg > 0.
// The caller holds sendMu.
func (b *Conn) send(p []byte, to netip.AddrPort, seg int) error {
	var oob []byte
	if seg > 0 {
		oob = b.gsoOOB
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		h.Level, h.Type = unix.IPPROTO_UDP, unix.UDP_SEGMENT
		h.SetLen(unix.CmsgLen(2))
		*(*uint16)(unsafe.Pointer(&oob[unix.CmsgLen(0)])) = uint16(seg)
	}
	err := b.write(p, oob, to)
	if err == nil {
		b.stats.sends.Add(1)
		if seg > 0 {
			b.stats.sent.Add(uint64((len(p) + seg - 1) / seg))
		} else {
			b.stats.sent.Add(1)
		}
	}
	return err
}

// ReadFromAddrPort reads one datagram into p.
func (b *Conn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	b.readMu.Lock()
	defer b.readMu.Unlock()
	for b.left == 0 {
		if err := b.receive(); err != nil {
			return 0, netip.AddrPort{}, err
		}
	}
	k := min(b.seg, len(b.pending))
	n := copy(p, b.pending[:k])
	b.pending = b.pending[k:]
	b.left--
	return n, b.from, nil
}

// ReadFrom is ReadFromAddrPort with a *net.UDPAddr.
func (b *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := b.ReadFromAddrPort(p)
	if err != nil {
		return 0, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// receive reads the next datagram, or run of them, into pending. The
// caller holds readMu.
func (b *Conn) receive() error {
	n, oobn, flags, from, err := b.c.ReadMsgUDPAddrPort(b.rbuf, b.oob)
	if err != nil {
		return err
	}
	if flags&unix.MSG_TRUNC != 0 {
		return nil // larger than any datagram a peer may send: dropped
	}
	b.from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	b.pending, b.seg, b.left = b.rbuf[:n], n, 1 // an empty datagram is one too
	if s := groSize(b.oob[:oobn]); s > 0 && s < n {
		b.seg, b.left = s, (n+s-1)/s
	}
	b.stats.receives.Add(1)
	b.stats.received.Add(uint64(b.left))
	return nil
}

// groSize returns the segment size in a UDP_GRO control message, or 0.
func groSize(oob []byte) int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_UDP && m.Header.Type == unix.UDP_GRO && len(m.Data) >= 4 {
			return int(*(*int32)(unsafe.Pointer(&m.Data[0])))
		}
	}
	return 0
}

// Close stops the sending goroutine and closes the socket; datagrams still
// queued are not sent.
func (b *Conn) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return b.opError("close", netip.AddrPort{}, net.ErrClosed)
	}
	b.closed = true
	b.mu.Unlock()
	close(b.done)
	err := b.c.Close()
	<-b.ended
	return err
}

// Stats counts a connection's system calls and datagrams.
type Stats struct {
	Sends, Sent        uint64 // send calls made, datagrams they carried
	Receives, Received uint64 // receive calls, datagrams they returned
}

// Stats returns the counts so far.
func (b *Conn) Stats() Stats {
	return Stats{
		Sends: b.stats.sends.Load(), Sent: b.stats.sent.Load(),
		Receives: b.stats.receives.Load(), Received: b.stats.received.Load(),
	}
}

func (b *Conn) LocalAddr() net.Addr                { return b.c.LocalAddr() }
func (b *Conn) SetDeadline(t time.Time) error      { return b.c.SetDeadline(t) }
func (b *Conn) SetReadDeadline(t time.Time) error  { return b.c.SetReadDeadline(t) }
func (b *Conn) SetWriteDeadline(t time.Time) error { return b.c.SetWriteDeadline(t) }

func (b *Conn) opError(op string, to netip.AddrPort, err error) error {
	if _, ok := err.(*net.OpError); ok {
		return err
	}
	var addr net.Addr
	if to.IsValid() {
		addr = net.UDPAddrFromAddrPort(to)
	}
	return &net.OpError{Op: op, Net: "udp", Source: b.c.LocalAddr(), Addr: addr, Err: err}
}
