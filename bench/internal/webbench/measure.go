package webbench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/deskhand/deskhand/internal/headless"
)

// result is everything a run measured.
type result struct {
	Chromium     string    `json:"chromium"`
	WasmGzip     int       `json:"wasm_gzip_bytes"`
	WasmRaw      int       `json:"wasm_bytes"`
	WasmEncoding string    `json:"wasm_content_encoding"`
	ColdOpenMs   []float64 `json:"open_to_first_frame_cold_ms"`
	WarmOpenMs   []float64 `json:"open_to_first_frame_cached_ms"`
	// Where the time to the first frame goes: page open to the module
	// running, and to the session connected.
	ColdStartMs   []float64 `json:"open_to_module_started_cold_ms"`
	WarmStartMs   []float64 `json:"open_to_module_started_cached_ms"`
	ColdConnectMs []float64 `json:"open_to_connected_cold_ms"`
	WarmConnectMs []float64 `json:"open_to_connected_cached_ms"`
	DecodeMs      []float64 `json:"full_update_decode_ms"`
	PaintMs       []float64 `json:"full_update_paint_ms"`
	UpdateMs      []float64 `json:"full_update_decode_paint_ms"`
	KeyMs         []float64 `json:"key_to_pixels_ms"`
	Goals         []goal    `json:"goals"`
}

func run(ctx context.Context, cfg config) (*result, error) {
	d, stop, err := startDesk(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer stop()
	res := &result{Chromium: cfg.chromium}
	page := "http://" + d.addr + "/"
	if err := measureDownload(ctx, page, res); err != nil {
		return nil, err
	}

	bctx, closeBrowser, err := headless.Start(ctx, cfg.chromium)
	if err != nil {
		return nil, err
	}
	defer closeBrowser()

	// Page loads, each a new session with the agent's next code. The last
	// one stays connected for the other measures.
	seen := 0
	load := func(keep bool) (pageStats, error) {
		id, code, n, err := d.credentials(ctx, seen)
		if err != nil {
			return pageStats{}, err
		}
		seen = n
		if err := chromedp.Do(bctx, chromedp.Navigate(page+"?id="+id+"&code="+code)); err != nil {
			return pageStats{}, err
		}
		s, err := waitStats(bctx, 20*time.Millisecond, func(s pageStats) bool {
			return s.Painted > 0 && s.Width == screenW && s.Height == screenH
		})
		if err != nil {
			return s, err
		}
		if !keep {
			if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
				return s, err
			}
		}
		return s, nil
	}
	if _, err := chromedp.Call(bctx, network.Enable, network.EnableParams{}); err != nil {
		return nil, err
	}
	for _, cold := range []bool{true, false} {
		if _, err := chromedp.Call(bctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: cold}); err != nil {
			return nil, err
		}
		if !cold {
			if _, err := load(false); err != nil { // fills the cache
				return nil, err
			}
		}
		for i := range cfg.loads {
			s, err := load(!cold && i == cfg.loads-1)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(cfg.log, "web: page load %d (cache %s): module started at %.0f ms, connected at %.0f ms, first full frame at %.0f ms\n",
				i+1, map[bool]string{true: "disabled", false: "enabled"}[cold], s.StartedMs, s.ConnectedMs, s.FirstPaintMs)
			if cold {
				res.ColdOpenMs = append(res.ColdOpenMs, s.FirstPaintMs)
				res.ColdStartMs = append(res.ColdStartMs, s.StartedMs)
				res.ColdConnectMs = append(res.ColdConnectMs, s.ConnectedMs)
			} else {
				res.WarmOpenMs = append(res.WarmOpenMs, s.FirstPaintMs)
				res.WarmStartMs = append(res.WarmStartMs, s.StartedMs)
				res.WarmConnectMs = append(res.WarmConnectMs, s.ConnectedMs)
			}
		}
	}

	if err := measureTyping(ctx, bctx, cfg, res); err != nil {
		return nil, err
	}
	if err := measureFullUpdates(ctx, bctx, d, cfg, res); err != nil {
		return nil, err
	}
	res.Goals = goals(res)
	return res, nil
}

var wasmRE = regexp.MustCompile(`data-wasm="([^"]+)"`)

// measureDownload fetches the module as a browser would, gzip accepted,
// and as a client that takes no encoding.
func measureDownload(ctx context.Context, page string, res *result) error {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: time.Minute}
	defer client.CloseIdleConnections()
	get := func(url, encoding string) ([]byte, *http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, nil, err
		}
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("webbench: GET %s: %s", url, resp.Status)
		}
		return b, resp, err
	}
	html, _, err := get(page, "")
	if err != nil {
		return err
	}
	m := wasmRE.FindSubmatch(html)
	if m == nil {
		return fmt.Errorf("webbench: the page names no module (data-wasm): %.200s", html)
	}
	url := page + string(m[1])
	gz, resp, err := get(url, "gzip, deflate, br")
	if err != nil {
		return err
	}
	res.WasmGzip, res.WasmEncoding = len(gz), resp.Header.Get("Content-Encoding")
	raw, _, err := get(url, "")
	if err != nil {
		return err
	}
	res.WasmRaw = len(raw)
	return nil
}

