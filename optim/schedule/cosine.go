package schedule

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/descent-ml/descent/optim"
)

// CosineAnnealingLRConfig holds CosineAnnealingLR's hyperparameters.
type CosineAnnealingLRConfig struct {
	TMax   int     `json:"T_max"`   // half period, in steps (required)
	EtaMin float64 `json:"eta_min"` // lowest rate (default 0)
}

func resolveCosineAnnealingLR(c *CosineAnnealingLRConfig) error {
	if c.TMax < 1 {
		return fmt.Errorf("invalid T_max: %d (want a positive integer)", c.TMax)
	}
	return checkFinite("eta_min", c.EtaMin)
}

// CosineAnnealingLR is PyTorch's torch.optim.lr_scheduler.CosineAnnealingLR
// (Loshchilov & Hutter 2017, SGDR, without restarts) in PyTorch's recursive
// form, with η_min = eta_min, T = T_max and η_base the base rate:
//
//	lr_0 = lr (unchanged)
//	lr_t = lr_{t-1} + (η_base − η_min)(1 − cos(π/T))/2                        if (t−1−T) mod 2T = 0
//	lr_t = (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)) · (lr_{t-1} − η_min) + η_min   otherwise
//
// On its own this follows η_min + (η_base − η_min)(1 + cos(πt/T))/2 up to
// rounding; past T it climbs back to η_base over the next T steps and so
// on, a cosine of period 2T. The closed form (that formula) is what
// SequentialLR uses when it switches to this schedule.
type CosineAnnealingLR struct {
	base
	cfg CosineAnnealingLRConfig
}

// NewCosineAnnealingLR returns CosineAnnealingLR on opt.
func NewCosineAnnealingLR(opt optim.Optimizer, cfg CosineAnnealingLRConfig) (*CosineAnnealingLR, error) {
	s := &CosineAnnealingLR{cfg: cfg}
	if err := resolveCosineAnnealingLR(&s.cfg); err != nil {
		return nil, fmt.Errorf("CosineAnnealingLR: %w", err)
	}
	if err := s.attach(opt, "CosineAnnealingLR", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveCosineAnnealingLR)
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil {
			return nil, nil, err
		}
		le, T, eta := s.lastEpoch, s.cfg.TMax, s.cfg.EtaMin
		tf := float64(T)
		switch {
		case le == 0:
		case s.stepCount == 1 && le > 0:
			for g, b := range s.baseLRs {
				lrs[g] = eta + (b-eta)*(1+math.Cos(float64(le)*math.Pi/tf))/2
			}
		case pymod(le-1-T, 2*T) == 0:
			for g, b := range s.baseLRs {
				lrs[g] += (b - eta) * (1 - math.Cos(math.Pi/tf)) / 2
			}
		default:
			r := (1 + math.Cos(math.Pi*float64(le)/tf)) / (1 + math.Cos(math.Pi*float64(le-1)/tf))
			for g := range lrs {
				lrs[g] = r*(lrs[g]-eta) + eta
			}
		}
		return lrs, nil, nil
	}
	s.closed = func() []float64 {
		eta := s.cfg.EtaMin
		c := 1 + math.Cos(math.Pi*float64(s.lastEpoch)/float64(s.cfg.TMax))
		return s.fromBase(func(b float64) float64 { return eta + (b-eta)*c/2 })
	}
	return finish(s)
}

// CosineAnnealingWarmRestartsConfig holds the hyperparameters of
// CosineAnnealingWarmRestarts.
type CosineAnnealingWarmRestartsConfig struct {
	T0     int     `json:"T_0"`     // length of the first cycle, in steps (required)
	TMult  int     `json:"T_mult"`  // factor by which each cycle is longer than the last (default 1)
	EtaMin float64 `json:"eta_min"` // lowest rate (default 0)
}

func resolveCosineAnnealingWarmRestarts(c *CosineAnnealingWarmRestartsConfig) error {
	if c.T0 < 1 {
		return fmt.Errorf("expected positive integer T_0, but got %d", c.T0)
	}
	if c.TMult == 0 {
		c.TMult = 1
	}
	if c.TMult < 1 {
		return fmt.Errorf("expected integer T_mult >= 1, but got %d", c.TMult)
	}
	return checkFinite("eta_min", c.EtaMin)
}

// CosineAnnealingWarmRestarts is PyTorch's
// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts (SGDR: Loshchilov &
// Hutter, 2017, "SGDR: Stochastic Gradient Descent with Warm Restarts",
// arXiv:1608.03983): cosine annealing from the base rate to eta_min over
// cycles of T_i steps, T_0 first and each T_mult times longer, restarting
// at the base rate:
//
//	lr = η_min + (η_base − η_min)(1 + cos(π·T_cur/T_i))/2
//
// where T_cur counts the steps since the last restart. Step advances T_cur
// by one; StepEpoch sets a (possibly fractional) epoch, as PyTorch's
// step(epoch) does for per-batch updates.
type CosineAnnealingWarmRestarts struct {
	base
	cfg  CosineAnnealingWarmRestartsConfig
	tI   int
	tCur float64
}

