// Package webbench implements `bench web`: it measures deskhand's browser
// viewer (package web) against the goals of its issue, in a real headless
// Chromium driven through the DevTools protocol (chromedp).
//
// It starts a private 1920x1080 Xvfb with an xterm, a signaling server in
// this process that also serves the viewer page (web.Handler), deskhand's
// example agent (`agent share --loopback`, built with the Go toolchain),
// and Chromium, then measures:
//
//   - the WebAssembly module's download, gzip-encoded by the handler;
//   - page open to the first full 1920x1080 frame painted (the page's own
//     clock: performance.now() from navigation start), over several page
//     loads with the browser's cache disabled, then enabled;
//   - decode plus paint of full-screen text updates (a shell loop redraws
//     the whole terminal), from the module's paint log
//     (window.deskhand.paintLog(): per repaint, its time, the decode time
//     of the updates it shows and the area painted);
//   - typing latency: a key event dispatched on the page's canvas
//     (performance.now() just before) to the end of the repaint that shows
//     the echoed character, the screen being otherwise still.
//
// Import policy: webbench uses deskhand through its public packages (web,
// signaling) and the internal/xvfb helper; it runs the agent as a separate
// process. It must never import another bench package, and nothing but
// bench/main.go imports it.
package webbench
