package tensor

import (
	"fmt"
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// Gemm computes C = alpha·op(A)·op(B) + beta·C, where op(A) is m×k, op(B)
// is k×n and C is m×n, all row-major: op(A) is A when transA is false (A
// is m×k with lda elements between rows) and Aᵀ when it is true (A is k×m);
// op(B) likewise (B is k×n, or n×k when transB is true). beta == 0 means
// C is not read, so NaNs in it do not survive. Work is split over
// parallel.Threads() cores; the result does not depend on the thread
// count. Gemm does not allocate once its packing buffers are warm.
//
// Like a slice index, Gemm panics when the dimensions are negative, a
// leading dimension is smaller than its row, or a slice is too short for
// the matrix it holds. MatMul checks tensors and returns errors instead.
//
// float32 products run on AVX-512 or AVX2/FMA micro-kernels when the CPU
// has them (see the package documentation); float64 products use them too,
// with the portable Go kernel elsewhere.
func Gemm[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	checkMat("A", transA, m, k, a, lda)
	checkMat("B", transB, k, n, b, ldb)
	checkMat("C", false, m, n, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleMat(m, n, beta, c, ldc)
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		w := ws32.Get().(*gemmWork[float32])
		w.run(kernel.Sgemm(), transA, transB, m, n, k, conv[float32](alpha), as[float32](a), lda,
			as[float32](b), ldb, conv[float32](beta), as[float32](c), ldc)
		ws32.Put(w)
		return
	}
	w := ws64.Get().(*gemmWork[float64])
	w.run(kernel.Dgemm(), transA, transB, m, n, k, conv[float64](alpha), as[float64](a), lda,
		as[float64](b), ldb, conv[float64](beta), as[float64](c), ldc)
	ws64.Put(w)
}

// as reinterprets x as a slice of U, which must be T itself.
func as[U, T Float](x []T) []U {
	return unsafe.Slice((*U)(unsafe.Pointer(unsafe.SliceData(x))), len(x))
}

// conv reinterprets v as U, which must be T itself.
func conv[U, T Float](v T) U { return *(*U)(unsafe.Pointer(&v)) }

// checkMat panics unless x holds an r×c matrix of op(X) with leading
// dimension ld (stored c×r when trans).
func checkMat[T Float](name string, trans bool, r, c int, x []T, ld int) {
	if r < 0 || c < 0 {
		panic(fmt.Sprintf("tensor: Gemm: negative dimension %d×%d of %s", r, c, name))
	}
	rows, cols := r, c
	if trans {
		rows, cols = c, r
	}
	if ld < max(1, cols) {
		panic(fmt.Sprintf("tensor: Gemm: leading dimension %d of %s < %d columns", ld, name, cols))
	}
	if rows > 0 && cols > 0 && len(x) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("tensor: Gemm: %s has %d elements, needs %d for %d×%d with leading dimension %d",
			name, len(x), (rows-1)*ld+cols, rows, cols, ld))
	}
}

