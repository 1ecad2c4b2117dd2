package schedule

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/descent-ml/descent/optim"
)

// ReduceLROnPlateauConfig holds ReduceLROnPlateau's hyperparameters.
type ReduceLROnPlateauConfig struct {
	Mode          string    `json:"mode"`           // min (the metric should fall) or max (default min)
	Factor        float64   `json:"factor"`         // new_lr = lr·factor, in [0, 1) (default 0.1)
	Patience      *int      `json:"patience"`       // bad epochs tolerated before reducing (default 10)
	Threshold     float64   `json:"threshold"`      // least change that counts as better (default 1e-4)
	ThresholdMode string    `json:"threshold_mode"` // rel or abs (default rel)
	Cooldown      int       `json:"cooldown"`       // epochs to wait after a reduction (default 0)
	MinLR         []float64 `json:"min_lr"`         // lowest rate per group (default 0)
	Eps           float64   `json:"eps"`            // reductions smaller than eps are skipped (default 1e-8)
}

func resolveReduceLROnPlateau(c *ReduceLROnPlateauConfig, n int) error {
	if c.Mode == "" {
		c.Mode = "min"
	}
	if c.Mode != "min" && c.Mode != "max" {
		return fmt.Errorf("mode %q is unknown (want min or max)", c.Mode)
	}
	if c.ThresholdMode == "" {
		c.ThresholdMode = "rel"
	}
	if c.ThresholdMode != "rel" && c.ThresholdMode != "abs" {
		return fmt.Errorf("threshold mode %q is unknown (want rel or abs)", c.ThresholdMode)
	}
	c.Factor = optim.OrDefault(c.Factor, 0.1)
	if !(c.Factor >= 0 && c.Factor < 1) {
		return fmt.Errorf("invalid factor: %v (want 0 <= factor < 1)", c.Factor+0)
	}
	if c.Patience == nil {
		c.Patience = new(10)
	}
	if *c.Patience < 0 {
		return fmt.Errorf("invalid patience: %d", *c.Patience)
	}
	if c.Cooldown < 0 {
		return fmt.Errorf("invalid cooldown: %d", c.Cooldown)
	}
	c.Threshold = optim.OrDefault(c.Threshold, 1e-4)
	if err := checkFinite("threshold", c.Threshold); err != nil {
		return err
	}
	c.Eps = optim.OrDefault(c.Eps, 1e-8)
	if !(c.Eps >= 0) || math.IsInf(c.Eps, 1) {
		return fmt.Errorf("invalid eps: %v", c.Eps+0)
	}
	var err error
	if c.MinLR, err = perGroup("min_lr", c.MinLR, n, 0); err != nil {
		return err
	}
	for _, m := range c.MinLR {
		if m < 0 {
			return fmt.Errorf("invalid min_lr: %v", m)
		}
	}
	return nil
}

// ReduceLROnPlateau is PyTorch's torch.optim.lr_scheduler.ReduceLROnPlateau:
// it watches a metric (StepMetric, once an epoch) and multiplies every
// group's rate by factor (down to min_lr) after more than patience epochs
// without improvement. In mode min with threshold θ, a metric a improves
// on the best so far when
//
//	a < best·(1 − θ)  (rel)    or    a < best − θ  (abs)
//
// (mode max: a > best·(1 + θ) or a > best + θ). After a reduction,
// cooldown epochs pass in which bad epochs are not counted. A group's rate
// changes only when it would fall by more than eps. best starts at +Inf
// (−Inf in mode max).
//
// Step without a metric is an error: call StepMetric.
type ReduceLROnPlateau struct {
	opt       optim.Optimizer
	cfg       ReduceLROnPlateauConfig
	best      float64
	numBad    int
	cooldown  int
	lastEpoch int
	lastLR    []float64
	lrs       []float64 // scratch for StepMetric
}

// ErrNeedsMetric is returned by ReduceLROnPlateau's Step: it must be given
// the metric, with StepMetric.
var ErrNeedsMetric = errors.New("ReduceLROnPlateau: Step needs a metric: call StepMetric")

// NewReduceLROnPlateau returns ReduceLROnPlateau on opt.
func NewReduceLROnPlateau(opt optim.Optimizer, cfg ReduceLROnPlateauConfig) (*ReduceLROnPlateau, error) {
	if opt == nil {
		return nil, fmt.Errorf("ReduceLROnPlateau: nil optimizer")
	}
	s := &ReduceLROnPlateau{opt: opt, cfg: cfg}
	s.cfg.MinLR = slices.Clone(cfg.MinLR)
	if s.cfg.Patience != nil {
		s.cfg.Patience = new(*cfg.Patience)
	}
	n := opt.NumGroups()
	if n == 0 {
		return nil, fmt.Errorf("ReduceLROnPlateau: the optimizer has no parameter groups")
	}
	if err := resolveReduceLROnPlateau(&s.cfg, n); err != nil {
		return nil, fmt.Errorf("ReduceLROnPlateau: %w", err)
	}
	lrs, err := groupValues(opt, "lr")
	if err != nil {
		return nil, fmt.Errorf("ReduceLROnPlateau: %w", err)
	}
	s.lastLR = positiveZeros(lrs)
	s.best = s.worst()
	return s, nil
}

