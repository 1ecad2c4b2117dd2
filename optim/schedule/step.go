package schedule

import (
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/optim"
)

// checkGamma accepts a finite, non-negative decay factor.
func checkGamma(v float64) error {
	if !(v >= 0) || math.IsInf(v, 1) {
		return fmt.Errorf("invalid gamma: %v", v+0)
	}
	return nil
}

// checkIters accepts a non-negative iteration count.
func checkIters(name string, v int) error {
	if v < 0 {
		return fmt.Errorf("invalid %s: %d", name, v)
	}
	return nil
}

// floorDiv is Python's // for ints.
func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// StepLRConfig holds StepLR's hyperparameters.
type StepLRConfig struct {
	StepSize int     `json:"step_size"` // period of the decay, in steps (required)
	Gamma    float64 `json:"gamma"`     // decay factor (default 0.1)
}

func resolveStepLR(c *StepLRConfig) error {
	if c.StepSize < 1 {
		return fmt.Errorf("invalid step_size: %d (want a positive integer)", c.StepSize)
	}
	c.Gamma = optim.OrDefault(c.Gamma, 0.1)
	return checkGamma(c.Gamma)
}

// StepLR is PyTorch's torch.optim.lr_scheduler.StepLR: every step_size
// steps the rate is multiplied by gamma:
//
//	lr_t = lr_{t-1} · γ   if t > 0 and t mod step_size = 0, else lr_{t-1}
//
// (closed form, used by SequentialLR: base_lr · γ^⌊t/step_size⌋).
type StepLR struct {
	base
	cfg StepLRConfig
}

// NewStepLR returns StepLR on opt.
func NewStepLR(opt optim.Optimizer, cfg StepLRConfig) (*StepLR, error) {
	s := &StepLR{cfg: cfg}
	if err := resolveStepLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("StepLR: %w", err)
	}
	if err := s.attach(opt, "StepLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveStepLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil || s.lastEpoch == 0 || s.lastEpoch%s.cfg.StepSize != 0 {
			return lrs, nil, err
		}
		for g := range lrs {
			lrs[g] *= s.cfg.Gamma
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		k := float64(floorDiv(s.lastEpoch, s.cfg.StepSize))
		return s.fromBase(func(b float64) float64 { return b * math.Pow(s.cfg.Gamma, k) })
	}
	return finish(s)
}

// MultiStepLRConfig holds MultiStepLR's hyperparameters.
type MultiStepLRConfig struct {
	Milestones []int   `json:"milestones"` // steps at which to decay; a step listed k times decays by γ^k
	Gamma      float64 `json:"gamma"`      // decay factor (default 0.1)
}

func resolveMultiStepLR(c *MultiStepLRConfig) error {
	c.Gamma = optim.OrDefault(c.Gamma, 0.1)
	return checkGamma(c.Gamma)
}

// MultiStepLR is PyTorch's torch.optim.lr_scheduler.MultiStepLR: at each
// milestone the rate is multiplied by gamma (by γ^k for a milestone given k
// times):
//
//	lr_t = lr_{t-1} · γ^count(t)
//
// (closed form: base_lr · γ^(number of milestones ≤ t)).
type MultiStepLR struct {
	base
	cfg MultiStepLRConfig
}

// NewMultiStepLR returns MultiStepLR on opt.
func NewMultiStepLR(opt optim.Optimizer, cfg MultiStepLRConfig) (*MultiStepLR, error) {
	s := &MultiStepLR{cfg: cfg}
	s.cfg.Milestones = slices.Clone(cfg.Milestones)
	if err := resolveMultiStepLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("MultiStepLR: %w", err)
	}
	if err := s.attach(opt, "MultiStepLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveMultiStepLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		count := 0
		for _, m := range s.cfg.Milestones {
			if m == s.lastEpoch {
				count++
			}
		}
		if err != nil || count == 0 {
			return lrs, nil, err
		}
		f := math.Pow(s.cfg.Gamma, float64(count))
		for g := range lrs {
			lrs[g] *= f
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		k := 0 // bisect_right in the sorted milestones
		for _, m := range s.cfg.Milestones {
			if m <= s.lastEpoch {
				k++
			}
		}
		f := math.Pow(s.cfg.Gamma, float64(k))
		return s.fromBase(func(b float64) float64 { return b * f })
	}
	return finish(s)
}