// NewCosineAnnealingWarmRestarts returns CosineAnnealingWarmRestarts on opt.
func NewCosineAnnealingWarmRestarts(opt optim.Optimizer, cfg CosineAnnealingWarmRestartsConfig) (*CosineAnnealingWarmRestarts, error) {
	s := &CosineAnnealingWarmRestarts{cfg: cfg}
	if err := resolveCosineAnnealingWarmRestarts(&s.cfg); err != nil {
		return nil, fmt.Errorf("CosineAnnealingWarmRestarts: %w", err)
	}
	if err := s.attach(opt, "CosineAnnealingWarmRestarts", s); err != nil {
		return nil, err
	}
	saveConfig(&s.base, &s.cfg, nil, resolveCosineAnnealingWarmRestarts)
	s.tI, s.tCur = s.cfg.T0, -1
	s.chain = func() ([]float64, []float64, error) {
		eta := s.cfg.EtaMin
		c := 1 + math.Cos(math.Pi*s.tCur/float64(s.tI))
		return s.fromBase(func(b float64) float64 { return eta + (b-eta)*c/2 }), nil, nil
	}
	type extra struct {
		TI   int `json:"T_i"`
		TCur num `json:"T_cur"`
	}
	s.extra = func() any { return extra{s.tI, num(s.tCur)} }
	s.loadExtra = func(raw json.RawMessage) (func(), error) {
		var e extra
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		if e.TI < 1 {
			return nil, fmt.Errorf("invalid T_i: %d", e.TI)
		}
		return func() { s.tI, s.tCur = e.TI, float64(e.TCur) }, nil
	}
	return finish(s)
}

// Step advances the schedule by one step (T_cur + 1, restarting when T_cur
// reaches T_i).
func (s *CosineAnnealingWarmRestarts) Step() error {
	if s.lastEpoch < 0 {
		return s.StepEpoch(0)
	}
	tI, tCur := s.tI, s.tCur+1
	if tCur >= float64(tI) {
		tCur -= float64(tI)
		tI *= s.cfg.TMult
	}
	return s.set(s.lastEpoch+1, tI, tCur)
}

// StepEpoch moves the schedule to epoch, which may be fractional (epoch +
// batch/batches for per-batch annealing), as PyTorch's step(epoch).
func (s *CosineAnnealingWarmRestarts) StepEpoch(epoch float64) error {
	if !(epoch >= 0) || math.IsInf(epoch, 1) {
		return fmt.Errorf("CosineAnnealingWarmRestarts: expected non-negative epoch, but got %v", epoch)
	}
	T0, Tm := s.cfg.T0, s.cfg.TMult
	tI, tCur := T0, epoch
	if epoch >= float64(T0) {
		if Tm == 1 {
			tCur = math.Mod(epoch, float64(T0))
		} else {
			n := int(math.Log(epoch/float64(T0)*float64(Tm-1)+1) / math.Log(float64(Tm)))
			pn := ipow(Tm, n)
			tCur = epoch - float64(T0*(pn-1))/float64(Tm-1)
			tI = T0 * pn
		}
	}
	return s.set(int(math.Floor(epoch)), tI, tCur)
}

func (s *CosineAnnealingWarmRestarts) stepEpoch(epoch int) error { return s.StepEpoch(float64(epoch)) }

func (s *CosineAnnealingWarmRestarts) restart() error {
	s.lastEpoch, s.tI, s.tCur = -1, s.cfg.T0, -1
	return s.initialStep()
}

// set installs the new position and applies the rule.
func (s *CosineAnnealingWarmRestarts) set(epoch, tI int, tCur float64) error {
	le, oldI, oldCur := s.lastEpoch, s.tI, s.tCur
	s.lastEpoch, s.tI, s.tCur = epoch, tI, tCur
	lrs, _, _ := s.chain()
	if err := s.apply(lrs, nil); err != nil {
		s.lastEpoch, s.tI, s.tCur = le, oldI, oldCur
		return fmt.Errorf("%s: %w", s.name, err)
	}
	return nil
}

// ipow is b^n for ints.
func ipow(b, n int) int {
	r := 1
	for range n {
		r *= b
	}
	return r
}

// TCur reports the steps since the last restart (PyTorch's T_cur).
func (s *CosineAnnealingWarmRestarts) TCur() float64 { return s.tCur }

// TI reports the length of the current cycle (PyTorch's T_i).
func (s *CosineAnnealingWarmRestarts) TI() int { return s.tI }
