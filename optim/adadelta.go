package optim

import (
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// AdadeltaConfig holds Adadelta's hyperparameters; the zero value is
// PyTorch's default (lr 1.0, rho 0.9, eps 1e-6).
type AdadeltaConfig struct {
	LR          float64 `json:"lr"`           // scale γ of the update (default 1.0)
	Rho         float64 `json:"rho"`          // decay ρ of the running averages (default 0.9)
	Eps         float64 `json:"eps"`          // ε inside the square roots (default 1e-6)
	WeightDecay float64 `json:"weight_decay"` // L2 penalty λ (default 0)
	Maximize    bool    `json:"maximize"`     // ascend instead of descend
}

// Adadelta is PyTorch's torch.optim.Adadelta (Zeiler 2012, "ADADELTA: An
// Adaptive Learning Rate Method", arXiv:1212.5701):
//
//	g ← ∇f(θ) (negated if maximize) + λθ
//	v ← ρv + (1−ρ)g²
//	Δ ← √(u + ε) / √(v + ε) · g
//	u ← ρu + (1−ρ)Δ²
//	θ ← θ − γΔ
//
// v is the state "square_avg" and u "acc_delta"; both start at zero.
// Sparse gradients are refused.
type Adadelta struct {
	core[AdadeltaConfig]
}

func init() {
	register("adadelta", "Adadelta", func(p []*Param, c AdadeltaConfig) (Optimizer, error) { return NewAdadelta(p, c) })
}

// NewAdadelta returns Adadelta over one group of params.
func NewAdadelta(params []*Param, cfg AdadeltaConfig) (*Adadelta, error) {
	o := &Adadelta{}
	if err := o.setup("Adadelta", cfg, resolveAdadelta, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveAdadelta(c *AdadeltaConfig) error {
	c.LR = OrDefault(c.LR, 1.0)
	c.Rho = OrDefault(c.Rho, 0.9)
	c.Eps = OrDefault(c.Eps, 1e-6)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if !(c.Rho >= 0 && c.Rho <= 1) {
		return fmt.Errorf("invalid rho value: %v (want 0 <= rho <= 1)", c.Rho)
	}
	if err := checkNonNeg("epsilon value", c.Eps); err != nil {
		return err
	}
	return checkNonNeg("weight_decay value", c.WeightDecay)
}

func (o *Adadelta) update(c *AdadeltaConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	s.Step++
	if p.F32 != nil {
		adadeltaParam(c, s, p.F32, p.G32)
	} else {
		adadeltaParam(c, s, p.F64, p.G64)
	}
	return nil
}

func adadeltaParam[T Float](c *AdadeltaConfig, s *State, x, g []T) {
	v := buf[T](s, "square_avg", len(x), 0)
	u := buf[T](s, "acc_delta", len(x), 0)
	h := adadeltaScalars[T]{lr: T(c.LR), rho: T(c.Rho), c: T(1 - c.Rho), eps: T(c.Eps), wd: T(c.WeightDecay), sign: 1}
	if c.Maximize {
		h.sign = -1
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		adadeltaKernel(&h, x[lo:hi], g[lo:hi], v[lo:hi], u[lo:hi])
	})
}

type adadeltaScalars[T Float] struct {
	lr, rho, c, eps, wd, sign T
}

func adadeltaKernel[T Float](h *adadeltaScalars[T], x, g, v, u []T) {
	lr, rho, c, eps, wd, sign := h.lr, h.rho, h.c, h.eps, h.wd, h.sign
	g, v, u = g[:len(x)], v[:len(x)], u[:len(x)]
	for i := range x {
		gi := sign * g[i]
		if wd != 0 {
			gi += wd * x[i]
		}
		vi := v[i]*rho + c*gi*gi
		v[i] = vi
		std := T(math.Sqrt(float64(vi + eps)))
		d := T(math.Sqrt(float64(u[i]+eps))) / std * gi
		u[i] = u[i]*rho + c*d*d
		x[i] -= lr * d
	}
}
