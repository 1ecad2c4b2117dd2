package schedule

import (
	"fmt"

	"github.com/descent-ml/descent/optim"
)

// LambdaLRConfig holds the factor function(s) of LambdaLR and
// MultiplicativeLR: LRLambda for every group, or LRLambdas, one per group
// (PyTorch's lr_lambda, a function or a list). The functions are not saved
// with the schedule's state (PyTorch saves only callable objects' fields).
type LambdaLRConfig struct {
	LRLambda  func(epoch int) float64   `json:"-"`
	LRLambdas []func(epoch int) float64 `json:"-"`
}

func (c *LambdaLRConfig) lambdas(n int) ([]func(int) float64, error) {
	switch {
	case c.LRLambda != nil && c.LRLambdas != nil:
		return nil, fmt.Errorf("give LRLambda or LRLambdas, not both")
	case c.LRLambda != nil:
		out := make([]func(int) float64, n)
		for i := range out {
			out[i] = c.LRLambda
		}
		return out, nil
	case c.LRLambdas == nil:
		return nil, fmt.Errorf("lr_lambda is required")
	case len(c.LRLambdas) != n:
		return nil, fmt.Errorf("expected %d lr_lambdas, but got %d", n, len(c.LRLambdas))
	}
	for i, f := range c.LRLambdas {
		if f == nil {
			return nil, fmt.Errorf("lr_lambda %d is nil", i)
		}
	}
	return c.LRLambdas, nil
}

// LambdaLR is PyTorch's torch.optim.lr_scheduler.LambdaLR: the rate of
// group g after step t is
//
//	lr_t = base_lr · λ_g(t)
//
// from t = 0 (set when the schedule is built). It has no closed form apart
// from this one.
type LambdaLR struct {
	base
	fns []func(int) float64
}

// NewLambdaLR returns LambdaLR on opt.
func NewLambdaLR(opt optim.Optimizer, cfg LambdaLRConfig) (*LambdaLR, error) {
	s := &LambdaLR{}
	if err := s.attach(opt, "LambdaLR", s); err != nil {
		return nil, err
	}
	fns, err := cfg.lambdas(s.groups())
	if err != nil {
		return nil, fmt.Errorf("LambdaLR: %w", err)
	}
	s.fns = fns
	s.chain = func() ([]float64, []float64, error) {
		lrs, _ := s.scratch(len(s.baseLRs), false)
		for g, b := range s.baseLRs {
			lrs[g] = b * s.fns[g](s.lastEpoch)
		}
		return lrs, nil, nil
	}
	if err := s.initialStep(); err != nil {
		return nil, err
	}
	return s, nil
}

// MultiplicativeLR is PyTorch's torch.optim.lr_scheduler.MultiplicativeLR:
// each step t ≥ 1 multiplies the rate of group g by λ_g(t):
//
//	lr_t = lr_{t-1} · λ_g(t)
//
// Building it leaves the rate unchanged.
type MultiplicativeLR struct {
	base
	fns []func(int) float64
}

// NewMultiplicativeLR returns MultiplicativeLR on opt.
func NewMultiplicativeLR(opt optim.Optimizer, cfg LambdaLRConfig) (*MultiplicativeLR, error) {
	s := &MultiplicativeLR{}
	if err := s.attach(opt, "MultiplicativeLR", s); err != nil {
		return nil, err
	}
	fns, err := cfg.lambdas(s.groups())
	if err != nil {
		return nil, fmt.Errorf("MultiplicativeLR: %w", err)
	}
	s.fns = fns
	s.chain = func() ([]float64, []float64, error) {
		lrs, err := s.current()
		if err != nil || s.lastEpoch <= 0 {
			return lrs, nil, err
		}
		for g := range lrs {
			lrs[g] *= s.fns[g](s.lastEpoch)
		}
		return lrs, nil, nil
	}
	if err := s.initialStep(); err != nil {
		return nil, err
	}
	return s, nil
}
