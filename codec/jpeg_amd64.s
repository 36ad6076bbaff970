//go:build amd64 && !purego

#include "textflag.h"

// AVX2 versions of the JPEG encoder's colour conversion (convertRows) and
// forward DCT (fdct), computing exactly what the Go code in jpeg.go
// computes: the same integer arithmetic, lane by lane. See jpeg_amd64.go.

// Broadcast constants, 32 bytes each.
#define K8(name, v) \
	DATA name<>+0(SB)/4, $v; DATA name<>+4(SB)/4, $v; DATA name<>+8(SB)/4, $v; DATA name<>+12(SB)/4, $v; \
	DATA name<>+16(SB)/4, $v; DATA name<>+20(SB)/4, $v; DATA name<>+24(SB)/4, $v; DATA name<>+28(SB)/4, $v; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// Colour matrix (Q16) and biases: yR..crB, lumaBias, chromaBias of jpeg.go.
K8(kyR, 19595)
K8(kyG, 38470)
K8(kyB, 7471)
K8(kcbR, -11059)
K8(kcbG, -21709)
K8(kcbB, 32768)
K8(kcrR, 32768)
K8(kcrG, -27439)
K8(kcrB, -5329)
K8(klumaBias, -8388096)
K8(kchromaBias, 2048)
K8(kbyte, 255)

// The AAN multipliers as 64-bit lanes for VPMULDQ (it multiplies the low,
// signed, 32 bits of each 64-bit lane), and the rounding term.
#define K4(name, v) \
	DATA name<>+0(SB)/8, $v; DATA name<>+8(SB)/8, $v; DATA name<>+16(SB)/8, $v; DATA name<>+24(SB)/8, $v; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

K4(k0707, 46341)
K4(k0382, 25080)
K4(k0541, 35468)
K4(k1306, 85627)
K4(kround, 32768)

// RGB splits the 8 pixels in P into R, G, B lanes (0..255); Y15 holds
// kbyte, X14 and X13 the shifts of R and B.
#define RGB(P, R, G, B) \
	VPSRLD X14, P, R; VPAND Y15, R, R; \
	VPSRLD $8, P, G; VPAND Y15, G, G; \
	VPSRLD X13, P, B; VPAND Y15, B, B

// LUMA stores at DST the luma samples of R, G, B (8 pixels), with T a
// scratch register.
#define LUMA(R, G, B, T, U, DST) \
	VPMULLD kyR<>(SB), R, T; \
	VPMULLD kyG<>(SB), G, U; VPADDD U, T, T; \
	VPMULLD kyB<>(SB), B, U; VPADDD U, T, T; \
	VPADDD klumaBias<>(SB), T, T; \
	VPSRAD $10, T, T; \
	VMOVDQU T, DST

// CHROMA stores at DST the chroma samples of the 2x2 sums XR, XG, XB with
// the matrix row KR, KG, KB.
#define CHROMA(XR, XG, XB, KR, KG, KB, T, U, DST) \
	VPMULLD KR<>(SB), XR, T; \
	VPMULLD KG<>(SB), XG, U; VPADDD U, T, T; \
	VPMULLD KB<>(SB), XB, U; VPADDD U, T, T; \
	VPADDD kchromaBias<>(SB), T, T; \
	VPSRAD $12, T, T; \
	VMOVDQU T, DST

// func convertRowsAVX2(mcu *[TileSize / 16][6][64]int32, s0, s1 *byte, n, yo, co int, rs, bs uint64)
TEXT ·convertRowsAVX2(SB), NOSPLIT, $0-64
	MOVQ mcu+0(FP), DI
	MOVQ s0+8(FP), SI
	MOVQ s1+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ yo+32(FP), R8
	MOVQ co+40(FP), R9
	VMOVQ rs+48(FP), X14
	VMOVQ bs+56(FP), X13
	VMOVDQU kbyte<>(SB), Y15
	LEAQ (DI)(R8*1), R10      // luma rows of the first MCU
	LEAQ 1024(DI)(R9*1), R11  // its Cb row; Cr is 256 bytes further
	TESTQ CX, CX
	JLE done

