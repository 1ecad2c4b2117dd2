package kernel

import "golang.org/x/sys/cpu"

var (
	hasAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasAVX && cpu.X86.HasFMA
)

//go:noescape
func sgemmAVX512(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32)

//go:noescape
func sgemm6x64AVX512(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32)

//go:noescape
func sgemmAVX2(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32)

//go:noescape
func dgemmAVX512(k int, a, b, c *float64, ldb, ldc, rows int, alpha, beta float64)

//go:noescape
func dgemmAVX2(k int, a, b, c *float64, ldb, ldc, rows int, alpha, beta float64)

func fmaPeakAVX512(n int)

func fmaPeakAVX2(n int)

//go:noescape
func transpose8(src *float32, lds int, dst *float32, ldd int, n int)

//go:noescape
func transpose4(src *float32, lds int, dst *float32, ldd int, n int)

//go:noescape
func reluAVX512(dst, x []float32)

//go:noescape
func reluAVX2(dst, x []float32)

//go:noescape
func reluBackAVX512(dx, dy, x []float32)

//go:noescape
func reluBackAVX2(dx, dy, x []float32)

//go:noescape
func leakyAVX512(dst, x []float32, s float32)

//go:noescape
func leakyAVX2(dst, x []float32, s float32)

//go:noescape
func leakyBackAVX512(dx, dy, x []float32, s float32)

//go:noescape
func leakyBackAVX2(dx, dy, x []float32, s float32)

//go:noescape
func addAVX512(dst, a, b []float32)

//go:noescape
func addAVX2(dst, a, b []float32)

//go:noescape
func colSumsAVX512(dst, x []float32, rows, ld int)

//go:noescape
func colSumsAVX2(dst, x []float32, rows, ld int)

//go:noescape
func expAVX512(dst, x []float32, shift float32)

//go:noescape
func sigmoidAVX512(dst, x []float32)

//go:noescape
func dot3x8AVX512(k, count int, a *float32, lda, sa int, b *float32, ldb, sb int, acc *float32)

//go:noescape
func addConstAVX512(dst, x []float32, s float32)

//go:noescape
func copy2DAVX512(dst *float32, ldd int, src *float32, lds int, rows, cols int)

//go:noescape
func col2imRowAVX512(dst *float32, cols *float32, l, ow, kw, nkh, step int, last bool)

//go:noescape
func im2colRowsAVX512(dst *float32, ldd int, src *float32, lds, rows, shift int, masks *[4]uint16, full int, wide bool)

//go:noescape
func maxPool2AVX512(src *float32, w int, out *float32, idx *int, ow, rows int, masks *[2]uint16) (nan bool)
