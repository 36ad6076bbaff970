package codec

import (
	"encoding/binary"
	"fmt"
)

// PixelFormat says how the 4 bytes of a source pixel are ordered.
type PixelFormat uint8

const (
	// BGRA is B, G, R, X: X11 ZPixmap depth 24 and Windows DIBs. X is ignored.
	BGRA PixelFormat = 1
	// RGBA is R, G, B, A, as in image.RGBA. A is ignored.
	RGBA PixelFormat = 2
)

// String returns the format's name.
func (f PixelFormat) String() string {
	switch f {
	case BGRA:
		return "BGRA"
	case RGBA:
		return "RGBA"
	}
	return fmt.Sprintf("PixelFormat(%d)", uint8(f))
}

const (
	// TileSize is the width and height of a tile in pixels. Edge tiles are cropped
	// to the frame.
	TileSize = 64
	// Version is the wire format version written in every message (FORMAT.md).
	Version = 1
	// HeaderSize is the size in bytes of the fixed message header.
	HeaderSize = 24
	// MaxDimension is the largest width or height the wire format can carry.
	MaxDimension = 65535
	// MaxEncodePixels is the largest frame (width*height) an Encoder accepts; it
	// keeps every length field of the format within 32 bits.
	MaxEncodePixels = 1 << 28
)

// Flag bits, method and encoding values of Version 1 (FORMAT.md).
const (
	flagKey = 1 << 0

	methodNone = 0
	methodZstd = 1

	encSolid = 0
	encRaw   = 1

	// A tile record is an index uvarint (at most 3 bytes: indexes are < 2^20),
	// an encoding byte and its data.
	minRecord      = 1 + 1 + 3
	maxRecordExtra = 3 + 1
	maxTileRaw     = TileSize * TileSize * 3

	// zstdMaxWindow bounds the zstd window the decoder accepts (and the encoder uses).
	zstdMaxWindow = 8 << 20
)

// Header is the fixed part of a message.
type Header struct {
	Version       int
	Key           bool
	Seq           uint32
	Width, Height int
	Tiles         int // tile records in the message
}

// header is Header plus the fields only the decoder needs.
type header struct {
	Header
	method     byte
	rawLen     int // size of the tile records after decompression
	payloadLen int
}

// tileGrid returns the number of tile columns and rows of a frame.
func tileGrid(w, h int) (tx, ty int) {
	return (w + TileSize - 1) / TileSize, (h + TileSize - 1) / TileSize
}

// ReadHeader parses and validates the fixed header of msg, including that the
// payload length matches len(msg). It does not allocate unless it fails. It does
// not check decoder limits or the payload. A message of another version returns
// ErrVersion with Header.Version set.
func ReadHeader(msg []byte) (Header, error) {
	h, err := parseHeader(msg)
	return h.Header, err
}

func parseHeader(msg []byte) (header, error) {
	var h header
	if len(msg) < 3 {
		return h, fmt.Errorf("%w: message of %d bytes is shorter than the %d-byte header", ErrCorrupt, len(msg), HeaderSize)
	}
	if msg[0] != 'D' || msg[1] != 'H' {
		return h, fmt.Errorf("%w: bad magic %#02x %#02x, want \"DH\"", ErrCorrupt, msg[0], msg[1])
	}
	h.Version = int(msg[2])
	if h.Version != Version {
		return h, fmt.Errorf("%w: message has version %d, this decoder reads version %d", ErrVersion, h.Version, Version)
	}
	if len(msg) < HeaderSize {
		return h, fmt.Errorf("%w: message of %d bytes is shorter than the %d-byte header", ErrCorrupt, len(msg), HeaderSize)
	}
	flags := msg[3]
	if flags&^flagKey != 0 {
		return h, fmt.Errorf("%w: reserved flag bits set (%#02x)", ErrCorrupt, flags)
	}
	h.Key = flags&flagKey != 0
	h.method = msg[4]
	if h.method != methodNone && h.method != methodZstd {
		return h, fmt.Errorf("%w: unknown compression method %d", ErrCorrupt, h.method)
	}
	h.Tiles = int(msg[5]) | int(msg[6])<<8 | int(msg[7])<<16
	h.Seq = binary.LittleEndian.Uint32(msg[8:])
	h.Width = int(binary.LittleEndian.Uint16(msg[12:]))
	h.Height = int(binary.LittleEndian.Uint16(msg[14:]))
	h.rawLen = int(binary.LittleEndian.Uint32(msg[16:]))
	h.payloadLen = int(binary.LittleEndian.Uint32(msg[20:]))

	if h.Width == 0 || h.Height == 0 {
		return h, fmt.Errorf("%w: frame size %dx%d", ErrCorrupt, h.Width, h.Height)
	}
	tx, ty := tileGrid(h.Width, h.Height)
	all := tx * ty
	if h.Tiles < 1 || h.Tiles > all {
		return h, fmt.Errorf("%w: %d tiles in a frame of %d", ErrCorrupt, h.Tiles, all)
	}
	if h.Key && h.Tiles != all {
		return h, fmt.Errorf("%w: key frame with %d of %d tiles", ErrCorrupt, h.Tiles, all)
	}
	if uint64(h.payloadLen) != uint64(len(msg)-HeaderSize) {
		return h, fmt.Errorf("%w: payload length %d, message carries %d", ErrCorrupt, h.payloadLen, len(msg)-HeaderSize)
	}
	// Every tile needs at least minRecord bytes and at most its pixels as RGB
	// plus maxRecordExtra; the tiles of a message cover at most the whole frame.
	lo := uint64(h.Tiles) * minRecord
	hi := min(uint64(h.Tiles)*(maxTileRaw+maxRecordExtra),
		uint64(h.Width)*uint64(h.Height)*3+uint64(h.Tiles)*maxRecordExtra)
	if raw := uint64(h.rawLen); raw < lo || raw > hi {
		return h, fmt.Errorf("%w: %d bytes of tile records for %d tiles (must be %d..%d)", ErrCorrupt, raw, h.Tiles, lo, hi)
	}
	if h.method == methodNone && h.rawLen != h.payloadLen {
		return h, fmt.Errorf("%w: uncompressed payload of %d bytes declares %d", ErrCorrupt, h.payloadLen, h.rawLen)
	}
	return h, nil
}