// ConstantLRConfig holds ConstantLR's hyperparameters.
type ConstantLRConfig struct {
	Factor     float64 `json:"factor"`      // factor for the first total_iters steps, in (0, 1] (default 1/3)
	TotalIters int     `json:"total_iters"` // steps at the lowered rate (default 5)
}

func resolveConstantLR(c *ConstantLRConfig) error {
	c.Factor = optim.OrDefault(c.Factor, 1.0/3)
	if c.TotalIters == 0 {
		c.TotalIters = 5
	}
	if !(c.Factor > 0 && c.Factor <= 1) {
		// PyTorch accepts 0 but then divides by it at total_iters.
		return fmt.Errorf("invalid factor: %v (want 0 < factor <= 1)", c.Factor+0)
	}
	return checkIters("total_iters", c.TotalIters)
}

// ConstantLR is PyTorch's torch.optim.lr_scheduler.ConstantLR: building it
// multiplies the rate by factor, and step total_iters divides it back:
//
//	lr_0 = lr · factor;  lr_t = lr_{t-1} / factor if t = total_iters, else lr_{t-1}
//
// (closed form: base_lr · (factor if t < total_iters, else 1)).
type ConstantLR struct {
	base
	cfg ConstantLRConfig
}

// NewConstantLR returns ConstantLR on opt.
func NewConstantLR(opt optim.Optimizer, cfg ConstantLRConfig) (*ConstantLR, error) {
	s := &ConstantLR{cfg: cfg}
	if err := resolveConstantLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("ConstantLR: %w", err)
	}
	if err := s.attach(opt, "ConstantLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveConstantLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil {
			return nil, nil, err
		}
		var f float64
		switch le := s.lastEpoch; {
		case le == 0:
			f = s.cfg.Factor
		case le != s.cfg.TotalIters:
			return lrs, nil, nil
		default:
			f = 1.0 / s.cfg.Factor
		}
		for g := range lrs {
			lrs[g] *= f
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		var done float64
		if s.lastEpoch >= s.cfg.TotalIters {
			done = 1
		}
		f := s.cfg.Factor + done*(1-s.cfg.Factor)
		return s.fromBase(func(b float64) float64 { return b * f })
	}
	return finish(s)
}

// LinearLRConfig holds LinearLR's hyperparameters.
type LinearLRConfig struct {
	StartFactor float64 `json:"start_factor"` // factor at step 0, in (0, 1] (default 1/3)
	EndFactor   float64 `json:"end_factor"`   // factor from step total_iters on, in [0, 1] (default 1)
	TotalIters  int     `json:"total_iters"`  // length of the ramp (default 5)
}

func resolveLinearLR(c *LinearLRConfig) error {
	c.StartFactor = optim.OrDefault(c.StartFactor, 1.0/3)
	c.EndFactor = optim.OrDefault(c.EndFactor, 1)
	if c.TotalIters == 0 {
		c.TotalIters = 5
	}
	if !(c.StartFactor > 0 && c.StartFactor <= 1) {
		// PyTorch accepts 0 but then divides by zero at step 1.
		return fmt.Errorf("invalid start_factor: %v (want 0 < start_factor <= 1)", c.StartFactor+0)
	}
	if !(c.EndFactor >= 0 && c.EndFactor <= 1) {
		return fmt.Errorf("invalid end_factor: %v (want 0 <= end_factor <= 1)", c.EndFactor+0)
	}
	return checkIters("total_iters", c.TotalIters)
}

// LinearLR is PyTorch's torch.optim.lr_scheduler.LinearLR: the factor
// moves linearly from start_factor (s) to end_factor (e) over total_iters
// (T) steps, applied in PyTorch's chainable form:
//
//	lr_0 = lr · s
//	lr_t = lr_{t-1} · (1 + (e−s) / (T·s + (t−1)·(e−s)))   for 1 ≤ t ≤ T
//	lr_t = lr_{t-1}                                       for t > T
//
// (closed form: base_lr · (s + (e−s)·min(T, t)/T)).
type LinearLR struct {
	base
	cfg LinearLRConfig
}

