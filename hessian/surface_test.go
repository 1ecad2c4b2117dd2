package hessian

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/descent-ml/descent/surface"
)

func TestSurfaceVerdicts(t *testing.T) {
	cases := []struct {
		spec    string
		x       []float64
		verdict Verdict
		index   float64
	}{
		{"saddle", []float64{0, 0}, Saddle, 0.5},
		{"rosenbrock", []float64{1, 1}, Minimum, 0},
		{"rosenbrock:n=6", []float64{1, 1, 1, 1, 1, 1}, Minimum, 0},
		{"monkey-saddle", []float64{0, 0}, Flat, 0}, // x³ − 3xy²: the Hessian vanishes too
		{"expr:x^2 - y^2 + 0.1*x^4", []float64{0, 0}, Saddle, 0.5},
		{"expr:-(x^2) - 3*y^2", []float64{0, 0}, Maximum, 1},
		{"expr:x*y", []float64{0, 0}, Saddle, 0.5}, // eigenvectors (1, ±1)/√2
		{"quadratic:kappa=1000", []float64{0, 0}, Minimum, 0},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			fn, err := surface.New(c.spec)
			if err != nil {
				t.Fatal(err)
			}
			checkSurfacePoint(t, fn, c.x, c.verdict, c.index)
		})
	}
}

// Every known critical point of every surface lab function gets the
// verdict of its kind.
func TestSurfaceCriticalPoints(t *testing.T) {
	for _, name := range surface.Names() {
		fn, err := surface.New(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range fn.Critical() {
			t.Run(fmt.Sprintf("%s/%d-%s", name, i, c.Kind), func(t *testing.T) {
				want := map[surface.Kind]Verdict{surface.Minimum: Minimum, surface.Maximum: Maximum, surface.Saddle: Saddle}[c.Kind]
				index := map[Verdict]float64{Minimum: 0, Maximum: 1, Saddle: 0.5}[want]
				if name == "monkey-saddle" {
					want, index = Flat, 0 // a degenerate saddle: the Hessian is zero there
				}
				checkSurfacePoint(t, fn, c.X, want, index)
			})
		}
	}
}

func checkSurfacePoint(t *testing.T, fn *surface.Function, x []float64, verdict Verdict, index float64) {
	t.Helper()
	op, err := FromSurface(fn, x)
	if err != nil {
		t.Fatal(err)
	}
	n := fn.Dim()
	h := make([]float64, n*n)
	if err := fn.Hessian(x, h); err != nil {
		t.Fatal(err)
	}
	want, _ := eigenSym(t, n, h)
	res, err := Analyze(context.Background(), op, Config{Power: PowerConfig{K: n}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Verdict != verdict {
		t.Fatalf("verdict %s (%s), want %s; eigenvalues %v", res.Verdict, res.Reason, verdict, want)
	}
	if n == 2 && math.Abs(res.Index-index) > 1e-12 {
		t.Errorf("index %v, want %v", res.Index, index)
	}
	scale := max(math.Abs(want[0]), math.Abs(want[n-1]), 1e-300)
	if e := relErr(res.MinEigenvalue, want[0], scale); e > 1e-9 {
		t.Errorf("λmin %.12g, dense %.12g", res.MinEigenvalue, want[0])
	}
	if e := relErr(res.MaxEigenvalue, want[n-1], scale); e > 1e-9 {
		t.Errorf("λmax %.12g, dense %.12g", res.MaxEigenvalue, want[n-1])
	}
	if res.GradNorm == nil || *res.GradNorm > 1e-4*(1+scale) {
		t.Errorf("gradient norm %v at a critical point", res.GradNorm)
	}
	if got, want := res.Trace.Value, trace(h, n); math.Abs(got-want) > 4*res.Trace.StdErr+1e-9*scale {
		t.Errorf("trace %.10g ± %.3g, exact %.10g", got, res.Trace.StdErr, want)
	}
}

func trace(h []float64, n int) float64 {
	var s float64
	for i := range n {
		s += h[i*n+i]
	}
	return s
}

func TestFromSurfaceErrors(t *testing.T) {
	fn, _ := surface.New("rosenbrock")
	if _, err := FromSurface(fn, []float64{1}); err == nil {
		t.Error("a point of the wrong dimension was accepted")
	}
	if _, err := FromSurface(nil, []float64{1, 1}); err == nil {
		t.Error("a nil function was accepted")
	}
	if _, err := FromSurface(fn, []float64{math.NaN(), 1}); err == nil {
		t.Error("a NaN point was accepted")
	}
}

// A Rademacher start vector is an eigenvector of Booth's Hessian
// [[10, 8], [8, 10]]: PyHessian's choice sees one eigenvalue per run, the
// default sees both.
func TestDensityRademacherBlindness(t *testing.T) {
	fn, _ := surface.New("booth")
	op, _ := FromSurface(fn, []float64{1, 3})
	for _, rad := range []bool{true, false} {
		s, err := Density(context.Background(), op, DensityConfig{Rademacher: rad, Runs: 4})
		if err != nil {
			t.Fatal(err)
		}
		for r, nodes := range s.Nodes {
			if want := map[bool]int{true: 1, false: 2}[rad]; len(nodes) != want {
				t.Errorf("Rademacher %v, run %d: nodes %v, want %d", rad, r, nodes, want)
			}
		}
	}
}
