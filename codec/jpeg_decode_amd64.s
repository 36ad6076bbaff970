//go:build amd64 && !purego

#include "textflag.h"

// The inverse DCT and the colour conversion of jpeg_decode.go with AVX2,
// bit for bit: eight 32-bit lanes, one row (first pass) or one column
// (second pass) of the block in each register.
//
// The Go code computes in 64-bit ints; the lanes here are 32 bits wide,
// which is exact as long as every value fits in them, because the only
// steps that are not additions are floors of products by a multiplier
// k < 2^15, floor(x*k / 2^13), and floors of sums of such products.
// For x = h*2^16 + l with l = x&0xFFFF, that floor is
// h*8k + floor(l*k / 2^13): the first product is right modulo 2^32, the
// second is below 2^31, exact. A sum of products splits the same way, its
// low part staying below 2^31 because the multipliers of one sum add up
// to less than 2^15. The sparse transforms of the Go code, whose outputs
// keep 13 more fraction bits, reduce to the same floors:
// (x<<13 + S)>>13 = x + floor(S/2^13), and the second pass's >>28 is that
// >>15. Every value of a transform stays within 11.4 times the largest of
// its inputs, so coefficients within +-2^27 keep the first pass exact and
// first-pass outputs within +-2^27 keep the second pass exact. idctAVX2
// tests both (the second on what the second pass reads) and gives up,
// returning false before it writes anything, when they do not hold.
// Blocks of real pictures stay below 2^24 (the DC term with its level
// shift is up to 8.4M); only blocks made up to be extreme go back to Go.

#define CONST8(name, v) \
	DATA name<>+0(SB)/4, $(v); \
	DATA name<>+4(SB)/4, $(v); \
	DATA name<>+8(SB)/4, $(v); \
	DATA name<>+12(SB)/4, $(v); \
	DATA name<>+16(SB)/4, $(v); \
	DATA name<>+20(SB)/4, $(v); \
	DATA name<>+24(SB)/4, $(v); \
	DATA name<>+28(SB)/4, $(v); \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// Multipliers k and 8k of idct8 (aan*) and of idct2 and idct4 (k*).
CONST8(k1414, 11585)
CONST8(k1414x8, 92680)
CONST8(k1847, 15137)
CONST8(k1847x8, 121096)
CONST8(k1082, 8867)
CONST8(k1082x8, 70936)
CONST8(k2613, 21407)
CONST8(k2613x8, 171256)
CONST8(k6945, 6945)
CONST8(k6945x8, 55560)
CONST8(k4640, 4640)
CONST8(k4640x8, 37120)
CONST8(k1629, 1629)
CONST8(k1629x8, 13032)
CONST8(k3393, 3393)
CONST8(k3393x8, 27144)
CONST8(k1922, 1922)
CONST8(k1922x8, 15376)
CONST8(k9663, 9663)
CONST8(k9663x8, 77304)
CONST8(k5474, 5474)
CONST8(k5474x8, 43792)

CONST8(lo16, 0xFFFF)
CONST8(minus1, -1)

// The range tests: x+2^27 has no bit above bit 27 when -2^27 <= x < 2^27.
CONST8(bias27d, 0x08000000)
CONST8(mask28d, 0xF0000000)
DATA bias27q<>+0(SB)/8, $0x08000000
DATA bias27q<>+8(SB)/8, $0x08000000
DATA bias27q<>+16(SB)/8, $0x08000000
DATA bias27q<>+24(SB)/8, $0x08000000
GLOBL bias27q<>(SB), RODATA|NOPTR, $32
DATA mask28q<>+0(SB)/8, $0xFFFFFFFFF0000000
DATA mask28q<>+8(SB)/8, $0xFFFFFFFFF0000000
DATA mask28q<>+16(SB)/8, $0xFFFFFFFFF0000000
DATA mask28q<>+24(SB)/8, $0xFFFFFFFFF0000000
GLOBL mask28q<>(SB), RODATA|NOPTR, $32

// evenOdd gathers the low halves of four int64s in the low lane (VPERMD).
DATA evenOdd<>+0(SB)/4, $0
DATA evenOdd<>+4(SB)/4, $2
DATA evenOdd<>+8(SB)/4, $4
DATA evenOdd<>+12(SB)/4, $6
DATA evenOdd<>+16(SB)/4, $1
DATA evenOdd<>+20(SB)/4, $3
DATA evenOdd<>+24(SB)/4, $5
DATA evenOdd<>+28(SB)/4, $7
GLOBL evenOdd<>(SB), RODATA|NOPTR, $32

