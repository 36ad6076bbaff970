package signaling

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
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

// validSessionID reports whether s has the shape of the IDs newSessionID makes, so that a reclaim
// cannot pick a vanity ID such as "1".
func validSessionID(s string) bool {
	if len(s) != 9 || s[0] == '0' {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validToken reports whether s is min to max characters of the base64url alphabet, the shape of
// resume tokens and secrets: safe in JSON, URLs and logs' quoting.
func validToken(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// randomToken returns 32 random bytes in base64url (43 characters).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// NewResumeToken returns a fresh random resume token (256 bits, 43 characters of base64url) of
// the shape Resume and the server accept, for a host to give a viewer.
func NewResumeToken() string { return randomToken() }

// codesEqual compares in constant time so the response time does not leak how much of a guess was
// right.
func codesEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
