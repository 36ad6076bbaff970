// Package headless starts Debian's Chromium headless for deskhand's browser
// tests and benchmarks, with the flags they share: a fresh profile, no
// background traffic (the machine's rules allow loopback only), canvas
// pixels in sRGB as put, and WebRTC host candidates with real addresses
// rather than mDNS names, which pion on loopback does not resolve.
//
// Import policy: chromedp and the standard library; nothing of deskhand.
// Only tests and bench import it.
package headless

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Find returns the first Chromium on PATH, or "" when there is none
// (Debian: apt-get install chromium).
func Find() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start starts the Chromium at path with a fresh profile (removed by
// stop), a 1280x800 window, and returns a chromedp context for one of its
// tabs. ctx bounds the browser's life; opts configure the tab's context
// (logging, event listeners).
func Start(ctx context.Context, path string, opts ...chromedp.ContextOption) (tab context.Context, stop func(), err error) {
	dir, err := os.MkdirTemp("", "deskhand-chromium-*")
	if err != nil {
		return nil, nil, fmt.Errorf("headless: profile folder: %w", err)
	}
	alloc := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 800),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		// Canvas pixels as put, whatever the machine's colour profile.
		chromedp.Flag("force-color-profile", "srgb"),
		// Real addresses, not mDNS names, as WebRTC host candidates: a
		// pion peer restricted to loopback resolves no mDNS.
		chromedp.Flag("disable-features", "WebRtcHideLocalIpsWithMdns,Translate"),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, alloc...)
	tab, cancelTab := chromedp.NewContext(actx, opts...)
	stop = func() {
		cancelTab()
		cancelAlloc()
		_ = os.RemoveAll(dir)
	}
	if err := chromedp.Do(tab); err != nil {
		stop()
		return nil, nil, fmt.Errorf("headless: starting %s: %w", path, err)
	}
	return tab, stop, nil
}
