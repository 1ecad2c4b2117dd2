package optim

import (
	"math"
	"testing"
)

func TestRAdamInvalid(t *testing.T) {
	p := []*Param{NewParam("w", []float64{1}, []float64{0})}
	mk := func(c RAdamConfig) func() error {
		return func() error { _, err := NewRAdam(p, c); return err }
	}
	ptbCheckInvalid(t, []ptbInvalidCase{
		{"lr", mk(RAdamConfig{LR: -0.1}), "invalid learning rate: -0.1"},
		{"lr +Inf", mk(RAdamConfig{LR: math.Inf(1)}), "invalid learning rate: +Inf"},
		{"eps", mk(RAdamConfig{Eps: -1}), "invalid epsilon value: -1"},
		{"beta1", mk(RAdamConfig{Betas: [2]float64{1.5, 0.999}}), "invalid beta parameter at index 0: 1.5"},
		{"beta2", mk(RAdamConfig{Betas: [2]float64{0.9, 1}}), "invalid beta parameter at index 1: 1"},
		{"weight_decay", mk(RAdamConfig{WeightDecay: -0.05}), "invalid weight_decay value: -0.05"},
		{"spec", func() error { _, err := New("radam:betas=0.9/2", p); return err }, "invalid beta parameter at index 1: 2"},
	})
}

func TestRAdamDefaults(t *testing.T) {
	o, err := NewRAdam(nil, RAdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := RAdamConfig{LR: 1e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8}
	if got := o.Defaults(); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
}

// TestRAdamRectification feeds a constant gradient G, for which the
// un-rectified update is exactly SGD with momentum (θ moves by γG) and
// the rectified one moves θ by about γ·r (the adaptive step of |G| is 1):
// the switch must come at the first step with ρₜ > 5 (step 6 for β₂ from
// 0.9 to 0.999, step 7 for 0.8, never for 0.5, where ρ∞ = 3).
func TestRAdamRectification(t *testing.T) {
	cases := []struct {
		name      string
		beta2     float64
		firstRect int
	}{
		{"beta2 0.999", 0.999, 6},
		{"beta2 0.99", 0.99, 6},
		{"beta2 0.9", 0.9, 6},
		{"beta2 0.8", 0.8, 7},
		{"beta2 0.5", 0.5, 0}, // 0: never
	}
	const lr, G = 0.01, 10.0
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParam("w", []float64{0}, []float64{G})
			o, err := NewRAdam([]*Param{p}, RAdamConfig{LR: lr, Betas: [2]float64{0.9, c.beta2}, Eps: Zero})
			if err != nil {
				t.Fatal(err)
			}
			rhoInf := 2/(1-c.beta2) - 1
			for step := 1; step <= 10; step++ {
				before := p.F64[0]
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
				moved := before - p.F64[0]
				tt := float64(step)
				rho := rhoInf - 2*tt*math.Pow(c.beta2, tt)/(1-math.Pow(c.beta2, tt))
				want := lr * G
				if c.firstRect > 0 && step >= c.firstRect {
					if !(rho > 5) {
						t.Fatalf("step %d: ρ = %v, test case is wrong", step, rho)
					}
					want = lr * math.Sqrt((rho-4)*(rho-2)*rhoInf/((rhoInf-4)*(rhoInf-2)*rho))
				} else if rho > 5 {
					t.Fatalf("step %d: ρ = %v > 5, test case is wrong", step, rho)
				}
				if math.Abs(moved-want) > 1e-12 {
					t.Fatalf("step %d (ρ = %v): θ moved by %.17g, want %.17g", step, rho, moved, want)
				}
			}
		})
	}
}

func TestRAdamFloat32(t *testing.T) {
	cases := []struct {
		name string
		cfg  RAdamConfig
	}{
		// β₂ = 0.9 reaches the rectified branch at step 6.
		{"rectified", RAdamConfig{LR: 0.01, Betas: [2]float64{0.9, 0.9}}},
		{"weight decay", RAdamConfig{LR: 0.05, WeightDecay: 0.1, Betas: [2]float64{0.85, 0.995}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ptbCheckF32(t, func(ps []*Param) (Optimizer, error) { return NewRAdam(ps, c.cfg) }, 9, 1e-5)
		})
	}
}

func TestRAdamResume(t *testing.T) {
	ptbCheckResume(t, func(ps []*Param) (Optimizer, error) {
		return NewRAdam(ps, RAdamConfig{LR: 0.01, WeightDecay: 0.01, Betas: [2]float64{0.9, 0.9}})
	}, 5, 5)
}

func TestRAdamRosenbrock(t *testing.T) {
	x, y, _, _ := ptbRosenbrock(t, func(ps []*Param) (Optimizer, error) {
		return NewRAdam(ps, RAdamConfig{LR: 3e-3})
	}, 10000)
	if !ptbNear(x, y, 3e-2) {
		t.Fatalf("RAdam(lr=3e-3) reached (%v, %v), not within 3e-2 of (1, 1)", x, y)
	}
}
