package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed assets/index.html assets/viewer.js assets/viewer.css assets/wasm_exec.js assets/viewer.wasm.gz assets/viewer.wasm.txt
var assets embed.FS

// immutable is the Cache-Control of a file asked for under its current
// version (?v=): the URL changes whenever the file does.
const immutable = "public, max-age=31536000, immutable"

// asset is one file the handler serves.
type asset struct {
	ctype   string
	version string // hash of the identity bytes, for ?v= and the ETag
	gz      []byte // gzip-encoded

	rawOnce sync.Once
	raw     []byte // identity-encoded: decoded from gz on first need
	rawErr  error
}

func (a *asset) identity() ([]byte, error) {
	a.rawOnce.Do(func() {
		if a.raw != nil {
			return
		}
		var zr *gzip.Reader
		if zr, a.rawErr = gzip.NewReader(bytes.NewReader(a.gz)); a.rawErr == nil {
			a.raw, a.rawErr = io.ReadAll(zr)
		}
	})
	return a.raw, a.rawErr
}

type handler struct {
	index *asset
	files map[string]*asset
	csp   string
}

// Handler returns an http.Handler that serves the browser viewer (see the
// package documentation for its paths). Mount it at a path ending in "/",
// with http.StripPrefix when that is not the root:
//
//	mux.Handle("/view/", http.StripPrefix("/view", h))
//
// It serves GET and HEAD only, with ETags, and compressed when the browser
// accepts gzip. It fails only with ErrInvalidOption, or ErrAssets for a
// broken build.
func Handler(opts ...Option) (http.Handler, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	h := &handler{files: map[string]*asset{}}
	for name, ctype := range map[string]string{
		"viewer.js":    "text/javascript; charset=utf-8",
		"viewer.css":   "text/css; charset=utf-8",
		"wasm_exec.js": "text/javascript; charset=utf-8",
	} {
		b, err := assets.ReadFile("assets/" + name)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrAssets, err)
		}
		if h.files[name], err = newAsset(ctype, b); err != nil {
			return nil, err
		}
	}
	wasm, err := wasmAsset()
	if err != nil {
		return nil, err
	}
	h.files["viewer.wasm"] = wasm

	page, err := assets.ReadFile("assets/index.html")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAssets, err)
	}
	tmpl, err := template.New("index").Parse(string(page))
	if err != nil {
		return nil, fmt.Errorf("%w: index.html: %v", ErrAssets, err)
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, map[string]string{
		"Signal": o.signalURL, "Name": o.name,
		"JS": h.files["viewer.js"].version, "CSS": h.files["viewer.css"].version,
		"Exec": h.files["wasm_exec.js"].version, "Wasm": wasm.version,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: index.html: %v", ErrAssets, err)
	}
	if h.index, err = newAsset("text/html; charset=utf-8", buf.Bytes()); err != nil {
		return nil, err
	}
	h.csp = contentSecurityPolicy(o.signalURL)
	return h, nil
}

// contentSecurityPolicy lets the page run its own scripts and the module,
// and talk to its own origin and the signaling server only: a page that
// controls someone's computer must not load code from anywhere else.
func contentSecurityPolicy(signalURL string) string {
	connect := "'self'"
	if u, err := url.Parse(signalURL); err == nil && u.Host != "" {
		connect += " " + u.Scheme + "://" + u.Host
	}
	return "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
		"connect-src " + connect + "; base-uri 'none'; form-action 'self'"
}

func newAsset(ctype string, raw []byte) (*asset, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return &asset{ctype: ctype, version: hex.EncodeToString(sum[:8]), gz: buf.Bytes(), raw: raw}, nil
}

// wasmAsset is the module, committed compressed; its stamp gives the hash
// of its identity bytes without decompressing it at start-up.
func wasmAsset() (*asset, error) {
	gz, err := assets.ReadFile("assets/viewer.wasm.gz")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAssets, err)
	}
	stamp, err := assets.ReadFile("assets/viewer.wasm.txt")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAssets, err)
	}
	hash, gzSize, err := parseStamp(stamp)
	if err != nil {
		return nil, err
	}
	if gzSize != len(gz) {
		return nil, fmt.Errorf("%w: viewer.wasm.gz is %d bytes, its stamp says %d", ErrAssets, len(gz), gzSize)
	}
	return &asset{ctype: "application/wasm", version: hash[:16], gz: gz}, nil
}

// parseStamp reads the module's hash and compressed size from the stamp
// web/internal/gen writes.
func parseStamp(b []byte) (hash string, gzSize int, err error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 3 && f[0] == "wasm":
			hash = f[1]
		case len(f) == 2 && f[0] == "gzip":
			gzSize, err = strconv.Atoi(f[1])
		}
	}
	if err != nil || len(hash) < 16 || gzSize <= 0 {
		return "", 0, fmt.Errorf("%w: viewer.wasm.txt is incomplete", ErrAssets)
	}
	return hash, gzSize, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, "/")
	var a *asset
	hdr := w.Header()
	switch name {
	case "", "index.html":
		a = h.index
		// The page names the other files by version, so it is the one to
		// revalidate; it also carries the session's code in its URL.
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("Referrer-Policy", "no-referrer")
	default:
		if a = h.files[name]; a == nil {
			http.NotFound(w, r)
			return
		}
		if r.URL.Query().Get("v") == a.version {
			hdr.Set("Cache-Control", immutable)
		} else {
			hdr.Set("Cache-Control", "no-cache")
		}
	}
	hdr.Set("Content-Type", a.ctype)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Add("Vary", "Accept-Encoding")
	body, etag := a.gz, `"`+a.version+`-gz"`
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hdr.Set("Content-Encoding", "gzip")
	} else {
		raw, err := a.identity()
		if err != nil {
			http.Error(w, ErrAssets.Error(), http.StatusInternalServerError)
			return
		}
		body, etag = raw, `"`+a.version+`"`
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// or matched by *, without q=0.
func acceptsGzip(header string) bool {
	gz, star := -1.0, -1.0
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if k, v, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.TrimSpace(k) == "q" {
			if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}
