package schedule

import (
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/optim"
)

// OneCycleLRConfig holds OneCycleLR's hyperparameters.
type OneCycleLRConfig struct {
	MaxLR          []float64 `json:"max_lr"`           // peak rate per group (required)
	TotalSteps     int       `json:"total_steps"`      // steps in the cycle (or give epochs and steps_per_epoch)
	Epochs         int       `json:"epochs"`           // with steps_per_epoch, total_steps = epochs·steps_per_epoch
	StepsPerEpoch  int       `json:"steps_per_epoch"`  //
	PctStart       float64   `json:"pct_start"`        // fraction of the cycle spent rising (default 0.3)
	AnnealStrategy string    `json:"anneal_strategy"`  // cos or linear (default cos)
	CycleMomentum  *bool     `json:"cycle_momentum"`   // cycle momentum (or beta1) inversely to the rate (default true)
	BaseMomentum   []float64 `json:"base_momentum"`    // momentum at the peak rate, per group (default 0.85)
	MaxMomentum    []float64 `json:"max_momentum"`     // momentum at the ends, per group (default 0.95)
	DivFactor      float64   `json:"div_factor"`       // initial_lr = max_lr/div_factor (default 25)
	FinalDivFactor float64   `json:"final_div_factor"` // min_lr = initial_lr/final_div_factor (default 1e4)
	ThreePhase     bool      `json:"three_phase"`      // fall back to initial_lr before annealing to min_lr
}

func resolveOneCycleLR(c *OneCycleLRConfig, n int) error {
	switch {
	case c.TotalSteps != 0:
		if c.TotalSteps < 0 {
			return fmt.Errorf("expected positive integer total_steps, but got %d", c.TotalSteps)
		}
	case c.Epochs == 0 && c.StepsPerEpoch == 0:
		return fmt.Errorf("you must define either total_steps OR (epochs AND steps_per_epoch)")
	case c.Epochs <= 0:
		return fmt.Errorf("expected positive integer epochs, but got %d", c.Epochs)
	case c.StepsPerEpoch <= 0:
		return fmt.Errorf("expected positive integer steps_per_epoch, but got %d", c.StepsPerEpoch)
	default:
		c.TotalSteps = c.Epochs * c.StepsPerEpoch
	}
	c.PctStart = optim.OrDefault(c.PctStart, 0.3)
	if !(c.PctStart >= 0 && c.PctStart <= 1) {
		return fmt.Errorf("expected float between 0 and 1 pct_start, but got %v", c.PctStart+0)
	}
	if c.AnnealStrategy == "" {
		c.AnnealStrategy = "cos"
	}
	if c.AnnealStrategy != "cos" && c.AnnealStrategy != "linear" {
		return fmt.Errorf("anneal_strategy must be one of 'cos' or 'linear', instead got %q", c.AnnealStrategy)
	}
	c.DivFactor = optim.OrDefault(c.DivFactor, 25)
	c.FinalDivFactor = optim.OrDefault(c.FinalDivFactor, 1e4)
	if !(c.DivFactor > 0) || math.IsInf(c.DivFactor, 1) {
		return fmt.Errorf("invalid div_factor: %v", c.DivFactor+0)
	}
	if !(c.FinalDivFactor > 0) || math.IsInf(c.FinalDivFactor, 1) {
		return fmt.Errorf("invalid final_div_factor: %v", c.FinalDivFactor+0)
	}
	var err error
	if c.MaxLR, err = perGroup("max_lr", c.MaxLR, n, math.NaN()); err != nil {
		return err
	}
	if c.CycleMomentum == nil {
		c.CycleMomentum = new(true)
	}
	if c.BaseMomentum, err = perGroup("base_momentum", c.BaseMomentum, n, 0.85); err != nil {
		return err
	}
	if c.MaxMomentum, err = perGroup("max_momentum", c.MaxMomentum, n, 0.95); err != nil {
		return err
	}
	return nil
}

// OneCycleLR is PyTorch's torch.optim.lr_scheduler.OneCycleLR (Smith &
// Topin 2017, "Super-Convergence: Very Fast Training of Neural Networks
// Using Large Learning Rates", arXiv:1708.07120), stepped after every
// batch. With T = total_steps, p = pct_start, initial_lr = max_lr /
// div_factor and min_lr = initial_lr / final_div_factor, the rate anneals
//
//	initial_lr → max_lr   over steps 0 … pT−1
//	max_lr → min_lr       over steps pT−1 … T−1
//
// or, with three_phase, initial_lr → max_lr over 0 … pT−1, max_lr →
// initial_lr over pT−1 … 2pT−2 and initial_lr → min_lr over 2pT−2 … T−1.
// Within a phase from a to b, at fraction f of it, the rate is
// b + (a−b)(1 + cos πf)/2 (cos) or a + (b−a)f (linear). With
// cycle_momentum (the default) the optimizer's "momentum" or, for
// optimizers with betas such as Adam, "beta1" moves the other way,
// between max_momentum and base_momentum. Stepping past T steps is an
// error, as in PyTorch.
type OneCycleLR struct {
	base
	cfg OneCycleLRConfig
}

