package surface

import (
	"fmt"
	"math"
)

// d2 is a 2-D function's value, gradient and Hessian at one point: the
// closed forms each 2-D surface below writes out.
type d2 struct {
	v, gx, gy, xx, xy, yy float64
}

// sq adds r² to a, where r has gradient (rx, ry) and Hessian
// [[rxx, rxy], [rxy, ryy]]: ∇(r²) = 2r∇r, ∇²(r²) = 2(∇r∇rᵀ + r∇²r).
func (a *d2) sq(r, rx, ry, rxx, rxy, ryy float64) {
	a.v += r * r
	a.gx += 2 * r * rx
	a.gy += 2 * r * ry
	a.xx += 2 * (rx*rx + r*rxx)
	a.xy += 2 * (rx*ry + r*rxy)
	a.yy += 2 * (ry*ry + r*ryy)
}

// mul is the product rule to second order: ∇²(ab) = b∇²a + ∇a∇bᵀ + ∇b∇aᵀ + a∇²b.
func (a d2) mul(b d2) d2 {
	return d2{
		v:  a.v * b.v,
		gx: a.gx*b.v + a.v*b.gx,
		gy: a.gy*b.v + a.v*b.gy,
		xx: a.xx*b.v + 2*a.gx*b.gx + a.v*b.xx,
		xy: a.xy*b.v + a.gx*b.gy + a.gy*b.gx + a.v*b.xy,
		yy: a.yy*b.v + 2*a.gy*b.gy + a.v*b.yy,
	}
}

// plus adds the constant c.
func (a d2) plus(c float64) d2 { a.v += c; return a }

// from2 fills f's value, gradient and Hessian from a 2-D closed form.
func from2(f *Function, e func(x, y float64) d2) {
	f.dim = 2
	f.value = func(x []float64) float64 { return e(x[0], x[1]).v }
	f.grad = func(x, g []float64) float64 {
		d := e(x[0], x[1])
		g[0], g[1] = d.gx, d.gy
		return d.v
	}
	f.hess = func(x, h []float64) {
		d := e(x[0], x[1])
		h[0], h[1], h[2], h[3] = d.xx, d.xy, d.xy, d.yy
	}
}

// box returns n copies of [lo, hi].
func box(n int, lo, hi float64) []Range {
	r := make([]Range, n)
	for i := range r {
		r[i] = Range{lo, hi}
	}
	return r
}

// fill returns n copies of v.
func fill(n int, v float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = v
	}
	return x
}

// minimum lists x as a critical point of kind k with its value as f
// computes it, so that the listed value is exactly what Value returns.
func (f *Function) addCritical(k Kind, global bool, x ...float64) {
	f.critical = append(f.critical, CriticalPoint{Kind: k, Global: global, X: x, Value: f.value(x)})
}

// addPolished lists the critical point Newton's method finds from x0 (see
// polish), so that listed points are exact to rounding.
func (f *Function) addPolished(k Kind, global bool, x0 ...float64) {
	f.addCritical(k, global, polish(f, x0)...)
}

