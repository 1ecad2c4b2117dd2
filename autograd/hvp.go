package autograd

import (
	"fmt"

	"github.com/descent-ml/descent/tensor"
)

// HVP computes exact Hessian-vector products H·v of a scalar loss with
// respect to a set of parameters, by differentiating the backward pass:
// NewHVP records the gradient ∇L as values of the graph (Grad with
// CreateGraph), and each Apply differentiates ⟨∇L, v⟩ once more, running
// back through the forward and the recorded backward pass; its buffers
// are handed back when it returns. Building the HVP and one Apply cost
// about three times a gradient. The graph must not be Reset while the HVP
// is in use.
type HVP[T tensor.Float] struct {
	g      *Graph[T]
	params []*Var[T]
	grads  []*Var[T]
}

// NewHVP prepares Hessian-vector products of loss (a scalar of g) with
// respect to params.
func NewHVP[T tensor.Float](g *Graph[T], loss *Var[T], params []*Var[T]) (*HVP[T], error) {
	grads, err := g.Grad(loss, params, GradOptions[T]{CreateGraph: true})
	if err != nil {
		return nil, err
	}
	return &HVP[T]{g: g, params: params, grads: grads}, nil
}

// Grads returns the gradient of the loss with respect to each parameter.
func (h *HVP[T]) Grads() []*Var[T] { return h.grads }

// Apply sets dst[i] to block i of H·v, where v[i] and dst[i] have the shape
// of parameter i.
func (h *HVP[T]) Apply(dst, v []*tensor.Tensor[T]) error {
	g := h.g
	if len(v) != len(h.params) || len(dst) != len(h.params) {
		return fmt.Errorf("autograd: HVP of %d parameters with %d directions into %d results", len(h.params), len(v), len(dst))
	}
	m := g.mark()
	defer g.release(m)
	var dot *Var[T]
	for i, p := range h.params {
		if len(v[i].Data) != p.Value.Len() || len(dst[i].Data) != p.Value.Len() {
			return ShapeErrorf("autograd: HVP: parameter %d has shape %v, direction %v, result %v", i, p.Value.Shape, v[i].Shape, dst[i].Shape)
		}
		vi := g.Input(v[i])
		vi.setShape(p.Value.Shape)
		term := g.Sum(g.Mul(h.grads[i], vi))
		if dot == nil {
			dot = term
		} else {
			dot = g.Add(dot, term)
		}
	}
	if dot == nil {
		return nil
	}
	hv, err := g.Grad(dot, h.params, GradOptions[T]{})
	if err != nil {
		return err
	}
	for i := range hv {
		copy(dst[i].Data, hv[i].Value.Data)
	}
	return nil
}

// Hessian returns the dense Hessian [n, n] of the scalar loss with respect
// to params, taken in order and flattened (n parameters in all), one
// Hessian-vector product per column. It is meant for small models.
func Hessian[T tensor.Float](g *Graph[T], loss *Var[T], params []*Var[T]) (*tensor.Tensor[T], error) {
	h, err := NewHVP(g, loss, params)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range params {
		n += p.Value.Len()
	}
	hess := tensor.Zeros[T](n, n)
	v := make([]*tensor.Tensor[T], len(params))
	dst := make([]*tensor.Tensor[T], len(params))
	col := make([]T, n)
	vflat := make([]T, n)
	off := 0
	for i, p := range params {
		l := p.Value.Len()
		v[i] = &tensor.Tensor[T]{Shape: p.Value.Shape, Data: vflat[off : off+l]}
		dst[i] = &tensor.Tensor[T]{Shape: p.Value.Shape, Data: col[off : off+l]}
		off += l
	}
	for j := range n {
		vflat[j] = 1
		if err := h.Apply(dst, v); err != nil {
			return nil, err
		}
		vflat[j] = 0
		for i, c := range col {
			hess.Data[i*n+j] = c
		}
	}
	return hess, nil
}
