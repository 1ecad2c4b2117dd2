package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// RMSpropConfig holds RMSprop's hyperparameters; the zero value is
// PyTorch's default (lr 1e-2, alpha 0.99, eps 1e-8, no momentum, not
// centered).
type RMSpropConfig struct {
	LR          float64 `json:"lr"`           // learning rate γ (default 1e-2)
	Alpha       float64 `json:"alpha"`        // smoothing constant α (default 0.99)
	Eps         float64 `json:"eps"`          // ε added to the denominator (default 1e-8)
	WeightDecay float64 `json:"weight_decay"` // L2 penalty λ (default 0)
	Momentum    float64 `json:"momentum"`     // momentum factor μ (default 0)
	Centered    bool    `json:"centered"`     // normalise by the estimated variance
	Maximize    bool    `json:"maximize"`     // ascend instead of descend
}

// RMSprop is PyTorch's torch.optim.RMSprop (Hinton, Srivastava & Swersky,
// "Neural Networks for Machine Learning", lecture 6e, 2012; centered form
// from Graves 2013, "Generating Sequences With Recurrent Neural Networks",
// arXiv:1308.0850):
//
//	g ← ∇f(θ) (negated if maximize) + λθ
//	v ← αv + (1−α)g²
//	ḡ ← αḡ + (1−α)g;  d ← √(v − ḡ²) + ε      if centered
//	d ← √v + ε                               otherwise
//	b ← μb + g/d;  θ ← θ − γb                if μ > 0
//	θ ← θ − γ g/d                            otherwise
//
// v is the state "square_avg", ḡ "grad_avg" and b "momentum_buffer"; all
// start at zero. Sparse gradients are refused.
type RMSprop struct {
	core[RMSpropConfig]
}

func init() {
	register("rmsprop", "RMSprop", func(p []*Param, c RMSpropConfig) (Optimizer, error) { return NewRMSprop(p, c) })
}

// NewRMSprop returns RMSprop over one group of params.
func NewRMSprop(params []*Param, cfg RMSpropConfig) (*RMSprop, error) {
	o := &RMSprop{}
	if err := o.setup("RMSprop", cfg, resolveRMSprop, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveRMSprop(c *RMSpropConfig) error {
	c.LR = OrDefault(c.LR, 1e-2)
	c.Alpha = OrDefault(c.Alpha, 0.99)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("epsilon value", c.Eps); err != nil {
		return err
	}
	if err := checkNonNeg("momentum value", c.Momentum); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkNonNeg("alpha value", c.Alpha)
}

func (o *RMSprop) update(c *RMSpropConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		rmspropParam(c, s, p.F32, p.G32)
	} else {
		rmspropParam(c, s, p.F64, p.G64)
	}
	return nil
}

type rmspropScalars[T Float] struct {
	lr, alpha, c, eps, wd, mu, sign T
}

func rmspropParam[T Float](c *RMSpropConfig, s *State, x, g []T) {
	v := buf[T](s, "square_avg", len(x), 0)
	var b, ga []T
	if c.Momentum > 0 {
		b = buf[T](s, "momentum_buffer", len(x), 0)
	}
	if c.Centered {
		ga = buf[T](s, "grad_avg", len(x), 0)
	}
	h := rmspropScalars[T]{lr: T(c.LR), alpha: T(c.Alpha), c: T(1 - c.Alpha), eps: T(c.Eps),
		wd: T(c.WeightDecay), mu: T(c.Momentum), sign: 1}
	if c.Maximize {
		h.sign = -1
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		var bb, gg []T
		if b != nil {
			bb = b[lo:hi]
		}
		if ga != nil {
			gg = ga[lo:hi]
		}
		rmspropKernel(&h, x[lo:hi], g[lo:hi], v[lo:hi], bb, gg)
	})
}

// rmspropKernel updates one chunk; b is nil without momentum and ga nil
// when not centered.
func rmspropKernel[T Float](h *rmspropScalars[T], x, g, v, b, ga []T) {
	lr, alpha, c, eps, wd, mu, sign := h.lr, h.alpha, h.c, h.eps, h.wd, h.mu, h.sign
	g, v = g[:len(x)], v[:len(x)]
	for i := range x {
		gi := sign * g[i]
		if wd != 0 {
			gi += wd * x[i]
		}
		vi := v[i]*alpha + c*gi*gi
		v[i] = vi
		if ga != nil {
			m := ga[i]*alpha + c*gi
			ga[i] = m
			vi -= m * m
		}
		d := T(math.Sqrt(float64(vi))) + eps
		if b != nil {
			bi := b[i]*mu + gi/d
			b[i] = bi
			x[i] -= lr * bi
		} else {
			x[i] -= lr * gi / d
		}
	}
}
