package hessian

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/tensor"
)

// BatchLoss records on g the loss of batch i (0 ≤ i < the number of
// batches) at the parameters' current values and returns it, a scalar,
// with the batch's weight (its number of samples, for a loss that is a
// mean over the batch).
type BatchLoss func(g *autograd.Graph[float64], i int) (loss *autograd.Var[float64], weight float64, err error)

// Segment locates one parameter in the flat vectors an Autograd operator
// works on: elements [Offset, Offset+Len) are the parameter's, row-major
// in its Shape.
type Segment struct {
	Name   string `json:"name"`
	Offset int    `json:"offset"`
	Len    int    `json:"len"`
	Shape  []int  `json:"shape"`
}

// Autograd is the Hessian of a loss with respect to a set of parameters,
// given by autograd's exact Hessian-vector products (autograd.HVP), over
// one batch or averaged over the batches of a data set as PyHessian does:
// H = Σᵢ wᵢ·Hᵢ / Σᵢ wᵢ, where Hᵢ is the Hessian of batch i's loss and wᵢ
// its weight. For a loss that is a mean over samples and weights that
// count the samples, that is the Hessian of the mean loss over the whole
// set, whatever the batch sizes.
//
// The parameters are flattened in order (see Segments). The operator is
// the Hessian at the parameters' values: do not change them while it is in
// use. With a single batch the recorded forward and backward passes are
// kept and every product reuses them; with several, each product records
// each batch again (one batch's graph in memory at a time). An Autograd
// operator is not safe for concurrent use.
type Autograd struct {
	params  []*autograd.Var[float64]
	segs    []Segment
	n       int
	batches int
	loss    BatchLoss

	g      *autograd.Graph[float64]
	cached *autograd.HVP[float64] // the single batch's HVP, once built
	cLoss  float64                // and its loss
	vt, dt []*tensor.Tensor[float64]
	buf    []float64
}

// NewAutograd returns the Hessian of the loss over batches batches with
// respect to params (float64 parameters made by autograd.NewParam).
func NewAutograd(params []*autograd.Var[float64], batches int, loss BatchLoss) (*Autograd, error) {
	if len(params) == 0 {
		return nil, errors.New("hessian: no parameters")
	}
	if batches < 1 {
		return nil, fmt.Errorf("hessian: %d batches; want at least one", batches)
	}
	if loss == nil {
		return nil, errors.New("hessian: no loss function")
	}
	a := &Autograd{params: params, batches: batches, loss: loss, g: autograd.NewGraph[float64]()}
	seen := make(map[*autograd.Var[float64]]bool)
	for i, p := range params {
		if p == nil || !p.IsParam() {
			return nil, fmt.Errorf("hessian: parameter %d is not a parameter made by autograd.NewParam", i)
		}
		if seen[p] {
			return nil, fmt.Errorf("hessian: parameter %d (%q) is listed twice", i, p.Name)
		}
		seen[p] = true
		l := p.Value.Len()
		a.segs = append(a.segs, Segment{Name: p.Name, Offset: a.n, Len: l, Shape: slices.Clone(p.Value.Shape)})
		a.n += l
	}
	if a.n == 0 {
		return nil, errors.New("hessian: the parameters hold no values")
	}
	a.buf = make([]float64, a.n)
	a.vt = make([]*tensor.Tensor[float64], len(params))
	a.dt = make([]*tensor.Tensor[float64], len(params))
	for i, s := range a.segs {
		a.vt[i] = &tensor.Tensor[float64]{Shape: s.Shape}
		a.dt[i] = &tensor.Tensor[float64]{Shape: s.Shape, Data: a.buf[s.Offset : s.Offset+s.Len]}
	}
	return a, nil
}

// Dim returns the number of parameter values.
func (a *Autograd) Dim() int { return a.n }

// Segments returns where each parameter lies in the flat vectors.
func (a *Autograd) Segments() []Segment {
	out := slices.Clone(a.segs)
	for i := range out {
		out[i].Shape = slices.Clone(out[i].Shape)
	}
	return out
}

// build records batch i and prepares its Hessian-vector products.
func (a *Autograd) build(i int) (*autograd.HVP[float64], float64, float64, error) {
	a.g.Reset()
	loss, w, err := a.loss(a.g, i)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("hessian: batch %d: %w", i, err)
	}
	if loss == nil || loss.Value.Len() != 1 {
		return nil, 0, 0, fmt.Errorf("hessian: batch %d: the loss is not a scalar", i)
	}
	if !(w > 0) || math.IsInf(w, 0) {
		return nil, 0, 0, fmt.Errorf("hessian: batch %d has weight %v; want a positive finite weight", i, w)
	}
	l := loss.Item()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		return nil, 0, 0, fmt.Errorf("hessian: batch %d: the loss is %v", i, l)
	}
	h, err := autograd.NewHVP(a.g, loss, a.params)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("hessian: batch %d: %w", i, err)
	}
	return h, w, l, nil
}

// batch returns the HVP of batch i, reusing the recorded single batch.
func (a *Autograd) batch(i int) (*autograd.HVP[float64], float64, float64, error) {
	if a.batches == 1 {
		if a.cached == nil {
			h, _, l, err := a.build(0)
			if err != nil {
				return nil, 0, 0, err
			}
			a.cached, a.cLoss = h, l
		}
		return a.cached, 1, a.cLoss, nil
	}
	return a.build(i)
}

