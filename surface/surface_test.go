package surface

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// testSpecs are the functions every derivative test runs over: each named
// function with its defaults, variants with other parameters and
// dimensions, and expressions.
func testSpecs() []string {
	specs := Names()
	return append(specs,
		"rosenbrock:a=2,b=5",
		"rosenbrock:a=-0.5,b=30",
		"rosenbrock:n=5",
		"rastrigin:n=3,a=5",
		"rastrigin:n=1",
		"ackley:a=10,b=0.5,c=3",
		"styblinski-tang:n=3",
		"styblinski-tang:n=6",
		"quadratic:kappa=100",
		"quadratic:kappa=1000,n=5",
		"quadratic:n=1",
		"expr:x^2 - y^2 + 0.1*x^4",
		"expr:sin(x)*cos(y) + exp(-x^2)*y^3",
		"expr:tanh(x*y) + sinh(x/3) - cosh(y/4) + atan(x - 2*y)",
		"expr:sqrt(x^2 + y^2 + 1) + abs(x - 0.3)*y + log(2 + cos(x))",
		"expr:tan(x/4)/(1 + y^2) + 2^x - (1 + x^2)^(y/3) + (4 + y)^-2",
		"expr:(x - y)^3/(2 + x*x) - -x + e^(y/3) + pi",
	)
}

// points returns k points drawn evenly from fn's domain (seeded), with
// a few exact grid points (the origin, the domain's corners) mixed in.
func points(fn *Function, k int, seed uint64) [][]float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out [][]float64
	for range k {
		x := make([]float64, fn.Dim())
		for i, r := range fn.Domain() {
			x[i] = r.Lo + rng.Float64()*(r.Hi-r.Lo)
		}
		out = append(out, x)
	}
	return out
}

// fd5 is the five-point central difference of g at t, error O(h⁴).
func fd5(g func(t float64) float64, t, h float64) float64 {
	return (-g(t+2*h) + 8*g(t+h) - 8*g(t-h) + g(t-2*h)) / (12 * h)
}

// partial returns ∂v/∂x_i at x by fd5, for any v of x.
func partial(v func([]float64) float64, x []float64, i int) float64 {
	h := 1e-4 * max(1, math.Abs(x[i]))
	y := slices.Clone(x)
	return fd5(func(t float64) float64 { y[i] = t; return v(y) }, x[i], h)
}

// near reports whether got ≈ want within rel·(scale + |want|).
func near(got, want, rel, scale float64) bool {
	return math.Abs(got-want) <= rel*(scale+math.Abs(want))
}

func TestDerivativesAgainstFiniteDifferences(t *testing.T) {
	for _, spec := range testSpecs() {
		t.Run(spec, func(t *testing.T) {
			fn, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			n := fn.Dim()
			// The typical size of a gradient entry and a Hessian entry.
			gScale := fn.spread / fn.diagonal()
			hScale := gScale / fn.diagonal()
			g := make([]float64, n)
			h := make([]float64, n*n)
			checked := 0
			for _, x := range points(fn, 60, 7) {
				if fn.Name() == "ackley" && math.Hypot(x[0], x[1]) < 1e-2 {
					continue // the cone's tip, where f has no gradient
				}
				v, err := fn.Gradient(x, g)
				if err != nil {
					t.Fatal(err)
				}
				if !finite(v) {
					continue
				}
				if v != fn.Value(x) {
					t.Fatalf("at %v Gradient returned f = %v, Value %v", x, v, fn.Value(x))
				}
				if err := fn.Hessian(x, h); err != nil {
					t.Fatal(err)
				}
				for i := range n {
					want := partial(fn.Value, x, i)
					if !near(g[i], want, 1e-6, gScale) {
						t.Errorf("at %v: ∂f/∂x%d = %v, finite differences %v", x, i, g[i], want)
					}
					for j := range n {
						gj := func(y []float64) float64 {
							gg := make([]float64, n)
							fn.grad(y, gg)
							return gg[j]
						}
						want := partial(gj, x, i)
						if !near(h[i*n+j], want, 1e-6, hScale) {
							t.Errorf("at %v: ∂²f/∂x%d∂x%d = %v, finite differences of the gradient %v", x, i, j, h[i*n+j], want)
						}
						if h[i*n+j] != h[j*n+i] {
							t.Errorf("at %v: Hessian not symmetric: [%d][%d] = %v, [%d][%d] = %v", x, i, j, h[i*n+j], j, i, h[j*n+i])
						}
					}
				}
				checked++
			}
			if checked < 30 {
				t.Errorf("only %d of 60 points had a finite value", checked)
			}
		})
	}
}

