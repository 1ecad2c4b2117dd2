package optim

import (
	"math"
	"testing"
)

func TestAdagradInvalid(t *testing.T) {
	mk := func(c AdagradConfig) func() error {
		return func() error { _, err := NewAdagrad(ptaVec(), c); return err }
	}
	spec := func(s string) func() error {
		return func() error { _, err := New(s, ptaVec()); return err }
	}
	ptaCheckInvalid(t, []ptaInvalid{
		{"lr", mk(AdagradConfig{LR: -0.1}), "invalid learning rate: -0.1"},
		{"lr_decay", mk(AdagradConfig{LRDecay: -0.5}), "invalid lr_decay value: -0.5"},
		{"weight_decay", mk(AdagradConfig{WeightDecay: -2}), "invalid weight_decay value: -2"},
		{"initial_accumulator_value", mk(AdagradConfig{InitialAccumulatorValue: -0.25}), "invalid initial_accumulator_value value: -0.25"},
		{"eps", mk(AdagradConfig{Eps: -1e-3}), "invalid epsilon value: -0.001"},
		{"lr NaN", mk(AdagradConfig{LR: math.NaN()}), "invalid learning rate: NaN"},
		{"spec lr", spec("adagrad:lr=-3"), "invalid learning rate: -3"},
		{"spec unknown key", spec("adagrad:momentum=0.9"), "momentum"},
	})
}

func TestAdagradDefaults(t *testing.T) {
	o, err := NewAdagrad(ptaVec(), AdagradConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want float64
	}{{"lr", 1e-2}, {"lr_decay", 0}, {"weight_decay", 0}, {"initial_accumulator_value", 0}, {"eps", 1e-10}} {
		if got, err := o.Hyper(0, c.key); err != nil || got != c.want {
			t.Errorf("%s = %v (%v), want %v", c.key, got, err, c.want)
		}
	}
	ptaRegistered(t, "adagrad:lr=0.1,lr_decay=0.01", "Adagrad")
	ptaRegistered(t, "Adagrad", "Adagrad")
}

// TestAdagradFirstStep checks the rule by hand: with initial value s₀ the
// first step is θ − γ·g/(√(s₀+g²)+ε), the second uses γ/(1+η).
func TestAdagradFirstStep(t *testing.T) {
	p := NewParam("w", []float64{1}, []float64{3})
	o, err := NewAdagrad([]*Param{p}, AdagradConfig{LR: 0.5, LRDecay: 0.25, InitialAccumulatorValue: 7, Eps: 0.125})
	if err != nil {
		t.Fatal(err)
	}
	want := 1.0
	sum := 7.0
	for step, clr := range []float64{0.5, 0.5 / 1.25, 0.5 / 1.5} {
		sum += 9
		want -= clr * 3 / (math.Sqrt(sum) + 0.125)
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		if math.Abs(p.F64[0]-want) > 1e-15 {
			t.Fatalf("step %d: %v, want %v", step+1, p.F64[0], want)
		}
	}
}

func TestAdagradFloat32(t *testing.T) {
	for _, c := range []struct {
		name   string
		cfg    AdagradConfig
		sparse bool
	}{
		{"plain", AdagradConfig{LR: 0.1}, false},
		{"all", AdagradConfig{LR: 0.1, LRDecay: 0.1, WeightDecay: 0.05, InitialAccumulatorValue: 0.2, Eps: 1e-6, Maximize: true}, false},
		{"sparse", AdagradConfig{LR: 0.1, LRDecay: 0.1, InitialAccumulatorValue: 0.2}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ptaFloat32Agrees(t, func(p []*Param) (Optimizer, error) { return NewAdagrad(p, c.cfg) }, c.sparse)
		})
	}
}

func TestAdagradSparse(t *testing.T) {
	ptaSparseChecks(t, func(p []*Param, maximize bool) (Optimizer, error) {
		return NewAdagrad(p, AdagradConfig{LR: 0.3, LRDecay: 0.1, InitialAccumulatorValue: 0.5, Maximize: maximize})
	}, []string{"sum"}, 0.5)

	// Weight decay cannot be combined with sparse gradients, as in PyTorch.
	p := NewParam[float64]("emb", []float64{1, 2}, nil, 2, 1)
	o, err := NewAdagrad([]*Param{p}, AdagradConfig{WeightDecay: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	p.Sparse = &SparseGrad{Rows: []int{0}, Values: []float64{1}}
	if err := o.Step(); err == nil {
		t.Fatal("sparse gradient with weight_decay accepted")
	}

	// A sparse gradient listing every row moves as the dense one.
	g := []float64{0.5, -1, 2, 0.25}
	ps := NewParam[float64]("emb", []float64{1, 2, 3, 4}, nil, 2, 2)
	pd := NewParam("emb", []float64{1, 2, 3, 4}, append([]float64(nil), g...), 2, 2)
	cfg := AdagradConfig{LR: 0.2, LRDecay: 0.3, InitialAccumulatorValue: 0.1}
	oSp, _ := NewAdagrad([]*Param{ps}, cfg)
	od, _ := NewAdagrad([]*Param{pd}, cfg)
	for range 3 {
		ps.Sparse = &SparseGrad{Rows: []int{0, 1}, Values: g}
		if err := oSp.Step(); err != nil {
			t.Fatal(err)
		}
		if err := od.Step(); err != nil {
			t.Fatal(err)
		}
	}
	for i := range ps.F64 {
		if math.Abs(ps.F64[i]-pd.F64[i]) > 1e-14 {
			t.Fatalf("value %d: sparse %v, dense %v", i, ps.F64[i], pd.F64[i])
		}
	}
}

func TestAdagradMaximizeResume(t *testing.T) {
	ptaMaximizeMirror(t, func(p []*Param, m bool) (Optimizer, error) {
		return NewAdagrad(p, AdagradConfig{LR: 0.1, WeightDecay: 0.1, LRDecay: 0.05, Maximize: m})
	})
	ptaResumeExact(t, func(p []*Param) (Optimizer, error) {
		return NewAdagrad(p, AdagradConfig{LR: 0.1, LRDecay: 0.05, InitialAccumulatorValue: 0.1})
	})
}

// TestAdagradRosenbrock: lr 0.1 reaches (1, 1) from (0, 0) in 10,000
// steps.
func TestAdagradRosenbrock(t *testing.T) {
	x, y := ptaMinimise(t, func(p []*Param) (Optimizer, error) { return NewAdagrad(p, AdagradConfig{LR: 0.1}) }, 10000, false)
	ptaCheckRosen(t, x, y, 3e-2)
}
