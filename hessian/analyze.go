package hessian

import (
	"context"
	"fmt"
	"math"
	"strconv"
)

// Verdict says what the curvature at a point is.
type Verdict string

// The verdicts.
const (
	// Minimum: every sampled curvature is at least −threshold.
	Minimum Verdict = "minimum"
	// Saddle: some eigenvalue is clearly negative (below −threshold) and
	// some clearly positive.
	Saddle Verdict = "saddle"
	// Maximum: some eigenvalue is clearly negative and none clearly
	// positive.
	Maximum Verdict = "maximum"
	// Flat: every sampled eigenvalue is within Tol of zero.
	Flat Verdict = "flat"
)

// MinMethod chooses how Analyze finds the smallest eigenvalue.
type MinMethod string

// The methods for the smallest eigenvalue. Both give Rayleigh quotients,
// which never fall below the true smallest eigenvalue, so with
// MinBoth the lower of the two is kept.
const (
	// MinLanczos takes the smallest Ritz value of the density's Lanczos
	// runs: no products beyond the density's (the default).
	MinLanczos MinMethod = "lanczos"
	// MinPower runs power iteration on λmax·I − H (MinEigen).
	MinPower MinMethod = "power"
	// MinBoth does both.
	MinBoth MinMethod = "both"
)

// Config configures Analyze. The zero value is PyHessian's settings with
// the top eigenvalue only and no learning rate.
type Config struct {
	// Power configures the top eigenpairs (Power.K of them) and, with
	// MinPower, the smallest.
	Power PowerConfig `json:"power"`
	// Trace configures Hutchinson's estimate of the trace.
	Trace TraceConfig `json:"trace"`
	// Density configures stochastic Lanczos quadrature.
	Density DensityConfig `json:"density"`
	// Min chooses the method for the smallest eigenvalue (default
	// MinLanczos).
	Min MinMethod `json:"min_method"`
	// Seed seeds every method: the Seed fields of Power, Trace and
	// Density are ignored and replaced by Seed, Seed+1 and Seed+2 (and
	// Seed+3 for MinPower), so that no two methods share random vectors.
	Seed uint64 `json:"seed"`
	// Tol is the absolute curvature below which an eigenvalue counts as
	// zero (default 1e-6).
	Tol float64 `json:"tol"`
	// RelTol makes the threshold relative to the spectrum's scale: an
	// eigenvalue is clearly negative below −max(Tol, RelTol·max|λ|)
	// (default 1e-3).
	RelTol float64 `json:"rel_tol"`
	// LR, when positive, is the learning rate against which sharpness is
	// reported.
	LR float64 `json:"lr"`
	// Momentum is SGD's heavy-ball momentum β, which moves the edge of
	// stability to 2(1+β)/LR.
	Momentum float64 `json:"momentum"`
	// Progress, when set, is called after every Hessian-vector product
	// with the stage ("top", "min", "trace", "density") and the number of
	// products so far.
	Progress func(stage string, products int) `json:"-"`
}

// Sharpness compares the largest eigenvalue with the largest that a
// learning rate can follow: gradient descent with rate η on a quadratic
// with curvature λ is stable only while λ < 2/η (2(1+β)/η with heavy-ball
// momentum β), and Cohen et al. (2021) found full-batch training driving
// λmax up to that edge and hovering there ("edge of stability").
type Sharpness struct {
	LR        float64 `json:"lr"`
	Momentum  float64 `json:"momentum"`
	LambdaMax float64 `json:"lambda_max"`
	// HalfLRLambda is λmax·η/2, the ratio to the edge without momentum.
	HalfLRLambda float64 `json:"half_lr_lambda_max"`
	// Edge is the edge of stability, 2(1+β)/η.
	Edge float64 `json:"edge_of_stability"`
	// Ratio is λmax/Edge: below 1, gradient descent is stable along the
	// top eigenvector.
	Ratio float64 `json:"ratio"`
	// Regime is "below-edge" (Ratio < 0.95), "at-edge" (0.95 to 1.05) or
	// "beyond-edge" (above 1.05).
	Regime string `json:"regime"`
}

