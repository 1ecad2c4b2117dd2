package tensor

import (
	"fmt"
	"math"
	"sync"
	"unsafe"

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
	g, oh, ow, h, w := t.g, t.oh, t.ow, t.h, t.w
	for p := lo; p < hi; p++ {
		img := t.x[p*t.hw : (p+1)*t.hw]
		switch t.op {
		case opIm2Col, opCol2Im:
			// Rows (c·KH + kh)·KW + kw of image n's [C·KH·KW, OH·OW] matrix.
			cols := t.y[p*t.kk*oh*ow : (p+1)*t.kk*oh*ow]
			if t.op == opCol2Im {
				clear(img)
			}
			for kh := range g.KH {
				for kw := range g.KW {
					row := cols[(kh*g.KW+kw)*oh*ow : (kh*g.KW+kw+1)*oh*ow]
					for i := range oh {
						seg := row[i*ow : (i+1)*ow]
						ih := i*t.sh - g.PH + kh
						if ih < 0 || ih >= h {
							if t.op == opIm2Col {
								clear(seg)
							}
							continue
						}
						src := img[ih*w : (ih+1)*w]
						for j := range seg {
							iw := j*t.sw - g.PW + kw
							if t.op == opIm2Col {
								if iw >= 0 && iw < w {
									seg[j] = src[iw]
								} else {
									seg[j] = 0
								}
							} else if iw >= 0 && iw < w {
								src[iw] += seg[j]
							}
						}
					}
				}
			}
		case opMaxPool, opAvgPool:
			out := t.y[p*oh*ow : (p+1)*oh*ow]
			var ix []int
			if t.idx != nil {
				ix = t.idx[p*oh*ow : (p+1)*oh*ow]
			}
			for i := range oh {
				for j := range ow {
					h0, w0 := i*t.sh-g.PH, j*t.sw-g.PW
					best, arg := T(math.Inf(-1)), -1
					var sum T
					for ih := max(h0, 0); ih < min(h0+g.KH, h); ih++ {
						for iw := max(w0, 0); iw < min(w0+g.KW, w); iw++ {
							v := img[ih*w+iw]
							sum += v
							if v > best || arg < 0 || (v != v && best == best) {
								best, arg = v, ih*w+iw
							}
						}
					}
					if t.op == opAvgPool {
						out[i*ow+j] = sum / T(t.kk)
						continue
					}
					out[i*ow+j] = best
					if ix != nil {
						ix[i*ow+j] = arg
					}
				}
			}
		case opMaxPoolBack:
			clear(img)
			dy := t.y[p*oh*ow : (p+1)*oh*ow]
			ix := t.idx[p*oh*ow : (p+1)*oh*ow]
			for k, g := range dy {
				if a := ix[k]; a >= 0 && a < len(img) {
					img[a] += g
				}
			}
		case opAvgPoolBack:
			clear(img)
			dy := t.y[p*oh*ow : (p+1)*oh*ow]
			inv := 1 / T(t.kk)
			for i := range oh {
				for j := range ow {
					h0, w0 := i*t.sh-g.PH, j*t.sw-g.PW
					v := dy[i*ow+j] * inv
					for ih := max(h0, 0); ih < min(h0+g.KH, h); ih++ {
						row := img[ih*w : (ih+1)*w]
						for iw := max(w0, 0); iw < min(w0+g.KW, w); iw++ {
							row[iw] += v
						}
					}
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
