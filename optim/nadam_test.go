package optim

import (
	"math"
	"testing"
)

func TestNAdamInvalid(t *testing.T) {
	p := []*Param{NewParam("w", []float64{1}, []float64{0})}
	mk := func(c NAdamConfig) func() error {
		return func() error { _, err := NewNAdam(p, c); return err }
	}
	spec := func(s string) func() error {
		return func() error { _, err := New(s, p); return err }
	}
	ptbCheckInvalid(t, []ptbInvalidCase{
		{"lr", mk(NAdamConfig{LR: -0.1}), "invalid learning rate: -0.1"},
		{"lr NaN", mk(NAdamConfig{LR: math.NaN()}), "invalid learning rate: NaN"},
		{"eps", mk(NAdamConfig{Eps: -1e-8}), "invalid epsilon value: -1e-08"},
		{"beta1", mk(NAdamConfig{Betas: [2]float64{1, 0.999}}), "invalid beta parameter at index 0: 1"},
		{"beta2", mk(NAdamConfig{Betas: [2]float64{0.9, -0.5}}), "invalid beta parameter at index 1: -0.5"},
		{"weight_decay", mk(NAdamConfig{WeightDecay: -0.01}), "invalid weight_decay value: -0.01"},
		{"momentum_decay", mk(NAdamConfig{MomentumDecay: -0.004}), "invalid momentum_decay value: -0.004"},
		{"spec", spec("nadam:momentum_decay=-1"), "invalid momentum_decay value: -1"},
		{"spec unknown key", spec("nadam:maximize=true"), `unknown hyperparameter "maximize"`},
	})
	o, err := NewNAdam(p, NAdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.AddGroup(NAdamConfig{Eps: -2}); !ptbErrContains(err, "invalid epsilon value: -2") {
		t.Fatalf("AddGroup with eps -2: %v", err)
	}
}

func TestNAdamDefaults(t *testing.T) {
	cases := []struct {
		name string
		cfg  NAdamConfig
		want NAdamConfig
	}{
		{"zero value", NAdamConfig{}, NAdamConfig{LR: 2e-3, Betas: [2]float64{0.9, 0.999}, Eps: 1e-8, MomentumDecay: 4e-3}},
		{"explicit zeros", NAdamConfig{Eps: Zero, MomentumDecay: Zero, Betas: [2]float64{Zero, 0.5}},
			NAdamConfig{LR: 2e-3, Betas: [2]float64{0, 0.5}, Eps: 0, MomentumDecay: 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := NewNAdam(nil, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Defaults(); got != c.want {
				t.Fatalf("defaults %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestNAdamFirstStep checks one step against the rule written out by hand,
// with the corrected second bias correction 1 − μ₁μ₂.
func TestNAdamFirstStep(t *testing.T) {
	cases := []struct {
		name string
		cfg  NAdamConfig
		x, g float64
	}{
		{"defaults", NAdamConfig{}, 0.5, 0.3},
		{"weight decay", NAdamConfig{LR: 0.1, WeightDecay: 0.2, MomentumDecay: 0.01, Betas: [2]float64{0.8, 0.99}}, -1.5, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParam("w", []float64{c.x}, []float64{c.g})
			o, err := NewNAdam([]*Param{p}, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := o.Step(); err != nil {
				t.Fatal(err)
			}
			h := o.Defaults()
			b1, b2 := h.Betas[0], h.Betas[1]
			g := c.g + h.WeightDecay*c.x
			mu1 := b1 * (1 - 0.5*math.Pow(0.96, h.MomentumDecay))
			mu2 := b1 * (1 - 0.5*math.Pow(0.96, 2*h.MomentumDecay))
			m := (1 - b1) * g
			d := math.Sqrt((1-b2)*g*g)/math.Sqrt(1-b2) + h.Eps
			want := c.x - h.LR*(1-mu1)/(1-mu1)*g/d - h.LR*mu2/(1-mu1*mu2)*m/d
			if got := p.F64[0]; math.Abs(got-want) > 1e-15 {
				t.Fatalf("after one step %.17g, want %.17g", got, want)
			}
			s := o.State(p)
			if got := s.Scalar("mu_product"); got != mu1 {
				t.Fatalf("mu_product %v, want μ₁ = %v", got, mu1)
			}
			if s.Step != 1 || s.Buf("exp_avg") == nil || s.Buf("exp_avg_sq") == nil {
				t.Fatalf("state %+v lacks step 1, exp_avg or exp_avg_sq", s)
			}
		})
	}
}

func TestNAdamFloat32(t *testing.T) {
	cases := []struct {
		name string
		cfg  NAdamConfig
	}{
		{"defaults", NAdamConfig{LR: 0.01}},
		{"weight decay", NAdamConfig{LR: 0.05, WeightDecay: 0.1, MomentumDecay: 0.01, Betas: [2]float64{0.8, 0.99}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ptbCheckF32(t, func(ps []*Param) (Optimizer, error) { return NewNAdam(ps, c.cfg) }, 6, 1e-5)
		})
	}
}

func TestNAdamResume(t *testing.T) {
	ptbCheckResume(t, func(ps []*Param) (Optimizer, error) {
		return NewNAdam(ps, NAdamConfig{LR: 0.01, WeightDecay: 0.01})
	}, 4, 5)
}

func TestNAdamRosenbrock(t *testing.T) {
	x, y, _, _ := ptbRosenbrock(t, func(ps []*Param) (Optimizer, error) {
		return NewNAdam(ps, NAdamConfig{LR: 3e-3})
	}, 10000)
	if !ptbNear(x, y, 3e-2) {
		t.Fatalf("NAdam(lr=3e-3) reached (%v, %v), not within 3e-2 of (1, 1)", x, y)
	}
}

func TestNAdamSparse(t *testing.T) {
	p := NewParam("emb", []float64{1, 2, 3, 4}, nil, 2, 2)
	o, err := NewNAdam([]*Param{p}, NAdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	p.Sparse = &SparseGrad{Rows: []int{1}, Values: []float64{1, 1}}
	if err := o.Step(); err == nil {
		t.Fatal("sparse gradient accepted")
	}
}
