package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// SFSGDConfig holds Schedule-Free SGD's hyperparameters; the zero value is
// the reference SGDScheduleFree's default (lr 1.0, momentum 0.9, no weight
// decay, no warmup, r 0, weight_lr_power 2).
type SFSGDConfig struct {
	LR            float64 `json:"lr"`              // learning rate γ (default 1.0)
	Momentum      float64 `json:"momentum"`        // interpolation β, 0 < β < 1 (default 0.9)
	WeightDecay   float64 `json:"weight_decay"`    // L2 penalty λ, taken at y (default 0)
	WarmupSteps   int     `json:"warmup_steps"`    // linear warmup of γ over this many steps (default 0)
	R             float64 `json:"r"`               // polynomial weighting power r of the average (default 0)
	WeightLRPower float64 `json:"weight_lr_power"` // power p of max γ in the weights (default 2; Zero: unweighted)
}

// ScheduleFreeSGD is Schedule-Free SGD, from
//
//	Aaron Defazio, Xingyu (Alice) Yang, Harsh Mehta, Konstantin Mishchenko,
//	Ahmed Khaled, Ashok Cutkosky (2024), "The Road Less Scheduled",
//	arXiv:2405.15682,
//
// following the reference implementation facebookresearch/schedule_free
// (SGDScheduleFree). It needs no learning-rate schedule. Three sequences:
// z is the base SGD iterate, x a weighted running average of the z's (the
// point to evaluate and ship), and y, where the gradient is taken,
// interpolates between them:
//
//	y_t     = (1−β) z_t + β x_t
//	z_{t+1} = z_t − γ_t ∇f(y_t)
//	x_{t+1} = (1 − c_{t+1}) x_t + c_{t+1} z_{t+1}
//	c_{t+1} = w_{t+1} / Σ_{i≤t+1} w_i,   w_t = t^r · (max_{i≤t} γ_i)^p
//
// (β is momentum, p weight_lr_power). As in the reference the parameters
// hold y during training and x is not stored: from y and the state z, step
// t = k+1 (k steps done before) is
//
//	γ   = lr · min(1, (k+1)/warmup_steps)
//	γ_max ← max(γ_max, γ)                          (γ_max starts at −1)
//	w   = (k+1)^r · γ_max^p;   W ← W + w;   c = w/W (0 when W = 0)
//	g   ← ∇f(y) + λy
//	y   ← y + c (z − y) + γ (β(1−c) − 1) g
//	z   ← z − γ g                                  (z starts as y)
//
// Eval replaces y by x = y + (1 − 1/β)(z − y) in the parameters, for
// evaluating or saving the model, and Train turns x back into
// y = x + (1 − β)(z − x), as the reference's optimizer.eval() and .train().
// A step is refused while the parameters hold x.
//
// State: "z", the step count k as Step, and the scalars "lr_max" (γ_max),
// "weight_sum" (W) and "eval_mode" (1 while the parameter holds x), so that
// StateDict and LoadStateDict resume bit-identically, in either mode. The
// reference counts k, W and γ_max per parameter group; descent counts them
// per parameter. The two agree whenever every parameter of a group gets a
// gradient at every step (the usual case); a parameter that first gets a
// gradient late starts its own average there (c = 1) where the reference
// would continue the group's.
type ScheduleFreeSGD struct {
	core[SFSGDConfig]
}

// SFAdamWConfig holds Schedule-Free AdamW's hyperparameters; the zero value
// is the reference AdamWScheduleFree's default (lr 0.0025, betas 0.9/0.999,
// eps 1e-8, no weight decay, no warmup, r 0, weight_lr_power 2).
type SFAdamWConfig struct {
	LR            float64    `json:"lr"`              // learning rate γ (default 0.0025)
	Betas         [2]float64 `json:"betas"`           // β₁ (interpolation), β₂ (second moment) (default 0.9, 0.999)
	Eps           float64    `json:"eps"`             // ε added to the denominator (default 1e-8)
	WeightDecay   float64    `json:"weight_decay"`    // λ, applied at y after the normalisation (default 0)
	WarmupSteps   int        `json:"warmup_steps"`    // linear warmup of γ over this many steps (default 0)
	R             float64    `json:"r"`               // polynomial weighting power r of the average (default 0)
	WeightLRPower float64    `json:"weight_lr_power"` // power p of max γ in the weights (default 2; Zero: unweighted)
}