// transpose4 transposes the 4x4 bytes of each lane (VPSHUFB).
DATA transpose4<>+0(SB)/8, $0x0D0905010C080400
DATA transpose4<>+8(SB)/8, $0x0F0B07030E0A0602
DATA transpose4<>+16(SB)/8, $0x0D0905010C080400
DATA transpose4<>+24(SB)/8, $0x0F0B07030E0A0602
GLOBL transpose4<>(SB), RODATA|NOPTR, $32

// MF sets x to floor(x*k / 2^13); K and K8 hold k and 8k.
#define MF(x, K, K8, th, tl) \
	VPSRAD  $16, x, th; \
	VPAND   lo16<>(SB), x, tl; \
	VPMULLD K8, th, th; \
	VPMULLD K, tl, tl; \
	VPSRAD  $13, tl, tl; \
	VPADDD  th, tl, x

// IDCT8 is idct8 of a0..a7 (t0..t2 are scratch). The outputs 0..7 are
// left in t1, a6, a4, a0, a1, a3, a5, a7.
#define IDCT8(a0, a1, a2, a3, a4, a5, a6, a7, t0, t1, t2) \
	VPADDD a4, a0, t0; \
	VPSUBD a4, a0, a0; \
	VPADDD a6, a2, a4; \
	VPSUBD a6, a2, a2; \
	MF(a2, k1414<>(SB), k1414x8<>(SB), a6, t1); \
	VPSUBD a4, a2, a2; \
	VPADDD a4, t0, a6; \
	VPSUBD a4, t0, t0; \
	VPADDD a2, a0, a4; \
	VPSUBD a2, a0, a0; \
	VPADDD a3, a5, a2; \
	VPSUBD a3, a5, a5; \
	VPADDD a7, a1, a3; \
	VPSUBD a7, a1, a1; \
	VPADDD a2, a3, a7; \
	VPSUBD a2, a3, a3; \
	MF(a3, k1414<>(SB), k1414x8<>(SB), t1, t2); \
	VPADDD a1, a5, a2; \
	MF(a2, k1847<>(SB), k1847x8<>(SB), t1, t2); \
	MF(a1, k1082<>(SB), k1082x8<>(SB), t1, t2); \
	VPSUBD a2, a1, a1; \
	MF(a5, k2613<>(SB), k2613x8<>(SB), t1, t2); \
	VPSUBD a5, a2, a5; \
	VPSUBD a7, a5, a5; \
	VPSUBD a5, a3, a3; \
	VPADDD a3, a1, a1; \
	VPADDD a7, a6, t1; \
	VPSUBD a7, a6, a7; \
	VPADDD a5, a4, a6; \
	VPSUBD a5, a4, a5; \
	VPADDD a3, a0, a4; \
	VPSUBD a3, a0, a3; \
	VPSUBD a1, t0, a0; \
	VPADDD a1, t0, a1

// IDCT2PAIR sets lo and hi to Y0 + floor(+-k*x / 2^13) where Y8 and Y9 are
// the high and low parts of x; Y11 and Y12 are scratch.
#define IDCT2PAIR(K, K8, lo, hi) \
	VPMULLD K8, Y8, Y11; \
	VPMULLD K, Y9, Y12; \
	VPADDD  Y11, Y0, lo; \
	VPSUBD  Y11, Y0, hi; \
	VPSRAD  $13, Y12, Y11; \
	VPADDD  Y11, lo, lo; \
	VPSIGND minus1<>(SB), Y12, Y12; \
	VPSRAD  $13, Y12, Y12; \
	VPADDD  Y12, hi, hi

// IDCT2 is idct2 of Y0 and Y1 (divided by 2^13) into Y0..Y7; it uses
// Y8..Y12.
#define IDCT2 \
	VPSRAD $16, Y1, Y8; \
	VPAND  lo16<>(SB), Y1, Y9; \
	VPSUBD Y1, Y0, Y7; \
	VPADDD Y1, Y0, Y10; \
	IDCT2PAIR(k6945<>(SB), k6945x8<>(SB), Y1, Y6); \
	IDCT2PAIR(k4640<>(SB), k4640x8<>(SB), Y2, Y5); \
	IDCT2PAIR(k1629<>(SB), k1629x8<>(SB), Y3, Y4); \
	VMOVDQA Y10, Y0

