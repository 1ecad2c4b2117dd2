package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// Window is the geometry of a 2-D convolution or pooling window over NCHW
// images: kernel KH×KW, stride SH×SW (0 means 1) and zero padding PH×PW
// on each side. Output size is (H + 2·PH − KH)/SH + 1 by the same in W.
type Window struct {
	KH, KW int
	SH, SW int
	PH, PW int
}

func (g Window) strides() (sh, sw int) { return max(g.SH, 1), max(g.SW, 1) }

// Out returns the output height and width for an h×w input, or an error
// when the window does not fit or a size is invalid.
func (g Window) Out(h, w int) (oh, ow int, err error) {
	sh, sw := g.strides()
	if g.KH <= 0 || g.KW <= 0 || g.SH < 0 || g.SW < 0 || g.PH < 0 || g.PW < 0 {
		return 0, 0, fmt.Errorf("%w: bad window %+v", ErrShape, g)
	}
	if h+2*g.PH < g.KH || w+2*g.PW < g.KW {
		return 0, 0, fmt.Errorf("%w: window %dx%d larger than padded input %dx%d", ErrShape, g.KH, g.KW, h+2*g.PH, w+2*g.PW)
	}
	return (h+2*g.PH-g.KH)/sh + 1, (w+2*g.PW-g.KW)/sw + 1, nil
}

// nchw checks that x is 4-D and returns its dimensions.
func nchw[T Float](name string, x *Tensor[T]) (n, c, h, w int, err error) {
	if len(x.Shape) != 4 {
		return 0, 0, 0, 0, fmt.Errorf("%w: %s needs an NCHW tensor, have shape %v", ErrShape, name, x.Shape)
	}
	return x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], nil
}

// convGrain is about how many output elements a chunk of planes covers.
const convGrain = 1 << 14

type convOp int

const (
	opIm2Col convOp = iota
	opCol2Im
	opMaxPool
	opMaxPoolBack
	opAvgPool
	opAvgPoolBack
)

// convTask runs over the N·C planes of an image batch; each plane's output
// is written by one goroutine, so results do not depend on thread count.
type convTask[T Float] struct {
	op             convOp
	g              Window
	c, h, w        int
	oh, ow         int
	x, y           []T // image side, and columns/pooled side
	idx            []int
	sh, sw, kk, hw int
}

var (
	convPool32 = sync.Pool{New: func() any { return new(convTask[float32]) }}
	convPool64 = sync.Pool{New: func() any { return new(convTask[float64]) }}
)

func runConv[T Float](op convOp, g Window, n, c, h, w, oh, ow int, x, y []T, idx []int) {
	var z T
	pool := &convPool64
	if unsafe.Sizeof(z) == 4 {
		pool = &convPool32
	}
	t := pool.Get().(*convTask[T])
	t.op, t.g, t.c, t.h, t.w, t.oh, t.ow, t.x, t.y, t.idx = op, g, c, h, w, oh, ow, x, y, idx
	t.sh, t.sw = g.strides()
	t.kk, t.hw = g.KH*g.KW, h*w
	parallel.Run(n*c, max(1, convGrain/max(t.kk*oh*ow, 1)), t)
	t.x, t.y, t.idx = nil, nil, nil
	pool.Put(t)
}

// Run handles planes [lo, hi) (plane p is image p/C, channel p%C).
func (t *convTask[T]) Run(lo, hi int) {
	oh, ow := t.oh, t.ow
	for p := lo; p < hi; p++ {
		img := t.x[p*t.hw : (p+1)*t.hw]
		switch t.op {
		case opIm2Col:
			t.im2col(img, t.y[p*t.kk*oh*ow:(p+1)*t.kk*oh*ow])
		case opCol2Im:
			t.col2im(img, t.y[p*t.kk*oh*ow:(p+1)*t.kk*oh*ow])
		case opMaxPool:
			var ix []int
			if t.idx != nil {
				ix = t.idx[p*oh*ow : (p+1)*oh*ow]
			}
			t.maxPool(img, t.y[p*oh*ow:(p+1)*oh*ow], ix)
		case opAvgPool:
			t.avgPool(img, t.y[p*oh*ow:(p+1)*oh*ow])
		case opMaxPoolBack:
			clear(img)
			dy := t.y[p*oh*ow : (p+1)*oh*ow]
			ix := t.idx[p*oh*ow : (p+1)*oh*ow]
			ix = ix[:len(dy)]
			for k, g := range dy {
				if a := ix[k]; uint(a) < uint(len(img)) {
					img[a] += g
				}
			}
		case opAvgPoolBack:
			t.avgPoolBack(img, t.y[p*oh*ow:(p+1)*oh*ow])
		}
	}
}

