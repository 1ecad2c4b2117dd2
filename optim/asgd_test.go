package optim

import (
	"math"
	"testing"
)

func TestASGDInvalid(t *testing.T) {
	p := []*Param{NewParam("w", []float64{1}, []float64{0})}
	mk := func(c ASGDConfig) func() error {
		return func() error { _, err := NewASGD(p, c); return err }
	}
	ptbCheckInvalid(t, []ptbInvalidCase{
		{"lr", mk(ASGDConfig{LR: -0.1}), "invalid learning rate: -0.1"},
		{"lr NaN", mk(ASGDConfig{LR: math.NaN()}), "invalid learning rate: NaN"},
		{"weight_decay", mk(ASGDConfig{WeightDecay: -1e-4}), "invalid weight_decay value: -0.0001"},
		{"spec", func() error { _, err := New("asgd:lr=0.1,weight_decay=-2", p); return err }, "invalid weight_decay value: -2"},
	})
}

func TestASGDDefaults(t *testing.T) {
	cases := []struct {
		name string
		cfg  ASGDConfig
		want ASGDConfig
	}{
		{"zero value", ASGDConfig{}, ASGDConfig{LR: 1e-2, Lambd: 1e-4, Alpha: 0.75, T0: 1e6}},
		{"explicit zeros", ASGDConfig{Lambd: Zero, T0: Zero, Maximize: true}, ASGDConfig{LR: 1e-2, Lambd: 0, Alpha: 0.75, T0: 0, Maximize: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o, err := NewASGD(nil, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Defaults(); got != c.want {
				t.Fatalf("defaults %+v, want %+v", got, c.want)
			}
		})
	}
}

// TestASGDSchedule checks η, μ and the average after every step against
// the rule: η and μ are set after the update from the step just taken, and
// for an integer t₀ the average at step t is the mean of the iterates of
// steps t₀+2..t (the iterate itself before).
func TestASGDSchedule(t *testing.T) {
	cases := []struct {
		name string
		cfg  ASGDConfig
	}{
		{"t0 3", ASGDConfig{LR: 0.05, Lambd: 1e-2, Alpha: 0.6, T0: 3}},
		{"t0 0 weight decay", ASGDConfig{LR: 0.05, Lambd: 1e-3, T0: Zero, WeightDecay: 0.1}},
		{"default t0", ASGDConfig{LR: 0.05}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sizes := []int{6}
			grads := ptbGrads(9, 12, sizes...)
			ps := ptbParams64(ptbInit(2, sizes...))
			o, err := NewASGD(ps, c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			h := o.Defaults()
			p := ps[0]
			if a := o.Averaged64(p); a != nil {
				t.Fatalf("average before the first step: %v, want nil", a)
			}
			eta := h.LR
			var iterates [][]float64
			for step := 1; step <= len(grads); step++ {
				x0 := append([]float64(nil), p.F64...)
				ptbRun(t, o, ps, grads[step-1:step])
				tt := float64(step)
				// The update used the η of the step before.
				for i, g := range grads[step-1][0] {
					want := x0[i]*(1-h.Lambd*eta) - eta*(g+h.WeightDecay*x0[i])
					if math.Abs(p.F64[i]-want) > 1e-15 {
						t.Fatalf("step %d: θ[%d] = %v, want %v", step, i, p.F64[i], want)
					}
				}
				s := o.State(p)
				eta = h.LR / math.Pow(1+h.Lambd*h.LR*tt, h.Alpha)
				if got := s.Scalar("eta"); got != eta {
					t.Fatalf("step %d: eta %v, want %v", step, got, eta)
				}
				if got, want := s.Scalar("mu"), 1/math.Max(1, tt-h.T0); got != want {
					t.Fatalf("step %d: mu %v, want %v", step, got, want)
				}
				iterates = append(iterates, append([]float64(nil), p.F64...))
				first := step // the first step whose iterate is in the average
				if float64(step) > h.T0+2 {
					first = int(h.T0) + 2
				}
				avg := o.Averaged64(p)
				for i := range avg {
					var sum float64
					for _, it := range iterates[first-1:] {
						sum += it[i]
					}
					want := sum / float64(step-first+1)
					if math.Abs(avg[i]-want) > 1e-14 {
						t.Fatalf("step %d: average[%d] = %v, want mean of steps %d..%d = %v", step, i, avg[i], first, step, want)
					}
				}
			}
		})
	}
}

func TestASGDAveragedCopies(t *testing.T) {
	p32 := NewParam("w", []float32{1, 2}, []float32{1, -1})
	p64 := NewParam("v", []float64{1, 2}, []float64{1, -1})
	o, err := NewASGD([]*Param{p32, p64}, ASGDConfig{T0: Zero})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
	a := o.Averaged32(p32)
	a[0] = 99
	if b := o.Averaged32(p32); b[0] == 99 {
		t.Fatal("Averaged32 returned the state buffer itself")
	}
	if o.Averaged64(p32) != nil || o.Averaged32(p64) != nil {
		t.Fatal("Averaged of the wrong dtype is not nil")
	}
	if o.Averaged64(NewParam("other", []float64{1}, []float64{1})) != nil {
		t.Fatal("Averaged of a foreign parameter is not nil")
	}
}

// TestASGDMaximize: maximizing f is minimizing −f, bit for bit.
func TestASGDMaximize(t *testing.T) {
	cfg := ASGDConfig{LR: 0.05, WeightDecay: 0.01, T0: 2}
	sizes := []int{8}
	grads := ptbGrads(4, 6, sizes...)
	neg := make([][][]float64, len(grads))
	for s := range grads {
		neg[s] = [][]float64{make([]float64, sizes[0])}
		for i, g := range grads[s][0] {
			neg[s][0][i] = -g
		}
	}
	pa, pb := ptbParams64(ptbInit(1, sizes...)), ptbParams64(ptbInit(1, sizes...))
	maxCfg := cfg
	maxCfg.Maximize = true
	a, err := NewASGD(pa, maxCfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewASGD(pb, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ptbRun(t, a, pa, grads)
	ptbRun(t, b, pb, neg)
	for i := range pa[0].F64 {
		if pa[0].F64[i] != pb[0].F64[i] {
			t.Fatalf("θ[%d]: maximize %v, minimize of −f %v", i, pa[0].F64[i], pb[0].F64[i])
		}
	}
}

func TestASGDFloat32(t *testing.T) {
	cases := []struct {
		name string
		cfg  ASGDConfig
	}{
		{"defaults", ASGDConfig{}},
		{"averaging", ASGDConfig{LR: 0.05, Lambd: 1e-3, T0: 2, WeightDecay: 0.01, Maximize: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ptbCheckF32(t, func(ps []*Param) (Optimizer, error) { return NewASGD(ps, c.cfg) }, 6, 1e-5)
		})
	}
}

func TestASGDResume(t *testing.T) {
	ptbCheckResume(t, func(ps []*Param) (Optimizer, error) {
		return NewASGD(ps, ASGDConfig{LR: 0.05, Lambd: 1e-3, T0: 2, WeightDecay: 0.01})
	}, 4, 5)
}

// TestASGDRosenbrock: on a deterministic gradient ASGD is gradient descent
// with a slowly shrinking step (η ≈ γ/(1+λγt)^α) plus an extra decay λ, so
// it converges when γ stays below 2/(largest curvature along the path,
// about 1000 near the minimum). Both the iterate and the average of the
// last 5,000 iterates must end within 3e-2 of (1, 1).
func TestASGDRosenbrock(t *testing.T) {
	x, y, o, p := ptbRosenbrock(t, func(ps []*Param) (Optimizer, error) {
		return NewASGD(ps, ASGDConfig{LR: 1.5e-3, T0: 5000})
	}, 10000)
	if !ptbNear(x, y, 3e-2) {
		t.Fatalf("ASGD(lr=1.5e-3) reached (%v, %v), not within 3e-2 of (1, 1)", x, y)
	}
	a := o.(*ASGD).Averaged64(p)
	if !ptbNear(a[0], a[1], 3e-2) {
		t.Fatalf("ASGD(lr=1.5e-3, t0=5000) average (%v, %v), not within 3e-2 of (1, 1)", a[0], a[1])
	}
}
