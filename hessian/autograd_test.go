package hessian

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/tensor"
)

func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	t := tensor.Zeros[float64](shape...)
	for i := range t.Data {
		t.Data[i] = rng.NormFloat64()
	}
	return t
}

// split cuts x [N, d] and y [N, k] (or labels) into batches of the given
// sizes.
func split(x, y *tensor.Tensor[float64], labels []int, sizes ...int) []Batch {
	d := x.Shape[1]
	var out []Batch
	r := 0
	for _, s := range sizes {
		b := Batch{X: &tensor.Tensor[float64]{Shape: []int{s, d}, Data: x.Data[r*d : (r+s)*d]}}
		if y != nil {
			k := y.Shape[1]
			b.Y = &tensor.Tensor[float64]{Shape: []int{s, k}, Data: y.Data[r*k : (r+s)*k]}
		}
		if labels != nil {
			b.Labels = labels[r : r+s]
		}
		out = append(out, b)
		r += s
	}
	return out
}

// linearProblem is linear regression with the mean squared error on a
// Linear model with bias: the Hessian is 2·AᵀA/N with A = [X 1], exactly,
// whatever the weights.
type linearProblem struct {
	n, d  int
	x, y  *tensor.Tensor[float64]
	model *nn.Linear[float64]
	hess  []float64 // the closed form, (d+1)×(d+1), weight then bias
}

func newLinearProblem(seed uint64, n, d int) *linearProblem {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := &linearProblem{n: n, d: d, x: randTensor(rng, n, d), y: randTensor(rng, n, 1)}
	// Features of different scales spread the spectrum.
	for i := range n {
		for j := range d {
			p.x.Data[i*d+j] *= 1 + float64(j)
		}
	}
	p.model = nn.NewLinear[float64](d, 1, true, rng)
	m := d + 1
	p.hess = make([]float64, m*m)
	feat := func(r, c int) float64 {
		if c == d {
			return 1
		}
		return p.x.Data[r*d+c]
	}
	for i := range m {
		for j := range m {
			var s float64
			for r := range n {
				s += feat(r, i) * feat(r, j)
			}
			p.hess[i*m+j] = 2 * s / float64(n)
		}
	}
	return p
}

func TestModelLinearRegressionExact(t *testing.T) {
	ctx := context.Background()
	p := newLinearProblem(1, 60, 5)
	m := p.d + 1
	want, _ := eigenSym(t, m, p.hess)
	slices.Reverse(want)
	var trace float64
	for i := range m {
		trace += p.hess[i*m+i]
	}
	for _, sizes := range [][]int{{60}, {25, 25, 10}, {7, 13, 40}} {
		t.Run(fmt.Sprint("batches ", sizes), func(t *testing.T) {
			op, err := NewModel(p.model, MSE, split(p.x, p.y, nil, sizes...))
			if err != nil {
				t.Fatal(err)
			}
			if op.Dim() != m {
				t.Fatalf("dimension %d, want %d", op.Dim(), m)
			}
			if segs := op.Segments(); len(segs) != 2 || segs[0].Name != "weight" || segs[1].Name != "bias" || segs[1].Offset != p.d {
				t.Fatalf("segments %+v", segs)
			}
			// Every column of H is the closed form's.
			e, col := make([]float64, m), make([]float64, m)
			for j := range m {
				clear(e)
				e[j] = 1
				if err := op.Apply(ctx, e, col); err != nil {
					t.Fatal(err)
				}
				for i := range m {
					if d := math.Abs(col[i] - p.hess[i*m+j]); d > 1e-12*math.Abs(p.hess[0]) {
						t.Fatalf("H[%d,%d] = %.15g, 2AᵀA/N = %.15g", i, j, col[i], p.hess[i*m+j])
					}
				}
			}
			// Top eigenvalues, tightly and with PyHessian's settings.
			for _, cfg := range []PowerConfig{{K: 3, Seed: 2}, {K: 3, Seed: 2, Tol: 1e-12, MaxIter: 3000}} {
				pairs, err := TopEigen(ctx, op, cfg)
				if err != nil {
					t.Fatal(err)
				}
				tol := 1e-3
				if cfg.Tol != 0 {
					tol = 1e-9
				}
				for k, pr := range pairs {
					if e := relErr(pr.Value, want[k], want[0]); e > tol {
						t.Errorf("tol %g: λ%d = %.12g, closed form %.12g (error %.2g of λmax)", cfg.Tol, k+1, pr.Value, want[k], e)
					}
				}
			}
			// Trace: Hutchinson agrees within its standard error; the
			// density's complete run gives every eigenvalue exactly.
			est, err := Trace(ctx, op, TraceConfig{Seed: 3, MaxSamples: 400})
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(est.Value - trace); d > 4*est.StdErr || est.StdErr > 0.1*trace {
				t.Errorf("trace %.6g ± %.3g, closed form %.6g", est.Value, est.StdErr, trace)
			}
			s, err := Density(ctx, op, DensityConfig{Seed: 4})
			if err != nil {
				t.Fatal(err)
			}
			if !s.Complete {
				t.Fatal("the Lanczos run did not span the 6-dimensional space")
			}
			nodes := slices.Clone(s.Nodes[0])
			slices.Reverse(nodes)
			for k := range want {
				if e := relErr(nodes[k], want[k], want[0]); e > 1e-10 {
					t.Errorf("node %d = %.12g, eigenvalue %.12g", k, nodes[k], want[k])
				}
			}
		})
	}
}

