package surface_test

import (
	"context"
	"fmt"
	"log"
	"math"
	"os"

	"github.com/descent-ml/descent/surface"
)

// A named function from its spec: value, gradient, Hessian and its known
// minimum.
func ExampleNew() {
	fn, err := surface.New("rosenbrock:b=10")
	if err != nil {
		log.Fatal(err)
	}
	x := []float64{0, 0}
	g := make([]float64, 2)
	h := make([]float64, 4)
	v, _ := fn.Gradient(x, g)
	fn.Hessian(x, h)
	fmt.Println(fn.Spec())
	fmt.Println("f =", fn.Formula())
	fmt.Println("at (0, 0): f", v, "gradient", g, "Hessian", h)
	for _, c := range fn.Critical() {
		fmt.Println(c.Kind, c.Global, c.X, c.Value)
	}
	// Output:
	// rosenbrock:a=1,b=10,n=2
	// f = (1 − x)² + 10(y − x²)²
	// at (0, 0): f 1 gradient [-2 0] Hessian [2 0 0 20]
	// minimum true [1 1] 0
}

// A function typed as an expression gets exact derivatives by symbolic
// differentiation.
func ExampleParse() {
	fn, err := surface.Parse("x^2 - y^2 + 0.1*x^4")
	if err != nil {
		log.Fatal(err)
	}
	g := make([]float64, 2)
	h := make([]float64, 4)
	v, _ := fn.Gradient([]float64{1, 2}, g)
	fn.Hessian([]float64{1, 2}, h)
	fmt.Printf("f = %.1f, gradient %.1f, Hessian %.1f\n", v, g, h)

	_, err = surface.Parse("x^2 + 2y")
	fmt.Println(err)
	// Output:
	// f = -2.9, gradient [2.4 -4.0], Hessian [3.2 0.0 0.0 -2.0]
	// expression "x^2 + 2y": column 8: expected an operator (+ - * / ^) or the end, found "y"
}

// Optimizers race from the same start over the same surface; each result
// says where it ended and why. On the plateau around a Gaussian well, plain
// and heavy-ball SGD stall while Adam's normalised steps and L-BFGS's line
// search find the well.
func ExampleRace() {
	fn, err := surface.New("plateau")
	if err != nil {
		log.Fatal(err)
	}
	results, err := surface.Race(context.Background(), fn, surface.RaceConfig{
		Specs: []string{"sgd:lr=0.1", "sgd:lr=0.1,momentum=0.9", "adam:lr=0.1", "lbfgs:line_search_fn=strong_wolfe"},
		Start: []float64{2.5, 2},
		Steps: 500,
	})
	if err != nil {
		log.Fatal(err)
	}
	round := func(v float64) float64 { return math.Round(v*1000)/1000 + 0 } // +0: no "-0"
	for _, r := range results {
		fmt.Printf("%-26s %-10s at (%g, %g)\n", r.Name, r.Status, round(r.Final[0]), round(r.Final[1]))
	}
	// Output:
	// SGD (lr=0.1)               plateau    at (2.491, 1.993)
	// SGD (lr=0.1,momentum=0.9)  plateau    at (2.362, 1.89)
	// Adam                       converged  at (0, 0)
	// LBFGS                      converged  at (0, 0)
}

// Diagnose says what a point is, with the numbers behind the verdict.
func ExampleDiagnose() {
	fn, _ := surface.New("rastrigin")
	for _, x := range [][]float64{{0.99496, 0}, {0.5, 0}, {2.2, 1.3}} {
		d, err := surface.Diagnose(fn, x, nil)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%v: %s, eigenvalues %.4g\n", x, d.Status, d.Eigenvalues)
	}
	// Output:
	// [0.99496 0]: local-minimum, eigenvalues [396.6 396.8]
	// [0.5 0]: saddle, eigenvalues [-392.8 396.8]
	// [2.2 1.3]: moving, eigenvalues [-120 124]
}

// WriteTable prints race results as the command line shows them.
func ExampleWriteTable() {
	fn, _ := surface.New("styblinski-tang")
	results, _ := surface.Race(context.Background(), fn, surface.RaceConfig{
		Specs: []string{"sgd:lr=0.01", "sgd:lr=0.2"},
		Start: []float64{0.5, -0.5},
		Steps: 30,
	})
	surface.WriteTable(os.Stdout, results)
	// Output:
	// optimizer      final point      final loss  steps  status         nearest minimum        distance
	// SGD (lr=0.01)  (2.741, -2.903)  -64.2       30     local-minimum  (2.747, -2.904) local  0.005493
	// SGD (lr=0.2)   (2440, -2513)    3.764e+13   4      diverged       (2.747, -2.904) local  3498

}
