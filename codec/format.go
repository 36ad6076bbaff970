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
	Version = 2
	// HeaderSize is the size in bytes of the fixed message header. A chunk
	// table of ChunkHeaderSize bytes per chunk follows it.
	HeaderSize = 16
	// ChunkHeaderSize is the size in bytes of one entry of the chunk table.
	ChunkHeaderSize = 16
	// MaxChunks is the most chunks a message may have.
	MaxChunks = 64
	// MaxDimension is the largest width or height the wire format can carry.
	MaxDimension = 65535
	// MaxEncodePixels is the largest frame (width*height) an Encoder accepts; it
	// keeps every length field of the format within 32 bits.
	MaxEncodePixels = 1 << 28
)

// Flag bits, methods, operation bits and encodings of Version 2 (FORMAT.md).
const (
	flagKey = 1 << 0

	methodNone = 0
	methodZstd = 1

	opEncMask  = 0x07
	opBase     = 1 << 3 // the tile starts from the long-term picture
	opSubRect  = 1 << 4
	opCopy     = 1 << 5
	opCopySame = 1 << 6
	opCopyRect = 1 << 7

	encKeep    = 0
	encSolid   = 1
	encPalette = 2
	encShared  = 3
	encRaw     = 4
	encJPEG    = 5
	encPredict = 6
	encSave    = 7 // the whole op byte: save the tile into the long-term picture

	// A record is at least a 1-byte gap and the op byte (a save, a tile from
	// the long-term picture, a copy of the whole tile with the previous
	// vector).
	minRecord = 2
	// The most bytes of a record that are not pixel data: gap (indexes are
	// below 2^20: 3 bytes), op, two 3-byte vector varints (|d| < 2^17), copy
	// rectangle, sub-rect.
	maxRecordOverhead = 3 + 1 + 3 + 3 + 4 + 4
	// The largest pixel data of a record: raw RGB of a whole tile. A palette of
	// 256 colours with 8-bit indices (4865 bytes) and a shared-palette tile
	// (new colours only if the tile has at most 256: 2 + 768 + 8192) are
	// smaller.
	maxRecordData = TileSize * TileSize * 3
	maxRecord     = maxRecordOverhead + maxRecordData

	// maxShared is the most colours of a chunk's shared palette; indices are
	// one byte while it has at most 256, two bytes (little-endian) beyond.
	maxShared = 4096

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
	Chunks        int // independently compressed groups of records
}

// chunkHeader is one entry of the chunk table, and what the decoder finds
// out about the chunk.
type chunkHeader struct {
	method    byte
	tiles     int
	rawLen    int // record bytes after decompression
	packedLen int // record bytes in the message
	blobLen   int // bytes of JPEG data after the records

	packed, blob, records []byte // decoder: the chunk's parts, records decompressed
	first                 int    // decoder: index of its first record in Decoder.recs
	err                   error  // decoder: decompression failure
}

// tileGrid returns the number of tile columns and rows of a frame.
func tileGrid(w, h int) (tx, ty int) {
	return (w + TileSize - 1) / TileSize, (h + TileSize - 1) / TileSize
}

// ReadHeader parses and validates the fixed header and the chunk table of
// msg, including that the chunk lengths add up to len(msg). It does not
// allocate unless it fails. It does not check decoder limits or the payload.
// A message of another version returns ErrVersion with Header.Version set.
func ReadHeader(msg []byte) (Header, error) {
	var chunks [MaxChunks]chunkHeader
	return parseHeader(msg, &chunks)
}

