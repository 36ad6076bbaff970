package codecbench

import (
	"encoding/binary"
	"fmt"
)

// SplitAnnexB splits an H.264 Annex B byte stream into access units (one per
// coded picture) and returns their sizes in bytes, start codes included; the
// sizes add up to len(stream). An access unit begins at an access unit
// delimiter, SEI, SPS, PPS or NAL types 14-18 that follow a picture's slices,
// or at a slice whose first_mb_in_slice is 0 (H.264 7.4.1.2.3), so frames
// cut into several slices (x264's sliced threads) count once.
func SplitAnnexB(stream []byte) ([]int, error) {
	if len(stream) == 0 {
		return nil, fmt.Errorf("%w: empty H.264 stream", ErrBitstream)
	}
	var sizes []int
	auStart := 0    // where the current access unit begins
	hasPic := false // the current access unit holds a slice
	for pos := 0; pos < len(stream); {
		// A start code: at least two zero bytes, then 0x01.
		i := pos
		for i < len(stream) && stream[i] == 0 {
			i++
		}
		if i-pos < 2 || i == len(stream) || stream[i] != 1 {
			return nil, fmt.Errorf("%w: no H.264 start code at byte %d", ErrBitstream, pos)
		}
		payload := i + 1
		if payload == len(stream) {
			return nil, fmt.Errorf("%w: H.264 stream ends in a start code", ErrBitstream)
		}
		// The NAL unit runs to the next 00 00 01, less the zero bytes before
		// it, which belong to that start code.
		end := nextStartCode(stream, payload)
		if end < len(stream) {
			for end > payload+1 && stream[end-1] == 0 {
				end--
			}
		}
		hdr := stream[payload]
		if hdr&0x80 != 0 {
			return nil, fmt.Errorf("%w: H.264 NAL unit at byte %d has its forbidden bit set", ErrBitstream, pos)
		}
		typ := hdr & 0x1f
		slice := typ == 1 || typ == 5
		startsAU := false
		switch {
		case slice:
			if end-payload < 2 {
				return nil, fmt.Errorf("%w: truncated H.264 slice at byte %d", ErrBitstream, pos)
			}
			// first_mb_in_slice is ue(v); the value 0 is the single bit 1.
			startsAU = hasPic && stream[payload+1]&0x80 != 0
		case typ == 6 || typ == 7 || typ == 8 || typ == 9 || (typ >= 14 && typ <= 18):
			startsAU = hasPic
		}
		if startsAU {
			sizes = append(sizes, pos-auStart)
			auStart = pos
			hasPic = false
		}
		hasPic = hasPic || slice
		pos = end
	}
	if !hasPic {
		return nil, fmt.Errorf("%w: H.264 stream ends without a coded picture", ErrBitstream)
	}
	return append(sizes, len(stream)-auStart), nil
}

// nextStartCode returns the index of the first 00 00 01 at or after from, or
// len(b).
func nextStartCode(b []byte, from int) int {
	for i := from; i+2 < len(b); i++ {
		if b[i+2] > 1 {
			i += 2 // no start code can end at or before i+2
			continue
		}
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			return i
		}
	}
	return len(b)
}

// SplitIVF splits an IVF file (as ffmpeg's -f ivf writes VP8/VP9/AV1) into
// frames and returns each frame's payload size; the 32-byte file header and
// the 12-byte frame headers are container overhead and not counted.
func SplitIVF(file []byte) ([]int, error) {
	if len(file) < 32 || string(file[:4]) != "DKIF" {
		return nil, fmt.Errorf("%w: not an IVF file (no DKIF header)", ErrBitstream)
	}
	hdrLen := int(binary.LittleEndian.Uint16(file[6:8]))
	if hdrLen < 32 || hdrLen > len(file) {
		return nil, fmt.Errorf("%w: IVF header length %d out of range", ErrBitstream, hdrLen)
	}
	var sizes []int
	for pos := hdrLen; pos < len(file); {
		if len(file)-pos < 12 {
			return nil, fmt.Errorf("%w: truncated IVF frame header at byte %d", ErrBitstream, pos)
		}
		n := binary.LittleEndian.Uint32(file[pos : pos+4])
		pos += 12
		if uint64(n) > uint64(len(file)-pos) {
			return nil, fmt.Errorf("%w: IVF frame %d claims %d bytes, %d left", ErrBitstream, len(sizes), n, len(file)-pos)
		}
		sizes = append(sizes, int(n))
		pos += int(n)
	}
	if len(sizes) == 0 {
		return nil, fmt.Errorf("%w: IVF file holds no frames", ErrBitstream)
	}
	return sizes, nil
}
