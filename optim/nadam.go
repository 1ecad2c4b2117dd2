package optim

import (
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// NAdamConfig holds NAdam's hyperparameters; the zero value is PyTorch's
// default (lr 2e-3, betas 0.9/0.999, eps 1e-8, momentum_decay 4e-3).
type NAdamConfig struct {
	LR            float64    `json:"lr"`             // learning rate γ (default 2e-3)
	Betas         [2]float64 `json:"betas"`          // β₁, β₂ (default 0.9, 0.999)
	Eps           float64    `json:"eps"`            // ε added to the denominator (default 1e-8)
	WeightDecay   float64    `json:"weight_decay"`   // L2 penalty λ (default 0)
	MomentumDecay float64    `json:"momentum_decay"` // ψ of the momentum schedule (default 4e-3)
}

// NAdam is Adam with Nesterov momentum (Dozat 2016, "Incorporating
// Nesterov Momentum into Adam"), as PyTorch's torch.optim.NAdam. For step
// t, with the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)):
//
//	g ← ∇f(θ) + λθ
//	P ← P·μₜ                                  (mu_product, P = 1 before step 1)
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	d ← √v/√(1−β₂ᵗ) + ε
//	θ ← θ − γ(1−μₜ)/(1−P) · g/d
//	θ ← θ − γμₜ₊₁/(1−P·μₜ₊₁) · m/d
//
// The second bias correction uses P·μₜ₊₁, the product of the schedule up
// to step t+1: this is PyTorch 2.x's rule (pytorch#92699), which PyTorch
// 1.13 already computed on its foreach path (its for-loop path multiplied
// μₜ in twice).
//
// State per parameter: step, the scalar mu_product, exp_avg and
// exp_avg_sq.
type NAdam struct {
	core[NAdamConfig]
}

func init() {
	register("nadam", "NAdam", func(p []*Param, c NAdamConfig) (Optimizer, error) { return NewNAdam(p, c) })
}

// NewNAdam returns NAdam over one group of params.
func NewNAdam(params []*Param, cfg NAdamConfig) (*NAdam, error) {
	o := &NAdam{}
	if err := o.setup("NAdam", cfg, resolveNAdam, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveNAdam(c *NAdamConfig) error {
	c.LR = OrDefault(c.LR, 2e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	c.MomentumDecay = OrDefault(c.MomentumDecay, 4e-3)
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	if !(c.MomentumDecay >= 0) {
		return fmt.Errorf("invalid momentum_decay value: %v", c.MomentumDecay)
	}
	return nil
}

// nadamStep is one step's scalars.
type nadamStep struct {
	beta1, beta2, wd, eps float64
	bc2sqrt               float64 // √(1−β₂ᵗ)
	stepGrad, stepAvg     float64 // the (negative) factors of g/d and m/d
}

func (o *NAdam) update(c *NAdamConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if s.Step == 0 {
		s.SetScalar("mu_product", 1)
	}
	s.Step++
	t := float64(s.Step)
	b1, b2 := c.Betas[0], c.Betas[1]
	mu := b1 * (1 - 0.5*math.Pow(0.96, t*c.MomentumDecay))
	muNext := b1 * (1 - 0.5*math.Pow(0.96, (t+1)*c.MomentumDecay))
	prod := s.Scalar("mu_product") * mu
	s.SetScalar("mu_product", prod)
	h := nadamStep{
		beta1:    b1,
		beta2:    b2,
		wd:       c.WeightDecay,
		eps:      c.Eps,
		bc2sqrt:  math.Sqrt(1 - math.Pow(b2, t)),
		stepGrad: -(c.LR * (1 - mu) / (1 - prod)),
		stepAvg:  -(c.LR * muNext / (1 - prod*muNext)),
	}
	if p.F32 != nil {
		nadamParam(&h, s, p.F32, p.G32)
	} else {
		nadamParam(&h, s, p.F64, p.G64)
	}
	return nil
}

func nadamParam[T Float](h *nadamStep, s *State, x, g []T) {
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_sq", len(x), 0)
	parallel.For(len(x), grain, func(lo, hi int) {
		nadamKernel(h, x[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi])
	})
}

func nadamKernel[T Float](h *nadamStep, x, g, m, v []T) {
	b1, c1 := T(h.beta1), T(1-h.beta1)
	b2, c2 := T(h.beta2), T(1-h.beta2)
	wd, eps, bc := T(h.wd), T(h.eps), T(h.bc2sqrt)
	sg, sm := T(h.stepGrad), T(h.stepAvg)
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	for i := range x {
		xi, gi := x[i], g[i]
		if wd != 0 {
			gi += wd * xi
		}
		mi := m[i]*b1 + c1*gi
		vi := v[i]*b2 + c2*gi*gi
		m[i], v[i] = mi, vi
		d := T(math.Sqrt(float64(vi)))/bc + eps
		xi += sg * gi / d
		x[i] = xi + sm*mi/d
	}
}
