package optim

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// goldenDir holds PyTorch's reference trajectories; every file in it is
// replayed.
const goldenDir = "../testdata/torch/optim"

type goldenTensor struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

type goldenStep struct {
	Loss        float64     `json:"loss"`
	Grads       [][]float64 `json:"grads"`
	SparseGrads []struct {
		Rows   []int       `json:"rows"`
		Values [][]float64 `json:"values"`
	} `json:"sparse_grads"`
	Evaluations int         `json:"evaluations"`
	Params      [][]float64 `json:"params"`
}

type goldenCase struct {
	Name      string                     `json:"name"`
	Kind      string                     `json:"kind"`
	Optimizer string                     `json:"optimizer"`
	Objective string                     `json:"objective"`
	Hyper     map[string]json.RawMessage `json:"hyper"`
	Params    []goldenTensor             `json:"params"`
	Steps     []goldenStep               `json:"steps"`
}

func loadGolden(t *testing.T, path string) *goldenCase {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c goldenCase
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &c
}

func closeTo(got, want float64) bool {
	if got == want {
		return true
	}
	d := math.Abs(got - want)
	return d <= 1e-12 || d <= 1e-9*math.Abs(want)
}

// rosenbrock is the objective of the closure cases,
// sum((1-x[i])^2) + 100*sum((x[i+1]-x[i]^2)^2), with its gradient into g.
// Every value is rounded as PyTorch's autograd rounds it (the gradient of x
// is (g_C + g_B) + g_A over the slices x[:-1] in the square, x[1:] and
// x[:-1] in (1-x)^2, in the order backward reaches them), because L-BFGS's
// fixed-step trajectories amplify a last-bit difference past any tolerance.
func rosenbrock(x, g []float64) float64 {
	n := len(x)
	var s1, s2 float64
	for i := 0; i+1 < n; i++ {
		a := 1 - x[i]
		s1 += float64(a * a)
	}
	for i := 0; i+1 < n; i++ {
		b := x[i+1] - float64(x[i]*x[i])
		s2 += float64(b * b)
	}
	for i := range g {
		var gc, gb, ga float64
		if i+1 < n {
			b := x[i+1] - float64(x[i]*x[i])
			gc = float64(-float64(100*(2*b)) * (2 * x[i]))
			ga = -(2 * (1 - x[i]))
		}
		if i > 0 {
			b := x[i] - float64(x[i-1]*x[i-1])
			gb = float64(100 * (2 * b))
		}
		g[i] = (gc + gb) + ga
	}
	return s1 + float64(100*s2)
}

func TestGoldenPyTorch(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in %s", goldenDir)
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			replayGolden(t, path)
		})
	}
}

func replayGolden(t *testing.T, path string) {
	c := loadGolden(t, path)
	h, err := HyperFromJSON(c.Hyper)
	if err != nil {
		t.Fatalf("%s: hyper: %v", path, err)
	}
	params := make([]*Param, len(c.Params))
	for i, gp := range c.Params {
		data := append([]float64(nil), gp.Data...)
		var grad []float64
		if c.Kind != "sparse" {
			grad = make([]float64, len(data))
		}
		params[i] = NewParam(gp.Name, data, grad, gp.Shape...)
	}
	opt, err := NewFromHyper(c.Optimizer, h, params)
	if err != nil {
		t.Fatalf("%s: build %s(%s): %v", path, c.Optimizer, h, err)
	}
	for si, st := range c.Steps {
		switch c.Kind {
		case "dense":
			for i, g := range st.Grads {
				copy(params[i].G64, g)
			}
			if err := opt.Step(); err != nil {
				t.Fatalf("%s step %d: %v", path, si+1, err)
			}
		case "sparse":
			sg := st.SparseGrads[0]
			var vals []float64
			for _, r := range sg.Values {
				vals = append(vals, r...)
			}
			params[0].Sparse = &SparseGrad{Rows: sg.Rows, Values: vals}
			if err := opt.Step(); err != nil {
				t.Fatalf("%s step %d: %v", path, si+1, err)
			}
		case "closure":
			if c.Objective != "rosenbrock" {
				t.Fatalf("%s: unknown objective %q", path, c.Objective)
			}
			x := params[0]
			evals := 0
			loss, err := opt.StepClosure(func() (float64, error) {
				evals++
				return rosenbrock(x.F64, x.G64), nil
			})
			if err != nil {
				t.Fatalf("%s step %d: %v", path, si+1, err)
			}
			if !closeTo(loss, st.Loss) {
				t.Fatalf("%s step %d: loss %v, PyTorch %v", path, si+1, loss, st.Loss)
			}
			if evals != st.Evaluations {
				t.Fatalf("%s step %d: %d evaluations, PyTorch %d", path, si+1, evals, st.Evaluations)
			}
		default:
			t.Fatalf("%s: unknown kind %q", path, c.Kind)
		}
		for i, want := range st.Params {
			got := params[i].F64
			for j := range want {
				if !closeTo(got[j], want[j]) {
					t.Fatalf("%s step %d: %s[%d] = %.17g, PyTorch %.17g", path, si+1, params[i].Name, j, got[j], want[j])
				}
			}
		}
	}
}
