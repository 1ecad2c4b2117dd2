package optim

import "testing"

// Hand-computed from the paper's rule: c = β₁m + (1−β₁)g,
// θ ← θ(1−γλ) − γ·sign(c), m ← β₂m + (1−β₂)g (m starts at 0).
func TestLionHandSteps(t *testing.T) {
	modaCheckSteps(t, []modaStepCase{
		// Defaults γ=1e-4: θ − 1e-4·sign(g); sign(0) = 0 leaves x[2].
		{"defaults", "lion", nil, [][]float64{modaG1}, []float64{0.4999, -1.4999, 2.0}},
		// γ=0.01, λ=0.1: θ(1 − 0.001) − 0.01·sign(g).
		{"weight decay", "lion:lr=0.01,weight_decay=0.1", nil, [][]float64{modaG1}, []float64{0.4895, -1.4885, 1.998}},
		// β₁=0.95, β₂=0.5: m₁ = 0.5g₁ = (0.15, −0.1, 0); c₂ = 0.95m₁ + 0.05g₂
		// = (0.1225, −0.09, 0.0125), the signs of m₁ (not of g₂) for the
		// first two: each coordinate moves by 0.01 twice.
		{"two steps", "lion:lr=0.01,betas=0.95/0.5", nil, [][]float64{modaG1, modaG2}, []float64{0.48, -1.48, 1.99}},
	})
}

func TestLionRosenbrock(t *testing.T) {
	modaCheckRosenbrock(t, []modaRosenbrockCase{{"lion:lr=1e-3"}})
}

func TestLionInvalid(t *testing.T) {
	modaCheckInvalid(t, []modaInvalidCase{
		{"lion:lr=-0.1", "invalid learning rate: -0.1"},
		{"lion:betas=1/0.99", "invalid beta parameter at index 0: 1"},
		{"lion:betas=0.9/-0.5", "invalid beta parameter at index 1: -0.5"},
		{"lion:weight_decay=-1", "invalid weight_decay value: -1"},
		{"lion:eps=1e-8", `unknown hyperparameter "eps"`},
	})
}

func TestLionDefaults(t *testing.T) {
	o, err := NewLion([]*Param{NewParam("x", []float64{1}, []float64{0})}, LionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Defaults(), (LionConfig{LR: 1e-4, Betas: [2]float64{0.9, 0.99}}); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}

func TestLionSparseRefused(t *testing.T) {
	p := NewParam[float64]("emb", []float64{1, 2, 3, 4}, nil, 2, 2)
	o, err := NewLion([]*Param{p}, LionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p.Sparse = &SparseGrad{Rows: []int{1}, Values: []float64{1, 1}}
	if err := o.Step(); err == nil {
		t.Fatal("Lion took a sparse gradient")
	}
}

func TestLionResume(t *testing.T) {
	modaCheckResume(t, []string{"lion:lr=0.01,weight_decay=0.1"}, 4, 5)
}
