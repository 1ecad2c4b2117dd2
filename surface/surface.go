// Package surface is descent's loss-surface lab: test functions with exact
// gradients and Hessians, a parser for functions typed as expressions, a
// race that runs optimizers side by side over a surface, and a diagnosis of
// where each one ended up.
//
// Every function is a [Function]: its value, its analytic gradient and
// Hessian, the domain a picture of it should cover, a suggested starting
// point and its known critical points (minima, and where they matter maxima
// and saddles). [New] builds one from a spec such as "rosenbrock:a=1,b=100"
// or "expr:x^2 - y^2 + 0.1*x^4"; [Names] lists the named ones.
//
// [Race] drives the very optimizers of package optim (built by optim.New
// from their spec strings) over a 2-D or n-D point, records every point and
// loss, and diagnoses the end: converged, local minimum, saddle, plateau,
// diverged or out of steps. [Diagnose] gives the same diagnosis for any
// point, with its value, gradient and Hessian eigenvalues.
//
// The package computes; it never prints. Text comes out only through an
// io.Writer handed to it ([WriteTable], [WriteCatalog]).
package surface

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
)

// Range is a closed interval [Lo, Hi] of one coordinate.
type Range struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Kind says what sort of critical point a CriticalPoint is.
type Kind string

// The kinds of critical point.
const (
	Minimum Kind = "minimum" // every Hessian eigenvalue positive
	Maximum Kind = "maximum" // every Hessian eigenvalue negative
	Saddle  Kind = "saddle"  // eigenvalues of both signs, or a degenerate saddle (the monkey saddle)
)

// CriticalPoint is a known point where the gradient vanishes.
type CriticalPoint struct {
	Kind   Kind      `json:"kind"`
	Global bool      `json:"global"` // a minimum whose value is the function's least
	X      []float64 `json:"x"`
	Value  float64   `json:"value"`
}

// Parameter is one resolved parameter of a named function.
type Parameter struct {
	Key   string  `json:"key"`
	Value float64 `json:"value"`
	Doc   string  `json:"doc"`
}

// Function is a test function on R^n: its value, analytic gradient and
// Hessian, its plotting domain and its known critical points. Functions are
// immutable and safe for concurrent use.
type Function struct {
	name        string
	spec        string
	description string
	formula     string
	params      []Parameter
	dim         int
	domain      []Range
	start       []float64
	critical    []CriticalPoint

	value func(x []float64) float64
	grad  func(x, g []float64) float64 // fills g, returns the value
	hess  func(x, h []float64)         // fills the whole row-major n×n h

	spread float64 // F: the spread of the values over the domain (see Diagnose)
	slope  float64 // S: the steep slopes' gradient norm over the domain (see Diagnose)
}

// Name returns the function's registry name ("rosenbrock", "expr").
func (f *Function) Name() string { return f.name }

// Spec returns the spec that builds this function again with New, with
// every parameter spelled out: "rosenbrock:a=1,b=100,n=2".
func (f *Function) Spec() string { return f.spec }

// Description returns a sentence or two on what the function shows.
func (f *Function) Description() string { return f.description }

// Formula returns the function's formula in plain text.
func (f *Function) Formula() string { return f.formula }

// Params returns the function's parameters with their values.
func (f *Function) Params() []Parameter { return slices.Clone(f.params) }

// Dim returns the number of coordinates.
func (f *Function) Dim() int { return f.dim }

// Domain returns the box a picture of the function should cover, one range
// per coordinate.
func (f *Function) Domain() []Range { return slices.Clone(f.domain) }

// Start returns a suggested starting point for a race: a classic one where
// the literature has it, otherwise a point that shows the surface's
// character.
func (f *Function) Start() []float64 { return slices.Clone(f.start) }

// Critical returns the known critical points: every listed minimum (global
// and local), and the maxima and saddles worth marking. A function that is
// unbounded below (the saddles) lists no minimum; an expression lists
// nothing.
func (f *Function) Critical() []CriticalPoint {
	out := make([]CriticalPoint, len(f.critical))
	for i, c := range f.critical {
		out[i] = c
		out[i].X = slices.Clone(c.X)
	}
	return out
}

// GlobalMinimum returns the least value of the function and true, or false
// when it is not known (an expression) or the function is unbounded below.
func (f *Function) GlobalMinimum() (float64, bool) {
	for _, c := range f.critical {
		if c.Kind == Minimum && c.Global {
			return c.Value, true
		}
	}
	return 0, false
}

// Limits returns the region beyond which a point counts as diverged: the
// domain widened by five of its widths on every side. A race refuses to
// start outside it.
func (f *Function) Limits() []Range {
	out := make([]Range, len(f.domain))
	for i, r := range f.domain {
		w := r.Hi - r.Lo
		out[i] = Range{r.Lo - limitWidths*w, r.Hi + limitWidths*w}
	}
	return out
}

// limitWidths is how many domain widths beyond the domain a point may go
// before it counts as diverged.
const limitWidths = 5

// check reports a nil Function, or one not built by New or Parse.
func (f *Function) check() error {
	if f == nil || f.value == nil {
		return errors.New("no function (nil, or not built by surface.New or surface.Parse)")
	}
	return nil
}

// Value returns f(x), or NaN when len(x) is not Dim() (or f was not built
// by New or Parse).
func (f *Function) Value(x []float64) float64 {
	if f.check() != nil || len(x) != f.dim {
		return math.NaN()
	}
	return f.value(x)
}