// ScheduleFreeAdamW is Schedule-Free AdamW (Defazio, Yang, Mehta,
// Mishchenko, Khaled, Cutkosky 2024, "The Road Less Scheduled",
// arXiv:2405.15682), following the reference AdamWScheduleFree: the
// sequences of ScheduleFreeSGD with β = β₁ and an Adam-normalised gradient.
// Step t = k+1 is
//
//	γ   = lr · min(1, (k+1)/warmup_steps) · √(1 − β₂^(k+1))
//	γ_max ← max(γ_max, γ)                          (γ_max starts at −1)
//	w   = (k+1)^r · γ_max^p;   W ← W + w;   c = w/W (0 when W = 0)
//	v   ← β₂v + (1−β₂)g²
//	g   ← g / (√v + ε) + λy
//	y   ← y + c (z − y) + γ (β₁(1−c) − 1) g
//	z   ← z − γ g                                  (z starts as y)
//
// with Eval and Train switching the parameters between y and x as for
// ScheduleFreeSGD (using β₁), and state "z", "exp_avg_sq", Step and the
// scalars "lr_max", "weight_sum" and "eval_mode", counted per parameter.
type ScheduleFreeAdamW struct {
	core[SFAdamWConfig]
}

func init() {
	register("sfsgd", "SGDScheduleFree", func(p []*Param, c SFSGDConfig) (Optimizer, error) { return NewScheduleFreeSGD(p, c) })
	register("sfadamw", "AdamWScheduleFree", func(p []*Param, c SFAdamWConfig) (Optimizer, error) { return NewScheduleFreeAdamW(p, c) })
}