func init() {
	register(entry{
		name:        "rosenbrock",
		description: "Rosenbrock's banana valley: easy to find, slow to follow to the minimum at (a, a²). In n dimensions (n > 2, a = 1) the chained form with its minimum at (1, …, 1).",
		params: []paramDef{
			{key: "a", def: 1, doc: "the minimum's x", check: anyFinite},
			{key: "b", def: 100, doc: "steepness of the valley walls", check: positive},
			{key: "n", def: 2, doc: "dimension", check: intIn(2, maxDim)},
		},
		build: buildRosenbrock,
	})
	register(entry{
		name:        "beale",
		description: "Beale's function: flat plains, sharp ridges and a minimum at (3, 0.5) in a narrow corner.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", domain: box(2, -4.5, 4.5), start: []float64{1, 1}}
			from2(f, func(x, y float64) d2 {
				var d d2
				d.sq(1.5-x+x*y, y-1, x, 0, 1, 0)
				d.sq(2.25-x+x*y*y, y*y-1, 2*x*y, 0, 2*y, 2*x)
				d.sq(2.625-x+x*y*y*y, y*y*y-1, 3*x*y*y, 0, 3*y*y, 6*x*y)
				return d
			})
			f.addCritical(Minimum, true, 3, 0.5)
			return f, nil
		},
	})
	register(entry{
		name:        "himmelblau",
		description: "Himmelblau's function: four global minima of value 0, a local maximum near (−0.27, −0.92) and four saddles between them; where an optimizer lands depends on where it starts.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "(x² + y − 11)² + (x + y² − 7)²", domain: box(2, -5, 5), start: []float64{0, 0}}
			from2(f, func(x, y float64) d2 {
				var d d2
				d.sq(x*x+y-11, 2*x, 1, 2, 0, 0)
				d.sq(x+y*y-7, 1, 2*y, 0, 0, 2)
				return d
			})
			f.addCritical(Minimum, true, 3, 2)
			f.addPolished(Minimum, true, -2.805118, 3.131312)
			f.addPolished(Minimum, true, -3.779310, -3.283186)
			f.addPolished(Minimum, true, 3.584428, -1.848126)
			f.addPolished(Maximum, false, -0.270845, -0.923039)
			f.addPolished(Saddle, false, 0.086678, 2.884255)
			f.addPolished(Saddle, false, -3.073026, -0.081353)
			f.addPolished(Saddle, false, 3.385154, 0.073852)
			f.addPolished(Saddle, false, -0.127961, -1.953715)
			return f, nil
		},
	})
	register(entry{
		name:        "rastrigin",
		description: "Rastrigin's function: a bowl covered in a regular egg-box of local minima near every integer point; the global minimum is at the origin.",
		params: []paramDef{
			{key: "a", def: 10, doc: "height of the ripples", check: nonNegative},
			{key: "n", def: 2, doc: "dimension", check: intIn(1, maxDim)},
		},
		build: buildRastrigin,
	})
	register(entry{
		name:        "ackley",
		description: "Ackley's function: a nearly flat, rippled outer region around one deep funnel at the origin, where the function has a kink (not differentiable).",
		params: []paramDef{
			{key: "a", def: 20, doc: "depth of the funnel", check: positive},
			{key: "b", def: 0.2, doc: "width of the funnel", check: positive},
			{key: "c", def: 2 * math.Pi, doc: "frequency of the ripples", check: anyFinite},
		},
		build: buildAckley,
	})
	register(entry{
		name:        "booth",
		description: "Booth's function: a plain, elongated quadratic bowl with its minimum at (1, 3).",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "(x + 2y − 7)² + (2x + y − 5)²", domain: box(2, -10, 10), start: []float64{-5, 5}}
			from2(f, func(x, y float64) d2 {
				var d d2
				d.sq(x+2*y-7, 1, 2, 0, 0, 0)
				d.sq(2*x+y-5, 2, 1, 0, 0, 0)
				return d
			})
			f.addCritical(Minimum, true, 1, 3)
			return f, nil
		},
	})
	register(entry{
		name:        "matyas",
		description: "Matyas's function: a very flat quadratic valley along the diagonal, minimum at the origin.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "0.26(x² + y²) − 0.48xy", domain: box(2, -10, 10), start: []float64{8, 3}}
			from2(f, func(x, y float64) d2 {
				return d2{
					v:  0.26*(x*x+y*y) - 0.48*x*y,
					gx: 0.52*x - 0.48*y, gy: 0.52*y - 0.48*x,
					xx: 0.52, xy: -0.48, yy: 0.52,
				}
			})
			f.addCritical(Minimum, true, 0, 0)
			return f, nil
		},
	})
	register(entry{
		name:        "goldstein-price",
		description: "The Goldstein–Price function: values spanning six orders of magnitude, a global minimum of 3 at (0, −1) and three local minima.",
		build:       buildGoldsteinPrice,
	})
	register(entry{
		name:        "styblinski-tang",
		description: "The Styblinski–Tang function: in each coordinate a double well, the deeper one at −2.9035; 2ⁿ minima, only one of them global.",
		params: []paramDef{
			{key: "n", def: 2, doc: "dimension", check: intIn(1, maxDim)},
		},
		build: buildStyblinskiTang,
	})
	register(entry{
		name:        "three-hump-camel",
		description: "The three-hump camel: a global minimum at the origin between two shallower local minima, with saddles between.",
		build:       buildCamel,
	})
	register(entry{
		name:        "saddle",
		description: "The plain saddle x² − y²: gradient descent started exactly on y = 0 converges to the saddle at the origin; any other start, or any noise, escapes along y. Unbounded below, so it has no minimum.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "x² − y²", domain: box(2, -2, 2), start: []float64{1.5, 0.01}}
			from2(f, func(x, y float64) d2 {
				return d2{v: x*x - y*y, gx: 2 * x, gy: -2 * y, xx: 2, yy: -2}
			})
			f.addCritical(Saddle, false, 0, 0)
			return f, nil
		},
	})
	register(entry{
		name:        "monkey-saddle",
		description: "The monkey saddle x³ − 3xy²: three valleys meet at a degenerate saddle at the origin, where the Hessian vanishes too. Unbounded below.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "x³ − 3xy²", domain: box(2, -2, 2), start: []float64{1, 0.3}}
			from2(f, func(x, y float64) d2 {
				return d2{
					v:  x*x*x - 3*x*y*y,
					gx: 3*x*x - 3*y*y, gy: -6 * x * y,
					xx: 6 * x, xy: -6 * y, yy: -6 * x,
				}
			})
			f.addCritical(Saddle, false, 0, 0)
			return f, nil
		},
	})
	register(entry{
		name:        "easom",
		description: "Easom's function: flat almost everywhere, with one narrow well of depth −1 at (π, π); an optimizer that starts outside the well barely moves.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "−cos x · cos y · exp(−((x − π)² + (y − π)²))", domain: box(2, -1, 7), start: []float64{2, 4.2}}
			from2(f, easom)
			f.addCritical(Minimum, true, math.Pi, math.Pi)
			return f, nil
		},
	})
	register(entry{
		name:        "plateau",
		description: "A Gaussian well on a plateau: 1 − exp(−(x² + y²)). Near the origin a round bowl; beyond a radius of about 3 the surface is flat to within 1e-4, so small steps stall there.",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "1 − exp(−(x² + y²))", domain: box(2, -4, 4), start: []float64{2.5, 2}}
			from2(f, func(x, y float64) d2 {
				e := math.Exp(-(x*x + y*y))
				return d2{
					v:  -math.Expm1(-(x*x + y*y)),
					gx: 2 * x * e, gy: 2 * y * e,
					xx: (2 - 4*x*x) * e, xy: -4 * x * y * e, yy: (2 - 4*y*y) * e,
				}
			})
			f.addCritical(Minimum, true, 0, 0)
			return f, nil
		},
	})
	register(entry{
		name:        "banana",
		description: "The banana of distill.pub's \"Why Momentum Really Works\": a curved valley y = x²/3 with its minimum at (1, 1/3).",
		build: func(map[string]float64) (*Function, error) {
			f := &Function{formula: "(1 − x)² + 20(3y − x²)²", domain: []Range{{-2, 2}, {-0.5, 1.5}}, start: []float64{-1.5, 0.2}}
			from2(f, func(x, y float64) d2 {
				var d d2
				d.sq(1-x, -1, 0, 0, 0, 0)
				// 20 r² = (√20 r)²
				s := math.Sqrt(20)
				d.sq(s*(3*y-x*x), -2*s*x, 3*s, -2*s, 0, 0)
				return d
			})
			f.addCritical(Minimum, true, 1, 1.0/3)
			return f, nil
		},
	})
	register(entry{
		name:        "quadratic",
		description: "The quadratic bowl f = ½ Σ λᵢ xᵢ² with curvatures λᵢ spaced geometrically from 1 to κ; in 2-D f = (x² + κy²)/2. Where the classic convergence rates are exact.",
		params: []paramDef{
			{key: "kappa", def: 10, doc: "condition number κ: the largest curvature over the smallest", check: inRange(1e-12, 1e12)},
			{key: "n", def: 2, doc: "dimension", check: intIn(1, maxDim)},
		},
		build: buildQuadratic,
	})
}

