package codecbench

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nal builds one Annex B NAL unit with a 4-byte start code.
func nal(typ byte, body ...byte) []byte {
	return append([]byte{0, 0, 0, 1, 0x60 | typ}, body...)
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestSplitAnnexB(t *testing.T) {
	sps, pps, sei := nal(7, 0x42, 0x11), nal(8, 0xce), nal(6, 5, 1, 2, 3)
	idrA := nal(5, 0x88, 0x84, 0x21) // first_mb_in_slice 0
	idrB := nal(5, 0x40, 0x84)       // first_mb_in_slice 1: same picture
	p1 := nal(1, 0x9a, 0x22, 0x00, 0x00, 0x03, 0x01)
	p2a := nal(1, 0x9a, 0x33)
	p2b := cat(nal(1, 0x20, 0x44), []byte{0}) // a zero before a start code belongs to that start code
	aud := nal(9, 0x10)
	p3 := cat([]byte{0, 0, 1, 0x41, 0x9a}) // 3-byte start code
	stream := cat(sps, pps, sei, idrA, idrB, p1, p2a, p2b, aud, p3)
	sizes, err := SplitAnnexB(stream)
	require.NoError(t, err)
	assert.Equal(t, []int{
		len(sps) + len(pps) + len(sei) + len(idrA) + len(idrB),
		len(p1),
		len(p2a) + len(p2b) - 1,
		1 + len(aud) + len(p3),
	}, sizes)
}

func TestSplitAnnexBErrors(t *testing.T) {
	for name, s := range map[string][]byte{
		"empty":           nil,
		"no start code":   {1, 2, 3, 4},
		"one zero":        {0, 1, 0x65, 0x88},
		"ends in code":    {0, 0, 0, 1},
		"no picture":      nal(7, 1, 2),
		"forbidden bit":   {0, 0, 1, 0xe5, 0x88},
		"truncated slice": nal(5),
		"trailing sps":    cat(nal(5, 0x88), nal(7, 1)),
	} {
		_, err := SplitAnnexB(s)
		assert.ErrorIs(t, err, ErrBitstream, name)
	}
}

func ivf(frames ...[]byte) []byte {
	out := make([]byte, 32)
	copy(out, "DKIF")
	binary.LittleEndian.PutUint16(out[6:], 32)
	copy(out[8:], "VP80")
	for i, f := range frames {
		var h [12]byte
		binary.LittleEndian.PutUint32(h[:], uint32(len(f)))
		binary.LittleEndian.PutUint64(h[4:], uint64(i))
		out = append(append(out, h[:]...), f...)
	}
	return out
}

func TestSplitIVF(t *testing.T) {
	sizes, err := SplitIVF(ivf([]byte{1, 2, 3}, nil, make([]byte, 300)))
	require.NoError(t, err)
	assert.Equal(t, []int{3, 0, 300}, sizes)

	good := ivf([]byte{1, 2, 3})
	for name, f := range map[string][]byte{
		"empty":          nil,
		"magic":          append([]byte("RIFF"), good[4:]...),
		"no frames":      ivf(),
		"short header":   good[:len(good)-5],
		"huge frame":     append(ivf(), 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0),
		"partial header": append(good, 1, 2),
		"header length":  func() []byte { b := ivf([]byte{1}); b[6] = 200; return b }(),
	} {
		_, err := SplitIVF(f)
		assert.ErrorIs(t, err, ErrBitstream, name)
	}
}
