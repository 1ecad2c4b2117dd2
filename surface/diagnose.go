package surface

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Status is the diagnosis of where an optimizer is.
type Status string

// The diagnoses. A race ends in one of the first six; Diagnose of a single
// point answers StatusMoving where none of the first five applies.
const (
	// StatusConverged: at a global minimum (a listed one, or an unlisted
	// minimum whose value is the global one; for a function with no
	// known minima, at any minimum).
	StatusConverged Status = "converged"
	// StatusLocalMinimum: at a minimum that is not global.
	StatusLocalMinimum Status = "local-minimum"
	// StatusSaddle: at a critical point with a direction of descent: a
	// saddle (a listed one, or the gradient ≈ 0 with a negative Hessian
	// eigenvalue), which includes a maximum.
	StatusSaddle Status = "saddle"
	// StatusPlateau: the gradient is tiny, every known minimum is far
	// away, and the loss has stopped moving.
	StatusPlateau Status = "plateau"
	// StatusDiverged: a point, value or gradient that is not finite, or a
	// point beyond the function's Limits. A race stops stepping there.
	StatusDiverged Status = "diverged"
	// StatusMaxSteps: a race used all its steps while still moving.
	StatusMaxSteps Status = "max-steps"
	// StatusMoving: none of the above (Diagnose only): a point on a slope.
	StatusMoving Status = "moving"
)

// The thresholds of the diagnosis. They scale with the function, through
// three numbers: D, the length of the domain's diagonal; F, the spread of
// the function's values over the domain (the 95th minus the 5th
// percentile of f on a grid covering it); and S, the surface's steep
// slopes (the 95th percentile of ‖∇f‖ on that grid).
const (
	// TolPosition: a point within TolPosition·D of a listed critical
	// point is at it (about a pixel of a 1000-pixel picture). The same
	// bound on the Newton step ‖H⁻¹∇f‖ finds unlisted critical points.
	TolPosition = 1e-3
	// TolEigen: a Hessian eigenvalue counts as negative below −tol and
	// as positive above +tol, tol = TolEigen·max(max|λ|, F/D²) (F/D² is
	// a typical curvature of the surface).
	TolEigen = 1e-6
	// TolGlobal: an unlisted minimum is global when its value is within
	// TolGlobal·F of the global minimum's.
	TolGlobal = 1e-6
	// TolFlatGrad: a plateau has ‖∇f‖ ≤ TolFlatGrad·S.
	TolFlatGrad = 1e-3
	// TolFlatLoss: on a plateau the recent losses span at most
	// TolFlatLoss times the gap f − f* between the loss and the global
	// minimum (F when the minimum is not known): at that pace the last
	// RecentLosses steps would have to be repeated a thousand times to get
	// there.
	TolFlatLoss = 1e-3
	// TolFar: a plateau is farther than TolFar·D from every listed
	// minimum.
	TolFar = 0.1
	// RecentLosses is how many of the last losses Race hands to Diagnose.
	RecentLosses = 100
)

// NearestMinimum is the listed minimum closest to a point.
type NearestMinimum struct {
	Index    int       `json:"index"` // index in Function.Critical()
	Location []float64 `json:"location"`
	Value    float64   `json:"value"`
	Global   bool      `json:"global"`
	Distance float64   `json:"distance"` // Euclidean distance from the point
}

// Diagnosis is what Diagnose finds at a point. In JSON, numbers that are
// not finite (a diverged point's value, an infinite Newton step) are
// written as null.
type Diagnosis struct {
	Point       []float64       `json:"point"`
	Value       float64         `json:"value"`
	Gradient    []float64       `json:"gradient"`
	GradNorm    float64         `json:"grad_norm"`
	Hessian     [][]float64     `json:"hessian"`     // nil when the value or gradient is not finite
	Eigenvalues []float64       `json:"eigenvalues"` // of the Hessian, ascending; nil when it is not finite
	NewtonStep  float64         `json:"newton_step"` // ‖H⁻¹∇f‖, +Inf when H is singular along ∇f
	Status      Status          `json:"status"`
	Reason      string          `json:"reason"` // why, in words, with the numbers compared
	Nearest     *NearestMinimum `json:"nearest_minimum"`
}