// span returns the outputs [lo, hi) of a window dimension whose input
// index o·s − pad + k lies in [0, size), for o < out.
func span(k, pad, s, size, out int) (lo, hi int) {
	if pad > k {
		lo = (pad - k + s - 1) / s
	}
	if last := size - 1 + pad - k; last >= 0 {
		hi = min(out, last/s+1)
	}
	return min(lo, out), max(hi, min(lo, out))
}

// inside returns the outputs [lo, hi) of a window dimension whose whole
// window o·s − pad + [0, kk) lies in [0, size).
func inside(kk, pad, s, size, out int) (lo, hi int) {
	lo, _ = span(0, pad, s, size, out)
	_, hi = span(kk-1, pad, s, size, out)
	return lo, max(lo, hi)
}

// im2col writes the KH·KW rows of one plane's columns: row (kh, kw) holds
// the input at (i·SH − PH + kh, j·SW − PW + kw) for every output (i, j).
// The outputs whose input lies in the image form one rectangle a row;
// the rest is padding. Stride-1 rows are copied whole.
func (t *convTask[T]) im2col(img, cols []T) {
	g, oh, ow, w := t.g, t.oh, t.ow, t.w
	sh, sw := t.sh, t.sw
	for kh := range g.KH {
		ilo, ihi := span(kh, g.PH, sh, t.h, oh)
		for kw := range g.KW {
			row := cols[(kh*g.KW+kw)*oh*ow : (kh*g.KW+kw+1)*oh*ow]
			jlo, jhi := span(kw, g.PW, sw, w, ow)
			clear(row[:ilo*ow])
			clear(row[ihi*ow:])
			if jlo == jhi {
				clear(row[ilo*ow : ihi*ow])
				continue
			}
			if sw == 1 && ihi > ilo && im2colRows(row[ilo*ow:], img[(ilo*sh-g.PH+kh)*w:], sh*w, ihi-ilo, kw-g.PW, ow, jlo, jhi) {
				continue
			}
			if sw == 1 && ihi > ilo && copy2D(row[ilo*ow+jlo:], ow, img[(ilo*sh-g.PH+kh)*w+jlo-g.PW+kw:], sh*w, ihi-ilo, jhi-jlo) {
				if jlo > 0 || jhi < ow {
					for i := ilo; i < ihi; i++ {
						seg := row[i*ow : (i+1)*ow]
						clear(seg[:jlo])
						clear(seg[jhi:])
					}
				}
				continue
			}
			for i := ilo; i < ihi; i++ {
				seg := row[i*ow : (i+1)*ow]
				off := (i*sh-g.PH+kh)*w + jlo*sw - g.PW + kw
				clear(seg[:jlo])
				clear(seg[jhi:])
				if sw == 1 {
					copy(seg[jlo:jhi], img[off:])
					continue
				}
				for j := jlo; j < jhi; j++ {
					seg[j] = img[off]
					off += sw
				}
			}
		}
	}
}

// im2colRows writes rows rows of ow ≤ 32 columns (ow apart) from the
// image rows in src (lds apart) on the SIMD kernel (see
// kernel.Im2ColRows), reporting false, doing nothing, where there is none.
func im2colRows[T Float](dst, src []T, lds, rows, shift, ow, jlo, jhi int) bool {
	var z T
	if unsafe.Sizeof(z) != 4 {
		return false
	}
	return kernel.Im2ColRows(as[float32](dst), as[float32](src), lds, rows, shift, ow, jlo, jhi)
}

