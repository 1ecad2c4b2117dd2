#include "textflag.h"

// AdamK offsets (each constant is 16 float32 = 64 bytes).
#define B1 0
#define C1 64
#define B2 128
#define C2 192
#define STEP 256
#define BC 320
#define EPS 384
#define WD 448
#define DECAY 512
#define SIGN 576

// func adamAVX512(x, g, m, v []float32, k *AdamK)
// len(x) is a multiple of 16.
TEXT ·adamAVX512(SB), NOSPLIT, $0-104
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R9
	MOVQ v_base+72(FP), R10
	MOVQ k+96(FP), R8
	VMOVUPS B1(R8), Z16
	VMOVUPS C1(R8), Z17
	VMOVUPS B2(R8), Z18
	VMOVUPS C2(R8), Z19
	VMOVUPS STEP(R8), Z20
	VMOVUPS BC(R8), Z21
	VMOVUPS EPS(R8), Z22
	VMOVUPS WD(R8), Z23
	VMOVUPS DECAY(R8), Z24
	VMOVUPS SIGN(R8), Z25
	XORQ AX, AX
adam512loop:
	CMPQ AX, CX
	JAE adam512done
	VMOVUPS (SI)(AX*4), Z0
	VMULPS Z25, Z0, Z0           // ĝ = sign·g
	VMOVUPS (DI)(AX*4), Z1
	VMULPS Z24, Z1, Z1           // θ' = θ·decay
	VMULPS Z23, Z1, Z2
	VADDPS Z2, Z0, Z0            // ĝ += wd·θ'
	VMOVUPS (R9)(AX*4), Z3
	VMULPS Z16, Z3, Z3           // m·β1
	VMULPS Z17, Z0, Z4           // (1-β1)·ĝ
	VADDPS Z4, Z3, Z3
	VMOVUPS Z3, (R9)(AX*4)
	VMOVUPS (R10)(AX*4), Z5
	VMULPS Z18, Z5, Z5           // v·β2
	VMULPS Z0, Z0, Z6            // ĝ²
	VMULPS Z19, Z6, Z6           // (1-β2)·ĝ²
	VADDPS Z6, Z5, Z5
	VMOVUPS Z5, (R10)(AX*4)
	VSQRTPS Z5, Z7
	VDIVPS Z21, Z7, Z7           // √v / bc
	VADDPS Z22, Z7, Z7           // + eps
	VDIVPS Z7, Z3, Z8            // m / den
	VMULPS Z20, Z8, Z8           // step · (m/den)
	VSUBPS Z8, Z1, Z1
	VMOVUPS Z1, (DI)(AX*4)
	ADDQ $16, AX
	JMP adam512loop
adam512done:
	VZEROUPPER
	RET

// func adamAVX2(x, g, m, v []float32, k *AdamK)
// len(x) is a multiple of 8.
TEXT ·adamAVX2(SB), NOSPLIT, $0-104
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R9
	MOVQ v_base+72(FP), R10
	MOVQ k+96(FP), R8
	VMOVUPS B1(R8), Y9
	VMOVUPS C1(R8), Y10
	VMOVUPS B2(R8), Y11
	VMOVUPS C2(R8), Y12
	VMOVUPS STEP(R8), Y13
	VMOVUPS BC(R8), Y14
	VMOVUPS EPS(R8), Y15
	XORQ AX, AX
adam2loop:
	CMPQ AX, CX
	JAE adam2done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS SIGN(R8), Y0, Y0
	VMOVUPS (DI)(AX*4), Y1
	VMULPS DECAY(R8), Y1, Y1
	VMULPS WD(R8), Y1, Y2
	VADDPS Y2, Y0, Y0
	VMOVUPS (R9)(AX*4), Y3
	VMULPS Y9, Y3, Y3
	VMULPS Y10, Y0, Y4
	VADDPS Y4, Y3, Y3
	VMOVUPS Y3, (R9)(AX*4)
	VMOVUPS (R10)(AX*4), Y5
	VMULPS Y11, Y5, Y5
	VMULPS Y0, Y0, Y6
	VMULPS Y12, Y6, Y6
	VADDPS Y6, Y5, Y5
	VMOVUPS Y5, (R10)(AX*4)
	VSQRTPS Y5, Y7
	VDIVPS Y14, Y7, Y7
	VADDPS Y15, Y7, Y7
	VDIVPS Y7, Y3, Y8
	VMULPS Y13, Y8, Y8
	VSUBPS Y8, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP adam2loop
