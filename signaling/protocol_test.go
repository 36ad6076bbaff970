package signaling

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCandidateJSONMatchesBrowsersAndPion(t *testing.T) {
	// As RTCIceCandidate.toJSON() and pion's ICECandidateInit marshal it.
	const browser = `{"candidate":"candidate:842163049 1 udp 1677729535 192.0.2.1 3478 typ srflx","sdpMid":"0","sdpMLineIndex":0,"usernameFragment":"Yw9d"}`
	var c Candidate
	require.NoError(t, json.Unmarshal([]byte(browser), &c))
	require.NotNil(t, c.SDPMLineIndex)
	assert.Equal(t, uint16(0), *c.SDPMLineIndex)
	out, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, browser, string(out))

	out, err = json.Marshal(Signal{Type: "candidate"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"candidate"}`, string(out))
}

func TestParseClientMessageNormalises(t *testing.T) {
	m, werr := parseClientMessage([]byte(`{"v":1,"type":"join","id":"123 456-789","code":"AB3-K7X","name":"bob\u0007\n"}`), 1<<10)
	require.Nil(t, werr)
	assert.Equal(t, clientMessage{V: 1, Type: msgJoin, ID: "123456789", Code: "ab3k7x", Name: "bob"}, m)

	_, werr = parseClientMessage([]byte(`{"v":1,"type":"join","code":"abc"}`), 1<<10)
	require.NotNil(t, werr)
	assert.Equal(t, codeBadMessage, werr.code)

	// A token is a machine string: kept as it is, not normalised like a code.
	m, werr = parseClientMessage([]byte(`{"v":1,"type":"join","id":"123456789","resume":"AbC-_0123456789xyz"}`), 1<<10)
	require.Nil(t, werr)
	assert.Equal(t, clientMessage{V: 1, Type: msgJoin, ID: "123456789", Resume: "AbC-_0123456789xyz"}, m)
	m, werr = parseClientMessage([]byte(`{"v":1,"type":"register","id":"123456789","secret":"abcdefghijklmnopqrstuvwxyz"}`), 1<<10)
	require.Nil(t, werr)
	assert.Equal(t, clientMessage{V: 1, Type: msgRegister, ID: "123456789", Secret: "abcdefghijklmnopqrstuvwxyz"}, m)
	m, werr = parseClientMessage([]byte(`{"v":1,"type":"reject","peer":"p3"}`), 1<<10)
	require.Nil(t, werr)
	assert.Equal(t, clientMessage{V: 1, Type: msgReject, Peer: "p3"}, m)
	for _, bad := range []string{
		`{"v":1,"type":"reject"}`,
		`{"v":1,"type":"join","id":"123456789","resume":null,"code":null}`,
		`{"v":1,"type":"join","id":"123456789","resume":7}`,
		`{"v":1,"type":"register","id":"123456789","secret":""}`,
	} {
		_, werr = parseClientMessage([]byte(bad), 1<<10)
		require.NotNil(t, werr, bad)
		assert.Equal(t, codeBadMessage, werr.code, bad)
	}

	_, werr = parseClientMessage([]byte(`{"v":1,"type":"signal","signal":"offer"}`), 1<<10)
	require.NotNil(t, werr)
	assert.Equal(t, codeBadMessage, werr.code)

	_, werr = parseClientMessage([]byte(`{"v":1,"type":"register","name":"`+strings.Repeat("x", 2000)+`"}`), 1<<10)
	require.NotNil(t, werr)
	assert.Equal(t, codeTooBig, werr.code)

	m, werr = parseClientMessage([]byte(`{"v":1,"type":"register","name":"`+strings.Repeat("é", 100)+`"}`), 1<<10)
	require.Nil(t, werr)
	assert.LessOrEqual(t, len(m.Name), maxNameLen)
	assert.True(t, utf8.ValidString(m.Name))
}

func TestErrorForMapsEveryCode(t *testing.T) {
	cases := map[string]error{
		codeBadCode: ErrBadCode, codeExpired: ErrExpired, codeUnknownID: ErrUnknownID,
		codeLocked: ErrLocked, codeRateLimited: ErrRateLimited, codeVersion: ErrVersion,
		codeFull: ErrFull, codeTooBig: ErrTooBig, codeBadMessage: ErrProtocol, codeTimeout: ErrProtocol,
		codeServerClosed: ErrServerGone, codePeerGone: ErrPeerGone, "from-the-future": ErrProtocol,
		codeIDTaken: ErrIDTaken, codeReplaced: ErrReplaced, codeResumeFailed: ErrResumeRefused,
	}
	for code, want := range cases {
		assert.ErrorIs(t, errorFor(code, "detail", time.Second), want, code)
	}
	var re *RetryError
	require.True(t, errors.As(errorFor(codeLocked, "", 1500*time.Millisecond), &re))
	assert.Equal(t, 1500*time.Millisecond, re.After)
	assert.Equal(t, "signaling: too many wrong codes for this session ID; wait before trying again (retry in 1.5s)", re.Error())
}

func TestCodesAndIDs(t *testing.T) {
	seen := map[byte]bool{}
	for range 200 {
		c := newCode(32)
		require.Len(t, c, 32)
		for i := range len(c) {
			require.Contains(t, codeAlphabet, string(c[i]))
			seen[c[i]] = true
		}
		id := newSessionID()
		require.Regexp(t, `^[1-9][0-9]{8}$`, id)
	}
	assert.Len(t, seen, len(codeAlphabet), "every character of the alphabet is used")
	for _, bad := range "0o1li" {
		assert.NotContains(t, codeAlphabet, string(bad))
	}
	assert.True(t, codesEqual("abc", "abc"))
	assert.False(t, codesEqual("abc", "abd"))
	assert.False(t, codesEqual("abc", "ab"))
}

// FuzzServerMessage fuzzes the server's parser of client messages: it must never panic, must
// accept only well-formed messages of the protocol, and must be stable (re-encoding what it
// accepted parses to the same message).
func FuzzServerMessage(f *testing.F) {
	seeds := []string{
		`{"v":1,"type":"register","name":"alice"}`,
		`{"v":1,"type":"join","id":"123 456 789","code":"AB3-K7X","name":"bob"}`,
		`{"v":1,"type":"signal","peer":"p1","signal":{"type":"offer","sdp":"v=0\r\n"}}`,
		`{"v":1,"type":"signal","signal":{"type":"candidate","candidate":{"candidate":"c","sdpMid":"0","sdpMLineIndex":0}}}`,
		`{"v":1,"type":"leave","peer":"p1"}`,
		`{"v":2,"type":"register"}`, `{"type":"join"}`, `{"v":1}`, `null`, `[]`, `{"v":"1"}`, `{"v":1.5}`,
		`{"v":1,"type":"signal","signal":{"type":""}}`, `{"v":1,"type":"signal","signal":[1]}`,
		`{"v":1,"type":"register","name":"\u0000\ud800"}`, "{\"v\":1,\"type\":\"join\",\"id\":\"1\",\"name\":\"\xff\"}",
		`{"v":1,"type":"join","id":"123456789","resume":"0123456789abcdef_-AZ"}`,
		`{"v":1,"type":"join","id":"123456789","resume":"short"}`,
		`{"v":1,"type":"join","id":"123456789","code":"ab3k7x","resume":"0123456789abcdef"}`,
		`{"v":1,"type":"register","id":"123456789","secret":"0123456789abcdefghijklmnop"}`,
		`{"v":1,"type":"register","id":"023456789","secret":"0123456789abcdefghijklmnop"}`,
		`{"v":1,"type":"register","secret":"0123456789abcdefghijklmnop"}`,
		`{"v":1,"type":"reject","peer":"p1"}`, `{"v":1,"type":"reject","peer":""}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	const limit = 64 << 10
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 2*limit {
			return
		}
		m, werr := parseClientMessage(data, limit)
		if werr != nil {
			switch werr.code {
			case codeBadMessage, codeVersion, codeTooBig:
			default:
				t.Fatalf("unexpected error code %q", werr.code)
			}
			if werr.message == "" {
				t.Fatal("error without a message")
			}
			return
		}
		if m.V != ProtocolVersion {
			t.Fatalf("accepted version %d", m.V)
		}
		switch m.Type {
		case msgLeave:
		case msgRegister:
			if (m.ID == "") != (m.Secret == "") || m.ID != "" && (!validSessionID(m.ID) || !validToken(m.Secret, minSecretLen, maxSecretLen)) {
				t.Fatalf("accepted a bad reclaim: %+v", m)
			}
		case msgJoin:
			if (m.Code == "") == (m.Resume == "") || m.Resume != "" && !validToken(m.Resume, minTokenLen, maxTokenLen) {
				t.Fatalf("accepted a join without exactly one good code or token: %+v", m)
			}
		case msgReject:
			if m.Peer == "" {
				t.Fatal("accepted a reject without a peer")
			}
		case msgSignal:
			if err := checkSignalJSON(m.Signal); err != nil {
				t.Fatalf("accepted a bad signal: %v", err)
			}
		default:
			t.Fatalf("accepted type %q", m.Type)
		}
		if len(m.Name) > maxNameLen || !utf8.ValidString(m.Name) || len(m.ID) > maxIDLen || len(m.Code) > maxCodeLen || len(m.Peer) > maxPeerLen {
			t.Fatalf("field out of bounds: %+v", m)
		}
		again, err := encodeJSON(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, werr := parseClientMessage(again, 4*limit)
		if werr != nil {
			t.Fatalf("re-encoded message refused: %v (%s)", werr, again)
		}
		if m2.Type != m.Type || m2.ID != m.ID || m2.Code != m.Code || m2.Name != m.Name || m2.Peer != m.Peer || m2.Resume != m.Resume || m2.Secret != m.Secret {
			t.Fatalf("not stable: %+v then %+v", m, m2)
		}
	})
}

