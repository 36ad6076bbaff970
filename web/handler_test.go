package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, h http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return b
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	out, err := io.ReadAll(zr)
	require.NoError(t, err)
	return out
}

func TestPageNamesItsFilesByVersion(t *testing.T) {
	h, err := Handler(WithSignalingURL("wss://signal.example.com/v1/signal"), WithViewerName(`Help desk "A" <team>`))
	require.NoError(t, err)
	resp := get(t, h, "/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"), "the URL carries the session's code")
	csp := resp.Header.Get("Content-Security-Policy")
	assert.Contains(t, csp, "'wasm-unsafe-eval'")
	assert.Contains(t, csp, "connect-src 'self' wss://signal.example.com")
	page := string(body(t, resp)) // identity: no Accept-Encoding
	assert.Contains(t, page, `data-signal="wss://signal.example.com/v1/signal"`)
	assert.Contains(t, page, `data-name="Help desk &#34;A&#34; &lt;team&gt;"`, "the name is escaped")
	assert.Contains(t, page, `<canvas id="screen"`)

	hh := h.(*handler)
	for name, a := range hh.files {
		assert.Contains(t, page, name+"?v="+a.version, "the page names %s by its version", name)
	}
}

func TestFilesAreServedCompressedAndCached(t *testing.T) {
	h, err := Handler()
	require.NoError(t, err)
	hh := h.(*handler)
	for _, tc := range []struct{ name, ctype string }{
		{"viewer.wasm", "application/wasm"},
		{"wasm_exec.js", "text/javascript; charset=utf-8"},
		{"viewer.js", "text/javascript; charset=utf-8"},
		{"viewer.css", "text/css; charset=utf-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := hh.files[tc.name].version
			gz := get(t, h, "/"+tc.name+"?v="+v, "Accept-Encoding", "br, gzip, deflate")
			require.Equal(t, http.StatusOK, gz.StatusCode)
			assert.Equal(t, tc.ctype, gz.Header.Get("Content-Type"))
			assert.Equal(t, "gzip", gz.Header.Get("Content-Encoding"))
			assert.Equal(t, "Accept-Encoding", gz.Header.Get("Vary"))
			assert.Equal(t, immutable, gz.Header.Get("Cache-Control"))
			zipped := body(t, gz)

			plain := get(t, h, "/"+tc.name+"?v="+v)
			require.Equal(t, http.StatusOK, plain.StatusCode)
			assert.Empty(t, plain.Header.Get("Content-Encoding"))
			raw := body(t, plain)
			assert.Equal(t, raw, gunzip(t, zipped), "both encodings carry the same file")
			assert.NotEqual(t, gz.Header.Get("ETag"), plain.Header.Get("ETag"), "each encoding has its own ETag")

			// A revalidation with the ETag costs nothing.
			again := get(t, h, "/"+tc.name, "Accept-Encoding", "gzip", "If-None-Match", gz.Header.Get("ETag"))
			assert.Equal(t, http.StatusNotModified, again.StatusCode)
			assert.Empty(t, body(t, again))

			// An old or missing version is not cached for long.
			stale := get(t, h, "/"+tc.name+"?v=old", "Accept-Encoding", "gzip")
			assert.Equal(t, "no-cache", stale.Header.Get("Cache-Control"))
		})
	}
}

func TestWasmModule(t *testing.T) {
	h, err := Handler()
	require.NoError(t, err)
	resp := get(t, h, "/viewer.wasm", "Accept-Encoding", "gzip")
	zipped := body(t, resp)
	t.Logf("viewer.wasm: %d bytes compressed", len(zipped))
	assert.LessOrEqual(t, len(zipped), 3<<20, "the issue's budget for the compressed download")
	raw := gunzip(t, zipped)
	assert.Equal(t, []byte("\x00asm"), raw[:4], "a WebAssembly module")
	js := body(t, get(t, h, "/wasm_exec.js"))
	assert.Contains(t, string(js), "globalThis.Go", "the toolchain's support script")
}

