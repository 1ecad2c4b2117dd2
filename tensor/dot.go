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
	s := beginSumNT(m, n, k, alpha, beta, c, ldc)
	s.add(count, a, lda, strideA, b, ldb, strideB)
	s.finish()
}

// sumNT is a GemmSumNT whose products arrive in groups: begin, add each
// group in turn, finish. The result is GemmSumNT's over all the products
// at once, to the bit.
type sumNT[T Float] struct {
	m, n, k     int
	alpha, beta T
	c           []T
	ldc         int
	t           *dotTask // nil: GemmBatch
	started     bool     // a group has been added (GemmBatch path)
}

func beginSumNT[T Float](m, n, k int, alpha, beta T, c []T, ldc int) sumNT[T] {
	s := sumNT[T]{m: m, n: n, k: k, alpha: alpha, beta: beta, c: c, ldc: ldc}
	if unsafe.Sizeof(alpha) != 4 || kernel.ISA() != "avx512" || m < kernel.DotRows || n < kernel.DotCols || k == 0 || alpha == 0 {
		return s
	}
	checkMat("C", false, m, n, c, ldc)
	t := dotPool.Get().(*dotTask)
	t.m, t.n, t.k = m, n, k
	t.colBlocks = (n + kernel.DotCols - 1) / kernel.DotCols
	t.blocks = (m + kernel.DotRows - 1) / kernel.DotRows * t.colBlocks
	if need := t.blocks * dotAcc; len(t.acc) < need {
		t.acc = make([]float32, need)
	}
	clear(t.acc[:t.blocks*dotAcc])
	s.t = t
	return s
}

// add adds count products to the sum.
func (s *sumNT[T]) add(count int, a []T, lda, strideA int, b []T, ldb, strideB int) {
	if count < 0 || strideA < 0 || strideB < 0 {
		panic("tensor: GemmSumNT: negative count or stride")
	}
	if s.t == nil {
		beta := s.beta
		if s.started {
			beta = 1
		}
		if count > 0 || !s.started {
			GemmBatch(count, false, true, s.m, s.n, s.k, s.alpha, a, lda, strideA, b, ldb, strideB, beta, s.c, s.ldc, 0)
			s.started = true
		}
		return
	}
	if count == 0 {
		return
	}
	last := count - 1
	checkMat("A", false, s.m, s.k, a[min(last*strideA, len(a)):], lda)
	checkMat("B", false, s.n, s.k, b[min(last*strideB, len(b)):], ldb)
	t := s.t
	t.count = count
	t.a, t.lda, t.sA = as[float32](a), lda, strideA
	t.b, t.ldb, t.sB = as[float32](b), ldb, strideB
	t.finish = false
	t.run()
	t.a, t.b = nil, nil
}

// finish stores C.
func (s *sumNT[T]) finish() {
	if s.t == nil {
		if !s.started {
			GemmBatch(0, false, true, s.m, s.n, s.k, s.alpha, nil, max(s.k, 1), 0, nil, max(s.k, 1), 0, s.beta, s.c, s.ldc, 0)
		}
		return
	}
	t := s.t
	t.c, t.ldc = as[float32](s.c), s.ldc
	t.alpha, t.beta = conv[float32](s.alpha), conv[float32](s.beta)
	t.finish = true
	t.run()
	t.c = nil
	dotPool.Put(t)
	s.t = nil
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
// block). Its accumulators persist from one group of products to the
// next; finish sums their lanes into C.
type dotTask struct {
	count, m, n, k int
	a, b, c        []float32
	lda, ldb, ldc  int
	sA, sB         int
	alpha, beta    float32
	colBlocks      int
	blocks         int
	acc            []float32
	finish         bool
}

// run runs the blocks over the cores. A chunk runs its blocks image by
// image, so an image's rows are read from memory once a chunk: as few
// chunks as keep the cores busy.
func (t *dotTask) run() {
	th := parallel.Threads()
	grain := (t.blocks + 2*th - 1) / (2 * th)
	if th == 1 {
		grain = t.blocks
	}
	parallel.Run(t.blocks, max(1, grain), t)
}

// origin returns where block blk's kernel starts in C.
func (t *dotTask) origin(blk int) (r0, q0 int) {
	rb, cb := blk/t.colBlocks, blk%t.colBlocks
	return min(rb*kernel.DotRows, t.m-kernel.DotRows), min(cb*kernel.DotCols, t.n-kernel.DotCols)
}

// Run accumulates the current products into blocks [lo, hi), or stores
// them when finishing.
func (t *dotTask) Run(lo, hi int) {
	if t.finish {
		t.store(lo, hi)
		return
	}
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
}

// store sums the lanes of blocks [lo, hi) into C.
func (t *dotTask) store(lo, hi int) {
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