func TestCriticalPoints(t *testing.T) {
	for _, spec := range testSpecs() {
		if strings.HasPrefix(spec, "expr:") {
			continue
		}
		t.Run(spec, func(t *testing.T) {
			fn, err := New(spec)
			if err != nil {
				t.Fatal(err)
			}
			n := fn.Dim()
			gScale := fn.spread / fn.diagonal()
			crit := fn.Critical()
			if len(crit) == 0 {
				t.Fatal("no critical points listed")
			}
			fstar, hasGlobal := fn.GlobalMinimum()
			g := make([]float64, n)
			h := make([]float64, n*n)
			for k, c := range crit {
				if len(c.X) != n {
					t.Fatalf("point %d has %d coordinates, want %d", k, len(c.X), n)
				}
				if v := fn.Value(c.X); v != c.Value {
					t.Errorf("point %d at %v: listed value %v, f there %v", k, c.X, c.Value, v)
				}
				fn.Gradient(c.X, g)
				if norm(g) > 1e-9*gScale {
					t.Errorf("%s %d at %v: ‖∇f‖ = %v, want ≈ 0", c.Kind, k, c.X, norm(g))
				}
				fn.Hessian(c.X, h)
				vals, _, _ := Eigen(h, n)
				lo, hi := vals[0], vals[n-1]
				switch c.Kind {
				case Minimum:
					if !(lo > 0) {
						t.Errorf("minimum %d at %v: Hessian eigenvalues %v, want all > 0", k, c.X, vals)
					}
					if !hasGlobal {
						t.Errorf("minimum %d listed, but no global minimum", k)
					}
					if c.Global && c.Value != fstar && !near(c.Value, fstar, 1e-12, fn.spread) {
						t.Errorf("global minimum %d has value %v, another %v", k, c.Value, fstar)
					}
					if !c.Global && !(c.Value > fstar) {
						t.Errorf("local minimum %d has value %v, not above the global %v", k, c.Value, fstar)
					}
				case Maximum:
					if !(hi < 0) {
						t.Errorf("maximum %d at %v: Hessian eigenvalues %v, want all < 0", k, c.X, vals)
					}
				case Saddle:
					if lo < 0 && hi > 0 {
						break
					}
					// A degenerate saddle (the monkey saddle): f rises and
					// falls around it.
					above, below := false, false
					for i := range n {
						for _, s := range []float64{-1e-3, 1e-3} {
							y := slices.Clone(c.X)
							y[i] += s
							above = above || fn.Value(y) > c.Value
							below = below || fn.Value(y) < c.Value
						}
					}
					if !above || !below {
						t.Errorf("saddle %d at %v: eigenvalues %v and f does not both rise and fall nearby", k, c.X, vals)
					}
				default:
					t.Errorf("point %d: unknown kind %q", k, c.Kind)
				}
			}
			if hasGlobal {
				for _, x := range points(fn, 4000, 3) {
					if v := fn.Value(x); v < fstar {
						t.Fatalf("f%v = %v is below the listed global minimum %v", x, v, fstar)
					}
				}
			}
		})
	}
}

// TestKnownMinima checks the listed minima against the literature's values.
func TestKnownMinima(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		index  int
		x      []float64
		value  float64
		global bool
		tol    float64 // on the location and the value
	}{
		{"rosenbrock", 0, []float64{1, 1}, 0, true, 0},
		{"rosenbrock:a=2,b=5", 0, []float64{2, 4}, 0, true, 0},
		{"rosenbrock:n=5", 0, []float64{1, 1, 1, 1, 1}, 0, true, 0},
		{"beale", 0, []float64{3, 0.5}, 0, true, 0},
		{"himmelblau", 0, []float64{3, 2}, 0, true, 0},
		{"himmelblau", 1, []float64{-2.805118, 3.131312}, 0, true, 1e-6},
		{"himmelblau", 2, []float64{-3.779310, -3.283186}, 0, true, 1e-6},
		{"himmelblau", 3, []float64{3.584428, -1.848126}, 0, true, 1e-6},
		{"himmelblau", 4, []float64{-0.270845, -0.923039}, 181.617, false, 1e-3},
		{"rastrigin", 0, []float64{0, 0}, 0, true, 0},
		{"ackley", 0, []float64{0, 0}, 0, true, 0},
		{"booth", 0, []float64{1, 3}, 0, true, 0},
		{"matyas", 0, []float64{0, 0}, 0, true, 0},
		{"goldstein-price", 0, []float64{0, -1}, 3, true, 0},
		{"goldstein-price", 1, []float64{-0.6, -0.4}, 30, false, 1e-12},
		{"goldstein-price", 2, []float64{1.8, 0.2}, 84, false, 1e-12},
		{"goldstein-price", 3, []float64{1.2, 0.8}, 840, false, 1e-12},
		{"styblinski-tang", 0, []float64{-2.903534, -2.903534}, -78.33234, true, 1e-5},
		{"styblinski-tang:n=6", 0, fill(6, -2.903534), -6 * 39.16617, true, 1e-4},
		{"three-hump-camel", 0, []float64{0, 0}, 0, true, 0},
		{"three-hump-camel", 1, []float64{1.74755, -0.873776}, 0.298638, false, 1e-5},
		{"easom", 0, []float64{math.Pi, math.Pi}, -1, true, 0},
		{"plateau", 0, []float64{0, 0}, 0, true, 0},
		{"banana", 0, []float64{1, 1.0 / 3}, 0, true, 0},
		{"quadratic:kappa=100,n=3", 0, []float64{0, 0, 0}, 0, true, 0},
		{"saddle", 0, []float64{0, 0}, 0, false, 0},
		{"monkey-saddle", 0, []float64{0, 0}, 0, false, 0},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			fn, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			c := fn.Critical()[tc.index]
			if distance(c.X, tc.x) > tc.tol || math.Abs(c.Value-tc.value) > tc.tol || c.Global != tc.global {
				t.Errorf("critical point %d: %v f=%v global=%v; want %v f=%v global=%v (±%g)", tc.index, c.X, c.Value, c.Global, tc.x, tc.value, tc.global, tc.tol)
			}
		})
	}
}

