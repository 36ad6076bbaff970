// Package udpbatch wraps a UDP socket so that a burst of datagrams crosses
// the kernel in a few large trips instead of one trip each.
//
// A WebRTC data channel carries a screen update as SCTP packets of about
// 1.2 KB (pion fixes that size), each one a sendto and, on the other side,
// a recvfrom. On loopback that per-datagram cost, not encryption, is what
// holds a peer connection to a few hundred Mbit/s. On Linux, Wrap's
// connection:
//
//   - queues datagrams that follow each other closely and hands them to a
//     goroutine of its own, which sends each run of equal-sized datagrams
//     to one address as a single sendmsg with UDP generic segmentation
//     offload (UDP_SEGMENT): the kernel cuts it into the same datagrams on
//     the wire. The first few datagrams after a pause go out at once,
//     from the writer, so a lone input event waits for no goroutine;
//   - turns on UDP generic receive offload (UDP_GRO), so that such a run
//     arrives in one recvmsg, and hands its datagrams out one per read.
//
// What travels on the wire is unchanged: the peer needs neither, and a
// peer that sends plain datagrams is read as before. Order is kept: a
// datagram is never sent before one written earlier. Errors of a queued
// datagram's send are dropped as the network would drop the datagram,
// except that writes after Close fail. Where the kernel refuses
// segmentation offload (a device without checksum offload), the sender
// falls back to one sendmsg per datagram.
//
// BenchmarkBurst measures it on loopback against a plain socket: about 38
// datagrams a system call, and a datagram sent and received in 2.4-2.9 µs
// instead of 7.9-8.7 µs on the project's 2-core machine. Inside a peer
// connection the gain is smaller (bench e2e's probe: 1.2x median), since
// SCTP sends in short bursts paced by its acknowledgements.
//
// On other systems Wrap returns the socket itself.
//
// Import policy: the standard library and golang.org/x/sys only.
package udpbatch
