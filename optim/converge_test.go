package optim

import (
	"math"
	"testing"
)

// tunedRosenbrock gives, per optimizer, a spec that takes 2-D Rosenbrock
// from (0, 0) to within 3e-2 of its minimum (1, 1) in 10,000 steps, as
// Optax's optimizer tests do. Every registered optimizer must have one.
var tunedRosenbrock = map[string]string{
	"sgd":   "sgd:lr=1e-3,momentum=0.9",
	"adam":  "adam:lr=1e-2",
	"adamw": "adamw:lr=1e-2",
	// PyTorch's default lr 1.0 leaves Adadelta near (0.56, 0.41) after
	// 10,000 steps; a smaller lr and larger rho converge.
	"adadelta":   "adadelta:lr=0.07,rho=0.95,eps=1e-7",
	"adagrad":    "adagrad:lr=0.1",
	"adamax":     "adamax:lr=0.01",
	"rmsprop":    "rmsprop:lr=1e-3",
	"sparseadam": "sparseadam:lr=0.01",
	"lion":       "lion:lr=1e-3",
	"lamb":       "lamb:lr=1e-3",
	"lars":       "lars",
	"adabelief":  "adabelief:lr=1e-2",
	"lookahead":  "lookahead:k=5,alpha=0.5+adam:lr=0.02",
	"sfsgd":      "sfsgd:lr=0.01",
	"nadam":      "nadam:lr=3e-3",
	"radam":      "radam:lr=3e-3",
	"rprop":      "rprop",
	"lbfgs":      "lbfgs:line_search_fn=strong_wolfe",
	// On an exact gradient ASGD is gradient descent, stable below lr ≈ 2/1000.
	"asgd":    "asgd:lr=1.5e-3,t0=5000",
	"sfadamw": "sfadamw",
	// A 2-vector is not a matrix, so Muon hands it to its AdamW fallback;
	// Muon's own rule is tested on least squares in muon_test.go.
	"muon": "muon:adamw_lr=0.01,adamw_betas=0.9/0.999",
}

func rosenbrock2(x, g []float64) float64 {
	a, b := 1-x[0], x[1]-x[0]*x[0]
	g[0] = -2*a - 400*x[0]*b
	g[1] = 200 * b
	return a*a + 100*b*b
}

func TestRosenbrockConvergence(t *testing.T) {
	for _, name := range Names() {
		spec, ok := tunedRosenbrock[name]
		if !ok {
			t.Errorf("%s: no tuned Rosenbrock spec", name)
			continue
		}
		t.Run(spec, func(t *testing.T) {
			p := NewParam("xy", []float64{0, 0}, []float64{0, 0}, 2)
			sparse := suiteFor(name).sparse
			if sparse { // a 2×1 table whose two rows both get a gradient
				p = NewParam("xy", []float64{0, 0}, nil, 2, 1)
			}
			o, err := New(spec, []*Param{p})
			if err != nil {
				t.Fatal(err)
			}
			if err := rosenbrockRun(o, p, 10_000, sparse); err != nil {
				t.Fatal(err)
			}
			if d := math.Hypot(p.F64[0]-1, p.F64[1]-1); d > 3e-2 {
				t.Fatalf("ended at (%.5f, %.5f), %.3g from (1, 1)", p.F64[0], p.F64[1], d)
			}
		})
	}
}

// rosenbrockRun steps o on Rosenbrock; closure optimizers take their own
// steps.
func rosenbrockRun(o Optimizer, p *Param, steps int, sparse bool) error {
	g := make([]float64, 2)
	for range steps {
		_, err := o.StepClosure(func() (float64, error) {
			f := rosenbrock2(p.F64, g)
			if sparse {
				p.Sparse = &SparseGrad{Rows: []int{0, 1}, Values: g}
			} else {
				copy(p.G64, g)
			}
			return f, nil
		})
		if err != nil {
			return err
		}
	}
	if e, ok := o.(interface{ Eval() }); ok {
		e.Eval()
	}
	return nil
}