func TestNew(t *testing.T) {
	want := []string{"ackley", "banana", "beale", "booth", "easom", "goldstein-price", "himmelblau", "matyas",
		"monkey-saddle", "plateau", "quadratic", "rastrigin", "rosenbrock", "saddle", "styblinski-tang", "three-hump-camel"}
	if got := Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	for _, tc := range []struct {
		spec, wantSpec string
		dim            int
	}{
		{"rosenbrock", "rosenbrock:a=1,b=100,n=2", 2},
		{"Rosenbrock:b=10", "rosenbrock:a=1,b=10,n=2", 2},
		{" rosenbrock : b = 10 , n = 4 ", "rosenbrock:a=1,b=10,n=4", 4},
		{"quadratic:kappa=100", "quadratic:kappa=100,n=2", 2},
		{"rastrigin:a=0", "rastrigin:a=0,n=2", 2},
		{"beale", "beale", 2},
		{"expr:x^2 - y^2", "expr:x^2 - y^2", 2},
		{"EXPR: x*y ", "expr:x*y", 2},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			fn, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			if fn.Spec() != tc.wantSpec || fn.Dim() != tc.dim {
				t.Fatalf("spec %q dim %d, want %q dim %d", fn.Spec(), fn.Dim(), tc.wantSpec, tc.dim)
			}
			again, err := New(fn.Spec())
			if err != nil || again.Spec() != fn.Spec() {
				t.Fatalf("New(%q) = %v, %v: does not rebuild the same function", fn.Spec(), again, err)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"", "missing name"},
		{"nosuch", `unknown function "nosuch" (known: ackley, banana, beale`},
		{"rosenbrock:c=1", `unknown parameter "c" (allowed: a, b, n)`},
		{"beale:a=1", "beale takes no parameters"},
		{"rosenbrock:b=-1", "b=-1: want a finite number > 0"},
		{"rosenbrock:b=NaN", "b=NaN: want a finite number > 0"},
		{"rosenbrock:b=x", `b="x": want a number`},
		{"rosenbrock:n=2.5", "n=2.5: want an integer from 2 to 100"},
		{"rosenbrock:n=3,a=2", "the n-dimensional form needs a=1"},
		{"rastrigin:n=1000", "want an integer from 1 to 100"},
		{"quadratic:kappa=0", "kappa=0: want a number in [1e-12, 1e+12]"},
		{"ackley:c=Inf", "c=Inf: want a finite number"},
		{"rosenbrock:a", `"a" is not key=value`},
		{"rosenbrock:a=1,a=2", `key "a" given twice`},
		{"expr", `an expression follows "expr:"`},
		{"expr:", "empty expression"},
		{"expr:x +", "column 4: unexpected end"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := New(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%q) error %v, want one containing %q", tc.spec, err, tc.want)
			}
		})
	}
}

func TestCatalog(t *testing.T) {
	cat := Catalog()
	if len(cat) != len(Names()) {
		t.Fatalf("%d entries for %d names", len(cat), len(Names()))
	}
	for _, in := range cat {
		fn, err := New(in.Name)
		if err != nil {
			t.Fatal(err)
		}
		if in.Description == "" || fn.Description() != in.Description || fn.Formula() == "" {
			t.Errorf("%s: missing description or formula", in.Name)
		}
		got := fn.Params()
		if len(got) != len(in.Params) {
			t.Fatalf("%s: %d params, catalogue %d", in.Name, len(got), len(in.Params))
		}
		for i := range got {
			if got[i] != in.Params[i] {
				t.Errorf("%s: param %+v, catalogue default %+v", in.Name, got[i], in.Params[i])
			}
		}
		for i, r := range fn.Domain() {
			if !(r.Lo < r.Hi) || fn.Start()[i] < r.Lo || fn.Start()[i] > r.Hi {
				t.Errorf("%s: start %v outside domain %v", in.Name, fn.Start(), fn.Domain())
			}
		}
		for _, c := range fn.Critical() {
			for i, r := range fn.Domain() {
				if c.X[i] < r.Lo || c.X[i] > r.Hi {
					t.Errorf("%s: critical point %v outside the domain %v", in.Name, c.X, fn.Domain())
				}
			}
		}
	}
}

