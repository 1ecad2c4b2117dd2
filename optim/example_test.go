package optim_test

import (
	"fmt"
	"log"

	"github.com/descent-ml/descent/optim"
)

// SGD with Nesterov momentum walks down the Rosenbrock valley
// f(x, y) = (1−x)² + 100(y−x²)² from (0, 0) to its minimum at (1, 1).
func ExampleNewSGD() {
	xy := []float64{0, 0}   // the parameters
	grad := []float64{0, 0} // their gradient, filled each step
	p := optim.NewParam("xy", xy, grad)
	opt, err := optim.NewSGD([]*optim.Param{p}, optim.SGDConfig{LR: 1e-3, Momentum: 0.9, Nesterov: true})
	if err != nil {
		log.Fatal(err)
	}
	for range 5000 {
		a, b := 1-xy[0], xy[1]-xy[0]*xy[0]
		grad[0] = -2*a - 400*xy[0]*b
		grad[1] = 200 * b
		if err := opt.Step(); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Printf("x=%.3f y=%.3f\n", xy[0], xy[1])
	// Output: x=1.000 y=1.000
}

// Optimizers can also be built from the spec strings the command line
// takes, with PyTorch's keyword names.
func ExampleNew() {
	w := []float32{1, -2, 3}
	g := []float32{0.5, 0.5, -0.5}
	opt, err := optim.New("adam:lr=0.1,betas=0.9/0.999", []*optim.Param{optim.NewParam("w", w, g)})
	if err != nil {
		log.Fatal(err)
	}
	if err := opt.Step(); err != nil {
		log.Fatal(err)
	}
	lr, _ := opt.Hyper(0, "lr")
	fmt.Printf("%s lr=%g w=%.1f\n", opt.Name(), lr, w)
	// Output: Adam lr=0.1 w=[0.9 -2.1 3.1]
}

// A gradient with a NaN never reaches the parameters: by default the step
// is refused with an error naming the parameter.
func ExampleNonFiniteError() {
	w := []float64{1, 2}
	g := []float64{0.1, 0}
	opt, _ := optim.NewSGD([]*optim.Param{optim.NewParam("w", w, g)}, optim.SGDConfig{LR: 0.1})
	g[1] = 0 / func() float64 { return 0 }() // NaN
	err := opt.Step()
	fmt.Println(err)
	fmt.Println(w)
	// Output:
	// non-finite gradient in parameter "w": step refused, parameters unchanged
	// [1 2]
}
