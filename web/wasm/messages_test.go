package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskhand/deskhand/input"
	"github.com/deskhand/deskhand/rdp"
	"github.com/deskhand/deskhand/signaling"
	"github.com/stretchr/testify/assert"
)

func TestExplain(t *testing.T) {
	for _, tc := range []struct {
		err  error
		kind string
		text string
	}{
		{fmt.Errorf("join: %w", signaling.ErrBadCode), kindBadCode, "Wrong code"},
		{signaling.ErrExpired, kindExpired, "already used"},
		{signaling.ErrUnknownID, kindUnknownID, "No computer is online"},
		{&signaling.RetryError{Err: signaling.ErrLocked, After: 42 * time.Second}, kindWait, "Wait 42s"},
		{signaling.ErrUnreachable, kindUnreachable, "Cannot reach"},
		{fmt.Errorf("%w: declined by the user", rdp.ErrRefused), kindRefused, "refused the session: declined by the user."},
		{rdp.ErrRefused, kindRefused, "refused the session."},
		{fmt.Errorf("%w: shutting down", rdp.ErrHostClosed), kindHostClosed, "ended the session: shutting down."},
		{fmt.Errorf("%w: the host ended the session", rdp.ErrHostClosed), kindHostClosed, "The remote computer ended the session."},
		{fmt.Errorf("%w: ICE failed", rdp.ErrConnectionLost), kindLost, "was lost"},
		{context.DeadlineExceeded, kindLost, "was lost"},
		{errors.New("odd"), kindOther, "odd"},
	} {
		kind, text := explain(tc.err)
		assert.Equal(t, tc.kind, kind, "%v", tc.err)
		assert.Contains(t, text, tc.text, "%v", tc.err)
	}
}

func TestTextEvents(t *testing.T) {
	assert.Empty(t, textEvents(""))
	ev := textEvents("héllo\nworld")
	assert.Equal(t, []input.Event{{Kind: input.TextEvent, Text: "héllo\nworld"}}, ev)

	// Long text is cut between characters, never inside one.
	long := ""
	for len(long) < 3*input.MaxText {
		long += "aé€𝄞"
	}
	ev = textEvents(long)
	joined := ""
	for _, e := range ev {
		assert.NoError(t, e.Validate())
		assert.LessOrEqual(t, len(e.Text), input.MaxText)
		joined += e.Text
	}
	assert.Equal(t, long, joined)
	assert.GreaterOrEqual(t, len(ev), 3)
}
