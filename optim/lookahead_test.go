package optim

import (
	"math"
	"strings"
	"testing"
)

// Hand-computed: SGD with γ=0.1 under a constant gradient g moves θ by
// −0.1g a step; with k=2, α=0.5 the slow weights start at θ₀, and after
// step 2, φ = θ₀ + 0.5(θ₂ − θ₀) = θ₀ − 0.1g = θ.
func TestLookaheadHandSteps(t *testing.T) {
	g := []float64{1, -2, 0.5}
	x0 := []float64{0.5, -1.5, 2}
	at := func(c float64) []float64 { // θ₀ − c·g
		return []float64{x0[0] - c*g[0], x0[1] - c*g[1], x0[2] - c*g[2]}
	}
	cases := []struct {
		name  string
		spec  string
		steps int
		want  []float64
	}{
		{"one step", "lookahead:k=2,alpha=0.5+sgd:lr=0.1", 1, at(0.1)},
		{"sync", "lookahead:k=2,alpha=0.5+sgd:lr=0.1", 2, at(0.1)},
		{"after sync", "lookahead:k=2,alpha=0.5+sgd:lr=0.1", 3, at(0.2)},
		{"second sync", "lookahead:k=2,alpha=0.5+sgd:lr=0.1", 4, at(0.2)},
		// k=3, α=0.25: φ = θ₀ + 0.25(−0.3g) = θ₀ − 0.075g.
		{"k=3", "lookahead:k=3,alpha=0.25+sgd:lr=0.1", 3, at(0.075)},
		// Defaults k=5, α=0.5: after 5 steps θ₀ − 0.25g.
		{"defaults", "lookahead+sgd:lr=0.1", 5, at(0.25)},
		{"alpha 1 is the inner optimizer", "lookahead:k=2,alpha=1+sgd:lr=0.1", 4, at(0.4)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := append([]float64(nil), x0...)
			p := NewParam("x", x, make([]float64, 3))
			o, err := New(c.spec, []*Param{p})
			if err != nil {
				t.Fatal(err)
			}
			for range c.steps {
				copy(p.G64, g)
				if err := o.Step(); err != nil {
					t.Fatal(err)
				}
			}
			for i := range x {
				if d := math.Abs(x[i] - c.want[i]); !(d <= 1e-12) {
					t.Errorf("x[%d] = %.17g, want %.17g", i, x[i], c.want[i])
				}
			}
		})
	}
}

