package tensor

import (
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// GemmSumNT computes C = alpha·Σ_{i<count} A_i·B_iᵀ + beta·C, where A_i is
// m×k (rows lda elements apart) starting at a[i·strideA], B_i is n×k (rows
// ldb apart) starting at b[i·strideB], and C is m×n (rows ldc apart): a sum
// of products whose inner dimension runs along the rows of both operands,
// as a convolution's filter gradient sums over the output positions of
// every image. beta == 0 means C is not read.
//
// In float32 on AVX-512 each element of C is a dot product accumulated in
// 16 lanes over all the products (fused multiply-adds, in order of i and
// of the inner index), its lanes then summed in a fixed order: nothing is
// packed or transposed, and each operand row is read once a product. It is
// GemmBatch(count, false, true, …, strideC = 0) elsewhere, and for
// products too small for the kernel's 3×8 block. Either way the result
// does not depend on the thread count. GemmSumNT panics as GemmBatch does.
func GemmSumNT[T Float](count, m, n, k int, alpha T, a []T, lda, strideA int, b []T, ldb, strideB int, beta T, c []T, ldc int) {
	if unsafe.Sizeof(alpha) != 4 || kernel.ISA() != "avx512" || m < kernel.DotRows || n < kernel.DotCols ||
		k == 0 || count <= 0 || alpha == 0 || strideA < 0 || strideB < 0 {
		GemmBatch(count, false, true, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, 0)
		return
	}
	last := count - 1
	checkMat("A", false, m, k, a[min(last*strideA, len(a)):], lda)
	checkMat("B", false, n, k, b[min(last*strideB, len(b)):], ldb)
	checkMat("C", false, m, n, c, ldc)
	t := dotPool.Get().(*dotTask)
	t.count, t.m, t.n, t.k = count, m, n, k
	t.a, t.lda, t.sA = as[float32](a), lda, strideA
	t.b, t.ldb, t.sB = as[float32](b), ldb, strideB
	t.c, t.ldc = as[float32](c), ldc
	t.alpha, t.beta = conv[float32](alpha), conv[float32](beta)
	t.colBlocks = (n + kernel.DotCols - 1) / kernel.DotCols
	blocks := (m + kernel.DotRows - 1) / kernel.DotRows * t.colBlocks
	if need := blocks * dotAcc; len(t.acc) < need {
		t.acc = make([]float32, need)
	}
	// A chunk runs its blocks image by image, so an image's rows are read
	// from memory once a chunk: as few chunks as keep the cores busy.
	th := parallel.Threads()
	grain := (blocks + 2*th - 1) / (2 * th)
	if th == 1 {
		grain = blocks
	}
	parallel.Run(blocks, max(1, grain), t)
	t.a, t.b, t.c = nil, nil, nil
	dotPool.Put(t)
}

const (
	// dotAcc is the size of one block's accumulators.
	dotAcc = kernel.DotRows * kernel.DotCols * kernel.DotLanes
	// dotGroupBytes bounds the rows of B a group of products reads.
	dotGroupBytes = 256 << 10
)

var dotPool = sync.Pool{New: func() any { return new(dotTask) }}

// dotTask runs GemmSumNT's blocks: block (rb, cb) computes rows
// [3·rb, 3·rb+3) and columns [8·cb, 8·cb+8) of C, a last block that would
// stick out being moved back inside C (its rows or columns also computed
// by the block before, which keeps them: each element is stored by one
// block).
type dotTask struct {
	count, m, n, k int
	a, b, c        []float32
	lda, ldb, ldc  int
	sA, sB         int
	alpha, beta    float32
	colBlocks      int
	acc            []float32
}

// origin returns where block blk's kernel starts in C.
func (t *dotTask) origin(blk int) (r0, q0 int) {
	rb, cb := blk/t.colBlocks, blk%t.colBlocks
	return min(rb*kernel.DotRows, t.m-kernel.DotRows), min(cb*kernel.DotCols, t.n-kernel.DotCols)
}

// Run computes blocks [lo, hi).
func (t *dotTask) Run(lo, hi int) {
	acc := t.acc[lo*dotAcc : hi*dotAcc]
	clear(acc)
	// Groups of images whose rows of B stay in L2 while every block of
	// the chunk reads them (the grouping does not change the sums).
	group := max(1, dotGroupBytes/(4*t.n*t.k))
	for i0 := 0; i0 < t.count; i0 += group {
		cnt := min(group, t.count-i0)
		a, b := t.a[i0*t.sA:], t.b[i0*t.sB:]
		for blk := lo; blk < hi; blk++ {
			r0, q0 := t.origin(blk)
			kernel.Dot3x8(t.k, cnt, a[r0*t.lda:], t.lda, t.sA, b[q0*t.ldb:], t.ldb, t.sB,
				(*[dotAcc]float32)(t.acc[blk*dotAcc:(blk+1)*dotAcc]))
		}
	}
	for blk := lo; blk < hi; blk++ {
		r0, q0 := t.origin(blk)
		rb, cb := blk/t.colBlocks, blk%t.colBlocks
		own := t.acc[blk*dotAcc : (blk+1)*dotAcc]
		for r := rb * kernel.DotRows; r < min(rb*kernel.DotRows+kernel.DotRows, t.m); r++ {
			for q := cb * kernel.DotCols; q < min(cb*kernel.DotCols+kernel.DotCols, t.n); q++ {
				s := laneSum(own[((r-r0)*kernel.DotCols+q-q0)*kernel.DotLanes:][:kernel.DotLanes])
				d := &t.c[r*t.ldc+q]
				if t.beta == 0 {
					*d = t.alpha * s
				} else {
					*d = t.alpha*s + t.beta**d
				}
			}
		}
	}
}

// laneSum adds 16 lanes pairwise in float64, in a fixed order.
func laneSum(l []float32) float32 {
	var h [8]float64
	for i := range h {
		h[i] = float64(l[i]) + float64(l[i+8])
	}
	return float32(((h[0] + h[4]) + (h[2] + h[6])) + ((h[1] + h[5]) + (h[3] + h[7])))
}
