package codecbench

import "errors"

// ErrCorpus means the corpus directory is unusable: missing, empty, or its PNG
// names are not the consecutive sequence 000000.png, 000001.png, ...
// Record the corpus again or remove the stray files.
var ErrCorpus = errors.New("codecbench: bad corpus directory (want PNG frames 000000.png, 000001.png, ... with no gaps)")

// ErrFrame means a frame cannot be used: an unreadable or oversized PNG, or a
// size different from the first frame. Every frame of a corpus must be a PNG
// of the same size.
var ErrFrame = errors.New("codecbench: bad frame (every frame must be a readable PNG of the corpus's size)")

// ErrMismatch means a lossless codec did not rebuild a frame exactly. It is a
// bug in that codec (or a wrongly declared lossless codec): the error names
// the codec, the frame and the first differing pixel.
var ErrMismatch = errors.New("codecbench: lossless codec did not rebuild the frame exactly")

// ErrUnknownCodec means a codec name is not one this package knows; the
// message lists the known names.
var ErrUnknownCodec = errors.New("codecbench: unknown codec name")

// ErrFFmpeg means running ffmpeg failed. The message carries ffmpeg's own
// error output; check that ffmpeg is installed with the named encoder
// (`ffmpeg -hide_banner -encoders`).
var ErrFFmpeg = errors.New("codecbench: ffmpeg failed")

// ErrBitstream means an encoded bitstream could not be split into one unit
// per frame (H.264 Annex B access units, IVF frames). The encoder dropped or
// merged frames, or the bytes are corrupt.
var ErrBitstream = errors.New("codecbench: bitstream does not split into one unit per frame")

// ErrUsage means the command line is wrong; the message says which flag.
var ErrUsage = errors.New("codecbench: bad usage (see -h)")
