#include "textflag.h"

// 2×2 max-pooling at stride 2, written by hand: one output row (at most
// 16 wide) a pass, from two input rows split into their even and odd
// columns. The maximum and the position of the first one are picked by
// masked moves, as the Go loop does; rows with a NaN are left to Go.

DATA maxpoolEven<>+0(SB)/4, $0
DATA maxpoolEven<>+4(SB)/4, $2
DATA maxpoolEven<>+8(SB)/4, $4
DATA maxpoolEven<>+12(SB)/4, $6
DATA maxpoolEven<>+16(SB)/4, $8
DATA maxpoolEven<>+20(SB)/4, $10
DATA maxpoolEven<>+24(SB)/4, $12
DATA maxpoolEven<>+28(SB)/4, $14
DATA maxpoolEven<>+32(SB)/4, $16
DATA maxpoolEven<>+36(SB)/4, $18
DATA maxpoolEven<>+40(SB)/4, $20
DATA maxpoolEven<>+44(SB)/4, $22
DATA maxpoolEven<>+48(SB)/4, $24
DATA maxpoolEven<>+52(SB)/4, $26
DATA maxpoolEven<>+56(SB)/4, $28
DATA maxpoolEven<>+60(SB)/4, $30
GLOBL maxpoolEven<>(SB), RODATA|NOPTR, $64

// func maxPool2AVX512(src *float32, w int, out *float32, idx *int, ow, rows int, masks *[2]uint16) (nan bool)
// For i < rows, j < ow: out[i·ow + j] and idx[i·ow + j] are the maximum of
// src at (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1) (rows w apart) and
// its position, the first one on ties; masks select the 2·ow inputs of a
// row (low 16, high 16). Whole-register stores write 16 outputs a row,
// past ow into the next row. It reports a NaN among the inputs, having
// written some rows.
TEXT ·maxPool2AVX512(SB), NOSPLIT, $0-57
	MOVQ src+0(FP), SI
	MOVQ w+8(FP), R8
	MOVQ out+16(FP), DI
	MOVQ idx+24(FP), DX
	MOVQ ow+32(FP), R9
	MOVQ rows+40(FP), R10
	MOVQ masks+48(FP), AX
	KMOVW (AX), K3
	KMOVW 2(AX), K4
	MOVL $1, AX
	VPBROADCASTD AX, Z16 // 1
	VPBROADCASTD R8, Z17 // w
	VPADDD Z16, Z17, Z18 // w+1
	VMOVDQU32 maxpoolEven<>(SB), Z19 // 0, 2, …, 30
	VPADDD Z16, Z19, Z15 // 1, 3, …, 31
	VPXORQ Z20, Z20, Z20 // position of the row's first window
	LEAQ (R8)(R8*1), AX
	VPBROADCASTQ AX, Z21 // 2w
	SHLQ $2, R8 // row bytes
	LEAQ (R8)(R8*1), R11 // two rows
	MOVQ R9, R12
	SHLQ $2, R12 // out row bytes
	MOVQ R9, R13
	SHLQ $3, R13 // idx row bytes
	TESTQ R10, R10
	JLE mp2ok
mp2row:
	VMOVUPS.Z (SI), K3, Z0
	VMOVUPS.Z 64(SI), K4, Z1
	VMOVUPS.Z (SI)(R8*1), K3, Z2
	VMOVUPS.Z 64(SI)(R8*1), K4, Z3
	VMOVAPS Z0, Z4
	VPERMT2PS Z1, Z19, Z4 // a: even columns of the first row
	VMOVAPS Z0, Z5
	VPERMT2PS Z1, Z15, Z5 // b
	VMOVAPS Z2, Z6
	VPERMT2PS Z3, Z19, Z6 // c
	VMOVAPS Z2, Z7
	VPERMT2PS Z3, Z15, Z7 // d
	VCMPPS $3, Z5, Z4, K1
	VCMPPS $3, Z7, Z6, K2
	KORTESTW K1, K2
	JNE mp2nan
	VPXORD Z8, Z8, Z8
	VCMPPS $0x1e, Z4, Z5, K1 // b > best
	VMOVAPS Z5, K1, Z4
	VMOVDQA32 Z16, K1, Z8
	VCMPPS $0x1e, Z4, Z6, K1 // c > best
	VMOVAPS Z6, K1, Z4
	VMOVDQA32 Z17, K1, Z8
	VCMPPS $0x1e, Z4, Z7, K1 // d > best
	VMOVAPS Z7, K1, Z4
	VMOVDQA32 Z18, K1, Z8
	VMOVUPS Z4, (DI)
	VPADDD Z19, Z8, Z8 // + 2j
	VPMOVSXDQ Y8, Z9
	VPADDQ Z20, Z9, Z9
	VMOVDQU64 Z9, (DX)
	VEXTRACTI32X8 $1, Z8, Y10
	VPMOVSXDQ Y10, Z10
	VPADDQ Z20, Z10, Z10
	VMOVDQU64 Z10, 64(DX)
	VPADDQ Z21, Z20, Z20
	ADDQ R11, SI
	ADDQ R12, DI
	ADDQ R13, DX
	DECQ R10
	JNZ mp2row
mp2ok:
	MOVB $0, nan+56(FP)
	VZEROUPPER
	RET
mp2nan:
	MOVB $1, nan+56(FP)
	VZEROUPPER
	RET
