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
// C is not read, so NaNs in it do not survive. C must not overlap A or B.
// Work is split over
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
	GemmBatch(1, transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0)
}

// GemmBatch computes count products of the same shape at once:
// C_i = alpha·op(A_i)·op(B_i) + beta·C_i for i < count, where X_i is the
// matrix that starts at X[i·strideX] (a stride of 0 shares one matrix
// among all products, as the filters of a convolution over a batch of
// images). With strideC == 0 the products are summed into one C instead,
// C = alpha·Σ_i op(A_i)·op(B_i) + beta·C (a filter gradient, summed over
// the images). The C_i must not overlap each other, A or B.
//
// The result is the same, bit for bit, as count calls of Gemm (with beta,
// then 1, when summing), but small products (those packed whole) share
// two parallel passes, one to pack and one to compute, instead of two
// each, and a shared operand is packed once: the cores split a batch of
// products, where a single small product leaves them waiting on each
// other. It panics as Gemm does, and on a negative count or stride.
func GemmBatch[T Float](count int, transA, transB bool, m, n, k int, alpha T, a []T, lda, strideA int, b []T, ldb, strideB int, beta T, c []T, ldc, strideC int) {
	if count < 0 || strideA < 0 || strideB < 0 || strideC < 0 {
		panic(fmt.Sprintf("tensor: GemmBatch: negative count %d or stride (%d, %d, %d)", count, strideA, strideB, strideC))
	}
	if last := count - 1; last >= 0 { // the last operands are the farthest out
		checkMat("A", transA, m, k, a[min(last*strideA, len(a)):], lda)
		checkMat("B", transB, k, n, b[min(last*strideB, len(b)):], ldb)
		checkMat("C", false, m, n, c[min(last*strideC, len(c)):], ldc)
	} else if strideC == 0 {
		checkMat("C", false, m, n, c, ldc)
	}
	if m == 0 || n == 0 || count == 0 && strideC != 0 {
		return
	}
	if k == 0 || alpha == 0 || count == 0 {
		for i := range max(count, 1) {
			scaleMat(m, n, beta, c[i*strideC:], ldc)
			if strideC == 0 {
				break
			}
		}
		return
	}
	if unsafe.Sizeof(alpha) == 4 {
		w := ws32.Get().(*gemmWork[float32])
		w.run(sgemmFor(m, n), transA, transB, m, n, k, conv[float32](alpha), as[float32](a), lda, strideA,
			as[float32](b), ldb, strideB, conv[float32](beta), as[float32](c), ldc, strideC, count)
		ws32.Put(w)
		return
	}
	w := ws64.Get().(*gemmWork[float64])
	w.run(kernel.Dgemm(), transA, transB, m, n, k, conv[float64](alpha), as[float64](a), lda, strideA,
		as[float64](b), ldb, strideB, conv[float64](beta), as[float64](c), ldc, strideC, count)
	ws64.Put(w)
}