func TestBadLengths(t *testing.T) {
	fn, _ := New("rosenbrock")
	if v := fn.Value([]float64{1, 2, 3}); !math.IsNaN(v) {
		t.Errorf("Value of a 3-vector = %v, want NaN", v)
	}
	if _, err := fn.Gradient([]float64{1}, make([]float64, 2)); err == nil || !strings.Contains(err.Error(), "x has length 1, want 2") {
		t.Errorf("Gradient error %v", err)
	}
	if _, err := fn.Gradient([]float64{1, 2}, nil); err == nil || !strings.Contains(err.Error(), "g has length 0, want 2") {
		t.Errorf("Gradient error %v", err)
	}
	if err := fn.Hessian([]float64{1, 2}, make([]float64, 3)); err == nil || !strings.Contains(err.Error(), "h has length 3, want 4") {
		t.Errorf("Hessian error %v", err)
	}
	for _, tc := range []struct {
		domain []Range
		want   string
	}{
		{[]Range{{0, 1}}, "domain has 1 ranges, want 2"},
		{[]Range{{0, 1}, {1, 1}}, "domain range 1 is [1, 1]"},
		{[]Range{{math.Inf(-1), 1}, {0, 1}}, "want finite bounds"},
	} {
		if _, err := fn.WithDomain(tc.domain); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("WithDomain(%v) error %v, want %q", tc.domain, err, tc.want)
		}
	}
	g, err := fn.WithDomain([]Range{{0, 2}, {0, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if lim := g.Limits(); lim[0] != (Range{-10, 12}) || fn.Domain()[0] != (Range{-2, 2}) {
		t.Errorf("limits %v of the new domain, old domain %v", lim, fn.Domain())
	}
	if s := g.Start(); s[0] != 0 || s[1] != 1 || fn.Start()[0] != -1.2 {
		t.Errorf("start %v in the new domain (old start %v)", s, fn.Start())
	}
}

func TestEigenErrors(t *testing.T) {
	for _, tc := range []struct {
		h    []float64
		n    int
		want string
	}{
		{[]float64{1, 2, 3}, 2, "a 2×2 matrix needs 4 values, not 3"},
		{nil, -1, "needs 0 values"},
		{[]float64{1, math.NaN(), 0, 1}, 2, "entry [0][1] is NaN"},
	} {
		if _, _, err := Eigen(tc.h, tc.n); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Eigen(%v, %d) error %v, want %q", tc.h, tc.n, err, tc.want)
		}
	}
}

func TestZeroFunction(t *testing.T) {
	var zero Function
	var none *Function
	for _, f := range []*Function{&zero, none} {
		if v := f.Value(nil); !math.IsNaN(v) {
			t.Errorf("Value = %v, want NaN", v)
		}
		if _, err := f.Gradient(nil, nil); err == nil {
			t.Error("Gradient: no error")
		}
		if err := f.Hessian(nil, nil); err == nil {
			t.Error("Hessian: no error")
		}
		if _, err := Diagnose(f, nil, nil); err == nil || !strings.Contains(err.Error(), "not built by surface.New") {
			t.Errorf("Diagnose error %v", err)
		}
	}
}

func TestEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 7; n++ {
		for trial := range 20 {
			h := make([]float64, n*n)
			for i := range n {
				for j := i; j < n; j++ {
					v := rng.NormFloat64()
					if trial == 0 {
						v = float64(i - j) // some exact ties and zeros
					}
					h[i*n+j], h[j*n+i] = v, v
				}
			}
			vals, vecs, err := Eigen(h, n)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.IsSorted(vals) {
				t.Fatalf("n=%d: eigenvalues %v not ascending", n, vals)
			}
			for k := range n {
				var nrm float64
				for i := range n {
					var hv float64
					for j := range n {
						hv += h[i*n+j] * vecs[k][j]
					}
					if math.Abs(hv-vals[k]*vecs[k][i]) > 1e-10 {
						t.Fatalf("n=%d: H v%d ≠ λ v%d (λ = %v)", n, k, k, vals[k])
					}
					nrm += vecs[k][i] * vecs[k][i]
				}
				if math.Abs(nrm-1) > 1e-12 {
					t.Fatalf("n=%d: eigenvector %d has norm² %v", n, k, nrm)
				}
			}
		}
	}
}
