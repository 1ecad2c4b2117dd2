package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// AdaBeliefConfig holds AdaBelief's hyperparameters; the zero value is the
// default of the paper and of the authors' adabelief-pytorch (lr 1e-3,
// betas 0.9/0.999, eps 1e-16, no weight decay, no AMSGrad). With the
// default weight decay of 0, weight_decouple makes no difference;
// adabelief-pytorch 0.2 turns it on by default, the paper's algorithm
// (and this zero value) does not.
type AdaBeliefConfig struct {
	LR             float64    `json:"lr"`              // learning rate γ (default 1e-3)
	Betas          [2]float64 `json:"betas"`           // β₁, β₂ (default 0.9, 0.999)
	Eps            float64    `json:"eps"`             // ε, added to s and to the denominator (default 1e-16)
	WeightDecay    float64    `json:"weight_decay"`    // λ: L2 penalty, or decoupled with weight_decouple (default 0)
	WeightDecouple bool       `json:"weight_decouple"` // decay θ by γλ as AdamW instead of adding λθ to g
	AMSGrad        bool       `json:"amsgrad"`         // use the running maximum of s
}

// AdaBelief is the optimizer of Zhuang, Tang, Ding, Tatikonda, Dvornek,
// Papademetris and Duncan (2020), "AdaBelief Optimizer: Adapting Stepsizes
// by the Belief in Observed Gradients", arXiv:2010.07468 (Algorithm 2):
// Adam with the second moment of g replaced by that of g − m, the
// "belief" in the gradient. For step t:
//
//	g ← ∇f(θ)
//	θ ← θ(1 − γλ)                 if weight_decouple
//	g ← g + λθ                    otherwise
//	m ← β₁m + (1−β₁)g
//	s ← β₂s + (1−β₂)(g − m)² + ε
//	ŝ ← max(ŝ, s) if amsgrad, else s
//	θ ← θ − (γ/(1−β₁ᵗ)) · m / (√ŝ/√(1−β₂ᵗ) + ε)
//
// as in adabelief-pytorch with rectify and fixed_decay off (the rectified
// RAdam-style variant is not implemented). The state is "exp_avg" (m),
// "exp_avg_var" (s), "max_exp_avg_var" (ŝ, with amsgrad) and the step
// count.
type AdaBelief struct {
	core[AdaBeliefConfig]
}

func init() {
	register("adabelief", "AdaBelief", func(p []*Param, c AdaBeliefConfig) (Optimizer, error) { return NewAdaBelief(p, c) })
}

// NewAdaBelief returns AdaBelief over one group of params.
func NewAdaBelief(params []*Param, cfg AdaBeliefConfig) (*AdaBelief, error) {
	o := &AdaBelief{}
	if err := o.setup("AdaBelief", cfg, resolveAdaBelief, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveAdaBelief(c *AdaBeliefConfig) error {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-16)
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

func (o *AdaBelief) update(c *AdaBeliefConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		adaBeliefParam(c, s, p.F32, p.G32)
	} else {
		adaBeliefParam(c, s, p.F64, p.G64)
	}
	return nil
}

func adaBeliefParam[T Float](c *AdaBeliefConfig, s *State, x, g []T) {
	t := float64(s.Step)
	b1, c1 := T(c.Betas[0]), T(1-c.Betas[0])
	b2, c2 := T(c.Betas[1]), T(1-c.Betas[1])
	step := T(c.LR / (1 - math.Pow(c.Betas[0], t)))
	bc2sqrt := T(math.Sqrt(1 - math.Pow(c.Betas[1], t)))
	eps := T(c.Eps)
	var wd, decay T
	decoupled := c.WeightDecouple && c.WeightDecay != 0
	if decoupled {
		decay = T(1 - c.LR*c.WeightDecay)
	} else {
		wd = T(c.WeightDecay)
	}
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_var", len(x), 0)
	var vmax []T
	if c.AMSGrad {
		vmax = buf[T](s, "max_exp_avg_var", len(x), 0)
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		x, g, m, v := x[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
		var vm []T
		if vmax != nil {
			vm = vmax[lo:hi]
		}
		for i := range x {
			gi, xi := g[i], x[i]
			if decoupled {
				xi *= decay
			} else if wd != 0 {
				gi += wd * xi
			}
			mi := m[i]*b1 + c1*gi
			d := gi - mi
			vi := v[i]*b2 + c2*(d*d) + eps
			m[i], v[i] = mi, vi
			if vm != nil {
				vi = max(vm[i], vi)
				vm[i] = vi
			}
			den := T(math.Sqrt(float64(vi)))/bc2sqrt + eps
			x[i] = xi - step*(mi/den)
		}
	})
}