// NewScheduleFreeSGD returns Schedule-Free SGD over one group of params,
// in train mode (the parameters hold y).
func NewScheduleFreeSGD(params []*Param, cfg SFSGDConfig) (*ScheduleFreeSGD, error) {
	o := &ScheduleFreeSGD{}
	if err := o.setup("SGDScheduleFree", cfg, resolveSFSGD, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

// NewScheduleFreeAdamW returns Schedule-Free AdamW over one group of
// params, in train mode (the parameters hold y).
func NewScheduleFreeAdamW(params []*Param, cfg SFAdamWConfig) (*ScheduleFreeAdamW, error) {
	o := &ScheduleFreeAdamW{}
	if err := o.setup("AdamWScheduleFree", cfg, resolveSFAdamW, o.update, params); err != nil {
		return nil, err
	}
	return o, nil
}

func resolveSFSGD(c *SFSGDConfig) error {
	c.LR = OrDefault(c.LR, 1.0)
	c.Momentum = OrDefault(c.Momentum, 0.9)
	c.WeightLRPower = OrDefault(c.WeightLRPower, 2)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if !(c.Momentum > 0 && c.Momentum < 1) {
		return fmt.Errorf("invalid momentum value: %v (must be between 0 and 1 exclusive)", c.Momentum)
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkSFCommon(c.WarmupSteps, c.R, c.WeightLRPower)
}

func resolveSFAdamW(c *SFAdamWConfig) error {
	c.LR = OrDefault(c.LR, 0.0025)
	c.Betas[0] = OrDefault(c.Betas[0], 0.9)
	c.Betas[1] = OrDefault(c.Betas[1], 0.999)
	c.Eps = OrDefault(c.Eps, 1e-8)
	c.WeightLRPower = OrDefault(c.WeightLRPower, 2)
	if err := checkNonNeg("learning rate", c.LR); err != nil {
		return err
	}
	if err := checkNonNeg("epsilon value", c.Eps); err != nil {
		return err
	}
	if !(c.Betas[0] > 0 && c.Betas[0] < 1) {
		// β₁ = 0 would make x unrecoverable from y and z (Eval divides by β₁).
		return fmt.Errorf("invalid beta parameter at index 0: %v (want 0 < beta1 < 1)", c.Betas[0])
	}
	if err := checkBeta(1, c.Betas[1]); err != nil {
		return err
	}
	if err := checkNonNeg("weight_decay value", c.WeightDecay); err != nil {
		return err
	}
	return checkSFCommon(c.WarmupSteps, c.R, c.WeightLRPower)
}

func checkSFCommon(warmup int, r, power float64) error {
	if warmup < 0 {
		return fmt.Errorf("invalid warmup_steps: %d", warmup)
	}
	if err := checkNonNeg("r", r); err != nil {
		return err
	}
	return checkNonNeg("weight_lr_power", power)
}

// errEvalMode is returned by a Schedule-Free step while the parameters hold
// x.
var errEvalMode = errors.New("not in train mode: the parameters hold the averaged point x; call Train() before stepping")

// sfWeights advances the averaging weights of one parameter for a step at
// learning rate lr (already warmed up) and returns c_{t+1}. It increments
// s.Step.
func sfWeights(s *State, lr, r, power float64) float64 {
	k := s.Step
	lrMax, wsum := -1.0, 0.0
	if k > 0 {
		lrMax, wsum = s.Scalar("lr_max"), s.Scalar("weight_sum")
	}
	lrMax = max(lr, lrMax)
	w := math.Pow(float64(k+1), r) * math.Pow(lrMax, power)
	wsum += w
	ckp1 := 0.0
	if wsum != 0 {
		ckp1 = w / wsum
	}
	s.SetScalar("lr_max", lrMax)
	s.SetScalar("weight_sum", wsum)
	s.Step = k + 1
	return ckp1
}

// sfWarmup is the warmup factor for step k+1.
func sfWarmup(k int64, warmup int) float64 {
	if k < int64(warmup) {
		return float64(k+1) / float64(warmup)
	}
	return 1
}

func (o *ScheduleFreeSGD) update(c *SFSGDConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if s.Scalar("eval_mode") != 0 {
		return errEvalMode
	}
	lr := c.LR * sfWarmup(s.Step, c.WarmupSteps)
	ckp1 := sfWeights(s, lr, c.R, c.WeightLRPower)
	h := sfStep{lr: lr, ckp1: ckp1, yCoef: lr * (c.Momentum*(1-ckp1) - 1), wd: c.WeightDecay}
	if p.F32 != nil {
		sfParam(&h, s, false, p.F32, p.G32)
	} else {
		sfParam(&h, s, false, p.F64, p.G64)
	}
	return nil
}

func (o *ScheduleFreeAdamW) update(c *SFAdamWConfig, p *Param, s *State) error {
	if p.Sparse != nil {
		return errSparse
	}
	if s.Scalar("eval_mode") != 0 {
		return errEvalMode
	}
	k := s.Step
	lr := c.LR * sfWarmup(k, c.WarmupSteps) * math.Sqrt(1-math.Pow(c.Betas[1], float64(k+1)))
	ckp1 := sfWeights(s, lr, c.R, c.WeightLRPower)
	h := sfStep{lr: lr, ckp1: ckp1, yCoef: lr * (c.Betas[0]*(1-ckp1) - 1), wd: c.WeightDecay,
		beta2: c.Betas[1], eps: c.Eps}
	if p.F32 != nil {
		sfParam(&h, s, true, p.F32, p.G32)
	} else {
		sfParam(&h, s, true, p.F64, p.G64)
	}
	return nil
}

// sfStep is one Schedule-Free step's scalars.
type sfStep struct {
	lr, ckp1, yCoef, wd float64
	beta2, eps          float64 // AdamW only
}

func sfParam[T Float](h *sfStep, s *State, adam bool, y, g []T) {
	fresh := s.Buf("z") == nil
	z := buf[T](s, "z", len(y), 0)
	if fresh {
		copy(z, y)
	}
	var v []T
	if adam {
		v = buf[T](s, "exp_avg_sq", len(y), 0)
	}
	parallel.For(len(y), grain, func(lo, hi int) {
		var vc []T
		if adam {
			vc = v[lo:hi]
		}
		sfKernel(h, y[lo:hi], g[lo:hi], z[lo:hi], vc)
	})
}

func sfKernel[T Float](h *sfStep, y, g, z, v []T) {
	lr, ckp1, yc, wd := T(h.lr), T(h.ckp1), T(h.yCoef), T(h.wd)
	b2, c2, eps := T(h.beta2), T(1-h.beta2), T(h.eps)
	g, z = g[:len(y)], z[:len(y)]
	for i := range y {
		gi, yi := g[i], y[i]
		if v != nil {
			vi := v[i]*b2 + c2*(gi*gi)
			v[i] = vi
			gi /= T(math.Sqrt(float64(vi))) + eps
		}
		if wd != 0 {
			gi += wd * yi
		}
		zi := z[i]
		yi = torchLerp(yi, zi, ckp1)
		y[i] = yi + yc*gi
		z[i] = zi - lr*gi
	}
}

// torchLerp is PyTorch's lerp: a + w(b − a), computed from the nearer end.
func torchLerp[T Float](a, b, w T) T {
	if w < 0.5 && w > -0.5 {
		return a + w*(b-a)
	}
	return b - (b-a)*(1-w)
}

// sfSwitch moves every parameter of o between y (train) and x (eval):
// toEval replaces y by x = lerp(y, z, 1 − 1/β), otherwise x by
// y = lerp(x, z, 1 − β). Parameters already in the wanted mode are left
// alone. Each parameter records its mode in its State.
func sfSwitch[C any](o *core[C], toEval bool, beta func(*C) float64) {
	for gi := range o.groups {
		g := &o.groups[gi]
		b := beta(&g.Config)
		w := 1 - b
		if toEval {
			w = 1 - 1/b
		}
		for _, p := range g.Params {
			s := o.stateOf(p)
			if (s.Scalar("eval_mode") != 0) == toEval {
				continue
			}
			if p.F32 != nil {
				sfLerpTo(s, p.F32, float32(w))
			} else {
				sfLerpTo(s, p.F64, w)
			}
			m := 0.0
			if toEval {
				m = 1
			}
			s.SetScalar("eval_mode", m)
		}
	}
}

func sfLerpTo[T Float](s *State, x []T, w T) {
	z, ok := s.Buf("z").([]T)
	if !ok || len(z) != len(x) {
		return // no step yet: x = y = z
	}
	parallel.For(len(x), grain, func(lo, hi int) {
		xs, zs := x[lo:hi], z[lo:hi]
		for i := range xs {
			xs[i] = torchLerp(xs[i], zs[i], w)
		}
	})
}

// sfTraining reports whether no parameter of o holds x.
func sfTraining[C any](o *core[C]) bool {
	for _, s := range o.state {
		if s.Scalar("eval_mode") != 0 {
			return false
		}
	}
	return true
}

// sfStepChecked refuses a step in eval mode before touching anything, then
// steps.
func sfStepChecked[C any](o *core[C]) error {
	if !sfTraining(o) {
		return fmt.Errorf("%s: %w", o.name, errEvalMode)
	}
	return o.Step()
}

// Eval switches the parameters to the averaged point x, the one to
// evaluate, checkpoint or ship (the reference's optimizer.eval()). It does
// nothing in eval mode.
func (o *ScheduleFreeSGD) Eval() { sfSwitch(&o.core, true, sfSGDBeta) }

// Train switches the parameters back to y, where gradients are taken (the
// reference's optimizer.train()). It does nothing in train mode.
func (o *ScheduleFreeSGD) Train() { sfSwitch(&o.core, false, sfSGDBeta) }

// Training reports whether the optimizer is in train mode (the parameters
// hold y).
func (o *ScheduleFreeSGD) Training() bool { return sfTraining(&o.core) }

// Step applies one update; it is refused in eval mode.
func (o *ScheduleFreeSGD) Step() error { return sfStepChecked(&o.core) }

// StepClosure evaluates closure once, then steps; it returns the loss.
func (o *ScheduleFreeSGD) StepClosure(closure Closure) (float64, error) {
	return stepWithClosure(o.Step, closure)
}

// Eval switches the parameters to the averaged point x, the one to
// evaluate, checkpoint or ship (the reference's optimizer.eval()). It does
// nothing in eval mode.
func (o *ScheduleFreeAdamW) Eval() { sfSwitch(&o.core, true, sfAdamWBeta) }

// Train switches the parameters back to y, where gradients are taken (the
// reference's optimizer.train()). It does nothing in train mode.
func (o *ScheduleFreeAdamW) Train() { sfSwitch(&o.core, false, sfAdamWBeta) }

// Training reports whether the optimizer is in train mode (the parameters
// hold y).
func (o *ScheduleFreeAdamW) Training() bool { return sfTraining(&o.core) }

// Step applies one update; it is refused in eval mode.
func (o *ScheduleFreeAdamW) Step() error { return sfStepChecked(&o.core) }

// StepClosure evaluates closure once, then steps; it returns the loss.
func (o *ScheduleFreeAdamW) StepClosure(closure Closure) (float64, error) {
	return stepWithClosure(o.Step, closure)
}

func sfSGDBeta(c *SFSGDConfig) float64     { return c.Momentum }
func sfAdamWBeta(c *SFAdamWConfig) float64 { return c.Betas[0] }