// copy2D copies the rows×cols block of src (rows lds apart) into dst
// (rows ldd apart) on the SIMD kernel, reporting false, doing nothing,
// where there is none (float64, or no AVX-512).
func copy2D[T Float](dst []T, ldd int, src []T, lds int, rows, cols int) bool {
	var z T
	if unsafe.Sizeof(z) != 4 {
		return false
	}
	return kernel.Copy2D(as[float32](dst), ldd, as[float32](src), lds, rows, cols)
}

// col2imPlane is col2im on the SIMD kernel that sums each image row in a
// register (kernel.Col2ImPlane), for float32 at stride 1 without column
// padding on images at most 16 wide; it reports false, doing nothing,
// elsewhere. The sums run in col2im's order.
func (t *convTask[T]) col2imPlane(img, cols []T) bool {
	var z T
	g := t.g
	if unsafe.Sizeof(z) != 4 || t.sw != 1 || t.sh != 1 || g.PW != 0 || t.w > 16 {
		return false
	}
	return kernel.Col2ImPlane(as[float32](img), t.h, as[float32](cols), t.oh, t.ow, g.KH, g.KW, g.PH)
}

// col2im sums one plane's columns back into img, the adjoint of im2col.
func (t *convTask[T]) col2im(img, cols []T) {
	g, oh, ow, w := t.g, t.oh, t.ow, t.w
	sh, sw := t.sh, t.sw
	if t.col2imPlane(img, cols) {
		return
	}
	clear(img)
	for kh := range g.KH {
		ilo, ihi := span(kh, g.PH, sh, t.h, oh)
		for kw := range g.KW {
			row := cols[(kh*g.KW+kw)*oh*ow : (kh*g.KW+kw+1)*oh*ow]
			jlo, jhi := span(kw, g.PW, sw, w, ow)
			if jlo == jhi {
				continue
			}
			for i := ilo; i < ihi; i++ {
				seg := row[i*ow+jlo : i*ow+jhi]
				off := (i*sh-g.PH+kh)*w + jlo*sw - g.PW + kw
				if sw == 1 {
					dst := img[off : off+len(seg)]
					for j, v := range seg {
						dst[j] += v
					}
					continue
				}
				for _, v := range seg {
					img[off] += v
					off += sw
				}
			}
		}
	}
}

// maxPool pools one plane. Windows wholly inside the image take a path
// without bounds or branches on the data: the running maximum and, by a
// conditional move, the position of the first one; a NaN in the window
// (the maximum comes out NaN) sends it down the general path, which lets
// the first NaN win.
func (t *convTask[T]) maxPool(img, out []T, ix []int) {
	g, oh, ow, w := t.g, t.oh, t.ow, t.w
	var z T
	if unsafe.Sizeof(z) == 4 && g.KH == 2 && g.KW == 2 && t.sh == 2 && t.sw == 2 && g.PH == 0 && g.PW == 0 && ix != nil &&
		kernel.MaxPool2(as[float32](out), ix, as[float32](img), w, ow, oh) {
		return // else a NaN, or no kernel: the general path
	}
	ilo, ihi := inside(g.KH, g.PH, t.sh, t.h, oh)
	jlo, jhi := inside(g.KW, g.PW, t.sw, w, ow)
	store := func(k, arg int) {
		out[k] = img[arg]
		if ix != nil {
			ix[k] = arg
		}
	}
	for i := range oh {
		if i < ilo || i >= ihi {
			for j := range ow {
				store(i*ow+j, t.maxAt(img, i, j))
			}
			continue
		}
		for j := range jlo {
			store(i*ow+j, t.maxAt(img, i, j))
		}
		base := (i*t.sh-g.PH)*w - g.PW
		for j := jlo; j < jhi; j++ {
			var best T
			var arg int
			if g.KH == 2 && g.KW == 2 {
				best, arg = max2x2(img, base+j*t.sw, w)
			} else {
				best, arg = maxWin(img, base+j*t.sw, w, g.KH, g.KW)
			}
			if best != best {
				arg = t.maxAt(img, i, j)
			}
			store(i*ow+j, arg)
		}
		for j := jhi; j < ow; j++ {
			store(i*ow+j, t.maxAt(img, i, j))
		}
	}
}