// IDCT4PAIR sets lo and hi to base + floor((P +- Q) / 2^13) where Y9 and
// Y2 are the high (times 8) and low parts of P, Y12 and Y13 those of Q;
// Y14 and Y15 are scratch.
#define IDCT4PAIR(base, lo, hi) \
	VPADDD Y13, Y2, Y14; \
	VPSUBD Y13, Y2, Y13; \
	VPSRAD $13, Y14, Y14; \
	VPSRAD $13, Y13, Y13; \
	VPADDD Y12, Y9, Y15; \
	VPSUBD Y12, Y9, Y12; \
	VPADDD Y14, Y15, Y15; \
	VPADDD Y13, Y12, Y12; \
	VPADDD base, Y15, lo; \
	VPADDD base, Y12, hi

// IDCT4 is idct4 of Y0..Y3 (divided by 2^13) into Y0..Y7; it uses
// Y8..Y15.
#define IDCT4 \
	VPADDD  Y2, Y0, Y8; \
	VPADDD  Y3, Y1, Y9; \
	VPSUBD  Y2, Y0, Y10; \
	VPADDD  Y9, Y8, Y4; \
	VPSUBD  Y9, Y8, Y7; \
	VPSRAD  $16, Y1, Y8; \
	VPAND   lo16<>(SB), Y1, Y1; \
	VPSRAD  $16, Y2, Y9; \
	VPAND   lo16<>(SB), Y2, Y2; \
	VPSRAD  $16, Y3, Y11; \
	VPAND   lo16<>(SB), Y3, Y3; \
	VPMULLD k3393x8<>(SB), Y9, Y9; \
	VPMULLD k3393<>(SB), Y2, Y2; \
	VPMULLD k6945x8<>(SB), Y8, Y12; \
	VPMULLD k1922x8<>(SB), Y11, Y13; \
	VPSUBD  Y13, Y12, Y12; \
	VPMULLD k6945<>(SB), Y1, Y13; \
	VPMULLD k1922<>(SB), Y3, Y14; \
	VPSUBD  Y14, Y13, Y13; \
	IDCT4PAIR(Y0, Y5, Y6); \
	VPSIGND minus1<>(SB), Y9, Y9; \
	VPSIGND minus1<>(SB), Y2, Y2; \
	VPMULLD k4640x8<>(SB), Y8, Y12; \
	VPMULLD k9663x8<>(SB), Y11, Y13; \
	VPSUBD  Y13, Y12, Y12; \
	VPMULLD k4640<>(SB), Y1, Y13; \
	VPMULLD k9663<>(SB), Y3, Y14; \
	VPSUBD  Y14, Y13, Y13; \
	IDCT4PAIR(Y0, Y15, Y12); \
	VPMULLD k1629x8<>(SB), Y8, Y8; \
	VPMULLD k5474x8<>(SB), Y11, Y11; \
	VPSUBD  Y11, Y8, Y8; \
	VPMULLD k1629<>(SB), Y1, Y1; \
	VPMULLD k5474<>(SB), Y3, Y3; \
	VPSUBD  Y3, Y1, Y1; \
	VPADDD  Y8, Y10, Y3; \
	VPSUBD  Y8, Y10, Y10; \
	VPSRAD  $13, Y1, Y8; \
	VPADDD  Y8, Y3, Y3; \
	VPSIGND minus1<>(SB), Y1, Y1; \
	VPSRAD  $13, Y1, Y1; \
	VPADDD  Y1, Y10, Y10; \
	VMOVDQA Y4, Y0; \
	VMOVDQA Y5, Y1; \
	VMOVDQA Y15, Y2; \
	VMOVDQA Y10, Y4; \
	VMOVDQA Y12, Y5

// LOADROW loads the eight ints at off(SI) into the 32-bit lanes of dst,
// or-ing each plus 2^27 into Y13 for the range test (Y14 holds evenOdd;
// Y10..Y12 are scratch).
#define LOADROW(off, dst) \
	VMOVDQU off(SI), Y10; \
	VMOVDQU off+32(SI), Y11; \
	VPADDQ  bias27q<>(SB), Y10, Y12; \
	VPOR    Y12, Y13, Y13; \
	VPADDQ  bias27q<>(SB), Y11, Y12; \
	VPOR    Y12, Y13, Y13; \
	VPERMD  Y10, Y14, Y10; \
	VPERMD  Y11, Y14, Y11; \
	VPERM2I128 $0x20, Y11, Y10, dst

// INRANGE or-s x plus bias (2^27) into acc, using t.
#define INRANGE(x, bias, acc, t) \
	VPADDD bias, x, t; \
	VPOR   t, acc, acc

