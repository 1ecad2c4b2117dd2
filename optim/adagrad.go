package optim

import (
	"errors"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// AdagradConfig holds Adagrad's hyperparameters; the zero value is
// PyTorch's default (lr 1e-2, eps 1e-10, no decay).
type AdagradConfig struct {
	LR                      float64 `json:"lr"`                        // learning rate γ (default 1e-2)
	LRDecay                 float64 `json:"lr_decay"`                  // learning-rate decay η (default 0)
	WeightDecay             float64 `json:"weight_decay"`              // L2 penalty λ (default 0; dense gradients only)
	InitialAccumulatorValue float64 `json:"initial_accumulator_value"` // starting value of the sum of squares (default 0)
	Eps                     float64 `json:"eps"`                       // ε added to the denominator (default 1e-10)
	Maximize                bool    `json:"maximize"`                  // ascend instead of descend
}

// Adagrad is PyTorch's torch.optim.Adagrad (Duchi, Hazan & Singer 2011,
// "Adaptive Subgradient Methods for Online Learning and Stochastic
// Optimization", JMLR 12). For step t:
//
//	g ← ∇f(θ) (negated if maximize) + λθ
//	γₜ ← γ / (1 + (t−1)η)
//	s ← s + g²                     (s starts at initial_accumulator_value)
//	θ ← θ − γₜ · g / (√s + ε)
//
// Sparse gradients (an embedding's rows) are supported without weight
// decay, as in PyTorch: the gradient is coalesced (repeated rows add up),
// then only the listed rows of s and θ change, by the rule above; t still
// counts every step the parameter had a gradient.
type Adagrad struct {
	core[AdagradConfig]
}

func init() {
	register("adagrad", "Adagrad", func(p []*Param, c AdagradConfig) (Optimizer, error) { return NewAdagrad(p, c) })
}

// NewAdagrad returns Adagrad over one group of params.
func NewAdagrad(params []*Param, cfg AdagradConfig) (*Adagrad, error) {
	o := &Adagrad{}
	if err := o.setup("Adagrad", cfg, resolveAdagrad, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveAdagrad(c *AdagradConfig) error {
	c.LR = OrDefault(c.LR, 1e-2)
	c.Eps = OrDefault(c.Eps, 1e-10)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("lr_decay value", c.LRDecay); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	if err := checkNonNeg("initial_accumulator_value value", c.InitialAccumulatorValue); err != nil {
		return err
	}
	return checkNonNeg("epsilon value", c.Eps)
}

func (o *Adagrad) update(c *AdagradConfig, p *Param, s *State) error {
	if sg := p.Sparse; sg != nil {
		if c.WeightDecay != 0 {
			return errors.New("weight_decay option is not compatible with sparse gradients")
		}
		rows, cols := p.shape2()
		if err := checkSparse(p, sg, rows, cols); err != nil {
			return err
		}
		s.Step++
		clr := c.LR / (1 + float64(s.Step-1)*c.LRDecay)
		if p.F32 != nil {
			adagradSparse(c, s, clr, p.F32, sg.Rows, sg.V32, cols)
		} else {
			adagradSparse(c, s, clr, p.F64, sg.Rows, sg.Values, cols)
		}
		return nil
	}
	s.Step++
	clr := c.LR / (1 + float64(s.Step-1)*c.LRDecay)
	if p.F32 != nil {
		adagradParam(c, s, clr, p.F32, p.G32)
	} else {
		adagradParam(c, s, clr, p.F64, p.G64)
	}
	return nil
}

func adagradParam[T Float](c *AdagradConfig, s *State, clr float64, x, g []T) {
	sum := buf(s, "sum", len(x), T(c.InitialAccumulatorValue))
	lr, wd, eps, sign := T(clr), T(c.WeightDecay), T(c.Eps), T(1)
	if c.Maximize {
		sign = -1
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		adagradKernel(x[lo:hi], g[lo:hi], sum[lo:hi], lr, wd, eps, sign)
	})
}

func adagradKernel[T Float](x, g, sum []T, lr, wd, eps, sign T) {
	g, sum = g[:len(x)], sum[:len(x)]
	for i := range x {
		gi := sign * g[i]
		if wd != 0 {
			gi += wd * x[i]
		}
		si := sum[i] + gi*gi
		sum[i] = si
		x[i] -= lr * gi / (T(math.Sqrt(float64(si))) + eps)
	}
}

// adagradSparse applies the update to the rows a sparse gradient lists.
func adagradSparse[T Float](c *AdagradConfig, s *State, clr float64, x []T, rows []int, vals []T, cols int) {
	sum := buf(s, "sum", len(x), T(c.InitialAccumulatorValue))
	rows, vals = coalesceRows(rows, vals, cols)
	lr, eps, sign := T(clr), T(c.Eps), T(1)
	if c.Maximize {
		sign = -1
	}
	parallel.For(len(rows), sparseRowGrain(cols), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			r := rows[k]
			xr, sr, v := x[r*cols:(r+1)*cols], sum[r*cols:(r+1)*cols], vals[k*cols:(k+1)*cols]
			for j := range xr {
				gj := sign * v[j]
				sj := sr[j] + gj*gj
				sr[j] = sj
				xr[j] -= lr * (gj / (T(math.Sqrt(float64(sj))) + eps))
			}
		}
	})
}