// maxWin returns the maximum of the kh×kw window at base in an image w
// wide (NaN if the window holds one) and the position of its first
// occurrence when it is not NaN. The comparisons select by conditional
// moves: the maximum's position is random, and a branch on it would be
// mispredicted.
func maxWin[T Float](img []T, base, w, kh, kw int) (best T, arg int) {
	best, arg = img[base], base
	for r := base; r < base+kh*w; r += w {
		for k, v := range img[r : r+kw] {
			a := r + k
			if v > best {
				arg = a
			}
			best = max(best, v)
		}
	}
	return best, arg
}

// max2x2 is maxWin for a 2×2 window.
func max2x2[T Float](img []T, base, w int) (best T, arg int) {
	r0, r1 := img[base:base+2], img[base+w:base+w+2]
	best, arg = r0[0], base
	if r0[1] > best {
		arg = base + 1
	}
	best = max(best, r0[1])
	if r1[0] > best {
		arg = base + w
	}
	best = max(best, r1[0])
	if r1[1] > best {
		arg = base + w + 1
	}
	return max(best, r1[1]), arg
}

// maxAt returns the position of the maximum of window (i, j), the first
// one on ties, a NaN counting as largest. The window holds at least one
// input element (padding is at most half the window).
func (t *convTask[T]) maxAt(img []T, i, j int) int {
	g, w := t.g, t.w
	h0, w0 := i*t.sh-g.PH, j*t.sw-g.PW
	best, arg := T(math.Inf(-1)), -1
	for ih := max(h0, 0); ih < min(h0+g.KH, t.h); ih++ {
		for iw := max(w0, 0); iw < min(w0+g.KW, w); iw++ {
			v := img[ih*w+iw]
			if v > best || arg < 0 || (v != v && best == best) {
				best, arg = v, ih*w+iw
			}
		}
	}
	return arg
}

// avgPool averages one plane's windows, padding counted as zeros.
func (t *convTask[T]) avgPool(img, out []T) {
	g, oh, ow, w := t.g, t.oh, t.ow, t.w
	sh, sw := t.sh, t.sw
	ilo, ihi := inside(g.KH, g.PH, sh, t.h, oh)
	jlo, jhi := inside(g.KW, g.PW, sw, w, ow)
	kk := T(t.kk)
	for i := range oh {
		h0 := i*sh - g.PH
		for j := range ow {
			w0 := j*sw - g.PW
			var sum T
			if i >= ilo && i < ihi && j >= jlo && j < jhi {
				for kh := range g.KH {
					for _, v := range img[(h0+kh)*w+w0 : (h0+kh)*w+w0+g.KW] {
						sum += v
					}
				}
			} else {
				for ih := max(h0, 0); ih < min(h0+g.KH, t.h); ih++ {
					for _, v := range img[ih*w+max(w0, 0) : ih*w+min(w0+g.KW, w)] {
						sum += v
					}
				}
			}
			out[i*ow+j] = sum / kk
		}
	}
}

// avgPoolBack spreads each of one plane's output gradients over its window.
func (t *convTask[T]) avgPoolBack(img, dy []T) {
	g, oh, ow, w := t.g, t.oh, t.ow, t.w
	sh, sw := t.sh, t.sw
	clear(img)
	inv := 1 / T(t.kk)
	for i := range oh {
		h0 := i*sh - g.PH
		for j := range ow {
			w0 := j*sw - g.PW
			v := dy[i*ow+j] * inv
			for ih := max(h0, 0); ih < min(h0+g.KH, t.h); ih++ {
				row := img[ih*w+max(w0, 0) : ih*w+min(w0+g.KW, w)]
				for k := range row {
					row[k] += v
				}
			}
		}
	}
}

