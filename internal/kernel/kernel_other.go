//go:build !amd64

package kernel

const (
	hasAVX512 = false
	hasAVX2   = false
)

func sgemmAVX512(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32)     {}
func sgemm6x64AVX512(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32) {}
func sgemmAVX2(k int, a, b, c *float32, ldb, ldc, rows int, alpha, beta float32)       {}
func dgemmAVX512(k int, a, b, c *float64, ldb, ldc, rows int, alpha, beta float64)     {}
func dgemmAVX2(k int, a, b, c *float64, ldb, ldc, rows int, alpha, beta float64)       {}
func fmaPeakAVX512(n int)                                                              {}
func fmaPeakAVX2(n int)                                                                {}

func transpose8(src *float32, lds int, dst *float32, ldd int, n int) {}
func transpose4(src *float32, lds int, dst *float32, ldd int, n int) {}

func reluAVX512(dst, x []float32)        {}
func reluAVX2(dst, x []float32)          {}
func reluBackAVX512(dx, dy, x []float32) {}
func reluBackAVX2(dx, dy, x []float32)   {}

func leakyAVX512(dst, x []float32, s float32)        {}
func leakyAVX2(dst, x []float32, s float32)          {}
func leakyBackAVX512(dx, dy, x []float32, s float32) {}
func leakyBackAVX2(dx, dy, x []float32, s float32)   {}

func addAVX512(dst, a, b []float32)                {}
func addAVX2(dst, a, b []float32)                  {}
func colSumsAVX512(dst, x []float32, rows, ld int) {}
func colSumsAVX2(dst, x []float32, rows, ld int)   {}

func expAVX512(dst, x []float32, shift float32) {}
func sigmoidAVX512(dst, x []float32)            {}

func dot3x8AVX512(k, count int, a *float32, lda, sa int, b *float32, ldb, sb int, acc *float32) {
}
func addConstAVX512(dst, x []float32, s float32) {}

func copy2DAVX512(dst *float32, ldd int, src *float32, lds int, rows, cols int) {}

func col2imRowAVX512(dst *float32, cols *float32, l, ow, kw, nkh, step int, last bool) {}

func im2colRowsAVX512(dst *float32, ldd int, src *float32, lds, rows, shift int, masks *[4]uint16, full int, wide bool) {
}

func maxPool2AVX512(src *float32, w int, out *float32, idx *int, ow, rows int, masks *[2]uint16) (nan bool) {
	return false
}
