package optim

import (
	"math"
	"strings"
	"testing"
)

func TestSparseAdamInvalid(t *testing.T) {
	mk := func(c SparseAdamConfig) func() error {
		return func() error { _, err := NewSparseAdam(ptaVec(), c); return err }
	}
	spec := func(s string) func() error {
		return func() error { _, err := New(s, ptaVec()); return err }
	}
	ptaCheckInvalid(t, []ptaInvalid{
		{"lr negative", mk(SparseAdamConfig{LR: -1e-3}), "invalid learning rate: -0.001"},
		{"lr zero", mk(SparseAdamConfig{LR: Zero}), "invalid learning rate: 0 "},
		{"spec lr zero", spec("sparseadam:lr=0"), "invalid learning rate: 0 "},
		{"eps zero", mk(SparseAdamConfig{Eps: Zero}), "invalid epsilon value: 0 "},
		{"eps negative", mk(SparseAdamConfig{Eps: -1}), "invalid epsilon value: -1"},
		{"beta1", mk(SparseAdamConfig{Betas: [2]float64{-0.1, 0.999}}), "invalid beta parameter at index 0: -0.1"},
		{"beta2", mk(SparseAdamConfig{Betas: [2]float64{0.9, 1}}), "invalid beta parameter at index 1: 1"},
	})
}

func TestSparseAdamDefaults(t *testing.T) {
	o, err := NewSparseAdam(ptaVec(), SparseAdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		key  string
		want float64
	}{{"lr", 1e-3}, {"beta1", 0.9}, {"beta2", 0.999}, {"eps", 1e-8}} {
		if got, err := o.Hyper(0, c.key); err != nil || got != c.want {
			t.Errorf("%s = %v (%v), want %v", c.key, got, err, c.want)
		}
	}
	ptaRegistered(t, "sparseadam:lr=0.01,betas=0.9/0.99,maximize=true", "SparseAdam")
	ptaRegistered(t, "SparseAdam", "SparseAdam")
}

// TestSparseAdamDense: a dense gradient is refused, naming the remedy.
func TestSparseAdamDense(t *testing.T) {
	p := ptaVec()
	p[0].G64[0] = 1
	o, err := NewSparseAdam(p, SparseAdamConfig{})
	if err != nil {
		t.Fatal(err)
	}
	err = o.Step()
	if err == nil || !strings.Contains(err.Error(), "dense gradients") {
		t.Fatalf("dense gradient: error %v", err)
	}
	if p[0].F64[0] != 1 {
		t.Fatal("parameter changed by a refused step")
	}
}

// TestSparseAdamFirstSteps checks the rule by hand: a row's step count is
// the parameter's, even for steps that did not list the row.
func TestSparseAdamFirstSteps(t *testing.T) {
	p := NewParam[float64]("emb", []float64{1, 2}, nil, 2, 1)
	o, err := NewSparseAdam([]*Param{p}, SparseAdamConfig{LR: 0.1, Betas: [2]float64{0.5, 0.75}, Eps: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	m, v, x := 0.0, 0.0, 2.0
	for step, rows := range [][]int{{1}, {0}, {1}} {
		p.Sparse = &SparseGrad{Rows: rows, Values: []float64{3}}
		if err := o.Step(); err != nil {
			t.Fatal(err)
		}
		if rows[0] != 1 {
			continue
		}
		tt := float64(step + 1)
		m = 0.5*m + 0.5*3
		v = 0.75*v + 0.25*9
		x -= 0.1 * math.Sqrt(1-math.Pow(0.75, tt)) / (1 - math.Pow(0.5, tt)) * m / (math.Sqrt(v) + 0.01)
		if math.Abs(p.F64[1]-x) > 1e-15 {
			t.Fatalf("step %d: %v, want %v", step+1, p.F64[1], x)
		}
	}
}

func TestSparseAdamSparse(t *testing.T) {
	ptaSparseChecks(t, func(p []*Param, maximize bool) (Optimizer, error) {
		return NewSparseAdam(p, SparseAdamConfig{LR: 0.05, Maximize: maximize})
	}, []string{"exp_avg", "exp_avg_sq"}, 0)
}

func TestSparseAdamFloat32(t *testing.T) {
	ptaFloat32Agrees(t, func(p []*Param) (Optimizer, error) {
		return NewSparseAdam(p, SparseAdamConfig{LR: 0.05, Betas: [2]float64{0.8, 0.99}})
	}, true)
}

// TestSparseAdamRosenbrock: the point as a 2×1 table whose sparse gradient
// lists both rows every step; lr 0.01 reaches (1, 1) from (0, 0) in 10,000
// steps.
func TestSparseAdamRosenbrock(t *testing.T) {
	x, y := ptaMinimise(t, func(p []*Param) (Optimizer, error) { return NewSparseAdam(p, SparseAdamConfig{LR: 0.01}) }, 10000, true)
	ptaCheckRosen(t, x, y, 3e-2)
}