// parseHeader validates the header and the chunk table, which it stores in
// chunks[:h.Chunks].
func parseHeader(msg []byte, chunks *[MaxChunks]chunkHeader) (Header, error) {
	var h Header
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
	h.Seq = binary.LittleEndian.Uint32(msg[4:])
	h.Width = int(binary.LittleEndian.Uint16(msg[8:]))
	h.Height = int(binary.LittleEndian.Uint16(msg[10:]))
	h.Tiles = int(msg[12]) | int(msg[13])<<8 | int(msg[14])<<16
	h.Chunks = int(msg[15])

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
	if h.Chunks < 1 || h.Chunks > MaxChunks || h.Chunks > h.Tiles {
		return h, fmt.Errorf("%w: %d chunks for %d tiles (must be 1..%d, at most one per tile)", ErrCorrupt, h.Chunks, h.Tiles, MaxChunks)
	}
	table := HeaderSize + h.Chunks*ChunkHeaderSize
	if len(msg) < table {
		return h, fmt.Errorf("%w: message of %d bytes is shorter than its %d-byte chunk table", ErrCorrupt, len(msg), table)
	}
	total := uint64(table)
	tiles := 0
	for i := range h.Chunks {
		b := msg[HeaderSize+i*ChunkHeaderSize:]
		c := chunkHeader{
			method:    b[0],
			tiles:     int(b[1]) | int(b[2])<<8 | int(b[3])<<16,
			rawLen:    int(binary.LittleEndian.Uint32(b[4:])),
			packedLen: int(binary.LittleEndian.Uint32(b[8:])),
			blobLen:   int(binary.LittleEndian.Uint32(b[12:])),
		}
		if c.method != methodNone && c.method != methodZstd {
			return h, fmt.Errorf("%w: chunk %d: unknown compression method %d", ErrCorrupt, i, c.method)
		}
		if c.tiles < 1 {
			return h, fmt.Errorf("%w: chunk %d has no tiles", ErrCorrupt, i)
		}
		tiles += c.tiles
		if tiles > h.Tiles {
			return h, fmt.Errorf("%w: chunks hold more than the %d tiles of the header", ErrCorrupt, h.Tiles)
		}
		if lo, hi := uint64(c.tiles)*minRecord, uint64(c.tiles)*maxRecord; uint64(c.rawLen) < lo || uint64(c.rawLen) > hi {
			return h, fmt.Errorf("%w: chunk %d: %d bytes of records for %d tiles (must be %d..%d)", ErrCorrupt, i, c.rawLen, c.tiles, lo, hi)
		}
		if c.method == methodNone && c.rawLen != c.packedLen {
			return h, fmt.Errorf("%w: chunk %d: uncompressed records of %d bytes declare %d", ErrCorrupt, i, c.packedLen, c.rawLen)
		}
		total += uint64(c.packedLen) + uint64(c.blobLen)
		chunks[i] = c
	}
	if tiles != h.Tiles {
		return h, fmt.Errorf("%w: chunks hold %d tiles, header %d", ErrCorrupt, tiles, h.Tiles)
	}
	if total != uint64(len(msg)) {
		return h, fmt.Errorf("%w: header and chunk table describe %d bytes, message has %d", ErrCorrupt, total, len(msg))
	}
	return h, nil
}

// putHeader writes a Version 2 header into b[:HeaderSize].
func putHeader(b []byte, key bool, seq uint32, w, h, tiles, chunks int) {
	_ = b[HeaderSize-1]
	b[0], b[1], b[2] = 'D', 'H', Version
	b[3] = 0
	if key {
		b[3] = flagKey
	}
	binary.LittleEndian.PutUint32(b[4:], seq)
	binary.LittleEndian.PutUint16(b[8:], uint16(w))
	binary.LittleEndian.PutUint16(b[10:], uint16(h))
	b[12], b[13], b[14] = byte(tiles), byte(tiles>>8), byte(tiles>>16)
	b[15] = byte(chunks)
}

// putChunkHeader writes one chunk table entry into b[:ChunkHeaderSize].
func putChunkHeader(b []byte, c chunkHeader) {
	_ = b[ChunkHeaderSize-1]
	b[0] = c.method
	b[1], b[2], b[3] = byte(c.tiles), byte(c.tiles>>8), byte(c.tiles>>16)
	binary.LittleEndian.PutUint32(b[4:], uint32(c.rawLen))
	binary.LittleEndian.PutUint32(b[8:], uint32(c.packedLen))
	binary.LittleEndian.PutUint32(b[12:], uint32(c.blobLen))
}

// tileRect returns the pixel origin and size of tile idx, cropped to the frame.
func tileRect(idx, tilesX, w, h int) (x0, y0, tw, th int) {
	x0, y0 = (idx%tilesX)*TileSize, (idx/tilesX)*TileSize
	return x0, y0, min(TileSize, w-x0), min(TileSize, h-y0)
}

// zigzag maps a signed value to an unsigned one, small magnitudes to small
// numbers (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...).
func zigzag(v int) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int { return int(u>>1) ^ -int(u&1) }

// uvarint reads a minimal uvarint of at most max bytes from p.
func uvarint(p []byte, max int) (uint64, int, bool) {
	v, n := binary.Uvarint(p)
	if n <= 0 || n > max || (n > 1 && p[n-1] == 0) {
		return 0, 0, false
	}
	return v, n, true
}
