package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestShareNeedsServer(t *testing.T) {
	var out, errOut bytes.Buffer
	err := share(context.Background(), nil, &out, &errOut)
	require.ErrorContains(t, err, "--server is required")
}

func TestShareWithoutDisplayFailsClearly(t *testing.T) {
	var out, errOut bytes.Buffer
	err := share(context.Background(), []string{"--server", "ws://127.0.0.1:1/v1/signal", "--display", ""}, &out, &errOut)
	require.ErrorContains(t, err, "cannot capture the screen")
	require.ErrorContains(t, err, "DISPLAY")
	require.Empty(t, out.String(), "no credentials without a screen")
}

func TestBadLogLevel(t *testing.T) {
	var out, errOut bytes.Buffer
	err := share(context.Background(), []string{"--server", "ws://x", "--log-level", "loud"}, &out, &errOut)
	require.ErrorContains(t, err, "--log-level")
}
