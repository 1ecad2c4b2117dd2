#include "textflag.h"

// float32 e^x and the logistic function in AVX-512, written by hand. They
// perform exactly the operations of package tensor's Go expf and sigmoid,
// in the same order and without fused multiply-adds, so both give the same
// bits: Cody–Waite reduction x = n·ln2 + r, a degree-7 Horner polynomial
// for e^r, n added to the exponent in two halves; NaN stays NaN, results
// past the float32 range are +Inf, below the smallest normal 0.

// LOADCONSTS fills Z16–Z31 with the constants.
#define LOADCONSTS \
	MOVL $0x3fb8aa3b, AX \
	VPBROADCASTD AX, Z16 \ // log2(e)
	MOVL $0x4b400000, AX \
	VPBROADCASTD AX, Z17 \ // 1.5·2^23
	MOVL $0x3f318000, AX \
	VPBROADCASTD AX, Z18 \ // ln2 high part
	MOVL $0xb95e8083, AX \
	VPBROADCASTD AX, Z19 \ // ln2 low part
	MOVL $0x39500d01, AX \
	VPBROADCASTD AX, Z20 \ // 1/5040
	MOVL $0x3ab60b61, AX \
	VPBROADCASTD AX, Z21 \ // 1/720
	MOVL $0x3c088889, AX \
	VPBROADCASTD AX, Z22 \ // 1/120
	MOVL $0x3d2aaaab, AX \
	VPBROADCASTD AX, Z23 \ // 1/24
	MOVL $0x3e2aaaab, AX \
	VPBROADCASTD AX, Z24 \ // 1/6
	MOVL $0x3f000000, AX \
	VPBROADCASTD AX, Z25 \ // 1/2
	MOVL $0x3f800000, AX \
	VPBROADCASTD AX, Z26 \ // 1
	MOVL $127, AX \
	VPBROADCASTD AX, Z27 \ // exponent bias
	MOVL $0xc2aeac4f, AX \
	VPBROADCASTD AX, Z28 \ // lowest argument with a normal result
	MOVL $0x42b17217, AX \
	VPBROADCASTD AX, Z29 \ // highest argument with a finite result
	MOVL $0x7f800000, AX \
	VPBROADCASTD AX, Z30 \ // +Inf
	VXORPS Z31, Z31, Z31   // 0

// EXPF sets res = e^x; n, r, e, h are scratch.
#define EXPF(x, res, n, r, e, h) \
	VMULPS Z16, x, n \
	VADDPS Z17, n, n \
	VSUBPS Z17, n, n \
	VMULPS Z18, n, r \
	VSUBPS r, x, r \
	VMULPS Z19, n, res \
	VSUBPS res, r, r \
	VMULPS Z20, r, res \
	VADDPS Z21, res, res \
	VMULPS r, res, res \
	VADDPS Z22, res, res \
	VMULPS r, res, res \
	VADDPS Z23, res, res \
	VMULPS r, res, res \
	VADDPS Z24, res, res \
	VMULPS r, res, res \
	VADDPS Z25, res, res \
	VMULPS r, res, res \
	VADDPS Z26, res, res \
	VMULPS r, res, res \
	VADDPS Z26, res, res \
	VCVTTPS2DQ n, e \
	VPSRAD $1, e, h \
	VPSUBD h, e, e \
	VPADDD Z27, h, h \
	VPSLLD $23, h, h \
	VPADDD Z27, e, e \
	VPSLLD $23, e, e \
	VMULPS h, res, res \
	VMULPS e, res, res \
	VCMPPS $0x1e, Z29, x, K1 \
	VMOVAPS Z30, K1, res \
	VCMPPS $0x11, Z28, x, K2 \
	VMOVAPS Z31, K2, res \
	VCMPPS $3, x, x, K3 \
	VMOVAPS x, K3, res

// func expAVX512(dst, x []float32, shift float32)
// dst = e^(x − shift); len(dst) is a multiple of 16.
TEXT ·expAVX512(SB), NOSPLIT, $0-52
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSS shift+48(FP), Z15
	SHRQ $4, CX
	JZ expdone
	LOADCONSTS
exploop:
	VMOVUPS (SI), Z0
	VSUBPS Z15, Z0, Z0
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5)
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ exploop
expdone:
	VZEROUPPER
	RET

// func sigmoidAVX512(dst, x []float32)
// dst = 1/(1+e^−x) for x ≥ 0 and e^x/(1+e^x) otherwise; len(dst) is a
// multiple of 16.
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-48
	MOVQ dst_base+0(FP), DI
	MOVQ dst_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $4, CX
	JZ sigdone
	LOADCONSTS
	MOVL $0x80000000, AX
	VPBROADCASTD AX, Z15 // sign bit
sigloop:
	VMOVUPS (SI), Z6
	VORPS Z15, Z6, Z0 // −|x|
	EXPF(Z0, Z1, Z2, Z3, Z4, Z5)
	VADDPS Z26, Z1, Z7 // 1 + e
	VCMPPS $0x1d, Z31, Z6, K4 // x ≥ 0
	VMOVAPS Z26, K4, Z1 // numerator: 1 where x ≥ 0, e elsewhere
	VDIVPS Z7, Z1, Z1
	VMOVUPS Z1, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ sigloop
sigdone:
	VZEROUPPER
	RET