// worst is PyTorch's mode_worse.
func (s *ReduceLROnPlateau) worst() float64 {
	if s.cfg.Mode == "min" {
		return math.Inf(1)
	}
	return math.Inf(-1)
}

// better is PyTorch's is_better.
func (s *ReduceLROnPlateau) better(a, best float64) bool {
	th := s.cfg.Threshold
	switch {
	case s.cfg.Mode == "min" && s.cfg.ThresholdMode == "rel":
		return a < best*(1.0-th)
	case s.cfg.Mode == "min":
		return a < best-th
	case s.cfg.ThresholdMode == "rel":
		return a > best*(th+1.0)
	default:
		return a > best+th
	}
}

// Step returns ErrNeedsMetric: ReduceLROnPlateau needs StepMetric.
func (s *ReduceLROnPlateau) Step() error { return ErrNeedsMetric }

// StepMetric ends an epoch whose metric (a validation loss, say) is m,
// reducing the rates after too many epochs without improvement. A NaN
// metric counts as no improvement.
func (s *ReduceLROnPlateau) StepMetric(m float64) error {
	best, numBad, cooldown := s.best, s.numBad, s.cooldown
	if s.better(m, best) {
		best, numBad = m, 0
	} else {
		numBad++
	}
	if cooldown > 0 {
		cooldown--
		numBad = 0
	}
	if numBad > *s.cfg.Patience {
		if err := s.reduce(); err != nil {
			return fmt.Errorf("ReduceLROnPlateau: %w", err)
		}
		cooldown, numBad = s.cfg.Cooldown, 0
	}
	var err error
	if s.lrs, err = groupValuesInto(s.lrs, s.opt, "lr"); err != nil {
		return fmt.Errorf("ReduceLROnPlateau: %w", err)
	}
	s.best, s.numBad, s.cooldown = best, numBad, cooldown
	s.lastEpoch++
	s.lastLR = positiveZerosInto(s.lastLR, s.lrs)
	return nil
}

// reduce is PyTorch's _reduce_lr.
func (s *ReduceLROnPlateau) reduce() error {
	lrs, err := groupValuesInto(s.lrs, s.opt, "lr")
	s.lrs = lrs
	if err != nil {
		return err
	}
	for g, old := range lrs {
		v := max(old*s.cfg.Factor, s.cfg.MinLR[g])
		if old-v > s.cfg.Eps {
			lrs[g] = v
		}
	}
	return setGroupValues(s.opt, "lr", lrs)
}

// LastLR returns the rate of each group after the last StepMetric (the
// optimizer's rates before the first).
func (s *ReduceLROnPlateau) LastLR() []float64 { return slices.Clone(s.lastLR) }

// LastEpoch reports the number of StepMetric calls.
func (s *ReduceLROnPlateau) LastEpoch() int { return s.lastEpoch }

// Best reports the best metric so far (±Inf before the first).
func (s *ReduceLROnPlateau) Best() float64 { return s.best }

// NumBadEpochs reports the epochs since the last improvement (PyTorch's
// num_bad_epochs).
func (s *ReduceLROnPlateau) NumBadEpochs() int { return s.numBad }

// InCooldown reports whether the schedule is cooling down after a
// reduction.
func (s *ReduceLROnPlateau) InCooldown() bool { return s.cooldown > 0 }

type plateauExtra struct {
	Best            num `json:"best"`
	NumBadEpochs    int `json:"num_bad_epochs"`
	CooldownCounter int `json:"cooldown_counter"`
}

// State returns the schedule's state as JSON.
func (s *ReduceLROnPlateau) State() (json.RawMessage, error) {
	cfg, err := json.Marshal(s.cfg)
	if err != nil {
		return nil, fmt.Errorf("ReduceLROnPlateau: state: %w", err)
	}
	extra, err := json.Marshal(plateauExtra{num(s.best), s.numBad, s.cooldown})
	if err != nil {
		return nil, fmt.Errorf("ReduceLROnPlateau: state: %w", err)
	}
	return json.Marshal(savedState{Scheduler: "ReduceLROnPlateau", Config: cfg, LastEpoch: s.lastEpoch,
		LastLR: nums(s.lastLR), Extra: extra})
}

// LoadState restores a state that State returned; on error the schedule
// is unchanged.
func (s *ReduceLROnPlateau) LoadState(raw json.RawMessage) error {
	st, err := decodeState(raw, "ReduceLROnPlateau")
	if err != nil {
		return err
	}
	n := s.opt.NumGroups()
	if len(st.LastLR) != n {
		return fmt.Errorf("load ReduceLROnPlateau state: saved for %d parameter groups, optimizer has %d", len(st.LastLR), n)
	}
	cfg := s.cfg
	if st.Config != nil {
		if cfg, err = loadConfig(st.Config, nil, func(c *ReduceLROnPlateauConfig) error {
			return resolveReduceLROnPlateau(c, n)
		}); err != nil {
			return fmt.Errorf("load ReduceLROnPlateau state: config: %w", err)
		}
	}
	var e plateauExtra
	if err := json.Unmarshal(st.Extra, &e); err != nil {
		return fmt.Errorf("load ReduceLROnPlateau state: %w", err)
	}
	s.cfg = cfg
	s.best, s.numBad, s.cooldown = float64(e.Best), e.NumBadEpochs, e.CooldownCounter
	s.lastEpoch = st.LastEpoch
	s.lastLR = floats(st.LastLR)
	return nil
}