adam2done:
	VZEROUPPER
	RET

// SGDK offsets.
#define SSIGN 0
#define SWD 64
#define SMU 128
#define SDAMP 192
#define SKD 256
#define SKM 320
#define SLR 384

// func sgdAVX512(x, g, b []float32, k *SGDK)
TEXT ·sgdAVX512(SB), NOSPLIT, $0-80
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ b_base+48(FP), R9
	MOVQ k+72(FP), R8
	VMOVUPS SSIGN(R8), Z16
	VMOVUPS SWD(R8), Z17
	VMOVUPS SMU(R8), Z18
	VMOVUPS SDAMP(R8), Z19
	VMOVUPS SKD(R8), Z20
	VMOVUPS SKM(R8), Z21
	VMOVUPS SLR(R8), Z22
	XORQ AX, AX
sgd512loop:
	CMPQ AX, CX
	JAE sgd512done
	VMOVUPS (SI)(AX*4), Z0
	VMULPS Z16, Z0, Z0           // d = sign·g
	VMOVUPS (DI)(AX*4), Z1
	VMULPS Z17, Z1, Z2
	VADDPS Z2, Z0, Z0            // d += wd·θ
	VMOVUPS (R9)(AX*4), Z3
	VMULPS Z18, Z3, Z3           // b·μ
	VMULPS Z19, Z0, Z4           // damp·d
	VADDPS Z4, Z3, Z3
	VMOVUPS Z3, (R9)(AX*4)
	VMULPS Z20, Z0, Z0           // kd·d
	VMULPS Z21, Z3, Z5           // km·b
	VADDPS Z5, Z0, Z0
	VMULPS Z22, Z0, Z0           // lr·d
	VSUBPS Z0, Z1, Z1
	VMOVUPS Z1, (DI)(AX*4)
	ADDQ $16, AX
	JMP sgd512loop
sgd512done:
	VZEROUPPER
	RET

// func sgdAVX2(x, g, b []float32, k *SGDK)
TEXT ·sgdAVX2(SB), NOSPLIT, $0-80
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ b_base+48(FP), R9
	MOVQ k+72(FP), R8
	VMOVUPS SSIGN(R8), Y8
	VMOVUPS SWD(R8), Y9
	VMOVUPS SMU(R8), Y10
	VMOVUPS SDAMP(R8), Y11
	VMOVUPS SKD(R8), Y12
	VMOVUPS SKM(R8), Y13
	VMOVUPS SLR(R8), Y14
	XORQ AX, AX
sgd2loop:
	CMPQ AX, CX
	JAE sgd2done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS Y8, Y0, Y0
	VMOVUPS (DI)(AX*4), Y1
	VMULPS Y9, Y1, Y2
	VADDPS Y2, Y0, Y0
	VMOVUPS (R9)(AX*4), Y3
	VMULPS Y10, Y3, Y3
	VMULPS Y11, Y0, Y4
	VADDPS Y4, Y3, Y3
	VMOVUPS Y3, (R9)(AX*4)
	VMULPS Y12, Y0, Y0
	VMULPS Y13, Y3, Y5
	VADDPS Y5, Y0, Y0
	VMULPS Y14, Y0, Y0
	VSUBPS Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP sgd2loop
sgd2done:
	VZEROUPPER
	RET