// STORE shifts the columns o0..o7 of samples (lanes are rows) right by 15,
// clamps them to 0..255 and stores them at DI, rows 8 bytes apart.
#define STORE(o0, o1, o2, o3, o4, o5, o6, o7) \
	VPSRAD     $15, o0, o0; \
	VPSRAD     $15, o1, o1; \
	VPSRAD     $15, o2, o2; \
	VPSRAD     $15, o3, o3; \
	VPSRAD     $15, o4, o4; \
	VPSRAD     $15, o5, o5; \
	VPSRAD     $15, o6, o6; \
	VPSRAD     $15, o7, o7; \
	VPACKSSDW  o1, o0, o0; \
	VPACKSSDW  o3, o2, o2; \
	VPACKSSDW  o5, o4, o4; \
	VPACKSSDW  o7, o6, o6; \
	VPACKUSWB  o2, o0, o0; \
	VPACKUSWB  o6, o4, o4; \
	VPSHUFB    transpose4<>(SB), o0, o0; \
	VPSHUFB    transpose4<>(SB), o4, o4; \
	VPUNPCKLDQ o4, o0, o1; \
	VPUNPCKHDQ o4, o0, o2; \
	VPERM2I128 $0x20, o2, o1, o3; \
	VPERM2I128 $0x31, o2, o1, o5; \
	VMOVDQU    o3, (DI); \
	VMOVDQU    o5, 32(DI)

// func idctAVX2(coef *[64]int, plane *[64]uint8, shape uint) bool
//
// shape&3 is the transform of the columns (0: idct2, 1: idct4, 2: idct8),
// shape>>2 that of the rows.
TEXT ·idctAVX2(SB), NOSPLIT, $0-25
	MOVQ coef+0(FP), SI
	MOVQ plane+8(FP), DI
	MOVQ shape+16(FP), AX
	VMOVDQU evenOdd<>(SB), Y14
	VPXOR   Y13, Y13, Y13
	MOVQ    AX, BX
	ANDQ    $3, BX
	CMPQ    BX, $1
	JB      cols2
	JE      cols4

	// The columns, lanes are columns, a register per row.
	LOADROW(0, Y0)
	LOADROW(64, Y1)
	LOADROW(128, Y2)
	LOADROW(192, Y3)
	LOADROW(256, Y4)
	LOADROW(320, Y5)
	LOADROW(384, Y6)
	LOADROW(448, Y7)
	VPTEST  mask28q<>(SB), Y13
	JNZ     fail
	IDCT8(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y8, Y9, Y10)
	VMOVDQA Y4, Y2
	VMOVDQA Y1, Y4
	VMOVDQA Y6, Y1
	VMOVDQA Y5, Y6
	VMOVDQA Y3, Y5
	VMOVDQA Y0, Y3
	VMOVDQA Y9, Y0
	JMP     rows

cols4:
	LOADROW(0, Y0)
	LOADROW(64, Y1)
	LOADROW(128, Y2)
	LOADROW(192, Y3)
	VPTEST mask28q<>(SB), Y13
	JNZ    fail
	IDCT4
	JMP    rows

cols2:
	LOADROW(0, Y0)
	LOADROW(64, Y1)
	VPTEST mask28q<>(SB), Y13
	JNZ    fail
	IDCT2