loop:
	// Left 8 pixels: row a, then row b; sums of R, G, B in Y1, Y2, Y3.
	VMOVDQU (SI), Y0
	RGB(Y0, Y1, Y2, Y3)
	LUMA(Y1, Y2, Y3, Y4, Y5, 0(R10))
	VMOVDQU (DX), Y0
	RGB(Y0, Y4, Y5, Y6)
	LUMA(Y4, Y5, Y6, Y7, Y8, 32(R10))
	VPADDD Y4, Y1, Y1
	VPADDD Y5, Y2, Y2
	VPADDD Y6, Y3, Y3

	// Right 8 pixels, into the next luma block; sums in Y7, Y8, Y9.
	VMOVDQU 32(SI), Y0
	RGB(Y0, Y7, Y8, Y9)
	LUMA(Y7, Y8, Y9, Y4, Y5, 256(R10))
	VMOVDQU 32(DX), Y0
	RGB(Y0, Y4, Y5, Y6)
	LUMA(Y4, Y5, Y6, Y10, Y11, 288(R10))
	VPADDD Y4, Y7, Y7
	VPADDD Y5, Y8, Y8
	VPADDD Y6, Y9, Y9

	// Sum horizontal pairs: [left pairs 0 1, right 0 1 | left 2 3, right 2 3],
	// then put the 64-bit halves in order.
	VPHADDD Y7, Y1, Y1
	VPHADDD Y8, Y2, Y2
	VPHADDD Y9, Y3, Y3
	VPERMQ $0xD8, Y1, Y1
	VPERMQ $0xD8, Y2, Y2
	VPERMQ $0xD8, Y3, Y3
	CHROMA(Y1, Y2, Y3, kcbR, kcbG, kcbB, Y4, Y5, 0(R11))
	CHROMA(Y1, Y2, Y3, kcrR, kcrG, kcrB, Y4, Y5, 256(R11))

	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $1536, R10
	ADDQ $1536, R11
	DECQ CX
	JNZ loop

done:
	VZEROUPPER
	RET

// TRANSPOSE transposes the 8x8 matrix of 32-bit lanes whose rows are
// Y0..Y7, in place, with Y8..Y15 as scratch.
#define TRANSPOSE \
	VPUNPCKLDQ Y1, Y0, Y8; \
	VPUNPCKHDQ Y1, Y0, Y9; \
	VPUNPCKLDQ Y3, Y2, Y10; \
	VPUNPCKHDQ Y3, Y2, Y11; \
	VPUNPCKLDQ Y5, Y4, Y12; \
	VPUNPCKHDQ Y5, Y4, Y13; \
	VPUNPCKLDQ Y7, Y6, Y14; \
	VPUNPCKHDQ Y7, Y6, Y15; \
	VPUNPCKLQDQ Y10, Y8, Y0; \
	VPUNPCKHQDQ Y10, Y8, Y1; \
	VPUNPCKLQDQ Y11, Y9, Y2; \
	VPUNPCKHQDQ Y11, Y9, Y3; \
	VPUNPCKLQDQ Y14, Y12, Y4; \
	VPUNPCKHQDQ Y14, Y12, Y5; \
	VPUNPCKLQDQ Y15, Y13, Y6; \
	VPUNPCKHQDQ Y15, Y13, Y7; \
	VPERM2I128 $0x20, Y4, Y0, Y8; \
	VPERM2I128 $0x31, Y4, Y0, Y12; \
	VPERM2I128 $0x20, Y5, Y1, Y9; \
	VPERM2I128 $0x31, Y5, Y1, Y13; \
	VPERM2I128 $0x20, Y6, Y2, Y10; \
	VPERM2I128 $0x31, Y6, Y2, Y14; \
	VPERM2I128 $0x20, Y7, Y3, Y11; \
	VPERM2I128 $0x31, Y7, Y3, Y15; \
	VMOVDQA Y8, Y0; VMOVDQA Y9, Y1; VMOVDQA Y10, Y2; VMOVDQA Y11, Y3; \
	VMOVDQA Y12, Y4; VMOVDQA Y13, Y5; VMOVDQA Y14, Y6; VMOVDQA Y15, Y7

// MULSHIFT sets D to (X*K + round) >> 16 in each 32-bit lane, the product
// taken in 64 bits as the Go code does: the even lanes from one VPMULDQ,
// the odd ones from another on X shifted down. Bits 16..47 of the 64-bit
// sum are the result; T and U are scratch.
#define MULSHIFT(X, K, D, T, U) \
	VPMULDQ K<>(SB), X, T; \
	VPSRLQ $32, X, U; \
	VPMULDQ K<>(SB), U, U; \
	VPADDQ kround<>(SB), T, T; \
	VPADDQ kround<>(SB), U, U; \
	VPSRLQ $16, T, T; \
	VPSLLQ $16, U, U; \
	VPBLENDD $0xAA, U, T, D