// Apply writes H·v into out.
func (a *Autograd) Apply(ctx context.Context, v, out []float64) error {
	if err := checkLens(a.n, v, out); err != nil {
		return err
	}
	for i, s := range a.segs {
		a.vt[i].Data = v[s.Offset : s.Offset+s.Len]
	}
	defer func() {
		for _, t := range a.vt {
			t.Data = nil
		}
	}()
	clear(out)
	var total float64
	for i := range a.batches {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, w, _, err := a.batch(i)
		if err != nil {
			return err
		}
		if err := h.Apply(a.dt, a.vt); err != nil {
			return fmt.Errorf("hessian: batch %d: %w", i, err)
		}
		axpy(w, a.buf, out)
		total += w
	}
	scale(1/total, out)
	return nil
}

// Gradient writes the gradient of the (weighted mean) loss into grad and
// returns the loss.
func (a *Autograd) Gradient(ctx context.Context, grad []float64) (float64, error) {
	if len(grad) != a.n {
		return 0, fmt.Errorf("hessian: gradient of %d values into a vector of length %d", a.n, len(grad))
	}
	clear(grad)
	var total, loss float64
	for i := range a.batches {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		var gs []*autograd.Var[float64]
		var w, l float64
		if a.batches == 1 {
			h, _, l1, err := a.batch(0)
			if err != nil {
				return 0, err
			}
			gs, w, l = h.Grads(), 1, l1
		} else {
			a.g.Reset()
			lv, w1, err := a.loss(a.g, i)
			if err != nil {
				return 0, fmt.Errorf("hessian: batch %d: %w", i, err)
			}
			if lv == nil || lv.Value.Len() != 1 {
				return 0, fmt.Errorf("hessian: batch %d: the loss is not a scalar", i)
			}
			if !(w1 > 0) || math.IsInf(w1, 0) {
				return 0, fmt.Errorf("hessian: batch %d has weight %v; want a positive finite weight", i, w1)
			}
			if gs, err = a.g.Grad(lv, a.params, autograd.GradOptions[float64]{}); err != nil {
				return 0, fmt.Errorf("hessian: batch %d: %w", i, err)
			}
			w, l = w1, lv.Item()
		}
		for j, s := range a.segs {
			axpy(w, gs[j].Value.Data, grad[s.Offset:s.Offset+s.Len])
		}
		loss += w * l
		total += w
	}
	scale(1/total, grad)
	return loss / total, nil
}

// Batch is one batch of a data set: inputs X whose first dimension counts
// the samples, and the targets its loss compares the model's output with:
// class indices (Labels) or values (Y).
type Batch struct {
	X      *tensor.Tensor[float64]
	Labels []int
	Y      *tensor.Tensor[float64]
}

// Loss records the loss of a model's output on a batch.
type Loss func(g *autograd.Graph[float64], output *autograd.Var[float64], b Batch) (*autograd.Var[float64], error)

// CrossEntropy is nn.CrossEntropyLoss (the mean over samples) of logits
// against b.Labels.
func CrossEntropy(g *autograd.Graph[float64], output *autograd.Var[float64], b Batch) (*autograd.Var[float64], error) {
	return nn.CrossEntropyLoss[float64]{}.Forward(g, output, b.Labels)
}

// MSE is nn.MSELoss (the mean over elements) of the output against b.Y.
func MSE(g *autograd.Graph[float64], output *autograd.Var[float64], b Batch) (*autograd.Var[float64], error) {
	if b.Y == nil {
		return nil, errors.New("hessian: MSE needs the batch's targets Y")
	}
	return nn.MSELoss[float64]{}.Forward(g, output, g.Input(b.Y))
}

// BCEWithLogits is nn.BCEWithLogitsLoss (the mean over elements) of the
// output logits against b.Y.
func BCEWithLogits(g *autograd.Graph[float64], output *autograd.Var[float64], b Batch) (*autograd.Var[float64], error) {
	if b.Y == nil {
		return nil, errors.New("hessian: BCEWithLogits needs the batch's targets Y")
	}
	return nn.BCEWithLogitsLoss[float64]{}.Forward(g, output, g.Input(b.Y))
}

// NewModel returns the Hessian of loss with respect to model's parameters
// (in the order of model.Parameters, named as PyTorch names them) over the
// batches, each weighted by its number of samples: with a mean loss, the
// Hessian of the mean loss over the whole data set, as PyHessian computes
// it. The model computes in its current mode: put it in evaluation mode
// (model.Eval()) first unless you mean otherwise, for in training mode
// Dropout makes every product random and BatchNorm normalises with batch
// statistics (and updates its running statistics).
func NewModel(model nn.Module[float64], loss Loss, batches []Batch) (*Autograd, error) {
	if model == nil {
		return nil, errors.New("hessian: no model")
	}
	if loss == nil {
		return nil, errors.New("hessian: no loss")
	}
	if len(batches) == 0 {
		return nil, errors.New("hessian: no data: want at least one batch")
	}
	for i, b := range batches {
		if b.X == nil || len(b.X.Shape) == 0 || b.X.Shape[0] < 1 {
			return nil, fmt.Errorf("hessian: batch %d has no samples (its inputs X need a first dimension ≥ 1)", i)
		}
		if b.X.Len() != len(b.X.Data) {
			return nil, fmt.Errorf("hessian: batch %d: inputs of shape %v hold %d values", i, b.X.Shape, len(b.X.Data))
		}
	}
	ps := model.Parameters()
	vars := make([]*autograd.Var[float64], len(ps))
	for i, p := range ps {
		vars[i] = p.Var
	}
	a, err := NewAutograd(vars, len(batches), func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
		b := batches[i]
		out, err := model.Forward(g, g.Input(b.X))
		if err != nil {
			return nil, 0, err
		}
		l, err := loss(g, out, b)
		if err != nil {
			return nil, 0, err
		}
		return l, float64(b.X.Shape[0]), nil
	})
	if err != nil {
		return nil, err
	}
	for i := range a.segs {
		a.segs[i].Name = ps[i].Name
	}
	return a, nil
}
