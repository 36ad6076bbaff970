package clipboard

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestValid(t *testing.T) {
	assert.NoError(t, Valid("", 0))
	assert.NoError(t, Valid("héllo 🙂\n\ttab", 100))
	assert.NoError(t, Valid("abc", 3))
	assert.ErrorIs(t, Valid("abcd", 3), ErrTooLarge)
	assert.ErrorIs(t, Valid("é", 1), ErrTooLarge, "the limit counts bytes, not characters")
	assert.ErrorIs(t, Valid("a\x00b", 10), ErrInvalidText)
	assert.ErrorIs(t, Valid("a\xffb", 10), ErrInvalidText)
	assert.ErrorIs(t, Valid("\xed\xa0\x80", 10), ErrInvalidText, "a UTF-16 surrogate is not UTF-8")
	assert.ErrorIs(t, Valid("", -1), ErrInvalidArgument)
	// A huge text is refused on its size before being scanned.
	assert.ErrorIs(t, Valid(strings.Repeat("\x00", 1<<20), 10), ErrTooLarge)
}

func TestSanitize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"héllo 🙂", "héllo 🙂"},
		{"trailing nul\x00", "trailing nul"},
		{"a\x00b\x00", "ab"},
		{"a\xff\xfeb", "a\uFFFDb"},
		{"caf\xe9", "caf\uFFFD"},
		{"\xffa\x00\xff", "\uFFFDa\uFFFD"},
		{"\xf0\x00\xa2\xa2\xa2", "\uFFFD\uFFFD"}, // no character made of the pieces around a NUL
	} {
		got := Sanitize(c.in)
		assert.Equal(t, c.want, got, "%q", c.in)
		assert.NoError(t, Valid(got, len(got)), "%q", c.in)
	}
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"", "abc", "é🙂", "a\x00b", "\xff\xfe", "\xed\xa0\x80", "\xf4\x90\x80\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1<<16 {
			return
		}
		out := Sanitize(s)
		if err := Valid(out, len(out)); err != nil {
			t.Fatalf("Sanitize(%q) = %q, not valid: %v", s, out, err)
		}
		if Sanitize(out) != out {
			t.Fatalf("Sanitize is not idempotent on %q", s)
		}
		if Valid(s, len(s)) == nil && out != s {
			t.Fatalf("Sanitize changed a valid text %q to %q", s, out)
		}
		// Every rune that was valid and not NUL survives, in order.
		var want []rune
		for i := 0; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r != 0 && (r != utf8.RuneError || n > 1) {
				want = append(want, r)
			}
			i += n
		}
		var got []rune
		for _, r := range out {
			if r != utf8.RuneError || strings.Contains(s, "\uFFFD") {
				got = append(got, r)
			}
		}
		if !strings.Contains(s, "\uFFFD") && string(got) != string(want) {
			t.Fatalf("Sanitize(%q) = %q lost or reordered runes", s, out)
		}
	})
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	got, err := m.ReadText(ctx, 10)
	require.NoError(t, err)
	assert.Equal(t, "", got)

	require.NoError(t, m.WriteText(ctx, "héllo"))
	select {
	case <-m.Changes():
		t.Fatal("our own write signalled Changes")
	default:
	}
	got, err = m.ReadText(ctx, 6)
	require.NoError(t, err)
	assert.Equal(t, "héllo", got)
	_, err = m.ReadText(ctx, 5)
	assert.ErrorIs(t, err, ErrTooLarge)
	_, err = m.ReadText(ctx, -1)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.ErrorIs(t, m.WriteText(ctx, "bad\x00"), ErrInvalidText)

	// Two changes by another program coalesce into one signal, and the
	// reader sees the latest text.
	require.NoError(t, m.SetByOther("first"))
	require.NoError(t, m.SetByOther("second\x00\xff"))
	<-m.Changes()
	select {
	case <-m.Changes():
		t.Fatal("changes were not coalesced")
	default:
	}
	got, err = m.ReadText(ctx, 100)
	require.NoError(t, err)
	assert.Equal(t, "second\uFFFD", got)

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = m.ReadText(cctx, 100)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, m.WriteText(cctx, "x"), context.Canceled)

	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	_, ok := <-m.Changes()
	assert.False(t, ok, "Close must close Changes")
	_, err = m.ReadText(ctx, 100)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, m.WriteText(ctx, "x"), ErrClosed)
	assert.ErrorIs(t, m.SetByOther("x"), ErrClosed)
}

func TestMemoryConcurrent(t *testing.T) {
	m := NewMemory()
	defer m.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			_ = m.SetByOther(strings.Repeat("x", i))
		}
	}()
	ctx := context.Background()
	for i := 0; i < 200; i++ {
		_ = m.WriteText(ctx, "mine")
		text, err := m.ReadText(ctx, 1000)
		require.NoError(t, err)
		require.True(t, text == "mine" || strings.Trim(text, "x") == "", text)
	}
	<-done
}
