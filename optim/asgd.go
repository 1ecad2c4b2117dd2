package optim

import (
	"math"
	"slices"

	"github.com/descent-ml/descent/internal/parallel"
)

// ASGDConfig holds ASGD's hyperparameters; the zero value is PyTorch's
// default (lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6).
type ASGDConfig struct {
	LR          float64 `json:"lr"`           // learning rate γ (default 1e-2)
	Lambd       float64 `json:"lambd"`        // decay term λ (default 1e-4)
	Alpha       float64 `json:"alpha"`        // power α of the η schedule (default 0.75)
	T0          float64 `json:"t0"`           // step t₀ after which averaging starts (default 1e6)
	WeightDecay float64 `json:"weight_decay"` // L2 penalty w (default 0)
	Maximize    bool    `json:"maximize"`     // ascend instead of descend
}

// ASGD is averaged stochastic gradient descent (Polyak & Juditsky 1992,
// "Acceleration of Stochastic Approximation by Averaging"), as PyTorch's
// torch.optim.ASGD. Each parameter keeps a step size η (γ before its first
// step), an averaging weight μ (1 before its first step) and the average
// a of its iterates. For step t:
//
//	g ← ∇f(θ) (negated if maximize) + wθ
//	θ ← θ(1 − λη)
//	θ ← θ − ηg
//	a ← a + μ(θ − a) if μ ≠ 1, else θ
//	η ← γ / (1 + λγt)^α
//	μ ← 1 / max(1, t − t₀)
//
// η and μ are computed after the update, so step t uses the values of step
// t−1. Up to step t₀+2 the average is the current iterate; after it, for
// an integer t₀, a at step t is the mean of the iterates of steps
// t₀+2..t. The parameters themselves follow plain SGD with a slowly
// decaying step size (and an extra decay λ); the average, which Averaged32
// and Averaged64 return, is what a user evaluates the model with.
//
// State per parameter: step, the scalars eta and mu, and the buffer ax
// (the average a).
type ASGD struct {
	core[ASGDConfig]
}

func init() {
	register("asgd", "ASGD", func(p []*Param, c ASGDConfig) (Optimizer, error) { return NewASGD(p, c) })
}

// NewASGD returns ASGD over one group of params.
func NewASGD(params []*Param, cfg ASGDConfig) (*ASGD, error) {
	o := &ASGD{}
	if err := o.setup("ASGD", cfg, resolveASGD, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveASGD(c *ASGDConfig) error {
	c.LR = OrDefault(c.LR, 1e-2)
	c.Lambd = OrDefault(c.Lambd, 1e-4)
	c.Alpha = OrDefault(c.Alpha, 0.75)
	c.T0 = OrDefault(c.T0, 1e6)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

// Averaged32 returns a copy of the averaged values of float32 parameter p
// (the state buffer "ax"): the parameters to evaluate the model with, as
// PyTorch users swap state["ax"] in before evaluating. Up to step t0+2
// they equal the parameter itself. It returns nil when p has not been updated
// yet, is not a float32 parameter, or does not belong to o.
func (o *ASGD) Averaged32(p *Param) []float32 {
	if s := o.state[p]; s != nil {
		if a, ok := s.Buf("ax").([]float32); ok {
			return slices.Clone(a)
		}
	}
	return nil
}

// Averaged64 is Averaged32 for a float64 parameter.
func (o *ASGD) Averaged64(p *Param) []float64 {
	if s := o.state[p]; s != nil {
		if a, ok := s.Buf("ax").([]float64); ok {
			return slices.Clone(a)
		}
	}
	return nil
}

func (o *ASGD) update(c *ASGDConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if s.Step == 0 {
		s.SetScalar("eta", c.LR)
		s.SetScalar("mu", 1)
	}
	s.Step++
	t := float64(s.Step)
	eta, mu := s.Scalar("eta"), s.Scalar("mu")
	h := asgdStep{
		eta:   eta,
		decay: 1 - c.Lambd*eta,
		wd:    c.WeightDecay,
		mu:    mu,
		sign:  1,
	}
	if c.Maximize {
		h.sign = -1
	}
	if p.F32 != nil {
		asgdParam(&h, s, p.F32, p.G32)
	} else {
		asgdParam(&h, s, p.F64, p.G64)
	}
	s.SetScalar("eta", c.LR/math.Pow(1+c.Lambd*c.LR*t, c.Alpha))
	s.SetScalar("mu", 1/max(1, t-c.T0))
	return nil
}

// asgdStep is one step's scalars.
type asgdStep struct {
	eta, decay, wd, mu, sign float64
}

func asgdParam[T Float](h *asgdStep, s *State, x, g []T) {
	ax := buf[T](s, "ax", len(x), 0)
	parallel.For(len(x), grain, func(lo, hi int) {
		asgdKernel(h, x[lo:hi], g[lo:hi], ax[lo:hi])
	})
}

func asgdKernel[T Float](h *asgdStep, x, g, ax []T) {
	eta, decay, wd, mu, sign := T(h.eta), T(h.decay), T(h.wd), T(h.mu), T(h.sign)
	average := h.mu != 1
	g, ax = g[:len(x)], ax[:len(x)]
	for i := range x {
		xi := x[i]
		gi := sign * g[i]
		if wd != 0 {
			gi += wd * xi
		}
		xi *= decay
		xi -= eta * gi
		x[i] = xi
		if average {
			ax[i] += (xi - ax[i]) * mu
		} else {
			ax[i] = xi
		}
	}
}
