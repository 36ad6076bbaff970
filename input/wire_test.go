package input

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func everyKind() []Event {
	return []Event{
		{Kind: MouseMove, X: 0, Y: 0},
		{Kind: MouseMove, X: 65535, Y: 1234},
		{Kind: MouseButton, Button: ButtonLeft, Down: true},
		{Kind: MouseButton, Button: ButtonForward},
		{Kind: MouseWheel, DX: -32768, DY: 32767},
		{Kind: MouseWheel, DY: 3},
		{Kind: KeyEvent, Key: KeyA, Down: true},
		{Kind: KeyEvent, Key: MetaRight},
		{Kind: KeyEvent, Key: MediaPlayPause, Down: true},
		{Kind: KeyEvent, Key: Key(0xa5), Down: true}, // in range, unnamed
		{Kind: TextEvent, Text: "h"},
		{Kind: TextEvent, Text: "héllo\nwörld\t€𝄞"},
		{Kind: TextEvent, Text: strings.Repeat("x", MaxText)},
		{Kind: TextEvent, Text: strings.Repeat("é", MaxText/2)},
	}
}

func TestWireRoundTripEveryKind(t *testing.T) {
	events := everyKind()
	var msg []byte
	for _, e := range events {
		var err error
		one, err := AppendEvent(nil, e)
		require.NoError(t, err, "%v", e)
		got, err := ParseEvents(one, nil)
		require.NoError(t, err, "%v", e)
		require.Equal(t, []Event{e}, got)
		msg, err = AppendEvent(msg, e)
		require.NoError(t, err)
	}
	got, err := ParseEvents(msg, make([]Event, 0, 2))
	require.NoError(t, err)
	assert.Equal(t, events, got)

	// ParseEvents appends.
	prefix := []Event{{Kind: MouseMove, X: 1, Y: 2}}
	got, err = ParseEvents(msg, prefix)
	require.NoError(t, err)
	assert.Equal(t, append([]Event{{Kind: MouseMove, X: 1, Y: 2}}, events...), got)
}

func TestWireExactBytes(t *testing.T) {
	var msg []byte
	for _, e := range []Event{
		{Kind: MouseMove, X: 100, Y: 200},
		{Kind: MouseButton, Button: ButtonLeft, Down: true},
		{Kind: MouseButton, Button: ButtonLeft},
		{Kind: TextEvent, Text: "hi"},
		{Kind: MouseWheel, DX: -1, DY: 2},
		{Kind: KeyEvent, Key: ShiftLeft, Down: true},
	} {
		var err error
		msg, err = AppendEvent(msg, e)
		require.NoError(t, err)
	}
	// The example of WIRE.md, then a wheel and a key.
	want := "016400c800" + "020101" + "020100" + "05026869" + "03ffff0200" + "04e10001"
	assert.Equal(t, want, hex.EncodeToString(msg))
}

func TestAppendEventRejectsInvalid(t *testing.T) {
	bad := []Event{
		{},
		{Kind: 6},
		{Kind: 0xff},
		{Kind: MouseMove, X: -1},
		{Kind: MouseMove, Y: 65536},
		{Kind: MouseMove, X: 1, Down: true},
		{Kind: MouseButton},
		{Kind: MouseButton, Button: 6},
		{Kind: MouseButton, Button: ButtonLeft, X: 3},
		{Kind: MouseWheel, DX: 32768},
		{Kind: MouseWheel, DY: -32769},
		{Kind: MouseWheel, DY: 1, Key: KeyA},
		{Kind: KeyEvent},
		{Kind: KeyEvent, Key: 3},
		{Kind: KeyEvent, Key: 0xe8},
		{Kind: KeyEvent, Key: 0x0bff},
		{Kind: KeyEvent, Key: 0x0d00},
		{Kind: KeyEvent, Key: KeyA, Text: "a"},
		{Kind: TextEvent},
		{Kind: TextEvent, Text: strings.Repeat("x", MaxText+1)},
		{Kind: TextEvent, Text: "\xff"},
		{Kind: TextEvent, Text: "ok", Button: ButtonLeft},
	}
	for _, e := range bad {
		dst := []byte{9}
		out, err := AppendEvent(dst, e)
		assert.ErrorIs(t, err, ErrInvalid, "%+v", e)
		assert.Equal(t, []byte{9}, out, "%+v: dst must be returned unchanged", e)
	}
}