// Diagnose evaluates fn at x (value, gradient, Hessian and its
// eigenvalues) and says where x is. recentLosses, optional, are the last
// losses of the run that reached x (oldest first); without them the
// plateau test takes the loss as not moving. The rules, first match wins,
// with D, F and the thresholds of the Tol constants:
//
//  1. diverged: x, f(x) or ∇f(x) not finite, or x beyond fn.Limits().
//  2. at a listed critical point (within TolPosition·D): converged at a
//     global minimum, local-minimum at another minimum, saddle at a
//     saddle or maximum.
//  3. at an unlisted critical point (Newton step ≤ TolPosition·D): saddle
//     if a Hessian eigenvalue is negative; a minimum if all are positive:
//     converged when f is within TolGlobal·F of the global minimum (or
//     none is known), local-minimum when not. Where the Hessian is
//     singular, f is probed a step TolPosition·D along its null
//     directions: falling there makes a saddle (the monkey saddle's
//     origin), rising on every side a minimum (x⁴ + y⁴ at the origin), and
//     flat leaves the point to the next rules.
//  4. plateau: ‖∇f‖ ≤ TolFlatGrad·S, farther than TolFar·D from every
//     listed minimum, and the recent losses within TolFlatLoss·(f − f*)
//     (TolFlatLoss·F when f* is not known).
//  5. moving.
//
// An error is returned only for a missing function or a point of the
// wrong dimension.
func Diagnose(fn *Function, x []float64, recentLosses []float64) (Diagnosis, error) {
	if err := fn.check(); err != nil {
		return Diagnosis{}, fmt.Errorf("diagnose: %w", err)
	}
	n := fn.dim
	if len(x) != n {
		return Diagnosis{}, fmt.Errorf("diagnose %s: the point has %d coordinates, want %d", fn.name, len(x), n)
	}
	d := Diagnosis{Point: append([]float64(nil), x...), Gradient: make([]float64, n), NewtonStep: math.Inf(1)}
	if !allFinite(x) {
		d.Value, d.GradNorm = math.NaN(), math.NaN()
		d.Status, d.Reason = StatusDiverged, "the point is not finite"
		return d, nil
	}
	d.Value = fn.grad(x, d.Gradient)
	d.GradNorm = norm(d.Gradient)
	d.Nearest = nearestMinimum(fn, x)
	for i, r := range fn.Limits() {
		if x[i] < r.Lo || x[i] > r.Hi {
			d.Status = StatusDiverged
			d.Reason = fmt.Sprintf("coordinate %d is %s, beyond the limits [%s, %s] (the domain widened by %d widths each way)",
				i, num(x[i]), num(r.Lo), num(r.Hi), limitWidths)
			return d, nil
		}
	}
	if !finite(d.Value) {
		d.Status, d.Reason = StatusDiverged, fmt.Sprintf("f is %v there", d.Value)
		return d, nil
	}
	if !finite(d.GradNorm) {
		d.Status, d.Reason = StatusDiverged, "the gradient is not finite there"
		return d, nil
	}
	h := make([]float64, n*n)
	fn.hess(x, h)
	d.Hessian = make([][]float64, n)
	for i := range d.Hessian {
		d.Hessian[i] = h[i*n : (i+1)*n]
	}
	var vecs [][]float64
	if allFinite(h) {
		d.Eigenvalues, vecs = eigen(h, n)
		d.NewtonStep = newtonStep(d.Gradient, d.Eigenvalues, vecs)
	}

	D, F := fn.diagonal(), fn.spread
	epsX := TolPosition * D
	// 2. A listed critical point.
	best, bestDist := -1, math.Inf(1)
	for i, c := range fn.critical {
		if dist := distance(x, c.X); dist < bestDist {
			best, bestDist = i, dist
		}
	}
	if best >= 0 && bestDist <= epsX {
		c := fn.critical[best]
		where := fmt.Sprintf("%s of the %s at %s (tolerance %s)", num(bestDist), kindName(c), point(c.X), num(epsX))
		switch {
		case c.Kind == Minimum && c.Global:
			d.Status, d.Reason = StatusConverged, "within "+where
		case c.Kind == Minimum:
			d.Status, d.Reason = StatusLocalMinimum, "within "+where
		default:
			d.Status, d.Reason = StatusSaddle, "within "+where
		}
		return d, nil
	}
	// 3. An unlisted critical point.
	if d.Eigenvalues != nil && d.NewtonStep <= epsX {
		if st, why := classifyCritical(fn, x, d.Value, d.Eigenvalues, vecs, epsX); st != "" {
			d.Status = st
			d.Reason = fmt.Sprintf("a critical point (the Newton step %s is within %s): %s", num(d.NewtonStep), num(epsX), why)
			return d, nil
		}
	}
	// 4. A plateau.
	flat := TolFlatGrad * fn.slope
	far := d.Nearest == nil || d.Nearest.Distance > TolFar*D
	span := lossSpan(recentLosses)
	gap := F
	if fstar, ok := fn.GlobalMinimum(); ok && d.Value > fstar {
		gap = d.Value - fstar
	}
	if d.GradNorm <= flat && far && span <= TolFlatLoss*gap {
		d.Status = StatusPlateau
		d.Reason = fmt.Sprintf("‖∇f‖ = %s is below %s", num(d.GradNorm), num(flat))
		if d.Nearest != nil {
			d.Reason += fmt.Sprintf(", the nearest minimum is %s away (more than %s)", num(d.Nearest.Distance), num(TolFar*D))
		}
		if len(recentLosses) >= 2 {
			d.Reason += fmt.Sprintf(", and the last %d losses span %s (at most %s)", len(recentLosses), num(span), num(TolFlatLoss*gap))
		}
		return d, nil
	}
	d.Status = StatusMoving
	d.Reason = fmt.Sprintf("‖∇f‖ = %s; no critical point within %s", num(d.GradNorm), num(epsX))
	return d, nil
}