// maxDim is the largest dimension of an n-D function.
const maxDim = 100

func buildRosenbrock(p map[string]float64) (*Function, error) {
	a, b, n := p["a"], p["b"], int(p["n"])
	if n > 2 && a != 1 {
		return nil, fmt.Errorf("a=%v with n=%d: the n-dimensional form needs a=1 (its minimum is then (1, …, 1)); use n=2 for other values of a", a, n)
	}
	f := &Function{dim: n, formula: fmt.Sprintf("Σᵢ (%g − xᵢ)² + %g(xᵢ₊₁ − xᵢ²)²", a, b)}
	if n == 2 {
		f.formula = fmt.Sprintf("(%g − x)² + %g(y − x²)²", a, b)
		s := max(1, math.Abs(a))
		f.domain = []Range{{-2 * s, 2 * s}, {-s * s, 3 * s * s}}
		f.start = []float64{-1.2, 1}
	} else {
		f.domain = box(n, -2, 2)
		f.start = make([]float64, n)
		for i := range f.start {
			f.start[i] = 1
			if i%2 == 0 {
				f.start[i] = -1.2
			}
		}
	}
	f.value = func(x []float64) float64 {
		var s float64
		for i := 0; i+1 < len(x); i++ {
			u, v := a-x[i], x[i+1]-x[i]*x[i]
			s += u*u + b*v*v
		}
		return s
	}
	f.grad = func(x, g []float64) float64 {
		clear(g)
		var s float64
		for i := 0; i+1 < len(x); i++ {
			u, v := a-x[i], x[i+1]-x[i]*x[i]
			s += u*u + b*v*v
			g[i] += -2*u - 4*b*x[i]*v
			g[i+1] += 2 * b * v
		}
		return s
	}
	f.hess = func(x, h []float64) {
		clear(h)
		for i := 0; i+1 < len(x); i++ {
			h[i*n+i] += 2 - 4*b*x[i+1] + 12*b*x[i]*x[i]
			h[i*n+i+1] += -4 * b * x[i]
			h[(i+1)*n+i] += -4 * b * x[i]
			h[(i+1)*n+i+1] += 2 * b
		}
	}
	if n == 2 {
		f.addCritical(Minimum, true, a, a*a)
	} else {
		f.addCritical(Minimum, true, fill(n, 1)...)
	}
	return f, nil
}

