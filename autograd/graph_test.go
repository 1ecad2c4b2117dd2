package autograd

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/descent-ml/descent/tensor"
)

func TestErrors(t *testing.T) {
	other := NewGraph[float64]()
	cases := []struct {
		name  string
		run   func(g *Graph[float64]) *Var[float64]
		want  []string // substrings of the error
		shape bool     // wraps ErrShape
		stale bool     // wraps ErrStale
	}{
		{"matmul", func(g *Graph[float64]) *Var[float64] {
			return g.MatMul(g.Const(1, 128, 100), g.Const(1, 512, 784), false, true)
		}, []string{"[128 100]", "[512 784]ᵀ", "100", "784"}, true, false},
		{"matmul_rank", func(g *Graph[float64]) *Var[float64] {
			return g.MatMul(g.Const(1, 3), g.Const(1, 3, 2), false, false)
		}, []string{"[3]", "rank 2"}, true, false},
		{"add_broadcast", func(g *Graph[float64]) *Var[float64] {
			return g.Add(g.Const(1, 3, 4), g.Const(1, 3))
		}, []string{"[3]", "[3 4]"}, true, false},
		{"mul_noncontiguous", func(g *Graph[float64]) *Var[float64] {
			return g.Mul(g.Const(1, 2, 3, 4), g.Const(1, 2, 1, 4))
		}, []string{"[2 1 4]", "[2 3 4]"}, true, false},
		{"const_negative", func(g *Graph[float64]) *Var[float64] { return g.Const(1, 2, -3) }, []string{"[2 -3]"}, true, false},
		{"expand_negative", func(g *Graph[float64]) *Var[float64] { return g.Expand(g.Const(1, 1), -1, 1) }, []string{"[-1 1]"}, true, false},
		{"embedding_shape", func(g *Graph[float64]) *Var[float64] {
			return g.Embedding(g.Const(1, 5, 3), []int{1, 2}, -1, -2)
		}, []string{"[-1 -2]"}, true, false},
		{"sum_to", func(g *Graph[float64]) *Var[float64] { return g.SumTo(g.Const(1, 3, 4), 3) }, []string{"[3 4]", "[3]"}, true, false},
		{"expand", func(g *Graph[float64]) *Var[float64] { return g.Expand(g.Const(1, 2), 3, 4) }, []string{"[2]", "[3 4]"}, true, false},
		{"reshape", func(g *Graph[float64]) *Var[float64] { return g.Reshape(g.Const(1, 3, 4), 5, -1) }, []string{"[3 4]", "[5 -1]"}, true, false},
		{"conv_channels", func(g *Graph[float64]) *Var[float64] {
			return g.Conv2d(g.Const(1, 1, 2, 5, 5), g.Const(1, 4, 3, 3, 3), nil, tensor.Window{})
		}, []string{"[1 2 5 5]", "[4 3 3 3]"}, true, false},
		{"conv_bias", func(g *Graph[float64]) *Var[float64] {
			return g.Conv2d(g.Const(1, 1, 3, 5, 5), g.Const(1, 4, 3, 3, 3), g.Const(0, 3), tensor.Window{})
		}, []string{"bias [3]", "[4]"}, true, false},
		{"pool_rank", func(g *Graph[float64]) *Var[float64] { return g.MaxPool2d(g.Const(1, 4, 4), win2) }, []string{"[4 4]"}, true, false},
		{"pool_window", func(g *Graph[float64]) *Var[float64] {
			return g.AvgPool2d(g.Const(1, 1, 1, 2, 2), tensor.Window{KH: 3, KW: 3})
		}, []string{"[1 1 2 2]"}, true, false},
		{"embedding_id", func(g *Graph[float64]) *Var[float64] {
			return g.Embedding(g.Const(1, 5, 3), []int{1, 5})
		}, []string{"id 5", "5 rows"}, false, false},
		{"cross_entropy_target", func(g *Graph[float64]) *Var[float64] {
			return g.CrossEntropy(g.Const(1, 2, 3), []int{0, 3}, ReduceMean)
		}, []string{"target 3", "3 classes"}, false, false},
		{"cross_entropy_count", func(g *Graph[float64]) *Var[float64] {
			return g.CrossEntropy(g.Const(1, 2, 3), []int{0}, ReduceMean)
		}, []string{"[2 3]", "1 targets"}, true, false},
		{"mse_shape", func(g *Graph[float64]) *Var[float64] {
			return g.MSE(g.Const(1, 2, 3), g.Const(1, 3, 2), ReduceSum)
		}, []string{"[2 3]", "[3 2]"}, true, false},
		{"layer_norm", func(g *Graph[float64]) *Var[float64] {
			return g.LayerNorm(g.Const(1, 2, 3), []int{4}, nil, nil, 1e-5)
		}, []string{"[4]", "[2 3]"}, true, false},
		{"batch_norm_one_value", func(g *Graph[float64]) *Var[float64] {
			return g.BatchNorm(g.Const(1, 1, 3), nil, nil, nil, nil, BatchNormOptions{Train: true})
		}, []string{"[1 3]", "more than one value"}, true, false},
		{"dropout_p", func(g *Graph[float64]) *Var[float64] {
			return g.Dropout(g.Const(1, 3), 1.5, rand.New(rand.NewPCG(1, 1)))
		}, []string{"1.5"}, false, false},
		{"nil_operand", func(g *Graph[float64]) *Var[float64] { return g.ReLU(nil) }, []string{"relu", "nil"}, false, false},
		{"other_graph", func(g *Graph[float64]) *Var[float64] {
			other.Reset()
			return g.Tanh(other.Const(1, 2))
		}, []string{"tanh"}, false, true},
		{"stale", func(g *Graph[float64]) *Var[float64] {
			x := g.Const(1, 2)
			g.Reset()
			return g.Sigmoid(x)
		}, []string{"sigmoid", "before Reset"}, false, true},
		{"gelu_tanh_third", func(g *Graph[float64]) *Var[float64] {
			x := NewParam("x", tensor.Full[float64](0.3, 1))
			d1, _ := g.Grad(g.Sum(g.GELUTanh(x)), []*Var[float64]{x}, GradOptions[float64]{CreateGraph: true})
			d2, _ := g.Grad(g.Sum(d1[0]), []*Var[float64]{x}, GradOptions[float64]{CreateGraph: true})
			d3, _ := g.Grad(g.Sum(d2[0]), []*Var[float64]{x}, GradOptions[float64]{})
			if d3 != nil {
				return d3[0]
			}
			return &g.poison
		}, []string{"derivative 3"}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewGraph[float64]()
			y := c.run(g)
			err := g.Err()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if got := errors.Is(err, ErrShape); got != c.shape {
				t.Errorf("errors.Is(%v, ErrShape) = %v", err, got)
			}
			if c.shape && !errors.Is(err, tensor.ErrShape) {
				t.Errorf("%v does not wrap tensor.ErrShape", err)
			}
			if got := errors.Is(err, ErrStale); got != c.stale {
				t.Errorf("errors.Is(%v, ErrStale) = %v", err, got)
			}
			// Later operations are no-ops; Backward reports the error.
			if z := g.Exp(g.Const(1, 2)); z.Value.Len() != 0 {
				t.Errorf("an operation after the error computed %v", z.Value.Shape)
			}
			if y == nil {
				t.Fatal("nil result")
			}
			if err2 := g.Backward(y); err2 != err {
				t.Errorf("Backward = %v, want %v", err2, err)
			}
			g.Reset()
			if g.Err() != nil {
				t.Error("Reset kept the error")
			}
			if g.Tanh(y); !errors.Is(g.Err(), ErrStale) {
				t.Errorf("using the failed result after Reset: %v, want ErrStale", g.Err())
			}
		})
	}
}

