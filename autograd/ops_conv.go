package autograd

import (
	"unsafe"

	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/tensor"
)

// convGroupBytes bounds the columns a convolution makes at a time.
const convGroupBytes = 256 << 10

// convGroup is how many images of n, with per column elements each, a
// convolution handles at a time: as many as fit in convGroupBytes, but at
// least two a core. It never changes a result.
func convGroup[T tensor.Float](n, per int) int {
	var z T
	return max(1, min(n, max(2*parallel.Threads(), convGroupBytes/max(1, per*int(unsafe.Sizeof(z))))))
}

// Conv2d returns the 2-D convolution (PyTorch's cross-correlation) of the
// NCHW batch x [N, C, H, W] with filters w [F, C, KH, KW], plus the bias b
// [F] (nil for none): [N, F, OH, OW]. win gives the stride and zero
// padding; its KH and KW may be left zero (they are the filters') or must
// equal them.
//
// It runs as im2col and a matrix product per image, a few images at a
// time so their columns stay in cache (tensor.Conv2DForward); the
// backward pass makes the columns again for the filter gradient
// (tensor.ConvWeightGrad) and sums the input gradient's back by col2im
// (tensor.ConvInputGrad), nothing the size of the batch's columns kept. Convolution is bilinear, and its two adjoints (the input
// gradient, a transposed convolution, and the filter gradient) are
// operations of their own, so derivatives of every order are exact.
func (g *Graph[T]) Conv2d(x, w, b *Var[T], win tensor.Window) *Var[T] {
	if !g.ok2("conv2d", x, w) || b != nil && !g.ok1("conv2d", b) {
		return &g.poison
	}
	if x.Value.Rank() != 4 || w.Value.Rank() != 4 {
		return g.failf("conv2d of input %v with filters %v: need an NCHW input and [F, C, KH, KW] filters", x.Value.Shape, w.Value.Shape)
	}
	xs, ws := x.Value.Shape, w.Value.Shape
	if xs[1] != ws[1] {
		return g.failf("conv2d of input %v with filters %v: %d input channels, filters take %d", xs, ws, xs[1], ws[1])
	}
	if win.KH == 0 && win.KW == 0 {
		win.KH, win.KW = ws[2], ws[3]
	}
	if win.KH != ws[2] || win.KW != ws[3] {
		return g.failf("conv2d with filters %v: window %dx%d", ws, win.KH, win.KW)
	}
	if _, _, err := win.Out(xs[2], xs[3]); err != nil {
		return g.failf("conv2d of input %v with filters %v: %v", xs, ws, err)
	}
	if b != nil && (b.Value.Len() != ws[0]) {
		return g.failf("conv2d with filters %v: bias %v, want [%d]", ws, b.Value.Shape, ws[0])
	}
	y := g.conv(x, w, win)
	if b != nil {
		y = g.Add(y, g.Reshape(b, 1, ws[0], 1, 1))
	}
	return y
}

// conv computes C(x, w), the convolution without bias, for checked
// operands.
func (g *Graph[T]) conv(x, w *Var[T], win tensor.Window) *Var[T] {
	xs, f := x.Value.Shape, w.Value.Shape[0]
	n, ckk := xs[0], xs[1]*win.KH*win.KW
	oh, ow, _ := win.Out(xs[2], xs[3])
	l := oh * ow
	// The columns of a few images at a time, multiplied while in cache;
	// the filter gradient makes them again.
	cols := g.alloc(convGroup[T](n, ckk*l), ckk, l)
	y := g.alloc(n, f, oh, ow)
	_ = tensor.Conv2DForward(&y.Value, &x.Value, &w.Value, win, cols.Value.Data)
	if nd := g.record(opConv, y, x, w, nil); nd != nil {
		nd.win = win
	}
	return y
}

