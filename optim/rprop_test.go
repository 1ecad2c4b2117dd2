package optim

import (
	"math"
	"testing"
)

func TestRpropInvalid(t *testing.T) {
	p := []*Param{NewParam("w", []float64{1}, []float64{0})}
	mk := func(c RpropConfig) func() error {
		return func() error { _, err := NewRprop(p, c); return err }
	}
	spec := func(s string) func() error {
		return func() error { _, err := New(s, p); return err }
	}
	ptbCheckInvalid(t, []ptbInvalidCase{
		{"lr", mk(RpropConfig{LR: -0.01}), "invalid learning rate: -0.01"},
		{"etaminus above 1", mk(RpropConfig{Etas: [2]float64{1.5, 2}}), "invalid eta values: 1.5, 2"},
		{"etaminus negative", mk(RpropConfig{Etas: [2]float64{-0.5, 1.2}}), "invalid eta values: -0.5, 1.2"},
		{"etaminus zero", mk(RpropConfig{Etas: [2]float64{Zero, 1.2}}), "invalid eta values: 0, 1.2"},
		{"etaplus below 1", mk(RpropConfig{Etas: [2]float64{0.5, 0.9}}), "invalid eta values: 0.5, 0.9"},
		{"etaplus 1", mk(RpropConfig{Etas: [2]float64{0.5, 1}}), "invalid eta values: 0.5, 1"},
		{"spec", spec("rprop:etas=0/1.2"), "invalid eta values: 0, 1.2"},
		{"spec unknown key", spec("rprop:weight_decay=0.1"), `unknown hyperparameter "weight_decay"`},
	})
}

func TestRpropDefaults(t *testing.T) {
	o, err := NewRprop(nil, RpropConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want := RpropConfig{LR: 1e-2, Etas: [2]float64{0.5, 1.2}, StepSizes: [2]float64{1e-6, 50}}
	if got := o.Defaults(); got != want {
		t.Fatalf("defaults %+v, want %+v", got, want)
	}
	o2, err := New("rprop:lr=0.02,etas=0.4/1.3,step_sizes=1e-4/0.5,maximize=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]float64{"lr": 0.02, "etas.0": 0.4, "etas.1": 1.3, "step_sizes.0": 1e-4, "step_sizes.1": 0.5} {
		if got, err := o2.Hyper(0, key); err != nil || got != want {
			t.Fatalf("Hyper(%q) = %v, %v; want %v", key, got, err, want)
		}
	}
}

// TestRpropRule follows one element through hand-computed steps: a sign
// change halves Δ and freezes the element for that step, and the next step
// leaves Δ alone (the remembered gradient was zeroed); Δ is clamped.
func TestRpropRule(t *testing.T) {
	type step struct {
		g        float64
		size, x  float64 // Δ and θ after the step
		prevZero bool    // the remembered gradient was zeroed
	}
	cases := []struct {
		name  string
		cfg   RpropConfig
		steps []step
	}{
		{"defaults", RpropConfig{LR: 0.1}, []step{
			{g: 1, size: 0.1, x: -0.1},                                        // no previous gradient: Δ kept
			{g: 2, size: 0.1 * 1.2, x: -0.1 - 0.1*1.2},                        // same sign: Δη⁺
			{g: -1, size: 0.1 * 1.2 * 0.5, x: -0.1 - 0.1*1.2, prevZero: true}, // flip: Δη⁻, no move
			{g: -1, size: 0.1 * 1.2 * 0.5, x: -0.1 - 0.1*1.2 + 0.1*1.2*0.5},   // after a flip: Δ kept
			{g: -3, size: 0.1 * 1.2 * 0.5 * 1.2, x: -0.1 - 0.1*1.2 + 0.1*1.2*0.5 + 0.1*1.2*0.5*1.2},
			{g: 0, size: 0.1 * 1.2 * 0.5 * 1.2, x: -0.1 - 0.1*1.2 + 0.1*1.2*0.5 + 0.1*1.2*0.5*1.2}, // zero: no move
		}},
		{"clamped", RpropConfig{LR: 0.1, Etas: [2]float64{0.25, 2}, StepSizes: [2]float64{0.05, 0.15}}, []step{
			{g: 1, size: 0.1, x: -0.1},
			{g: 1, size: 0.15, x: -0.25},                  // 0.2 clamped to Δmax
			{g: -1, size: 0.05, x: -0.25, prevZero: true}, // 0.0375 clamped to Δmin
			{g: -1, size: 0.05, x: -0.2},
		}},
		{"lr above max", RpropConfig{LR: 1, StepSizes: [2]float64{1e-6, 0.5}}, []step{
			{g: 1, size: 0.5, x: -0.5}, // Δ is clamped even when unchanged
		}},
		{"maximize", RpropConfig{LR: 0.1, Maximize: true}, []step{
			{g: 1, size: 0.1, x: 0.1},
			{g: 1, size: 0.1 * 1.2, x: 0.1 + 0.1*1.2},
			{g: -1, size: 0.1 * 1.2 * 0.5, x: 0.1 + 0.1*1.2, prevZero: true},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewParam("w", []float64{0}, []float64{0})
			o, err := NewRprop([]*Param{p}, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range c.steps {
				p.G64[0] = st.g
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
				s := o.State(p)
				size := s.Buf("step_size").([]float64)[0]
				prev := s.Buf("prev").([]float64)[0]
				if math.Abs(size-st.size) > 1e-15 || math.Abs(p.F64[0]-st.x) > 1e-15 {
					t.Fatalf("step %d: Δ %v θ %v, want Δ %v θ %v", i+1, size, p.F64[0], st.size, st.x)
				}
				if (prev == 0) != (st.prevZero || st.g == 0) {
					t.Fatalf("step %d: remembered gradient %v (zeroed: want %v)", i+1, prev, st.prevZero)
				}
			}
		})
	}
}

func TestRpropFloat32(t *testing.T) {
	cases := []struct {
		name string
		cfg  RpropConfig
	}{
		{"defaults", RpropConfig{}},
		{"etas maximize", RpropConfig{LR: 0.02, Etas: [2]float64{0.4, 1.3}, StepSizes: [2]float64{1e-4, 0.5}, Maximize: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ptbCheckF32(t, func(ps []*Param) (Optimizer, error) { return NewRprop(ps, c.cfg) }, 8, 1e-5)
		})
	}
}

func TestRpropResume(t *testing.T) {
	ptbCheckResume(t, func(ps []*Param) (Optimizer, error) {
		return NewRprop(ps, RpropConfig{LR: 0.02, Etas: [2]float64{0.4, 1.3}})
	}, 4, 6)
}

func TestRpropRosenbrock(t *testing.T) {
	x, y, _, _ := ptbRosenbrock(t, func(ps []*Param) (Optimizer, error) {
		return NewRprop(ps, RpropConfig{})
	}, 10000)
	if !ptbNear(x, y, 3e-2) {
		t.Fatalf("Rprop(defaults) reached (%v, %v), not within 3e-2 of (1, 1)", x, y)
	}
}