// scaleMat sets C = beta·C (zero when beta is zero, whatever C held).
func scaleMat[T Float](m, n int, beta T, c []T, ldc int) {
	if beta == 1 {
		return
	}
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

var (
	ws32 = sync.Pool{New: func() any { return newWork[float32]() }}
	ws64 = sync.Pool{New: func() any { return newWork[float64]() }}
)

// Blocking: a kc×NR panel of B stays in L1 while the MR×kc panels of an
// mc×kc block of A stream through it from L2; the kc×nc block of B lives
// in L2/L3. Block sizes are balanced so the last block is not a sliver.
const (
	kcMax32 = 256
	kcMax64 = 128
	mcMax   = 240 // rows of A per block (rounded to MR)
	ncMax   = 3072
	// minChunkFlops is the least work worth handing to another core.
	minChunkFlops = 1 << 20
	// maxTile bounds MR·NR over all kernels.
	maxTile = 12 * 32
)

// gemmWork holds one Gemm call's packing buffers and the state its
// parallel tasks read.
type gemmWork[T Float] struct {
	g          kernel.Gemm[T]
	packA      []T
	packB      []T
	tA, tB, tC bool
	m, n, k    int
	alpha      T
	a, b, c    []T
	lda, ldb   int
	ldc        int
	beta       T    // beta of the call
	whole      bool // all of op(A) and op(B) packed at once
	i0, j0     int  // first row and column of the current block
	p0, kc     int  // k block: first index and size (whole: block size)
	panA, panB int  // panels in the current blocks of A and B
	packBToo   bool // the packing pass packs B as well as A
	grain      int  // tiles per compute chunk
	tiles      []T  // one maxTile scratch tile per compute chunk
	pack       packTask[T]
	comp       compTask[T]
}

func newWork[T Float]() *gemmWork[T] {
	w := &gemmWork[T]{}
	w.pack.w = w
	w.comp.w = w
	return w
}

// blocks splits n into pieces of at most max, equal to within a multiple
// of unit.
func blocks(n, maxSize, unit int) int {
	nb := (n + maxSize - 1) / maxSize
	sz := (n + nb - 1) / nb
	return (sz + unit - 1) / unit * unit
}

// padded is the tile area computed for an m×n product with mr×nr tiles.
func padded(m, n, mr, nr int) int {
	return (m + mr - 1) / mr * mr * ((n + nr - 1) / nr * nr)
}

// Whole-product packing: when packed op(A) and op(B) are at most this many
// elements, both are packed in one parallel pass and every tile computed
// in a second, two barriers in all (the layer shapes of an MLP all fit).
// Variables so tests can force the blocked path.
var (
	wholeA = 1 << 18
	wholeB = 1 << 20
)

func grow[T Float](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:cap(buf)]
}

func (w *gemmWork[T]) run(g kernel.Gemm[T], tA, tB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	w.g = g
	w.tC = false
	// A narrow C (n = 10 outputs) wastes most of each NR-wide tile; the
	// transposed product Cᵀ = op(B)ᵀ·op(A)ᵀ puts the narrow side along MR.
	if padded(n, m, g.MR, g.NR)*5 < padded(m, n, g.MR, g.NR)*4 {
		m, n = n, m
		a, b = b, a
		lda, ldb = ldb, lda
		tA, tB = !tB, !tA
		w.tC = true
	}
	w.tA, w.tB, w.m, w.n, w.k = tA, tB, m, n, k
	w.alpha, w.a, w.b, w.c, w.lda, w.ldb, w.ldc = alpha, a, b, c, lda, ldb, ldc
	w.beta = beta
	kcMax := kcMax32
	if unsafe.Sizeof(alpha) == 8 {
		kcMax = kcMax64
	}
	kc := blocks(k, kcMax, 1)
	panA, panB := (m+g.MR-1)/g.MR, (n+g.NR-1)/g.NR
	if panA*g.MR*k <= wholeA && panB*g.NR*k <= wholeB {
		w.whole = true
		w.packA, w.packB = grow(w.packA, panA*g.MR*k), grow(w.packB, panB*g.NR*k)
		w.i0, w.j0, w.p0, w.kc, w.panA, w.panB, w.packBToo = 0, 0, 0, kc, panA, panB, true
		nkb := (k + kc - 1) / kc
		parallel.Run(nkb*(panA+panB), max(1, (1<<14)/(kc*g.MR)), &w.pack)
		w.compute(panA*panB, 2*g.MR*g.NR*k)
		w.a, w.b, w.c = nil, nil, nil
		return
	}
	w.whole = false
	mc := blocks(m, mcMax/g.MR*g.MR, g.MR)
	nc := blocks(n, ncMax/g.NR*g.NR, g.NR)
	w.packA, w.packB = grow(w.packA, mc*kc), grow(w.packB, nc*kc)
	for j0 := 0; j0 < n; j0 += nc {
		w.j0 = j0
		w.panB = (min(nc, n-j0) + g.NR - 1) / g.NR
		for p0 := 0; p0 < k; p0 += kc {
			w.p0, w.kc = p0, min(kc, k-p0)
			for i0 := 0; i0 < m; i0 += mc {
				w.i0 = i0
				w.panA = (min(mc, m-i0) + g.MR - 1) / g.MR
				w.packBToo = i0 == 0
				items := w.panA
				if w.packBToo {
					items += w.panB
				}
				// Packing is memory-bound: chunks of about 16K elements.
				parallel.Run(items, max(1, (1<<14)/(w.kc*g.MR)), &w.pack)
				w.compute(w.panA*w.panB, 2*g.MR*g.NR*w.kc)
			}
		}
	}
	w.a, w.b, w.c = nil, nil, nil
}

