package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// SparseAdamConfig holds SparseAdam's hyperparameters; the zero value is
// PyTorch's default (lr 1e-3, betas 0.9/0.999, eps 1e-8).
type SparseAdamConfig struct {
	LR       float64    `json:"lr"`       // learning rate γ (default 1e-3; must be > 0)
	Betas    [2]float64 `json:"betas"`    // β₁, β₂ (default 0.9, 0.999)
	Eps      float64    `json:"eps"`      // ε added to the denominator (default 1e-8; must be > 0)
	Maximize bool       `json:"maximize"` // ascend instead of descend
}

// SparseAdam is PyTorch's torch.optim.SparseAdam: the lazy Adam of
// embedding tables, for row-sparse gradients only (a dense gradient is an
// error: use Adam). The gradient is coalesced (repeated rows add up); for
// each row r it lists, with t the number of steps this parameter has had a
// gradient:
//
//	g ← the gradient of row r (negated if maximize)
//	m_r ← β₁m_r + (1−β₁)g
//	v_r ← β₂v_r + (1−β₂)g²
//	θ_r ← θ_r − γ·√(1−β₂ᵗ)/(1−β₁ᵗ) · m_r/(√v_r + ε)
//
// Rows not listed keep their θ, m ("exp_avg") and v ("exp_avg_sq")
// unchanged, though t advances. Like PyTorch, ε is not bias-corrected:
// it is added to √v_r, not to √v̂_r.
type SparseAdam struct {
	core[SparseAdamConfig]
}

func init() {
	register("sparseadam", "SparseAdam", func(p []*Param, c SparseAdamConfig) (Optimizer, error) { return NewSparseAdam(p, c) })
}

// NewSparseAdam returns SparseAdam over one group of params.
func NewSparseAdam(params []*Param, cfg SparseAdamConfig) (*SparseAdam, error) {
	o := &SparseAdam{}
	if err := o.setup("SparseAdam", cfg, resolveSparseAdam, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveSparseAdam(c *SparseAdamConfig) error {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if !(c.LR > 0) || math.IsInf(c.LR, 1) {
		return fmt.Errorf("invalid learning rate: %v (want > 0)", positiveZero(c.LR))
	}
	if !(c.Eps > 0) || math.IsInf(c.Eps, 1) {
		return fmt.Errorf("invalid epsilon value: %v (want > 0)", positiveZero(c.Eps))
	}
	for i, b := range c.Betas {
		if err := checkBeta(i, b); err != nil {
			return err
		}
	}
	return nil
}

// positiveZero turns Zero (-0.0) into 0 for messages.
func positiveZero(v float64) float64 {
	if v == 0 {
		return 0
	}
	return v
}

var errSparseAdamDense = errors.New("SparseAdam does not support dense gradients, please consider Adam instead")

func (o *SparseAdam) update(c *SparseAdamConfig, p *Param, s *State) error {
	sg := p.Sparse
	if sg == nil {
		return errSparseAdamDense
	}
	rows, cols := p.shape2()
	if err := checkSparse(p, sg, rows, cols); err != nil {
		return err
	}
	s.Step++
	t := float64(s.Step)
	stepSize := c.LR * math.Sqrt(1-math.Pow(c.Betas[1], t)) / (1 - math.Pow(c.Betas[0], t))
	if p.F32 != nil {
		sparseAdamParam(c, s, stepSize, p.F32, sg.Rows, sg.V32, cols)
	} else {
		sparseAdamParam(c, s, stepSize, p.F64, sg.Rows, sg.Values, cols)
	}
	return nil
}

func sparseAdamParam[T Float](c *SparseAdamConfig, s *State, stepSize float64, x []T, rows []int, vals []T, cols int) {
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_sq", len(x), 0)
	rows, vals = coalesceRows(rows, vals, cols)
	step, c1, c2, eps, sign := T(stepSize), T(1-c.Betas[0]), T(1-c.Betas[1]), T(c.Eps), T(1)
	if c.Maximize {
		sign = -1
	}
	parallel.For(len(rows), sparseRowGrain(cols), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			r := rows[k]
			xr, mr, vr := x[r*cols:(r+1)*cols], m[r*cols:(r+1)*cols], v[r*cols:(r+1)*cols]
			gr := vals[k*cols : (k+1)*cols]
			for j := range xr {
				g := sign * gr[j]
				// PyTorch's form: m += (1−β₁)(g − m), v += (1−β₂)(g² − v).
				m0, v0 := mr[j], vr[j]
				mj := (g-m0)*c1 + m0
				vj := (g*g-v0)*c2 + v0
				mr[j], vr[j] = mj, vj
				xr[j] -= step * (mj / (T(math.Sqrt(float64(vj))) + eps))
			}
		}
	})
}
