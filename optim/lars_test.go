package optim

import "testing"

// Hand-computed from the documented rule: ρ = η‖θ‖/(‖g‖ + λ‖θ‖ + ε) (1 when
// a norm is 0), d = ρ(g + λθ), b = d then μb + d, θ ← θ − γb.
func TestLARSHandSteps(t *testing.T) {
	modaCheckSteps(t, []modaStepCase{
		// Defaults γ=1, η=1e-3: ρ = 1e-3·√6.5/(√0.13 + 1e-8).
		{"defaults", "lars", nil, [][]float64{modaG1}, []float64{0.4978786797152752, -1.4985857864768501, 2.0}},
		{"weight decay", "lars:lr=0.5,weight_decay=0.01,trust_coefficient=0.02", nil, [][]float64{modaG1},
			[]float64{0.47985753134970777, -1.4858012106235645, 1.9986791823835874}},
		{"no momentum", "lars:lr=2,momentum=0,trust_coefficient=0.01", nil, [][]float64{modaG1, modaG2},
			[]float64{0.4994654424191972, -1.482188691565426, 1.9738175949289416}},
		// ‖θ‖ = 0: ρ = 1, plain SGD.
		{"zero weights", "lars:lr=0.1", []float64{0, 0, 0}, [][]float64{modaG1}, []float64{-0.03, 0.020000000000000004, 0.0}},
		{"two steps", "lars:lr=3,momentum=0.8,weight_decay=0.001", nil, [][]float64{modaG1, modaG2},
			[]float64{0.49490085121167415, -1.4939119989891976, 1.995953729511459}},
	})
}

func TestLARSRosenbrock(t *testing.T) {
	modaCheckRosenbrock(t, []modaRosenbrockCase{{"lars"}})
}

func TestLARSInvalid(t *testing.T) {
	modaCheckInvalid(t, []modaInvalidCase{
		{"lars:lr=-1", "invalid learning rate: -1"},
		{"lars:momentum=-0.9", "invalid momentum value: -0.9"},
		{"lars:weight_decay=-1e-4", "invalid weight_decay value: -0.0001"},
		{"lars:trust_coefficient=-0.001", "invalid trust_coefficient: -0.001"},
		{"lars:eps=-1", "invalid epsilon value: -1"},
		{"lars:lr=+Inf", "invalid learning rate: +Inf"},
	})
}

func TestLARSDefaults(t *testing.T) {
	o, err := NewLARS([]*Param{NewParam("x", []float64{1}, []float64{0})}, LARSConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Defaults(), (LARSConfig{LR: 1, Momentum: 0.9, TrustCoefficient: 1e-3, Eps: 1e-8}); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}

func TestLARSResume(t *testing.T) {
	modaCheckResume(t, []string{"lars:lr=2,weight_decay=0.01", "lars:momentum=0"}, 4, 5)
}

func TestLARSThreads(t *testing.T) {
	modaCheckThreads(t, "lars:lr=5,weight_decay=0.01", 250_000)
}
