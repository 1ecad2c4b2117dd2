package hessian

import (
	"context"
	"fmt"
	"math"
)

// Eigenpair is an estimate of an eigenvalue of an operator and its unit
// eigenvector. Value is a Rayleigh quotient vᵀHv, so it lies within the
// spectrum; Residual is ‖Hv − Value·v‖ (or, for Lanczos, its exact
// equivalent β·|s|), and some eigenvalue of H lies within Residual of
// Value.
type Eigenpair struct {
	Value      float64   `json:"value"`
	Vector     []float64 `json:"-"`
	Residual   float64   `json:"residual"`
	Iterations int       `json:"iterations"` // products with the operator spent on it
	Converged  bool      `json:"converged"`  // the stopping rule held before the iteration limit
}

// PowerConfig configures power iteration; the zero value is PyHessian's.
type PowerConfig struct {
	// K is the number of top eigenpairs TopEigen returns (default 1).
	K int `json:"k"`
	// MaxIter bounds the products spent on each eigenpair (default 100).
	MaxIter int `json:"max_iter"`
	// Tol stops the iteration when the Rayleigh quotient θ changes by
	// less than Tol·(|θ| + 1e-6) from one iteration to the next, as
	// PyHessian does (default 1e-3).
	Tol float64 `json:"tol"`
	// Seed seeds the random start vectors (standard normal).
	Seed uint64 `json:"seed"`
}

func (c PowerConfig) withDefaults(n int) (PowerConfig, error) {
	if c.K == 0 {
		c.K = 1
	}
	if c.MaxIter == 0 {
		c.MaxIter = 100
	}
	if c.Tol == 0 {
		c.Tol = 1e-3
	}
	switch {
	case c.K < 0 || c.K > n:
		return c, fmt.Errorf("hessian: %d top eigenpairs of a %d×%d operator; want 1 to %d", c.K, n, n, n)
	case c.MaxIter < 1:
		return c, fmt.Errorf("hessian: power iteration with MaxIter %d; want at least 1", c.MaxIter)
	case !(c.Tol > 0) || math.IsInf(c.Tol, 0):
		return c, fmt.Errorf("hessian: power iteration with Tol %v; want a positive tolerance", c.Tol)
	}
	return c, nil
}

// checkOp reports an operator with no dimensions.
func checkOp(op Operator) (int, error) {
	if op == nil {
		return 0, fmt.Errorf("hessian: no operator")
	}
	n := op.Dim()
	if n < 1 {
		return 0, fmt.Errorf("hessian: operator of dimension %d", n)
	}
	return n, nil
}

// apply computes out = H·v and refuses a product that is not finite.
func apply(ctx context.Context, op Operator, v, out []float64, what string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := op.Apply(ctx, v, out); err != nil {
		return err
	}
	if !allFinite(out) {
		return fmt.Errorf("hessian: %s: the Hessian-vector product is not finite", what)
	}
	return nil
}

// TopEigen returns the K largest eigenvalues of op, largest first, with
// their eigenvectors, by power iteration with deflation after PyHessian
// (Yao et al. 2020): each pair is found by power iteration from a seeded
// random start kept orthogonal to the pairs already found, stopped by
// PyHessian's rule (see PowerConfig).
//
// Plain power iteration converges to the eigenvalue of largest magnitude,
// which is the largest only when the spectrum's positive end dominates (as
// it does for trained networks). When the iteration ends on a clean
// negative eigenpair (residual at most |θ|/10), that eigenvector is
// deflated too and the iteration run again, twice at most; when it still
// ends negative, or on a vector that is no eigenvector (two eigenvalues of
// opposite sign and nearly equal magnitude compete, as for x² − y², and
// the Rayleigh quotient stalls between them), it is run on H + ρI instead,
// where ρ ≈ ‖Hv‖ estimates the spectral radius, so that the largest
// eigenvalue of H dominates. Of the competing Rayleigh quotients the
// largest is kept: each is below the eigenvalue it estimates.
func TopEigen(ctx context.Context, op Operator, cfg PowerConfig) ([]Eigenpair, error) {
	top, _, err := topEigen(ctx, op, cfg)
	return top, err
}

