package signaling

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"strconv"
)

// codeAlphabet has lowercase letters and digits without the look-alikes 0/o and 1/l/i, so a code
// read aloud or from a screen is typed right the first time.
const codeAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newCode returns n characters from codeAlphabet, uniformly, from crypto/rand: the code is the only
// secret of a session.
func newCode(n int) string {
	const limit = 256 - 256%len(codeAlphabet) // reject bytes that would bias the modulo
	out := make([]byte, 0, n)
	var buf [64]byte
	for len(out) < n {
		_, _ = rand.Read(buf[:]) // never fails since Go 1.24 (it crashes the program instead)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, codeAlphabet[int(b)%len(codeAlphabet)])
			}
		}
	}
	return string(out)
}

// newSessionID returns 9 random digits not starting with 0, so that it reads as a number.
func newSessionID() string {
	const span = 900_000_000
	const limit = (1<<63 - 1) / span * span // reject values that would bias the modulo
	var b [8]byte
	for {
		_, _ = rand.Read(b[:])
		v := binary.LittleEndian.Uint64(b[:]) >> 1
		if v < limit {
			return strconv.FormatUint(v%span+100_000_000, 10)
		}
	}
}

// codesEqual compares in constant time so the response time does not leak how much of a guess was
// right.
func codesEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
