package hessian_test

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"

	"github.com/descent-ml/descent/hessian"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/surface"
	"github.com/descent-ml/descent/tensor"
)

// The origin of x² − y² is a saddle: one of its two eigenvalues is
// negative, so the index is ½.
func ExampleAnalyze() {
	fn, err := surface.New("saddle")
	if err != nil {
		log.Fatal(err)
	}
	op, err := hessian.FromSurface(fn, []float64{0, 0})
	if err != nil {
		log.Fatal(err)
	}
	res, err := hessian.Analyze(context.Background(), op, hessian.Config{LR: 0.1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("verdict %s, index %.2f\n", res.Verdict, res.Index)
	fmt.Printf("λmin %.4f, λmax %.4f, trace %.4f ± %.4f\n", res.MinEigenvalue, res.MaxEigenvalue, res.Trace.Value, res.Trace.StdErr)
	fmt.Printf("sharpness λmax·lr/2 = %.2f against the edge 2/lr = %.0f: %s\n", res.Sharpness.HalfLRLambda, res.Sharpness.Edge, res.Sharpness.Regime)
	// Output:
	// verdict saddle, index 0.50
	// λmin -2.0000, λmax 2.0000, trace 0.0000 ± 0.0000
	// sharpness λmax·lr/2 = 0.10 against the edge 2/lr = 20: below-edge
}

// Power iteration with deflation finds the largest eigenvalues one after
// another, even when the negative end of the spectrum dominates (the
// first pair's products include those that found −9 and deflated it).
// PyHessian's tolerance leaves residuals of a few percent; the
// eigenvalues, second-order in them, are good to about 1e-3.
func ExampleTopEigen() {
	op, err := hessian.NewDense(4, []float64{
		5, 0, 0, 0,
		0, 3, 0, 0,
		0, 0, 1, 0,
		0, 0, 0, -9,
	})
	if err != nil {
		log.Fatal(err)
	}
	top, err := hessian.TopEigen(context.Background(), op, hessian.PowerConfig{K: 2})
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range top {
		fmt.Printf("%.2f (residual %.1f, %d products)\n", p.Value, p.Residual, p.Iterations)
	}
	// Output:
	// 5.00 (residual 0.2, 18 products)
	// 3.00 (residual 0.1, 5 products)
}

// The Hessian of linear least squares with the mean squared error is
// 2XᵀX/N; here X's two columns are orthogonal with squared norms 4 and 1
// over N = 4 samples, and the bias adds a column of ones.
func ExampleNewModel() {
	model := nn.NewLinear[float64](2, 1, true, rand.New(rand.NewPCG(1, 2)))
	x := &tensor.Tensor[float64]{Shape: []int{4, 2}, Data: []float64{
		1, 0.5,
		1, -0.5,
		-1, 0.5,
		-1, -0.5,
	}}
	y := &tensor.Tensor[float64]{Shape: []int{4, 1}, Data: []float64{1, 2, 3, 4}}
	op, err := hessian.NewModel(model, hessian.MSE, []hessian.Batch{{X: x, Y: y}})
	if err != nil {
		log.Fatal(err)
	}
	res, err := hessian.Analyze(context.Background(), op, hessian.Config{Power: hessian.PowerConfig{K: 3, Tol: 1e-10, MaxIter: 1000}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d parameters: %v\n", res.Dim, op.Segments()[0].Shape)
	fmt.Printf("top eigenvalues %.4f\n", res.TopEigenvalues)
	fmt.Printf("trace %.4f, verdict %s, loss %.4f\n", res.Trace.Value, res.Verdict, *res.Loss)
	// Output:
	// 3 parameters: [1 2]
	// top eigenvalues [2.0000 2.0000 0.5000]
	// trace 4.5000, verdict minimum, loss 7.9745
}

// With as many Lanczos steps as dimensions, the quadrature's nodes are
// the eigenvalues and its weights how much of the start vector lies along
// each.
func ExampleDensity() {
	op, err := hessian.NewDense(3, []float64{
		2, 1, 0,
		1, 2, 0,
		0, 0, -1,
	})
	if err != nil {
		log.Fatal(err)
	}
	s, err := hessian.Density(context.Background(), op, hessian.DensityConfig{Runs: 1, Seed: 3})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nodes %.4f\n", s.Nodes[0])
	fmt.Printf("fraction of eigenvalues below 0: %.4f\n", s.MassBelow(0))
	// Output:
	// nodes [-1.0000 1.0000 3.0000]
	// fraction of eigenvalues below 0: 0.3333
}

// Sharpness against a learning rate: gradient descent with lr = 0.01 is
// stable along an eigenvector only while λ < 2/lr = 200.
func ExampleNewSharpness() {
	s, err := hessian.NewSharpness(210, 0.01, 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("λmax·lr/2 = %.2f, edge %.0f, %s\n", s.HalfLRLambda, s.Edge, s.Regime)
	// Output: λmax·lr/2 = 1.05, edge 200, at-edge
}
