package nn

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// Module is a layer or a network of layers.
type Module[T tensor.Float] interface {
	// Forward computes the module's output for x on g. A shape that does
	// not fit the module is an error naming both.
	Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error)
	// Parameters returns the trained tensors, named as PyTorch's
	// named_parameters ("weight", "0.bias", …), in a fixed order.
	Parameters() []Parameter[T]
	// Buffers returns the tensors of the state that are not trained
	// (BatchNorm's running statistics), named likewise.
	Buffers() []NamedTensor[T]
	// Train puts the module in training mode (the default).
	Train()
	// Eval puts the module in evaluation mode: Dropout passes its input
	// through and BatchNorm normalises with its running statistics.
	Eval()
	// Training reports whether the module is in training mode.
	Training() bool
}

// Parameter is a named parameter of a module. Var.Value.Data and
// Var.Grad.Data are the buffers an optimizer updates (see OptimParams).
type Parameter[T tensor.Float] struct {
	Name string
	Var  *autograd.Var[T]
}

// NamedTensor is a named tensor of a module's state.
type NamedTensor[T tensor.Float] struct {
	Name   string
	Tensor *tensor.Tensor[T]
}

// Reduction says how a loss reduces its per-sample values: ReduceMean
// (the zero value, PyTorch's default), ReduceSum or ReduceNone.
type Reduction = autograd.Reduction

// The reductions, as PyTorch's reduction="mean", "sum", "none".
const (
	ReduceMean = autograd.ReduceMean
	ReduceSum  = autograd.ReduceSum
	ReduceNone = autograd.ReduceNone
)

// mode is the training flag every module carries.
type mode struct{ eval bool }

// Train puts the module in training mode.
func (m *mode) Train() { m.eval = false }

// Eval puts the module in evaluation mode.
func (m *mode) Eval() { m.eval = true }

// Training reports whether the module is in training mode.
func (m *mode) Training() bool { return !m.eval }

// Pair returns [k, k], for square kernels, strides and paddings.
func Pair(k int) [2]int { return [2]int{k, k} }

// defaultRNG draws initial weights for layers built without a generator,
// in construction order, from a fixed seed.
var (
	defaultMu  sync.Mutex
	defaultRNG = rand.New(rand.NewPCG(0, 0))
)

// uniform fills x with values uniform in [−bound, bound) from rng (or the
// default generator when rng is nil).
func uniform[T tensor.Float](x []T, bound float64, rng *rand.Rand) {
	if rng == nil {
		defaultMu.Lock()
		defer defaultMu.Unlock()
		rng = defaultRNG
	}
	for i := range x {
		x[i] = T((rng.Float64()*2 - 1) * bound)
	}
}

// normal fills x with standard normal values from rng (or the default
// generator).
func normal[T tensor.Float](x []T, rng *rand.Rand) {
	if rng == nil {
		defaultMu.Lock()
		defer defaultMu.Unlock()
		rng = defaultRNG
	}
	for i := range x {
		x[i] = T(rng.NormFloat64())
	}
}

// param returns a new parameter of the given shape.
func param[T tensor.Float](name string, shape ...int) *autograd.Var[T] {
	return autograd.NewParam(name, tensor.Zeros[T](shape...))
}

// Sequential runs modules one after another, as PyTorch's nn.Sequential;
// its parameters are named by position ("0.weight", "2.bias", …).
type Sequential[T tensor.Float] struct {
	mode
	Layers []Module[T]
}

// NewSequential returns a Sequential of the given modules.
func NewSequential[T tensor.Float](layers ...Module[T]) *Sequential[T] {
	return &Sequential[T]{Layers: layers}
}

// Forward runs the layers in order; an error names the failing layer.
func (s *Sequential[T]) Forward(g *autograd.Graph[T], x *autograd.Var[T]) (*autograd.Var[T], error) {
	for i, l := range s.Layers {
		y, err := l.Forward(g, x)
		if err != nil {
			return nil, fmt.Errorf("nn.Sequential layer %d (%T): %w", i, l, err)
		}
		x = y
	}
	return x, nil
}