// lossSpan returns max − min of losses (0 for fewer than two; +Inf if one
// is not finite).
func lossSpan(losses []float64) float64 {
	if len(losses) < 2 {
		return 0
	}
	lo, hi := losses[0], losses[0]
	for _, v := range losses {
		if !finite(v) {
			return math.Inf(1)
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return hi - lo
}

// nearestMinimum returns the listed minimum closest to x, or nil when the
// function lists none.
func nearestMinimum(fn *Function, x []float64) *NearestMinimum {
	var best *NearestMinimum
	for i, c := range fn.critical {
		if c.Kind != Minimum {
			continue
		}
		if dist := distance(x, c.X); best == nil || dist < best.Distance {
			best = &NearestMinimum{Index: i, Location: append([]float64(nil), c.X...), Value: c.Value, Global: c.Global, Distance: dist}
		}
	}
	return best
}

func kindName(c CriticalPoint) string {
	switch {
	case c.Kind == Minimum && c.Global:
		return "global minimum"
	case c.Kind == Minimum:
		return "local minimum"
	case c.Kind == Maximum:
		return "local maximum"
	}
	return "saddle"
}

// distance returns ‖a − b‖ without overflow.
func distance(a, b []float64) float64 {
	var s float64
	for i := range a {
		s = math.Hypot(s, a[i]-b[i])
	}
	return s
}

// norm returns ‖v‖ without overflow.
func norm(v []float64) float64 {
	var s float64
	for _, e := range v {
		s = math.Hypot(s, e)
	}
	return s
}

// num formats a number for a reason or a table: 4 significant digits.
func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// point formats a point as "(x, y)".
func point(x []float64) string {
	parts := make([]string, len(x))
	for i, v := range x {
		parts[i] = num(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// MarshalJSON writes d with non-finite numbers as null.
func (d Diagnosis) MarshalJSON() ([]byte, error) {
	type plain struct {
		Point       []jsonFloat     `json:"point"`
		Value       jsonFloat       `json:"value"`
		Gradient    []jsonFloat     `json:"gradient"`
		GradNorm    jsonFloat       `json:"grad_norm"`
		Hessian     [][]jsonFloat   `json:"hessian"`
		Eigenvalues []jsonFloat     `json:"eigenvalues"`
		NewtonStep  jsonFloat       `json:"newton_step"`
		Status      Status          `json:"status"`
		Reason      string          `json:"reason"`
		Nearest     *NearestMinimum `json:"nearest_minimum"`
	}
	p := plain{
		Point: floats(d.Point), Value: jsonFloat(d.Value), Gradient: floats(d.Gradient),
		GradNorm: jsonFloat(d.GradNorm), Eigenvalues: floats(d.Eigenvalues),
		NewtonStep: jsonFloat(d.NewtonStep), Status: d.Status, Reason: d.Reason,
	}
	if d.Hessian != nil {
		p.Hessian = make([][]jsonFloat, len(d.Hessian))
		for i, row := range d.Hessian {
			p.Hessian[i] = floats(row)
		}
	}
	if d.Nearest != nil && finite(d.Nearest.Distance) && allFinite(d.Nearest.Location) {
		p.Nearest = d.Nearest
	}
	return json.Marshal(p)
}

// jsonFloat is a float64 that writes NaN and ±Inf as null.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if !finite(float64(f)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func floats(v []float64) []jsonFloat {
	if v == nil {
		return nil
	}
	out := make([]jsonFloat, len(v))
	for i, e := range v {
		out[i] = jsonFloat(e)
	}
	return out
}

// classifyCritical says what the critical point x is from the Hessian's
// eigenvalues: an eigenvalue below −tol makes a saddle; all above +tol a
// minimum, where tol = TolEigen·max(max|λ|, F/D²) (F/D² being a typical
// curvature of the surface, so that the curvature of a flat region does
// not count). Along an eigenvector with |λ| ≤ tol the second derivative
// says nothing, so f is probed at x ± ε_x·v: a drop below f(x) − τ makes
// a saddle, a rise above f(x) + τ on every side a minimum (τ = 1e-12·F,
// rounding's margin); anything else is undecided ("").
func classifyCritical(fn *Function, x []float64, fx float64, vals []float64, vecs [][]float64, epsX float64) (Status, string) {
	D, F := fn.diagonal(), fn.spread
	n := len(vals)
	tol := TolEigen * max(math.Abs(vals[0]), math.Abs(vals[n-1]), F/(D*D))
	if vals[0] < -tol {
		return StatusSaddle, fmt.Sprintf("the Hessian has the negative eigenvalue %s", num(vals[0]))
	}
	why := "every Hessian eigenvalue is positive"
	if vals[0] <= tol {
		tau := 1e-12 * F
		y := make([]float64, n)
		rises := true
		for k, lam := range vals {
			if lam > tol {
				continue
			}
			for _, s := range []float64{-epsX, epsX} {
				for i := range y {
					y[i] = x[i] + s*vecs[k][i]
				}
				fy := fn.value(y)
				if fy < fx-tau {
					return StatusSaddle, fmt.Sprintf("the Hessian is singular and f falls to %s a step %s away along its null direction", num(fy), num(epsX))
				}
				rises = rises && fy > fx+tau
			}
		}
		if !rises {
			return "", ""
		}
		why = "the Hessian is singular and f rises a step " + num(epsX) + " away on every side along its null directions"
	}
	fstar, known := fn.GlobalMinimum()
	switch {
	case !known:
		return StatusConverged, "a minimum (" + why + "); no global minimum is known"
	case fx <= fstar+TolGlobal*F:
		return StatusConverged, fmt.Sprintf("a minimum (%s) whose value %s is the global minimum %s", why, num(fx), num(fstar))
	}
	return StatusLocalMinimum, fmt.Sprintf("a minimum (%s) whose value %s is above the global minimum %s", why, num(fx), num(fstar))
}
