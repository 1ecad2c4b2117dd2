package autograd

import (
	"fmt"
	"math/rand/v2"
)

// Embedding looks up rows of the table w [V, D]: the result has shape
// idsShape + [D] (idsShape nil means [len(ids)]) and holds row ids[i] of w
// at position i. Every id must lie in [0, V). ids must not change until the
// graph is Reset.
//
// In a Backward pass a parameter table receives a dense gradient in Grad,
// or, when its RowSparse is set, the rows looked up and their gradients in
// Sparse (ready for optim.SparseGrad, rows repeated as looked up).
func (g *Graph[T]) Embedding(w *Var[T], ids []int, idsShape ...int) *Var[T] {
	if !g.ok1("embedding", w) {
		return &g.poison
	}
	if w.Value.Rank() != 2 {
		return g.failf("embedding table of shape %v: need [num_embeddings, embedding_dim]", w.Value.Shape)
	}
	if idsShape == nil {
		idsShape = g.allocInts(1)
		idsShape[0] = len(ids)
	}
	if !validShape(idsShape) || numel(idsShape) != len(ids) {
		return g.failf("embedding: %d ids for ids shape %v", len(ids), copyInts(idsShape))
	}
	v := w.Value.Shape[0]
	for i, id := range ids {
		if id < 0 || id >= v {
			return g.fail(fmt.Errorf("autograd: embedding: id %d (position %d) out of range for a table of %d rows (shape %v)", id, i, v, w.Value.Shape))
		}
	}
	return g.gatherRows(w, ids, idsShape)
}

// gatherRows is Embedding for checked operands.
func (g *Graph[T]) gatherRows(w *Var[T], ids []int, idsShape []int) *Var[T] {
	d := w.Value.Shape[1]
	y := g.newVar()
	y.shp = append(append(y.shp[:0], idsShape...), d)
	y.Value.Shape = y.shp
	if cap(y.buf) < len(ids)*d {
		y.buf = make([]T, len(ids)*d)
	}
	y.Value.Data = y.buf[:len(ids)*d]
	for i, id := range ids {
		copy(y.Value.Data[i*d:(i+1)*d], w.Value.Data[id*d:(id+1)*d])
	}
	if n := g.record(opEmbedding, y, w, nil, nil); n != nil {
		n.idx = ids
	}
	return y
}

// scatterRows returns a [rows, D] value that is zero but for row ids[i],
// which holds the sum of the rows i of gy with that id: the adjoint of
// gatherRows.
func (g *Graph[T]) scatterRows(gy *Var[T], ids []int, rows int) *Var[T] {
	d := gy.Value.Shape[gy.Value.Rank()-1]
	y := g.zeros(rows, d)
	for i, id := range ids {
		dst, src := y.Value.Data[id*d:(id+1)*d], gy.Value.Data[i*d:(i+1)*d]
		for j, v := range src {
			dst[j] += v
		}
	}
	if n := g.record(opRowScatter, y, gy, nil, nil); n != nil {
		n.idx = ids
	}
	return y
}

// Pick returns, for each row i of x [..., C] (leading dimensions folded
// into rows), the element x[i, idx[i]]: shape x's without the last
// dimension. Every index must lie in [0, C).
func (g *Graph[T]) Pick(x *Var[T], idx []int) *Var[T] {
	if !g.ok1("pick", x) {
		return &g.poison
	}
	if x.Value.Rank() < 1 {
		return g.failf("pick from a scalar")
	}
	rows, c := matrix(x.Value.Shape)
	if len(idx) != rows {
		return g.failf("pick: %d indices for %d rows of %v", len(idx), rows, x.Value.Shape)
	}
	for i, t := range idx {
		if t < 0 || t >= c {
			return g.fail(fmt.Errorf("autograd: index %d (row %d) out of range for %d classes (shape %v)", t, i, c, x.Value.Shape))
		}
	}
	return g.pick(x, idx)
}

func (g *Graph[T]) pick(x *Var[T], idx []int) *Var[T] {
	c := x.Value.Shape[x.Value.Rank()-1]
	y := g.alloc(x.Value.Shape[:x.Value.Rank()-1]...)
	for i, t := range idx {
		y.Value.Data[i] = x.Value.Data[i*c+t]
	}
	if n := g.record(opPick, y, x, nil, nil); n != nil {
		n.idx = idx
	}
	return y
}

// put returns a value of shape, zero but for element (i, idx[i]) of each
// row, which is gy[i]: the adjoint of pick.
func (g *Graph[T]) put(gy *Var[T], idx []int, shape []int) *Var[T] {
	y := g.zeros(shape...)
	c := shape[len(shape)-1]
	for i, t := range idx {
		y.Value.Data[i*c+t] = gy.Value.Data[i]
	}
	if n := g.record(opPut, y, gy, nil, nil); n != nil {
		n.idx = idx
	}
	return y
}

func (g *Graph[T]) bwIndex(n *node[T], gy *Var[T]) {
	x := n.in[0]
	if !x.req {
		return
	}
	switch n.op {
	case opEmbedding:
		if sink := g.leafSink(x); sink != nil {
			d := x.Value.Shape[1]
			if x.RowSparse {
				x.Sparse.Rows = append(x.Sparse.Rows, n.idx...)
				x.Sparse.Values = append(x.Sparse.Values, gy.Value.Data...)
				return
			}
			for i, id := range n.idx {
				dst, src := sink.Data[id*d:(id+1)*d], gy.Value.Data[i*d:(i+1)*d]
				for j, v := range src {
					dst[j] += v
				}
			}
			return
		}
		g.accum(x, g.scatterRows(gy, n.idx, x.Value.Shape[0]))
	case opRowScatter:
		g.accum(x, g.gatherRows(gy, n.idx, x.Value.Shape[:x.Value.Rank()-1]))
	case opPick:
		g.accum(x, g.put(gy, n.idx, x.Value.Shape))
	case opPut:
		g.accum(x, g.pick(gy, n.idx))
	}
}

// Dropout zeroes each element of x with probability p and scales the rest
// by 1/(1−p), as PyTorch's dropout in training mode; the mask is drawn from
// rng, so a seeded generator repeats it. p = 0 returns x itself; p = 1
// zeroes everything.
func (g *Graph[T]) Dropout(x *Var[T], p float64, rng *rand.Rand) *Var[T] {
	if !g.ok1("dropout", x) {
		return &g.poison
	}
	if !(p >= 0 && p <= 1) {
		return g.fail(fmt.Errorf("autograd: dropout probability %v not in [0, 1]", p))
	}
	if p == 0 {
		return x
	}
	if rng == nil {
		return g.fail(fmt.Errorf("autograd: dropout needs a random generator"))
	}
	mask := g.alloc(x.Value.Shape...)
	keep := T(0)
	if p < 1 {
		keep = T(1 / (1 - p))
	}
	for i := range mask.Value.Data {
		if rng.Float64() < p {
			mask.Value.Data[i] = 0
		} else {
			mask.Value.Data[i] = keep
		}
	}
	return g.Mul(x, mask)
}
