package headless

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// TestStartLoadsAPage: the browser starts, loads a page from loopback and
// runs its script, and stop ends it.
func TestStartLoadsAPage(t *testing.T) {
	path := Find()
	if path == "" {
		t.Skip("no Chromium to drive: apt-get install chromium (Debian's package)")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><script>document.title = "ran " + (6*7)</script>`))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	tab, stop, err := Start(ctx, path)
	require.NoError(t, err)
	defer stop()
	require.NoError(t, chromedp.Do(tab, chromedp.Navigate(srv.URL)))
	title, err := chromedp.Run(tab, chromedp.Evaluate[string](`document.title`))
	require.NoError(t, err)
	require.Equal(t, "ran 42", title)
}

func TestStartFailsClearly(t *testing.T) {
	_, _, err := Start(context.Background(), "/nonexistent/chromium")
	require.ErrorContains(t, err, "headless: starting /nonexistent/chromium")
}
