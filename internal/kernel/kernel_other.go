//go:build !amd64

package kernel

const (
	hasAVX512 = false
	hasAVX2   = false
)

func sgemmAVX512(k int, a, b, c *float32, ldc, rows int, alpha, beta float32) {}
func sgemmAVX2(k int, a, b, c *float32, ldc, rows int, alpha, beta float32)   {}
func dgemmAVX512(k int, a, b, c *float64, ldc, rows int, alpha, beta float64) {}
func dgemmAVX2(k int, a, b, c *float64, ldc, rows int, alpha, beta float64)   {}
func fmaPeakAVX512(n int)                                               {}
func fmaPeakAVX2(n int)                                                 {}

func transpose8(src *float32, lds int, dst *float32, ldd int, n int) {}
func transpose4(src *float32, lds int, dst *float32, ldd int, n int) {}