func TestParseEventsRejectsGarbage(t *testing.T) {
	valid, err := AppendEvent(nil, Event{Kind: KeyEvent, Key: KeyB, Down: true})
	require.NoError(t, err)
	cases := map[string][]byte{
		"empty":                 {},
		"kind 0":                {0},
		"unknown kind":          {7, 0, 0, 0, 0},
		"move truncated":        {1, 0, 0, 0},
		"button truncated":      {2, 1},
		"button 0":              {2, 0, 1},
		"button 6":              {2, 6, 1},
		"down byte 2":           {2, 1, 2},
		"wheel truncated":       {3, 0, 0, 0},
		"key truncated":         {4, 4, 0},
		"key 0":                 {4, 0, 0, 1},
		"key out of range":      {4, 0xe8, 0, 1},
		"key down byte":         {4, 4, 0, 7},
		"text no length":        {5},
		"text length 0":         {5, 0},
		"text too long":         append([]byte{5, 0x81, 0x20}, bytes.Repeat([]byte{'a'}, 4097)...),
		"text truncated":        {5, 3, 'a', 'b'},
		"text non-minimal len":  {5, 0x81, 0x00, 'a'},
		"text bad utf8":         {5, 2, 0xc3, 0x28},
		"text overlong varint":  {5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"valid then garbage":    append(bytes.Clone(valid), 9),
		"valid then truncation": append(bytes.Clone(valid), 1, 2),
	}
	for name, msg := range cases {
		prefix := []Event{{Kind: MouseMove, X: 5, Y: 6}}
		got, err := ParseEvents(msg, prefix)
		assert.ErrorIs(t, err, ErrCorrupt, name)
		assert.Equal(t, []Event{{Kind: MouseMove, X: 5, Y: 6}}, got, "%s: no partial result", name)
	}
}

func TestParseEventsLimit(t *testing.T) {
	one, err := AppendEvent(nil, Event{Kind: MouseButton, Button: ButtonLeft})
	require.NoError(t, err)
	msg := bytes.Repeat(one, MaxEvents)
	got, err := ParseEvents(msg, nil)
	require.NoError(t, err)
	assert.Len(t, got, MaxEvents)
	_, err = ParseEvents(append(msg, one...), nil)
	assert.ErrorIs(t, err, ErrCorrupt)
}

func FuzzParseEvents(f *testing.F) {
	var all []byte
	for _, e := range everyKind() {
		if len(e.Text) > 64 {
			// Long inputs make the fuzzer's minimiser crawl; unit tests
			// cover the length limits.
			continue
		}
		one, err := AppendEvent(nil, e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(one)
		all = append(all, one...)
	}
	f.Add(all)
	f.Add([]byte{})
	f.Add([]byte{5, 0x81, 0x00, 'a'})
	f.Add([]byte{2, 1, 2})
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) > 1<<20 {
			return
		}
		events, err := ParseEvents(msg, nil)
		if err != nil {
			if len(events) != 0 {
				t.Fatalf("error %v with a partial result of %d events", err, len(events))
			}
			return
		}
		if len(events) == 0 || len(events) > MaxEvents {
			t.Fatalf("%d events without error", len(events))
		}
		var re []byte
		for _, e := range events {
			if re, err = AppendEvent(re, e); err != nil {
				t.Fatalf("parsed event %+v does not re-encode: %v", e, err)
			}
		}
		// The parser accepts only canonical encodings, so the bytes match.
		if !bytes.Equal(re, msg) {
			t.Fatalf("re-encoding differs:\n%x\n%x", msg, re)
		}
		again, err := ParseEvents(re, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(again) != len(events) {
			t.Fatalf("round trip changed the event count")
		}
		for i := range events {
			if again[i] != events[i] {
				t.Fatalf("event %d: %+v became %+v", i, events[i], again[i])
			}
		}
	})
}

func BenchmarkParseEvents(b *testing.B) {
	var msg []byte
	for i := 0; i < 64; i++ {
		msg, _ = AppendEvent(msg, Event{Kind: MouseMove, X: i, Y: 2 * i})
	}
	msg, _ = AppendEvent(msg, Event{Kind: TextEvent, Text: "hello, world"})
	dst := make([]Event, 0, 128)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = ParseEvents(msg, dst[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