func TestBackwardErrors(t *testing.T) {
	g := NewGraph[float64]()
	w := NewParam("w", tensor.Full[float64](1, 2, 3))
	y := g.Scale(w, 2)
	if err := g.Backward(y); err == nil || !strings.Contains(err.Error(), "[2 3]") {
		t.Errorf("Backward of a matrix: %v", err)
	}
	if err := g.BackwardWith(y, tensor.Zeros[float64](5)); err == nil || !strings.Contains(err.Error(), "[5]") {
		t.Errorf("BackwardWith a wrong-sized gradient: %v", err)
	}
	if _, err := g.Grad(y, []*Var[float64]{w}, GradOptions[float64]{}); err == nil {
		t.Error("Grad of a matrix without a seed succeeded")
	}
	if err := g.Backward(nil); err == nil {
		t.Error("Backward(nil) succeeded")
	}
}

// Gradients accumulate in Grad across Backward calls until zeroed, as
// PyTorch's .grad does; Grad leaves them alone.
func TestGradAccumulates(t *testing.T) {
	w := NewParam("w", &tensor.Tensor[float64]{Shape: []int{2}, Data: []float64{1, 2}})
	g := NewGraph[float64]()
	for range 2 {
		g.Reset()
		if err := g.Backward(g.Sum(g.Mul(w, w))); err != nil {
			t.Fatal(err)
		}
	}
	if w.Grad.Data[0] != 4 || w.Grad.Data[1] != 8 {
		t.Fatalf("accumulated gradient %v, want [4 8]", w.Grad.Data)
	}
	g.Reset()
	got, err := g.Grad(g.Sum(g.Mul(w, w)), []*Var[float64]{w}, GradOptions[float64]{})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Value.Data[1] != 4 || w.Grad.Data[1] != 8 {
		t.Fatalf("Grad = %v, Grad buffer %v", got[0].Value.Data, w.Grad.Data)
	}
	w.ZeroGrad()
	if w.Grad.Data[0] != 0 {
		t.Fatal("ZeroGrad left", w.Grad.Data)
	}
}

