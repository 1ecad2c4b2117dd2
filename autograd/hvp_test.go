package autograd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/tensor"
)

// mlp is a small two-layer network with its data, for Hessian tests.
type mlp struct {
	x       *tensor.Tensor[float64]
	targets []int
	params  []*Var[float64]
	act     func(g *Graph[float64], v *Var[float64]) *Var[float64]
}

func newMLP(seed uint64, act func(g *Graph[float64], v *Var[float64]) *Var[float64]) *mlp {
	rng := rand.New(rand.NewPCG(seed, 11))
	m := &mlp{x: randTensor(rng, false, 6, 4), targets: []int{0, 2, 1, 1, 0, 2}, act: act}
	for i, s := range [][]int{{5, 4}, {5}, {3, 5}, {3}} {
		t := randTensor(rng, false, s...)
		m.params = append(m.params, NewParam(fmt.Sprint("p", i), t))
	}
	return m
}

func (m *mlp) loss(g *Graph[float64]) *Var[float64] {
	p := m.params
	h := m.act(g, g.Add(g.MatMul(g.Input(m.x), p[0], false, true), p[1]))
	return g.CrossEntropy(g.Add(g.MatMul(h, p[2], false, true), p[3]), m.targets, ReduceMean)
}

// flatGrad returns the gradient of the loss at the current parameters.
func (m *mlp) flatGrad(g *Graph[float64]) []float64 {
	g.Reset()
	for _, p := range m.params {
		p.ZeroGrad()
	}
	if err := g.Backward(m.loss(g)); err != nil {
		panic(err)
	}
	var out []float64
	for _, p := range m.params {
		out = append(out, p.Grad.Data...)
	}
	return out
}

// fdHessian returns the Hessian by central differences of gradients.
func fdHessian(params []*Var[float64], grad func() []float64, h float64) [][]float64 {
	var slots []*float64
	for _, p := range params {
		for i := range p.Value.Data {
			slots = append(slots, &p.Value.Data[i])
		}
	}
	n := len(slots)
	hess := make([][]float64, n)
	for i := range hess {
		hess[i] = make([]float64, n)
	}
	for j, s := range slots {
		x := *s
		*s = x + h
		gp := grad()
		*s = x - h
		gm := grad()
		*s = x
		for i := range n {
			hess[i][j] = (gp[i] - gm[i]) / (2 * h)
		}
	}
	return hess
}

func TestHVPMatchesFiniteDifferenceHessian(t *testing.T) {
	acts := []struct {
		name string
		act  func(g *Graph[float64], v *Var[float64]) *Var[float64]
	}{
		{"tanh", (*Graph[float64]).Tanh},
		{"sigmoid", (*Graph[float64]).Sigmoid},
		{"gelu", (*Graph[float64]).GELU},
		{"gelu_tanh", (*Graph[float64]).GELUTanh},
		{"softmax", (*Graph[float64]).Softmax},
		{"relu", (*Graph[float64]).ReLU}, // second derivative 0 a.e.: H is the Gauss-Newton-like part
	}
	for _, a := range acts {
		t.Run(a.name, func(t *testing.T) {
			m := newMLP(3, a.act)
			g := NewGraph[float64]()
			fd := fdHessian(m.params, func() []float64 { return m.flatGrad(g) }, 1e-5)
			g.Reset()
			hess, err := Hessian(g, m.loss(g), m.params)
			if err != nil {
				t.Fatal(err)
			}
			n := len(fd)
			if hess.Shape[0] != n {
				t.Fatalf("Hessian is %v, want %d×%d", hess.Shape, n, n)
			}
			for i := range n {
				for j := range n {
					h := hess.Data[i*n+j]
					if math.Abs(h-fd[i][j]) > 1e-6 {
						t.Fatalf("H[%d,%d] = %.12g, finite differences %.12g", i, j, h, fd[i][j])
					}
					if math.Abs(h-hess.Data[j*n+i]) > 1e-12 {
						t.Fatalf("H not symmetric: H[%d,%d] = %g, H[%d,%d] = %g", i, j, h, j, i, hess.Data[j*n+i])
					}
				}
			}
			// One HVP with a random direction against H_fd·v.
			rng := rand.New(rand.NewPCG(9, 9))
			var v, dst []*tensor.Tensor[float64]
			var flatV []float64
			for _, p := range m.params {
				vi := randTensor(rng, false, p.Value.Shape...)
				v = append(v, vi)
				flatV = append(flatV, vi.Data...)
				dst = append(dst, tensor.Zeros[float64](p.Value.Shape...))
			}
			g.Reset()
			h, err := NewHVP(g, m.loss(g), m.params)
			if err != nil {
				t.Fatal(err)
			}
			if err := h.Apply(dst, v); err != nil {
				t.Fatal(err)
			}
			k := 0
			for _, d := range dst {
				for _, got := range d.Data {
					var want float64
					for j, vj := range flatV {
						want += fd[k][j] * vj
					}
					if math.Abs(got-want) > 1e-5 {
						t.Fatalf("(Hv)[%d] = %.12g, H_fd·v = %.12g", k, got, want)
					}
					k++
				}
			}
		})
	}
}

