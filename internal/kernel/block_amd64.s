#include "textflag.h"

// Strided block copies and sums, written by hand: the row segments of
// im2col, and col2im's sums over a kernel row.

// func copy2DAVX512(dst *float32, ldd int, src *float32, lds int, rows, cols int)
// dst[r·ldd + c] = src[r·lds + c] for r < rows, c < cols.
TEXT ·copy2DAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), R10
	MOVQ cols+40(FP), BX
	MOVQ BX, CX
	ANDQ $15, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1
	MOVQ BX, R11
	SHRQ $4, R11
	TESTQ R10, R10
	JLE copy2DAVX512done
copy2DAVX512row:
	XORQ AX, AX
	MOVQ R11, CX
	TESTQ CX, CX
	JZ copy2DAVX512tail
copy2DAVX512blk:
	VMOVUPS (SI)(AX*1), Z0
	VMOVUPS Z0, (DI)(AX*1)
	ADDQ $64, AX
	DECQ CX
	JNZ copy2DAVX512blk
copy2DAVX512tail:
	TESTQ $15, BX
	JZ copy2DAVX512next
	VMOVUPS.Z (SI)(AX*1), K1, Z0
	VMOVUPS Z0, K1, (DI)(AX*1)
copy2DAVX512next:
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R10
	JNZ copy2DAVX512row
copy2DAVX512done:
	VZEROUPPER
	RET

// func col2imRowAVX512(dst *float32, cols *float32, l, ow, kw, nkh, step int, last bool)
// One image row of x < ow+kw−1 ≤ 16 elements: dst[x] = the sum, from +0,
// over kernel rows h < nkh and then k < kw in turn, of
// cols[h·step + k·l + x − k] where 0 ≤ x − k < ow, each row of columns
// shifted into place by a masked load. The store is a whole register
// (writing 16 elements) unless last is set.
TEXT ·col2imRowAVX512(SB), NOSPLIT, $0-57
	MOVQ dst+0(FP), DI
	MOVQ cols+8(FP), AX
	MOVQ l+16(FP), R8
	DECQ R8
	SHLQ $2, R8
	MOVQ ow+24(FP), R9
	MOVQ kw+32(FP), R10
	MOVQ nkh+40(FP), R11
	MOVQ step+48(FP), R12
	SHLQ $2, R12
	MOVQ R9, CX
	MOVQ $1, R13
	SHLQ CX, R13
	DECQ R13
	VXORPS Z0, Z0, Z0
	TESTQ R11, R11
	JLE c2rstore
c2rkh:
	MOVQ AX, DX
	MOVQ R13, BX
	MOVQ R10, CX
c2rk:
	KMOVW BX, K1
	VMOVUPS.Z (DX), K1, Z1
	VADDPS Z1, Z0, Z0
	ADDQ R8, DX
	SHLQ $1, BX
	DECQ CX
	JNZ c2rk
	ADDQ R12, AX
	DECQ R11
	JNZ c2rkh
c2rstore:
	MOVBQZX last+56(FP), CX
	TESTQ CX, CX
	JNZ c2rlast
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET
c2rlast:
	MOVQ R9, CX
	ADDQ R10, CX
	DECQ CX
	MOVQ $1, BX
	SHLQ CX, BX
	DECQ BX
	KMOVW BX, K2
	VMOVUPS Z0, K2, (DI)
	VZEROUPPER
	RET

// func im2colRowsAVX512(dst *float32, ldd int, src *float32, lds, rows, shift int, masks *[4]uint16, full int, wide bool)
// For r < rows: dst[r·ldd + x] = src[r·lds + x + shift] where bit x of the
// load masks (masks[0], then masks[1] for x ≥ 16) is set, else 0, for
// x < 16, or x < 32 when wide. The first full rows are stored as whole
// registers (masked stores are slow on some cores), running past the
// row's columns into the next row, which the caller writes after; the
// rest under the store masks (masks[2], masks[3]).
TEXT ·im2colRowsAVX512(SB), NOSPLIT, $0-65
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9
	MOVQ rows+32(FP), R11
	MOVQ shift+40(FP), AX
	LEAQ (SI)(AX*4), SI
	MOVQ masks+48(FP), AX
	KMOVW (AX), K1
	KMOVW 2(AX), K2
	KMOVW 4(AX), K3
	KMOVW 6(AX), K4
	MOVQ full+56(FP), R10
	SUBQ R10, R11 // masked rows
	MOVBQZX wide+64(FP), BX
	TESTQ BX, BX
	JNZ i2r32
	TESTQ R10, R10
	JLE i2r16m
i2r16:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS Z0, (DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R10
	JNZ i2r16
i2r16m:
	TESTQ R11, R11
	JLE i2rdone
i2r16mloop:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS Z0, K3, (DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R11
	JNZ i2r16mloop
	JMP i2rdone
i2r32:
	TESTQ R10, R10
	JLE i2r32m
i2r32loop:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R10
	JNZ i2r32loop
i2r32m:
	TESTQ R11, R11
	JLE i2rdone
i2r32mloop:
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS Z0, K3, (DI)
	VMOVUPS Z1, K4, 64(DI)
	ADDQ R9, SI
	ADDQ R8, DI
	DECQ R11
	JNZ i2r32mloop
i2rdone:
	VZEROUPPER
	RET
