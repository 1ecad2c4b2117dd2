package optim

import "testing"

// Hand-computed from the paper's Algorithm 2: m, v Adam moments,
// r = m̂/(√v̂+ε) + λθ, θ ← θ − γ·(min(‖θ‖, clamp)/‖r‖)·r.
func TestLAMBHandSteps(t *testing.T) {
	// First step: m̂ = g, v̂ = g², so r = g/(|g|+ε) + λθ.
	modaCheckSteps(t, []modaStepCase{
		// ‖θ‖ = √6.5, r = (0.3/0.300001, −0.2/0.200001, 0), ‖r‖ ≈ √2.
		{"defaults", "lamb", nil, [][]float64{modaG1}, []float64{0.4981972228599619, -1.4981972258645755, 2.0}},
		{"weight decay", "lamb:lr=0.01,weight_decay=0.01,betas=0.8/0.99,eps=1e-3", nil, [][]float64{modaG1},
			[]float64{0.48204897468917407, -1.48189938603286, 1.9996415808282741}},
		// ‖θ‖ clamped to 1: the step is γ·r/‖r‖.
		{"clamp", "lamb:lr=0.1,clamp_value=1", nil, [][]float64{modaG1}, []float64{0.4292892629560502, -1.4292893808066893, 2.0}},
		// ‖θ‖ = 0: trust ratio 1, the step is γr.
		{"zero weights", "lamb:lr=0.1", []float64{0, 0, 0}, [][]float64{modaG1}, []float64{-0.09999966666777779, 0.09999950000249999, 0.0}},
		{"two steps", "lamb:lr=0.01,weight_decay=0.01", nil, [][]float64{modaG1, modaG2},
			[]float64{0.48778682847778465, -1.4733569604124872, 1.9764652738887463}},
	})
}

func TestLAMBRosenbrock(t *testing.T) {
	modaCheckRosenbrock(t, []modaRosenbrockCase{{"lamb:lr=1e-3"}})
}

func TestLAMBInvalid(t *testing.T) {
	modaCheckInvalid(t, []modaInvalidCase{
		{"lamb:lr=-1", "invalid learning rate: -1"},
		{"lamb:eps=-1e-6", "invalid epsilon value: -1e-06"},
		{"lamb:betas=0.9/1.5", "invalid beta parameter at index 1: 1.5"},
		{"lamb:weight_decay=-0.01", "invalid weight_decay value: -0.01"},
		{"lamb:clamp_value=-10", "invalid clamp_value: -10"},
		{"lamb:lr=NaN", "invalid learning rate: NaN"},
	})
}

func TestLAMBDefaults(t *testing.T) {
	o, err := NewLAMB([]*Param{NewParam("x", []float64{1}, []float64{0})}, LAMBConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Defaults(), (LAMBConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-6}); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}

func TestLAMBResume(t *testing.T) {
	modaCheckResume(t, []string{"lamb:lr=0.01,weight_decay=0.01", "lamb:lr=0.01,clamp_value=1"}, 4, 5)
}

// The trust ratio's norms are per-chunk sums combined in chunk order, so
// one thread and two give the same steps to the bit.
func TestLAMBThreads(t *testing.T) {
	modaCheckThreads(t, "lamb:lr=0.01,weight_decay=0.01", 250_000)
}
