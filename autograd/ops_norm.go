package autograd

import (
	"fmt"
	"math"

	"github.com/descent-ml/descent/tensor"
)

// LayerNorm normalises x over its trailing dimensions, which must equal
// normalized (PyTorch's normalized_shape): (x − mean)/√(var + eps) with the
// biased variance, then times w and plus b (each of shape normalized; nil
// for none). It is built from the graph's operations, so its derivatives
// of every order are exact.
func (g *Graph[T]) LayerNorm(x *Var[T], normalized []int, w, b *Var[T], eps float64) *Var[T] {
	if !g.ok1("layer norm", x) || w != nil && !g.ok1("layer norm", w) || b != nil && !g.ok1("layer norm", b) {
		return &g.poison
	}
	xs := x.Value.Shape
	k := len(normalized)
	if k == 0 || k > len(xs) || !sameShape(xs[len(xs)-k:], normalized) {
		return g.failf("layer norm over %v of an input of shape %v", normalized, xs)
	}
	d := numel(normalized)
	for _, p := range []*Var[T]{w, b} {
		if p != nil && p.Value.Len() != d {
			return g.failf("layer norm over %v: parameter of shape %v", normalized, p.Value.Shape)
		}
	}
	rows := len(x.Value.Data) / max(d, 1)
	s2 := g.allocInts(2)
	s2[0], s2[1] = rows, d
	s1 := g.allocInts(2)
	s1[0], s1[1] = rows, 1
	x2 := g.reshapeTo(x, s2)
	xc := g.Sub(x2, g.sumTo(x2, s1, 1/T(d)))
	rstd := g.Rsqrt(g.AddScalar(g.sumTo(g.Mul(xc, xc), s1, 1/T(d)), T(eps)))
	y := g.Mul(xc, rstd)
	sd := s2[1:]
	if w != nil {
		y = g.Mul(y, g.reshapeTo(w, sd))
	}
	if b != nil {
		y = g.Add(y, g.reshapeTo(b, sd))
	}
	return g.reshapeTo(y, xs)
}

// BatchNormOptions are BatchNorm's settings besides its operands.
type BatchNormOptions struct {
	// Train normalises with the batch's statistics and updates the
	// running ones; otherwise the running statistics normalise.
	Train bool
	// Momentum weighs the batch in the running update, PyTorch's
	// momentum (0.1 in nn.BatchNorm).
	Momentum float64
	// Eps is added to the variance (1e-5 in nn.BatchNorm).
	Eps float64
}

// BatchNorm normalises each channel of x [N, C, …] (dimension 1) over
// the batch and the other dimensions: (x − mean)/√(var + eps), times w and
// plus b ([C] each; nil for none). In training (opt.Train), or when the
// running statistics are nil, the batch's mean and biased variance
// normalise, and runMean and runVar (when not nil) are updated in place as
// PyTorch does: r ← (1−momentum)·r + momentum·s, with the unbiased variance
// for runVar. Otherwise runMean and runVar normalise.
func (g *Graph[T]) BatchNorm(x, w, b *Var[T], runMean, runVar *tensor.Tensor[T], opt BatchNormOptions) *Var[T] {
	if !g.ok1("batch norm", x) || w != nil && !g.ok1("batch norm", w) || b != nil && !g.ok1("batch norm", b) {
		return &g.poison
	}
	xs := x.Value.Shape
	if len(xs) < 2 {
		return g.failf("batch norm of an input of shape %v: need [N, C, …]", xs)
	}
	c := xs[1]
	for _, p := range []*Var[T]{w, b} {
		if p != nil && p.Value.Len() != c {
			return g.failf("batch norm of %v (%d channels): parameter of shape %v", xs, c, p.Value.Shape)
		}
	}
	for _, r := range []*tensor.Tensor[T]{runMean, runVar} {
		if r != nil && r.Len() != c {
			return g.failf("batch norm of %v (%d channels): running statistic of shape %v", xs, c, r.Shape)
		}
	}
	if (runMean == nil) != (runVar == nil) {
		return g.fail(fmt.Errorf("autograd: batch norm needs both running statistics or neither"))
	}
	m := xs[0] * numel(xs[2:])
	s3 := g.allocInts(3)
	s3[0], s3[1], s3[2] = xs[0], c, numel(xs[2:])
	sc := g.allocInts(3)
	sc[0], sc[1], sc[2] = 1, c, 1
	x3 := g.reshapeTo(x, s3)
	var y *Var[T]
	if opt.Train || runMean == nil {
		if m <= 1 {
			return g.failf("batch norm in training of an input of shape %v: need more than one value per channel", xs)
		}
		mean := g.sumTo(x3, sc, 1/T(m))
		xc := g.Sub(x3, mean)
		variance := g.sumTo(g.Mul(xc, xc), sc, 1/T(m))
		y = g.Mul(xc, g.Rsqrt(g.AddScalar(variance, T(opt.Eps))))
		if runMean != nil {
			mom := T(opt.Momentum)
			unbias := T(m) / T(m-1)
			for i := range c {
				runMean.Data[i] = (1-mom)*runMean.Data[i] + mom*mean.Value.Data[i]
				runVar.Data[i] = (1-mom)*runVar.Data[i] + mom*variance.Value.Data[i]*unbias
			}
		}
	} else {
		mean := g.alloc(sc...)
		rstd := g.alloc(sc...)
		for i := range c {
			mean.Value.Data[i] = runMean.Data[i]
			rstd.Value.Data[i] = T(1 / math.Sqrt(float64(runVar.Data[i])+opt.Eps))
		}
		y = g.Mul(g.Sub(x3, mean), rstd)
	}
	if w != nil {
		y = g.Mul(y, g.reshapeTo(w, sc))
	}
	if b != nil {
		y = g.Add(y, g.reshapeTo(b, sc))
	}
	return g.reshapeTo(y, xs)
}
