package record

import "errors"

// ErrUnknownScenario means the scenario name is not one of Scenarios() (or
// "all" where Run accepts it).
var ErrUnknownScenario = errors.New("record: unknown scenario; use typing, scroll, drag, photos, video or all")

// ErrMissingProgram means a program or data file a scenario drives is not
// installed. The error names the Debian package to install (apt-get install
// PACKAGE, or run scripts/setup).
var ErrMissingProgram = errors.New("record: a program the scenario needs is not installed")

// ErrInvalidOption means an option or flag value is outside its documented
// range, or two options contradict each other (frames and duration).
var ErrInvalidOption = errors.New("record: invalid option value (see the option's documented range)")

// ErrUsage means Run was given bad command-line arguments; the usage text has
// been written to stderr.
var ErrUsage = errors.New("record: bad arguments; see bench record -h")

// ErrOutputNotEmpty means the output directory already holds files. Record
// never overwrites a corpus: remove the directory or choose another.
var ErrOutputNotEmpty = errors.New("record: the output directory is not empty; remove it or choose another")

// ErrNotReady means a program did not show its window, or the screen did not
// settle, in time. Its output is in the error; check that it runs under Xvfb.
var ErrNotReady = errors.New("record: a program did not become ready in time")

// ErrNoFrames means a directory holds no frames named 000000.png,
// 000001.png, ... For a corpus recorded with --scenario all, pass
// DIR/<scenario>.
var ErrNoFrames = errors.New("record: no frames (000000.png, ...) in the directory; for --scenario all pass DIR/<scenario>")

// ErrBadCorpus means a corpus directory is inconsistent: a frame number is
// missing, or corpus.json is malformed or counts a different number of
// frames. Record the corpus again.
var ErrBadCorpus = errors.New("record: the corpus is inconsistent; record it again")

// ErrBadFrame means a frame file is not a PNG this package can read, or its
// size is beyond MaxFramePixels. Record the corpus again.
var ErrBadFrame = errors.New("record: the frame is not a readable PNG of a sane size")

// ErrUnsupported means recording is not possible on this operating system:
// it needs Linux with Xvfb. ReadCorpus, LoadFrame and DecodeFrame work
// everywhere.
var ErrUnsupported = errors.New("record: recording needs Linux with Xvfb; corpora can be read on any system")
