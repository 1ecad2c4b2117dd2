package optim

import (
	"math"
	"slices"
	"testing"
)

func TestRMSpropInvalid(t *testing.T) {
	mk := func(c RMSpropConfig) func() error {
		return func() error { _, err := NewRMSprop(ptaVec(), c); return err }
	}
	ptaCheckInvalid(t, []ptaInvalid{
		{"lr", mk(RMSpropConfig{LR: -0.01}), "invalid learning rate: -0.01"},
		{"eps", mk(RMSpropConfig{Eps: -1}), "invalid epsilon value: -1"},
		{"momentum", mk(RMSpropConfig{Momentum: -0.9}), "invalid momentum value: -0.9"},
		{"weight_decay", mk(RMSpropConfig{WeightDecay: -0.2}), "invalid weight_decay value: -0.2"},
		{"alpha", mk(RMSpropConfig{Alpha: -0.99}), "invalid alpha value: -0.99"},
		{"spec alpha", func() error { _, err := New("rmsprop:alpha=-1", ptaVec()); return err }, "invalid alpha value: -1"},
	})
}

func TestRMSpropDefaults(t *testing.T) {
	o, err := NewRMSprop(ptaVec(), RMSpropConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want float64
	}{{"lr", 1e-2}, {"alpha", 0.99}, {"eps", 1e-8}, {"momentum", 0}, {"weight_decay", 0}} {
		if got, err := o.Hyper(0, c.key); err != nil || got != c.want {
			t.Errorf("%s = %v (%v), want %v", c.key, got, err, c.want)
		}
	}
	ptaRegistered(t, "rmsprop:lr=0.001,momentum=0.9,centered=true", "RMSprop")
	ptaRegistered(t, "RMSprop", "RMSprop")
}

// TestRMSpropState: momentum_buffer exists only with momentum > 0 and
// grad_avg only when centered, as in PyTorch.
func TestRMSpropState(t *testing.T) {
	for _, c := range []struct {
		cfg  RMSpropConfig
		want []string
	}{
		{RMSpropConfig{}, []string{"square_avg"}},
		{RMSpropConfig{Momentum: 0.9}, []string{"square_avg", "momentum_buffer"}},
		{RMSpropConfig{Centered: true}, []string{"square_avg", "grad_avg"}},
		{RMSpropConfig{Momentum: 0.5, Centered: true}, []string{"square_avg", "momentum_buffer", "grad_avg"}},
	} {
		p := ptaVec()
		p[0].G64[0] = 1
		o, err := NewRMSprop(p, c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		s := o.State(p[0])
		if got := s.BufNames(); !slices.Equal(got, c.want) {
			t.Errorf("%+v: state %v, want %v", c.cfg, got, c.want)
		}
		if s.Step != 1 {
			t.Errorf("%+v: step %d", c.cfg, s.Step)
		}
	}
}

// TestRMSpropFirstStep checks the centered momentum rule by hand.
func TestRMSpropFirstStep(t *testing.T) {
	p := NewParam("w", []float64{1}, []float64{2})
	o, err := NewRMSprop([]*Param{p}, RMSpropConfig{LR: 0.1, Alpha: 0.5, Eps: 0.25, Momentum: 0.5, Centered: true})
	if err != nil {
		t.Fatal(err)
	}
	v, m, b, x := 0.0, 0.0, 0.0, 1.0
	for step := range 3 {
		v = 0.5*v + 0.5*4
		m = 0.5*m + 0.5*2
		b = 0.5*b + 2/(math.Sqrt(v-m*m)+0.25)
		x -= 0.1 * b
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		if math.Abs(p.F64[0]-x) > 1e-15 {
			t.Fatalf("step %d: %v, want %v", step+1, p.F64[0], x)
		}
	}
}

func TestRMSpropFloat32(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  RMSpropConfig
	}{
		{"plain", RMSpropConfig{}},
		{"momentum", RMSpropConfig{Momentum: 0.9, Alpha: 0.9}},
		{"all", RMSpropConfig{LR: 0.01, Momentum: 0.5, Centered: true, WeightDecay: 0.01, Eps: 1e-4, Maximize: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptaFloat32Agrees(t, func(p []*Param) (Optimizer, error) { return NewRMSprop(p, c.cfg) }, false)
		})
	}
}

func TestRMSpropMaximizeResumeSparse(t *testing.T) {
	ptaMaximizeMirror(t, func(p []*Param, m bool) (Optimizer, error) {
		return NewRMSprop(p, RMSpropConfig{Momentum: 0.5, Centered: true, WeightDecay: 0.1, Maximize: m})
	})
	ptaResumeExact(t, func(p []*Param) (Optimizer, error) {
		return NewRMSprop(p, RMSpropConfig{Momentum: 0.5, Centered: true})
	})
	ptaRefusesSparse(t, func(p []*Param) (Optimizer, error) { return NewRMSprop(p, RMSpropConfig{}) })
}

// TestRMSpropRosenbrock: lr 1e-3 (plain, with momentum 0.9, or centered)
// reaches (1, 1) from (0, 0) in 10,000 steps.
func TestRMSpropRosenbrock(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  RMSpropConfig
	}{
		{"plain", RMSpropConfig{LR: 1e-3}},
		{"momentum", RMSpropConfig{LR: 1e-3, Momentum: 0.9}},
		{"centered", RMSpropConfig{LR: 1e-3, Centered: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, y := ptaMinimise(t, func(p []*Param) (Optimizer, error) { return NewRMSprop(p, c.cfg) }, 10000, false)
			ptaCheckRosen(t, x, y, 3e-2)
		})
	}
}
