#include "textflag.h"

// Element-wise activation kernels, written by hand. Each handles the
// largest multiple of 64 (AVX-512) or 32 (AVX2) elements of its inputs;
// callers finish the tail in Go.

// func reluAVX512(dst, x []float32)
// dst = max(0, x) with NaN kept: VMAXPS returns its second source when
// either is NaN, and x is the second source.
TEXT ·reluAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $6, CX
	JZ relu512done
	VXORPS Z31, Z31, Z31
relu512loop:
	VMAXPS (SI), Z31, Z0
	VMAXPS 64(SI), Z31, Z1
	VMAXPS 128(SI), Z31, Z2
	VMAXPS 192(SI), Z31, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ CX
	JNZ relu512loop
relu512done:
	VZEROUPPER
	RET

// func reluAVX2(dst, x []float32)
TEXT ·reluAVX2(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $5, CX
	JZ relu2done
	VXORPS Y15, Y15, Y15
relu2loop:
	VMAXPS (SI), Y15, Y0
	VMAXPS 32(SI), Y15, Y1
	VMAXPS 64(SI), Y15, Y2
	VMAXPS 96(SI), Y15, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNZ relu2loop
relu2done:
	VZEROUPPER
	RET

// func reluBackAVX512(dx, dy, x []float32)
// dx = dy where x > 0, else 0 (NaN x gives 0, as the Go loop).
TEXT ·reluBackAVX512(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ dx_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	SHRQ $6, CX
	JZ reluback512done
	VXORPS Z31, Z31, Z31
reluback512loop:
	VCMPPS $0x11, (DX), Z31, K1 // 0 < x (ordered, quiet)
	VCMPPS $0x11, 64(DX), Z31, K2
	VCMPPS $0x11, 128(DX), Z31, K3
	VCMPPS $0x11, 192(DX), Z31, K4
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z 64(SI), K2, Z1
	VMOVUPS.Z 128(SI), K3, Z2
	VMOVUPS.Z 192(SI), K4, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DX
	ADDQ $256, DI
	DECQ CX
	JNZ reluback512loop
reluback512done:
	VZEROUPPER
	RET

// func reluBackAVX2(dx, dy, x []float32)
TEXT ·reluBackAVX2(SB), NOSPLIT, $0-72
	MOVQ dx_base+0(FP), DI
	MOVQ dx_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	SHRQ $5, CX
	JZ reluback2done
	VXORPS Y15, Y15, Y15
reluback2loop:
	VCMPPS $0x11, (DX), Y15, Y4
	VCMPPS $0x11, 32(DX), Y15, Y5
	VCMPPS $0x11, 64(DX), Y15, Y6
	VCMPPS $0x11, 96(DX), Y15, Y7
	VANDPS (SI), Y4, Y0
	VANDPS 32(SI), Y5, Y1
	VANDPS 64(SI), Y6, Y2
	VANDPS 96(SI), Y7, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	DECQ CX
	JNZ reluback2loop
reluback2done:
	VZEROUPPER
	RET
