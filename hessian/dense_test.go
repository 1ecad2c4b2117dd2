package hessian

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// spectrumMatrix returns Q·diag(vals)·Qᵀ (row-major) for a random
// orthogonal Q drawn from seed, or diag(vals) when seed is 0.
func spectrumMatrix(vals []float64, seed uint64) []float64 {
	n := len(vals)
	a := make([]float64, n*n)
	if seed == 0 {
		for i, v := range vals {
			a[i*n+i] = v
		}
		return a
	}
	rng := rand.New(rand.NewPCG(seed, 3))
	g := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	var m mat.Dense
	m.Mul(&q, mat.NewDiagDense(n, slices.Clone(vals)))
	m.Mul(&m, q.T())
	for i := range n {
		for j := range n {
			a[i*n+j] = (m.At(i, j) + m.At(j, i)) / 2
		}
	}
	return a
}

// eigenSym is the reference: gonum's dense symmetric eigen-decomposition,
// eigenvalues ascending and the eigenvectors as columns.
func eigenSym(t *testing.T, n int, a []float64) ([]float64, *mat.Dense) {
	t.Helper()
	var es mat.EigenSym
	if !es.Factorize(mat.NewSymDense(n, slices.Clone(a)), true) {
		t.Fatal("gonum EigenSym failed")
	}
	var v mat.Dense
	es.VectorsTo(&v)
	return es.Values(nil), &v
}

// relErr is |got − want| relative to scale.
func relErr(got, want, scale float64) float64 { return math.Abs(got-want) / scale }

// spectra are the test matrices: their eigenvalues and how they are
// rotated (seed 0: diagonal).
var spectra = []struct {
	name string
	vals []float64
	seed uint64
}{
	{"diagonal", []float64{10, 5, 3, 1, 0.5, 0.1}, 0},
	{"conjugated", []float64{20, 12, 7, 3.5, 2, 1, 0.8, 0.6, 0.5, 0.45, 0.4, 0.3, 0.2, 0.1, 0.05}, 7},
	{"indefinite", []float64{9, 4, 2, 1, 0.5, -0.3, -1, -2.5, -6}, 11},
	{"negative-dominant", []float64{3, 1.5, 0.5, -1, -8}, 13},
	{"opposite-pair", []float64{2, -2, 0.5, 0.25}, 17},
	{"degenerate", []float64{5, 5, 5, 1, 1, 0, 0, 0}, 19},
	{"semidefinite", []float64{4, 2, 1, 0, 0, 0, 0, 0, 0, 0}, 23},
	{"negative-definite", []float64{-0.5, -1, -3, -7}, 29},
}

func TestTopEigenMatchesDense(t *testing.T) {
	ctx := context.Background()
	for _, sp := range spectra {
		for _, tight := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tight=%v", sp.name, tight), func(t *testing.T) {
				n := len(sp.vals)
				a := spectrumMatrix(sp.vals, sp.seed)
				want, _ := eigenSym(t, n, a)
				slices.Reverse(want) // largest first
				scale := max(math.Abs(want[0]), math.Abs(want[n-1]))
				op, err := NewDense(n, a)
				if err != nil {
					t.Fatal(err)
				}
				cfg, tol := PowerConfig{K: 3, Seed: 1}, 2e-3
				if tight {
					cfg.Tol, cfg.MaxIter, tol = 1e-13, 5000, 1e-8
				}
				pairs, err := TopEigen(ctx, op, cfg)
				if err != nil {
					t.Fatal(err)
				}
				hv := make([]float64, n)
				for k, p := range pairs {
					if e := relErr(p.Value, want[k], scale); e > tol {
						t.Errorf("λ%d = %.10g, dense %.10g (error %.2g of the scale)", k+1, p.Value, want[k], e)
					}
					if err := op.Apply(ctx, p.Vector, hv); err != nil {
						t.Fatal(err)
					}
					axpy(-p.Value, p.Vector, hv)
					if r := norm(hv); math.Abs(r-p.Residual) > 1e-9*scale {
						t.Errorf("λ%d: residual %g, recomputed %g", k+1, p.Residual, r)
					}
					if tight && p.Residual > 1e-4*scale {
						t.Errorf("λ%d: residual %g after converging tightly", k+1, p.Residual)
					}
					if d := math.Abs(norm(p.Vector) - 1); d > 1e-12 {
						t.Errorf("λ%d: eigenvector norm off 1 by %g", k+1, d)
					}
				}
			})
		}
	}
}