func TestLookaheadSpec(t *testing.T) {
	cases := []struct {
		spec      string
		inner     string
		k         int
		alpha, lr float64
		beta2     float64 // 0: not checked
	}{
		{"lookahead:k=5,alpha=0.5+adam:lr=0.01,betas=0.9/0.999", "Adam", 5, 0.5, 0.01, 0.999},
		{"lookahead+adam", "Adam", 5, 0.5, 1e-3, 0.999},
		{"LookAhead:k=3 + AdamW:lr=0.02,betas=0.8/0.95", "AdamW", 3, 0.5, 0.02, 0.95},
		{"lookahead:alpha=8e-1+sgd:lr=1e+1", "SGD", 5, 0.8, 10, 0},
		{"lookahead:alpha=5e+0+sgd", "", 0, 0, 0, 0}, // alpha 5: refused below
		{"lookahead:k=7,inner=sgd:lr=0.5;momentum=0.9", "SGD", 7, 0.5, 0.5, 0},
		{"lookahead:k=2+lion:lr=3e-4", "Lion", 2, 0.5, 3e-4, 0.99},
	}
	for _, c := range cases {
		t.Run(c.spec, func(t *testing.T) {
			p := NewParam("x", []float64{1, 2}, []float64{0, 0})
			o, err := New(c.spec, []*Param{p})
			if c.inner == "" {
				if err == nil {
					t.Fatalf("New(%q) accepted", c.spec)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", c.spec, err)
			}
			la, ok := o.(*Lookahead)
			if !ok {
				t.Fatalf("New(%q) = %T", c.spec, o)
			}
			if got := la.Inner().Name(); got != c.inner {
				t.Errorf("inner %s, want %s", got, c.inner)
			}
			if o.Name() != "Lookahead("+c.inner+")" {
				t.Errorf("name %s", o.Name())
			}
			if cfg := la.Config(); cfg.K != c.k || cfg.Alpha != c.alpha {
				t.Errorf("config %+v, want k=%d alpha=%v", cfg, c.k, c.alpha)
			}
			if lr, err := o.Hyper(0, "lr"); err != nil || lr != c.lr {
				t.Errorf("lr %v (%v), want %v", lr, err, c.lr)
			}
			if c.beta2 != 0 {
				if b, err := o.Hyper(0, "beta2"); err != nil || b != c.beta2 {
					t.Errorf("beta2 %v (%v), want %v", b, err, c.beta2)
				}
			}
		})
	}
	// NewFromHyper, as a JSON config gives it: inner holds a whole spec.
	p := NewParam("x", []float64{1, 2}, []float64{0, 0})
	o, err := NewFromHyper("Lookahead", Hyper{{"alpha", "0.8"}, {"inner", "adam:lr=0.01,betas=0.5/0.6"}}, []*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := o.Hyper(0, "beta1"); b != 0.5 || o.(*Lookahead).Config().Alpha != 0.8 {
		t.Fatalf("NewFromHyper: beta1 %v, config %+v", b, o.(*Lookahead).Config())
	}
	found := false
	for _, n := range Names() {
		found = found || n == "lookahead"
	}
	if !found {
		t.Fatal(`Names() lacks "lookahead"`)
	}
}

func TestLookaheadRosenbrock(t *testing.T) {
	modaCheckRosenbrock(t, []modaRosenbrockCase{
		{"lookahead:k=5,alpha=0.5+adam:lr=0.01"},
		{"lookahead+sgd:lr=1e-3,momentum=0.9"},
	})
}

func TestLookaheadInvalid(t *testing.T) {
	modaCheckInvalid(t, []modaInvalidCase{
		{"lookahead:k=-1+sgd", "invalid k: -1"},
		{"lookahead:alpha=1.5+sgd", "invalid alpha: 1.5"},
		{"lookahead:alpha=0+sgd", "invalid alpha: 0"},
		{"lookahead:alpha=-0.5+sgd", "invalid alpha: -0.5"},
		{"lookahead:k=2.5+sgd", "want an integer"},
		{"lookahead:beta=2+sgd", `unknown hyperparameter "beta"`},
		{"lookahead:k=5", "no inner optimizer"},
		{"lookahead", "no inner optimizer"},
		{"lookahead+nosuch:lr=1", `unknown optimizer "nosuch"`},
		{"lookahead+adam:lr=-1", "invalid learning rate: -1"},
		{"lookahead+lookahead+sgd", "already a Lookahead"},
		{"lookahead:inner=sgd+adam", "not both"},
	})
	if _, err := NewLookahead(nil, LookaheadConfig{}); err == nil {
		t.Fatal("NewLookahead(nil) accepted")
	}
}

func TestLookaheadSetHyper(t *testing.T) {
	p := NewParam("x", []float64{1, 2}, []float64{0, 0})
	o, err := New("lookahead+adam:lr=0.01", []*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.SetHyper(0, "lr", 0.5); err != nil {
		t.Fatal(err)
	}
	if lr, _ := o.(*Lookahead).Inner().Hyper(0, "lr"); lr != 0.5 {
		t.Fatalf("inner lr %v after SetHyper(lr, 0.5)", lr)
	}
	if _, err := o.Hyper(0, "nosuch"); err == nil {
		t.Fatal("Hyper(nosuch) accepted")
	}
	if o.NumGroups() != 1 || len(o.Params(0)) != 1 || o.Params(0)[0] != p {
		t.Fatal("groups not delegated")
	}
	p.G64[0] = 3
	o.ZeroGrad()
	if p.G64[0] != 0 {
		t.Fatal("ZeroGrad not delegated")
	}
}

// A step the inner optimizer skips or refuses is not counted.
func TestLookaheadNonFinite(t *testing.T) {
	p := NewParam("x", []float64{1, 2}, []float64{0, 0})
	o, err := New("lookahead:k=2+sgd:lr=0.1", []*Param{p})
	if err != nil {
		t.Fatal(err)
	}
	la := o.(*Lookahead)
	p.G64[0] = math.NaN()
	if err := o.Step(); err == nil {
		t.Fatal("NaN gradient accepted")
	}
	o.SetNonFinite(NonFiniteSkip)
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	if la.Steps() != 0 || o.Skipped() != 1 {
		t.Fatalf("steps %d, skipped %d after a refused and a skipped step", la.Steps(), o.Skipped())
	}
	if p.F64[0] != 1 || p.F64[1] != 2 {
		t.Fatalf("parameters moved: %v", p.F64)
	}
	p.G64[0] = 1
	if _, err := o.StepClosure(func() (float64, error) { return 7, nil }); err != nil {
		t.Fatal(err)
	}
	if la.Steps() != 1 {
		t.Fatalf("steps %d after one good step", la.Steps())
	}
}

func TestLookaheadResume(t *testing.T) {
	modaCheckResume(t, []string{
		"lookahead:k=3,alpha=0.6+adam:lr=0.01",
		"lookahead:k=4,alpha=0.3+sgd:lr=0.05,momentum=0.9",
		"lookahead:k=2+lars:lr=2",
	}, 7, 8)
	// Saved before the first step: no slow weights yet.
	modaCheckResume(t, []string{"lookahead:k=2+adabelief:lr=0.01"}, 0, 5)
}

// The saved state carries k, alpha and the counter, and loading checks
// where it came from.
func TestLookaheadStateDict(t *testing.T) {
	ps := modaParams()
	o, err := New("lookahead:k=3,alpha=0.25+adam:lr=0.01", ps)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 4 {
		modaGrads(ps, k)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
	}
	sd := o.StateDict()
	if sd.Optimizer != "Lookahead(Adam)" || !strings.Contains(string(sd.Extra["lookahead"]), `"step":4`) {
		t.Fatalf("state dict %s, extra %s", sd.Optimizer, sd.Extra["lookahead"])
	}
	for i := range ps {
		if sd.State[i].Buf("lookahead_slow") == nil || sd.State[i].Buf("exp_avg") == nil {
			t.Fatalf("parameter %d: buffers %v", i, sd.State[i].BufNames())
		}
	}
	// k and alpha come back from the state, as hyperparameters do.
	qs := modaParams()
	q, err := New("lookahead:k=9,alpha=0.9+adam", qs)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.LoadStateDict(sd); err != nil {
		t.Fatal(err)
	}
	if c := q.(*Lookahead).Config(); c.K != 3 || c.Alpha != 0.25 || q.(*Lookahead).Steps() != 4 {
		t.Fatalf("loaded config %+v, steps %d", c, q.(*Lookahead).Steps())
	}
	if lr, _ := q.Hyper(0, "lr"); lr != 0.01 {
		t.Fatalf("loaded lr %v", lr)
	}
	// The loaded state was copied: sd is untouched and reusable.
	if sd.State[0].Buf("lookahead_slow") == nil {
		t.Fatal("LoadStateDict consumed the caller's state dict")
	}

	adam, _ := NewAdam(modaParams(), AdamConfig{})
	if err := adam.LoadStateDict(sd); err == nil || !strings.Contains(err.Error(), "saved by Lookahead(Adam), not Adam") {
		t.Fatalf("Adam loaded a Lookahead state: %v", err)
	}
	if err := q.LoadStateDict(adam.StateDict()); err == nil {
		t.Fatal("Lookahead loaded a plain Adam state")
	}
	sgd, _ := New("lookahead+sgd", modaParams())
	if err := sgd.LoadStateDict(sd); err == nil || !strings.Contains(err.Error(), "saved by Adam, not SGD") {
		t.Fatalf("Lookahead(SGD) loaded Lookahead(Adam) state: %v", err)
	}
	bad := o.StateDict()
	bad.State[1].SetBuf("lookahead_slow", []float32{1})
	if err := q.LoadStateDict(bad); err == nil || !strings.Contains(err.Error(), "lookahead_slow") {
		t.Fatalf("short slow buffer accepted: %v", err)
	}
	if q.(*Lookahead).Steps() != 4 {
		t.Fatal("failed load changed the state")
	}
}
