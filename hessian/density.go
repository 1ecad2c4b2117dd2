package hessian

import (
	"context"
	"fmt"
	"math"
)

// DensityConfig configures stochastic Lanczos quadrature; the zero value
// is PyHessian's (100 steps, one run).
type DensityConfig struct {
	// Steps is the number of Lanczos steps m of each run (default 100,
	// never more than the operator's dimension).
	Steps int `json:"steps"`
	// Runs is the number of independent runs n_v, each from its own
	// random vector (default 1).
	Runs int `json:"runs"`
	// Rademacher draws the start vectors with independent ±1 entries, as
	// PyHessian does. The default draws them uniformly on the sphere
	// (normalised standard normal vectors), which is as unbiased and sees
	// every eigenvector with probability one, whereas a Rademacher vector
	// is orthogonal to an eigenvector such as (1, −1)/√2 half the time: a
	// run then misses eigenvalues of symmetric problems entirely (the xy
	// saddle, Booth's function, a network with two interchangeable units).
	Rademacher bool `json:"rademacher"`
	// Seed seeds the start vectors.
	Seed uint64 `json:"seed"`
	// Sigma is the standard deviation of the Gaussian that broadens each
	// node. Zero chooses PyHessian's, √(1e-5·max(1, λhi − λlo)) over the
	// span of the nodes, widened to at least two grid steps so that the
	// grid resolves every peak.
	Sigma float64 `json:"sigma"`
	// Points is the number of grid points of the broadened density
	// (default 1000).
	Points int `json:"points"`
}

// Spectrum is an estimate of the eigenvalue density of an operator by
// stochastic Lanczos quadrature: for each run, the nodes and weights of
// the Gauss quadrature of the spectral measure seen from a random vector,
// and the mixture of Gaussians centred on the nodes, evaluated on a grid.
type Spectrum struct {
	Nodes   [][]float64 `json:"nodes"`   // per run, ascending
	Weights [][]float64 `json:"weights"` // per run, summing to 1
	Sigma   float64     `json:"sigma"`   // the broadening's standard deviation
	Grid    []float64   `json:"grid"`    // λ, ascending, evenly spaced
	Values  []float64   `json:"values"`  // the density at each grid point
	// Lowest and Highest are each run's extreme Ritz pairs, estimates of
	// λmin and λmax with their residuals and vectors (the Lanczos bases
	// themselves are not kept).
	Lowest  []Eigenpair `json:"lowest"`
	Highest []Eigenpair `json:"highest"`
	// Complete reports a run whose Krylov space was the whole space
	// (Steps ≥ dimension, all eigenvalues distinct): its nodes are then
	// every eigenvalue, each once, and the fraction of them below a
	// threshold is exact.
	Complete bool      `json:"complete"`
	complete []float64 // that run's nodes
	dim      int
}