// typingJS dispatches one key press on the page's canvas, as the browser
// would for a real key, and returns the time from just before the event
// to the end of the next repaint of the canvas (-1 if none in 2 s).
const typingJS = `(async (code, key) => {
	const dh = window.deskhand, screen = document.getElementById("screen");
	dh.paintLog();
	const t0 = performance.now();
	screen.dispatchEvent(new KeyboardEvent("keydown", {code, key, bubbles: true, cancelable: true}));
	screen.dispatchEvent(new KeyboardEvent("keyup", {code, key, bubbles: true, cancelable: true}));
	for (;;) {
		await new Promise((r) => setTimeout(r, 1));
		const log = dh.paintLog();
		if (log.length) return log[0].endMs - t0;
		if (performance.now() - t0 > 2000) return -1;
	}
})(%q, %q)`

// measureTyping types x and Backspace in turn into the remote shell and
// measures each key to the repaint that shows its echo.
func measureTyping(ctx context.Context, bctx context.Context, cfg config, res *result) error {
	for i := range cfg.keys {
		if err := waitStill(bctx, 300*time.Millisecond); err != nil {
			return err
		}
		code, key := "KeyX", "x"
		if i%2 == 1 {
			code, key = "Backspace", "Backspace"
		}
		ms, err := chromedp.Run(bctx, chromedp.Evaluate[float64](fmt.Sprintf(typingJS, code, key), chromedp.EvalAwaitPromise))
		if err != nil {
			return err
		}
		if ms < 0 {
			return fmt.Errorf("%w: a key typed on the page changed nothing on the canvas within 2 s", ErrNoPicture)
		}
		res.KeyMs = append(res.KeyMs, ms)
	}
	fmt.Fprintf(cfg.log, "web: typed %d keys\n", cfg.keys)
	return nil
}

// fullScreenLoop redraws the whole terminal with different text three
// times a second (the listing shuffled, three entries a line). Each listing
// is written over the last from the top left, every line erased to its end
// (ESC [ K), so that each update replaces text with text: a clear screen
// between them would be a full-screen update that is cheap to decode, and
// would pull the median down.
const fullScreenLoop = "while :; do printf '\\033[H'; ls -l /usr/bin /usr/lib | shuf | paste -d' ' - - - | head -n 150 | sed 's/$/\\x1b[K/'; sleep 0.3; done\n"

// measureFullUpdates runs fullScreenLoop in the remote terminal and reads
// the repaints that covered at least half the screen from the page's
// paint log.
func measureFullUpdates(ctx context.Context, bctx context.Context, d *desk, cfg config, res *result) error {
	if err := d.xdotool(ctx, "type", "--delay", "5", fullScreenLoop); err != nil {
		return err
	}
	defer func() { _ = d.xdotool(context.Background(), "key", "ctrl+c") }()
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[[]paintRecord](`window.deskhand.paintLog()`)); err != nil {
		return err
	}
	deadline := time.Now().Add(time.Duration(cfg.updates)*time.Second + 30*time.Second)
	for len(res.UpdateMs) < cfg.updates {
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %d full-screen updates painted, %d wanted", ErrNoPicture, len(res.UpdateMs), cfg.updates)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		log, err := chromedp.Run(bctx, chromedp.Evaluate[[]paintRecord](`window.deskhand.paintLog()`))
		if err != nil {
			return err
		}
		for _, p := range log {
			if p.Pixels*2 >= screenW*screenH && len(res.UpdateMs) < cfg.updates {
				res.DecodeMs = append(res.DecodeMs, p.DecodeMs)
				res.PaintMs = append(res.PaintMs, p.PaintMs)
				res.UpdateMs = append(res.UpdateMs, p.DecodeMs+p.PaintMs)
			}
		}
	}
	fmt.Fprintf(cfg.log, "web: measured %d full-screen updates\n", len(res.UpdateMs))
	return nil
}

// paintRecord is one entry of window.deskhand.paintLog().
type paintRecord struct {
	EndMs, PaintMs, DecodeMs float64
	Pixels                   int
}

// pageStats is window.deskhand.stats(), the fields used here.
type pageStats struct {
	Connected     bool
	Painted       int
	Width, Height int
	StartedMs     float64
	ConnectedMs   float64
	FirstPaintMs  float64
}

func waitStats(bctx context.Context, every time.Duration, cond func(pageStats) bool) (pageStats, error) {
	for {
		s, err := chromedp.Run(bctx, chromedp.Evaluate[pageStats](`window.deskhand ? window.deskhand.stats() : {}`))
		if err != nil {
			return s, err
		}
		if cond(s) {
			return s, nil
		}
		select {
		case <-bctx.Done():
			return s, fmt.Errorf("%w: %v (last stats %+v)", ErrNoPicture, bctx.Err(), s)
		case <-time.After(every):
		}
	}
}

// waitStill waits until the canvas was not repainted for d.
func waitStill(bctx context.Context, d time.Duration) error {
	if _, err := chromedp.Run(bctx, chromedp.Evaluate[[]paintRecord](`window.deskhand.paintLog()`)); err != nil {
		return err
	}
	for {
		select {
		case <-bctx.Done():
			return bctx.Err()
		case <-time.After(d):
		}
		log, err := chromedp.Run(bctx, chromedp.Evaluate[[]paintRecord](`window.deskhand.paintLog()`))
		if err != nil {
			return err
		}
		if len(log) == 0 {
			return nil
		}
	}
}
