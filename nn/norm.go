package nn

import (
	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// LayerNorm is PyTorch's nn.LayerNorm over the trailing dimensions
// NormalizedShape, with Weight (ones) and Bias (zeros) of that shape, or
// nil for elementwise_affine=False.
type LayerNorm[T tensor.Float] struct {
	mode
	NormalizedShape []int
	Eps             float64
	Weight, Bias    *autograd.Var[T]
}

// NewLayerNorm returns a LayerNorm over normalizedShape with eps 1e-5 and
// an affine transform.
func NewLayerNorm[T tensor.Float](normalizedShape ...int) *LayerNorm[T] {
	shape := append([]int(nil), normalizedShape...)
	for i := range shape {
		shape[i] = max(shape[i], 0)
	}
	l := &LayerNorm[T]{NormalizedShape: shape, Eps: 1e-5,
		Weight: param[T]("weight", shape...), Bias: param[T]("bias", shape...)}
	l.Weight.Value.Fill(1)
	return l
}

// Forward normalises x [..., NormalizedShape...].
func (l *LayerNorm[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	s, k := x.Value.Shape, len(l.NormalizedShape)
	if k == 0 || len(s) < k {
		return nil, autograd.ShapeErrorf("nn.LayerNorm(%v): input of shape %v", l.NormalizedShape, s)
	}
	for i, d := range l.NormalizedShape {
		if s[len(s)-k+i] != d {
			return nil, autograd.ShapeErrorf("nn.LayerNorm(%v): input of shape %v does not end in %v", l.NormalizedShape, s, l.NormalizedShape)
		}
	}
	y := g.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps)
	return y, g.Err()
}

// Parameters returns weight and bias (when affine).
func (l *LayerNorm[T]) Parameters() []Parameter[T] { return affineParams(l.Weight, l.Bias) }

// Buffers returns nothing: LayerNorm has no buffers.
func (l *LayerNorm[T]) Buffers() []NamedTensor[T] { return nil }

func affineParams[T tensor.Float](w, b *autograd.Var[T]) []Parameter[T] {
	var ps []Parameter[T]
	if w != nil {
		ps = append(ps, Parameter[T]{"weight", w})
	}
	if b != nil {
		ps = append(ps, Parameter[T]{"bias", b})
	}
	return ps
}

// BatchNorm is PyTorch's nn.BatchNorm1d (Rank 2 or 3: [N, C] or
// [N, C, L]) and nn.BatchNorm2d (Rank 4: [N, C, H, W]). In training it
// normalises each channel with the batch's mean and biased variance and
// updates RunningMean and RunningVar with Momentum (the unbiased variance
// for RunningVar); in evaluation the running statistics normalise. Weight
// (ones) and Bias (zeros) are nil for affine=False; RunningMean and
// RunningVar are nil for track_running_stats=False (batch statistics are
// then used in both modes).
type BatchNorm[T tensor.Float] struct {
	mode
	NumFeatures             int
	Eps, Momentum           float64
	Weight, Bias            *autograd.Var[T]
	RunningMean, RunningVar *tensor.Tensor[T]
	ranks                   []int
	name                    string
}

// NewBatchNorm1d returns PyTorch's BatchNorm1d(numFeatures): eps 1e-5,
// momentum 0.1, affine, running statistics zero and one.
func NewBatchNorm1d[T tensor.Float](numFeatures int) *BatchNorm[T] {
	return newBatchNorm[T](numFeatures, "nn.BatchNorm1d", 2, 3)
}

// NewBatchNorm2d returns PyTorch's BatchNorm2d(numFeatures).
func NewBatchNorm2d[T tensor.Float](numFeatures int) *BatchNorm[T] {
	return newBatchNorm[T](numFeatures, "nn.BatchNorm2d", 4)
}

func newBatchNorm[T tensor.Float](c int, name string, ranks ...int) *BatchNorm[T] {
	c = max(c, 0)
	b := &BatchNorm[T]{NumFeatures: c, Eps: 1e-5, Momentum: 0.1,
		Weight: param[T]("weight", c), Bias: param[T]("bias", c),
		RunningMean: tensor.Zeros[T](c), RunningVar: tensor.Full[T](1, c),
		ranks: ranks, name: name}
	b.Weight.Value.Fill(1)
	return b
}

// Forward normalises x.
func (b *BatchNorm[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	s := x.Value.Shape
	if err := checkRank(b.name, s, b.ranks...); err != nil {
		return nil, err
	}
	if s[1] != b.NumFeatures {
		return nil, autograd.ShapeErrorf("%s(%d): input of shape %v has %d channels", b.name, b.NumFeatures, s, s[1])
	}
	y := g.BatchNorm(x, b.Weight, b.Bias, b.RunningMean, b.RunningVar,
		autograd.BatchNormOptions{Train: b.Training(), Momentum: b.Momentum, Eps: b.Eps})
	return y, g.Err()
}

// Parameters returns weight and bias (when affine).
func (b *BatchNorm[T]) Parameters() []Parameter[T] { return affineParams(b.Weight, b.Bias) }

// Buffers returns running_mean and running_var (when tracked).
func (b *BatchNorm[T]) Buffers() []NamedTensor[T] {
	if b.RunningMean == nil {
		return nil
	}
	return []NamedTensor[T]{{"running_mean", b.RunningMean}, {"running_var", b.RunningVar}}
}
