package optim

import (
	"github.com/descent-ml/descent/internal/parallel"
)

// LARSConfig holds LARS's hyperparameters. The zero value is momentum 0.9,
// trust coefficient 1e-3, eps 1e-8 and no weight decay, the defaults of
// the common implementations (PyTorch Lightning Bolts' LARS, torchlars,
// NVIDIA's LARC). Neither the paper nor those implementations has a
// default learning rate; descent's is 1, which makes η the largest
// relative change of a layer's weights in one step (without momentum).
type LARSConfig struct {
	LR               float64 `json:"lr"`                // global learning rate γ (default 1)
	Momentum         float64 `json:"momentum"`          // momentum μ (default 0.9; Zero for none)
	WeightDecay      float64 `json:"weight_decay"`      // L2 penalty λ (default 0)
	TrustCoefficient float64 `json:"trust_coefficient"` // trust coefficient η (default 1e-3)
	Eps              float64 `json:"eps"`               // ε in the trust ratio's denominator (default 1e-8)
}

// LARS is Layer-wise Adaptive Rate Scaling, from You, Gitman and Ginsburg
// (2017), "Large Batch Training of Convolutional Networks",
// arXiv:1708.03888, in the form it is commonly implemented (torchlars,
// Lightning Bolts' LARS, NVIDIA's LARC with clip off): SGD with momentum
// in which each parameter tensor's gradient is first scaled by its own
// local learning rate. For each step and each parameter tensor:
//
//	g ← ∇f(θ)
//	ρ ← η‖θ‖/(‖g‖ + λ‖θ‖ + ε), or 1 when ‖θ‖ or ‖g‖ is 0
//	d ← ρ(g + λθ)
//	b ← d at the first step, else μb + d
//	θ ← θ − γb
//
// This is the paper's Algorithm 1 (v ← μv + γρ(g + λθ), θ ← θ − v) with
// the global learning rate moved outside the momentum, as PyTorch's SGD
// does; the two agree while γ is constant. Unlike Bolts' LARS, the trust
// ratio is applied whether or not there is weight decay, as in the paper.
// Norms are Euclidean norms over the tensor, summed in float64 from
// per-chunk partial sums combined in chunk order, so they do not depend on
// the thread count. The state is "momentum_buffer" (b) and the step count.
type LARS struct {
	core[LARSConfig]
}

func init() {
	register("lars", "LARS", func(p []*Param, c LARSConfig) (Optimizer, error) { return NewLARS(p, c) })
}

// NewLARS returns LARS over one group of params.
func NewLARS(params []*Param, cfg LARSConfig) (*LARS, error) {
	o := &LARS{}
	if err := o.setup("LARS", cfg, resolveLARS, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveLARS(c *LARSConfig) error {
	c.LR = OrDefault(c.LR, 1)
	c.Momentum = OrDefault(c.Momentum, 0.9)
	c.TrustCoefficient = OrDefault(c.TrustCoefficient, 1e-3)
	c.Eps = OrDefault(c.Eps, 1e-8)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("momentum value", c.Momentum); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	if err := checkNonNeg("trust_coefficient", c.TrustCoefficient); err != nil {
		return err
	}
	return checkNonNeg("epsilon value", c.Eps)
}

func (o *LARS) update(c *LARSConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		larsParam(c, s, p.F32, p.G32)
	} else {
		larsParam(c, s, p.F64, p.G64)
	}
	return nil
}

func larsParam[T Float](c *LARSConfig, s *State, x, g []T) {
	// Pass 1: ‖θ‖², ‖g‖² by chunk.
	parts := make([]float64, 2*parallel.Chunks(len(x), grain))
	parallel.For(len(x), grain, func(lo, hi int) {
		x, g := x[lo:hi], g[lo:hi]
		var sx, sg float64
		for i := range x {
			xi, gi := float64(x[i]), float64(g[i])
			sx += xi * xi
			sg += gi * gi
		}
		k := lo / grain
		parts[2*k], parts[2*k+1] = sx, sg
	})
	xn, gn := sumChunkPairs(parts)
	ratio := 1.0
	if xn > 0 && gn > 0 {
		ratio = c.TrustCoefficient * xn / (gn + c.WeightDecay*xn + c.Eps)
	}

	// Pass 2: the momentum step.
	rho, wd, lr, mu := T(ratio), T(c.WeightDecay), T(c.LR), T(c.Momentum)
	if c.Momentum == 0 {
		parallel.For(len(x), grain, func(lo, hi int) {
			x, g := x[lo:hi], g[lo:hi]
			for i := range x {
				x[i] -= lr * (rho * (g[i] + wd*x[i]))
			}
		})
		return
	}
	first := s.Buf("momentum_buffer") == nil
	b := buf[T](s, "momentum_buffer", len(x), 0)
	parallel.For(len(x), grain, func(lo, hi int) {
		x, g, b := x[lo:hi], g[lo:hi], b[lo:hi]
		for i := range x {
			d := rho * (g[i] + wd*x[i])
			if !first {
				d += mu * b[i]
			}
			b[i] = d
			x[i] -= lr * d
		}
	})
}