// NewOneCycleLR returns OneCycleLR on opt.
func NewOneCycleLR(opt optim.Optimizer, cfg OneCycleLRConfig) (*OneCycleLR, error) {
	s := &OneCycleLR{cfg: cfg}
	if err := s.attach(opt, "OneCycleLR", s); err != nil {
		return nil, err
	}
	s.cfg.MaxLR = slices.Clone(cfg.MaxLR)
	s.cfg.BaseMomentum, s.cfg.MaxMomentum = slices.Clone(cfg.BaseMomentum), slices.Clone(cfg.MaxMomentum)
	n := s.groups()
	resolve := func(c *OneCycleLRConfig) error { return resolveOneCycleLR(c, n) }
	if err := resolve(&s.cfg); err != nil {
		return nil, fmt.Errorf("OneCycleLR: %w", err)
	}
	if *s.cfg.CycleMomentum {
		key, err := momentumKey(opt)
		if err != nil {
			return nil, fmt.Errorf("OneCycleLR: %w", err)
		}
		s.momKey = key
	}
	saveConfig(&s.base, &s.cfg, nil, resolve)
	// PyTorch overwrites initial_lr with max_lr/div_factor.
	s.seed = seedOverride
	s.initLRs = s.initialLRs()
	s.baseLRs = slices.Clone(s.initLRs)
	s.chain = s.rule
	return finish(s)
}

func (s *OneCycleLR) initialLRs() []float64 {
	return mapInto(nil, s.cfg.MaxLR, func(m float64) float64 { return m / s.cfg.DivFactor })
}

// TotalSteps reports the length of the cycle.
func (s *OneCycleLR) TotalSteps() int { return s.cfg.TotalSteps }

func (s *OneCycleLR) rule() ([]float64, []float64, error) {
	c := &s.cfg
	step := s.lastEpoch
	if step > c.TotalSteps {
		return nil, nil, fmt.Errorf("tried to step %d times; the specified number of total steps is %d", step+1, c.TotalSteps)
	}
	cycleMom := *c.CycleMomentum
	if cycleMom && s.momKey == "" { // a loaded config may have turned cycling on
		key, err := momentumKey(s.opt)
		if err != nil {
			return nil, nil, err
		}
		s.momKey = key
	}
	T := float64(c.TotalSteps)
	// Phase ends and, per phase, which rates and momentums it joins:
	// rate 0 = initial_lr, 1 = max_lr, 2 = min_lr; momentum 0 =
	// max_momentum, 1 = base_momentum.
	type phase struct {
		end        float64
		lrA, lrB   int
		momA, momB int
	}
	var all [3]phase // an array, not a slice literal: a step allocates nothing
	var phases []phase
	if c.ThreePhase {
		all = [3]phase{
			{c.PctStart*T - 1, 0, 1, 0, 1},
			{2*c.PctStart*T - 2, 1, 0, 1, 0},
			{T - 1, 0, 2, 0, 0},
		}
		phases = all[:3]
	} else {
		all = [3]phase{
			{c.PctStart*T - 1, 0, 1, 0, 1},
			{T - 1, 1, 2, 1, 0},
		}
		phases = all[:2]
	}
	anneal := annealCos
	if c.AnnealStrategy == "linear" {
		anneal = annealLinear
	}
	n := len(c.MaxLR)
	lrs, moms := s.scratch(n, cycleMom)
	x := float64(step)
	for g := range n {
		initial := c.MaxLR[g] / c.DivFactor
		rates := [3]float64{initial, c.MaxLR[g], initial / c.FinalDivFactor}
		mom := [2]float64{c.MaxMomentum[g], c.BaseMomentum[g]}
		start := 0.0
		for i, ph := range phases {
			if x <= ph.end || i == len(phases)-1 {
				if ph.end == start {
					return nil, nil, fmt.Errorf("phase %d of the cycle is empty at step %d (pct_start·total_steps is too small)", i+1, step)
				}
				pct := (x - start) / (ph.end - start)
				lrs[g] = anneal(rates[ph.lrA], rates[ph.lrB], pct)
				if cycleMom {
					moms[g] = anneal(mom[ph.momA], mom[ph.momB], pct)
				}
				break
			}
			start = ph.end
		}
	}
	return lrs, moms, nil
}

// annealCos goes from a to b along half a cosine as pct goes from 0 to 1.
func annealCos(a, b, pct float64) float64 {
	c := math.Cos(math.Pi*pct) + 1
	return b + (a-b)/2.0*c
}

// annealLinear goes from a to b linearly as pct goes from 0 to 1.
func annealLinear(a, b, pct float64) float64 {
	return (b-a)*pct + a
}