rows:
	// Y0..Y7 are the rows of the first pass's outputs, lanes are
	// horizontal frequencies. The range test is on the frequencies that
	// the second pass reads, after the transpose.
	SHRQ    $2, AX
	CMPQ    AX, $1
	JB      rows2
	JE      rows4

	// Transpose: a register per horizontal frequency, lanes are rows.
	VPUNPCKLDQ  Y1, Y0, Y8
	VPUNPCKHDQ  Y1, Y0, Y9
	VPUNPCKLDQ  Y3, Y2, Y10
	VPUNPCKHDQ  Y3, Y2, Y11
	VPUNPCKLDQ  Y5, Y4, Y12
	VPUNPCKHDQ  Y5, Y4, Y13
	VPUNPCKLDQ  Y7, Y6, Y14
	VPUNPCKHDQ  Y7, Y6, Y15
	VPUNPCKLQDQ Y10, Y8, Y0
	VPUNPCKHQDQ Y10, Y8, Y1
	VPUNPCKLQDQ Y11, Y9, Y2
	VPUNPCKHQDQ Y11, Y9, Y3
	VPUNPCKLQDQ Y14, Y12, Y4
	VPUNPCKHQDQ Y14, Y12, Y5
	VPUNPCKLQDQ Y15, Y13, Y6
	VPUNPCKHQDQ Y15, Y13, Y7
	VPERM2I128  $0x20, Y4, Y0, Y8
	VPERM2I128  $0x31, Y4, Y0, Y12
	VPERM2I128  $0x20, Y5, Y1, Y9
	VPERM2I128  $0x31, Y5, Y1, Y13
	VPERM2I128  $0x20, Y6, Y2, Y10
	VPERM2I128  $0x31, Y6, Y2, Y14
	VPERM2I128  $0x20, Y7, Y3, Y11
	VPERM2I128  $0x31, Y7, Y3, Y15
	VMOVDQU     bias27d<>(SB), Y0
	VPADDD      Y0, Y8, Y1
	INRANGE(Y9, Y0, Y1, Y2)
	INRANGE(Y10, Y0, Y1, Y2)
	INRANGE(Y11, Y0, Y1, Y2)
	INRANGE(Y12, Y0, Y1, Y2)
	INRANGE(Y13, Y0, Y1, Y2)
	INRANGE(Y14, Y0, Y1, Y2)
	INRANGE(Y15, Y0, Y1, Y2)
	VPTEST      mask28d<>(SB), Y1
	JNZ         fail
	IDCT8(Y8, Y9, Y10, Y11, Y12, Y13, Y14, Y15, Y0, Y1, Y2)
	STORE(Y1, Y14, Y12, Y8, Y9, Y11, Y13, Y15)
	JMP done

