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