// ColShape returns the shape Im2Col writes for an NCHW input of the given
// shape: [N, C·KH·KW, OH·OW], PyTorch's unfold layout. Image n's slice is
// the right operand of the convolution as a product: for filters W of
// shape [F, C·KH·KW], Y_n = W · cols_n is output image n, [F, OH·OW].
func (g Window) ColShape(n, c, h, w int) ([]int, error) {
	oh, ow, err := g.Out(h, w)
	if err != nil {
		return nil, err
	}
	return []int{n, c * g.KH * g.KW, oh * ow}, nil
}

// checkCols validates an image and column tensor pair for g.
func checkCols[T Float](name string, g Window, x, cols *Tensor[T]) (n, c, h, w, oh, ow int, err error) {
	n, c, h, w, err = nchw(name, x)
	if err != nil {
		return
	}
	if oh, ow, err = g.Out(h, w); err != nil {
		return
	}
	// The expected shape is built only for the error: a slice handed to fmt
	// escapes, and the check runs on every call.
	if s := cols.Shape; len(s) != 3 || s[0] != n || s[1] != c*g.KH*g.KW || s[2] != oh*ow {
		err = fmt.Errorf("%w: %s of %v with window %+v needs columns %v, have %v", ErrShape, name, x.Shape, g, []int{n, c * g.KH * g.KW, oh * ow}, cols.Shape)
	}
	return
}

// Im2Col unfolds the NCHW batch x into cols, of shape [N, C·KH·KW, OH·OW]
// (see ColShape): column (oh, ow) of image n holds the window at that
// output position, zeros where it covers padding.
func Im2Col[T Float](cols, x *Tensor[T], g Window) error {
	n, c, h, w, oh, ow, err := checkCols("im2col", g, x, cols)
	if err != nil {
		return err
	}
	runConv(opIm2Col, g, n, c, h, w, oh, ow, x.Data, cols.Data, nil)
	return nil
}

// Col2Im folds cols back into the NCHW tensor dx, summing the entries that
// came from the same input element (the adjoint of Im2Col: the input
// gradient of a convolution from the columns' gradient). dx is
// overwritten.
func Col2Im[T Float](dx, cols *Tensor[T], g Window) error {
	n, c, h, w, oh, ow, err := checkCols("col2im", g, dx, cols)
	if err != nil {
		return err
	}
	runConv(opCol2Im, g, n, c, h, w, oh, ow, dx.Data, cols.Data, nil)
	return nil
}

// checkPool validates a pooling input and output pair.
func checkPool[T Float](name string, g Window, x, y *Tensor[T], idx []int) (n, c, h, w, oh, ow int, err error) {
	n, c, h, w, err = nchw(name, x)
	if err != nil {
		return
	}
	if oh, ow, err = g.Out(h, w); err != nil {
		return
	}
	if s := y.Shape; len(s) != 4 || s[0] != n || s[1] != c || s[2] != oh || s[3] != ow {
		err = fmt.Errorf("%w: %s of %v with window %+v gives %v, have %v", ErrShape, name, x.Shape, g, []int{n, c, oh, ow}, y.Shape)
		return
	}
	if idx != nil && len(idx) != len(y.Data) {
		err = fmt.Errorf("%w: %s needs %d indices, have %d", ErrShape, name, len(y.Data), len(idx))
	}
	return
}

// MaxPool2D sets y [N, C, OH, OW] to the maximum of each window of x
// (padding never wins) and, when idx is not nil, idx to the position of
// that maximum within its input plane, h·W + w, as PyTorch's
// return_indices does. The first maximum wins ties; NaN counts as largest.
func MaxPool2D[T Float](y *Tensor[T], idx []int, x *Tensor[T], g Window) error {
	n, c, h, w, oh, ow, err := checkPool("max-pool", g, x, y, idx)
	if err != nil {
		return err
	}
	if g.PH*2 > g.KH || g.PW*2 > g.KW {
		return fmt.Errorf("%w: max-pool padding %dx%d over half the window %dx%d", ErrShape, g.PH, g.PW, g.KH, g.KW)
	}
	runConv(opMaxPool, g, n, c, h, w, oh, ow, x.Data, y.Data, idx)
	return nil
}