// Parameters returns every layer's parameters, prefixed by its position.
// A parameter shared by several layers (the same layer twice, tied
// weights) is listed once, under its first name, as PyTorch does.
func (s *Sequential[T]) Parameters() []Parameter[T] {
	var ps []Parameter[T]
	seen := make(map[*autograd.Var[T]]bool)
	for i, l := range s.Layers {
		for _, p := range l.Parameters() {
			if !seen[p.Var] {
				seen[p.Var] = true
				ps = append(ps, Parameter[T]{Name: strconv.Itoa(i) + "." + p.Name, Var: p.Var})
			}
		}
	}
	return ps
}

// Buffers returns every layer's buffers, prefixed by its position, each
// shared buffer once.
func (s *Sequential[T]) Buffers() []NamedTensor[T] {
	var bs []NamedTensor[T]
	seen := make(map[*tensor.Tensor[T]]bool)
	for i, l := range s.Layers {
		for _, b := range l.Buffers() {
			if !seen[b.Tensor] {
				seen[b.Tensor] = true
				bs = append(bs, NamedTensor[T]{Name: strconv.Itoa(i) + "." + b.Name, Tensor: b.Tensor})
			}
		}
	}
	return bs
}

// Train puts every layer in training mode.
func (s *Sequential[T]) Train() {
	s.mode.Train()
	for _, l := range s.Layers {
		l.Train()
	}
}

// Eval puts every layer in evaluation mode.
func (s *Sequential[T]) Eval() {
	s.mode.Eval()
	for _, l := range s.Layers {
		l.Eval()
	}
}

// ZeroGrad zeroes the gradients, dense and row-sparse, of m's parameters.
func ZeroGrad[T tensor.Float](m Module[T]) {
	for _, p := range m.Parameters() {
		p.Var.ZeroGrad()
	}
}

// NumParams returns the number of trained values in m.
func NumParams[T tensor.Float](m Module[T]) int {
	n := 0
	for _, p := range m.Parameters() {
		n += p.Var.Value.Len()
	}
	return n
}

// StateDict returns m's state, parameters then buffers, by name (PyTorch's
// state_dict keys). The tensors are m's own, not copies.
func StateDict[T tensor.Float](m Module[T]) []NamedTensor[T] {
	var st []NamedTensor[T]
	for _, p := range m.Parameters() {
		st = append(st, NamedTensor[T]{Name: p.Name, Tensor: &p.Var.Value})
	}
	return append(st, m.Buffers()...)
}

// LoadStateDict copies state into m's parameters and buffers by name.
// Every tensor of m must be present with its shape, and every tensor of
// state must belong to m (PyTorch's strict loading).
func LoadStateDict[T tensor.Float](m Module[T], state []NamedTensor[T]) error {
	have := make(map[string]*tensor.Tensor[T])
	for _, nt := range state {
		if _, dup := have[nt.Name]; dup {
			return fmt.Errorf("nn: state has %q twice", nt.Name)
		}
		have[nt.Name] = nt.Tensor
	}
	mine := StateDict(m)
	for _, nt := range mine {
		src, ok := have[nt.Name]
		if !ok {
			return fmt.Errorf("nn: state lacks %q", nt.Name)
		}
		if !nt.Tensor.SameShape(src) {
			return fmt.Errorf("nn: state %q has shape %v, the module's is %v", nt.Name, src.Shape, nt.Tensor.Shape)
		}
		delete(have, nt.Name)
	}
	for name := range have {
		return fmt.Errorf("nn: state has %q, which the module does not", name)
	}
	for _, nt := range mine {
		copy(nt.Tensor.Data, state[index(state, nt.Name)].Tensor.Data)
	}
	return nil
}

func index[T tensor.Float](state []NamedTensor[T], name string) int {
	for i, nt := range state {
		if nt.Name == name {
			return i
		}
	}
	return -1
}

// checkRank reports an input whose rank is not one of ranks.
func checkRank(layer string, shape []int, ranks ...int) error {
	for _, r := range ranks {
		if len(shape) == r {
			return nil
		}
	}
	return autograd.ShapeErrorf("%s: input of shape %v, want rank %v", layer, shape, ranks)
}