// The gradient an Autograd operator reports is the mean loss's, whatever
// the batches.
func TestModelGradientMatchesClosedForm(t *testing.T) {
	p := newLinearProblem(2, 30, 3)
	w, b := p.model.Weight.Value.Data, p.model.Bias.Value.Data[0]
	want := make([]float64, p.d+1)
	var loss float64
	for r := range p.n {
		res := b - p.y.Data[r]
		for j := range p.d {
			res += w[j] * p.x.Data[r*p.d+j]
		}
		loss += res * res / float64(p.n)
		for j := range p.d {
			want[j] += 2 * res * p.x.Data[r*p.d+j] / float64(p.n)
		}
		want[p.d] += 2 * res / float64(p.n)
	}
	for _, sizes := range [][]int{{30}, {10, 20}} {
		op, err := NewModel(p.model, MSE, split(p.x, p.y, nil, sizes...))
		if err != nil {
			t.Fatal(err)
		}
		got := make([]float64, p.d+1)
		l, err := op.Gradient(context.Background(), got)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(l-loss) > 1e-12 {
			t.Errorf("batches %v: loss %.15g, want %.15g", sizes, l, loss)
		}
		for i := range got {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("batches %v: gradient[%d] = %.15g, want %.15g", sizes, i, got[i], want[i])
			}
		}
		// The parameters' own gradient buffers are left alone.
		if slices.ContainsFunc(p.model.Weight.Grad.Data, func(v float64) bool { return v != 0 }) {
			t.Error("Gradient wrote into the parameters' Grad buffers")
		}
	}
}

// tanhMLP is a tiny network whose Hessian is indefinite and dense.
type tanhMLP struct {
	model  *nn.Sequential[float64]
	x      *tensor.Tensor[float64]
	labels []int
}

func newTanhMLP(seed uint64) *tanhMLP {
	rng := rand.New(rand.NewPCG(seed, 2))
	m := &tanhMLP{
		model: nn.NewSequential[float64](
			nn.NewLinear[float64](3, 5, true, rng), nn.NewTanh[float64](),
			nn.NewLinear[float64](5, 3, true, rng),
		),
		x: randTensor(rng, 16, 3),
	}
	for range 16 {
		m.labels = append(m.labels, rng.IntN(3))
	}
	return m
}

// dense returns the Hessian built column by column from autograd's HVPs.
func (m *tanhMLP) dense(t *testing.T) (int, []float64) {
	t.Helper()
	g := autograd.NewGraph[float64]()
	out, err := m.model.Forward(g, g.Input(m.x))
	if err != nil {
		t.Fatal(err)
	}
	loss, err := nn.CrossEntropyLoss[float64]{}.Forward(g, out, m.labels)
	if err != nil {
		t.Fatal(err)
	}
	var params []*autograd.Var[float64]
	for _, p := range m.model.Parameters() {
		params = append(params, p.Var)
	}
	h, err := autograd.Hessian(g, loss, params)
	if err != nil {
		t.Fatal(err)
	}
	return h.Shape[0], h.Data
}