// NewSharpness returns the sharpness of λmax against learning rate lr and
// momentum (0 for plain gradient descent).
func NewSharpness(lambdaMax, lr, momentum float64) (Sharpness, error) {
	if !(lr > 0) || math.IsInf(lr, 0) {
		return Sharpness{}, fmt.Errorf("hessian: sharpness needs a positive learning rate, not %v", lr)
	}
	if !(momentum >= 0 && momentum < 1) {
		return Sharpness{}, fmt.Errorf("hessian: momentum %v; want 0 ≤ β < 1", momentum)
	}
	if math.IsNaN(lambdaMax) || math.IsInf(lambdaMax, 0) {
		return Sharpness{}, fmt.Errorf("hessian: sharpness of λmax = %v", lambdaMax)
	}
	s := Sharpness{LR: lr, Momentum: momentum, LambdaMax: lambdaMax, HalfLRLambda: lambdaMax * lr / 2, Edge: 2 * (1 + momentum) / lr}
	s.Ratio = lambdaMax / s.Edge
	switch {
	case s.Ratio < 0.95:
		s.Regime = "below-edge"
	case s.Ratio <= 1.05:
		s.Regime = "at-edge"
	default:
		s.Regime = "beyond-edge"
	}
	return s, nil
}

// Result is what Analyze finds, with JSON names for a command's --json.
type Result struct {
	// Dim is the operator's dimension (the number of parameters).
	Dim int `json:"dim"`
	// Loss and GradNorm are the loss and its gradient's norm at the
	// point, when the operator is Differentiable.
	Loss     *float64 `json:"loss,omitempty"`
	GradNorm *float64 `json:"grad_norm,omitempty"`
	// TopEigenvalues are the K largest eigenvalues by power iteration,
	// largest first; Top holds them with their residuals and vectors.
	TopEigenvalues []float64   `json:"top_eigenvalues"`
	Top            []Eigenpair `json:"top"`
	// MaxEigenvalue is the best estimate of λmax: the largest of the
	// power iteration's and the Lanczos runs' Rayleigh quotients.
	MaxEigenvalue float64 `json:"max_eigenvalue"`
	// MinEigenvalue is the best estimate of λmin, the least Rayleigh
	// quotient found; Min holds it with its vector, and MinFrom names the
	// method that found it ("lanczos" or "power").
	MinEigenvalue float64   `json:"min_eigenvalue"`
	Min           Eigenpair `json:"min"`
	MinFrom       string    `json:"min_from"`
	// Trace is Hutchinson's estimate of the trace.
	Trace TraceEstimate `json:"trace"`
	// Density is the eigenvalue density by stochastic Lanczos quadrature.
	Density *Spectrum `json:"density"`
	// Verdict is minimum, saddle, maximum or flat; Threshold the
	// curvature below which an eigenvalue counted as zero; Reason the
	// verdict in words.
	Verdict   Verdict `json:"verdict"`
	Threshold float64 `json:"threshold"`
	Reason    string  `json:"reason"`
	// Index is the estimated fraction of negative eigenvalues: the
	// density's mass below −Threshold (at least 1/Dim at a saddle).
	// NegativeCount is Index·Dim.
	Index         float64 `json:"index"`
	NegativeCount float64 `json:"negative_count"`
	// Sharpness compares MaxEigenvalue with the edge of stability, when
	// a learning rate was given.
	Sharpness *Sharpness `json:"sharpness,omitempty"`
	// Products counts the Hessian-vector products spent (gradients not
	// included).
	Products int `json:"products"`
}

// counter counts an operator's products and reports progress.
type counter struct {
	Operator
	n        int
	stage    string
	progress func(string, int)
}

func (c *counter) Apply(ctx context.Context, v, out []float64) error {
	err := c.Operator.Apply(ctx, v, out)
	c.n++
	if c.progress != nil {
		c.progress(c.stage, c.n)
	}
	return err
}

