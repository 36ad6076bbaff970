package codec

import "errors"

// ErrCorrupt means a message is truncated or garbled. The returned error wraps
// it with the detail. The decoder then needs a key frame: ask the sender for one.
var ErrCorrupt = errors.New("codec: corrupt message (truncated or garbled); request a key frame")

// ErrVersion means a message was written in a wire format version this decoder
// does not read. Use the same deskhand version on both ends.
var ErrVersion = errors.New("codec: unsupported wire format version; use matching deskhand versions on both ends")

// ErrTooLarge means a frame or message is larger than the decoder's limits. It is
// reported before anything is allocated. Raise WithMaxPixels or WithMaxMessage if
// the frame is legitimate, or make the sender capture a smaller screen.
var ErrTooLarge = errors.New("codec: frame or message exceeds the decoder limits (WithMaxPixels, WithMaxMessage)")

// ErrNeedKeyFrame means a delta message cannot be applied: no key frame was
// decoded yet, an earlier message failed, or the delta is for another size or
// does not follow the previous message's sequence number. Ask the sender for a key
// frame (Encoder.Reset or Encode with key=true).
var ErrNeedKeyFrame = errors.New("codec: need a key frame; ask the sender for one (Encoder.Reset or key=true)")

// ErrInvalidImage means the Image given to Encode is unusable (size out of range,
// unknown pixel format, stride or Pix too short). Fix the capture code.
var ErrInvalidImage = errors.New("codec: invalid image (check Width, Height, Stride, Format and len(Pix))")

// ErrInvalidOption means an option value is out of its documented range.
var ErrInvalidOption = errors.New("codec: invalid option value (see the option's documented range)")

// ErrClosed means the Encoder or Decoder was used after Close. Create a new one.
var ErrClosed = errors.New("codec: use after Close; create a new Encoder or Decoder")