// For linear regression with the mean squared error, L(w) = ‖Xwᵀ − y‖²/N,
// the Hessian is exactly 2XᵀX/N, whatever w.
func TestHessianLinearRegressionExact(t *testing.T) {
	for _, bias := range []bool{false, true} {
		t.Run(fmt.Sprint("bias=", bias), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(4, 2))
			const n, d = 8, 3
			x := randTensor(rng, false, n, d)
			y := randTensor(rng, false, n, 1)
			w := NewParam("w", randTensor(rng, false, 1, d))
			b := NewParam("b", randTensor(rng, false, 1))
			params := []*Var[float64]{w}
			if bias {
				params = append(params, b)
			}
			g := NewGraph[float64]()
			pred := g.MatMul(g.Input(x), w, false, true)
			if bias {
				pred = g.Add(pred, b)
			}
			hess, err := Hessian(g, g.MSE(pred, g.Input(y), ReduceMean), params)
			if err != nil {
				t.Fatal(err)
			}
			// Closed form over the features (and a column of ones for b).
			m := d
			if bias {
				m++
			}
			feat := func(r, c int) float64 {
				if c == d {
					return 1
				}
				return x.Data[r*d+c]
			}
			for i := range m {
				for j := range m {
					var want float64
					for r := range n {
						want += feat(r, i) * feat(r, j)
					}
					want *= 2.0 / n
					if got := hess.Data[i*m+j]; math.Abs(got-want) > 1e-12 {
						t.Errorf("H[%d,%d] = %.15g, 2XᵀX/N = %.15g", i, j, got, want)
					}
				}
			}
		})
	}
}

// The same Hessian in float32 is close to float64's.
func TestHessianFloat32(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	x64 := randTensor(rng, false, 6, 3)
	w64 := randTensor(rng, false, 2, 3)
	to32 := func(t *tensor.Tensor[float64]) *tensor.Tensor[float32] {
		o := tensor.Zeros[float32](t.Shape...)
		for i, v := range t.Data {
			o.Data[i] = float32(v)
		}
		return o
	}
	g64 := NewGraph[float64]()
	p64 := NewParam("w", w64.Clone())
	h64, err := Hessian(g64, g64.CrossEntropy(g64.Tanh(g64.MatMul(g64.Input(x64), p64, false, true)), []int{0, 1, 1, 0, 1, 0}, ReduceMean), []*Var[float64]{p64})
	if err != nil {
		t.Fatal(err)
	}
	g32 := NewGraph[float32]()
	p32 := NewParam("w", to32(w64))
	h32, err := Hessian(g32, g32.CrossEntropy(g32.Tanh(g32.MatMul(g32.Input(to32(x64)), p32, false, true)), []int{0, 1, 1, 0, 1, 0}, ReduceMean), []*Var[float32]{p32})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range h64.Data {
		if math.Abs(float64(h32.Data[i])-v) > 1e-5 {
			t.Fatalf("float32 H[%d] = %v, float64 %v", i, h32.Data[i], v)
		}
	}
}

// Gradients of gradients of gradients: the third derivative of a cubic
// through two create-graph passes.
func TestThirdDerivative(t *testing.T) {
	g := NewGraph[float64]()
	x := NewParam("x", &tensor.Tensor[float64]{Shape: []int{1}, Data: []float64{1.5}})
	y := g.Sum(g.Mul(g.Mul(x, x), g.GELU(x))) // x²·gelu(x)
	d1, err := g.Grad(y, []*Var[float64]{x}, GradOptions[float64]{CreateGraph: true})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := g.Grad(g.Sum(d1[0]), []*Var[float64]{x}, GradOptions[float64]{CreateGraph: true})
	if err != nil {
		t.Fatal(err)
	}
	d3, err := g.Grad(g.Sum(d2[0]), []*Var[float64]{x}, GradOptions[float64]{})
	if err != nil {
		t.Fatal(err)
	}
	// Numeric third derivative from the analytic second.
	second := func(v float64) float64 {
		// (x²f)'' = 2f + 4xf' + x²f''
		return 2*geluDeriv(0, v) + 4*v*geluDeriv(1, v) + v*v*geluDeriv(2, v)
	}
	h := 1e-5
	want := (second(1.5+h) - second(1.5-h)) / (2 * h)
	if got := d3[0].Item(); math.Abs(got-want) > 1e-6 {
		t.Fatalf("third derivative = %v, want %v", got, want)
	}
	if got, w2 := d2[0].Item(), second(1.5); math.Abs(got-w2) > 1e-12 {
		t.Fatalf("second derivative = %v, want %v", got, w2)
	}
}