// Grad reaches values inside the graph, and a parameter the output does
// not depend on gets zero.
func TestGradOfIntermediate(t *testing.T) {
	x := NewParam("x", &tensor.Tensor[float64]{Shape: []int{3}, Data: []float64{1, -2, 3}})
	unused := NewParam("u", tensor.Full[float64](5, 2))
	g := NewGraph[float64]()
	h := g.Scale(x, 2)
	y := g.Sum(g.Mul(h, h)) // Σ(2x)²
	got, err := g.Grad(y, []*Var[float64]{h, x, unused}, GradOptions[float64]{})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float64{4, -8, 12} { // dy/dh = 2h
		if got[0].Value.Data[i] != want || got[1].Value.Data[i] != 2*want {
			t.Fatalf("dy/dh = %v, dy/dx = %v", got[0].Value.Data, got[1].Value.Data)
		}
	}
	if got[2].Value.Data[0] != 0 || got[2].Value.Len() != 2 {
		t.Fatalf("gradient of an unused parameter %v", got[2].Value)
	}
}

func TestSetGradEnabled(t *testing.T) {
	w := NewParam("w", tensor.Full[float64](1, 2))
	g := NewGraph[float64]()
	prev := g.SetGradEnabled(false)
	y := g.Sum(g.Tanh(w))
	if !prev || g.Len() != 0 || y.RequiresGrad() {
		t.Fatalf("recorded %d operations with gradients off", g.Len())
	}
	if err := g.Backward(y); err != nil || w.Grad.Data[0] != 0 {
		t.Fatalf("Backward without a tape: %v, grad %v", err, w.Grad.Data)
	}
	g.SetGradEnabled(true)
	g.Reset()
	if y := g.Sum(g.Tanh(w)); !y.RequiresGrad() || g.Len() != 2 {
		t.Fatalf("recorded %d operations with gradients on", g.Len())
	}
}

