package nn

import (
	"fmt"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// ReLU is PyTorch's nn.ReLU: max(x, 0).
type ReLU[T tensor.Float] struct {
	mode
	noParams[T]
}

// NewReLU returns a ReLU layer.
func NewReLU[T tensor.Float]() *ReLU[T] { return &ReLU[T]{} }

// Forward applies max(x, 0).
func (*ReLU[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.ReLU(x)
	return y, g.Err()
}

// LeakyReLU is PyTorch's nn.LeakyReLU: x for x ≥ 0, NegativeSlope·x
// below.
type LeakyReLU[T tensor.Float] struct {
	mode
	noParams[T]
	NegativeSlope float64
}

// NewLeakyReLU returns a LeakyReLU layer; PyTorch's default slope is 0.01.
func NewLeakyReLU[T tensor.Float](negativeSlope float64) *LeakyReLU[T] {
	return &LeakyReLU[T]{NegativeSlope: negativeSlope}
}

// Forward applies the leaky ReLU.
func (l *LeakyReLU[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.LeakyReLU(x, T(l.NegativeSlope))
	return y, g.Err()
}

// Sigmoid is PyTorch's nn.Sigmoid: 1/(1+e^−x).
type Sigmoid[T tensor.Float] struct {
	mode
	noParams[T]
}

// NewSigmoid returns a Sigmoid layer.
func NewSigmoid[T tensor.Float]() *Sigmoid[T] { return &Sigmoid[T]{} }

// Forward applies the logistic function.
func (*Sigmoid[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.Sigmoid(x)
	return y, g.Err()
}

// Tanh is PyTorch's nn.Tanh.
type Tanh[T tensor.Float] struct {
	mode
	noParams[T]
}

// NewTanh returns a Tanh layer.
func NewTanh[T tensor.Float]() *Tanh[T] { return &Tanh[T]{} }

// Forward applies tanh.
func (*Tanh[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.Tanh(x)
	return y, g.Err()
}

// GELU is PyTorch's nn.GELU: x·Φ(x) with Approximate "none" (or ""), or
// its tanh approximation with "tanh".
type GELU[T tensor.Float] struct {
	mode
	noParams[T]
	Approximate string
}

// NewGELU returns a GELU layer; approximate is "none" or "tanh".
func NewGELU[T tensor.Float](approximate string) *GELU[T] { return &GELU[T]{Approximate: approximate} }

// Forward applies GELU.
func (l *GELU[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	switch l.Approximate {
	case "", "none":
		y := g.GELU(x)
		return y, g.Err()
	case "tanh":
		y := g.GELUTanh(x)
		return y, g.Err()
	}
	return nil, fmt.Errorf("nn.GELU: approximate %q, want \"none\" or \"tanh\"", l.Approximate)
}

// Softmax is PyTorch's nn.Softmax over dimension Dim, which must be the
// last (−1, or rank−1).
type Softmax[T tensor.Float] struct {
	mode
	noParams[T]
	Dim int
}

// NewSoftmax returns a Softmax layer over dimension dim.
func NewSoftmax[T tensor.Float](dim int) *Softmax[T] { return &Softmax[T]{Dim: dim} }

// Forward applies the softmax.
func (l *Softmax[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	if err := lastDim("nn.Softmax", l.Dim, x.Value.Shape); err != nil {
		return nil, err
	}
	y := g.Softmax(x)
	return y, g.Err()
}

// LogSoftmax is PyTorch's nn.LogSoftmax over dimension Dim, which must be
// the last.
type LogSoftmax[T tensor.Float] struct {
	mode
	noParams[T]
	Dim int
}

// NewLogSoftmax returns a LogSoftmax layer over dimension dim.
func NewLogSoftmax[T tensor.Float](dim int) *LogSoftmax[T] { return &LogSoftmax[T]{Dim: dim} }

// Forward applies the log-softmax.
func (l *LogSoftmax[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	if err := lastDim("nn.LogSoftmax", l.Dim, x.Value.Shape); err != nil {
		return nil, err
	}
	y := g.LogSoftmax(x)
	return y, g.Err()
}

func lastDim(layer string, dim int, shape []int) error {
	if len(shape) == 0 || (dim != -1 && dim != len(shape)-1) {
		return autograd.ShapeErrorf("%s(dim=%d) on input of shape %v: only the last dimension is supported", layer, dim, shape)
	}
	return nil
}