rows4:
	// The transpose of the first four horizontal frequencies.
	VINSERTI128 $1, X4, Y0, Y8
	VINSERTI128 $1, X5, Y1, Y9
	VINSERTI128 $1, X6, Y2, Y10
	VINSERTI128 $1, X7, Y3, Y11
	VPUNPCKLDQ  Y9, Y8, Y12
	VPUNPCKHDQ  Y9, Y8, Y13
	VPUNPCKLDQ  Y11, Y10, Y14
	VPUNPCKHDQ  Y11, Y10, Y15
	VPUNPCKLQDQ Y14, Y12, Y0
	VPUNPCKHQDQ Y14, Y12, Y1
	VPUNPCKLQDQ Y15, Y13, Y2
	VPUNPCKHQDQ Y15, Y13, Y3
	VMOVDQU     bias27d<>(SB), Y8
	VPADDD      Y8, Y0, Y9
	INRANGE(Y1, Y8, Y9, Y10)
	INRANGE(Y2, Y8, Y9, Y10)
	INRANGE(Y3, Y8, Y9, Y10)
	VPTEST      mask28d<>(SB), Y9
	JNZ         fail
	IDCT4
	STORE(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	JMP done

rows2:
	// The transpose of the first two horizontal frequencies.
	VINSERTI128 $1, X4, Y0, Y8
	VINSERTI128 $1, X5, Y1, Y9
	VINSERTI128 $1, X6, Y2, Y10
	VINSERTI128 $1, X7, Y3, Y11
	VPUNPCKLDQ  Y9, Y8, Y12
	VPUNPCKLDQ  Y11, Y10, Y14
	VPUNPCKLQDQ Y14, Y12, Y0
	VPUNPCKHQDQ Y14, Y12, Y1
	VMOVDQU     bias27d<>(SB), Y8
	VPADDD      Y8, Y0, Y9
	INRANGE(Y1, Y8, Y9, Y10)
	VPTEST      mask28d<>(SB), Y9
	JNZ         fail
	IDCT2
	STORE(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)

done:
	VZEROUPPER
	MOVB $1, ret+24(FP)
	RET

fail:
	VZEROUPPER
	MOVB $0, ret+24(FP)
	RET

// The colour conversion: a register holds the 16 luma samples of a row as
// words in the order 0-3, 8-11 | 4-7, 12-15, and each chroma term twice in
// the same order, so that interleaving the clamped bytes gives pixels 0-7
// in one register and 8-15 in another.

// Terms of the JFIF conversion in 16.16 (colourTab) with the offset of
// Cb and Cr (128) and the rounding folded into one constant each.
CONST8(kCrR, 91881)
CONST8(kCbB, 116130)
CONST8(kCbG, -22554)
CONST8(kCrG, -46802)
CONST8(offR, -11728000)  // -91881*128 + 1<<15
CONST8(offB, -14831872)  // -116130*128 + 1<<15
CONST8(offG, 8910336)    // (22554+46802)*128 + 1<<15
CONST8(alpha, 0x00FF00FF)

// chromaOrder puts the chroma samples 0, 1, 4, 5 in the low lane (VPERMD).
DATA chromaOrder<>+0(SB)/4, $0
DATA chromaOrder<>+4(SB)/4, $1
DATA chromaOrder<>+8(SB)/4, $4
DATA chromaOrder<>+12(SB)/4, $5
DATA chromaOrder<>+16(SB)/4, $2
DATA chromaOrder<>+20(SB)/4, $3
DATA chromaOrder<>+24(SB)/4, $6
DATA chromaOrder<>+28(SB)/4, $7
GLOBL chromaOrder<>(SB), RODATA|NOPTR, $32

// twice repeats the low word of each dword (VPSHUFB).
DATA twice<>+0(SB)/8, $0x0504050401000100
DATA twice<>+8(SB)/8, $0x0D0C0D0C09080908
DATA twice<>+16(SB)/8, $0x0504050401000100
DATA twice<>+24(SB)/8, $0x0D0C0D0C09080908
GLOBL twice<>(SB), RODATA|NOPTR, $32

// PIXROW converts the luma words in y with the chroma terms in Y2 (R),
// Y3 (B) and Y4 (G) to 16 pixels at lo and hi; Y13 holds alpha, Y10..Y12
// are scratch.
#define PIXROW(y, lo, hi) \
	VPADDW     Y2, y, Y10; \
	VPADDW     Y3, y, Y11; \
	VPACKUSWB  Y11, Y10, Y10; \
	VPADDW     Y4, y, Y11; \
	VPACKUSWB  Y13, Y11, Y11; \
	VPUNPCKLBW Y11, Y10, Y12; \
	VPUNPCKHBW Y11, Y10, Y10; \
	VPUNPCKLWD Y10, Y12, Y11; \
	VPUNPCKHWD Y10, Y12, Y12; \
	VMOVDQU    Y11, lo; \
	VMOVDQU    Y12, hi

// func putMCUAVX2(out *byte, stride int, y *[256]uint8, c *[128]uint8)
TEXT ·putMCUAVX2(SB), NOSPLIT, $0-32
	MOVQ    out+0(FP), DI
	MOVQ    stride+8(FP), DX
	MOVQ    y+16(FP), SI
	MOVQ    c+24(FP), BX
	VMOVDQU chromaOrder<>(SB), Y15
	VMOVDQU twice<>(SB), Y14
	VMOVDQU alpha<>(SB), Y13
	MOVQ    $2, R8

half:
	// Pixel rows 0-7 from the top luma blocks, then 8-15 from the bottom.
	MOVQ $4, CX

pair:
	// A chroma row and the two pixel rows it covers.
	VPMOVZXBD (BX), Y0
	VPMOVZXBD 64(BX), Y1
	VPERMD    Y0, Y15, Y0
	VPERMD    Y1, Y15, Y1
	VPMULLD   kCrR<>(SB), Y1, Y2
	VPADDD    offR<>(SB), Y2, Y2
	VPSRAD    $16, Y2, Y2
	VPMULLD   kCbB<>(SB), Y0, Y3
	VPADDD    offB<>(SB), Y3, Y3
	VPSRAD    $16, Y3, Y3
	VPMULLD   kCbG<>(SB), Y0, Y4
	VPMULLD   kCrG<>(SB), Y1, Y5
	VPADDD    Y5, Y4, Y4
	VPADDD    offG<>(SB), Y4, Y4
	VPSRAD    $16, Y4, Y4
	VPSHUFB   Y14, Y2, Y2
	VPSHUFB   Y14, Y3, Y3
	VPSHUFB   Y14, Y4, Y4
	VMOVDQU   (SI), X6
	VMOVDQU   64(SI), X7
	VPUNPCKLDQ X7, X6, X8
	VPUNPCKHDQ X7, X6, X9
	VPMOVZXBW X8, Y8
	VPMOVZXBW X9, Y9
	PIXROW(Y8, (DI), 32(DI))
	PIXROW(Y9, (DI)(DX*1), 32(DI)(DX*1))
	ADDQ      $8, BX
	ADDQ      $16, SI
	LEAQ      (DI)(DX*2), DI
	DECQ      CX
	JNZ       pair
	ADDQ      $64, SI
	DECQ      R8
	JNZ       half
	VZEROUPPER
	RET
