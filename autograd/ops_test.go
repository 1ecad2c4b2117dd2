package autograd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/tensor"
)

// randTensor returns a tensor of the given shape with elements uniform in
// [-1, 1) (or in [0.5, 1.5) when positive).
func randTensor(rng *rand.Rand, positive bool, shape ...int) *tensor.Tensor[float64] {
	t := tensor.Zeros[float64](shape...)
	for i := range t.Data {
		if positive {
			t.Data[i] = 0.5 + rng.Float64()
		} else {
			t.Data[i] = rng.Float64()*2 - 1
		}
	}
	return t
}

type opCase struct {
	name     string
	shapes   [][]int
	positive bool // inputs in [0.5, 1.5)
	f        Func
	noGrad2  bool // skip the Hessian-vector check
}

var (
	win3s2p1 = tensor.Window{KH: 3, KW: 3, SH: 2, SW: 2, PH: 1, PW: 1}
	win2     = tensor.Window{KH: 2, KW: 2, SH: 2, SW: 2}
)

func opCases() []opCase {
	// x·y for a second-derivative signal on linear ops.
	sq := func(g *Graph[float64], v *Var[float64]) *Var[float64] { return g.Mul(v, v) }
	return []opCase{
		{name: "matmul", shapes: [][]int{{3, 4}, {4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MatMul(in[0], in[1], false, false))
		}},
		{name: "matmul_tB", shapes: [][]int{{3, 4}, {5, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MatMul(in[0], in[1], false, true))
		}},
		{name: "matmul_tA", shapes: [][]int{{4, 3}, {4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MatMul(in[0], in[1], true, false))
		}},
		{name: "matmul_tAtB", shapes: [][]int{{4, 3}, {5, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MatMul(in[0], in[1], true, true))
		}},
		{name: "matmul_3d", shapes: [][]int{{2, 3, 4}, {5, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MatMul(in[0], in[1], false, true))
		}},
		{name: "add", shapes: [][]int{{3, 4}, {3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Add(in[0], in[1]))
		}},
		{name: "add_row", shapes: [][]int{{3, 4}, {4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Add(in[0], in[1]))
		}},
		{name: "add_channel", shapes: [][]int{{2, 3, 2, 2}, {1, 3, 1, 1}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Add(in[0], in[1]))
		}},
		{name: "sub_column", shapes: [][]int{{3, 4}, {3, 1}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Sub(in[0], in[1]))
		}},
		{name: "sub_scalar", shapes: [][]int{{3, 4}, {}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Sub(in[0], in[1]))
		}},
		{name: "mul", shapes: [][]int{{3, 4}, {3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Mul(in[0], in[1])
		}},
		{name: "mul_row", shapes: [][]int{{2, 3, 4}, {3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Mul(in[0], in[1]))
		}},
		{name: "div", shapes: [][]int{{3, 4}, {4}}, positive: true, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Div(in[0], in[1])
		}},
		{name: "scale_addscalar_neg", shapes: [][]int{{5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Neg(g.AddScalar(g.Scale(in[0], 2.5), 0.3)))
		}},
		{name: "sum", shapes: [][]int{{3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Sum(in[0]))
		}},
		{name: "mean", shapes: [][]int{{3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Mean(in[0]))
		}},
		{name: "sum_to_row", shapes: [][]int{{3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.SumTo(in[0], 4))
		}},
		{name: "sum_to_channel", shapes: [][]int{{2, 3, 2, 2}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.SumTo(in[0], 1, 3, 1, 1))
		}},
		{name: "mean_to_column", shapes: [][]int{{3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MeanTo(in[0], 3, 1))
		}},
		{name: "expand", shapes: [][]int{{1, 3, 1}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Expand(in[0], 2, 3, 4))
		}},
		{name: "reshape_flatten", shapes: [][]int{{2, 3, 2}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Flatten(g.Reshape(in[0], 2, -1, 3)))
		}},
		{name: "relu", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.ReLU(in[0]))
		}},
		{name: "leaky_relu", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.LeakyReLU(in[0], 0.1))
		}},
		{name: "sigmoid", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Sigmoid(g.Scale(in[0], 3))
		}},
		{name: "tanh", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Tanh(g.Scale(in[0], 2))
		}},
		{name: "gelu", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.GELU(g.Scale(in[0], 3))
		}},
		{name: "gelu_tanh", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.GELUTanh(g.Scale(in[0], 3))
		}},
		{name: "exp", shapes: [][]int{{4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Exp(in[0])
		}},
		{name: "log", shapes: [][]int{{4}}, positive: true, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Log(in[0])
		}},
		{name: "reciprocal", shapes: [][]int{{4}}, positive: true, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Reciprocal(in[0])
		}},
		{name: "sqrt", shapes: [][]int{{4}}, positive: true, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Sqrt(in[0])
		}},
		{name: "rsqrt", shapes: [][]int{{4}}, positive: true, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Rsqrt(in[0])
		}},
		{name: "softmax", shapes: [][]int{{3, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.Softmax(g.Scale(in[0], 2))
		}},
		{name: "log_softmax", shapes: [][]int{{3, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.LogSoftmax(g.Scale(in[0], 2))
		}},
		{name: "conv2d", shapes: [][]int{{2, 2, 5, 5}, {3, 2, 3, 3}, {3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Conv2d(in[0], in[1], in[2], tensor.Window{}))
		}},
		{name: "conv2d_stride_pad", shapes: [][]int{{1, 2, 5, 5}, {2, 2, 3, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Conv2d(in[0], in[1], nil, win3s2p1))
		}},
		{name: "maxpool", shapes: [][]int{{2, 2, 4, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MaxPool2d(in[0], win2))
		}},
		{name: "maxpool_3s2p1", shapes: [][]int{{1, 2, 5, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.MaxPool2d(in[0], win3s2p1))
		}},
		{name: "avgpool_pad", shapes: [][]int{{1, 2, 5, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.AvgPool2d(in[0], win3s2p1))
		}},
		{name: "layer_norm", shapes: [][]int{{3, 2, 4}, {2, 4}, {2, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.LayerNorm(in[0], []int{2, 4}, in[1], in[2], 1e-5)
		}},
		{name: "batch_norm_train_2d", shapes: [][]int{{3, 2, 2, 2}, {2}, {2}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.BatchNorm(in[0], in[1], in[2], nil, nil, BatchNormOptions{Train: true, Eps: 1e-5})
		}},
		{name: "batch_norm_train_1d", shapes: [][]int{{5, 3}, {3}, {3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.BatchNorm(in[0], in[1], in[2], nil, nil, BatchNormOptions{Train: true, Eps: 1e-5})
		}},
		{name: "batch_norm_eval", shapes: [][]int{{5, 3}, {3}, {3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			rm := &tensor.Tensor[float64]{Shape: []int{3}, Data: []float64{0.1, -0.2, 0.3}}
			rv := &tensor.Tensor[float64]{Shape: []int{3}, Data: []float64{0.5, 1.5, 2}}
			return sq(g, g.BatchNorm(in[0], in[1], in[2], rm, rv, BatchNormOptions{Eps: 1e-5}))
		}},
		{name: "embedding", shapes: [][]int{{5, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Embedding(in[0], []int{1, 4, 4, 0, 1, 2}, 2, 3))
		}},
		{name: "pick", shapes: [][]int{{3, 4}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Pick(in[0], []int{3, 0, 2}))
		}},
		{name: "dropout", shapes: [][]int{{4, 5}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return sq(g, g.Dropout(in[0], 0.3, rand.New(rand.NewPCG(1, 2))))
		}},
		{name: "cross_entropy_mean", shapes: [][]int{{4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.CrossEntropy(g.Scale(in[0], 2), []int{0, 2, 1, 2}, ReduceMean)
		}},
		{name: "cross_entropy_sum", shapes: [][]int{{4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.CrossEntropy(in[0], []int{0, 2, 1, 2}, ReduceSum)
		}},
		{name: "cross_entropy_none", shapes: [][]int{{4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.CrossEntropy(in[0], []int{0, 2, 1, 2}, ReduceNone)
		}},
		{name: "nll", shapes: [][]int{{4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.NLL(g.LogSoftmax(in[0]), []int{1, 1, 0, 2}, ReduceMean)
		}},
		{name: "mse_mean", shapes: [][]int{{4, 3}, {4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.MSE(in[0], in[1], ReduceMean)
		}},
		{name: "mse_sum", shapes: [][]int{{4, 3}, {4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.MSE(in[0], in[1], ReduceSum)
		}},
		{name: "bce_with_logits", shapes: [][]int{{4, 3}, {4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.BCEWithLogits(g.Scale(in[0], 3), in[1], ReduceMean)
		}},
		{name: "bce_with_logits_sum", shapes: [][]int{{4, 3}, {4, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			return g.BCEWithLogits(in[0], in[1], ReduceSum)
		}},
		{name: "shared_operand", shapes: [][]int{{3, 3}}, f: func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
			// in[0] feeds several operations; gradients must add up.
			h := g.Tanh(g.MatMul(in[0], in[0], false, true))
			return g.Add(g.Mul(h, in[0]), g.Sigmoid(in[0]))
		}},
	}
}

func TestGradCheck(t *testing.T) {
	for _, c := range opCases() {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(len(c.name))))
			var inputs []*tensor.Tensor[float64]
			for _, s := range c.shapes {
				inputs = append(inputs, randTensor(rng, c.positive, s...))
			}
			if err := GradCheck(c.f, inputs, CheckOptions{Seed: 3}); err != nil {
				t.Fatal(err)
			}
			if c.noGrad2 {
				return
			}
			if err := GradGradCheck(c.f, inputs, CheckOptions{Seed: 5, Eps: 1e-5}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGradCheckCatchesWrongGradient makes sure the checker is not
// vacuous: a function whose recorded backward disagrees with its value
// must fail.
func TestGradCheckCatchesWrongGradient(t *testing.T) {
	f := func(g *Graph[float64], in []*Var[float64]) *Var[float64] {
		y := g.Mul(in[0], in[0])
		// Change the value behind the graph's back: the gradient no longer
		// matches.
		for i := range y.Value.Data {
			y.Value.Data[i] += in[0].Value.Data[i] * in[0].Value.Data[i] * in[0].Value.Data[i]
		}
		return y
	}
	rng := rand.New(rand.NewPCG(1, 1))
	err := GradCheck(f, []*tensor.Tensor[float64]{randTensor(rng, true, 3)}, CheckOptions{})
	if _, ok := err.(*CheckError); !ok {
		t.Fatalf("GradCheck = %v, want a *CheckError", err)
	}
}

func TestGELUDerivatives(t *testing.T) {
	// Each derivative against central differences of the one below.
	for _, f := range []fnKind{fnGELU, fnGELUTanh} {
		top := 4
		if f == fnGELUTanh {
			top = maxOrderGELUTanh
		}
		for k := 1; k <= top; k++ {
			for _, x := range []float64{-3, -1.2, -0.3, 0, 0.4, 1.7, 2.5} {
				h := 1e-5
				num := (evalFn(f, k-1, x+h) - evalFn(f, k-1, x-h)) / (2 * h)
				if got := evalFn(f, k, x); math.Abs(got-num) > 1e-6*(1+math.Abs(num)) {
					t.Errorf("fn %d derivative %d at %v = %v, numeric %v", f, k, x, got, num)
				}
			}
		}
	}
}