func buildRastrigin(p map[string]float64) (*Function, error) {
	a, n := p["a"], int(p["n"])
	f := &Function{dim: n, domain: box(n, -5.12, 5.12), start: fill(n, 2.5)}
	f.formula = fmt.Sprintf("%g·n + Σᵢ (xᵢ² − %g cos 2πxᵢ)", a, a)
	if n == 2 {
		f.formula = fmt.Sprintf("%g + x² − %g cos 2πx + y² − %g cos 2πy", 2*a, a, a)
	}
	const tau = 2 * math.Pi
	f.value = func(x []float64) float64 {
		s := a * float64(len(x))
		for _, v := range x {
			s += v*v - a*math.Cos(tau*v)
		}
		return s
	}
	f.grad = func(x, g []float64) float64 {
		s := a * float64(len(x))
		for i, v := range x {
			sin, cos := math.Sincos(tau * v)
			s += v*v - a*cos
			g[i] = 2*v + tau*a*sin
		}
		return s
	}
	f.hess = func(x, h []float64) {
		clear(h)
		for i, v := range x {
			h[i*n+i] = 2 + tau*tau*a*math.Cos(tau*v)
		}
	}
	f.addCritical(Minimum, true, make([]float64, n)...)
	return f, nil
}

// buildAckley is Ackley's function in 2-D,
//
//	f = −a exp(−b r) − exp(½(cos cx + cos cy)) + a + e,   r = √((x² + y²)/2).
//
// The first term is a cone at the origin, where f has no gradient; there
// Gradient reports 0 (the subgradient of least norm) and Hessian the
// Hessian of the smooth second term alone.
func buildAckley(p map[string]float64) (*Function, error) {
	a, b, c := p["a"], p["b"], p["c"]
	f := &Function{
		formula: fmt.Sprintf("−%g exp(−%g √((x² + y²)/2)) − exp((cos %.6gx + cos %.6gy)/2) + %g + e", a, b, c, c, a),
		domain:  box(2, -5, 5),
		start:   []float64{2.5, 2.5},
	}
	from2(f, func(x, y float64) d2 {
		r := math.Sqrt((x*x + y*y) / 2)
		E := math.Exp(-b * r)
		sx, cx := math.Sincos(c * x)
		sy, cy := math.Sincos(c * y)
		C := math.Exp((cx + cy) / 2)
		d := d2{v: (a - a*E) + (math.E - C)} // exactly 0 at the origin
		// The smooth term −C.
		d.gx = c * C * sx / 2
		d.gy = c * C * sy / 2
		d.xx = c * c * C * (cx - sx*sx/2) / 2
		d.yy = c * c * C * (cy - sy*sy/2) / 2
		d.xy = -c * c * C * sx * sy / 4
		if r > 0 {
			// The cone −a exp(−b r): ∂r/∂x = x/(2r).
			k := a * b * E
			d.gx += k * x / (2 * r)
			d.gy += k * y / (2 * r)
			r2, r3 := r*r, r*r*r
			d.xx += k * (-b*x*x/(4*r2) + 1/(2*r) - x*x/(4*r3))
			d.yy += k * (-b*y*y/(4*r2) + 1/(2*r) - y*y/(4*r3))
			d.xy += k * (-b*x*y/(4*r2) - x*y/(4*r3))
		}
		return d
	})
	f.addCritical(Minimum, true, 0, 0)
	return f, nil
}