// func zeroProdAVX512(g []float32, acc *[16]float32)
// acc = Σ g·0 lane-wise: 0 if every element is finite, NaN otherwise.
TEXT ·zeroProdAVX512(SB), NOSPLIT, $0-32
	MOVQ g_base+0(FP), SI
	MOVQ g_len+8(FP), CX
	MOVQ acc+24(FP), DI
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	XORQ AX, AX
zp512loop:
	CMPQ AX, CX
	JAE zp512done
	VMULPS (SI)(AX*4), Z2, Z3
	VADDPS Z3, Z0, Z0
	ADDQ $16, AX
	JMP zp512loop
zp512done:
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET

// func zeroProdAVX2(g []float32, acc *[16]float32)
TEXT ·zeroProdAVX2(SB), NOSPLIT, $0-32
	MOVQ g_base+0(FP), SI
	MOVQ g_len+8(FP), CX
	MOVQ acc+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y2, Y2, Y2
	XORQ AX, AX
zp2loop:
	CMPQ AX, CX
	JAE zp2done
	VMULPS (SI)(AX*4), Y2, Y3
	VADDPS Y3, Y0, Y0
	ADDQ $8, AX
	JMP zp2loop
zp2done:
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func triadAVX512(a, b, c []float32, s float32)
TEXT ·triadAVX512(SB), NOSPLIT, $0-76
	MOVQ a_base+0(FP), DI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), SI
	MOVQ c_base+48(FP), R9
	VBROADCASTSS s+72(FP), Z16
	XORQ AX, AX
tr512loop:
	CMPQ AX, CX
	JAE tr512done
	VMULPS (R9)(AX*4), Z16, Z0
	VADDPS (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ $16, AX
	JMP tr512loop
tr512done:
	VZEROUPPER
	RET

// func triadAVX2(a, b, c []float32, s float32)
TEXT ·triadAVX2(SB), NOSPLIT, $0-76
	MOVQ a_base+0(FP), DI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), SI
	MOVQ c_base+48(FP), R9
	VBROADCASTSS s+72(FP), Y8
	XORQ AX, AX
tr2loop:
	CMPQ AX, CX
	JAE tr2done
	VMULPS (R9)(AX*4), Y8, Y0
	VADDPS (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ $8, AX
	JMP tr2loop
tr2done:
	VZEROUPPER
	RET

// func sgdPlainAVX512(x, g []float32, k *SGDK)
// d = sign·g + wd·θ; θ = θ − lr·d
TEXT ·sgdPlainAVX512(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ k+48(FP), R8
	VMOVUPS SSIGN(R8), Z16
	VMOVUPS SWD(R8), Z17
	VMOVUPS SLR(R8), Z22
	XORQ AX, AX
sgdp512loop:
	CMPQ AX, CX
	JAE sgdp512done
	VMOVUPS (SI)(AX*4), Z0
	VMULPS Z16, Z0, Z0
	VMOVUPS (DI)(AX*4), Z1
	VMULPS Z17, Z1, Z2
	VADDPS Z2, Z0, Z0
	VMULPS Z22, Z0, Z0
	VSUBPS Z0, Z1, Z1
	VMOVUPS Z1, (DI)(AX*4)
	ADDQ $16, AX
	JMP sgdp512loop
sgdp512done:
	VZEROUPPER
	RET

// func sgdPlainAVX2(x, g []float32, k *SGDK)
TEXT ·sgdPlainAVX2(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ k+48(FP), R8
	VMOVUPS SSIGN(R8), Y8
	VMOVUPS SWD(R8), Y9
	VMOVUPS SLR(R8), Y14
	XORQ AX, AX
sgdp2loop:
	CMPQ AX, CX
	JAE sgdp2done
	VMOVUPS (SI)(AX*4), Y0
	VMULPS Y8, Y0, Y0
	VMOVUPS (DI)(AX*4), Y1
	VMULPS Y9, Y1, Y2
	VADDPS Y2, Y0, Y0
	VMULPS Y14, Y0, Y0
	VSUBPS Y0, Y1, Y1
	VMOVUPS Y1, (DI)(AX*4)
	ADDQ $8, AX
	JMP sgdp2loop
sgdp2done:
	VZEROUPPER
	RET