func TestModelTanhMLPAgreesWithDenseHessian(t *testing.T) {
	ctx := context.Background()
	m := newTanhMLP(5)
	n, h := m.dense(t)
	if n != 3*5+5+5*3+3 {
		t.Fatalf("%d parameters", n)
	}
	want, _ := eigenSym(t, n, h) // ascending
	scale := max(math.Abs(want[0]), math.Abs(want[n-1]))
	var trace float64
	for i := range n {
		trace += h[i*n+i]
	}
	for _, sizes := range [][]int{{16}, {5, 11}} {
		t.Run(fmt.Sprint("batches ", sizes), func(t *testing.T) {
			op, err := NewModel(m.model, CrossEntropy, split(m.x, nil, m.labels, sizes...))
			if err != nil {
				t.Fatal(err)
			}
			// Products equal the dense Hessian's.
			rng := rand.New(rand.NewPCG(6, 6))
			v, hv := make([]float64, n), make([]float64, n)
			gaussian(v, rng)
			if err := op.Apply(ctx, v, hv); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if d := math.Abs(hv[i] - dot(h[i*n:(i+1)*n], v)); d > 1e-12*scale*norm(v) {
					t.Fatalf("(Hv)[%d] = %.15g, dense %.15g", i, hv[i], dot(h[i*n:(i+1)*n], v))
				}
			}
			top, err := TopEigen(ctx, op, PowerConfig{K: 3, Seed: 7, Tol: 1e-12, MaxIter: 5000})
			if err != nil {
				t.Fatal(err)
			}
			for k, p := range top {
				if e := relErr(p.Value, want[n-1-k], scale); e > 1e-8 {
					t.Errorf("λ%d = %.12g, dense %.12g", k+1, p.Value, want[n-1-k])
				}
			}
			lo, err := MinEigen(ctx, op, top[0].Value, PowerConfig{Seed: 8, Tol: 1e-14, MaxIter: 20000})
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(lo.Value, want[0], scale); e > 1e-6 {
				t.Errorf("power λmin = %.12g, dense %.12g", lo.Value, want[0])
			}
			k, err := Lanczos(ctx, op, LanczosConfig{Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			// The Krylov space holds one vector of each eigenspace: the Ritz
			// values are the distinct eigenvalues (cross-entropy is blind to
			// a shift of all logits, so 0 is a multiple eigenvalue).
			distinct := slices.CompactFunc(slices.Clone(want), func(a, b float64) bool { return math.Abs(a-b) < 1e-9*scale })
			ritz, _ := k.Ritz()
			if len(ritz) != len(distinct) {
				t.Fatalf("%d Ritz values for %d distinct eigenvalues", len(ritz), len(distinct))
			}
			for i := range ritz {
				if e := relErr(ritz[i].Value, distinct[i], scale); e > 1e-9 {
					t.Errorf("Ritz value %d = %.12g, dense %.12g", i, ritz[i].Value, distinct[i])
				}
			}
			est, err := Trace(ctx, op, TraceConfig{Seed: 10, MaxSamples: 300})
			if err != nil {
				t.Fatal(err)
			}
			if d := math.Abs(est.Value - trace); d > 4*est.StdErr {
				t.Errorf("trace %.6g ± %.3g, dense %.6g", est.Value, est.StdErr, trace)
			}
			res, err := Analyze(ctx, op, Config{Seed: 11, Power: PowerConfig{K: 2}, Density: DensityConfig{Runs: 20}, LR: 0.1})
			if err != nil {
				t.Fatal(err)
			}
			var neg int
			for _, w := range want {
				if w < -res.Threshold {
					neg++
				}
			}
			wantVerdict := Minimum
			if neg > 0 {
				wantVerdict = Saddle
			}
			if res.Verdict != wantVerdict || math.Abs(res.Index-float64(neg)/float64(n)) > 0.1 {
				t.Errorf("verdict %s index %.4f (%s); the dense Hessian has %d of %d eigenvalues below −%.3g", res.Verdict, res.Index, res.Reason, neg, n, res.Threshold)
			}
			if res.Loss == nil || res.GradNorm == nil || *res.GradNorm == 0 {
				t.Error("no loss or gradient norm for a model")
			}
			if e := relErr(res.MaxEigenvalue, want[n-1], scale); e > 1e-9 {
				t.Errorf("λmax %.12g, dense %.12g", res.MaxEigenvalue, want[n-1])
			}
			if s := res.Sharpness; s == nil || math.Abs(s.HalfLRLambda-res.MaxEigenvalue*0.05) > 1e-12 {
				t.Errorf("sharpness %+v", s)
			}
		})
	}
}

// Hand-written models work too: NewAutograd over plain parameters.
func TestAutogradOperatorOnPlainParameters(t *testing.T) {
	// L(w) = Σ wᵢ³ has the Hessian diag(6w).
	w := autograd.NewParam("w", &tensor.Tensor[float64]{Shape: []int{3}, Data: []float64{1, -2, 0.5}})
	op, err := NewAutograd([]*autograd.Var[float64]{w}, 1, func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
		return g.Sum(g.Mul(g.Mul(w, w), w)), 1, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Analyze(context.Background(), op, Config{Power: PowerConfig{K: 3, Tol: 1e-12, MaxIter: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(res.TopEigenvalues, []float64{6, 3, -12}, func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }) {
		t.Errorf("top eigenvalues %v, want [6 3 −12]", res.TopEigenvalues)
	}
	if res.Verdict != Saddle || math.Abs(res.Index-1.0/3) > 1e-12 || math.Abs(res.MinEigenvalue+12) > 1e-9 {
		t.Errorf("verdict %s, index %v, λmin %v", res.Verdict, res.Index, res.MinEigenvalue)
	}
	if res.Trace.Value != -3 {
		t.Errorf("trace %v, want −3 exactly (a diagonal Hessian)", res.Trace.Value)
	}
	if res.Loss == nil || *res.Loss != 1-8+0.125 {
		t.Errorf("loss %v", res.Loss)
	}
}

func TestAutogradErrors(t *testing.T) {
	m := newTanhMLP(1)
	good := split(m.x, nil, m.labels, 16)
	w := autograd.NewParam("w", tensor.Zeros[float64](2))
	loss := func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
		return g.Sum(g.Mul(w, w)), 1, nil
	}
	ctx := context.Background()
	cases := []struct {
		name string
		run  func() error
	}{
		{"no model", func() error { _, err := NewModel(nil, CrossEntropy, good); return err }},
		{"no loss", func() error { _, err := NewModel(m.model, nil, good); return err }},
		{"no batches", func() error { _, err := NewModel(m.model, CrossEntropy, nil); return err }},
		{"empty batch", func() error {
			_, err := NewModel(m.model, CrossEntropy, []Batch{{X: tensor.Zeros[float64](0, 3)}})
			return err
		}},
		{"wrong input width", func() error {
			op, _ := NewModel(m.model, CrossEntropy, []Batch{{X: tensor.Zeros[float64](4, 7), Labels: []int{0, 1, 2, 0}}})
			_, err := TopEigen(ctx, op, PowerConfig{})
			return err
		}},
		{"MSE without targets", func() error {
			op, _ := NewModel(m.model, MSE, good)
			_, err := Trace(ctx, op, TraceConfig{})
			return err
		}},
		{"labels out of range", func() error {
			op, _ := NewModel(m.model, CrossEntropy, []Batch{{X: tensor.Zeros[float64](2, 3), Labels: []int{0, 9}}})
			_, err := Analyze(ctx, op, Config{})
			return err
		}},
		{"no parameters", func() error { _, err := NewAutograd(nil, 1, loss); return err }},
		{"a value, not a parameter", func() error {
			g := autograd.NewGraph[float64]()
			_, err := NewAutograd([]*autograd.Var[float64]{g.Const(1, 2)}, 1, loss)
			return err
		}},
		{"parameter twice", func() error { _, err := NewAutograd([]*autograd.Var[float64]{w, w}, 1, loss); return err }},
		{"zero batches", func() error { _, err := NewAutograd([]*autograd.Var[float64]{w}, 0, loss); return err }},
		{"zero weight", func() error {
			op, _ := NewAutograd([]*autograd.Var[float64]{w}, 2, func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
				return g.Sum(g.Mul(w, w)), 0, nil
			})
			_, err := TopEigen(ctx, op, PowerConfig{})
			return err
		}},
		{"non-scalar loss", func() error {
			op, _ := NewAutograd([]*autograd.Var[float64]{w}, 1, func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
				return g.Mul(w, w), 1, nil
			})
			_, err := TopEigen(ctx, op, PowerConfig{})
			return err
		}},
		{"NaN loss", func() error {
			op, _ := NewAutograd([]*autograd.Var[float64]{w}, 1, func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
				return g.Const(math.NaN()), 1, nil
			})
			_, err := Analyze(ctx, op, Config{})
			return err
		}},
		{"gradient wrong length", func() error {
			op, _ := NewAutograd([]*autograd.Var[float64]{w}, 1, loss)
			_, err := op.Gradient(ctx, make([]float64, 3))
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.run(); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// A product over many batches gives up between batches once the context
// is done.
func TestAutogradCancelledBetweenBatches(t *testing.T) {
	w := autograd.NewParam("w", &tensor.Tensor[float64]{Shape: []int{2}, Data: []float64{1, 2}})
	ctx, cancel := context.WithCancel(context.Background())
	recorded := 0
	op, err := NewAutograd([]*autograd.Var[float64]{w}, 10, func(g *autograd.Graph[float64], i int) (*autograd.Var[float64], float64, error) {
		recorded++
		if i == 2 {
			cancel()
		}
		return g.Sum(g.Mul(w, w)), 1, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = TopEigen(ctx, op, PowerConfig{})
	if !errors.Is(err, context.Canceled) || recorded != 3 {
		t.Errorf("error %v after %d batches, want context.Canceled after 3", err, recorded)
	}
}
