package autograd

import (
	"fmt"

	"github.com/descent-ml/descent/tensor"
)

// bwMode says where a backward pass puts the gradients of parameters.
type bwMode uint8

const (
	bwAccum   bwMode = iota // added into each parameter's Grad (Backward)
	bwCollect               // returned as values (Grad)
)

// Backward computes the gradient of the scalar out with respect to every
// parameter it depends on and adds it to the parameters' Grad buffers (and
// Sparse, for row-sparse embeddings), as PyTorch's loss.backward() does:
// gradients accumulate until zeroed. It returns the graph's error, if an
// operation failed.
func (g *Graph[T]) Backward(out *Var[T]) error {
	if err := g.checkOut(out); err != nil {
		return err
	}
	if len(out.Value.Data) != 1 {
		return ShapeErrorf("autograd: Backward of a value of shape %v: it needs a scalar (use BackwardWith)", out.Value.Shape)
	}
	seed := g.Const(1, out.Value.Shape...)
	return g.run(out, seed, bwAccum, false)
}

// BackwardWith is Backward for a value of any shape: grad is the gradient
// of the objective with respect to out (PyTorch's out.backward(grad)).
func (g *Graph[T]) BackwardWith(out *Var[T], grad *tensor.Tensor[T]) error {
	if err := g.checkOut(out); err != nil {
		return err
	}
	if len(grad.Data) != len(out.Value.Data) {
		return ShapeErrorf("autograd: BackwardWith: gradient of shape %v for a value of shape %v", grad.Shape, out.Value.Shape)
	}
	seed := g.Input(grad)
	seed.setShape(out.Value.Shape)
	return g.run(out, seed, bwAccum, false)
}

// GradOptions tunes Grad.
type GradOptions[T tensor.Float] struct {
	// Seed is the gradient of the objective with respect to out; nil
	// means 1 (out must then be a scalar).
	Seed *tensor.Tensor[T]
	// CreateGraph records the backward pass itself, so the gradients
	// returned are values of the graph that can be differentiated again
	// (PyTorch's create_graph=True): Hessian-vector products, gradient
	// penalties.
	CreateGraph bool
}

// Grad returns the gradient of out with respect to each of wrt
// (parameters or values of this graph), as torch.autograd.grad does,
// without touching any parameter's Grad buffer. A gradient that does not
// depend on out is zero. The gradients are values of the graph, valid
// until Reset; with opt.CreateGraph they can be differentiated again.
func (g *Graph[T]) Grad(out *Var[T], wrt []*Var[T], opt GradOptions[T]) ([]*Var[T], error) {
	if err := g.checkOut(out); err != nil {
		return nil, err
	}
	for _, v := range wrt {
		if !g.ok1("grad", v) {
			return nil, g.err
		}
	}
	var seed *Var[T]
	if opt.Seed == nil {
		if len(out.Value.Data) != 1 {
			return nil, ShapeErrorf("autograd: Grad of a value of shape %v needs a seed", out.Value.Shape)
		}
		seed = g.Const(1, out.Value.Shape...)
	} else {
		if len(opt.Seed.Data) != len(out.Value.Data) {
			return nil, ShapeErrorf("autograd: Grad: seed of shape %v for a value of shape %v", opt.Seed.Shape, out.Value.Shape)
		}
		seed = g.Input(opt.Seed)
		seed.setShape(out.Value.Shape)
	}
	if err := g.run(out, seed, bwCollect, opt.CreateGraph); err != nil {
		return nil, err
	}
	res := make([]*Var[T], len(wrt))
	for i, v := range wrt {
		if v.stamp == g.stamp && v.bw != nil {
			res[i] = g.reshapeTo(v.bw, v.Value.Shape)
		} else {
			res[i] = g.Const(0, v.Value.Shape...)
		}
	}
	return res, nil
}

// checkOut validates the value a backward pass starts from.
func (g *Graph[T]) checkOut(out *Var[T]) error {
	if g.err != nil {
		return g.err
	}
	if out == nil {
		return fmt.Errorf("autograd: backward from a nil value")
	}
	if !g.ok1("backward", out) {
		return g.err
	}
	return nil
}

// run propagates seed, the gradient of out, back through the tape.
func (g *Graph[T]) run(out, seed *Var[T], mode bwMode, create bool) error {
	g.stamp = stampCounter.Add(1)
	g.mode, g.create = mode, create
	saved := g.rec
	g.rec = create
	defer func() {
		g.rec = saved
		g.mode, g.create = bwAccum, false
	}()
	g.accum(out, seed)
	if out.node == nil {
		return g.err
	}
	for i := out.node.pos; i >= 0 && g.err == nil; i-- {
		n := g.tape[i]
		o := n.out
		if o.stamp != g.stamp || o.bw == nil {
			continue
		}
		g.backward(n, o.bw)
	}
	return g.err
}

// backward applies node n's rule to gy, the gradient of its result.
func (g *Graph[T]) backward(n *node[T], gy *Var[T]) {
	switch n.op {
	case opMatMul:
		g.bwMatMul(n, gy)
	case opAdd, opSub, opMul:
		g.bwBinary(n, gy)
	case opScale, opAddScalar, opSumTo, opExpand, opReshape:
		g.bwShape(n, gy)
	case opReLU, opLeakyReLU, opSigmoid, opTanh, opDeriv, opExp, opLog, opRecip, opSqrt, opRsqrt:
		g.bwElementwise(n, gy)
	case opSoftmax, opLogSoftmax:
		g.bwSoftmax(n, gy)
	case opConv, opConvInput, opConvWeight:
		g.bwConv(n, gy)
	case opMaxPool, opPoolScatter, opPoolGather, opAvgPool, opAvgPoolBack:
		g.bwPool(n, gy)
	case opEmbedding, opRowScatter, opPick, opPut:
		g.bwIndex(n, gy)
	case opBCE:
		g.bwBCE(n, gy)
	default:
		g.fail(fmt.Errorf("autograd: no backward rule for operation %d", n.op))
	}
}

// accum adds gv to the gradient of v: into a parameter's Grad buffer in
// a Backward pass, else into v's slot for this pass (summing the
// contributions of several consumers).
func (g *Graph[T]) accum(v, gv *Var[T]) {
	if gv == nil || !v.req || g.err != nil {
		return
	}
	if len(gv.Value.Data) != len(v.Value.Data) {
		g.fail(fmt.Errorf("autograd: internal error: gradient of shape %v for a value of shape %v", gv.Value.Shape, v.Value.Shape))
		return
	}
	if sink := g.leafSink(v); sink != nil {
		g.ewBinary(kAdd, sink.Data, sink.Data, gv.Value.Data, len(sink.Data), 1, 1)
		return
	}
	if v.stamp != g.stamp || v.bw == nil {
		v.stamp, v.bw = g.stamp, g.reshapeTo(gv, v.Value.Shape)
		return
	}
	v.bw = g.Add(v.bw, g.reshapeTo(gv, v.Value.Shape))
}

// leafSink returns the Grad buffer a gradient of v may be added into
// directly: v is a parameter and the pass is a first-order Backward.
func (g *Graph[T]) leafSink(v *Var[T]) *tensor.Tensor[T] {
	if g.mode != bwAccum || g.create || !v.req || v.g != nil {
		return nil
	}
	if len(v.Grad.Data) != len(v.Value.Data) {
		v.Grad = tensor.Tensor[T]{Shape: append([]int(nil), v.Value.Shape...), Data: make([]T, len(v.Value.Data))}
	}
	return &v.Grad
}
