package optim

import (
	"fmt"

	"github.com/descent-ml/descent/internal/parallel"
)

// RpropConfig holds Rprop's hyperparameters; the zero value is PyTorch's
// default (lr 1e-2, etas 0.5/1.2, step_sizes 1e-6/50).
type RpropConfig struct {
	LR        float64    `json:"lr"`         // initial step size Δ₀ (default 1e-2)
	Etas      [2]float64 `json:"etas"`       // η⁻, η⁺: step size decrease and increase factors (default 0.5, 1.2)
	StepSizes [2]float64 `json:"step_sizes"` // Δmin, Δmax: bounds of the step sizes (default 1e-6, 50)
	Maximize  bool       `json:"maximize"`   // ascend instead of descend
}

// Rprop is resilient backpropagation (Riedmiller & Braun 1993, "A Direct
// Adaptive Method for Faster Backpropagation Learning: The RPROP
// Algorithm"), as PyTorch's torch.optim.Rprop. Every element has its own
// step size Δ (γ at first) and remembers its previous gradient gₚ (0 at
// first). For each element at every step:
//
//	g ← ∇f(θ) (negated if maximize)
//	if g·gₚ > 0:  Δ ← min(Δη⁺, Δmax)
//	if g·gₚ < 0:  Δ ← max(Δη⁻, Δmin);  g ← 0
//	if g·gₚ = 0:  Δ unchanged (clamped to [Δmin, Δmax])
//	θ ← θ − sign(g)·Δ
//	gₚ ← g
//
// When the gradient changes sign, the element does not move in that step
// and, its remembered gradient being 0, its step size is left alone at the
// next one. Only the gradient's sign is used, so Rprop suits full-batch
// training, not mini-batches.
//
// State per parameter: step and the buffers prev (gₚ) and step_size (Δ).
type Rprop struct {
	core[RpropConfig]
}

func init() {
	register("rprop", "Rprop", func(p []*Param, c RpropConfig) (Optimizer, error) { return NewRprop(p, c) })
}

// NewRprop returns Rprop over one group of params.
func NewRprop(params []*Param, cfg RpropConfig) (*Rprop, error) {
	o := &Rprop{}
	if err := o.setup("Rprop", cfg, resolveRprop, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveRprop(c *RpropConfig) error {
	c.LR = OrDefault(c.LR, 1e-2)
	c.Etas[0] = OrDefault(c.Etas[0], 0.5)
	c.Etas[1] = OrDefault(c.Etas[1], 1.2)
	c.StepSizes[0] = OrDefault(c.StepSizes[0], 1e-6)
	c.StepSizes[1] = OrDefault(c.StepSizes[1], 50)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if !(0 < c.Etas[0] && c.Etas[0] < 1 && 1 < c.Etas[1]) {
		// +0 prints an explicit Zero as 0, not -0.
		return fmt.Errorf("invalid eta values: %v, %v (want 0 < etaminus < 1 < etaplus)", c.Etas[0]+0, c.Etas[1]+0)
	}
	return nil
}

// rpropStep is one step's scalars.
type rpropStep struct {
	lr, etaMinus, etaPlus, min, max, sign float64
}

func (o *Rprop) update(c *RpropConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	h := rpropStep{
		lr:       c.LR,
		etaMinus: c.Etas[0],
		etaPlus:  c.Etas[1],
		min:      c.StepSizes[0],
		max:      c.StepSizes[1],
		sign:     1,
	}
	if c.Maximize {
		h.sign = -1
	}
	if p.F32 != nil {
		rpropParam(&h, s, p.F32, p.G32)
	} else {
		rpropParam(&h, s, p.F64, p.G64)
	}
	return nil
}

func rpropParam[T Float](h *rpropStep, s *State, x, g []T) {
	prev := buf[T](s, "prev", len(x), 0)
	size := buf[T](s, "step_size", len(x), T(h.lr))
	parallel.For(len(x), grain, func(lo, hi int) {
		rpropKernel(h, x[lo:hi], g[lo:hi], prev[lo:hi], size[lo:hi])
	})
}

func rpropKernel[T Float](h *rpropStep, x, g, prev, size []T) {
	etaMinus, etaPlus := T(h.etaMinus), T(h.etaPlus)
	lo, hi, sign := T(h.min), T(h.max), T(h.sign)
	g, prev, size = g[:len(x)], prev[:len(x)], size[:len(x)]
	for i := range x {
		gi := sign * g[i]
		// The factor is chosen from the sign of the product in T, so
		// a product that underflows to 0 leaves Δ alone, as in
		// PyTorch; a NaN product gives a NaN factor.
		var f T
		switch pr := gi * prev[i]; {
		case pr > 0:
			f = etaPlus
		case pr < 0:
			f = etaMinus
		case pr == 0:
			f = 1
		default:
			f = pr
		}
		size[i] = min(max(size[i]*f, lo), hi)
		if f == etaMinus {
			gi = 0
		}
		switch {
		case gi > 0:
			x[i] -= size[i]
		case gi < 0:
			x[i] += size[i]
		case gi != gi:
			x[i] = gi
		}
		prev[i] = gi
	}
}
