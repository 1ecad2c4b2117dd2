package optim

import (
	"errors"
	"fmt"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

// SGDConfig holds SGD's hyperparameters; the zero value is PyTorch's
// default (lr 1e-3, no momentum).
type SGDConfig struct {
	LR          float64 `json:"lr"`           // learning rate γ (default 1e-3)
	Momentum    float64 `json:"momentum"`     // momentum factor μ (default 0)
	Dampening   float64 `json:"dampening"`    // dampening τ for momentum (default 0)
	WeightDecay float64 `json:"weight_decay"` // L2 penalty λ (default 0)
	Nesterov    bool    `json:"nesterov"`     // Nesterov momentum (needs μ > 0, τ = 0)
	Maximize    bool    `json:"maximize"`     // ascend instead of descend
}

// SGD is stochastic gradient descent with optional momentum, exactly as
// PyTorch's torch.optim.SGD:
//
//	g ← ∇f(θ) (negated if maximize) + λθ
//	b ← g at the first step, else μb + (1−τ)g      (if μ ≠ 0)
//	g ← g + μb if nesterov, else b                  (if μ ≠ 0)
//	θ ← θ − γg
//
// With momentum = 0 and a full-batch gradient it is plain gradient descent
// θ ← θ − γ∇f(θ). Sparse gradients are supported without momentum and
// weight decay: only the listed rows move.
type SGD struct {
	core[SGDConfig]
	// Scratch for one parameter's update, reused so a step does not
	// allocate.
	t32 sgdTask[float32]
	t64 sgdTask[float64]
}

func init() {
	register("sgd", "SGD", func(p []*Param, c SGDConfig) (Optimizer, error) { return NewSGD(p, c) })
}

// NewSGD returns SGD over one group of params.
func NewSGD(params []*Param, cfg SGDConfig) (*SGD, error) {
	o := &SGD{}
	if err := o.setup("SGD", cfg, resolveSGD, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveSGD(c *SGDConfig) error {
	c.LR = OrDefault(c.LR, 1e-3)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("momentum value", c.Momentum); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	if c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0) {
		return fmt.Errorf("nesterov momentum requires a momentum and zero dampening (momentum=%v, dampening=%v)", c.Momentum, c.Dampening)
	}
	return nil
}

func (o *SGD) update(c *SGDConfig, p *Param, s *State) error {
	s.Step++
	if sg := p.Sparse; sg != nil {
		if c.Momentum != 0 || c.WeightDecay != 0 {
			return errors.New("SGD supports sparse gradients only without momentum and weight_decay")
		}
		return sparseAdd(p, sg, -c.LR, c.Maximize)
	}
	if p.F32 != nil {
		o.t32.run(c, s, p.F32, p.G32)
	} else {
		o.t64.run(c, s, p.F64, p.G64)
	}
	return nil
}

// sgdTask updates one parameter, chunk by chunk over the cores.
type sgdTask[T Float] struct {
	lr, mu, damp, wd, sign T
	momentum, first, nest  bool
	k                      kernel.SGDK // the same constants for the SIMD kernel
	x, g, b                []T
}

func (t *sgdTask[T]) run(c *SGDConfig, s *State, x, g []T) {
	t.lr, t.mu, t.damp, t.wd = T(c.LR), T(c.Momentum), T(1-c.Dampening), T(c.WeightDecay)
	t.sign = 1
	if c.Maximize {
		t.sign = -1
	}
	t.momentum, t.nest = c.Momentum != 0, c.Nesterov
	t.x, t.g, t.b = x, g, nil
	if t.momentum {
		t.first = s.Buf("momentum_buffer") == nil
		t.b = buf[T](s, "momentum_buffer", len(x), 0)
	}
	if _, ok := any(x).([]float32); ok {
		k := &t.k
		kernel.Fill(&k.Sign, float32(t.sign))
		kernel.Fill(&k.WD, float32(t.wd))
		kernel.Fill(&k.Mu, float32(t.mu))
		kernel.Fill(&k.Damp, float32(t.damp))
		kernel.Fill(&k.LR, float32(t.lr))
		kd, km := float32(0), float32(1)
		if t.nest {
			kd, km = 1, float32(t.mu)
		}
		kernel.Fill(&k.KD, kd)
		kernel.Fill(&k.KM, km)
	}
	parallel.Run(len(x), grain, t)
	t.x, t.g, t.b = nil, nil, nil
}

// Run updates elements [lo, hi).
func (t *sgdTask[T]) Run(lo, hi int) {
	x, g := t.x[lo:hi], t.g[lo:hi]
	if !t.momentum {
		if x32, ok := any(x).([]float32); ok {
			n := kernel.SGD(x32, any(g).([]float32), &t.k)
			x, g = x[n:], g[n:]
		}
		sgdPlain(x, g, t.lr, t.wd, t.sign)
		return
	}
	b := t.b[lo:hi]
	if x32, ok := any(x).([]float32); ok && !t.first {
		n := kernel.SGDMomentum(x32, any(g).([]float32), any(b).([]float32), &t.k)
		x, g, b = x[n:], g[n:], b[n:]
	}
	sgdMomentum(x, g, b, t.lr, t.mu, t.damp, t.wd, t.sign, t.first, t.nest)
}

func sgdPlain[T Float](x, g []T, lr, wd, sign T) {
	g = g[:len(x)]
	for i := range x {
		d := sign * g[i]
		if wd != 0 {
			d += wd * x[i]
		}
		x[i] -= lr * d
	}
}

func sgdMomentum[T Float](x, g, b []T, lr, mu, damp, wd, sign T, first, nesterov bool) {
	g = g[:len(x)]
	b = b[:len(x)]
	for i := range x {
		d := sign * g[i]
		if wd != 0 {
			d += wd * x[i]
		}
		m := d
		if !first {
			m = b[i]*mu + damp*d
		}
		b[i] = m
		if nesterov {
			d += mu * m
		} else {
			d = m
		}
		x[i] -= lr * d
	}
}

// sparseAdd adds alpha times the (possibly negated) sparse gradient to the
// rows it names: the update of SGD without momentum on an embedding.
func sparseAdd(p *Param, sg *SparseGrad, alpha float64, negate bool) error {
	if negate {
		alpha = -alpha
	}
	rows, cols := p.shape2()
	if err := checkSparse(p, sg, rows, cols); err != nil {
		return err
	}
	if p.F32 != nil {
		a := float32(alpha)
		for i, r := range sg.Rows {
			x, v := p.F32[r*cols:(r+1)*cols], sg.V32[i*cols:(i+1)*cols]
			for j := range x {
				x[j] += a * v[j]
			}
		}
		return nil
	}
	for i, r := range sg.Rows {
		x, v := p.F64[r*cols:(r+1)*cols], sg.Values[i*cols:(i+1)*cols]
		for j := range x {
			x[j] += alpha * v[j]
		}
	}
	return nil
}

// checkSparse validates a sparse gradient against its parameter.
func checkSparse(p *Param, sg *SparseGrad, rows, cols int) error {
	n := len(sg.Values)
	if p.F32 != nil {
		n = len(sg.V32)
		if sg.Values != nil {
			return fmt.Errorf("sparse gradient of a float32 parameter must be in V32")
		}
	} else if sg.V32 != nil {
		return fmt.Errorf("sparse gradient of a float64 parameter must be in Values")
	}
	if n != len(sg.Rows)*cols {
		return fmt.Errorf("sparse gradient has %d values for %d rows of %d columns", n, len(sg.Rows), cols)
	}
	for _, r := range sg.Rows {
		if r < 0 || r >= rows {
			return fmt.Errorf("sparse gradient row %d outside [0, %d)", r, rows)
		}
	}
	return nil
}

// grain is the chunk size for parallel element-wise updates: large enough
// to amortise scheduling, small enough to stay in L2.
const grain = 1 << 15