// DCT1D is fdct8 (jpeg.go) on each lane of Y0..Y7 (input element i in
// Yi), storing output u at u*32(DI). It uses Y8..Y15 and leaves Y0..Y7
// undefined.
#define DCT1D \
	VPADDD Y7, Y0, Y8; VPSUBD Y7, Y0, Y0; /* tmp0 Y8, tmp7 Y0 */ \
	VPADDD Y6, Y1, Y9; VPSUBD Y6, Y1, Y1; /* tmp1 Y9, tmp6 Y1 */ \
	VPADDD Y5, Y2, Y10; VPSUBD Y5, Y2, Y2; /* tmp2 Y10, tmp5 Y2 */ \
	VPADDD Y4, Y3, Y11; VPSUBD Y4, Y3, Y3; /* tmp3 Y11, tmp4 Y3 */ \
	VPADDD Y11, Y8, Y4; VPSUBD Y11, Y8, Y8; /* tmp10 Y4, tmp13 Y8 */ \
	VPADDD Y10, Y9, Y5; VPSUBD Y10, Y9, Y9; /* tmp11 Y5, tmp12 Y9 */ \
	VPADDD Y5, Y4, Y6; VMOVDQU Y6, 0(DI); \
	VPSUBD Y5, Y4, Y6; VMOVDQU Y6, 128(DI); \
	VPADDD Y8, Y9, Y9; \
	MULSHIFT(Y9, k0707, Y9, Y10, Y11); /* z1 */ \
	VPADDD Y9, Y8, Y6; VMOVDQU Y6, 64(DI); \
	VPSUBD Y9, Y8, Y6; VMOVDQU Y6, 192(DI); \
	VPADDD Y2, Y3, Y4; /* tmp10 = tmp4+tmp5 */ \
	VPADDD Y1, Y2, Y5; /* tmp11 = tmp5+tmp6 */ \
	VPADDD Y0, Y1, Y6; /* tmp12 = tmp6+tmp7 */ \
	MULSHIFT(Y5, k0707, Y5, Y10, Y11); /* z3 */ \
	VPADDD Y5, Y0, Y7; /* z11 */ \
	VPSUBD Y5, Y0, Y0; /* z13 */ \
	VPSUBD Y6, Y4, Y1; /* tmp10 - tmp12 */ \
	VPMULDQ k0382<>(SB), Y1, Y8; /* z5, even lanes */ \
	VPSRLQ $32, Y1, Y1; \
	VPMULDQ k0382<>(SB), Y1, Y9; /* z5, odd lanes */ \
	VPADDQ kround<>(SB), Y8, Y8; \
	VPADDQ kround<>(SB), Y9, Y9; \
	VPMULDQ k0541<>(SB), Y4, Y10; VPADDQ Y8, Y10, Y10; VPSRLQ $16, Y10, Y10; \
	VPSRLQ $32, Y4, Y4; \
	VPMULDQ k0541<>(SB), Y4, Y11; VPADDQ Y9, Y11, Y11; VPSLLQ $16, Y11, Y11; \
	VPBLENDD $0xAA, Y11, Y10, Y2; /* z2 */ \
	VPMULDQ k1306<>(SB), Y6, Y10; VPADDQ Y8, Y10, Y10; VPSRLQ $16, Y10, Y10; \
	VPSRLQ $32, Y6, Y6; \
	VPMULDQ k1306<>(SB), Y6, Y11; VPADDQ Y9, Y11, Y11; VPSLLQ $16, Y11, Y11; \
	VPBLENDD $0xAA, Y11, Y10, Y3; /* z4 */ \
	VPADDD Y2, Y0, Y4; VMOVDQU Y4, 160(DI); \
	VPSUBD Y2, Y0, Y4; VMOVDQU Y4, 96(DI); \
	VPADDD Y3, Y7, Y4; VMOVDQU Y4, 32(DI); \
	VPSUBD Y3, Y7, Y4; VMOVDQU Y4, 224(DI)

#define LOAD8(R) \
	VMOVDQU 0(R), Y0; VMOVDQU 32(R), Y1; VMOVDQU 64(R), Y2; VMOVDQU 96(R), Y3; \
	VMOVDQU 128(R), Y4; VMOVDQU 160(R), Y5; VMOVDQU 192(R), Y6; VMOVDQU 224(R), Y7

// NONZERO stores row Y of the output at u*32(SI) and ORs into BX the bits
// of its lanes that quantise to non-zero: uint32(v+off) >= lim, tested as
// max(v+off, lim) == v+off.
#define NONZERO(Y, u) \
	VMOVDQU Y, (u*32)(SI); \
	VPADDD (u*32)(R8), Y, Y8; \
	VPMAXUD (u*32)(R9), Y8, Y9; \
	VPCMPEQD Y8, Y9, Y9; \
	VMOVMSKPS Y9, AX; \
	SHLQ $(u*8), AX; \
	ORQ AX, BX

// func fdctAVX2(d, tmp *[64]int32, off *[64]int32, lim *[64]uint32) uint64
TEXT ·fdctAVX2(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), SI
	MOVQ tmp+8(FP), DI
	MOVQ off+16(FP), R8
	MOVQ lim+24(FP), R9
	// Rows of d transposed, so that each lane holds a row: fdct's first
	// pass, whose output u of row i lands in tmp[u*8+i].
	LOAD8(SI)
	TRANSPOSE
	DCT1D
	// The second pass transforms the rows of tmp.
	LOAD8(DI)
	TRANSPOSE
	DCT1D
	// Output v of row u of tmp belongs at d[u*8+v].
	LOAD8(DI)
	TRANSPOSE
	XORQ BX, BX
	NONZERO(Y0, 0)
	NONZERO(Y1, 1)
	NONZERO(Y2, 2)
	NONZERO(Y3, 3)
	NONZERO(Y4, 4)
	NONZERO(Y5, 5)
	NONZERO(Y6, 6)
	NONZERO(Y7, 7)
	MOVQ BX, ret+32(FP)
	VZEROUPPER
	RET