// buildGoldsteinPrice is f = A·B with
//
//	A = 1 + (x + y + 1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)
//	B = 30 + (2x − 3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²).
func buildGoldsteinPrice(map[string]float64) (*Function, error) {
	f := &Function{
		formula: "[1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
		domain:  box(2, -2, 2),
		start:   []float64{-1, 1},
	}
	from2(f, func(x, y float64) d2 {
		u := x + y + 1
		P := d2{v: u * u, gx: 2 * u, gy: 2 * u, xx: 2, xy: 2, yy: 2}
		Q := d2{
			v:  19 - 14*x + 3*x*x - 14*y + 6*x*y + 3*y*y,
			gx: -14 + 6*x + 6*y, gy: -14 + 6*x + 6*y,
			xx: 6, xy: 6, yy: 6,
		}
		v := 2*x - 3*y
		R := d2{v: v * v, gx: 4 * v, gy: -6 * v, xx: 8, xy: -12, yy: 18}
		S := d2{
			v:  18 - 32*x + 12*x*x + 48*y - 36*x*y + 27*y*y,
			gx: -32 + 24*x - 36*y, gy: 48 - 36*x + 54*y,
			xx: 24, xy: -36, yy: 54,
		}
		return P.mul(Q).plus(1).mul(R.mul(S).plus(30))
	})
	f.addCritical(Minimum, true, 0, -1)
	// The local minima are exact: f = 30, 84 and 840 there.
	f.addCritical(Minimum, false, -0.6, -0.4)
	f.addCritical(Minimum, false, 1.8, 0.2)
	f.addCritical(Minimum, false, 1.2, 0.8)
	return f, nil
}

// buildStyblinskiTang is f = ½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ). Each coordinate's
// critical points are the roots of 2x³ − 16x + 2.5: a minimum at
// −2.903534 (the deeper), a maximum at 0.156731 and a minimum at 2.746803.
// For n ≤ 3 every one of the 3ⁿ critical points is listed; beyond, only
// the global minimum.
func buildStyblinskiTang(p map[string]float64) (*Function, error) {
	n := int(p["n"])
	f := &Function{dim: n, domain: box(n, -5, 5), start: fill(n, 0.5)}
	f.formula = "½ Σᵢ (xᵢ⁴ − 16xᵢ² + 5xᵢ)"
	if n == 2 {
		f.formula = "(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)/2"
	}
	f.value = func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v*v*v*v - 16*v*v + 5*v
		}
		return s / 2
	}
	f.grad = func(x, g []float64) float64 {
		var s float64
		for i, v := range x {
			s += v*v*v*v - 16*v*v + 5*v
			g[i] = 2*v*v*v - 16*v + 2.5
		}
		return s / 2
	}
	f.hess = func(x, h []float64) {
		clear(h)
		for i, v := range x {
			h[i*n+i] = 6*v*v - 16
		}
	}
	root := func(x float64) float64 { // Newton on 2x³ − 16x + 2.5
		for range 100 {
			step := (2*x*x*x - 16*x + 2.5) / (6*x*x - 16)
			x -= step
			if math.Abs(step) <= 1e-16*math.Abs(x) {
				break
			}
		}
		return x
	}
	lo, mid, hi := root(-2.9), root(0.157), root(2.75)
	if n > 3 {
		f.addCritical(Minimum, true, fill(n, lo)...)
		return f, nil
	}
	// Every combination of the three roots: digit 0 is the deep minimum,
	// 1 the maximum, 2 the shallow minimum.
	total := 1
	for range n {
		total *= 3
	}
	for k := range total {
		x := make([]float64, n)
		maxima, minima := 0, 0
		for i, code := 0, k; i < n; i, code = i+1, code/3 {
			switch code % 3 {
			case 0:
				x[i] = lo
				minima++
			case 1:
				x[i] = mid
				maxima++
			case 2:
				x[i] = hi
				minima++
			}
		}
		switch {
		case maxima == 0:
			f.addCritical(Minimum, k == 0, x...)
		case minima == 0:
			f.addCritical(Maximum, false, x...)
		default:
			f.addCritical(Saddle, false, x...)
		}
	}
	return f, nil
}