// sgemmFor picks the float32 micro-kernel for an m×n product: the short
// one (6×64 on AVX-512) where its tiles cover at least a fifth less
// padded area than the usual kernel's, as for a convolution's few filters.
// Both add the same products in the same order, so the choice never
// changes the result.
func sgemmFor(m, n int) kernel.Gemm[float32] {
	g := kernel.Sgemm()
	s, ok := kernel.SgemmShort()
	if !ok {
		return g
	}
	area := func(g kernel.Gemm[float32]) int {
		return min(padded(m, n, g.MR, g.NR), padded(n, m, g.MR, g.NR))
	}
	if area(s)*5 <= area(g)*4 {
		return s
	}
	return g
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
	minChunkFlops = 1 << 18
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
	directB    bool // whole panels of an untransposed B are read in place
	i0, j0     int  // first row and column of the current block
	p0, kc     int  // k block: first index and size (whole: block size)
	panA, panB int  // panels in the current blocks of A and B
	packBToo   bool // the packing pass packs B as well as A
	grain      int  // tiles per compute chunk
	tiles      []T  // one maxTile scratch tile per compute chunk
	pack       packTask[T]
	comp       compTask[T]
	// A batch (whole packing only): count products, operand X_i at
	// X[i·sX]; nA and nB are the distinct A_i and B_i packed (1 when
	// shared), sizeA and sizeB the packed size of one. reduce sums the
	// products into one C.
	count, sA, sB, sC int
	nA, nB            int
	sizeA, sizeB      int
	reduce            bool
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
// A batch of such products is packed and computed together, as many
// products at a time as fit in wholeBatch packed elements. Variables so
// tests can force the blocked path and small groups.
var (
	wholeA     = 1 << 18
	wholeB     = 1 << 20
	wholeBatch = 1 << 17
)

func grow[T Float](buf []T, n int) []T {
	if cap(buf) < n {
		return make([]T, n)
	}
	return buf[:cap(buf)]
}

func (w *gemmWork[T]) run(g kernel.Gemm[T], tA, tB bool, m, n, k int, alpha T, a []T, lda, sA int, b []T, ldb, sB int, beta T, c []T, ldc, sC, count int) {
	w.g = g
	w.tC = false
	// A narrow C (n = 10 outputs) wastes most of each NR-wide tile; the
	// transposed product Cᵀ = op(B)ᵀ·op(A)ᵀ puts the narrow side along MR.
	if padded(n, m, g.MR, g.NR)*5 < padded(m, n, g.MR, g.NR)*4 {
		m, n = n, m
		a, b = b, a
		lda, ldb = ldb, lda
		sA, sB = sB, sA
		tA, tB = !tB, !tA
		w.tC = true
	}
	w.tA, w.tB, w.m, w.n, w.k = tA, tB, m, n, k
	w.alpha, w.lda, w.ldb, w.ldc = alpha, lda, ldb, ldc
	w.reduce = sC == 0 && count > 1
	kcMax := kcMax32
	if unsafe.Sizeof(alpha) == 8 {
		kcMax = kcMax64
	}
	kc := blocks(k, kcMax, 1)
	panA, panB := (m+g.MR-1)/g.MR, (n+g.NR-1)/g.NR
	if panA*g.MR*k <= wholeA && panB*g.NR*k <= wholeB {
		// With few row panels each element of B is used once or twice:
		// copying it into panels would cost more than reading it where
		// it is (rows of B are already NR-wide runs).
		w.whole, w.directB = true, !tB && panA <= 3
		w.sizeA, w.sizeB = panA*g.MR*k, panB*g.NR*k
		// Products per group: as many as fit in wholeBatch packed
		// elements, besides the shared operands.
		per, shared := 0, 0
		if sA != 0 {
			per += w.sizeA
		} else {
			shared += w.sizeA
		}
		if sB != 0 {
			per += w.sizeB
		} else {
			shared += w.sizeB
		}
		group := count
		if per > 0 {
			group = min(count, max(1, (wholeBatch-shared)/per))
		}
		for i0 := 0; i0 < count; i0 += group {
			w.count = min(group, count-i0)
			w.nA, w.nB = 1, 1
			if sA != 0 {
				w.nA = w.count
			}
			if sB != 0 {
				w.nB = w.count
			}
			w.a, w.b, w.c = a[i0*sA:], b[i0*sB:], c[i0*sC:]
			w.sA, w.sB, w.sC = sA, sB, sC
			w.beta = beta
			if w.reduce && i0 > 0 {
				w.beta = 1
			}
			w.packA, w.packB = grow(w.packA, w.nA*w.sizeA), grow(w.packB, w.nB*w.sizeB)
			w.i0, w.j0, w.p0, w.kc, w.panA, w.panB, w.packBToo = 0, 0, 0, kc, panA, panB, true
			nkb := (k + kc - 1) / kc
			parallel.Run(nkb*(w.nA*panA+w.nB*panB), max(1, (1<<14)/(kc*g.MR)), &w.pack)
			tiles, flops := w.count*panA*panB, 2*g.MR*g.NR*k
			if w.reduce {
				tiles, flops = panA*panB, flops*w.count
			}
			w.compute(tiles, flops)
		}
		w.a, w.b, w.c = nil, nil, nil
		return
	}
	// Each product of a batch is blocked on its own.
	w.whole, w.directB, w.count, w.nA, w.nB, w.sA, w.sB, w.sC = false, false, 1, 1, 1, 0, 0, 0
	mc := blocks(m, mcMax/g.MR*g.MR, g.MR)
	nc := blocks(n, ncMax/g.NR*g.NR, g.NR)
	w.packA, w.packB = grow(w.packA, mc*kc), grow(w.packB, nc*kc)
	for im := range count {
		w.a, w.b, w.c = a[im*sA:], b[im*sB:], c[im*sC:]
		w.beta = beta
		if w.reduce && im > 0 {
			w.beta = 1
		}
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
// packBToo) and of A (the next panA); with whole packing, the panels of
// every B_i and then every A_i of a batch.
type packTask[T Float] struct{ w *gemmWork[T] }

// Run packs items [lo, hi).
func (t *packTask[T]) Run(lo, hi int) {
	w := t.w
	mr, nr := w.g.MR, w.g.NR
	perB, perA := w.nB*w.panB, w.nA*w.panA
	if !w.packBToo {
		perB = 0
	}
	for it := lo; it < hi; it++ {
		// Whole packing lays the k blocks of each A_i (B_i) one after
		// another, each as panels of kc groups; otherwise there is one
		// block, p0.
		p0, kc, q := w.p0, w.kc, it
		aBase, bBase := 0, 0
		if w.whole {
			p0 = it / (perA + perB) * w.kc
			kc, q = min(w.kc, w.k-p0), it%(perA+perB)
			aBase, bBase = p0*w.panA*mr, p0*w.panB*nr
		}
		if q < perB {
			im, q := q/w.panB, q%w.panB
			if w.directB && w.j0+(q+1)*nr <= w.n {
				continue
			}
			bBase += im * w.sizeB
			w.packPanelB(w.packB[bBase+q*nr*kc:bBase+(q+1)*nr*kc], w.b[im*w.sB:], w.j0+q*nr, p0, kc)
			continue
		}
		q -= perB
		im, q := q/w.panA, q%w.panA
		aBase += im * w.sizeA
		w.packPanelA(w.packA[aBase+q*mr*kc:aBase+(q+1)*mr*kc], w.a[im*w.sA:], w.i0+q*mr, p0, kc)
	}
}

// packPanelA writes rows [i, i+MR) of op(A) (A held in a), columns
// [p0, p0+kc), into dst as kc groups of MR, zero-padding rows past m.
func (w *gemmWork[T]) packPanelA(dst, a []T, i, p0, kc int) {
	mr := w.g.MR
	rows := min(mr, w.m-i)
	if w.tA { // A is k×m: each group is a contiguous run of a row of A
		for p := range kc {
			src := a[(p0+p)*w.lda+i:]
			d := dst[p*mr : p*mr+mr]
			copy(d, src[:rows])
			clear(d[rows:])
		}
		return
	}
	transpose(rows, kc, a[i*w.lda+p0:], w.lda, dst, mr)
	for r := rows; r < mr; r++ {
		for p := range kc {
			dst[p*mr+r] = 0
		}
	}
}

// packPanelB writes columns [j, j+NR) of op(B) (B held in b), rows
// [p0, p0+kc), into dst as kc groups of NR, zero-padding columns past n.
func (w *gemmWork[T]) packPanelB(dst, b []T, j, p0, kc int) {
	nr := w.g.NR
	cols := min(nr, w.n-j)
	if !w.tB { // B is k×n: each group is a contiguous run of a row of B
		for p := range kc {
			src := b[(p0+p)*w.ldb+j:]
			d := dst[p*nr : p*nr+nr]
			copy(d, src[:cols])
			clear(d[cols:])
		}
		return
	}
	transpose(cols, kc, b[j*w.ldb+p0:], w.ldb, dst, nr)
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
// is packed, else over the current one. The tiles of a batch are those of
// each product in turn; summed products share one set of tiles, each
// accumulating the products in order.
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
		w.tileRange(lo, hi, w.p0, w.kc, w.packA, w.packB, w.b, w.c, beta, tile)
		return
	}
	if w.reduce {
		for im := range w.count {
			w.productRange(lo, hi, im, im > 0, tile)
		}
		return
	}
	per := w.panA * w.panB
	for lo < hi {
		im := lo / per
		e := min(hi, (im+1)*per)
		w.productRange(lo-im*per, e-im*per, im, false, tile)
		lo = e
	}
}

// productRange computes tiles [lo, hi) of product im of a whole-packed
// batch, adding to C when acc is set.
func (w *gemmWork[T]) productRange(lo, hi, im int, acc bool, tile []T) {
	mr, nr := w.g.MR, w.g.NR
	pa := w.packA[min(im, w.nA-1)*w.sizeA:]
	pb := w.packB[min(im, w.nB-1)*w.sizeB:]
	b, c := w.b[im*w.sB:], w.c[im*w.sC:]
	for p0 := 0; p0 < w.k; p0 += w.kc {
		beta := w.beta
		if acc || p0 > 0 {
			beta = 1
		}
		w.tileRange(lo, hi, p0, min(w.kc, w.k-p0), pa[p0*w.panA*mr:], pb[p0*w.panB*nr:], b, c, beta, tile)
	}
}

// tileRange computes tiles [lo, hi) of the k block [p0, p0+kc) whose
// packed panels start at pa and pb, of the product whose B and C are held
// in b and c.
func (w *gemmWork[T]) tileRange(lo, hi, p0, kc int, pa, pb, b, c []T, beta T, tile []T) {
	mr, nr := w.g.MR, w.g.NR
	for it := lo; it < hi; it++ {
		jr, ir := it/w.panA, it%w.panA
		i, j := w.i0+ir*mr, w.j0+jr*nr
		rows, cols := min(mr, w.m-i), min(nr, w.n-j)
		ap, bp, ldb := &pa[ir*mr*kc], &pb[jr*nr*kc], nr
		if w.directB && cols == nr {
			bp, ldb = &b[p0*w.ldb+j], w.ldb
		}
		if cols == nr && !w.tC {
			w.g.Fn(kc, ap, bp, &c[i*w.ldc+j], ldb, w.ldc, rows, w.alpha, beta)
			continue
		}
		w.g.Fn(kc, ap, bp, &tile[0], ldb, nr, mr, w.alpha, 0)
		w.storeEdge(tile[:mr*nr], c, i, j, rows, cols, beta)
	}
}

// storeEdge adds a computed tile into C (held in c): C = tile + beta·C
// over the part that lies inside C, transposed when the product was
// swapped.
func (w *gemmWork[T]) storeEdge(tile, c []T, i, j, rows, cols int, beta T) {
	nr, ldc := w.g.NR, w.ldc
	if !w.tC {
		for r := range rows {
			src := tile[r*nr : r*nr+cols]
			dst := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
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
		dst := c[(j+x)*ldc+i : (j+x)*ldc+i+rows]
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
