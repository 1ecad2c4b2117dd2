package nn

import (
	"fmt"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// CrossEntropyLoss is PyTorch's nn.CrossEntropyLoss on logits [N, C] and
// class indices: −log softmax(input)[i, targetᵢ], reduced by Reduction
// (the zero value: the mean over samples).
type CrossEntropyLoss[T tensor.Float] struct {
	Reduction Reduction
}

// Forward returns the loss of input [N, C] against target (N class
// indices in [0, C)).
func (l CrossEntropyLoss[T]) Forward(g *autograd.Graph[T], input *autograd.Var[T], target []int) (*autograd.Var[T], error) {
	y := g.CrossEntropy(input, target, l.Reduction)
	return lossResult("nn.CrossEntropyLoss", g, y)
}

// NLLLoss is PyTorch's nn.NLLLoss on log-probabilities [N, C] and class
// indices: −input[i, targetᵢ], reduced by Reduction.
type NLLLoss[T tensor.Float] struct {
	Reduction Reduction
}

// Forward returns the loss of input [N, C] against target.
func (l NLLLoss[T]) Forward(g *autograd.Graph[T], input *autograd.Var[T], target []int) (*autograd.Var[T], error) {
	y := g.NLL(input, target, l.Reduction)
	return lossResult("nn.NLLLoss", g, y)
}

// MSELoss is PyTorch's nn.MSELoss: (input − target)², reduced by
// Reduction.
type MSELoss[T tensor.Float] struct {
	Reduction Reduction
}

// Forward returns the loss of input against target, of the same shape.
func (l MSELoss[T]) Forward(g *autograd.Graph[T], input, target *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.MSE(input, target, l.Reduction)
	return lossResult("nn.MSELoss", g, y)
}

// BCEWithLogitsLoss is PyTorch's nn.BCEWithLogitsLoss: the binary
// cross-entropy of sigmoid(input) against target in [0, 1], computed
// stably from the logits, reduced by Reduction.
type BCEWithLogitsLoss[T tensor.Float] struct {
	Reduction Reduction
}

// Forward returns the loss of input against target, of the same shape.
func (l BCEWithLogitsLoss[T]) Forward(g *autograd.Graph[T], input, target *autograd.Var[T]) (*autograd.Var[T], error) {
	y := g.BCEWithLogits(input, target, l.Reduction)
	return lossResult("nn.BCEWithLogitsLoss", g, y)
}

func lossResult[T tensor.Float](name string, g *autograd.Graph[T], y *autograd.Var[T]) (*autograd.Var[T], error) {
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return y, nil
}
