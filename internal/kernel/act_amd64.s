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

// func leakyAVX512(dst, x []float32, s float32)
// dst = s·x where x < 0, else x (NaN and −0 kept): a multiply merged
// under the mask of x < 0.
TEXT ·leakyAVX512(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS s+48(FP), Z30
	SHRQ $6, CX
	JZ leaky512done
	VXORPS Z31, Z31, Z31
leaky512loop:
	VMOVUPS (SI), Z0
	VMOVUPS 64(SI), Z1
	VMOVUPS 128(SI), Z2
	VMOVUPS 192(SI), Z3
	VCMPPS $0x11, Z31, Z0, K1 // x < 0 (ordered, quiet)
	VCMPPS $0x11, Z31, Z1, K2
	VCMPPS $0x11, Z31, Z2, K3
	VCMPPS $0x11, Z31, Z3, K4
	VMULPS Z0, Z30, K1, Z0
	VMULPS Z1, Z30, K2, Z1
	VMULPS Z2, Z30, K3, Z2
	VMULPS Z3, Z30, K4, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DI
	DECQ CX
	JNZ leaky512loop
leaky512done:
	VZEROUPPER
	RET

// func leakyAVX2(dst, x []float32, s float32)
TEXT ·leakyAVX2(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS s+48(FP), Y14
	SHRQ $5, CX
	JZ leaky2done
	VXORPS Y15, Y15, Y15
leaky2loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCMPPS $0x11, Y15, Y0, Y4 // x < 0
	VCMPPS $0x11, Y15, Y1, Y5
	VCMPPS $0x11, Y15, Y2, Y6
	VCMPPS $0x11, Y15, Y3, Y7
	VMULPS Y0, Y14, Y8
	VMULPS Y1, Y14, Y9
	VMULPS Y2, Y14, Y10
	VMULPS Y3, Y14, Y11
	VBLENDVPS Y4, Y8, Y0, Y0 // s·x where x < 0
	VBLENDVPS Y5, Y9, Y1, Y1
	VBLENDVPS Y6, Y10, Y2, Y2
	VBLENDVPS Y7, Y11, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	DECQ CX
	JNZ leaky2loop
leaky2done:
	VZEROUPPER
	RET

// func leakyBackAVX512(dx, dy, x []float32, s float32)
// dx = dy where x > 0, else s·dy (NaN x gives s·dy, as the Go loop): the
// product, overwritten by a load of dy merged under the mask of x > 0.
TEXT ·leakyBackAVX512(SB), NOSPLIT, $0-76
	MOVQ dx_base+0(FP), DI
	MOVQ dx_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	VBROADCASTSS s+72(FP), Z30
	SHRQ $6, CX
	JZ leakyback512done
	VXORPS Z31, Z31, Z31
leakyback512loop:
	VCMPPS $0x11, (DX), Z31, K1 // 0 < x
	VCMPPS $0x11, 64(DX), Z31, K2
	VCMPPS $0x11, 128(DX), Z31, K3
	VCMPPS $0x11, 192(DX), Z31, K4
	VMULPS (SI), Z30, Z0
	VMULPS 64(SI), Z30, Z1
	VMULPS 128(SI), Z30, Z2
	VMULPS 192(SI), Z30, Z3
	VMOVUPS (SI), K1, Z0
	VMOVUPS 64(SI), K2, Z1
	VMOVUPS 128(SI), K3, Z2
	VMOVUPS 192(SI), K4, Z3
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	VMOVUPS Z2, 128(DI)
	VMOVUPS Z3, 192(DI)
	ADDQ $256, SI
	ADDQ $256, DX
	ADDQ $256, DI
	DECQ CX
	JNZ leakyback512loop
leakyback512done:
	VZEROUPPER
	RET

// func leakyBackAVX2(dx, dy, x []float32, s float32)
TEXT ·leakyBackAVX2(SB), NOSPLIT, $0-76
	MOVQ dx_base+0(FP), DI
	MOVQ dx_len+8(FP), CX
	MOVQ dy_base+24(FP), SI
	MOVQ x_base+48(FP), DX
	VBROADCASTSS s+72(FP), Y14
	SHRQ $5, CX
	JZ leakyback2done
	VXORPS Y15, Y15, Y15
leakyback2loop:
	VCMPPS $0x11, (DX), Y15, Y4 // 0 < x
	VCMPPS $0x11, 32(DX), Y15, Y5
	VCMPPS $0x11, 64(DX), Y15, Y6
	VCMPPS $0x11, 96(DX), Y15, Y7
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMULPS Y0, Y14, Y8
	VMULPS Y1, Y14, Y9
	VMULPS Y2, Y14, Y10
	VMULPS Y3, Y14, Y11
	VBLENDVPS Y4, Y0, Y8, Y0 // dy where x > 0, else s·dy
	VBLENDVPS Y5, Y1, Y9, Y1
	VBLENDVPS Y6, Y2, Y10, Y2
	VBLENDVPS Y7, Y3, Y11, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	DECQ CX
	JNZ leakyback2loop
leakyback2done:
	VZEROUPPER
	RET
