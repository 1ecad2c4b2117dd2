package kernel

// DotRows and DotCols are the block of Dot3x8 (rows of a by rows of b),
// DotLanes the lanes of each of its accumulators.
const (
	DotRows  = 3
	DotCols  = 8
	DotLanes = 16
)

// Dot3x8 adds to acc the dot products of rows r < 3 of A_i (lda elements
// apart) with rows q < 8 of B_i (ldb apart), k elements each, summed over
// count pairs of operands, A_i starting at a[i·sa] and B_i at b[i·sb]. It
// works lane by lane: lane t of accumulator (r, q), acc[(r·8+q)·16 + t],
// adds A_i[r][p]·B_i[q][p] (fused, one rounding) for p ≡ t (mod 16), in
// order of p and then of i. The caller sums the 16 lanes. It reports
// false, doing nothing, without AVX-512; it panics if a slice is too short.
func Dot3x8(k, count int, a []float32, lda, sa int, b []float32, ldb, sb int, acc *[DotRows * DotCols * DotLanes]float32) bool {
	if ISA() != "avx512" {
		return false
	}
	if k <= 0 || count <= 0 {
		return true
	}
	if lda < 0 || ldb < 0 || sa < 0 || sb < 0 {
		panic("kernel: Dot3x8: negative stride")
	}
	_ = a[(count-1)*sa+(DotRows-1)*lda+k-1]
	_ = b[(count-1)*sb+(DotCols-1)*ldb+k-1]
	dot3x8AVX512(k, count, &a[0], lda, 4*sa, &b[0], ldb, 4*sb, &acc[0])
	return true
}
