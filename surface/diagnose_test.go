package surface

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestDiagnose(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		x      []float64
		losses []float64
		want   Status
		reason string // a fragment of the reason
	}{
		{"rosenbrock", []float64{1, 1}, nil, StatusConverged, "of the global minimum at (1, 1)"},
		{"rosenbrock", []float64{1 + 1e-3, 1}, nil, StatusConverged, "tolerance 0.005657"},
		{"rosenbrock", []float64{0.9, 0.81}, nil, StatusMoving, "no critical point"},
		{"rosenbrock", []float64{-1.2, 1}, []float64{24.2, 24.2}, StatusMoving, ""},
		{"himmelblau", []float64{-2.805118, 3.131312}, nil, StatusConverged, "global minimum"},
		{"himmelblau", []float64{-0.270845, -0.923039}, nil, StatusSaddle, "local maximum"},
		{"goldstein-price", []float64{1.8, 0.2}, nil, StatusLocalMinimum, "local minimum at (1.8, 0.2)"},
		{"styblinski-tang", []float64{2.7468, 2.7468}, nil, StatusLocalMinimum, "local minimum"},
		{"styblinski-tang", []float64{0.1567, -2.9035}, nil, StatusSaddle, "saddle"},
		// Rastrigin's local minima and saddles are not listed: found by
		// the Newton step and the eigenvalues.
		{"rastrigin", []float64{0.99496, 0}, nil, StatusLocalMinimum, "above the global minimum 0"},
		{"rastrigin", []float64{0.5, 0}, nil, StatusSaddle, "negative eigenvalue"},
		{"rastrigin", []float64{1e-4, -1e-4}, nil, StatusConverged, "global minimum"},
		{"saddle", []float64{0, 0}, nil, StatusSaddle, "of the saddle at (0, 0)"},
		{"saddle", []float64{3e-3, 0}, nil, StatusSaddle, ""},
		{"saddle", []float64{0.1, 0}, nil, StatusMoving, ""},
		{"monkey-saddle", []float64{0, 0}, nil, StatusSaddle, ""},
		{"monkey-saddle", []float64{0.5, 0.5}, nil, StatusMoving, ""},
		{"ackley", []float64{0, 0}, nil, StatusConverged, ""},
		{"ackley", []float64{1e-3, 0}, nil, StatusConverged, ""},
		{"plateau", []float64{3, 3}, nil, StatusPlateau, "the nearest minimum is 4.243 away"},
		{"plateau", []float64{3, 3}, []float64{0.5, 1}, StatusMoving, ""},
		{"plateau", []float64{3, 3}, []float64{1, 1, 1}, StatusPlateau, "the last 3 losses span 0"},
		{"plateau", []float64{1, 1}, nil, StatusMoving, ""},
		{"easom", []float64{-0.5, -0.5}, nil, StatusPlateau, ""},
		{"easom", []float64{math.Pi, math.Pi}, nil, StatusConverged, ""},
		{"quadratic:kappa=100,n=5", make([]float64, 5), nil, StatusConverged, ""},
		{"expr:x^2 + y^2", []float64{0, 0}, nil, StatusConverged, "no global minimum is known"},
		{"expr:x^2 - y^2", []float64{1e-9, 0}, nil, StatusSaddle, "negative eigenvalue -2"},
		{"expr:x^4 + y^4", []float64{0, 0}, nil, StatusConverged, "f rises"},
		{"expr:x^3 + y^2", []float64{0, 0}, nil, StatusSaddle, "f falls"},
		{"expr:log(x)", []float64{-1, 0}, nil, StatusDiverged, "f is NaN there"},
		{"expr:1/x + y", []float64{0, 1}, nil, StatusDiverged, "f is +Inf there"},
		{"rosenbrock", []float64{math.NaN(), 0}, nil, StatusDiverged, "not finite"},
		{"rosenbrock", []float64{0, 1e6}, nil, StatusDiverged, "coordinate 1 is 1e+06, beyond the limits [-21, 23]"},
	} {
		t.Run(tc.spec+point(tc.x), func(t *testing.T) {
			fn, err := New(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			d, err := Diagnose(fn, tc.x, tc.losses)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != tc.want || !strings.Contains(d.Reason, tc.reason) {
				t.Fatalf("status %s (%s), want %s with %q", d.Status, d.Reason, tc.want, tc.reason)
			}
			if _, err := json.Marshal(d); err != nil {
				t.Fatalf("JSON: %v", err)
			}
		})
	}
}

func TestDiagnoseReport(t *testing.T) {
	fn, _ := New("saddle")
	d, err := Diagnose(fn, []float64{1, 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.Value != -3 || d.Gradient[0] != 2 || d.Gradient[1] != -4 || d.GradNorm != math.Sqrt(20) {
		t.Errorf("value %v gradient %v norm %v", d.Value, d.Gradient, d.GradNorm)
	}
	if d.Hessian[0][0] != 2 || d.Hessian[1][1] != -2 || d.Hessian[0][1] != 0 {
		t.Errorf("Hessian %v", d.Hessian)
	}
	if d.Eigenvalues[0] != -2 || d.Eigenvalues[1] != 2 {
		t.Errorf("eigenvalues %v, want [-2 2]", d.Eigenvalues)
	}
	if d.NewtonStep != math.Sqrt(5) {
		t.Errorf("Newton step %v, want √5 (the distance to the saddle)", d.NewtonStep)
	}
	if d.Nearest != nil {
		t.Errorf("nearest minimum %+v of a function with none", d.Nearest)
	}

	// Non-finite numbers are written as null.
	ln, _ := New("expr:log(x)")
	d, _ = Diagnose(ln, []float64{-1, 0}, nil)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"value":null`) || !strings.Contains(string(b), `"status":"diverged"`) {
		t.Errorf("JSON %s", b)
	}

	for _, tc := range []struct {
		fn   *Function
		x    []float64
		want string
	}{
		{nil, []float64{0, 0}, "no function"},
		{fn, []float64{0}, "the point has 1 coordinates, want 2"},
	} {
		if _, err := Diagnose(tc.fn, tc.x, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
