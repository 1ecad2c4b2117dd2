package optim

import (
	"github.com/descent-ml/descent/internal/parallel"
)

// LionConfig holds Lion's hyperparameters; the zero value is the paper's
// default (lr 1e-4, betas 0.9/0.99, no weight decay), which is also the
// default of the authors' reference implementation.
type LionConfig struct {
	LR          float64    `json:"lr"`           // learning rate γ (default 1e-4)
	Betas       [2]float64 `json:"betas"`        // β₁ (interpolation), β₂ (momentum) (default 0.9, 0.99)
	WeightDecay float64    `json:"weight_decay"` // decoupled weight decay λ (default 0)
}

// Lion is the EvoLved Sign Momentum optimizer of Chen, Liang, Huang, Real,
// Wang, Pham, Dong, Luong, Hsieh, Lu and Le (2023), "Symbolic Discovery of
// Optimization Algorithms", arXiv:2302.06675 (Algorithm 2). For each step:
//
//	g ← ∇f(θ)
//	c ← β₁m + (1−β₁)g
//	θ ← θ(1 − γλ)                 decoupled weight decay
//	θ ← θ − γ·sign(c)             sign(0) = 0
//	m ← β₂m + (1−β₂)g
//
// Every coordinate moves by exactly γ (plus the decay), so Lion wants a
// learning rate 3–10× smaller than AdamW's and a weight decay 3–10× larger.
// The state is one buffer, "exp_avg" (m), and the step count.
type Lion struct {
	core[LionConfig]
}

func init() {
	register("lion", "Lion", func(p []*Param, c LionConfig) (Optimizer, error) { return NewLion(p, c) })
}

// NewLion returns Lion over one group of params.
func NewLion(params []*Param, cfg LionConfig) (*Lion, error) {
	o := &Lion{}
	if err := o.setup("Lion", cfg, resolveLion, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveLion(c *LionConfig) error {
	c.LR = OrDefault(c.LR, 1e-4)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.99)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	for i, b := range c.Betas {
		if err := checkBeta(i, b); err != nil {
			return err
		}
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

func (o *Lion) update(c *LionConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		lionParam(c, s, p.F32, p.G32)
	} else {
		lionParam(c, s, p.F64, p.G64)
	}
	return nil
}

func lionParam[T Float](c *LionConfig, s *State, x, g []T) {
	m := buf[T](s, "exp_avg", len(x), 0)
	lr, decay := T(c.LR), T(1-c.LR*c.WeightDecay)
	b1, c1 := T(c.Betas[0]), T(1-c.Betas[0])
	b2, c2 := T(c.Betas[1]), T(1-c.Betas[1])
	wd := c.WeightDecay != 0
	parallel.For(len(x), grain, func(lo, hi int) {
		x, g, m := x[lo:hi], g[lo:hi], m[lo:hi]
		for i := range x {
			gi, mi := g[i], m[i]
			xi := x[i]
			if wd {
				xi *= decay
			}
			switch u := mi*b1 + c1*gi; {
			case u > 0:
				xi -= lr
			case u < 0:
				xi += lr
			}
			x[i] = xi
			m[i] = mi*b2 + c2*gi
		}
	})
}
