//go:build !linux

package udpbatch

import "net"

// Wrap returns c itself: batching is implemented on Linux only.
func Wrap(c *net.UDPConn) (net.PacketConn, error) { return c, nil }
