package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// RAdamConfig holds RAdam's hyperparameters; the zero value is PyTorch's
// default (lr 1e-3, betas 0.9/0.999, eps 1e-8).
type RAdamConfig struct {
	LR          float64    `json:"lr"`           // learning rate γ (default 1e-3)
	Betas       [2]float64 `json:"betas"`        // β₁, β₂ (default 0.9, 0.999)
	Eps         float64    `json:"eps"`          // ε added to the denominator (default 1e-8)
	WeightDecay float64    `json:"weight_decay"` // L2 penalty λ (default 0)
}

// RAdam is Adam with a rectified adaptive learning rate (Liu et al. 2020,
// "On the Variance of the Adaptive Learning Rate and Beyond"), as PyTorch's
// torch.optim.RAdam. With ρ∞ = 2/(1−β₂) − 1, for step t:
//
//	g ← ∇f(θ) + λθ
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	m̂ ← m/(1−β₁ᵗ)
//	ρₜ ← ρ∞ − 2tβ₂ᵗ/(1−β₂ᵗ)
//	if ρₜ > 5:
//	    r ← √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
//	    θ ← θ − γ · m̂ · √(1−β₂ᵗ)/(√v + ε) · r
//	else:
//	    θ ← θ − γm̂                            (SGD with momentum)
//
// As in PyTorch, ε is added to √v before the bias correction √(1−β₂ᵗ) is
// applied. With the default β₂ = 0.999 the first five steps take the
// un-rectified branch.
//
// State per parameter: step, exp_avg and exp_avg_sq.
type RAdam struct {
	core[RAdamConfig]
}

func init() {
	register("radam", "RAdam", func(p []*Param, c RAdamConfig) (Optimizer, error) { return NewRAdam(p, c) })
}

// NewRAdam returns RAdam over one group of params.
func NewRAdam(params []*Param, cfg RAdamConfig) (*RAdam, error) {
	o := &RAdam{}
	if err := o.setup("RAdam", cfg, resolveRAdam, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveRAdam(c *RAdamConfig) error {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

// radamStep is one step's scalars.
type radamStep struct {
	lr, beta1, beta2, wd, eps float64
	bc1, bc2sqrt              float64
	rect                      float64 // r, or 0 for the un-rectified branch
}

func (o *RAdam) update(c *RAdamConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	t := float64(s.Step)
	b1, b2 := c.Betas[0], c.Betas[1]
	b2t := math.Pow(b2, t)
	bc2 := 1 - b2t
	rhoInf := 2/(1-b2) - 1
	rhoT := rhoInf - 2*t*b2t/bc2
	h := radamStep{
		lr:      c.LR,
		beta1:   b1,
		beta2:   b2,
		wd:      c.WeightDecay,
		eps:     c.Eps,
		bc1:     1 - math.Pow(b1, t),
		bc2sqrt: math.Sqrt(bc2),
	}
	if rhoT > 5 {
		h.rect = math.Sqrt((rhoT - 4) * (rhoT - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rhoT))
	}
	if p.F32 != nil {
		radamParam(&h, s, p.F32, p.G32)
	} else {
		radamParam(&h, s, p.F64, p.G64)
	}
	return nil
}

func radamParam[T Float](h *radamStep, s *State, x, g []T) {
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_sq", len(x), 0)
	parallel.For(len(x), grain, func(lo, hi int) {
		radamKernel(h, x[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi])
	})
}

func radamKernel[T Float](h *radamStep, x, g, m, v []T) {
	b1, c1 := T(h.beta1), T(1-h.beta1)
	b2, c2 := T(h.beta2), T(1-h.beta2)
	lr, wd, eps := T(h.lr), T(h.wd), T(h.eps)
	bc1, bc, rect := T(h.bc1), T(h.bc2sqrt), T(h.rect)
	rectified := h.rect > 0
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	for i := range x {
		xi, gi := x[i], g[i]
		if wd != 0 {
			gi += wd * xi
		}
		mi := m[i]*b1 + c1*gi
		vi := v[i]*b2 + c2*gi*gi
		m[i], v[i] = mi, vi
		mhat := mi / bc1
		if rectified {
			adaptive := bc / (T(math.Sqrt(float64(vi))) + eps)
			x[i] = xi - mhat*lr*adaptive*rect
		} else {
			x[i] = xi - mhat*lr
		}
	}
}
