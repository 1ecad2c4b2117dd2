package optim

import (
	"math"
	"testing"
)

func TestAdamaxInvalid(t *testing.T) {
	mk := func(c AdamaxConfig) func() error {
		return func() error { _, err := NewAdamax(ptaVec(), c); return err }
	}
	ptaCheckInvalid(t, []ptaInvalid{
		{"lr", mk(AdamaxConfig{LR: -2e-3}), "invalid learning rate: -0.002"},
		{"eps", mk(AdamaxConfig{Eps: -1e-8}), "invalid epsilon value: -1e-08"},
		{"beta1", mk(AdamaxConfig{Betas: [2]float64{1, 0.999}}), "invalid beta parameter at index 0: 1"},
		{"beta2", mk(AdamaxConfig{Betas: [2]float64{0.9, -0.5}}), "invalid beta parameter at index 1: -0.5"},
		{"weight_decay", mk(AdamaxConfig{WeightDecay: -1}), "invalid weight_decay value: -1"},
		{"spec betas", func() error { _, err := New("adamax:betas=0.9/1.5", ptaVec()); return err }, "invalid beta parameter at index 1: 1.5"},
	})
}

func TestAdamaxDefaults(t *testing.T) {
	o, err := NewAdamax(ptaVec(), AdamaxConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want float64
	}{{"lr", 2e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-8}, {"weight_decay", 0}} {
		if got, err := o.Hyper(0, c.key); err != nil || got != c.want {
			t.Errorf("%s = %v (%v), want %v", c.key, got, err, c.want)
		}
	}
	ptaRegistered(t, "adamax:lr=0.01,betas=0.8/0.99", "Adamax")
}

// TestAdamaxFirstSteps checks the rule by hand on one value.
func TestAdamaxFirstSteps(t *testing.T) {
	p := NewParam("w", []float64{1}, []float64{0})
	o, err := NewAdamax([]*Param{p}, AdamaxConfig{LR: 0.1, Betas: [2]float64{0.5, 0.75}, Eps: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	m, u, x := 0.0, 0.0, 1.0
	for step, g := range []float64{2, -0.5, 0} {
		p.G64[0] = g
		m = 0.5*m + 0.5*g
		u = math.Max(0.75*u, math.Abs(g)+0.01)
		x -= 0.1 / (1 - math.Pow(0.5, float64(step+1))) * m / u
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		if math.Abs(p.F64[0]-x) > 1e-15 {
			t.Fatalf("step %d: %v, want %v", step+1, p.F64[0], x)
		}
	}
}

func TestAdamaxFloat32(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  AdamaxConfig
	}{
		{"default", AdamaxConfig{}},
		{"all", AdamaxConfig{LR: 0.02, Betas: [2]float64{0.8, 0.95}, WeightDecay: 0.1, Maximize: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptaFloat32Agrees(t, func(p []*Param) (Optimizer, error) { return NewAdamax(p, c.cfg) }, false)
		})
	}
}

func TestAdamaxMaximizeResumeSparse(t *testing.T) {
	ptaMaximizeMirror(t, func(p []*Param, m bool) (Optimizer, error) {
		return NewAdamax(p, AdamaxConfig{LR: 0.02, WeightDecay: 0.1, Maximize: m})
	})
	ptaResumeExact(t, func(p []*Param) (Optimizer, error) { return NewAdamax(p, AdamaxConfig{LR: 0.02}) })
	ptaRefusesSparse(t, func(p []*Param) (Optimizer, error) { return NewAdamax(p, AdamaxConfig{}) })
}

// TestAdamaxRosenbrock: lr 0.01 reaches (1, 1) from (0, 0) in 10,000
// steps.
func TestAdamaxRosenbrock(t *testing.T) {
	x, y := ptaMinimise(t, func(p []*Param) (Optimizer, error) { return NewAdamax(p, AdamaxConfig{LR: 0.01}) }, 10000, false)
	ptaCheckRosen(t, x, y, 3e-2)
}