// NewLinearLR returns LinearLR on opt.
func NewLinearLR(opt optim.Optimizer, cfg LinearLRConfig) (*LinearLR, error) {
	s := &LinearLR{cfg: cfg}
	if err := resolveLinearLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("LinearLR: %w", err)
	}
	if err := s.attach(opt, "LinearLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveLinearLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil {
			return nil, nil, err
		}
		c, le := &s.cfg, s.lastEpoch
		var f float64
		switch {
		case le == 0:
			f = c.StartFactor
		case le > c.TotalIters:
			return lrs, nil, nil
		default:
			d := c.EndFactor - c.StartFactor
			f = 1 + d/(float64(c.TotalIters)*c.StartFactor+float64(le-1)*d)
		}
		for g := range lrs {
			lrs[g] *= f
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		c := &s.cfg
		f := c.StartFactor + (c.EndFactor-c.StartFactor)*float64(min(c.TotalIters, s.lastEpoch))/float64(c.TotalIters)
		return s.fromBase(func(b float64) float64 { return b * f })
	}
	return finish(s)
}

// ExponentialLRConfig holds ExponentialLR's hyperparameter.
type ExponentialLRConfig struct {
	Gamma float64 `json:"gamma"` // decay factor per step (required; optim.Zero for 0)
}

func resolveExponentialLR(c *ExponentialLRConfig) error {
	if optim.IsDefault(c.Gamma) {
		return fmt.Errorf("gamma is required")
	}
	return checkGamma(c.Gamma)
}

// ExponentialLR is PyTorch's torch.optim.lr_scheduler.ExponentialLR: each
// step multiplies the rate by gamma,
//
//	lr_t = lr_{t-1} · γ   for t ≥ 1
//
// (closed form: base_lr · γ^t).
type ExponentialLR struct {
	base
	cfg ExponentialLRConfig
}

// NewExponentialLR returns ExponentialLR on opt.
func NewExponentialLR(opt optim.Optimizer, cfg ExponentialLRConfig) (*ExponentialLR, error) {
	s := &ExponentialLR{cfg: cfg}
	if err := resolveExponentialLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("ExponentialLR: %w", err)
	}
	if err := s.attach(opt, "ExponentialLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveExponentialLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil || s.lastEpoch == 0 {
			return lrs, nil, err
		}
		for g := range lrs {
			lrs[g] *= s.cfg.Gamma
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		f := math.Pow(s.cfg.Gamma, float64(s.lastEpoch))
		return s.fromBase(func(b float64) float64 { return b * f })
	}
	return finish(s)
}

// PolynomialLRConfig holds PolynomialLR's hyperparameters.
type PolynomialLRConfig struct {
	TotalIters int     `json:"total_iters"` // steps until the rate reaches 0 (default 5)
	Power      float64 `json:"power"`       // power of the polynomial (default 1)
}

func resolvePolynomialLR(c *PolynomialLRConfig) error {
	if c.TotalIters == 0 {
		c.TotalIters = 5
	}
	c.Power = optim.OrDefault(c.Power, 1)
	if c.TotalIters < 0 {
		return fmt.Errorf("invalid total_iters: %d", c.TotalIters)
	}
	if !(c.Power >= 0) || math.IsInf(c.Power, 1) {
		return fmt.Errorf("invalid power: %v", c.Power+0)
	}
	return nil
}

// PolynomialLR is PyTorch's torch.optim.lr_scheduler.PolynomialLR: the rate
// decays to 0 over total_iters (T) steps along a polynomial of degree
// power (p), in PyTorch's chainable form:
//
//	lr_t = lr_{t-1} · ((1 − t/T) / (1 − (t−1)/T))^p   for 1 ≤ t ≤ T, else lr_{t-1}
//
// (closed form: base_lr · (1 − min(T, t)/T)^p).
type PolynomialLR struct {
	base
	cfg PolynomialLRConfig
}

// NewPolynomialLR returns PolynomialLR on opt.
func NewPolynomialLR(opt optim.Optimizer, cfg PolynomialLRConfig) (*PolynomialLR, error) {
	s := &PolynomialLR{cfg: cfg}
	if err := resolvePolynomialLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("PolynomialLR: %w", err)
	}
	if err := s.attach(opt, "PolynomialLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolvePolynomialLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		le, T := s.lastEpoch, s.cfg.TotalIters
		if err != nil || le == 0 || le > T {
			return lrs, nil, err
		}
		tf := float64(T)
		f := math.Pow((1.0-float64(le)/tf)/(1.0-float64(le-1)/tf), s.cfg.Power)
		for g := range lrs {
			lrs[g] *= f
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		T := s.cfg.TotalIters
		f := math.Pow(1.0-float64(min(T, s.lastEpoch))/float64(T), s.cfg.Power)
		return s.fromBase(func(b float64) float64 { return b * f })
	}
	return finish(s)
}
