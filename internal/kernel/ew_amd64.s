#include "textflag.h"

// Element-wise sums, written by hand: the bias add and the column sums
// (bias gradient) of a layer. Each adds in the order the Go loops do, so
// the results are the same bits.

// func addAVX512(dst, a, b []float32)
// dst = a + b over the largest multiple of 64 elements.
TEXT ·addAVX512(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	SHRQ $6, CX
	JZ add512done
add512loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z1, Z1
	VADDPS 128(DX), Z2, Z2
	VADDPS 192(DX), Z3, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DX
	ADDQ $256, DI
	DECQ CX
	JNZ add512loop
add512done:
	VZEROUPPER
	RET

// func addAVX2(dst, a, b []float32)
// dst = a + b over the largest multiple of 32 elements.
TEXT ·addAVX2(SB), NOSPLIT, $0-72
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	SHRQ $5, CX
	JZ add2done
add2loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	VADDPS 64(DX), Y2, Y2
	VADDPS 96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	DECQ CX
	JNZ add2loop
add2done:
	VZEROUPPER
	RET

// func colSumsAVX512(dst, x []float32, rows, ld int)
// dst[j] = 0 + x[j] + x[ld+j] + … + x[(rows−1)·ld+j], rows added in
// order, for j < len(dst) (a multiple of 16): blocks of 64 columns, then
// of 16, each summed down every row in registers.
TEXT ·colSumsAVX512(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ ld+56(FP), R9
	SHLQ $2, R9
	SHRQ $4, CX
cs512block64:
	CMPQ CX, $4
	JB cs512block16
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3
	MOVQ SI, DX
	MOVQ R8, BX
	TESTQ BX, BX
	JZ cs512store64
cs512rows64:
	VADDPS (DX), Z0, Z0
	VADDPS 64(DX), Z1, Z1
	VADDPS 128(DX), Z2, Z2
	VADDPS 192(DX), Z3, Z3
	ADDQ R9, DX
	DECQ BX
	JNZ cs512rows64
cs512store64:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	SUBQ $4, CX
	JMP cs512block64
cs512block16:
	TESTQ CX, CX
	JZ cs512done
	VXORPS Z0, Z0, Z0
	MOVQ SI, DX
	MOVQ R8, BX
	TESTQ BX, BX
	JZ cs512store16
cs512rows16:
	VADDPS (DX), Z0, Z0
	ADDQ R9, DX
	DECQ BX
	JNZ cs512rows16
cs512store16:
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JMP cs512block16
cs512done:
	VZEROUPPER
	RET

// func colSumsAVX2(dst, x []float32, rows, ld int)
// colSumsAVX512 with blocks of 32 and 8 columns (len(dst) a multiple of 8).
TEXT ·colSumsAVX2(SB), NOSPLIT, $0-64
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	MOVQ rows+48(FP), R8
	MOVQ ld+56(FP), R9
	SHLQ $2, R9
	SHRQ $3, CX
cs2block32:
	CMPQ CX, $4
	JB cs2block8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, DX
	MOVQ R8, BX
	TESTQ BX, BX
	JZ cs2store32
cs2rows32:
	VADDPS (DX), Y0, Y0
	VADDPS 32(DX), Y1, Y1
	VADDPS 64(DX), Y2, Y2
	VADDPS 96(DX), Y3, Y3
	ADDQ R9, DX
	DECQ BX
	JNZ cs2rows32
cs2store32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $4, CX
	JMP cs2block32
cs2block8:
	TESTQ CX, CX
	JZ cs2done
	VXORPS Y0, Y0, Y0
	MOVQ SI, DX
	MOVQ R8, BX
	TESTQ BX, BX
	JZ cs2store8
cs2rows8:
	VADDPS (DX), Y0, Y0
	ADDQ R9, DX
	DECQ BX
	JNZ cs2rows8
cs2store8:
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JMP cs2block8
cs2done:
	VZEROUPPER
	RET

// func addConstAVX512(dst, x []float32, s float32)
// dst = x + s over the largest multiple of 64 elements.
TEXT ·addConstAVX512(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS s+48(FP), Z4
	SHRQ $6, CX
	JZ ac512done
ac512loop:
	VADDPS (SI), Z4, Z0
	VADDPS 64(SI), Z4, Z1
	VADDPS 128(SI), Z4, Z2
	VADDPS 192(SI), Z4, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ CX
	JNZ ac512loop
ac512done:
	VZEROUPPER
	RET