// FuzzClientMessage fuzzes the client's parser of server messages, which must survive a broken or
// hostile server.
func FuzzClientMessage(f *testing.F) {
	seeds := []string{
		`{"v":1,"type":"registered","id":"123456789","code":"ab3k7x","expires_in_ms":600000,"max_message":65536}`,
		`{"v":1,"type":"peer","peer":"p1","addr":"127.0.0.1:5000","name":"bob"}`,
		`{"v":1,"type":"signal","peer":"p1","signal":{"type":"offer","sdp":"x"}}`,
		`{"v":1,"type":"signal","signal":{"type":"candidate","candidate":{"candidate":"c","sdpMLineIndex":70000}}}`,
		`{"v":1,"type":"error","error":"locked","message":"wait","retry_after_ms":-5}`,
		`{"v":1,"type":"error","error":"rate_limited","retry_after_ms":9223372036854775807}`,
		`{"v":0}`, `{}`, `"x"`,
		`{"v":1,"type":"registered","id":"123456789","code":"ab3k7x","secret":"0123456789abcdefghijklmnopqrstuvwxyz_-ABCDE"}`,
		`{"v":1,"type":"registered","id":"123456789","code":"ab3k7x","secret":"short"}`,
		`{"v":1,"type":"peer","peer":"p2","resume":"0123456789abcdef"}`,
		`{"v":1,"type":"peer","peer":"p2","resume":"0123456789abcde\u0000"}`,
		`{"v":1,"type":"error","error":"id_taken","message":"taken"}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 128<<10 {
			return
		}
		m, err := parseServerMessage(data)
		if err != nil {
			if !errors.Is(err, ErrProtocol) && !errors.Is(err, ErrVersion) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if len(m.Name) > maxNameLen || len(m.Addr) > maxNameLen || len(m.Peer) > maxPeerLen {
			t.Fatalf("field out of bounds: %+v", m)
		}
		if m.Resume != "" && !validToken(m.Resume, minTokenLen, maxTokenLen) || m.Secret != "" && !validToken(m.Secret, minSecretLen, maxSecretLen) {
			t.Fatalf("accepted a malformed token or secret: %+v", m)
		}
		if m.Signal != nil {
			if s, err := decodeSignal(m.Signal); err == nil && s.validate() != nil {
				t.Fatal("decoded an invalid signal")
			}
		}
		if e := errorFor(m.Error, m.Message, time.Duration(m.RetryAfter)*time.Millisecond); e == nil || len(e.Error()) > 1024 {
			t.Fatalf("error mapping: %v", e)
		}
		_ = serverLimit(m.MaxMessage)
		_ = expiresAt(m.ExpiresIn)
	})
}
