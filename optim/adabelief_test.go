package optim

import "testing"

// Hand-computed from the paper's Algorithm 2: m = β₁m + (1−β₁)g,
// s = β₂s + (1−β₂)(g−m)² + ε, θ ← θ − γ(m/(1−β₁ᵗ))/(√(s/(1−β₂ᵗ)) + ε).
func TestAdaBeliefHandSteps(t *testing.T) {
	modaCheckSteps(t, []modaStepCase{
		// First step: m = 0.1g, s = 0.001·0.81g² + ε.
		{"defaults", "adabelief", nil, [][]float64{modaG1}, []float64{0.49888888888888966, -1.4988888888888907, 2.0}},
		{"L2", "adabelief:lr=0.01,weight_decay=0.1,eps=1e-8", nil, [][]float64{modaG1},
			[]float64{0.4888894490940103, -1.4888894490940103, 1.9888906037868088}},
		{"decoupled", "adabelief:lr=0.01,weight_decay=0.1,weight_decouple=true", nil, [][]float64{modaG1},
			[]float64{0.48838888888889653, -1.487388888888906, 1.998}},
		{"two steps", "adabelief:lr=0.01,betas=0.8/0.9", nil, [][]float64{modaG1, modaG2},
			[]float64{0.49033137328576465, -1.4850642755088146, 1.9904277439221598}},
		{"amsgrad", "adabelief:lr=0.01,betas=0.9/0.5,amsgrad=true", nil, [][]float64{modaG1, modaG2, modaG1},
			[]float64{0.48876068524995214, -1.4796791286478117, 1.9879562893065936}},
	})
}

func TestAdaBeliefRosenbrock(t *testing.T) {
	modaCheckRosenbrock(t, []modaRosenbrockCase{{"adabelief:lr=1e-2"}, {"adabelief:lr=1e-2,amsgrad=true"}})
}

func TestAdaBeliefInvalid(t *testing.T) {
	modaCheckInvalid(t, []modaInvalidCase{
		{"adabelief:lr=-0.001", "invalid learning rate: -0.001"},
		{"adabelief:eps=-1e-16", "invalid epsilon value: -1e-16"},
		{"adabelief:betas=-0.1/0.999", "invalid beta parameter at index 0: -0.1"},
		{"adabelief:weight_decay=-1", "invalid weight_decay value: -1"},
		{"adabelief:amsgrad=maybe", "want true or false"},
	})
}

func TestAdaBeliefDefaults(t *testing.T) {
	o, err := NewAdaBelief([]*Param{NewParam("x", []float64{1}, []float64{0})}, AdaBeliefConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Defaults(), (AdaBeliefConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-16}); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}

func TestAdaBeliefResume(t *testing.T) {
	modaCheckResume(t, []string{"adabelief:lr=0.01,weight_decay=0.1", "adabelief:lr=0.01,amsgrad=true,weight_decay=0.1,weight_decouple=true"}, 4, 5)
}
