package hessian

import (
	"context"
	"fmt"
	"math"
)

// TraceConfig configures Hutchinson's trace estimator.
type TraceConfig struct {
	// MaxSamples bounds the number of products (default 100, PyHessian's
	// limit).
	MaxSamples int `json:"max_samples"`
	// MinSamples is the least number of samples before the stopping rule
	// may end the estimate (default 10).
	MinSamples int `json:"min_samples"`
	// Tol ends the estimate once the standard error of the mean is at most
	// Tol times its magnitude (default 1e-3).
	Tol float64 `json:"tol"`
	// Seed seeds the Rademacher vectors.
	Seed uint64 `json:"seed"`
}

// TraceEstimate is an estimate of the trace with its standard error.
type TraceEstimate struct {
	Value     float64 `json:"value"`
	StdErr    float64 `json:"stderr"`  // the sample standard deviation over √Samples
	Samples   int     `json:"samples"` // products spent
	Converged bool    `json:"converged"`
}

// Trace estimates tr H by Hutchinson's method, as PyHessian does: the mean
// of vᵀHv over random vectors v of independent ±1 entries (Rademacher),
// an unbiased estimate whose variance per sample is 2·Σ_(i≠j) H_ij² (zero
// for a diagonal H). The running mean and variance are kept (Welford's
// algorithm); sampling stops once the standard error is at most Tol·|mean|
// after MinSamples samples, or after MaxSamples.
func Trace(ctx context.Context, op Operator, cfg TraceConfig) (TraceEstimate, error) {
	n, err := checkOp(op)
	if err != nil {
		return TraceEstimate{}, err
	}
	if cfg.MaxSamples == 0 {
		cfg.MaxSamples = 100
	}
	if cfg.MinSamples == 0 {
		cfg.MinSamples = min(10, cfg.MaxSamples)
	}
	if cfg.Tol == 0 {
		cfg.Tol = 1e-3
	}
	switch {
	case cfg.MaxSamples < 1:
		return TraceEstimate{}, fmt.Errorf("hessian: trace with MaxSamples %d; want at least 1", cfg.MaxSamples)
	case cfg.MinSamples < 1 || cfg.MinSamples > cfg.MaxSamples:
		return TraceEstimate{}, fmt.Errorf("hessian: trace with MinSamples %d; want 1 to MaxSamples (%d)", cfg.MinSamples, cfg.MaxSamples)
	case !(cfg.Tol > 0) || math.IsInf(cfg.Tol, 0):
		return TraceEstimate{}, fmt.Errorf("hessian: trace with Tol %v; want a positive tolerance", cfg.Tol)
	}
	rng := newRNG(cfg.Seed)
	v, hv := make([]float64, n), make([]float64, n)
	var est TraceEstimate
	var mean, m2 float64
	for k := 1; k <= cfg.MaxSamples; k++ {
		rademacher(v, rng)
		if err := apply(ctx, op, v, hv, "trace"); err != nil {
			return TraceEstimate{}, err
		}
		x := dot(v, hv)
		d := x - mean
		mean += d / float64(k)
		m2 += d * (x - mean)
		est.Value, est.Samples = mean, k
		if k > 1 {
			est.StdErr = math.Sqrt(m2 / float64(k-1) / float64(k))
		}
		if k >= cfg.MinSamples && k > 1 && est.StdErr <= cfg.Tol*math.Abs(mean) {
			est.Converged = true
			break
		}
	}
	return est, nil
}
