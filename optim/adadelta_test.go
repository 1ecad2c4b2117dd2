package optim

import (
	"math"
	"testing"
)

func TestAdadeltaInvalid(t *testing.T) {
	mk := func(c AdadeltaConfig) func() error {
		return func() error { _, err := NewAdadelta(ptaVec(), c); return err }
	}
	ptaCheckInvalid(t, []ptaInvalid{
		{"lr", mk(AdadeltaConfig{LR: -1}), "invalid learning rate: -1"},
		{"rho negative", mk(AdadeltaConfig{Rho: -0.1}), "invalid rho value: -0.1"},
		{"rho above 1", mk(AdadeltaConfig{Rho: 1.5}), "invalid rho value: 1.5"},
		{"eps", mk(AdadeltaConfig{Eps: -1e-6}), "invalid epsilon value: -1e-06"},
		{"weight_decay", mk(AdadeltaConfig{WeightDecay: -0.01}), "invalid weight_decay value: -0.01"},
		{"spec rho", func() error { _, err := New("adadelta:rho=2", ptaVec()); return err }, "invalid rho value: 2"},
	})
	// The bounds themselves are allowed.
	for _, rho := range []float64{Zero, 1} {
		if _, err := NewAdadelta(ptaVec(), AdadeltaConfig{Rho: rho}); err != nil {
			t.Errorf("rho %v refused: %v", rho, err)
		}
	}
}

func TestAdadeltaDefaults(t *testing.T) {
	o, err := NewAdadelta(ptaVec(), AdadeltaConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want float64
	}{{"lr", 1}, {"rho", 0.9}, {"eps", 1e-6}, {"weight_decay", 0}} {
		if got, err := o.Hyper(0, c.key); err != nil || got != c.want {
			t.Errorf("%s = %v (%v), want %v", c.key, got, err, c.want)
		}
	}
	ptaRegistered(t, "adadelta:lr=0.5,rho=0.95", "Adadelta")
}

// TestAdadeltaFirstStep checks the rule by hand on one value.
func TestAdadeltaFirstStep(t *testing.T) {
	p := NewParam("w", []float64{2}, []float64{4})
	o, err := NewAdadelta([]*Param{p}, AdadeltaConfig{LR: 0.5, Rho: 0.75, Eps: 0.01, WeightDecay: 0.25})
	if err != nil {
		t.Fatal(err)
	}
	g := 4 + 0.25*2
	v := 0.25 * g * g
	d := math.Sqrt(0.01) / math.Sqrt(v+0.01) * g
	want := 2 - 0.5*d
	if err := o.Step(); err != nil {
		t.Fatal(err)
	}
	if math.Abs(p.F64[0]-want) > 1e-15 {
		t.Fatalf("got %v, want %v", p.F64[0], want)
	}
	u := o.State(p).Buf("acc_delta").([]float64)[0]
	if math.Abs(u-0.25*d*d) > 1e-15 {
		t.Fatalf("acc_delta %v, want %v", u, 0.25*d*d)
	}
}

func TestAdadeltaFloat32(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  AdadeltaConfig
	}{
		{"default", AdadeltaConfig{}},
		{"all", AdadeltaConfig{LR: 0.5, Rho: 0.5, Eps: 1e-4, WeightDecay: 0.1, Maximize: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptaFloat32Agrees(t, func(p []*Param) (Optimizer, error) { return NewAdadelta(p, c.cfg) }, false)
		})
	}
}

func TestAdadeltaMaximizeResumeSparse(t *testing.T) {
	ptaMaximizeMirror(t, func(p []*Param, m bool) (Optimizer, error) {
		return NewAdadelta(p, AdadeltaConfig{WeightDecay: 0.1, Maximize: m})
	})
	ptaResumeExact(t, func(p []*Param) (Optimizer, error) { return NewAdadelta(p, AdadeltaConfig{LR: 0.5}) })
	ptaRefusesSparse(t, func(p []*Param) (Optimizer, error) { return NewAdadelta(p, AdadeltaConfig{}) })
}

// TestAdadeltaRosenbrock: PyTorch's default lr 1.0 overshoots in the
// narrow valley (it ends near (0.56, 0.41) after 10,000 steps), but a
// smaller scale lr 0.07 with rho 0.95 and eps 1e-7 reaches (1, 1) from
// (0, 0) in 10,000 steps.
func TestAdadeltaRosenbrock(t *testing.T) {
	x, y := ptaMinimise(t, func(p []*Param) (Optimizer, error) {
		return NewAdadelta(p, AdadeltaConfig{LR: 0.07, Rho: 0.95, Eps: 1e-7})
	}, 10000, false)
	ptaCheckRosen(t, x, y, 3e-2)
}
