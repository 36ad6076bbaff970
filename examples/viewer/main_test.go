package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/deskhand/deskhand/input"
	"github.com/stretchr/testify/require"
)

func TestUnescape(t *testing.T) {
	require.Equal(t, "a\nb\tc\\d", unescape(`a\nb\tc\\d`))
	require.Equal(t, `\n`, unescape(`\\n`), "an escaped backslash is not a newline")
	require.Equal(t, "plain", unescape("plain"))
}

func TestTypeEvents(t *testing.T) {
	enter, _ := input.KeyFromCode("Enter")
	tab, _ := input.KeyFromCode("Tab")
	got, err := typeEvents("echo hi\n\tx")
	require.NoError(t, err)
	require.Equal(t, []input.Event{
		{Kind: input.TextEvent, Text: "echo hi"},
		{Kind: input.KeyEvent, Key: enter, Down: true},
		{Kind: input.KeyEvent, Key: enter},
		{Kind: input.KeyEvent, Key: tab, Down: true},
		{Kind: input.KeyEvent, Key: tab},
		{Kind: input.TextEvent, Text: "x"},
	}, got)

	long := strings.Repeat("é", input.MaxText) // 2 bytes each: must split on rune boundaries
	got, err = typeEvents(long)
	require.NoError(t, err)
	var joined strings.Builder
	for _, e := range got {
		require.LessOrEqual(t, len(e.Text), input.MaxText)
		_, err := input.AppendEvent(nil, e)
		require.NoError(t, err)
		joined.WriteString(e.Text)
	}
	require.Equal(t, long, joined.String())
}

func TestParsePoint(t *testing.T) {
	x, y, err := parsePoint("100, 200")
	require.NoError(t, err)
	require.Equal(t, [2]int{100, 200}, [2]int{x, y})
	for _, bad := range []string{"", "1", "a,b", "-1,2", "1,70000"} {
		_, _, err := parsePoint(bad)
		require.Error(t, err, bad)
	}
}

func TestRequiredFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--id", "1"}, &out, &errOut)
	require.ErrorContains(t, err, "required")
	err = run(context.Background(), []string{"--server", "ws://127.0.0.1:1/v1/signal", "--id", "1", "--code", "c", "--click", "x"}, &out, &errOut)
	require.ErrorContains(t, err, "--click")
}

func TestUnreachableServerFailsFast(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"--server", "ws://127.0.0.1:1/v1/signal", "--id", "123456789", "--code", "abcdef", "--timeout", "20s"}, &out, &errOut)
	require.ErrorContains(t, err, "cannot join")
}