// A row-sparse parameter gets the rows looked up and their gradients from
// Backward, and no dense gradient; Grad returns it dense.
func TestRowSparseEmbedding(t *testing.T) {
	w := NewParam("emb", &tensor.Tensor[float64]{Shape: []int{4, 2}, Data: []float64{0, 1, 2, 3, 4, 5, 6, 7}})
	w.RowSparse = true
	g := NewGraph[float64]()
	y := g.Embedding(w, []int{3, 1, 3})
	if err := g.Backward(g.Sum(g.Scale(y, 2))); err != nil {
		t.Fatal(err)
	}
	if got := w.Sparse.Rows; len(got) != 3 || got[0] != 3 || got[1] != 1 || got[2] != 3 {
		t.Fatalf("sparse rows %v", got)
	}
	for _, v := range w.Sparse.Values {
		if v != 2 {
			t.Fatalf("sparse values %v", w.Sparse.Values)
		}
	}
	for _, v := range w.Grad.Data {
		if v != 0 {
			t.Fatalf("dense gradient %v of a row-sparse parameter", w.Grad.Data)
		}
	}
	g.Reset()
	d, err := g.Grad(g.Sum(g.Embedding(w, []int{3, 1, 3})), []*Var[float64]{w}, GradOptions[float64]{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0, 1, 1, 0, 0, 2, 2}; !equal(d[0].Value.Data, want) {
		t.Fatalf("dense Grad %v, want %v", d[0].Value.Data, want)
	}
	w.ZeroGrad()
	if len(w.Sparse.Rows) != 0 {
		t.Fatal("ZeroGrad kept sparse rows")
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// net exercises most operations in one network, for either precision.
func net[T tensor.Float](g *Graph[T], x *Var[T], ps []*Var[T]) *Var[T] {
	h := g.Conv2d(x, ps[0], ps[1], tensor.Window{PH: 1, PW: 1})
	h = g.BatchNorm(h, ps[2], ps[3], nil, nil, BatchNormOptions{Train: true, Eps: 1e-5})
	h = g.GELU(h)
	h = g.MaxPool2d(h, win2)
	h = g.AvgPool2d(h, tensor.Window{KH: 2, KW: 2})
	h = g.Flatten(h)
	h = g.LayerNorm(h, []int{6}, ps[4], ps[5], 1e-5)
	h = g.Add(g.MatMul(h, ps[6], false, true), ps[7])
	h = g.Mul(g.Tanh(h), g.Sigmoid(h))
	return g.CrossEntropy(g.Add(g.LeakyReLU(h, 0.1), g.Softmax(h)), []int{0, 2, 1}, ReduceMean)
}

// The float32 path (SIMD kernels, fused backward rules) computes the same
// gradients as float64 to float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	shapes := [][]int{{6, 2, 3, 3}, {6}, {6}, {6}, {6}, {6}, {3, 6}, {3}}
	x64 := randTensor(rng, false, 3, 2, 4, 4)
	var p64 []*Var[float64]
	var p32 []*Var[float32]
	for _, s := range shapes {
		v := randTensor(rng, false, s...)
		p64 = append(p64, NewParam("p", v))
		p32 = append(p32, NewParam("p", to32(v)))
	}
	g64, g32 := NewGraph[float64](), NewGraph[float32]()
	l64 := net(g64, g64.Input(x64), p64)
	l32 := net(g32, g32.Input(to32(x64)), p32)
	if err := g64.Backward(l64); err != nil {
		t.Fatal(err)
	}
	if err := g32.Backward(l32); err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(l32.Item()) - l64.Item()); d > 1e-5 {
		t.Fatalf("loss %v in float32, %v in float64", l32.Item(), l64.Item())
	}
	for i := range p64 {
		scale := 0.0
		for _, v := range p64[i].Grad.Data {
			scale = max(scale, math.Abs(v))
		}
		for j, v := range p64[i].Grad.Data {
			if d := math.Abs(float64(p32[i].Grad.Data[j]) - v); d > 1e-4*(scale+1e-3) {
				t.Fatalf("parameter %d element %d: gradient %v in float32, %v in float64", i, j, p32[i].Grad.Data[j], v)
			}
		}
	}
}

func to32(t *tensor.Tensor[float64]) *tensor.Tensor[float32] {
	o := tensor.Zeros[float32](t.Shape...)
	for i, v := range t.Data {
		o.Data[i] = float32(v)
	}
	return o
}

// The network of TestFloat32MatchesFloat64 passes the gradient checks too.
func TestGradCheckNetwork(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	shapes := [][]int{{3, 2, 4, 4}, {6, 2, 3, 3}, {6}, {6}, {6}, {6}, {6}, {3, 6}, {3}}
	var inputs []*tensor.Tensor[float64]
	for _, s := range shapes {
		inputs = append(inputs, randTensor(rng, false, s...))
	}
	f := func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
		return net(g, in[0], in[1:])
	}
	if err := GradCheck(f, inputs, CheckOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		return
	}
	if err := GradGradCheck(f, inputs, CheckOptions{Seed: 2, Eps: 1e-5}); err != nil {
		t.Fatal(err)
	}
}
