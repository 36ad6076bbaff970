package rdp

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/deskhand/deskhand/capture"
	"github.com/deskhand/deskhand/clipboard"
	"github.com/deskhand/deskhand/input"
	"github.com/stretchr/testify/require"
)

func stillSyn(t *testing.T) *capture.Synthetic {
	t.Helper()
	syn, err := capture.NewSynthetic(capture.WithSize(320, 200), capture.WithStill(true))
	require.NoError(t, err)
	return syn
}

func readClip(t *testing.T, cb clipboard.Clipboard) string {
	t.Helper()
	s, err := cb.ReadText(context.Background(), 64<<20)
	require.NoError(t, err)
	return s
}

func TestClipboardBothWays(t *testing.T) {
	cb := clipboard.NewMemory()
	defer cb.Close()
	var events atomic.Int32
	texts := make(chan string, 4)
	s := connect(t, stillSyn(t), input.NewRecorder(),
		[]Option{WithClipboard(cb, ClipboardPolicy{ToViewers: true, FromViewers: true}), WithEvents(func(e Event) {
			if e.Kind == EventClipboardFromViewer || e.Kind == EventClipboardToViewer {
				events.Add(1)
			}
		})},
		[]Option{WithClipboardHook(func(s string) { texts <- s })})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	to, from := s.viewer.ClipboardShared()
	require.True(t, to)
	require.True(t, from)

	// Viewer to host, larger than one data-channel message.
	big := strings.Repeat("héllo wörld ✓ ", 40000) // ~640 KB
	require.NoError(t, s.viewer.SetClipboard(ctx, big))
	require.Equal(t, big, readClip(t, cb), "taken when SetClipboard returns")

	// Host to viewer: another program on the host copies something.
	require.NoError(t, cb.SetByOther("copied on the host"))
	select {
	case got := <-texts:
		require.Equal(t, "copied on the host", got)
	case <-time.After(testTimeout):
		t.Fatal("the viewer never got the host's clipboard")
	}
	// The host reports the copy to the viewer once sent, which may be
	// after the viewer has it.
	require.Eventually(t, func() bool { return events.Load() == 2 }, testTimeout, 5*time.Millisecond)
	time.Sleep(50 * time.Millisecond)
	require.Equal(t, int32(2), events.Load(), "one event each way, no more")
}

func TestClipboardLimitsAndPolicy(t *testing.T) {
	cb := clipboard.NewMemory()
	defer cb.Close()
	require.NoError(t, cb.WriteText(context.Background(), "unchanged"))
	texts := make(chan string, 4)
	s := connect(t, stillSyn(t), input.NewRecorder(),
		[]Option{WithClipboard(cb, ClipboardPolicy{FromViewers: true, MaxBytes: 1000})},
		[]Option{WithClipboardHook(func(s string) { texts <- s }), WithClipboardLimit(2000)})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	to, from := s.viewer.ClipboardShared()
	require.False(t, to)
	require.True(t, from)

	// Over the viewer's own limit: refused before sending.
	require.ErrorIs(t, s.viewer.SetClipboard(ctx, strings.Repeat("x", 2001)), ErrClipboardRefused)
	require.ErrorIs(t, s.viewer.SetClipboard(ctx, "nul\x00"), ErrClipboardRefused)
	// Over the host's limit: sent, refused by the host, counted.
	err := s.viewer.SetClipboard(ctx, strings.Repeat("y", 1500))
	require.ErrorIs(t, err, ErrClipboardRefused)
	require.Contains(t, err.Error(), "more than 1000 bytes")
	require.Equal(t, 1, s.viewer.Stats().ClipboardRefused)
	require.Equal(t, "unchanged", readClip(t, cb))
	// Within both: taken.
	require.NoError(t, s.viewer.SetClipboard(ctx, "fits"))
	require.Equal(t, "fits", readClip(t, cb))

	// ToViewers is off: the host's changes stay on the host.
	require.NoError(t, cb.SetByOther("secret"))
	require.NoError(t, s.viewer.SetClipboard(ctx, "after"))
	require.Equal(t, "after", readClip(t, cb))
	require.Empty(t, texts)
}

func TestClipboardRefusedForViewOnlyAndWithoutPolicy(t *testing.T) {
	cb := clipboard.NewMemory()
	defer cb.Close()
	s := connect(t, stillSyn(t), input.NewRecorder(),
		[]Option{WithClipboard(cb, ClipboardPolicy{ToViewers: true, FromViewers: true}), WithViewOnly(true)}, nil)
	_, from := s.viewer.ClipboardShared()
	require.False(t, from)
	require.ErrorIs(t, s.viewer.SetClipboard(context.Background(), "x"), ErrClipboardRefused)
	// A viewer that sends anyway is refused by the host.
	require.NoError(t, sendClip(s.viewer.clip, "forced"))
	require.Eventually(t, func() bool { return s.viewer.Stats().ClipboardRefused == 1 }, testTimeout, 10*time.Millisecond)
	require.Empty(t, readClip(t, cb))

	plain := connect(t, stillSyn(t), input.NewRecorder(), nil, nil)
	to, from := plain.viewer.ClipboardShared()
	require.False(t, to || from)
	require.NoError(t, sendClip(plain.viewer.clip, "forced"))
	require.Eventually(t, func() bool { return plain.viewer.Stats().ClipboardRefused == 1 }, testTimeout, 10*time.Millisecond)
}

func TestClipAssembler(t *testing.T) {
	a := clipAssembler{limit: 5}
	_, done, err := a.add([]byte{0, 'a', 'b', 'c'})
	require.NoError(t, err)
	require.False(t, done)
	_, done, err = a.add([]byte{clipFinal, 'd', 'e', 'f'})
	require.True(t, done)
	require.ErrorIs(t, err, ErrClipboardRefused, "6 bytes over a limit of 5")
	text, done, err := a.add([]byte{clipFinal, 'o', 'k'})
	require.NoError(t, err)
	require.True(t, done)
	require.Equal(t, "ok", text, "the next text is fine")
	_, _, err = a.add([]byte{})
	require.ErrorIs(t, err, ErrProtocol)
	_, _, err = a.add([]byte{4})
	require.ErrorIs(t, err, ErrProtocol)
	_, _, err = a.add([]byte{clipFinal, 0xff})
	require.ErrorIs(t, err, ErrClipboardRefused, "not UTF-8")
}

func FuzzClipAssembler(f *testing.F) {
	f.Add([]byte{0, 'a'}, []byte{clipFinal, 'b'})
	f.Add([]byte{clipFinal, 0xc3}, []byte{2})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		asm := clipAssembler{limit: 16}
		for _, frag := range [][]byte{a, b, a} {
			text, done, err := asm.add(frag)
			if err == nil && done && (len(text) > 16 || clipboard.Valid(text, 16) != nil) {
				t.Fatalf("took %q", text)
			}
		}
	})
}
