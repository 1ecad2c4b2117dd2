package schedule

import (
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/optim"
)

// CyclicLRConfig holds CyclicLR's hyperparameters.
type CyclicLRConfig struct {
	BaseLR       []float64 `json:"base_lr"`        // lower bound per group (default: the group's rate; PyTorch requires it)
	MaxLR        []float64 `json:"max_lr"`         // upper bound per group (required)
	StepSizeUp   int       `json:"step_size_up"`   // steps from base_lr to max_lr (default 2000)
	StepSizeDown int       `json:"step_size_down"` // steps back down (default step_size_up)
	Mode         string    `json:"mode"`           // triangular, triangular2 or exp_range (default triangular)
	Gamma        float64   `json:"gamma"`          // exp_range's factor per step (default 1)
	// ScaleFn, when set, replaces mode's amplitude scaling: it is given
	// the cycle number (from 1) or the step, as ScaleMode says.
	ScaleFn       func(x float64) float64 `json:"-"`
	ScaleMode     string                  `json:"scale_mode"`     // cycle or iterations: ScaleFn's argument (default cycle)
	CycleMomentum *bool                   `json:"cycle_momentum"` // cycle momentum (or beta1) inversely to the rate (default true)
	BaseMomentum  []float64               `json:"base_momentum"`  // lower momentum per group (default 0.8)
	MaxMomentum   []float64               `json:"max_momentum"`   // upper momentum per group (default 0.9)
}

func resolveCyclicLR(c *CyclicLRConfig, lrs []float64) error {
	n := len(lrs)
	var err error
	if len(c.BaseLR) == 0 {
		c.BaseLR = slices.Clone(lrs)
	}
	if c.BaseLR, err = perGroup("base_lr", c.BaseLR, n, math.NaN()); err != nil {
		return err
	}
	if c.MaxLR, err = perGroup("max_lr", c.MaxLR, n, math.NaN()); err != nil {
		return err
	}
	if c.StepSizeUp == 0 {
		c.StepSizeUp = 2000
	}
	if c.StepSizeDown == 0 {
		c.StepSizeDown = c.StepSizeUp
	}
	if c.StepSizeUp < 1 {
		return fmt.Errorf("invalid step_size_up: %d", c.StepSizeUp)
	}
	if c.StepSizeDown < 1 {
		return fmt.Errorf("invalid step_size_down: %d", c.StepSizeDown)
	}
	if c.Mode == "" {
		c.Mode = "triangular"
	}
	if c.ScaleMode == "" {
		c.ScaleMode = "cycle"
	}
	switch {
	case c.ScaleFn == nil && c.Mode != "triangular" && c.Mode != "triangular2" && c.Mode != "exp_range":
		return fmt.Errorf("invalid mode: %q (want triangular, triangular2 or exp_range, or a ScaleFn)", c.Mode)
	case c.ScaleFn != nil && c.ScaleMode != "cycle" && c.ScaleMode != "iterations":
		return fmt.Errorf("invalid scale_mode: %q (want cycle or iterations)", c.ScaleMode)
	}
	c.Gamma = optim.OrDefault(c.Gamma, 1)
	if err := checkFinite("gamma", c.Gamma); err != nil {
		return err
	}
	if c.CycleMomentum == nil {
		c.CycleMomentum = new(true)
	}
	if c.BaseMomentum, err = perGroup("base_momentum", c.BaseMomentum, n, 0.8); err != nil {
		return err
	}
	if c.MaxMomentum, err = perGroup("max_momentum", c.MaxMomentum, n, 0.9); err != nil {
		return err
	}
	return nil
}

