package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// AdamaxConfig holds Adamax's hyperparameters; the zero value is PyTorch's
// default (lr 2e-3, betas 0.9/0.999, eps 1e-8).
type AdamaxConfig struct {
	LR          float64    `json:"lr"`           // learning rate γ (default 2e-3)
	Betas       [2]float64 `json:"betas"`        // β₁, β₂ (default 0.9, 0.999)
	Eps         float64    `json:"eps"`          // ε added to |g| (default 1e-8)
	WeightDecay float64    `json:"weight_decay"` // L2 penalty λ (default 0)
	Maximize    bool       `json:"maximize"`     // ascend instead of descend
}

// Adamax is PyTorch's torch.optim.Adamax, the infinity-norm variant of Adam
// (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization",
// arXiv:1412.6980, section 7.1). For step t:
//
//	g ← ∇f(θ) (negated if maximize) + λθ
//	m ← β₁m + (1−β₁)g
//	u ← max(β₂u, |g| + ε)
//	θ ← θ − (γ/(1−β₁ᵗ)) · m/u
//
// m is the state "exp_avg" and u "exp_inf"; both start at zero. Sparse
// gradients are refused.
type Adamax struct {
	core[AdamaxConfig]
}

func init() {
	register("adamax", "Adamax", func(p []*Param, c AdamaxConfig) (Optimizer, error) { return NewAdamax(p, c) })
}

// NewAdamax returns Adamax over one group of params.
func NewAdamax(params []*Param, cfg AdamaxConfig) (*Adamax, error) {
	o := &Adamax{}
	if err := o.setup("Adamax", cfg, resolveAdamax, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveAdamax(c *AdamaxConfig) error {
	c.LR = OrDefault(c.LR, 2e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

func (o *Adamax) update(c *AdamaxConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	clr := c.LR / (1 - math.Pow(c.Betas[0], float64(s.Step)))
	if p.F32 != nil {
		adamaxParam(c, s, clr, p.F32, p.G32)
	} else {
		adamaxParam(c, s, clr, p.F64, p.G64)
	}
	return nil
}

type adamaxScalars[T Float] struct {
	clr, b1, c1, b2, eps, wd, sign T
}

func adamaxParam[T Float](c *AdamaxConfig, s *State, clr float64, x, g []T) {
	m := buf[T](s, "exp_avg", len(x), 0)
	u := buf[T](s, "exp_inf", len(x), 0)
	h := adamaxScalars[T]{clr: T(clr), b1: T(c.Betas[0]), c1: T(1 - c.Betas[0]), b2: T(c.Betas[1]),
		eps: T(c.Eps), wd: T(c.WeightDecay), sign: 1}
	if c.Maximize {
		h.sign = -1
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		adamaxKernel(&h, x[lo:hi], g[lo:hi], m[lo:hi], u[lo:hi])
	})
}

func adamaxKernel[T Float](h *adamaxScalars[T], x, g, m, u []T) {
	clr, b1, c1, b2, eps, wd, sign := h.clr, h.b1, h.c1, h.b2, h.eps, h.wd, h.sign
	g, m, u = g[:len(x)], m[:len(x)], u[:len(x)]
	for i := range x {
		gi := sign * g[i]
		if wd != 0 {
			gi += wd * x[i]
		}
		mi := m[i]*b1 + c1*gi
		m[i] = mi
		ui := max(u[i]*b2, T(math.Abs(float64(gi)))+eps)
		u[i] = ui
		x[i] -= clr * mi / ui
	}
}
