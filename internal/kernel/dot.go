package kernel

// DotRows and DotCols are the block of Dot3x8 (rows of a by rows of b),
// DotLanes the lanes of each of its accumulators.
const (
	DotRows  = 3
	DotCols  = 8
	DotLanes = 16
)

// Dot3x8 adds to acc the dot products of rows r < 3 of a (lda elements
// apart) with rows q < 8 of b (ldb apart), k elements each, lane by lane:
// lane t of accumulator (r, q), acc[(r·8+q)·16 + t], adds a[r][p]·b[q][p]
// (fused, one rounding) for p ≡ t (mod 16), in order of p. The caller sums
// the 16 lanes. It reports false, doing nothing, without AVX-512; it
// panics if a slice is too short.
func Dot3x8(k int, a []float32, lda int, b []float32, ldb int, acc *[DotRows * DotCols * DotLanes]float32) bool {
	if ISA() != "avx512" {
		return false
	}
	if k <= 0 {
		return true
	}
	_ = a[(DotRows-1)*lda+k-1]
	_ = b[(DotCols-1)*ldb+k-1]
	dot3x8AVX512(k, &a[0], lda, &b[0], ldb, &acc[0])
	return true
}