// Analyze runs every method on op, after PyHessian: the top eigenpairs by
// power iteration with deflation, the trace by Hutchinson's method, the
// eigenvalue density by stochastic Lanczos quadrature, the smallest
// eigenvalue (cfg.Min), and from them the verdict, the index and, given a
// learning rate, the sharpness. The cost is about K·MaxIter +
// Trace.MaxSamples + Density.Runs·Density.Steps products at most (twice
// the power iterations for a top eigenvalue that power iteration cannot
// reach directly, and MaxIter more for MinPower).
func Analyze(ctx context.Context, op Operator, cfg Config) (*Result, error) {
	n, err := checkOp(op)
	if err != nil {
		return nil, err
	}
	if cfg.Min == "" {
		cfg.Min = MinLanczos
	}
	if cfg.Min != MinLanczos && cfg.Min != MinPower && cfg.Min != MinBoth {
		return nil, fmt.Errorf("hessian: smallest eigenvalue by %q; want %q, %q or %q", cfg.Min, MinLanczos, MinPower, MinBoth)
	}
	if cfg.Tol == 0 {
		cfg.Tol = 1e-6
	}
	if cfg.RelTol == 0 {
		cfg.RelTol = 1e-3
	}
	if !(cfg.Tol > 0) || math.IsInf(cfg.Tol, 0) || !(cfg.RelTol >= 0) || math.IsInf(cfg.RelTol, 0) {
		return nil, fmt.Errorf("hessian: tolerances Tol %v and RelTol %v; want Tol > 0 and RelTol ≥ 0", cfg.Tol, cfg.RelTol)
	}
	if cfg.LR < 0 || math.IsNaN(cfg.LR) {
		return nil, fmt.Errorf("hessian: learning rate %v; want a positive one, or zero for none", cfg.LR)
	}
	cfg.Power.Seed, cfg.Trace.Seed, cfg.Density.Seed = cfg.Seed, cfg.Seed+1, cfg.Seed+2
	res := &Result{Dim: n}
	if d, ok := op.(Differentiable); ok {
		g := make([]float64, n)
		loss, err := d.Gradient(ctx, g)
		if err != nil {
			return nil, err
		}
		gn := norm(g)
		res.Loss, res.GradNorm = &loss, &gn
	}
	c := &counter{Operator: op, progress: cfg.Progress}

	c.stage = "top"
	var neg []Eigenpair // negative eigenpairs met on the way: λmin estimates
	if res.Top, neg, err = topEigen(ctx, c, cfg.Power); err != nil {
		return nil, err
	}
	for _, p := range res.Top {
		res.TopEigenvalues = append(res.TopEigenvalues, p.Value)
	}
	c.stage = "trace"
	if res.Trace, err = Trace(ctx, c, cfg.Trace); err != nil {
		return nil, err
	}
	c.stage = "density"
	if res.Density, err = Density(ctx, c, cfg.Density); err != nil {
		return nil, err
	}

	// The extremes: every value here is a Rayleigh quotient of H.
	lo, hi := res.Density.span()
	res.MaxEigenvalue = max(hi, res.Top[0].Value)
	for _, p := range res.Top {
		lo = min(lo, p.Value)
	}
	res.MinEigenvalue = math.Inf(1)
	for _, p := range neg {
		if p.Value < res.MinEigenvalue {
			res.Min, res.MinFrom, res.MinEigenvalue = p, string(MinPower), p.Value
		}
	}
	if cfg.Min != MinPower {
		for _, p := range res.Density.Lowest {
			if p.Value < res.MinEigenvalue {
				res.Min, res.MinFrom, res.MinEigenvalue = p, string(MinLanczos), p.Value
			}
		}
	}
	if cfg.Min != MinLanczos {
		c.stage = "min"
		pc := cfg.Power
		pc.Seed = cfg.Seed + 3
		p, err := MinEigen(ctx, c, res.MaxEigenvalue, pc)
		if err != nil {
			return nil, err
		}
		if p.Value < res.MinEigenvalue {
			res.Min, res.MinFrom, res.MinEigenvalue = p, string(MinPower), p.Value
		}
	}
	lo = min(lo, res.MinEigenvalue)
	hi = res.MaxEigenvalue

	res.verdict(lo, hi, cfg.Tol, cfg.RelTol)
	if cfg.LR > 0 {
		s, err := NewSharpness(res.MaxEigenvalue, cfg.LR, cfg.Momentum)
		if err != nil {
			return nil, err
		}
		res.Sharpness = &s
	}
	res.Products = c.n
	return res, nil
}

// verdict sets the verdict, threshold, index and reason from the least
// and greatest eigenvalue estimates.
func (r *Result) verdict(lo, hi, tol, relTol float64) {
	big := max(math.Abs(lo), math.Abs(hi))
	thr := max(tol, relTol*big)
	r.Threshold = thr
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	switch {
	case big <= tol:
		r.Verdict = Flat
		r.Reason = fmt.Sprintf("every eigenvalue found lies within %s of zero (λmin ≈ %s, λmax ≈ %s)", g(tol), g(lo), g(hi))
	case lo < -thr:
		r.Index = max(r.Density.MassBelow(-thr), 1/float64(r.Dim))
		if hi > thr {
			r.Verdict = Saddle
			r.Reason = fmt.Sprintf("λmin ≈ %s is below −%s and λmax ≈ %s above it: a saddle, with about %s%% of the spectrum negative", g(lo), g(thr), g(hi), g(100*r.Index))
		} else {
			r.Verdict = Maximum
			r.Reason = fmt.Sprintf("λmin ≈ %s is below −%s and no eigenvalue found exceeds %s (λmax ≈ %s): a maximum", g(lo), g(thr), g(thr), g(hi))
		}
	default:
		r.Verdict = Minimum
		r.Reason = fmt.Sprintf("every eigenvalue found is at least −%s (λmin ≈ %s, λmax ≈ %s): a minimum", g(thr), g(lo), g(hi))
	}
	r.NegativeCount = r.Index * float64(r.Dim)
}