// compute runs the micro-kernel over the current block's tiles in
// parallel, in chunks of at least minChunkFlops.
func (w *gemmWork[T]) compute(tiles, tileFlops int) {
	th := parallel.Threads()
	w.grain = max((tiles+4*th-1)/(4*th), (minChunkFlops+tileFlops-1)/tileFlops)
	if need := parallel.Chunks(tiles, w.grain) * maxTile; len(w.tiles) < need {
		w.tiles = make([]T, need)
	}
	parallel.Run(tiles, w.grain, &w.comp)
}

// packTask packs panels of B (the first panB items of each k block when
// packBToo) and of A (the next panA).
type packTask[T Float] struct{ w *gemmWork[T] }

// Run packs items [lo, hi).
func (t *packTask[T]) Run(lo, hi int) {
	w := t.w
	mr, nr := w.g.MR, w.g.NR
	per := w.panA
	if w.packBToo {
		per += w.panB
	}
	for it := lo; it < hi; it++ {
		// Whole packing lays the k blocks one after another, each as
		// panels of kc groups; otherwise there is one block, p0.
		p0, kc, q := w.p0, w.kc, it
		aBase, bBase := 0, 0
		if w.whole {
			p0 = it / per * w.kc
			kc, q = min(w.kc, w.k-p0), it%per
			aBase, bBase = p0*w.panA*mr, p0*w.panB*nr
		}
		if w.packBToo {
			if q < w.panB {
				w.packPanelB(w.packB[bBase+q*nr*kc:bBase+(q+1)*nr*kc], w.j0+q*nr, p0, kc)
				continue
			}
			q -= w.panB
		}
		w.packPanelA(w.packA[aBase+q*mr*kc:aBase+(q+1)*mr*kc], w.i0+q*mr, p0, kc)
	}
}

// packPanelA writes rows [i, i+MR) of op(A), columns [p0, p0+kc), into dst
// as kc groups of MR, zero-padding rows past m.
func (w *gemmWork[T]) packPanelA(dst []T, i, p0, kc int) {
	mr := w.g.MR
	rows := min(mr, w.m-i)
	if w.tA { // A is k×m: each group is a contiguous run of a row of A
		for p := range kc {
			src := w.a[(p0+p)*w.lda+i:]
			d := dst[p*mr : p*mr+mr]
			copy(d, src[:rows])
			clear(d[rows:])
		}
		return
	}
	transpose(rows, kc, w.a[i*w.lda+p0:], w.lda, dst, mr)
	for r := rows; r < mr; r++ {
		for p := range kc {
			dst[p*mr+r] = 0
		}
	}
}

// packPanelB writes columns [j, j+NR) of op(B), rows [p0, p0+kc), into dst
// as kc groups of NR, zero-padding columns past n.
func (w *gemmWork[T]) packPanelB(dst []T, j, p0, kc int) {
	nr := w.g.NR
	cols := min(nr, w.n-j)
	if !w.tB { // B is k×n: each group is a contiguous run of a row of B
		for p := range kc {
			src := w.b[(p0+p)*w.ldb+j:]
			d := dst[p*nr : p*nr+nr]
			copy(d, src[:cols])
			clear(d[cols:])
		}
		return
	}
	transpose(cols, kc, w.b[j*w.ldb+p0:], w.ldb, dst, nr)
	for cc := cols; cc < nr; cc++ {
		for p := range kc {
			dst[p*nr+cc] = 0
		}
	}
}

