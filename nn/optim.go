package nn

import (
	"fmt"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/tensor"
)

// OptimParams returns one optim.Param per parameter of m, in the order of
// m.Parameters() and with its name and shape, whose values and gradient
// alias the parameter's Value.Data and Grad.Data: an optimizer built on
// them updates the model in place, and Backward's gradients are what it
// reads. A row-sparse parameter (Embedding with Sparse) gets no dense
// gradient; SetSparseGrads hands it its rows before each step.
func OptimParams[T tensor.Float](m Module[T]) []*optim.Param {
	var ps []*optim.Param
	for _, p := range m.Parameters() {
		v := p.Var
		grad := v.Grad.Data
		if v.RowSparse {
			grad = nil
		}
		ps = append(ps, optim.NewParam(p.Name, v.Value.Data, grad, v.Value.Shape...))
	}
	return ps
}

// SetSparseGrads sets the row-sparse gradient of each row-sparse parameter
// of m on its optim.Param in ps (made by OptimParams(m)), to be called
// after Backward and before the optimizer's step. The rows and values
// alias the parameter's Sparse gradient; nn.ZeroGrad empties it.
func SetSparseGrads[T tensor.Float](ps []*optim.Param, m Module[T]) error {
	params := m.Parameters()
	if len(ps) != len(params) {
		return fmt.Errorf("nn: %d optimizer parameters for a module of %d", len(ps), len(params))
	}
	for i, p := range params {
		if ps[i].Name != p.Name {
			return fmt.Errorf("nn: optimizer parameter %d is %q, the module's is %q", i, ps[i].Name, p.Name)
		}
		if !p.Var.RowSparse {
			continue
		}
		ps[i].Sparse = sparseOf(p.Var)
	}
	return nil
}

func sparseOf[T tensor.Float](v *autograd.Var[T]) *optim.SparseGrad {
	sg := &optim.SparseGrad{Rows: v.Sparse.Rows}
	switch vals := any(v.Sparse.Values).(type) {
	case []float32:
		sg.V32 = vals
	case []float64:
		sg.Values = vals
	}
	return sg
}