// topEigen is TopEigen, also returning the negative eigenpairs it came
// across and deflated (the dominant end of the spectrum: estimates of
// λmin).
func topEigen(ctx context.Context, op Operator, cfg PowerConfig) (top, neg []Eigenpair, err error) {
	n, err := checkOp(op)
	if err != nil {
		return nil, nil, err
	}
	if cfg, err = cfg.withDefaults(n); err != nil {
		return nil, nil, err
	}
	rng := newRNG(cfg.Seed)
	var basis [][]float64 // the eigenvectors found, top and negative
	start := make([]float64, n)
	// A clean eigenpair: the Rayleigh quotient's error is about r²/δ for
	// a residual r and a gap δ to the rest of the spectrum, so r ≤ 0.1·|θ|
	// passes an iteration stopped by PyHessian's rule (r ≈ √(Tol·θ·δ))
	// and keeps one that stalled between ±ρ within about 0.5%.
	clean := func(p Eigenpair) bool { return p.Residual <= 0.1*math.Abs(p.Value) }
	for k := range cfg.K {
		spent := 0
		var p Eigenpair
		for try := 0; ; try++ {
			gaussian(start, rng)
			var hvNorm float64
			p, hvNorm, err = power(ctx, op, 0, basis, start, cfg)
			if err != nil {
				return nil, nil, fmt.Errorf("hessian: eigenvalue %d: %w", k+1, err)
			}
			spent += p.Iterations
			if p.Value >= 0 && clean(p) {
				break
			}
			// Room to deflate this one and still find the remaining tops?
			if p.Value < 0 && clean(p) && try < 2 && len(basis)+1+cfg.K-k <= n {
				neg = append(neg, p)
				basis = append(basis, p.Vector)
				continue
			}
			gaussian(start, rng)
			q, _, err := power(ctx, op, -hvNorm, basis, start, cfg)
			if err != nil {
				return nil, nil, fmt.Errorf("hessian: eigenvalue %d: %w", k+1, err)
			}
			spent += q.Iterations
			if p.Value < 0 && clean(p) {
				neg = append(neg, p)
			}
			if q.Value > p.Value || (q.Value == p.Value && q.Residual < p.Residual) {
				p = q
			}
			break
		}
		p.Iterations = spent
		top = append(top, p)
		basis = append(basis, p.Vector)
	}
	return top, neg, nil
}

// MinEigen returns the smallest eigenvalue of op and its eigenvector by
// power iteration on λmax·I − H (whose largest eigenvalue is λmax − λmin),
// from a seeded random start, stopped by PyHessian's rule applied to the
// Rayleigh quotient of H. lambdaMax is the largest eigenvalue, or any
// value at least as large (TopEigen's estimate serves). The iteration
// converges at the rate (λmax − λ₂)/(λmax − λmin), where λ₂ is the second
// smallest eigenvalue: slowly when λmin is small beside λmax, and then
// Lanczos (see Lanczos and Ritz) does better with the same products.
func MinEigen(ctx context.Context, op Operator, lambdaMax float64, cfg PowerConfig) (Eigenpair, error) {
	n, err := checkOp(op)
	if err != nil {
		return Eigenpair{}, err
	}
	cfg.K = 1
	if cfg, err = cfg.withDefaults(n); err != nil {
		return Eigenpair{}, err
	}
	if math.IsNaN(lambdaMax) || math.IsInf(lambdaMax, 0) {
		return Eigenpair{}, fmt.Errorf("hessian: MinEigen: λmax is %v", lambdaMax)
	}
	start := make([]float64, n)
	gaussian(start, newRNG(cfg.Seed))
	p, _, err := power(ctx, op, lambdaMax, nil, start, cfg)
	if err != nil {
		return Eigenpair{}, fmt.Errorf("hessian: smallest eigenvalue: %w", err)
	}
	return p, nil
}

// power runs power iteration on H − shift·I restricted to the orthogonal
// complement of basis, from v (overwritten). It returns the last Rayleigh
// quotient of H with its vector and residual, and ‖Hv‖ for that vector.
func power(ctx context.Context, op Operator, shift float64, basis [][]float64, v []float64, cfg PowerConfig) (Eigenpair, float64, error) {
	n := len(v)
	hv := make([]float64, n)
	orthogonalize(v, basis)
	if normalize(v) == 0 {
		return Eigenpair{}, 0, fmt.Errorf("the random start lies in the span of the eigenvectors found")
	}
	best := Eigenpair{Vector: make([]float64, n)}
	var hvNorm float64
	prev := math.NaN()
	for it := 1; it <= cfg.MaxIter; it++ {
		if err := apply(ctx, op, v, hv, "power iteration"); err != nil {
			return Eigenpair{}, 0, err
		}
		theta := dot(v, hv)
		hvNorm = norm(hv)
		// ‖Hv − θv‖² = ‖Hv‖² − θ² for a unit v; computed directly to keep
		// its accuracy when the two are close.
		var r2 float64
		for i, x := range hv {
			d := x - theta*v[i]
			r2 += d * d
		}
		best.Value, best.Residual, best.Iterations = theta, math.Sqrt(r2), it
		copy(best.Vector, v)
		if it > 1 && math.Abs(theta-prev) < cfg.Tol*(math.Abs(prev)+1e-6) {
			best.Converged = true
			break
		}
		prev = theta
		// The next iterate: (H − shift·I)v, deflated and normalised.
		axpy(-shift, v, hv)
		orthogonalize(hv, basis)
		if w := normalize(hv); w <= 1e-13*max(math.Abs(shift), hvNorm) {
			// (H − shift·I)v vanishes to working precision: v is an
			// eigenvector, with the eigenvalue θ.
			best.Converged = true
			break
		}
		v, hv = hv, v
	}
	return best, hvNorm, nil
}