// convInput computes A(gy, w), the gradient of C(x, w) with respect to x
// for output gradient gy: col2im(wᵀ·gyᵢ). xShape is x's shape.
func (g *Graph[T]) convInput(gy, w *Var[T], win tensor.Window, xShape []int) *Var[T] {
	n, ckk := xShape[0], xShape[1]*win.KH*win.KW
	l := gy.Value.Shape[2] * gy.Value.Shape[3]
	// The columns of a few images at a time, summed back while in cache.
	dcols := g.alloc(convGroup[T](n, ckk*l), ckk, l)
	dx := g.alloc(xShape...)
	_ = tensor.ConvInputGrad(&dx.Value, &w.Value, &gy.Value, win, dcols.Value.Data)
	if nd := g.record(opConvInput, dx, gy, w, nil); nd != nil {
		nd.win = win
	}
	return dx
}

// convWeight computes B(gy, x), the gradient of C(x, w) with respect to
// w: Σᵢ gyᵢ·colsᵢᵀ, the columns made a few images at a time. wShape is
// w's shape. With dst it adds beta·dst and writes there, recording
// nothing.
func (g *Graph[T]) convWeight(gy, x *Var[T], win tensor.Window, wShape []int, dst []T, beta T) *Var[T] {
	xs := x.Value.Shape
	n, ckk := xs[0], xs[1]*win.KH*win.KW
	l := gy.Value.Shape[2] * gy.Value.Shape[3]
	var dw *Var[T]
	if dst == nil {
		dw = g.alloc(wShape...)
		dst, beta = dw.Value.Data, 0
	}
	cols := g.alloc(convGroup[T](n, ckk*l), ckk, l)
	_ = tensor.ConvWeightGrad(dst, beta, &x.Value, &gy.Value, win, cols.Value.Data)
	if dw != nil {
		if nd := g.record(opConvWeight, dw, gy, x, nil); nd != nil {
			nd.win = win
		}
	}
	return dw
}

func (g *Graph[T]) bwConv(n *node[T], gy *Var[T]) {
	a, b := n.in[0], n.in[1]
	win := n.win
	switch n.op {
	case opConv: // a = x, b = w
		if b.req {
			if sink := g.leafSink(b); sink != nil {
				g.convWeight(gy, a, win, b.Value.Shape, sink.Data, 1)
			} else {
				g.accum(b, g.convWeight(gy, a, win, b.Value.Shape, nil, 0))
			}
		}
		if a.req {
			g.accum(a, g.convInput(gy, b, win, a.Value.Shape))
		}
	case opConvInput: // A(a = gy₀, b = w), result shaped like x
		if a.req {
			g.accum(a, g.conv(gy, b, win))
		}
		if b.req {
			g.accum(b, g.convWeight(a, gy, win, b.Value.Shape, nil, 0))
		}
	case opConvWeight: // B(a = gy₀, b = x), result shaped like w
		if a.req {
			g.accum(a, g.conv(b, gy, win))
		}
		if b.req {
			g.accum(b, g.convInput(a, gy, win, b.Value.Shape))
		}
	}
}

// MaxPool2d returns the maximum of each window of the NCHW batch x
// (padding never wins; the first maximum wins ties), [N, C, OH, OW].
func (g *Graph[T]) MaxPool2d(x *Var[T], win tensor.Window) *Var[T] {
	if !g.ok1("max-pool", x) {
		return &g.poison
	}
	y, ok := g.poolOut("max-pool", x, win)
	if !ok {
		return &g.poison
	}
	idx := g.allocInts(len(y.Value.Data))
	if err := tensor.MaxPool2D(&y.Value, idx, &x.Value, win); err != nil {
		return g.failf("max-pool of %v with window %+v: %v", x.Value.Shape, win, err)
	}
	if n := g.record(opMaxPool, y, x, nil, nil); n != nil {
		n.win, n.idx = win, idx
	}
	return y
}

