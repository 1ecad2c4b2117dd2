package tensor_test

import (
	"fmt"

	"github.com/descent-ml/descent/tensor"
)

// A linear layer's forward pass, y = x·wᵀ + b, and its backward pass.
func Example() {
	x, _ := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3) // batch 2, 3 inputs
	w, _ := tensor.FromSlice([]float32{1, 0, -1, 0.5, 0.5, 0.5}, 2, 3)
	b, _ := tensor.FromSlice([]float32{0.1, -0.1}, 2)
	y := tensor.Zeros[float32](2, 2)
	if err := tensor.MatMul(y, false, true, 1, x, w, 0); err != nil {
		panic(err)
	}
	_ = tensor.AddRow(y, y, b)
	fmt.Println(y.Data)

	dy := tensor.Full[float32](1, 2, 2)
	dx, dw, db := tensor.Zeros[float32](2, 3), tensor.Zeros[float32](2, 3), tensor.Zeros[float32](2)
	_ = tensor.MatMul(dx, false, false, 1, dy, w, 0) // dX = dY·W
	_ = tensor.MatMul(dw, true, false, 1, dy, x, 0)  // dW = dYᵀ·X
	_ = tensor.ColSums(db, dy)                       // db = Σ_batch dY
	fmt.Println(dx.Data, dw.Data, db.Data)
	// Output:
	// [-1.9 2.9 -1.9 7.4]
	// [1.5 0.5 -0.5 1.5 0.5 -0.5] [5 7 9 5 7 9] [2 2]
}

// A convolution's forward pass and both gradients, a few images' columns
// at a time: one 3×3 image of ones and one 2×2 filter of ones.
func ExampleConv2DForward() {
	win := tensor.Window{KH: 2, KW: 2}
	x := tensor.Full[float32](1, 1, 1, 3, 3) // N, C, H, W
	w := tensor.Full[float32](1, 1, 4)       // F rows of C·KH·KW
	y := tensor.Zeros[float32](1, 1, 2, 2)
	shape, _ := win.ColShape(1, 1, 3, 3)
	cols := make([]float32, shape[1]*shape[2]) // room for one image's columns
	if err := tensor.Conv2DForward(y, x, w, win, cols); err != nil {
		panic(err)
	}
	dy := tensor.Full[float32](1, 1, 1, 2, 2)
	dw := make([]float32, 4)
	_ = tensor.ConvWeightGrad(dw, 0, x, dy, win, cols) // Σ dY·im2col(X)ᵀ
	dx := tensor.Zeros[float32](1, 1, 3, 3)
	_ = tensor.ConvInputGrad(dx, w, dy, win, cols) // col2im(Wᵀ·dY)
	fmt.Println(y.Data, dw, dx.Data)
	// Output:
	// [4 4 4 4] [4 4 4 4] [1 2 1 2 4 2 1 2 1]
}

// The sum over two images of A_i·B_iᵀ, each A_i 1×3 and B_i 2×3.
func ExampleGemmSumNT() {
	a := []float32{1, 2, 3, 1, 1, 1}                   // A_0, A_1
	b := []float32{1, 0, 0, 0, 1, 1, 2, 2, 2, 0, 0, 1} // B_0, B_1
	c := make([]float32, 2)
	tensor.GemmSumNT(2, 1, 2, 3, 1, a, 3, 3, b, 3, 6, 0, c, 2)
	fmt.Println(c) // [1+6, 5+1]
	// Output: [7 6]
}