func TestMinEigenMatchesDense(t *testing.T) {
	ctx := context.Background()
	for _, sp := range spectra {
		t.Run(sp.name, func(t *testing.T) {
			n := len(sp.vals)
			a := spectrumMatrix(sp.vals, sp.seed)
			want, _ := eigenSym(t, n, a)
			scale := max(math.Abs(want[0]), math.Abs(want[n-1]))
			op, _ := NewDense(n, a)
			p, err := MinEigen(ctx, op, want[n-1], PowerConfig{Tol: 1e-14, MaxIter: 20000, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(p.Value, want[0], scale); e > 1e-8 {
				t.Errorf("λmin = %.10g, dense %.10g (error %.2g of the scale)", p.Value, want[0], e)
			}
			if p.Value < want[0]-1e-12*scale {
				t.Errorf("λmin = %.15g below the true %.15g: not a Rayleigh quotient", p.Value, want[0])
			}
		})
	}
}

func TestLanczosRitzMatchesDense(t *testing.T) {
	ctx := context.Background()
	for _, sp := range spectra {
		t.Run(sp.name, func(t *testing.T) {
			n := len(sp.vals)
			a := spectrumMatrix(sp.vals, sp.seed)
			want, _ := eigenSym(t, n, a)
			scale := max(math.Abs(want[0]), math.Abs(want[n-1]))
			op, _ := NewDense(n, a)
			k, err := Lanczos(ctx, op, LanczosConfig{Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			ritz, err := k.Ritz()
			if err != nil {
				t.Fatal(err)
			}
			// A Krylov space of a random vector holds one vector of each
			// eigenspace: the Ritz values are the distinct eigenvalues.
			distinct := slices.Compact(slices.Clone(sp.vals))
			slices.Sort(distinct)
			distinct = slices.Compact(distinct)
			if len(ritz) != len(distinct) {
				t.Fatalf("%d Ritz values %v for %d distinct eigenvalues %v", len(ritz), values(ritz), len(distinct), distinct)
			}
			for i, r := range ritz {
				if e := relErr(r.Value, distinct[i], scale); e > 1e-10 {
					t.Errorf("Ritz value %d = %.12g, eigenvalue %.12g", i, r.Value, distinct[i])
				}
				if r.Residual > 1e-8*scale || !r.Converged {
					t.Errorf("Ritz pair %d: residual %g, converged %v", i, r.Residual, r.Converged)
				}
			}
			// The extremes match the dense ones in direction too.
			_, vecs := eigenSym(t, n, a)
			if sp.vals[0] != sp.vals[1] { // a simple top eigenvalue
				top := mat.Col(nil, n-1, vecs)
				if c := math.Abs(dot(top, ritz[len(ritz)-1].Vector)); c < 1-1e-9 {
					t.Errorf("top Ritz vector: |cos| with the eigenvector %.12f", c)
				}
			}
		})
	}
}

func values(ps []Eigenpair) []float64 {
	out := make([]float64, len(ps))
	for i, p := range ps {
		out[i] = p.Value
	}
	return out
}

// Few Lanczos steps find the extremes long before the interior.
func TestLanczosExtremesConvergeFirst(t *testing.T) {
	n := 200
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = -1 + 2*float64(i)/float64(n-1) // a dense interior in [−1, 1]
	}
	vals[n-1], vals[0] = 30, -5 // and two outliers
	op, _ := NewDense(n, spectrumMatrix(vals, 31))
	k, err := Lanczos(context.Background(), op, LanczosConfig{Steps: 30, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	ritz, _ := k.Ritz()
	lo, hi := ritz[0], ritz[len(ritz)-1]
	if math.Abs(hi.Value-30) > 1e-10 || math.Abs(lo.Value+5) > 1e-10 {
		t.Errorf("30 steps: extreme Ritz values %.12g and %.12g, want −5 and 30", lo.Value, hi.Value)
	}
}

func TestTridiagEigenMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cases := []struct {
		name string
		d, e []float64
	}{
		{"order 1", []float64{3}, nil},
		{"order 2", []float64{1, 2}, []float64{0.5}},
		{"zero", make([]float64, 5), make([]float64, 4)},
		{"split", []float64{1, 2, 3, 4}, []float64{1, 0, 1}},
		{"repeated", []float64{2, 2, 2, 2, 2}, []float64{1e-9, 0, 1e-9, 0}},
		{"wilkinson", []float64{5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5}, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	}
	for _, m := range []int{7, 50, 150} {
		d, e := make([]float64, m), make([]float64, m-1)
		for i := range d {
			d[i] = rng.NormFloat64()
		}
		for i := range e {
			e[i] = rng.NormFloat64()
		}
		cases = append(cases, struct {
			name string
			d, e []float64
		}{fmt.Sprint("random ", m), d, e})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := len(c.d)
			a := make([]float64, n*n)
			for i := range n {
				a[i*n+i] = c.d[i]
				if i+1 < n {
					a[i*n+i+1], a[(i+1)*n+i] = c.e[i], c.e[i]
				}
			}
			want, _ := eigenSym(t, n, a)
			vals, vecs, err := tridiagEigen(c.d, c.e)
			if err != nil {
				t.Fatal(err)
			}
			scale := 1.0
			for _, w := range want {
				scale = max(scale, math.Abs(w))
			}
			for i := range n {
				if e := relErr(vals[i], want[i], scale); e > 1e-13 {
					t.Errorf("eigenvalue %d = %.16g, gonum %.16g", i, vals[i], want[i])
				}
				// ‖T·z − λz‖ and ‖z‖ = 1.
				var r2, z2 float64
				for row := range n {
					var s float64
					for col := range n {
						s += a[row*n+col] * vecs[col*n+i]
					}
					r := s - vals[i]*vecs[row*n+i]
					r2 += r * r
					z2 += vecs[row*n+i] * vecs[row*n+i]
				}
				if math.Sqrt(r2) > 1e-12*scale || math.Abs(z2-1) > 1e-12 {
					t.Errorf("eigenvector %d: residual %g, squared norm %.15f", i, math.Sqrt(r2), z2)
				}
			}
		})
	}
}

func TestTraceMatchesDense(t *testing.T) {
	ctx := context.Background()
	for _, sp := range spectra {
		t.Run(sp.name, func(t *testing.T) {
			n := len(sp.vals)
			a := spectrumMatrix(sp.vals, sp.seed)
			var want float64
			for i := range n {
				want += a[i*n+i]
			}
			op, _ := NewDense(n, a)
			est, err := Trace(ctx, op, TraceConfig{Seed: 5})
			if err != nil {
				t.Fatal(err)
			}
			if sp.seed == 0 { // diagonal: every sample is exact
				if est.Value != want || est.StdErr != 0 || est.Samples != 10 || !est.Converged {
					t.Errorf("diagonal: trace %v ± %v after %d samples (converged %v), want exactly %v after 10", est.Value, est.StdErr, est.Samples, est.Converged, want)
				}
				return
			}
			if d := math.Abs(est.Value - want); d > 4*est.StdErr {
				t.Errorf("trace %.6g ± %.3g, exact %.6g: off by %.1f standard errors", est.Value, est.StdErr, want, d/est.StdErr)
			}
			// The standard error is that of the exact per-sample variance
			// 2·Σ_(i≠j) a_ij², to within sampling error.
			var off float64
			for i := range n {
				for j := range n {
					if i != j {
						off += a[i*n+j] * a[i*n+j]
					}
				}
			}
			se := math.Sqrt(2 * off / float64(est.Samples))
			if est.StdErr < se/2 || est.StdErr > 2*se {
				t.Errorf("standard error %.4g, theory %.4g", est.StdErr, se)
			}
		})
	}
}

func TestDensityMatchesDense(t *testing.T) {
	ctx := context.Background()
	for _, sp := range spectra {
		t.Run(sp.name, func(t *testing.T) {
			n := len(sp.vals)
			a := spectrumMatrix(sp.vals, sp.seed)
			want, _ := eigenSym(t, n, a)
			scale := max(math.Abs(want[0]), math.Abs(want[n-1]))
			op, _ := NewDense(n, a)
			s, err := Density(ctx, op, DensityConfig{Runs: 40, Seed: 6})
			if err != nil {
				t.Fatal(err)
			}
			// Each run's nodes are eigenvalues and its weights sum to 1.
			for r := range s.Nodes {
				var sum float64
				for i, x := range s.Nodes[r] {
					sum += s.Weights[r][i]
					j, _ := slices.BinarySearchFunc(want, x, func(a, b float64) int {
						if a < b-1e-9*scale {
							return -1
						}
						if a > b+1e-9*scale {
							return 1
						}
						return 0
					})
					if j == n || math.Abs(want[j]-x) > 1e-9*scale {
						t.Fatalf("run %d: node %.12g is no eigenvalue of %v", r, x, want)
					}
				}
				if math.Abs(sum-1) > 1e-12 {
					t.Errorf("run %d: weights sum to %.15f", r, sum)
				}
			}
			// The mass below zero estimates the fraction of negative
			// eigenvalues; 40 runs put it within about 0.1.
			var neg float64
			for _, w := range want {
				if w < -1e-9 {
					neg++
				}
			}
			if got := s.MassBelow(-1e-9); math.Abs(got-neg/float64(n)) > 0.1 {
				t.Errorf("negative mass %.3f, fraction of negative eigenvalues %.3f", got, neg/float64(n))
			}
			// The broadened density integrates to 1 (trapezoid rule).
			var integral float64
			for i := 1; i < len(s.Grid); i++ {
				integral += (s.Values[i] + s.Values[i-1]) / 2 * (s.Grid[i] - s.Grid[i-1])
			}
			if math.Abs(integral-1) > 1e-3 {
				t.Errorf("the density integrates to %.6f", integral)
			}
			if s.Grid[0] > want[0] || s.Grid[len(s.Grid)-1] < want[n-1] {
				t.Errorf("grid [%g, %g] does not cover the spectrum [%g, %g]", s.Grid[0], s.Grid[len(s.Grid)-1], want[0], want[n-1])
			}
		})
	}
}

// Σ wᵢθᵢ = vᵀHv/‖v‖² for the run's start vector: n·Σ wᵢθᵢ is a trace
// estimate of its own.
func TestDensityQuadratureIsExactForLowDegree(t *testing.T) {
	n := 40
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = math.Sin(float64(i)) * 3
	}
	a := spectrumMatrix(vals, 37)
	op, _ := NewDense(n, a)
	v := make([]float64, n)
	rademacher(v, newRNG(8))
	k, err := Lanczos(context.Background(), op, LanczosConfig{Steps: 5, Start: v})
	if err != nil {
		t.Fatal(err)
	}
	nodes, weights, _ := k.Quadrature()
	hv := make([]float64, n)
	_ = op.Apply(context.Background(), v, hv)
	h2 := make([]float64, n)
	_ = op.Apply(context.Background(), hv, h2)
	// Gauss quadrature with 5 nodes is exact up to degree 9: check f(λ) = λ and λ³ (vᵀH³v = (Hv)ᵀH(Hv)).
	var m1, m3 float64
	for i, x := range nodes {
		m1 += weights[i] * x
		m3 += weights[i] * x * x * x
	}
	if want := dot(v, hv) / float64(n); math.Abs(m1-want) > 1e-12 {
		t.Errorf("Σ wθ = %.15g, vᵀHv/n = %.15g", m1, want)
	}
	if want := dot(hv, h2) / float64(n); math.Abs(m3-want) > 1e-10 {
		t.Errorf("Σ wθ³ = %.15g, vᵀH³v/n = %.15g", m3, want)
	}
}

func TestAnalyzeVerdicts(t *testing.T) {
	cases := []struct {
		name    string
		vals    []float64
		verdict Verdict
		index   float64
	}{
		{"positive definite", []float64{10, 4, 2, 1, 0.5, 0.25}, Minimum, 0},
		{"semidefinite", []float64{4, 2, 1, 0, 0, 0, 0, 0}, Minimum, 0},
		{"tiny negative", []float64{100, 10, 1, -1e-5}, Minimum, 0},
		{"saddle index 1/4", []float64{6, 3, 1, 0.5, 0.2, -0.7, -2, 4}, Saddle, 0.25},
		{"saddle index 1/2", []float64{2, -2}, Saddle, 0.5},
		{"maximum", []float64{-1, -2, -3, -4, -5}, Maximum, 1},
		{"flat", []float64{1e-8, -1e-8, 0, 0}, Flat, 0},
		{"zero", []float64{0, 0, 0}, Flat, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := len(c.vals)
			op, _ := NewDense(n, spectrumMatrix(c.vals, 41))
			res, err := Analyze(context.Background(), op, Config{Density: DensityConfig{Runs: 30}, Power: PowerConfig{K: min(2, n)}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != c.verdict {
				t.Fatalf("verdict %s (%s), want %s", res.Verdict, res.Reason, c.verdict)
			}
			if math.Abs(res.Index-c.index) > 0.12 {
				t.Errorf("index %.3f, want about %.3f", res.Index, c.index)
			}
			want := slices.Clone(c.vals)
			slices.Sort(want)
			scale := max(math.Abs(want[0]), math.Abs(want[n-1]), 1e-300)
			if e := relErr(res.MinEigenvalue, want[0], scale); e > 1e-8 && scale > 1e-6 {
				t.Errorf("λmin %.10g, want %.10g", res.MinEigenvalue, want[0])
			}
			if e := relErr(res.MaxEigenvalue, want[n-1], scale); e > 1e-8 && scale > 1e-6 {
				t.Errorf("λmax %.10g, want %.10g", res.MaxEigenvalue, want[n-1])
			}
			if res.Products == 0 || res.Reason == "" {
				t.Errorf("products %d, reason %q", res.Products, res.Reason)
			}
		})
	}
}

func TestAnalyzeMinMethods(t *testing.T) {
	vals := []float64{8, 5, 3, 2, 1, 0.5, -0.5, -4}
	op, _ := NewDense(len(vals), spectrumMatrix(vals, 43))
	for _, m := range []MinMethod{MinLanczos, MinPower, MinBoth} {
		t.Run(string(m), func(t *testing.T) {
			res, err := Analyze(context.Background(), op, Config{Min: m, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.MinEigenvalue+4) > 1e-2 {
				t.Errorf("λmin %.8g by %s, want −4", res.MinEigenvalue, res.MinFrom)
			}
			if m != MinBoth && res.MinFrom != string(m) {
				t.Errorf("λmin from %q, want %q", res.MinFrom, m)
			}
		})
	}
	if _, err := Analyze(context.Background(), op, Config{Min: "newton"}); err == nil {
		t.Error("an unknown method was accepted")
	}
}

func TestSharpness(t *testing.T) {
	cases := []struct {
		lambda, lr, momentum float64
		ratio                float64
		regime               string
	}{
		{10, 0.1, 0, 0.5, "below-edge"},
		{20, 0.1, 0, 1, "at-edge"},
		{30, 0.1, 0, 1.5, "beyond-edge"},
		{30, 0.1, 0.5, 1, "at-edge"},
	}
	for _, c := range cases {
		s, err := NewSharpness(c.lambda, c.lr, c.momentum)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(s.Ratio-c.ratio) > 1e-12 || s.Regime != c.regime || math.Abs(s.HalfLRLambda-c.lambda*c.lr/2) > 1e-12 {
			t.Errorf("λ %v, lr %v, β %v: %+v, want ratio %v, %s", c.lambda, c.lr, c.momentum, s, c.ratio, c.regime)
		}
	}
	for _, bad := range [][3]float64{{1, 0, 0}, {1, -1, 0}, {1, 0.1, 1}, {math.NaN(), 0.1, 0}, {1, math.Inf(1), 0}} {
		if _, err := NewSharpness(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("NewSharpness%v accepted", bad)
		}
	}
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	good, _ := NewDense(2, []float64{1, 0, 0, 2})
	nanOp, _ := FromFunc(2, func(ctx context.Context, v, out []float64) error {
		out[0], out[1] = math.NaN(), 0
		return nil
	})
	boom := errors.New("boom")
	failing, _ := FromFunc(2, func(ctx context.Context, v, out []float64) error { return boom })
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	cases := []struct {
		name string
		run  func() error
		is   error
	}{
		{"dense n=0", func() error { _, err := NewDense(0, nil); return err }, nil},
		{"dense wrong length", func() error { _, err := NewDense(2, []float64{1, 2, 3}); return err }, nil},
		{"dense not symmetric", func() error { _, err := NewDense(2, []float64{1, 2, 3, 4}); return err }, nil},
		{"dense NaN", func() error { _, err := NewDense(1, []float64{math.NaN()}); return err }, nil},
		{"func n=0", func() error { _, err := FromFunc(0, nil); return err }, nil},
		{"apply wrong length", func() error { return good.Apply(ctx, []float64{1}, []float64{1, 2}) }, nil},
		{"top K too big", func() error { _, err := TopEigen(ctx, good, PowerConfig{K: 3}); return err }, nil},
		{"top negative tol", func() error { _, err := TopEigen(ctx, good, PowerConfig{Tol: -1}); return err }, nil},
		{"top nil", func() error { _, err := TopEigen(ctx, nil, PowerConfig{}); return err }, nil},
		{"top NaN product", func() error { _, err := TopEigen(ctx, nanOp, PowerConfig{}); return err }, nil},
		{"top failing product", func() error { _, err := TopEigen(ctx, failing, PowerConfig{}); return err }, boom},
		{"top cancelled", func() error { _, err := TopEigen(cancelled, good, PowerConfig{}); return err }, context.Canceled},
		{"min NaN λmax", func() error { _, err := MinEigen(ctx, good, math.NaN(), PowerConfig{}); return err }, nil},
		{"trace NaN product", func() error { _, err := Trace(ctx, nanOp, TraceConfig{}); return err }, nil},
		{"trace min > max", func() error { _, err := Trace(ctx, good, TraceConfig{MinSamples: 5, MaxSamples: 2}); return err }, nil},
		{"trace cancelled", func() error { _, err := Trace(cancelled, good, TraceConfig{}); return err }, context.Canceled},
		{"lanczos zero start", func() error { _, err := Lanczos(ctx, good, LanczosConfig{Start: []float64{0, 0}}); return err }, nil},
		{"lanczos short start", func() error { _, err := Lanczos(ctx, good, LanczosConfig{Start: []float64{1}}); return err }, nil},
		{"density negative σ", func() error { _, err := Density(ctx, good, DensityConfig{Sigma: -1}); return err }, nil},
		{"density one point", func() error { _, err := Density(ctx, good, DensityConfig{Points: 1}); return err }, nil},
		{"density NaN product", func() error { _, err := Density(ctx, nanOp, DensityConfig{}); return err }, nil},
		{"analyze negative lr", func() error { _, err := Analyze(ctx, good, Config{LR: -1}); return err }, nil},
		{"analyze failing product", func() error { _, err := Analyze(ctx, failing, Config{}); return err }, boom},
		{"analyze cancelled", func() error { _, err := Analyze(cancelled, good, Config{}); return err }, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			if err == nil {
				t.Fatal("no error")
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Fatalf("error %v, want one wrapping %v", err, c.is)
			}
		})
	}
}

// Results are reproducible: the same seed gives the same bits.
func TestAnalyzeDeterministic(t *testing.T) {
	op, _ := NewDense(6, spectrumMatrix([]float64{3, 2, 1, -1, 0.5, 0.2}, 47))
	cfg := Config{Seed: 12, Power: PowerConfig{K: 2}, LR: 0.5}
	a, err := Analyze(context.Background(), op, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Analyze(context.Background(), op, cfg)
	if !slices.Equal(a.TopEigenvalues, b.TopEigenvalues) || a.Trace != b.Trace || !slices.Equal(a.Density.Values, b.Density.Values) || a.MinEigenvalue != b.MinEigenvalue {
		t.Error("two runs with the same seed differ")
	}
}

// On a spectrum too large for the Lanczos runs to span, the extremes are
// still found and the index is estimated from the weights.
func TestAnalyzeLargeIndefinite(t *testing.T) {
	n := 300
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = -1 + 5*float64(i)/float64(n-1) // the bulk: 20% in [−1, 0)
	}
	vals[n-1], vals[n-2], vals[n-3] = 50, 30, 20 // outliers, as trained networks have
	a := spectrumMatrix(vals, 53)
	op, _ := NewDense(n, a)
	var neg float64
	for _, v := range vals {
		if v < 0 {
			neg++
		}
	}
	res, err := Analyze(context.Background(), op, Config{Seed: 1, Power: PowerConfig{K: 3}, Density: DensityConfig{Steps: 60, Runs: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Density.Complete {
		t.Fatal("60 steps spanned a 300-dimensional space")
	}
	for k, want := range []float64{50, 30, 20} {
		if e := math.Abs(res.TopEigenvalues[k] - want); e > 0.05 {
			t.Errorf("λ%d = %.6g, want %v", k+1, res.TopEigenvalues[k], want)
		}
	}
	if math.Abs(res.MaxEigenvalue-50) > 1e-9 {
		t.Errorf("λmax %.12g, want 50", res.MaxEigenvalue)
	}
	if res.MinEigenvalue < -1 || res.MinEigenvalue > -0.95 {
		t.Errorf("λmin %.6g (residual %.2g), want just above −1", res.MinEigenvalue, res.Min.Residual)
	}
	if res.Verdict != Saddle || math.Abs(res.Index-neg/float64(n)) > 0.05 {
		t.Errorf("verdict %s, index %.3f, want saddle with %.3f", res.Verdict, res.Index, neg/float64(n))
	}
	tr := trace(a, n)
	if math.Abs(res.Trace.Value-tr) > 4*res.Trace.StdErr {
		t.Errorf("trace %.6g ± %.3g, exact %.6g", res.Trace.Value, res.Trace.StdErr, tr)
	}
	t.Logf("λ %v, λmax %.10g, λmin %.6g (residual %.2g), index %.4f (true %.4f), trace %.2f ± %.2f (true %.2f), %d products",
		res.TopEigenvalues, res.MaxEigenvalue, res.MinEigenvalue, res.Min.Residual, res.Index, neg/float64(n), res.Trace.Value, res.Trace.StdErr, tr, res.Products)
}

// The result marshals to the JSON a command's --json prints, vectors left
// out.
func TestResultJSON(t *testing.T) {
	op, _ := NewDense(3, spectrumMatrix([]float64{4, -1, 0.5}, 59))
	var stages []string
	res, err := Analyze(context.Background(), op, Config{LR: 0.2, Density: DensityConfig{Points: 50}, Progress: func(stage string, k int) {
		if len(stages) == 0 || stages[len(stages)-1] != stage {
			stages = append(stages, stage)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(stages, []string{"top", "trace", "density"}) {
		t.Errorf("progress stages %v", stages)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dim", "top_eigenvalues", "top", "max_eigenvalue", "min_eigenvalue", "min", "trace", "density", "verdict", "threshold", "reason", "index", "negative_count", "sharpness", "products"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %q in %s", k, b)
		}
	}
	if _, ok := m["loss"]; ok {
		t.Error("a dense matrix has no loss, yet one was written")
	}
	d := m["density"].(map[string]any)
	for _, k := range []string{"grid", "values", "nodes", "weights", "sigma", "lowest", "highest", "complete"} {
		if _, ok := d[k]; !ok {
			t.Errorf("no density.%s", k)
		}
	}
	if len(d["grid"].([]any)) != 50 || m["verdict"] != "saddle" {
		t.Errorf("grid of %d points, verdict %v", len(d["grid"].([]any)), m["verdict"])
	}
	tr := m["trace"].(map[string]any)
	if _, ok := tr["stderr"]; !ok {
		t.Error("no trace.stderr")
	}
	if strings.Contains(string(b), "vector") {
		t.Error("eigenvectors were written")
	}
	if int(m["products"].(float64)) != res.Products || res.Products == 0 {
		t.Errorf("products %v", m["products"])
	}
}

// A 1×1 Hessian is its own eigenvalue, trace and density.
func TestAnalyzeOneDimension(t *testing.T) {
	for _, c := range []struct {
		h       float64
		verdict Verdict
	}{{3, Minimum}, {-3, Maximum}, {0, Flat}} {
		op, _ := NewDense(1, []float64{c.h})
		res, err := Analyze(context.Background(), op, Config{Min: MinBoth, LR: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict != c.verdict || res.TopEigenvalues[0] != c.h || res.MinEigenvalue != c.h || res.MaxEigenvalue != c.h || res.Trace.Value != c.h || !res.Density.Complete {
			t.Errorf("h = %v: %s, top %v, min %v, max %v, trace %v", c.h, res.Verdict, res.TopEigenvalues, res.MinEigenvalue, res.MaxEigenvalue, res.Trace.Value)
		}
		if _, err := json.Marshal(res); err != nil {
			t.Error(err)
		}
	}
}