// AvgPool2d returns the mean of each window of the NCHW batch x, padding
// counted as zeros (PyTorch's count_include_pad=True), [N, C, OH, OW].
func (g *Graph[T]) AvgPool2d(x *Var[T], win tensor.Window) *Var[T] {
	if !g.ok1("avg-pool", x) {
		return &g.poison
	}
	y, ok := g.poolOut("avg-pool", x, win)
	if !ok {
		return &g.poison
	}
	return g.avgPool(x, y, win)
}

func (g *Graph[T]) avgPool(x, y *Var[T], win tensor.Window) *Var[T] {
	if y == nil {
		xs := x.Value.Shape
		oh, ow, _ := win.Out(xs[2], xs[3])
		y = g.alloc(xs[0], xs[1], oh, ow)
	}
	_ = tensor.AvgPool2D(&y.Value, &x.Value, win)
	if n := g.record(opAvgPool, y, x, nil, nil); n != nil {
		n.win = win
	}
	return y
}

// poolOut checks a pooling input and returns its output value.
func (g *Graph[T]) poolOut(name string, x *Var[T], win tensor.Window) (*Var[T], bool) {
	xs := x.Value.Shape
	if len(xs) != 4 {
		g.failf("%s needs an NCHW input, have %v", name, xs)
		return nil, false
	}
	oh, ow, err := win.Out(xs[2], xs[3])
	if err != nil {
		g.failf("%s of %v: %v", name, xs, err)
		return nil, false
	}
	return g.alloc(xs[0], xs[1], oh, ow), true
}

// poolScatter adds each element of gy at the input position idx records
// (max-pooling's backward), into a value of shape xShape.
func (g *Graph[T]) poolScatter(gy *Var[T], idx []int, win tensor.Window, xShape []int) *Var[T] {
	dx := g.alloc(xShape...)
	_ = tensor.MaxPool2DBackward(&dx.Value, &gy.Value, idx, win)
	if n := g.record(opPoolScatter, dx, gy, nil, nil); n != nil {
		n.win, n.idx = win, idx
	}
	return dx
}

// poolGather picks, for each pooled position, the element of z at the
// input position idx records: the adjoint of poolScatter.
func (g *Graph[T]) poolGather(z *Var[T], idx []int, win tensor.Window, yShape []int) *Var[T] {
	y := g.alloc(yShape...)
	plane := yShape[2] * yShape[3]
	hw := z.Value.Shape[2] * z.Value.Shape[3]
	for k := range y.Value.Data {
		y.Value.Data[k] = z.Value.Data[k/plane*hw+idx[k]]
	}
	if n := g.record(opPoolGather, y, z, nil, nil); n != nil {
		n.win, n.idx = win, idx
	}
	return y
}

// avgPoolBack spreads each element of gy evenly over its window: the
// adjoint of AvgPool2d, into a value of shape xShape.
func (g *Graph[T]) avgPoolBack(gy *Var[T], win tensor.Window, xShape []int) *Var[T] {
	dx := g.alloc(xShape...)
	_ = tensor.AvgPool2DBackward(&dx.Value, &gy.Value, win)
	if n := g.record(opAvgPoolBack, dx, gy, nil, nil); n != nil {
		n.win = win
	}
	return dx
}

func (g *Graph[T]) bwPool(n *node[T], gy *Var[T]) {
	x := n.in[0]
	if !x.req {
		return
	}
	switch n.op {
	case opMaxPool:
		g.accum(x, g.poolScatter(gy, n.idx, n.win, x.Value.Shape))
	case opPoolScatter:
		g.accum(x, g.poolGather(gy, n.idx, n.win, x.Value.Shape))
	case opPoolGather:
		g.accum(x, g.poolScatter(gy, n.idx, n.win, x.Value.Shape))
	case opAvgPool:
		g.accum(x, g.avgPoolBack(gy, n.win, x.Value.Shape))
	case opAvgPoolBack:
		g.accum(x, g.avgPool(gy, nil, n.win))
	}
}
