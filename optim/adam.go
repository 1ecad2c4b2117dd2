package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// AdamConfig holds the hyperparameters of Adam and AdamW; the zero value is
// PyTorch's default (lr 1e-3, betas 0.9/0.999, eps 1e-8; weight decay 0 for
// Adam and 1e-2 for AdamW).
type AdamConfig struct {
	LR          float64    `json:"lr"`           // learning rate γ (default 1e-3)
	Betas       [2]float64 `json:"betas"`        // β₁, β₂ (default 0.9, 0.999)
	Eps         float64    `json:"eps"`          // ε added to the denominator (default 1e-8)
	WeightDecay float64    `json:"weight_decay"` // λ: L2 for Adam, decoupled for AdamW
	AMSGrad     bool       `json:"amsgrad"`      // use the running maximum of v
	Maximize    bool       `json:"maximize"`     // ascend instead of descend
}

// Adam is PyTorch's torch.optim.Adam (Kingma & Ba 2015), and AdamW (same
// struct, decoupled weight decay, Loshchilov & Hutter 2019) is
// torch.optim.AdamW. For step t:
//
//	g ← ∇f(θ) (negated if maximize)
//	θ ← θ(1 − γλ)                 AdamW only
//	g ← g + λθ                    Adam only
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	v̂ ← max(v̂, v) if amsgrad, else v
//	θ ← θ − (γ/(1−β₁ᵗ)) · m / (√v̂/√(1−β₂ᵗ) + ε)
//
// The update is one fused pass over θ, g, m and v, parallel over cores for
// large tensors.
type Adam struct {
	core[AdamConfig]
	decoupled bool
	// Scratch for one parameter's update, reused every step so a step
	// does not allocate.
	t32 adamTask[float32]
	t64 adamTask[float64]
}

func init() {
	register("adam", "Adam", func(p []*Param, c AdamConfig) (Optimizer, error) { return NewAdam(p, c) })
	register("adamw", "AdamW", func(p []*Param, c AdamConfig) (Optimizer, error) { return NewAdamW(p, c) })
}

// NewAdam returns Adam over one group of params.
func NewAdam(params []*Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("Adam", false, params, cfg)
}

// NewAdamW returns AdamW (decoupled weight decay, default 1e-2) over one
// group of params.
func NewAdamW(params []*Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("AdamW", true, params, cfg)
}

func newAdam(name string, decoupled bool, params []*Param, cfg AdamConfig) (*Adam, error) {
	o := &Adam{decoupled: decoupled}
	resolve := func(c *AdamConfig) error { return resolveAdam(c, decoupled) }
	if err := o.setup(name, cfg, resolve, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveAdam(c *AdamConfig, decoupled bool) error {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if decoupled {
		c.WeightDecay = OrDefault(c.WeightDecay, 1e-2)
	}
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

func (o *Adam) update(c *AdamConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	t := float64(s.Step)
	h := adamStep{
		lr:       c.LR,
		beta1:    c.Betas[0],
		beta2:    c.Betas[1],
		eps:      c.Eps,
		stepSize: c.LR / (1 - math.Pow(c.Betas[0], t)),
		bc2sqrt:  math.Sqrt(1 - math.Pow(c.Betas[1], t)),
		sign:     1,
	}
	if c.Maximize {
		h.sign = -1
	}
	if o.decoupled {
		h.decoupled, h.decay = true, 1-c.LR*c.WeightDecay
	} else {
		h.wd = c.WeightDecay
	}
	if p.F32 != nil {
		o.t32.run(&h, s, c.AMSGrad, p.F32, p.G32)
	} else {
		o.t64.run(&h, s, c.AMSGrad, p.F64, p.G64)
	}
	return nil
}

// adamStep is one step's scalars.
type adamStep struct {
	lr, beta1, beta2, eps float64
	stepSize, bc2sqrt     float64
	wd                    float64 // L2 weight decay added to the gradient (Adam)
	decay                 float64 // multiplicative decay of θ (AdamW)
	decoupled             bool    // apply decay
	sign                  float64
}

// adamTask updates one parameter, chunk by chunk over the cores.
type adamTask[T Float] struct {
	h                adamStep
	k                kernel.AdamK // h as float32 vectors for the SIMD kernel
	x, g, m, v, vmax []T
}

func (t *adamTask[T]) run(h *adamStep, s *State, amsgrad bool, x, g []T) {
	t.h = *h
	t.x, t.g = x, g
	t.m = buf[T](s, "exp_avg", len(x), 0)
	t.v = buf[T](s, "exp_avg_sq", len(x), 0)
	t.vmax = nil
	if amsgrad {
		t.vmax = buf[T](s, "max_exp_avg_sq", len(x), 0)
	}
	if _, ok := any(x).([]float32); ok {
		k := &t.k
		kernel.Fill(&k.B1, float32(h.beta1))
		kernel.Fill(&k.C1, float32(1-h.beta1))
		kernel.Fill(&k.B2, float32(h.beta2))
		kernel.Fill(&k.C2, float32(1-h.beta2))
		kernel.Fill(&k.Step, float32(h.stepSize))
		kernel.Fill(&k.BC, float32(h.bc2sqrt))
		kernel.Fill(&k.Eps, float32(h.eps))
		kernel.Fill(&k.WD, float32(h.wd))
		kernel.Fill(&k.Sign, float32(h.sign))
		decay := float32(1)
		if h.decoupled {
			decay = float32(h.decay)
		}
		kernel.Fill(&k.Decay, decay)
	}
	parallel.Run(len(x), grain, t)
	t.x, t.g, t.m, t.v, t.vmax = nil, nil, nil, nil, nil
}

// Run updates elements [lo, hi): the SIMD kernel takes what it can of a
// float32 parameter without amsgrad, adamKernel the rest.
func (t *adamTask[T]) Run(lo, hi int) {
	x, g, m, v := t.x[lo:hi], t.g[lo:hi], t.m[lo:hi], t.v[lo:hi]
	var vmax []T
	if t.vmax != nil {
		vmax = t.vmax[lo:hi]
	} else if x32, ok := any(x).([]float32); ok {
		n := kernel.Adam(x32, any(g).([]float32), any(m).([]float32), any(v).([]float32), &t.k)
		x, g, m, v = x[n:], g[n:], m[n:], v[n:]
	}
	adamKernel(&t.h, x, g, m, v, vmax)
}

func adamKernel[T Float](h *adamStep, x, g, m, v, vmax []T) {
	b1, c1 := T(h.beta1), T(1-h.beta1)
	b2, c2 := T(h.beta2), T(1-h.beta2)
	step, bc, eps := T(h.stepSize), T(h.bc2sqrt), T(h.eps)
	wd, decay, sign, decoupled := T(h.wd), T(h.decay), T(h.sign), h.decoupled
	g, m, v = g[:len(x)], m[:len(x)], v[:len(x)]
	for i := range x {
		gi := sign * g[i]
		xi := x[i]
		if decoupled {
			xi *= decay
		}
		if wd != 0 {
			gi += wd * xi
		}
		mi := m[i]*b1 + c1*gi
		vi := v[i]*b2 + c2*(gi*gi)
		m[i], v[i] = mi, vi
		if vmax != nil {
			vi = max(vmax[i], vi)
			vmax[i] = vi
		}
		den := T(math.Sqrt(float64(vi)))/bc + eps
		x[i] = xi - step*(mi/den)
	}
}