// CyclicLR is PyTorch's torch.optim.lr_scheduler.CyclicLR (Smith 2017,
// "Cyclical Learning Rates for Training Neural Networks", arXiv:1506.01186):
// the rate of each group cycles between base_lr and max_lr, rising for
// step_size_up steps and falling for step_size_down. At step t, with
// S = step_size_up + step_size_down and r = step_size_up/S:
//
//	cycle = ⌊1 + t/S⌋,  x = 1 + t/S − cycle
//	h = x/r if x ≤ r, else (x−1)/(r−1)
//	lr = base_lr + (max_lr − base_lr)·h·scale
//	momentum = max_momentum − (max_momentum − base_momentum)·h·scale
//
// where scale is 1 (triangular), 1/2^(cycle−1) (triangular2), γ^t
// (exp_range), or ScaleFn(cycle or t). Building it sets the rate to
// base_lr. With cycle_momentum (the default) it also cycles the optimizer's
// "momentum" or, for optimizers with betas such as Adam, "beta1", as
// PyTorch 2 does (PyTorch 1.13 accepts only optimizers with momentum).
// CyclicLR is meant to be stepped after every batch.
type CyclicLR struct {
	base
	cfg CyclicLRConfig
}

// NewCyclicLR returns CyclicLR on opt.
func NewCyclicLR(opt optim.Optimizer, cfg CyclicLRConfig) (*CyclicLR, error) {
	s := &CyclicLR{cfg: cfg}
	if err := s.attach(opt, "CyclicLR", s); err != nil {
		return nil, err
	}
	s.cfg.BaseLR, s.cfg.MaxLR = slices.Clone(cfg.BaseLR), slices.Clone(cfg.MaxLR)
	s.cfg.BaseMomentum, s.cfg.MaxMomentum = slices.Clone(cfg.BaseMomentum), slices.Clone(cfg.MaxMomentum)
	resolve := func(c *CyclicLRConfig) error { return resolveCyclicLR(c, s.initLRs) }
	if err := resolve(&s.cfg); err != nil {
		return nil, fmt.Errorf("CyclicLR: %w", err)
	}
	if *s.cfg.CycleMomentum {
		key, err := momentumKey(opt)
		if err != nil {
			return nil, fmt.Errorf("CyclicLR: %w", err)
		}
		s.momKey = key
	}
	saveConfig(&s.base, &s.cfg, func(from, to *CyclicLRConfig) { to.ScaleFn = from.ScaleFn }, resolve)
	// PyTorch sets the rates to base_lr before anything else, so they are
	// what initial_lr records.
	s.seed = seedOwn
	s.initLRs = slices.Clone(s.cfg.BaseLR)
	s.baseLRs = slices.Clone(s.cfg.BaseLR)
	if err := setGroupValues(opt, "lr", s.cfg.BaseLR); err != nil {
		return nil, fmt.Errorf("CyclicLR: %w", err)
	}
	s.chain = s.rule
	return finish(s)
}

func (s *CyclicLR) rule() ([]float64, []float64, error) {
	c := &s.cfg
	le := float64(s.lastEpoch)
	up := float64(c.StepSizeUp)
	total := up + float64(c.StepSizeDown)
	ratio := up / total
	cycle := math.Floor(1 + le/total)
	x := 1 + le/total - cycle
	var h float64
	if x <= ratio {
		h = x / ratio
	} else {
		h = (x - 1) / (ratio - 1)
	}
	var scale float64
	switch {
	case c.ScaleFn != nil && c.ScaleMode == "cycle":
		scale = c.ScaleFn(cycle)
	case c.ScaleFn != nil:
		scale = c.ScaleFn(le)
	case c.Mode == "triangular":
		scale = 1
	case c.Mode == "triangular2":
		scale = 1 / math.Pow(2, cycle-1)
	default: // exp_range: scale_mode iterations
		scale = math.Pow(c.Gamma, le)
	}
	lrs, _ := s.scratch(len(s.baseLRs), false)
	for g, b := range s.baseLRs {
		lrs[g] = b + (c.MaxLR[g]-b)*h*scale
	}
	var moms []float64
	if *c.CycleMomentum {
		if s.momKey == "" { // a loaded config may have turned cycling on
			key, err := momentumKey(s.opt)
			if err != nil {
				return nil, nil, err
			}
			s.momKey = key
		}
		_, moms = s.scratch(len(lrs), true)
		for g := range moms {
			moms[g] = c.MaxMomentum[g] - (c.MaxMomentum[g]-c.BaseMomentum[g])*h*scale
		}
	}
	return lrs, moms, nil
}