func TestRefusals(t *testing.T) {
	h, err := Handler()
	require.NoError(t, err)
	for _, p := range []string{"/nope", "/assets/viewer.js", "/viewer.wasm.gz", "/../handler.go", "/index.html/x"} {
		assert.Equal(t, http.StatusNotFound, get(t, h, p).StatusCode, p)
	}
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))

	head := httptest.NewRequest(http.MethodHead, "/viewer.js", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, head)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Empty(t, rec.Body.Bytes())
}

func TestMountedUnderAPrefix(t *testing.T) {
	h, err := Handler()
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/view/", http.StripPrefix("/view", h))
	resp := get(t, mux, "/view/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// The page names its files relatively, so they resolve under the prefix.
	assert.Contains(t, string(body(t, resp)), `src="viewer.js?v=`)
	assert.Equal(t, http.StatusOK, get(t, mux, "/view/viewer.wasm").StatusCode)
}

func TestOptionsValidate(t *testing.T) {
	for _, u := range []string{"/v1/signal", "ws://127.0.0.1:8080/v1/signal", "wss://example.com/s?x=1"} {
		_, err := Handler(WithSignalingURL(u))
		assert.NoError(t, err, u)
	}
	for _, u := range []string{"", "v1/signal", "http://example.com/s", "ws:///nohost", "//example.com/s", "wss://user:pw@example.com/s", "/s#frag", "ws://[::1"} {
		_, err := Handler(WithSignalingURL(u))
		assert.ErrorIs(t, err, ErrInvalidOption, u)
	}
	for _, n := range []string{"", strings.Repeat("x", 65), "a\nb", "\xff"} {
		_, err := Handler(WithViewerName(n))
		assert.ErrorIs(t, err, ErrInvalidOption, "%q", n)
	}
	_, err := Handler(WithViewerName("Alice (help desk)"), nil)
	assert.NoError(t, err)
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 true,
		"GZIP":                 true,
		"br, gzip;q=0.5":       true,
		"gzip;q=0":             false,
		"gzip; q=0.0, *;q=1":   false,
		"*":                    true,
		"*;q=0":                false,
		"identity":             false,
		"x-gzip":               true,
		"deflate, br":          false,
		"br;q=1.0, gzip;q=0.8": true,
	} {
		assert.Equal(t, want, acceptsGzip(header), "%q", header)
	}
}

// FuzzAcceptsGzip: any header a client sends is answered without a
// panic, and only a header that names gzip or * can get it.
func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=0.1", "br, gzip;q=0.5", ";;;,,,q=", "gzip;q=NaN", "gzip;q=-1", "*;q=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if len(header) > 4096 {
			return
		}
		got := acceptsGzip(header)
		lower := strings.ToLower(header)
		if got && !strings.Contains(lower, "gzip") && !strings.Contains(lower, "*") {
			t.Fatalf("acceptsGzip(%q) = true without gzip or *", header)
		}
	})
}

// TestAssetsAreFresh fails when the committed module no longer matches
// its sources (web/wasm and everything it imports), the toolchain, or
// wasm_exec.js: someone changed the viewer without `go generate ./web`.
func TestAssetsAreFresh(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to check the generated assets with")
	}
	cmd := exec.CommandContext(t.Context(), goBin, "run", "./internal/gen", "-check")
	cmd.Env = os.Environ()
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	t.Logf("%s", bytes.TrimSpace(out))
}

func TestParseStamp(t *testing.T) {
	hash, size, err := parseStamp([]byte("# comment\ngo go1.26.8\nsource abc\nwasm 0123456789abcdef0123 100\ngzip 42\n"))
	require.NoError(t, err)
	assert.Equal(t, "0123456789abcdef0123", hash)
	assert.Equal(t, 42, size)
	for _, bad := range []string{"", "wasm short 1\ngzip 2\n", "wasm 0123456789abcdef0123 100\n", "wasm 0123456789abcdef0123 100\ngzip x\n", "wasm 0123456789abcdef0123 100\ngzip -5\n"} {
		_, _, err := parseStamp([]byte(bad))
		assert.ErrorIs(t, err, ErrAssets, "%q", bad)
	}
}