// buildCamel is the three-hump camel 2x² − 1.05x⁴ + x⁶/6 + xy + y². Its
// critical points lie on y = −x/2 where x(3.5 − 4.2x² + x⁴) = 0:
// x = 0 (the global minimum), x² = 2.1 + √0.91 (two local minima) and
// x² = 2.1 − √0.91 (two saddles).
func buildCamel(map[string]float64) (*Function, error) {
	f := &Function{
		formula: "2x² − 1.05x⁴ + x⁶/6 + xy + y²",
		domain:  box(2, -3, 3),
		start:   []float64{-1.5, 1.5},
	}
	from2(f, func(x, y float64) d2 {
		x2 := x * x
		return d2{
			v:  2*x2 - 1.05*x2*x2 + x2*x2*x2/6 + x*y + y*y,
			gx: 4*x - 4.2*x2*x + x2*x2*x + y,
			gy: x + 2*y,
			xx: 4 - 12.6*x2 + 5*x2*x2,
			xy: 1,
			yy: 2,
		}
	})
	f.addCritical(Minimum, true, 0, 0)
	m, s := math.Sqrt(2.1+math.Sqrt(0.91)), math.Sqrt(2.1-math.Sqrt(0.91))
	f.addPolished(Minimum, false, m, -m/2)
	f.addPolished(Minimum, false, -m, m/2)
	f.addPolished(Saddle, false, s, -s/2)
	f.addPolished(Saddle, false, -s, s/2)
	return f, nil
}

// easom is −cos x cos y E with E = exp(−(p² + q²)), p = x − π, q = y − π.
// With U = sin x + 2p cos x and V = sin y + 2q cos y:
//
//	f_x = E cos y U,   f_xx = E cos y (3 cos x − 2p sin x − 2pU)
//	f_y = E cos x V,   f_yy = E cos x (3 cos y − 2q sin y − 2qV)
//	f_xy = −E U V.
func easom(x, y float64) d2 {
	p, q := x-math.Pi, y-math.Pi
	E := math.Exp(-(p*p + q*q))
	sx, cx := math.Sincos(x)
	sy, cy := math.Sincos(y)
	U := sx + 2*p*cx
	V := sy + 2*q*cy
	return d2{
		v:  -cx * cy * E,
		gx: E * cy * U,
		gy: E * cx * V,
		xx: E * cy * (3*cx - 2*p*sx - 2*p*U),
		yy: E * cx * (3*cy - 2*q*sy - 2*q*V),
		xy: -E * U * V,
	}
}

// buildQuadratic is f = ½ Σ λᵢ xᵢ², λᵢ = κ^(i/(n−1)) (λ₀ = 1 when n = 1).
func buildQuadratic(p map[string]float64) (*Function, error) {
	kappa, n := p["kappa"], int(p["n"])
	lambda := make([]float64, n)
	for i := range lambda {
		lambda[i] = 1
		if n > 1 {
			lambda[i] = math.Pow(kappa, float64(i)/float64(n-1))
		}
	}
	lambda[n-1] = kappa // exactly, not through Pow
	if n == 1 {
		lambda[0] = 1
	}
	f := &Function{dim: n, domain: box(n, -2, 2), start: fill(n, 1)}
	f.formula = fmt.Sprintf("½ Σᵢ λᵢ xᵢ², λᵢ = %g^(i/(n−1))", kappa)
	switch n {
	case 1:
		f.formula = "x²/2"
	case 2:
		f.formula = fmt.Sprintf("(x² + %gy²)/2", kappa)
	}
	f.value = func(x []float64) float64 {
		var s float64
		for i, v := range x {
			s += lambda[i] * v * v
		}
		return s / 2
	}
	f.grad = func(x, g []float64) float64 {
		var s float64
		for i, v := range x {
			s += lambda[i] * v * v
			g[i] = lambda[i] * v
		}
		return s / 2
	}
	f.hess = func(x, h []float64) {
		clear(h)
		for i := range x {
			h[i*n+i] = lambda[i]
		}
	}
	f.addCritical(Minimum, true, make([]float64, n)...)
	return f, nil
}