// Gradient writes ∇f(x) into g and returns f(x). x and g must have length
// Dim().
func (f *Function) Gradient(x, g []float64) (float64, error) {
	if err := f.check(); err != nil {
		return math.NaN(), err
	}
	if err := f.checkLen("x", x, f.dim); err != nil {
		return math.NaN(), err
	}
	if err := f.checkLen("g", g, f.dim); err != nil {
		return math.NaN(), err
	}
	return f.grad(x, g), nil
}

// Hessian writes the Hessian of f at x into h, row-major: h[i*n+j] is
// ∂²f/∂x_i∂x_j. x must have length n = Dim() and h length n².
func (f *Function) Hessian(x, h []float64) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := f.checkLen("x", x, f.dim); err != nil {
		return err
	}
	if err := f.checkLen("h", h, f.dim*f.dim); err != nil {
		return err
	}
	f.hess(x, h)
	return nil
}

func (f *Function) checkLen(what string, v []float64, n int) error {
	if len(v) != n {
		return fmt.Errorf("%s: %s has length %d, want %d", f.name, what, len(v), n)
	}
	return nil
}

// WithDomain returns a copy of f that plots over domain (one range per
// coordinate, each with Lo < Hi, all finite). The limits of a race and the
// scales of the diagnosis move with it; the suggested start is moved into
// the new domain if it falls outside.
func (f *Function) WithDomain(domain []Range) (*Function, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	if len(domain) != f.dim {
		return nil, fmt.Errorf("%s: domain has %d ranges, want %d (one per coordinate)", f.name, len(domain), f.dim)
	}
	for i, r := range domain {
		if !(r.Lo < r.Hi) || !finite(r.Lo) || !finite(r.Hi) {
			return nil, fmt.Errorf("%s: domain range %d is [%v, %v]; want finite bounds with lo < hi", f.name, i, r.Lo, r.Hi)
		}
	}
	g := *f
	g.domain = slices.Clone(domain)
	g.start = slices.Clone(f.start)
	for i, r := range domain { // keep the suggested start inside
		g.start[i] = min(max(g.start[i], r.Lo), r.Hi)
	}
	g.finish()
	return &g, nil
}

// MarshalJSON writes the function's description: name, spec, description,
// formula, params, dim, domain, start and critical points.
func (f *Function) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Name        string          `json:"name"`
		Spec        string          `json:"spec"`
		Description string          `json:"description"`
		Formula     string          `json:"formula"`
		Params      []Parameter     `json:"params"`
		Dim         int             `json:"dim"`
		Domain      []Range         `json:"domain"`
		Start       []float64       `json:"start"`
		Critical    []CriticalPoint `json:"critical_points"`
	}{f.name, f.spec, f.description, f.formula, nonNil(f.params), f.dim, f.domain, f.start, nonNil(f.critical)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// finish fills what is derived from the rest: the start (the domain's
// centre when none was given) and the value spread over the domain.
func (f *Function) finish() {
	if f.start == nil {
		f.start = make([]float64, f.dim)
		for i, r := range f.domain {
			f.start[i] = (r.Lo + r.Hi) / 2
		}
	}
	f.spread, f.slope = scales(f)
}

// scales samples f over the domain, on a 65×65 grid in 2-D, a 64-point
// grid in 1-D and at 4096 points of a fixed low-discrepancy sequence in
// more dimensions, and returns F, the 95th minus the 5th percentile of the
// values, and S, the 95th percentile of the gradient's norm. Non-finite
// samples are left out; both are at least the smallest positive normal
// float, so thresholds scaled by them are never zero.
func scales(f *Function) (spread, slope float64) {
	var vals, grads []float64
	x := make([]float64, f.dim)
	g := make([]float64, f.dim)
	add := func() {
		if v := f.grad(x, g); finite(v) {
			vals = append(vals, v)
			if n := norm(g); finite(n) {
				grads = append(grads, n)
			}
		}
	}
	lerp := func(r Range, t float64) float64 { return r.Lo + t*(r.Hi-r.Lo) }
	switch f.dim {
	case 1:
		for i := range 64 {
			x[0] = lerp(f.domain[0], float64(i)/63)
			add()
		}
	case 2:
		for i := range 65 {
			for j := range 65 {
				x[0] = lerp(f.domain[0], float64(i)/64)
				x[1] = lerp(f.domain[1], float64(j)/64)
				add()
			}
		}
	default:
		// Kronecker sequence with the generalised golden ratio: evenly
		// spread points in any dimension, deterministic.
		phi := 2.0
		for range 30 {
			phi = math.Pow(1+phi, 1/float64(f.dim+1))
		}
		alpha := make([]float64, f.dim)
		for d := range alpha {
			alpha[d] = math.Mod(1/math.Pow(phi, float64(d+1)), 1)
		}
		for i := range 4096 {
			for d := range x {
				x[d] = lerp(f.domain[d], math.Mod(0.5+alpha[d]*float64(i+1), 1))
			}
			add()
		}
	}
	const tiny = 0x1p-1022
	q := func(s []float64, p float64) float64 {
		if len(s) == 0 {
			return 1
		}
		sort.Float64s(s)
		return s[int(p*float64(len(s)-1))]
	}
	return max(q(vals, 0.95)-q(vals, 0.05), tiny), max(q(grads, 0.95), tiny)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func allFinite(x []float64) bool {
	for _, v := range x {
		if !finite(v) {
			return false
		}
	}
	return true
}

// diagonal returns the length of the domain's diagonal.
func (f *Function) diagonal() float64 {
	var s float64
	for _, r := range f.domain {
		s += (r.Hi - r.Lo) * (r.Hi - r.Lo)
	}
	return math.Sqrt(s)
}