// MaxPool2DBackward sets dx to the gradient of max-pooling: each element
// of dy added at the input position idx recorded by MaxPool2D, zero
// elsewhere. dx is overwritten.
func MaxPool2DBackward[T Float](dx, dy *Tensor[T], idx []int, g Window) error {
	if idx == nil {
		return fmt.Errorf("%w: max-pool backward needs the indices", ErrShape)
	}
	n, c, h, w, oh, ow, err := checkPool("max-pool backward", g, dx, dy, idx)
	if err != nil {
		return err
	}
	runConv(opMaxPoolBack, g, n, c, h, w, oh, ow, dx.Data, dy.Data, idx)
	return nil
}

// AvgPool2D sets y to the mean of each window of x, padding counted as
// zeros in a window of KH·KW (PyTorch's count_include_pad=True default).
func AvgPool2D[T Float](y, x *Tensor[T], g Window) error {
	n, c, h, w, oh, ow, err := checkPool("avg-pool", g, x, y, nil)
	if err != nil {
		return err
	}
	runConv(opAvgPool, g, n, c, h, w, oh, ow, x.Data, y.Data, nil)
	return nil
}

// AvgPool2DBackward sets dx to the gradient of AvgPool2D: each element of
// dy spread evenly, dy/(KH·KW), over its window. dx is overwritten.
func AvgPool2DBackward[T Float](dx, dy *Tensor[T], g Window) error {
	n, c, h, w, oh, ow, err := checkPool("avg-pool backward", g, dx, dy, nil)
	if err != nil {
		return err
	}
	runConv(opAvgPoolBack, g, n, c, h, w, oh, ow, dx.Data, dy.Data, nil)
	return nil
}

// ConvInputGrad sets dx, an NCHW batch [N, C, H, W], to the gradient of
// a convolution's input for the output gradient gy [N, F, OH, OW] and the
// filters w (F rows of C·KH·KW): dx_i = col2im(wᵀ·gy_i) for each image i,
// as GemmBatch and Col2Im compute them, with the same bits. It works
// through the batch as many images at a time as scratch holds columns for
// (at least one image's, C·KH·KW·OH·OW elements), so that for a small
// scratch the columns are summed back while still in cache.
func ConvInputGrad[T Float](dx, w, gy *Tensor[T], g Window, scratch []T) error {
	n, c, h, wd, oh, ow, err := convDims("convolution input gradient", dx, g)
	if err != nil {
		return err
	}
	ckk, l := c*g.KH*g.KW, oh*ow
	if len(gy.Shape) != 4 || gy.Shape[0] != n || gy.Shape[2] != oh || gy.Shape[3] != ow || len(w.Data) != gy.Shape[1]*ckk {
		return fmt.Errorf("%w: convolution input gradient %v from %v with %d filter elements and window %+v", ErrShape, dx.Shape, gy.Shape, len(w.Data), g)
	}
	f := gy.Shape[1]
	per := ckk * l
	group, err := convScratch("convolution input gradient", n, per, len(scratch))
	if err != nil {
		return err
	}
	if group == 0 {
		clear(dx.Data)
		return nil
	}
	for i0 := 0; i0 < n; i0 += group {
		cnt := min(group, n-i0)
		GemmBatch(cnt, true, false, ckk, l, f, 1, w.Data, max(ckk, 1), 0,
			gy.Data[i0*f*l:], max(l, 1), f*l, 0, scratch, max(l, 1), per)
		runConv(opCol2Im, g, cnt, c, h, wd, oh, ow, dx.Data[i0*c*h*wd:], scratch, nil)
	}
	return nil
}