// putHeader writes a Version 1 header into b[:HeaderSize].
func putHeader(b []byte, key bool, method byte, tiles int, seq uint32, w, h, rawLen, payloadLen int) {
	_ = b[HeaderSize-1]
	b[0], b[1], b[2] = 'D', 'H', Version
	b[3] = 0
	if key {
		b[3] = flagKey
	}
	b[4] = method
	b[5], b[6], b[7] = byte(tiles), byte(tiles>>8), byte(tiles>>16)
	binary.LittleEndian.PutUint32(b[8:], seq)
	binary.LittleEndian.PutUint16(b[12:], uint16(w))
	binary.LittleEndian.PutUint16(b[14:], uint16(h))
	binary.LittleEndian.PutUint32(b[16:], uint32(rawLen))
	binary.LittleEndian.PutUint32(b[20:], uint32(payloadLen))
}

// record is one parsed tile record.
type record struct {
	index int
	enc   byte
	data  []byte
}

// nextRecord parses the tile record at the start of p. prev is the previous tile
// index (-1 before the first). It returns the record and the rest of p.
func nextRecord(p []byte, prev, tilesX, w, h int) (record, []byte, error) {
	var r record
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return r, nil, fmt.Errorf("%w: bad tile index varint", ErrCorrupt)
	}
	if n > 1 && p[n-1] == 0 {
		return r, nil, fmt.Errorf("%w: tile index varint not minimal", ErrCorrupt)
	}
	tilesY := (h + TileSize - 1) / TileSize
	if v >= uint64(tilesX*tilesY) {
		return r, nil, fmt.Errorf("%w: tile index %d out of range (%d tiles)", ErrCorrupt, v, tilesX*tilesY)
	}
	r.index = int(v)
	if r.index <= prev {
		return r, nil, fmt.Errorf("%w: tile index %d after %d (must increase)", ErrCorrupt, r.index, prev)
	}
	p = p[n:]
	if len(p) < 1 {
		return r, nil, fmt.Errorf("%w: tile %d: missing encoding byte", ErrCorrupt, r.index)
	}
	r.enc = p[0]
	p = p[1:]
	var size int
	switch r.enc {
	case encSolid:
		size = 3
	case encRaw:
		tw, th := tileDims(r.index, tilesX, w, h)
		size = tw * th * 3
	default:
		return r, nil, fmt.Errorf("%w: tile %d: unknown encoding %d", ErrCorrupt, r.index, r.enc)
	}
	if len(p) < size {
		return r, nil, fmt.Errorf("%w: tile %d: %d bytes of data, need %d", ErrCorrupt, r.index, len(p), size)
	}
	r.data = p[:size]
	return r, p[size:], nil
}

// tileDims returns the pixel size of tile idx, cropped to the frame.
func tileDims(idx, tilesX, w, h int) (tw, th int) {
	x0, y0 := (idx%tilesX)*TileSize, (idx/tilesX)*TileSize
	return min(TileSize, w-x0), min(TileSize, h-y0)
}