// transpose writes dst[c·ldd + i] = src[i·lds + c] for i < r, c < n, in
// assembly for float32.
func transpose[T Float](r, n int, src []T, lds int, dst []T, ldd int) {
	if unsafe.Sizeof(src[0]) == 4 {
		kernel.Transpose(r, n, as[float32](src), lds, as[float32](dst), ldd)
		return
	}
	for i := range r {
		row := src[i*lds : i*lds+n]
		for c, v := range row {
			dst[c*ldd+i] = v
		}
	}
}

// compTask runs the micro-kernel over tiles of the current block, column
// of tiles by column of tiles so a panel of B is reused from L1.
type compTask[T Float] struct{ w *gemmWork[T] }

// Run computes tiles [lo, hi): over every k block when the whole product
// is packed, else over the current one.
func (t *compTask[T]) Run(lo, hi int) {
	w := t.w
	// The scratch tile belongs to this chunk (chunks run on one goroutine
	// each).
	tile := w.tiles[lo/w.grain*maxTile : (lo/w.grain+1)*maxTile]
	if !w.whole {
		beta := w.beta
		if w.p0 > 0 {
			beta = 1
		}
		w.tileRange(lo, hi, w.kc, w.packA, w.packB, beta, tile)
		return
	}
	for p0 := 0; p0 < w.k; p0 += w.kc {
		beta := w.beta
		if p0 > 0 {
			beta = 1
		}
		w.tileRange(lo, hi, min(w.kc, w.k-p0), w.packA[p0*w.panA*w.g.MR:], w.packB[p0*w.panB*w.g.NR:], beta, tile)
	}
}

// tileRange computes tiles [lo, hi) of one k block of size kc whose packed
// panels start at pa and pb.
func (w *gemmWork[T]) tileRange(lo, hi, kc int, pa, pb []T, beta T, tile []T) {
	mr, nr := w.g.MR, w.g.NR
	for it := lo; it < hi; it++ {
		jr, ir := it/w.panA, it%w.panA
		i, j := w.i0+ir*mr, w.j0+jr*nr
		rows, cols := min(mr, w.m-i), min(nr, w.n-j)
		ap, bp := &pa[ir*mr*kc], &pb[jr*nr*kc]
		if cols == nr && !w.tC {
			w.g.Fn(kc, ap, bp, &w.c[i*w.ldc+j], w.ldc, rows, w.alpha, beta)
			continue
		}
		w.g.Fn(kc, ap, bp, &tile[0], nr, mr, w.alpha, 0)
		w.storeEdge(tile[:mr*nr], i, j, rows, cols, beta)
	}
}

// storeEdge adds a computed tile into C: C = tile + beta·C over the part
// that lies inside C, transposed when the product was swapped.
func (w *gemmWork[T]) storeEdge(tile []T, i, j, rows, cols int, beta T) {
	nr, ldc := w.g.NR, w.ldc
	if !w.tC {
		for r := range rows {
			src := tile[r*nr : r*nr+cols]
			dst := w.c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
			if beta == 0 {
				copy(dst, src)
				continue
			}
			for x, v := range src {
				dst[x] = v + beta*dst[x]
			}
		}
		return
	}
	// C holds the transpose: element (i+r, j+x) of the swapped product is
	// C[j+x][i+r].
	for x := range cols {
		dst := w.c[(j+x)*ldc+i : (j+x)*ldc+i+rows]
		for r := range dst {
			v := tile[r*nr+x]
			if beta == 0 {
				dst[r] = v
			} else {
				dst[r] = v + beta*dst[r]
			}
		}
	}
}