// Density estimates the eigenvalue density of op by stochastic Lanczos
// quadrature (Ghorbani et al. 2019, as in PyHessian): each of Runs runs
// takes Steps Lanczos steps with full reorthogonalisation from a random
// unit vector v; the eigenvalues θᵢ of the tridiagonal matrix are the
// nodes and the squared first components of its eigenvectors the weights
// wᵢ, so that Σᵢ wᵢ·f(θᵢ) ≈ vᵀf(H)v, an unbiased estimate of tr f(H)/n.
// The density
//
//	φ(λ) = (1/n_v) Σ_runs Σᵢ wᵢ·N(λ; θᵢ, σ²)
//
// integrates to 1: φ(λ)·dλ is the fraction of the eigenvalues near λ.
// With Steps at least the dimension each run's nodes are the exact
// eigenvalues (those the start vector sees).
func Density(ctx context.Context, op Operator, cfg DensityConfig) (*Spectrum, error) {
	n, err := checkOp(op)
	if err != nil {
		return nil, err
	}
	if cfg.Steps == 0 {
		cfg.Steps = 100
	}
	if cfg.Runs == 0 {
		cfg.Runs = 1
	}
	if cfg.Points == 0 {
		cfg.Points = 1000
	}
	switch {
	case cfg.Steps < 1:
		return nil, fmt.Errorf("hessian: density with %d Lanczos steps; want at least 1", cfg.Steps)
	case cfg.Runs < 1:
		return nil, fmt.Errorf("hessian: density with %d runs; want at least 1", cfg.Runs)
	case cfg.Points < 2:
		return nil, fmt.Errorf("hessian: density on %d grid points; want at least 2", cfg.Points)
	case cfg.Sigma < 0 || math.IsNaN(cfg.Sigma) || math.IsInf(cfg.Sigma, 0):
		return nil, fmt.Errorf("hessian: density with σ = %v; want a positive width (or zero for the default)", cfg.Sigma)
	}
	rng := newRNG(cfg.Seed)
	s := &Spectrum{dim: n}
	for r := range cfg.Runs {
		v := make([]float64, n)
		if cfg.Rademacher {
			rademacher(v, rng)
		} else {
			gaussian(v, rng)
		}
		k, err := Lanczos(ctx, op, LanczosConfig{Steps: cfg.Steps, Start: v})
		if err != nil {
			return nil, fmt.Errorf("hessian: density run %d: %w", r+1, err)
		}
		nodes, weights, err := k.Quadrature()
		if err != nil {
			return nil, fmt.Errorf("hessian: density run %d: %w", r+1, err)
		}
		lowest, err := k.RitzPair(0)
		if err != nil {
			return nil, err
		}
		highest, err := k.RitzPair(k.Steps() - 1)
		if err != nil {
			return nil, err
		}
		s.Nodes = append(s.Nodes, nodes)
		s.Weights = append(s.Weights, weights)
		s.Lowest = append(s.Lowest, lowest)
		s.Highest = append(s.Highest, highest)
		if k.Steps() == n {
			s.Complete, s.complete = true, nodes
		}
	}
	lo, hi := s.span()
	width := hi - lo
	if width == 0 {
		width = max(math.Abs(lo), 1e-12)
	}
	sigma := cfg.Sigma
	if sigma == 0 {
		sigma = max(math.Sqrt(1e-5*max(1, width)), 2*width/float64(cfg.Points-1))
	}
	s.Sigma = sigma
	pad := 4 * sigma
	s.Grid = make([]float64, cfg.Points)
	step := (width + 2*pad) / float64(cfg.Points-1)
	if hi == lo {
		lo -= width / 2
	}
	for i := range s.Grid {
		s.Grid[i] = lo - pad + float64(i)*step
	}
	s.Values = s.At(s.Grid, sigma)
	return s, nil
}

// span returns the least and greatest node.
func (s *Spectrum) span() (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, nodes := range s.Nodes {
		for _, x := range nodes {
			lo, hi = min(lo, x), max(hi, x)
		}
	}
	return lo, hi
}

// At returns the density broadened by Gaussians of standard deviation
// sigma at each point of x.
func (s *Spectrum) At(x []float64, sigma float64) []float64 {
	out := make([]float64, len(x))
	if len(s.Nodes) == 0 || !(sigma > 0) {
		return out
	}
	c := 1 / (float64(len(s.Nodes)) * sigma * math.Sqrt(2*math.Pi))
	for r, nodes := range s.Nodes {
		for i, t := range nodes {
			w := s.Weights[r][i] * c
			for j, l := range x {
				z := (l - t) / sigma
				if z > -40 && z < 40 {
					out[j] += w * math.Exp(-z*z/2)
				}
			}
		}
	}
	return out
}

// MassBelow returns the fraction of the spectrum's weight on nodes below
// t, averaged over the runs: an estimate of the fraction of eigenvalues
// below t. When a run was Complete, the fraction is counted exactly from
// its nodes.
func (s *Spectrum) MassBelow(t float64) float64 {
	if s.complete != nil {
		var c int
		for _, x := range s.complete {
			if x < t {
				c++
			}
		}
		return float64(c) / float64(s.dim)
	}
	if len(s.Nodes) == 0 {
		return 0
	}
	var m float64
	for r, nodes := range s.Nodes {
		for i, x := range nodes {
			if x < t {
				m += s.Weights[r][i]
			}
		}
	}
	return m / float64(len(s.Nodes))
}

// MassAbove returns the fraction of the spectrum's weight on nodes above
// t, averaged over the runs (counted exactly, as MassBelow, when a run
// was Complete).
func (s *Spectrum) MassAbove(t float64) float64 {
	if s.complete != nil {
		var c int
		for _, x := range s.complete {
			if x > t {
				c++
			}
		}
		return float64(c) / float64(s.dim)
	}
	if len(s.Nodes) == 0 {
		return 0
	}
	var m float64
	for r, nodes := range s.Nodes {
		for i, x := range nodes {
			if x > t {
				m += s.Weights[r][i]
			}
		}
	}
	return m / float64(len(s.Nodes))
}
