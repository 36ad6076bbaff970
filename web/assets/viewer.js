// deskhand's browser viewer: this script only loads the Go module
// (viewer.wasm, which joins the session, decodes and paints) and forwards
// the page's events to it through window.deskhand.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const form = $("join"), frame = $("frame"), screen = $("screen"), cursor = $("cursor");
  const stage = $("stage"), banner = $("banner"), message = $("message");
  let width = 0, height = 0, connected = false, bannerTimer = 0;

  // The signaling endpoint: a path on this page's host, or a full URL.
  function signalURL() {
    const s = body.dataset.signal || "/v1/signal";
    if (s.startsWith("/")) {
      return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + s;
    }
    return s;
  }

  function setState(state, text) {
    const el = $("state");
    el.dataset.state = state;
    el.textContent = text;
    connected = state === "connected";
    $("cad").disabled = $("paste").disabled = !connected;
    if (!connected) $("copy").disabled = true;
    $("disconnect").disabled = state === "closed" || state === "idle";
  }

  // The banner says what happens to a live session (reconnecting, the
  // server gone, a clipboard refused); its kind is for tests.
  function showBanner(text, ms, kind) {
    clearTimeout(bannerTimer);
    banner.textContent = text;
    banner.dataset.kind = text ? kind || "" : "";
    banner.hidden = !text;
    if (text && ms) bannerTimer = setTimeout(() => { banner.hidden = true; banner.dataset.kind = ""; }, ms);
  }

  function showForm(kind, text) {
    frame.hidden = true;
    form.hidden = false;
    message.dataset.kind = kind || "";
    message.textContent = text || "";
    $("code").value = "";
    ($("id").value ? $("code") : $("id")).focus();
  }

  function onState(state, kind, text) {
    switch (state) {
      case "connecting":
        setState(state, "Connecting…");
        break;
      case "connected":
        setState(state, "Connected");
        showBanner("");
        screen.focus();
        break;
      case "reconnecting":
        setState(state, "Reconnecting…");
        showBanner(text, 0, kind);
        break;
      case "notice":
        showBanner(text, 8000, kind);
        break;
      case "closed":
        setState(state, kind ? "Not connected" : "Disconnected");
        showBanner("");
        showForm(kind, text);
        break;
    }
  }

  // Clipboard text, both ways where the browser allows it. From the remote
  // computer: written to this computer's clipboard when the browser lets
  // the page (focused, permission granted); else the "Copy" button keeps
  // it and copies it on a click, which the browser always allows. To the
  // remote computer: read from this clipboard when the page gets the focus
  // or a click (where the browser grants reading), and sent when it
  // changed; "Paste text" types it instead, for places that take no paste.
  let clipShared = "", clipRemote = "";
  function remoteClipboard(text) {
    clipShared = clipRemote = text;
    const copy = $("copy");
    copy.disabled = false;
    copy.title = "Copy the remote computer's clipboard text: " + (text.length > 80 ? text.slice(0, 80) + "…" : text);
    if (navigator.clipboard && document.hasFocus()) {
      navigator.clipboard.writeText(text).then(() => { copy.dataset.copied = "auto"; }, () => {});
    }
  }
  async function shareClipboard() {
    if (!connected || !navigator.clipboard || !navigator.clipboard.readText) return;
    let text;
    try {
      text = await navigator.clipboard.readText();
    } catch (err) {
      return; // not granted: "Paste text" asks on a click
    }
    if (text && text !== clipShared) {
      clipShared = text;
      window.deskhand.setClipboard(text);
    }
  }

  function connect(id, code) {
    form.hidden = true;
    frame.hidden = false;
    message.textContent = "";
    message.dataset.kind = "";
    const params = new URLSearchParams(location.search);
    window.deskhand.connect({
      signal: signalURL(),
      id, code,
      name: (params.get("name") || body.dataset.name || "").slice(0, 64),
      lossless: $("quality").value === "lossless",
      screen, cursor,
      onstate: onState,
      onresize: (w, h) => { width = w; height = h; layout(); },
      onclipboard: remoteClipboard,
    });
  }

  // Size the canvas on the page. At 1:1 one pixel of the remote screen is
  // one pixel of this display, drawn without smoothing; fitted, it is
  // scaled to the stage and snapped to whole display pixels.
  function layout() {
    if (!width || !height) return;
    const dpr = window.devicePixelRatio || 1;
    let w = width / dpr, h = height / dpr;
    const fit = $("scale").value === "fit";
    if (fit) {
      const s = Math.min(stage.clientWidth / width, stage.clientHeight / height);
      w = Math.max(1, Math.floor(width * s * dpr)) / dpr;
      h = Math.max(1, Math.floor(height * s * dpr)) / dpr;
    }
    frame.style.width = w + "px";
    frame.style.height = h + "px";
    screen.classList.toggle("pixelated", !fit || w * dpr >= width);
  }

  // Pointer positions go in remote screen pixels, whatever the scaling.
  function position(e) {
    const r = screen.getBoundingClientRect();
    return [(e.clientX - r.left) * width / r.width, (e.clientY - r.top) * height / r.height];
  }

  function wireInput() {
    const dh = window.deskhand;
    screen.addEventListener("pointermove", (e) => {
      if (!connected) return;
      for (const ev of (e.getCoalescedEvents ? e.getCoalescedEvents().slice(-1) : [e])) dh.pointer(...position(ev));
    });
    screen.addEventListener("pointerdown", (e) => {
      if (!connected) return;
      screen.focus();
      screen.setPointerCapture(e.pointerId);
      dh.pointer(...position(e));
      dh.button(e.button, true);
      e.preventDefault();
    });
    screen.addEventListener("pointerup", (e) => {
      if (!connected) return;
      dh.pointer(...position(e));
      dh.button(e.button, false);
      e.preventDefault();
    });
    screen.addEventListener("contextmenu", (e) => e.preventDefault());
    let wheelX = 0, wheelY = 0;
    screen.addEventListener("wheel", (e) => {
      if (!connected) return;
      e.preventDefault();
      // One notch is about 100 pixels or 3 lines of scrolling.
      const unit = e.deltaMode === 1 ? 3 : e.deltaMode === 2 ? 1 : 100;
      wheelX += e.deltaX / unit;
      wheelY += e.deltaY / unit;
      const nx = Math.trunc(wheelX), ny = Math.trunc(wheelY);
      if (nx || ny) {
        wheelX -= nx;
        wheelY -= ny;
        dh.wheel(nx, ny);
      }
    }, { passive: false });
    // Keys go by their physical position (KeyboardEvent.code), so that
    // the remote computer's layout decides the character, whatever ours.
    const held = new Set();
    const key = (down) => (e) => {
      if (!connected || e.isComposing) return;
      syncModifiers(e);
      if (dh.key(e.code, down)) {
        if (down) held.add(e.code); else held.delete(e.code);
        e.preventDefault();
      }
    };
    // A modifier pressed or released while the page did not have the
    // focus (or by a tool that only sets the event's flags) is pressed or
    // released remotely before the key it modifies.
    const modifiers = [["shiftKey", "ShiftLeft", "ShiftRight"], ["ctrlKey", "ControlLeft", "ControlRight"],
      ["altKey", "AltLeft", "AltRight"], ["metaKey", "MetaLeft", "MetaRight"]];
    function syncModifiers(e) {
      for (const [flag, left, right] of modifiers) {
        if (e.code === left || e.code === right) continue;
        const isHeld = held.has(left) || held.has(right);
        if (e[flag] && !isHeld) {
          if (dh.key(left, true)) held.add(left);
        } else if (!e[flag] && isHeld) {
          for (const c of [left, right]) if (held.delete(c)) dh.key(c, false);
        }
      }
    }
    screen.addEventListener("keydown", key(true));
    screen.addEventListener("keyup", key(false));
    // Keys and buttons held when focus leaves would stay down remotely.
    const release = () => { held.clear(); if (connected) dh.releaseAll(); };
    screen.addEventListener("blur", release);
    window.addEventListener("blur", release);
    screen.addEventListener("focus", shareClipboard);
    window.addEventListener("focus", shareClipboard);
  }

  function wireToolbar() {
    const dh = window.deskhand;
    $("scale").addEventListener("change", () => { layout(); screen.focus(); });
    $("quality").addEventListener("change", () => { dh.setLossless($("quality").value === "lossless"); screen.focus(); });
    $("cad").addEventListener("click", () => { dh.ctrlAltDel(); screen.focus(); });
    $("paste").addEventListener("click", async () => {
      try {
        const text = await navigator.clipboard.readText();
        if (text) dh.text(text);
      } catch (err) {
        showBanner("The browser did not give the clipboard's text: " + err.message, 5000, "clipboard");
      }
      screen.focus();
    });
    $("copy").addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(clipRemote);
        $("copy").dataset.copied = "click";
        showBanner("The remote computer's clipboard text is on your clipboard.", 3000, "copied");
      } catch (err) {
        showBanner("The browser did not let the page write to the clipboard: " + err.message, 5000, "clipboard");
      }
      screen.focus();
    });
    $("fullscreen").addEventListener("click", async () => {
      if (document.fullscreenElement) {
        await document.exitFullscreen();
        return;
      }
      await document.documentElement.requestFullscreen();
      // In full screen the browser lets the page have Escape, Alt+Tab and
      // the like.
      if (navigator.keyboard && navigator.keyboard.lock) navigator.keyboard.lock().catch(() => {});
      screen.focus();
    });
    document.addEventListener("fullscreenchange", () => {
      $("fullscreen").textContent = document.fullscreenElement ? "Exit full screen" : "Full screen";
      layout();
    });
    $("disconnect").addEventListener("click", () => dh.disconnect());
    window.addEventListener("resize", layout);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const id = $("id").value.trim(), code = $("code").value.trim();
      if (!id || !code) return;
      history.replaceState(null, "", "?id=" + encodeURIComponent(id));
      connect(id, code);
    });
    setInterval(() => {
      const s = dh.stats();
      $("stats").textContent = s.connected
        ? `${s.width}×${s.height} · ${s.fps.toFixed(0)} fps · ${s.rttMs.toFixed(0)} ms round trip · ${s.latencyMs.toFixed(0)} ms latency`
        : "";
      $("viewonly").hidden = !(s.connected && s.viewOnly);
    }, 500);
  }

  async function start() {
    const go = new Go();
    const ready = new Promise((resolve) => { window.deskhandReady = resolve; });
    const url = body.dataset.wasm;
    let result;
    try {
      result = await WebAssembly.instantiateStreaming(fetch(url), go.importObject);
    } catch (err) {
      // A server or proxy that sends the module with another type.
      const resp = await fetch(url);
      result = await WebAssembly.instantiate(await resp.arrayBuffer(), go.importObject);
    }
    go.run(result.instance);
    await ready;
    wireInput();
    wireToolbar();
    $("connect").disabled = false;
    setState("idle", "Not connected");

    // ?id=ID&code=CODE connects at once; the code, spent by then, leaves
    // the address bar and the history.
    const params = new URLSearchParams(location.search);
    const id = params.get("id"), code = params.get("code");
    if (id) $("id").value = id;
    if (id && code) {
      params.delete("code");
      history.replaceState(null, "", "?" + params.toString());
      connect(id, code);
    } else {
      showForm("", "");
    }
  }

  // A link with the ID and code connects as soon as the module runs: the
  // form stays hidden meanwhile instead of flashing up empty.
  {
    const params = new URLSearchParams(location.search);
    if (params.get("id") && params.get("code")) {
      form.hidden = true;
      frame.hidden = false;
    }
  }
  start().catch((err) => {
    setState("closed", "Failed to load");
    showForm("load", "The viewer could not start in this browser: " + err.message);
  });
})();
