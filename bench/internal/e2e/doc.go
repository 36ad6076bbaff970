// Package e2e implements `bench e2e`, deskhand's end-to-end benchmark of
// the session layer: a host and a viewer connected by rdp over WebRTC on
// this machine, measured while a screen they do not control changes the way
// real screens do.
//
// The benchmark drives a screen through phases: typing (one text cell and
// the cursor change 30 times a second), scrolling (a screen of text moves up
// one line 30 times a second), full-screen changes (text and photo-like
// pictures, 10 a second), throughput (full-screen noise, the viewer asking
// for lossless updates), input (the viewer moves the pointer every 10 ms)
// and idle (nothing changes). For each phase it reports the updates the
// viewer applied, the frame rate reached, capture-to-applied latency
// (FrameInfo.Applied - FrameInfo.HostCaptured: one machine, one clock, no
// offset estimated through pings), the screen data rate, input latency
// (viewer send to the host's injector returning: for input/x11's pointer
// moves, the request written to the X server), the CPU used by the host and
// the viewer, and whether the viewer's picture equals the screen exactly
// once still. The goals of the session layer (issue 4) are
// evaluated from those numbers.
//
// The screen is a private Xvfb that this process draws on with X requests
// while the host captures it with capture/x11 and injects with input/x11
// (the real path; input/robotgo with DESKHAND_BENCH_INJECTOR=robotgo), or, with --synthetic, an in-memory canvas
// inside the host process. Host and viewer run as two child processes of
// the benchmark (the hidden commands e2e-host and e2e-viewer: RunHost and
// RunViewer), introduced by a signaling server in the parent, and talk to
// the parent through JSON lines on their standard input and output.
//
// Before the phases, a raw data-channel probe measures the transport on
// its own (issue 4's data-channel throughput goal): two more children of
// the same hidden commands, with --probe, open one peer connection on
// loopback, the parent relaying offer and answer over their JSON lines,
// and the sender writes messages the size of rdp's screen fragments
// (rdp.MaxMessageSize) for --probe seconds under the flow control rdp's
// host uses (send while at most WithMaxBuffered's default is queued,
// resume below half). It runs once with deskhand's transport settings,
// built by internal/peerapi exactly as for a session, and once with
// pion's defaults, and reports the receiver's rate, each process's CPU
// and the kernel's UDP drops. Then, on the same channel, the sender sends
// a 24-byte message every 10 ms (the input phase's pace) carrying its send
// time, and the receiver times each: the transport's own share of the
// input latency, reported under it. The throughput phase's figure (capture,
// lossless encoding, transport and decoding together) is reported beside
// it as the session's throughput, without a goal.
//
// With --impair, host and viewer run in this process instead, connected
// through pion's virtual network (vnet) with added delay, loss and a rate
// limit: the kernel's netem is not available everywhere, and vnet needs no
// privileges. Typing and scrolling then run first over the same virtual
// network without impairment, as the baseline the impaired latency is
// compared with.
//
// Import policy: e2e uses deskhand through its public packages (rdp,
// signaling, capture, capture/x11, input, input/x11, input/robotgo), the
// internal/xvfb helper, and internal/peerapi with pion directly for the
// probe (so that it measures the settings sessions use). It must never
// import another bench package, and nothing but bench/main.go imports it.
package e2e
