package autograd_test

import (
	"fmt"
	"log"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/tensor"
)

// A parameter's gradient lands in its Grad buffer, where an optimizer
// built on the same slices reads it.
func ExampleGraph_Backward() {
	w := autograd.NewParam("w", &tensor.Tensor[float64]{Shape: []int{1, 2}, Data: []float64{0.5, -1}})
	b := autograd.NewParam("b", &tensor.Tensor[float64]{Shape: []int{1}, Data: []float64{0.25}})
	x := &tensor.Tensor[float64]{Shape: []int{3, 2}, Data: []float64{1, 2, 3, 4, 5, 6}}
	y := &tensor.Tensor[float64]{Shape: []int{3, 1}, Data: []float64{-1, -2, -3}}

	g := autograd.NewGraph[float64]()
	pred := g.Add(g.MatMul(g.Input(x), w, false, true), b) // x·wᵀ + b
	loss := g.MSE(pred, g.Input(y), autograd.ReduceMean)
	if err := g.Backward(loss); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Println("dL/dw", w.Grad.Data)
	fmt.Println("dL/db", b.Grad.Data)
	// Output:
	// loss 0.0625
	// dL/dw [-1.5 -2]
	// dL/db [-0.5]
}

// Mistakes are errors naming the shapes, reported by Err and Backward.
func ExampleGraph_Err() {
	g := autograd.NewGraph[float32]()
	x := g.Input(tensor.Zeros[float32](128, 100))
	w := autograd.NewParam("w", tensor.Zeros[float32](512, 784))
	h := g.ReLU(g.MatMul(x, w, false, true)) // no-op after the error
	fmt.Println(h.Shape(), g.Err())
	// Output:
	// [0] autograd: matmul [128 100]·[512 784]ᵀ: inner dimensions 100 and 784 differ
}

// Grad with CreateGraph returns gradients that can be differentiated
// again: here the first three derivatives of x³ at 2.
func ExampleGraph_Grad() {
	g := autograd.NewGraph[float64]()
	x := autograd.NewParam("x", &tensor.Tensor[float64]{Shape: []int{}, Data: []float64{2}})
	y := g.Mul(g.Mul(x, x), x)
	d1, _ := g.Grad(y, []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})
	d2, _ := g.Grad(d1[0], []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{CreateGraph: true})
	d3, _ := g.Grad(d2[0], []*autograd.Var[float64]{x}, autograd.GradOptions[float64]{})
	fmt.Println(y.Item(), d1[0].Item(), d2[0].Item(), d3[0].Item())
	// Output: 8 12 12 6
}

// The Hessian of linear least squares, ‖Xwᵀ − y‖²/N, is 2XᵀX/N.
func ExampleHessian() {
	x := &tensor.Tensor[float64]{Shape: []int{2, 2}, Data: []float64{1, 2, 3, 4}}
	y := &tensor.Tensor[float64]{Shape: []int{2, 1}, Data: []float64{1, -1}}
	w := autograd.NewParam("w", tensor.Zeros[float64](1, 2))
	g := autograd.NewGraph[float64]()
	loss := g.MSE(g.MatMul(g.Input(x), w, false, true), g.Input(y), autograd.ReduceMean)
	h, err := autograd.Hessian(g, loss, []*autograd.Var[float64]{w})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h)
	// Output: Tensor[2 2][10 14 14 20]
}

// A Hessian-vector product differentiates the recorded backward pass: it
// costs about three times a gradient (see BenchmarkMLPHVP).
func ExampleHVP() {
	w := autograd.NewParam("w", &tensor.Tensor[float64]{Shape: []int{2}, Data: []float64{1, 2}})
	g := autograd.NewGraph[float64]()
	// L = Σ wᵢ³ has the Hessian diag(6w).
	loss := g.Sum(g.Mul(g.Mul(w, w), w))
	h, err := autograd.NewHVP(g, loss, []*autograd.Var[float64]{w})
	if err != nil {
		log.Fatal(err)
	}
	v := []*tensor.Tensor[float64]{{Shape: []int{2}, Data: []float64{1, 1}}}
	hv := []*tensor.Tensor[float64]{tensor.Zeros[float64](2)}
	if err := h.Apply(hv, v); err != nil {
		log.Fatal(err)
	}
	fmt.Println(hv[0].Data)
	// Output: [6 12]
}

// GradCheck compares a function's gradients with finite differences.
func ExampleGradCheck() {
	f := func(g *autograd.Graph[float64], in []*autograd.Var[float64]) *autograd.Var[float64] {
		return g.LayerNorm(g.Tanh(in[0]), []int{4}, nil, nil, 1e-5)
	}
	x := &tensor.Tensor[float64]{Shape: []int{2, 4}, Data: []float64{0.1, -0.4, 0.9, 0.3, -1.2, 0.5, 0.7, -0.1}}
	fmt.Println(autograd.GradCheck(f, []*tensor.Tensor[float64]{x}, autograd.CheckOptions{}))
	fmt.Println(autograd.GradGradCheck(f, []*tensor.Tensor[float64]{x}, autograd.CheckOptions{Eps: 1e-5}))
	// Output:
	// <nil>
	// <nil>
}
