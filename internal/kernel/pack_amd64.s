#include "textflag.h"

// Packing transposes, written by hand. Both read R rows of a row-major
// source (lds elements apart) n columns at a time in groups of 8 and write
// each column as R consecutive elements of a destination row (ldd elements
// apart): dst[c·ldd + r] = src[r·lds + c] for r < R, c < n (n a multiple
// of 8). They use AVX only.

// TRANS8 transposes the 8×8 block in Y0..Y7 into columns Y8..Y15:
// column c ends in the register named by the store order below.
#define TRANS8 \
	VUNPCKLPS Y1, Y0, Y8 \
	VUNPCKHPS Y1, Y0, Y9 \
	VUNPCKLPS Y3, Y2, Y10 \
	VUNPCKHPS Y3, Y2, Y11 \
	VUNPCKLPS Y5, Y4, Y12 \
	VUNPCKHPS Y5, Y4, Y13 \
	VUNPCKLPS Y7, Y6, Y14 \
	VUNPCKHPS Y7, Y6, Y15 \
	VSHUFPS $0x44, Y10, Y8, Y0 \
	VSHUFPS $0xEE, Y10, Y8, Y1 \
	VSHUFPS $0x44, Y11, Y9, Y2 \
	VSHUFPS $0xEE, Y11, Y9, Y3 \
	VSHUFPS $0x44, Y14, Y12, Y4 \
	VSHUFPS $0xEE, Y14, Y12, Y5 \
	VSHUFPS $0x44, Y15, Y13, Y6 \
	VSHUFPS $0xEE, Y15, Y13, Y7 \
	VPERM2F128 $0x20, Y4, Y0, Y8 \
	VPERM2F128 $0x31, Y4, Y0, Y12 \
	VPERM2F128 $0x20, Y5, Y1, Y9 \
	VPERM2F128 $0x31, Y5, Y1, Y13 \
	VPERM2F128 $0x20, Y6, Y2, Y10 \
	VPERM2F128 $0x31, Y6, Y2, Y14 \
	VPERM2F128 $0x20, Y7, Y3, Y11 \
	VPERM2F128 $0x31, Y7, Y3, Y15

// func transpose8(src *float32, lds int, dst *float32, ldd int, n int)
TEXT ·transpose8(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ lds+8(FP), R8
	SHLQ $2, R8
	MOVQ dst+16(FP), DI
	MOVQ ldd+24(FP), R9
	SHLQ $2, R9
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ t8done
	LEAQ (R8)(R8*2), R10 // 3·lds
	LEAQ (R9)(R9*2), R11 // 3·ldd
t8loop:
	MOVQ SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R8*1), Y1
	VMOVUPS (AX)(R8*2), Y2
	VMOVUPS (AX)(R10*1), Y3
	LEAQ (AX)(R8*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R8*1), Y5
	VMOVUPS (AX)(R8*2), Y6
	VMOVUPS (AX)(R10*1), Y7
	TRANS8
	MOVQ DI, BX
	VMOVUPS Y8, (BX)
	VMOVUPS Y9, (BX)(R9*1)
	VMOVUPS Y10, (BX)(R9*2)
	VMOVUPS Y11, (BX)(R11*1)
	LEAQ (BX)(R9*4), BX
	VMOVUPS Y12, (BX)
	VMOVUPS Y13, (BX)(R9*1)
	VMOVUPS Y14, (BX)(R9*2)
	VMOVUPS Y15, (BX)(R11*1)
	ADDQ $32, SI
	LEAQ (BX)(R9*4), DI
	DECQ CX
	JNZ t8loop
t8done:
	VZEROUPPER
	RET

// func transpose4(src *float32, lds int, dst *float32, ldd int, n int)
TEXT ·transpose4(SB), NOSPLIT, $0-40
	MOVQ src+0(FP), SI
	MOVQ lds+8(FP), R8
	SHLQ $2, R8
	MOVQ dst+16(FP), DI
	MOVQ ldd+24(FP), R9
	SHLQ $2, R9
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ t4done
	LEAQ (R8)(R8*2), R10
	LEAQ (R9)(R9*2), R11
t4loop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R10*1), Y3
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VSHUFPS $0x44, Y10, Y8, Y4 // columns 0 | 4
	VSHUFPS $0xEE, Y10, Y8, Y5 // 1 | 5
	VSHUFPS $0x44, Y11, Y9, Y6 // 2 | 6
	VSHUFPS $0xEE, Y11, Y9, Y7 // 3 | 7
	MOVQ DI, BX
	VMOVUPS X4, (BX)
	VMOVUPS X5, (BX)(R9*1)
	VMOVUPS X6, (BX)(R9*2)
	VMOVUPS X7, (BX)(R11*1)
	LEAQ (BX)(R9*4), BX
	VEXTRACTF128 $1, Y4, (BX)
	VEXTRACTF128 $1, Y5, (BX)(R9*1)
	VEXTRACTF128 $1, Y6, (BX)(R9*2)
	VEXTRACTF128 $1, Y7, (BX)(R11*1)
	ADDQ $32, SI
	LEAQ (BX)(R9*4), DI
	DECQ CX
	JNZ t4loop
t4done:
	VZEROUPPER
	RET
