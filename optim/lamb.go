package optim

import (
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// LAMBConfig holds LAMB's hyperparameters; the zero value is the paper's
// default (lr 1e-3, betas 0.9/0.999, eps 1e-6, no weight decay, no
// clamping of the weight norm).
type LAMBConfig struct {
	LR          float64    `json:"lr"`           // learning rate γ (default 1e-3)
	Betas       [2]float64 `json:"betas"`        // β₁, β₂ (default 0.9, 0.999)
	Eps         float64    `json:"eps"`          // ε added to the denominator (default 1e-6)
	WeightDecay float64    `json:"weight_decay"` // λ, added to the update before the trust ratio (default 0)
	ClampValue  float64    `json:"clamp_value"`  // upper bound on ‖θ‖ in the trust ratio; 0 means none
}

// LAMB is the Layer-wise Adaptive Moments optimizer for Batch training of
// You, Li, Reddi, Hseu, Kumar, Bhojanapalli, Song, Demmel, Keutzer and
// Hsieh (2020), "Large Batch Optimization for Deep Learning: Training BERT
// in 76 minutes", arXiv:1904.00962 (Algorithm 2). For step t and each
// parameter tensor (a "layer"):
//
//	g ← ∇f(θ)
//	m ← β₁m + (1−β₁)g
//	v ← β₂v + (1−β₂)g²
//	m̂ ← m/(1−β₁ᵗ),  v̂ ← v/(1−β₂ᵗ)
//	r ← m̂/(√v̂ + ε) + λθ
//	w ← min(‖θ‖, clamp_value)      (‖θ‖ when clamp_value is 0)
//	ρ ← w/‖r‖, or 1 when w or ‖r‖ is 0
//	θ ← θ − γρr
//
// The paper's scaling function φ is φ(z) = min(z, clamp_value) here
// (γ_l = 0, γ_u = clamp_value), as the clamp_value of the torch-optimizer
// package's Lamb, or the identity by default (torch-optimizer defaults to
// 10; the paper leaves φ open). Norms are
// Euclidean norms over the whole tensor, summed in float64 from per-chunk
// partial sums combined in chunk order, so they do not depend on the
// thread count. The state is "exp_avg" (m), "exp_avg_sq" (v) and the step
// count.
type LAMB struct {
	core[LAMBConfig]
}

func init() {
	register("lamb", "LAMB", func(p []*Param, c LAMBConfig) (Optimizer, error) { return NewLAMB(p, c) })
}

// NewLAMB returns LAMB over one group of params.
func NewLAMB(params []*Param, cfg LAMBConfig) (*LAMB, error) {
	o := &LAMB{}
	if err := o.setup("LAMB", cfg, resolveLAMB, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveLAMB(c *LAMBConfig) error {
	c.LR = OrDefault(c.LR, 1e-3)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-6)
	if err := checkAdamLike(c.LR, c.Eps, c.Betas); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkNonNeg("clamp_value", c.ClampValue)
}

func (o *LAMB) update(c *LAMBConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		lambParam(c, s, p.F32, p.G32)
	} else {
		lambParam(c, s, p.F64, p.G64)
	}
	return nil
}

// lambStep is one step's scalars, in the parameter's type.
type lambStep[T Float] struct {
	b1, c1, b2, c2 T
	bc1, bc2       T // 1−β₁ᵗ, 1−β₂ᵗ
	eps, wd        T
}

// dir returns r = m̂/(√v̂ + ε) + λθ for one element.
func (h *lambStep[T]) dir(m, v, x T) T {
	mh, vh := m/h.bc1, v/h.bc2
	return mh/(T(math.Sqrt(float64(vh)))+h.eps) + h.wd*x
}

func lambParam[T Float](c *LAMBConfig, s *State, x, g []T) {
	t := float64(s.Step)
	h := lambStep[T]{
		b1: T(c.Betas[0]), c1: T(1 - c.Betas[0]),
		b2: T(c.Betas[1]), c2: T(1 - c.Betas[1]),
		bc1: T(1 - math.Pow(c.Betas[0], t)), bc2: T(1 - math.Pow(c.Betas[1], t)),
		eps: T(c.Eps), wd: T(c.WeightDecay),
	}
	m := buf[T](s, "exp_avg", len(x), 0)
	v := buf[T](s, "exp_avg_sq", len(x), 0)

	// Pass 1: the moments, and ‖θ‖², ‖r‖² by chunk.
	parts := make([]float64, 2*parallel.Chunks(len(x), grain))
	parallel.For(len(x), grain, func(lo, hi int) {
		x, g, m, v := x[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]
		var sx, sr float64
		for i := range x {
			gi := g[i]
			mi := m[i]*h.b1 + h.c1*gi
			vi := v[i]*h.b2 + h.c2*(gi*gi)
			m[i], v[i] = mi, vi
			r := float64(h.dir(mi, vi, x[i]))
			xi := float64(x[i])
			sx += xi * xi
			sr += r * r
		}
		k := lo / grain
		parts[2*k], parts[2*k+1] = sx, sr
	})
	xn, rn := sumChunkPairs(parts)
	w := xn
	if c.ClampValue > 0 {
		w = min(w, c.ClampValue)
	}
	ratio := 1.0
	if w > 0 && rn > 0 {
		ratio = w / rn
	}

	// Pass 2: θ ← θ − γρr.
	step := T(c.LR * ratio)
	parallel.For(len(x), grain, func(lo, hi int) {
		x, m, v := x[lo:hi], m[lo:hi], v[lo:hi]
		for i := range x {
			x[i] -= step * h.dir(m[i], v[i], x[i])
		}
	})
}

// sumChunkPairs adds up per-chunk partial sums of squares laid out as
// (a₀, b₀, a₁, b₁, ...) in chunk order and returns √Σa, √Σb. The order is
// fixed, so the norms do not depend on how many threads filled parts.
func sumChunkPairs(parts []float64) (na, nb float64) {
	var sa, sb float64
	for k := 0; k+1 < len(parts); k += 2 {
		sa += parts[k]
		sb += parts[k+1]
	}
	return math.Sqrt(sa), math.Sqrt(sb)
}
