// Package record implements "bench record": it records real screen content
// at 1920x1080 as a corpus of PNG frames that the codec benchmark replays as
// consecutive screen frames.
//
// Each scenario drives real programs (xterm, less, feh, ffplay) on a private
// Xvfb that the package starts and stops itself, injects keys through XTEST
// and moves windows through plain X requests, and captures the root window
// with capture/x11 at a steady pace (30 fps unless told otherwise). Capture
// never waits for PNG encoding: frames are copied into a bounded set of
// buffers faulted in beforehand, and encoded by a small pool of workers that
// leave a core to the capture and the programs on screen (all cores, after
// the capture, for video playback) and yield to the capture loop often.
// Frames are written as opaque RGB PNGs by a Sub-filter encoder on
// klauspost/compress, about four times faster than image/png at BestSpeed.
//
// Scenarios and the Debian packages they need: typing (xterm, bash, feh,
// fonts-dejavu-core, mate-backgrounds), scroll (xterm, less,
// fonts-dejavu-core), drag (as typing), photos (feh, mate-backgrounds,
// gnome-user-docs), video (ffmpeg, mate-backgrounds); all need xvfb.
// CheckPrograms names what is missing.
//
// A corpus is a directory of frames named 000000.png, 000001.png, ... in
// capture order, plus corpus.json describing it (see Info). ReadCorpus lists
// and validates the frames; LoadFrame and DecodeFrame read one back.
//
// Import policy: record is benchmark tooling. It may import capture,
// capture/x11, internal/xvfb, the X protocol packages (jezek/xgb) and
// klauspost/compress; it must never import pion, rdp, codec, input or
// anything under examples, and library packages must never import it. It
// uses no cgo. Recording needs Linux; reading a corpus works everywhere.
package record