// Conv2DForward sets y [N, F, OH, OW] to the convolution (without bias)
// of the NCHW batch x with the filters w (F rows of C·KH·KW): y_i =
// w·im2col(x_i), as Im2Col and GemmBatch compute it, with the same bits.
// It works through the batch as many images at a time as cols holds
// columns for (at least one image's, C·KH·KW·OH·OW elements), each
// group's columns multiplied while still in cache; with room for the whole
// batch, cols ends up holding Im2Col's result.
func Conv2DForward[T Float](y, x, w *Tensor[T], g Window, cols []T) error {
	n, c, h, wd, oh, ow, err := convDims("convolution", x, g)
	if err != nil {
		return err
	}
	ckk, l := c*g.KH*g.KW, oh*ow
	f := 0
	if ckk > 0 {
		f = len(w.Data) / ckk
	}
	if len(y.Shape) != 4 || y.Shape[0] != n || y.Shape[1] != f || y.Shape[2] != oh || y.Shape[3] != ow || f*ckk != len(w.Data) {
		return fmt.Errorf("%w: convolution of %v with %d filter elements into %v, window %+v", ErrShape, x.Shape, len(w.Data), y.Shape, g)
	}
	group, err := convScratch("convolution", n, ckk*l, len(cols))
	if err != nil {
		return err
	}
	if group == 0 {
		clear(y.Data)
		return nil
	}
	for i0 := 0; i0 < n; i0 += group {
		cnt := min(group, n-i0)
		runConv(opIm2Col, g, cnt, c, h, wd, oh, ow, x.Data[i0*c*h*wd:], cols, nil)
		GemmBatch(cnt, false, false, f, l, ckk, 1, w.Data, max(ckk, 1), 0,
			cols, max(l, 1), ckk*l, 0, y.Data[i0*f*l:], max(l, 1), f*l)
	}
	return nil
}

// convDims returns the NCHW dimensions of a convolution's input x and
// the output's height and width under the window g.
func convDims[T Float](name string, x *Tensor[T], g Window) (n, c, h, w, oh, ow int, err error) {
	if n, c, h, w, err = nchw(name, x); err != nil {
		return
	}
	oh, ow, err = g.Out(h, w)
	return
}

// convScratch returns how many images of per column elements a scratch
// buffer of size elements holds, at most n (0 when there is nothing to
// compute), or an error when it holds none.
func convScratch(name string, n, per, size int) (int, error) {
	if n == 0 || per == 0 {
		return 0, nil
	}
	if size < per {
		return 0, fmt.Errorf("%w: %s: scratch of %d elements, need %d for one image's columns", ErrShape, name, size, per)
	}
	return min(n, size/per), nil
}

// ConvWeightGrad sets dw (F rows of C·KH·KW) to beta·dw + Σ_i
// gy_i·im2col(x_i)ᵀ, the gradient of a convolution's filters for the
// NCHW batch x and the output gradient gy [N, F, OH, OW] (beta == 0: dw
// is not read). It makes the columns as many images at a time as scratch
// holds (at least one image's), summed as they come: the result is
// GemmSumNT's over Im2Col's columns, to the bit, whatever the group.
func ConvWeightGrad[T Float](dw []T, beta T, x, gy *Tensor[T], g Window, scratch []T) error {
	n, c, h, wd, oh, ow, err := convDims("convolution filter gradient", x, g)
	if err != nil {
		return err
	}
	ckk, l := c*g.KH*g.KW, oh*ow
	if len(gy.Shape) != 4 || gy.Shape[0] != n || gy.Shape[2] != oh || gy.Shape[3] != ow || len(dw) != gy.Shape[1]*ckk {
		return fmt.Errorf("%w: convolution filter gradient of %d elements from %v and %v, window %+v", ErrShape, len(dw), x.Shape, gy.Shape, g)
	}
	f := gy.Shape[1]
	group, err := convScratch("convolution filter gradient", n, ckk*l, len(scratch))
	if err != nil {
		return err
	}
	if group == 0 {
		scaleMat(1, len(dw), beta, dw, max(len(dw), 1))
		return nil
	}
	sum := beginSumNT(f, ckk, l, 1, beta, dw, max(ckk, 1))
	for i0 := 0; i0 < n; i0 += group {
		cnt := min(group, n-i0)
		runConv(opIm2Col, g, cnt, c, h, wd, oh, ow, x.Data[i0*c*h*wd:], scratch, nil)
		sum.add(cnt, gy.Data[i0*f*l:], max(l, 1), f*l, scratch, max(l, 1), ckk*l)
	}
	sum.finish()
	return nil
}
