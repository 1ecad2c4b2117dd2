package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/descent-ml/descent/optim"
)

// sgd returns SGD (momentum 0.9) with one group per rate in lrs.
func sgd(t *testing.T, lrs ...float64) *optim.SGD {
	t.Helper()
	var ps []*optim.Param
	for range lrs {
		ps = append(ps, optim.NewParam("w", []float64{1, 2}, []float64{0.1, -0.2}))
	}
	o, err := optim.NewSGD(ps[:1], optim.SGDConfig{LR: lrs[0], Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	for g := 1; g < len(lrs); g++ {
		if err := o.AddGroup(optim.SGDConfig{LR: lrs[g]}, ps[g]); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// adam returns Adam with one group per rate in lrs.
func adam(t *testing.T, lrs ...float64) *optim.Adam {
	t.Helper()
	var ps []*optim.Param
	for range lrs {
		ps = append(ps, optim.NewParam("w", []float64{1, 2}, []float64{0.1, -0.2}))
	}
	o, err := optim.NewAdam(ps[:1], optim.AdamConfig{LR: lrs[0]})
	if err != nil {
		t.Fatal(err)
	}
	for g := 1; g < len(lrs); g++ {
		if err := o.AddGroup(optim.AdamConfig{LR: lrs[g]}, ps[g]); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

// must returns v, panicking (failing the test) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// follow steps s len(want)-1 times (optimizer step first) and checks the
// rates of every group against want[k][g], and key (momentum or beta1)
// against wantMom[k][g] when given.
func follow(t *testing.T, opt optim.Optimizer, s Scheduler, key string, want, wantMom [][]float64) {
	t.Helper()
	for k := range want {
		if k > 0 {
			if err := opt.Step(); err != nil {
				t.Fatal(err)
			}
			if err := s.Step(); err != nil {
				t.Fatalf("step %d: %v", k, err)
			}
		}
		lrs := must(groupValues(opt, "lr"))
		last := s.LastLR()
		for g, w := range want[k] {
			if !closeTo(lrs[g], w) || !closeTo(last[g], w) {
				t.Fatalf("step %d group %d: lr %v (LastLR %v), want %v", k, g, lrs[g], last[g], w)
			}
		}
		if wantMom != nil {
			m := must(groupValues(opt, key))
			for g, w := range wantMom[k] {
				if !closeTo(m[g], w) {
					t.Fatalf("step %d group %d: %s %v, want %v", k, g, key, m[g], w)
				}
			}
		}
	}
}

// col turns one value per step into [step][1].
func col(v ...float64) [][]float64 {
	out := make([][]float64, len(v))
	for i, x := range v {
		out[i] = []float64{x}
	}
	return out
}

func TestLambdaLR(t *testing.T) {
	opt := sgd(t, 0.1, 0.4)
	l1 := func(e int) float64 { return 1 / float64(e+1) }
	l2 := func(e int) float64 { return math.Pow(0.95, float64(e)) }
	s := must(NewLambdaLR(opt, LambdaLRConfig{LRLambdas: []func(int) float64{l1, l2}}))
	var want [][]float64
	for k := range 8 {
		want = append(want, []float64{0.1 * l1(k), 0.4 * l2(k)})
	}
	follow(t, opt, s, "", want, nil)

	// One function for every group.
	opt = sgd(t, 1, 2)
	s = must(NewLambdaLR(opt, LambdaLRConfig{LRLambda: func(e int) float64 { return float64(e % 3) }}))
	follow(t, opt, s, "", [][]float64{{0, 0}, {1, 2}, {2, 4}, {0, 0}, {1, 2}}, nil)

	if _, err := NewLambdaLR(sgd(t, 1, 2), LambdaLRConfig{LRLambdas: []func(int) float64{l1}}); err == nil ||
		!strings.Contains(err.Error(), "expected 2 lr_lambdas, but got 1") {
		t.Fatalf("wrong number of lambdas: %v", err)
	}
	if _, err := NewLambdaLR(sgd(t, 1), LambdaLRConfig{}); err == nil {
		t.Fatal("no lambda: no error")
	}
}

func TestMultiplicativeLR(t *testing.T) {
	opt := sgd(t, 0.5, 0.1)
	f := func(e int) float64 { return 1 - 0.05*float64(e) }
	s := must(NewMultiplicativeLR(opt, LambdaLRConfig{LRLambda: f}))
	want := [][]float64{{0.5, 0.1}} // building leaves the rate alone
	for k := 1; k < 8; k++ {
		p := want[k-1]
		want = append(want, []float64{p[0] * f(k), p[1] * f(k)})
	}
	follow(t, opt, s, "", want, nil)
}

func TestSequentialLR(t *testing.T) {
	opt := sgd(t, 1)
	lin := must(NewLinearLR(opt, LinearLRConfig{StartFactor: 0.5, TotalIters: 3}))
	exp := must(NewExponentialLR(opt, ExponentialLRConfig{Gamma: 0.5}))
	if got := exp.BaseLRs(); got[0] != 0.5 {
		t.Fatalf("ExponentialLR built after LinearLR starts from %v, want the rate it found, 0.5", got)
	}
	s := must(NewSequentialLR(opt, SequentialLRConfig{Schedulers: []Scheduler{lin, exp}, Milestones: []int{3}}))
	// The schedules share the optimizer's initial rate, as in PyTorch.
	if got := exp.BaseLRs(); got[0] != 1 {
		t.Fatalf("ExponentialLR base rate in SequentialLR %v, want 1", got)
	}
	// LinearLR: 0.5, ·(1 + 0.5/1.5), ·(1 + 0.5/2); at the milestone
	// ExponentialLR's closed form at step 0 (the base rate 1), then ·0.5.
	a := 0.5 * (1 + 0.5/1.5)
	b := a * (1 + 0.5/2.0)
	follow(t, opt, s, "", col(0.5, a, b, 1, 0.5, 0.25, 0.125), nil)
	if s.LastEpoch() != 6 || lin.LastEpoch() != 2 || exp.LastEpoch() != 3 {
		t.Fatalf("last_epoch: sequential %d, linear %d, exponential %d; want 6, 2, 3", s.LastEpoch(), lin.LastEpoch(), exp.LastEpoch())
	}

	// Three schedules: the closed form of StepLR at its step 0 is its
	// base rate, whatever ConstantLR left.
	opt = sgd(t, 0.2)
	c := must(NewConstantLR(opt, ConstantLRConfig{Factor: 0.5, TotalIters: 10}))
	st := must(NewStepLR(opt, StepLRConfig{StepSize: 2, Gamma: 0.1}))
	cos := must(NewCosineAnnealingLR(opt, CosineAnnealingLRConfig{TMax: 2}))
	s = must(NewSequentialLR(opt, SequentialLRConfig{Schedulers: []Scheduler{c, st, cos}, Milestones: []int{2, 5}}))
	follow(t, opt, s, "", col(0.1, 0.1, 0.2, 0.2, 0.02, 0.2, 0.1, 0), nil)

	// Errors.
	opt = sgd(t, 1)
	lin = must(NewLinearLR(opt, LinearLRConfig{}))
	exp = must(NewExponentialLR(opt, ExponentialLRConfig{Gamma: 0.5}))
	c = must(NewConstantLR(opt, ConstantLRConfig{}))
	other := sgd(t, 1)
	x := must(NewStepLR(other, StepLRConfig{StepSize: 1}))
	for _, tc := range []struct {
		cfg  SequentialLRConfig
		want string
	}{
		{SequentialLRConfig{Schedulers: []Scheduler{lin, exp}}, "one more than the number of milestone points"},
		{SequentialLRConfig{Schedulers: []Scheduler{lin, x}, Milestones: []int{3}}, "same optimizer"},
		{SequentialLRConfig{Schedulers: []Scheduler{lin, lin}, Milestones: []int{3}}, "appears twice"},
		{SequentialLRConfig{Schedulers: []Scheduler{lin, exp, c}, Milestones: []int{3, 3}}, "invalid milestones"},
		{SequentialLRConfig{}, "no schedulers"},
		{SequentialLRConfig{Schedulers: []Scheduler{must(NewReduceLROnPlateau(opt, ReduceLROnPlateauConfig{}))}}, "cannot be combined"},
	} {
		if _, err := NewSequentialLR(opt, tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.cfg.Milestones, err, tc.want)
		}
	}
}

func TestChainedScheduler(t *testing.T) {
	// PyTorch's documented example, from lr 1.
	opt := sgd(t, 1)
	c := must(NewConstantLR(opt, ConstantLRConfig{Factor: 0.1, TotalIters: 2}))
	e := must(NewExponentialLR(opt, ExponentialLRConfig{Gamma: 0.9}))
	s := must(NewChainedScheduler([]Scheduler{c, e}))
	follow(t, opt, s, "", col(0.1, 0.1*0.9, 0.1*0.9/0.1*0.9, 0.81*0.9, 0.729*0.9), nil)

	// A LambdaLR built after ConstantLR starts from the initial rate (1),
	// not from what ConstantLR left (0.5), as in PyTorch; its initial step
	// overrides ConstantLR's.
	opt = sgd(t, 1)
	c = must(NewConstantLR(opt, ConstantLRConfig{Factor: 0.5, TotalIters: 2}))
	l := must(NewLambdaLR(opt, LambdaLRConfig{LRLambda: func(e int) float64 { return 1 / float64(e+1) }}))
	s = must(NewChainedScheduler([]Scheduler{c, l}))
	follow(t, opt, s, "", col(1, 0.5, 1.0/3, 0.25), nil)

	if _, err := NewChainedScheduler([]Scheduler{c, must(NewStepLR(sgd(t, 1), StepLRConfig{StepSize: 1}))}); err == nil {
		t.Fatal("schedules of two optimizers chained")
	}
}

func TestCyclicLRMomentum(t *testing.T) {
	// SGD: momentum moves against the rate. S = 4 steps a cycle, r = 1/2.
	opt := sgd(t, 0.1)
	s := must(NewCyclicLR(opt, CyclicLRConfig{BaseLR: []float64{0.01}, MaxLR: []float64{0.05}, StepSizeUp: 2}))
	lr := col(0.01, 0.03, 0.05, 0.03, 0.01, 0.03)
	mom := col(0.9, 0.85, 0.8, 0.85, 0.9, 0.85)
	follow(t, opt, s, "momentum", lr, mom)

	// Adam: beta1 moves, beta2 stays.
	a := adam(t, 0.1, 0.2)
	s = must(NewCyclicLR(a, CyclicLRConfig{
		BaseLR: []float64{0.01, 0.02}, MaxLR: []float64{0.05}, StepSizeUp: 1, StepSizeDown: 3,
		Mode: "triangular2", BaseMomentum: []float64{0.8}, MaxMomentum: []float64{0.9, 0.95}}))
	// Heights h by step: 0, 1, 2/3, 1/3, then cycle 2 (scale 1/2): 0, 1.
	h := []float64{0, 1, 2.0 / 3, 1.0 / 3, 0, 0.5}
	var wl, wm [][]float64
	for _, x := range h {
		wl = append(wl, []float64{0.01 + 0.04*x, 0.02 + 0.03*x})
		wm = append(wm, []float64{0.9 - 0.1*x, 0.95 - 0.15*x})
	}
	follow(t, a, s, "beta1", wl, wm)
	if b2 := must(a.Hyper(0, "beta2")); b2 != 0.999 {
		t.Fatalf("beta2 %v, want 0.999", b2)
	}

	// A custom scale function of the step.
	opt = sgd(t, 0.1)
	s = must(NewCyclicLR(opt, CyclicLRConfig{BaseLR: []float64{0}, MaxLR: []float64{1}, StepSizeUp: 2,
		ScaleFn: func(x float64) float64 { return 1 / (1 + x) }, ScaleMode: "iterations", CycleMomentum: new(false)}))
	follow(t, opt, s, "", col(0, 0.5/2, 1.0/3, 0.5/4, 0, 0.5/6), nil)
	if m := must(opt.Hyper(0, "momentum")); m != 0.9 {
		t.Fatalf("momentum %v with cycle_momentum=false, want 0.9", m)
	}
}

func TestOneCycleLRBeta(t *testing.T) {
	a := adam(t, 0.001)
	s := must(NewOneCycleLR(a, OneCycleLRConfig{MaxLR: []float64{1}, TotalSteps: 10, AnnealStrategy: "linear",
		DivFactor: 10, FinalDivFactor: 100, BaseMomentum: []float64{0.8}, MaxMomentum: []float64{0.9}}))
	// initial_lr 0.1, min_lr 0.001; phase 1 ends at step 0.3·10−1 = 2,
	// phase 2 at 9.
	lin := func(a, b, p float64) float64 { return (b-a)*p + a }
	var wl, wm [][]float64
	for k := 0; k <= 10; k++ {
		if k <= 2 {
			p := float64(k) / 2
			wl = append(wl, []float64{lin(0.1, 1, p)})
			wm = append(wm, []float64{lin(0.9, 0.8, p)})
		} else {
			p := float64(k-2) / 7
			wl = append(wl, []float64{lin(1, 0.001, p)})
			wm = append(wm, []float64{lin(0.8, 0.9, p)})
		}
	}
	follow(t, a, s, "beta1", wl, wm)
	if got := s.BaseLRs(); got[0] != 0.1 {
		t.Fatalf("base rate %v, want initial_lr 0.1", got)
	}
	// PyTorch refuses step total_steps+1; the schedule stays where it was.
	if err := s.Step(); err == nil || !strings.Contains(err.Error(), "tried to step 12 times") {
		t.Fatalf("step past the cycle: %v", err)
	}
	if s.LastEpoch() != 10 {
		t.Fatalf("last_epoch %d after a refused step, want 10", s.LastEpoch())
	}

	// cos, from epochs·steps_per_epoch; SGD's momentum.
	opt := sgd(t, 0.1)
	s = must(NewOneCycleLR(opt, OneCycleLRConfig{MaxLR: []float64{0.5}, Epochs: 2, StepsPerEpoch: 5, PctStart: 0.5}))
	cos := func(a, b, p float64) float64 { return b + (a-b)/2*(math.Cos(math.Pi*p)+1) }
	wl, wm = nil, nil
	for k := 0; k <= 10; k++ {
		if k <= 4 {
			p := float64(k) / 4
			wl = append(wl, []float64{cos(0.02, 0.5, p)})
			wm = append(wm, []float64{cos(0.95, 0.85, p)})
		} else {
			p := float64(k-4) / 5
			wl = append(wl, []float64{cos(0.5, 0.02/1e4, p)})
			wm = append(wm, []float64{cos(0.85, 0.95, p)})
		}
	}
	follow(t, opt, s, "momentum", wl, wm)
}

func TestCosineAnnealingWarmRestartsStepEpoch(t *testing.T) {
	opt := sgd(t, 1)
	s := must(NewCosineAnnealingWarmRestarts(opt, CosineAnnealingWarmRestartsConfig{T0: 2, TMult: 2}))
	lr := func(tc, ti float64) float64 { return (1 + math.Cos(math.Pi*tc/ti)) / 2 }
	for _, tc := range []struct {
		epoch      float64 // <0: Step()
		tCur, tI   float64
		lastEpoche int
	}{
		{0.5, 0.5, 2, 0},
		{2.5, 0.5, 4, 2}, // second cycle: 2 ≤ 2.5 < 6
		{6, 0, 8, 6},     // third cycle starts at 2 + 4
		{-1, 1, 8, 7},
		{1.25, 1.25, 2, 1},
	} {
		var err error
		if tc.epoch < 0 {
			err = s.Step()
		} else {
			err = s.StepEpoch(tc.epoch)
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.TCur() != tc.tCur || float64(s.TI()) != tc.tI || s.LastEpoch() != tc.lastEpoche {
			t.Fatalf("epoch %v: T_cur %v T_i %v last_epoch %d, want %v %v %d", tc.epoch, s.TCur(), s.TI(), s.LastEpoch(), tc.tCur, tc.tI, tc.lastEpoche)
		}
		if got, want := s.LastLR()[0], lr(tc.tCur, tc.tI); !closeTo(got, want) {
			t.Fatalf("epoch %v: lr %v, want %v", tc.epoch, got, want)
		}
	}
	if err := s.StepEpoch(-1); err == nil {
		t.Fatal("negative epoch accepted")
	}
}

func TestWarmupCosineIsSequentialLR(t *testing.T) {
	c := loadCase(t, goldenDir+"/sequential_warmup_cosine.json")
	opt := sgd(t, c.BaseLR)
	s := must(WarmupCosine(opt, 5, 25, 0.001))
	follow(t, opt, s, "", col(c.LRs...), nil)

	opt = sgd(t, c.BaseLR)
	s2 := must(New(opt, "warmup_cosine:warmup_steps=5,total_steps=25,eta_min=0.001"))
	follow(t, opt, s2, "", col(c.LRs...), nil)

	// Without warm-up it is plain cosine annealing.
	opt = sgd(t, 1)
	s = must(WarmupCosine(opt, 0, 4))
	follow(t, opt, s, "", col(1, (1+math.Cos(math.Pi/4))/2, 0.5, (1+math.Cos(3*math.Pi/4))/2, 0), nil)

	for _, tc := range []struct {
		w, t int
		min  []float64
	}{{-1, 5, nil}, {5, 5, nil}, {1, 5, []float64{0, 1}}, {1, 5, []float64{math.NaN()}}} {
		if _, err := WarmupCosine(sgd(t, 1), tc.w, tc.t, tc.min...); err == nil {
			t.Errorf("WarmupCosine(%d, %d, %v): no error", tc.w, tc.t, tc.min)
		}
	}
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		spec  string
		check func(Scheduler) bool
	}{
		{"cosine:T_max=100,eta_min=0.001", func(s Scheduler) bool {
			c := s.(*CosineAnnealingLR).cfg
			return c.TMax == 100 && c.EtaMin == 0.001
		}},
		{"CosineAnnealingLR:t_max=7", func(s Scheduler) bool { return s.(*CosineAnnealingLR).cfg.TMax == 7 }},
		{"sgdr:T_0=5,T_mult=2", func(s Scheduler) bool {
			c := s.(*CosineAnnealingWarmRestarts).cfg
			return c.T0 == 5 && c.TMult == 2
		}},
		{"step:step_size=3", func(s Scheduler) bool { return s.(*StepLR).cfg.Gamma == 0.1 }},
		{"multistep:milestones=3/6,gamma=0.5", func(s Scheduler) bool {
			return slices.Equal(s.(*MultiStepLR).cfg.Milestones, []int{3, 6})
		}},
		{"constant", func(s Scheduler) bool { return s.(*ConstantLR).cfg == ConstantLRConfig{1.0 / 3, 5} }},
		{"linear:end_factor=0", func(s Scheduler) bool { return s.(*LinearLR).cfg.EndFactor == 0 }},
		{"exponential:gamma=0.9", func(s Scheduler) bool { return s.(*ExponentialLR).cfg.Gamma == 0.9 }},
		{"polynomial:power=2", func(s Scheduler) bool { return s.(*PolynomialLR).cfg == PolynomialLRConfig{5, 2} }},
		{"cyclic:max_lr=1,cycle_momentum=false", func(s Scheduler) bool {
			c := s.(*CyclicLR).cfg
			return !*c.CycleMomentum && c.BaseLR[0] == 0.1 && c.StepSizeDown == 2000
		}},
		{"onecycle:max_lr=0.1,total_steps=100,three_phase=true", func(s Scheduler) bool {
			c := s.(*OneCycleLR).cfg
			return c.ThreePhase && *c.CycleMomentum && c.PctStart == 0.3
		}},
		{"plateau:patience=0,mode=max", func(s Scheduler) bool {
			c := s.(*ReduceLROnPlateau).cfg
			return *c.Patience == 0 && c.Mode == "max" && c.Factor == 0.1
		}},
		{"plateau", func(s Scheduler) bool { return *s.(*ReduceLROnPlateau).cfg.Patience == 10 }},
		{"warmup_cosine:warmup_steps=2,total_steps=10", func(s Scheduler) bool { return len(s.(*SequentialLR).children) == 2 }},
	} {
		s, err := New(sgd(t, 0.1), tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if !tc.check(s) {
			t.Errorf("%s: wrong config %+v", tc.spec, s)
		}
	}
	for _, tc := range []struct{ spec, want string }{
		{"nosuch", "unknown schedule \"nosuch\" (known: constant, cosine, cosine_warm_restarts, cyclic, exponential, linear, multistep, onecycle, plateau, polynomial, sgdr, step, warmup_cosine)"},
		{"lambda", "Go constructor"},
		{"step:step_size=2,gamma=-1", "invalid gamma: -1"},
		{"step:gamma=0.5", "invalid step_size: 0"},
		{"step:step_size=2,gama=0.5", "unknown hyperparameter \"gama\" (allowed: gamma, step_size)"},
		{"cosine:T_max=x", "T_max=\"x\""},
		{"cosine", "invalid T_max: 0"},
		{"cyclic:base_lr=0.1", "max_lr is required"},
		{"cyclic:max_lr=1,mode=square", "invalid mode: \"square\""},
		{"cyclic:max_lr=1/2/3", "expected 1 values for max_lr"},
		{"cyclic:max_lr=1,cycle_momentum=maybe", "want true or false"},
		{"onecycle:max_lr=1", "total_steps OR (epochs AND steps_per_epoch)"},
		{"onecycle:max_lr=1,total_steps=-3", "expected positive integer total_steps, but got -3"},
		{"onecycle:max_lr=1,total_steps=10,pct_start=1.5", "pct_start, but got 1.5"},
		{"onecycle:max_lr=1,total_steps=10,anneal_strategy=cosine", "anneal_strategy"},
		{"plateau:factor=1", "invalid factor: 1"},
		{"plateau:mode=low", "mode \"low\" is unknown"},
		{"plateau:threshold_mode=pct", "threshold mode \"pct\" is unknown"},
		{"plateau:patience=-2", "invalid patience: -2"},
		{"constant:factor=1.5", "invalid factor: 1.5"},
		{"linear:start_factor=0", "invalid start_factor: 0"},
		{"exponential", "gamma is required"},
		{"sgdr:T_0=0", "expected positive integer T_0, but got 0"},
		{"polynomial:power=-1", "invalid power: -1"},
	} {
		_, err := New(sgd(t, 0.1), tc.spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.spec, err, tc.want)
		}
	}
	// A momentum cycle needs momentum or betas.
	if _, err := NewOneCycleLR(noMomentum{sgd(t, 0.1)}, OneCycleLRConfig{MaxLR: []float64{1}, TotalSteps: 5}); err == nil ||
		!strings.Contains(err.Error(), "cycle_momentum=false") {
		t.Errorf("OneCycleLR without momentum: %v", err)
	}
}

// noMomentum hides an optimizer's momentum.
type noMomentum struct{ *optim.SGD }

func (o noMomentum) Hyper(g int, key string) (float64, error) {
	if key == "momentum" {
		return 0, errors.New("no momentum")
	}
	return o.SGD.Hyper(g, key)
}

func TestNewFromJSON(t *testing.T) {
	s, err := NewFromJSON(sgd(t, 0.1), "StepLR", json.RawMessage(`{"step_size": 2, "gamma": 0.5, "verbose": false, "last_epoch": -1}`))
	if err != nil || s.(*StepLR).cfg != (StepLRConfig{2, 0.5}) {
		t.Fatalf("StepLR from JSON: %v %+v", err, s)
	}
	if _, err := NewFromJSON(sgd(t, 0.1), "StepLR", json.RawMessage(`{"step_size": 2, "last_epoch": 4}`)); err == nil {
		t.Fatal("last_epoch=4 accepted")
	}
	// step_size_down null is PyTorch's None: the default.
	s, err = NewFromJSON(sgd(t, 0.1), "CyclicLR", json.RawMessage(`{"base_lr": [0.01], "max_lr": 0.1, "step_size_down": null}`))
	if err != nil || s.(*CyclicLR).cfg.StepSizeDown != 2000 {
		t.Fatalf("CyclicLR from JSON: %v", err)
	}
}

func TestReduceLROnPlateau(t *testing.T) {
	opt := sgd(t, 1)
	s := must(NewReduceLROnPlateau(opt, ReduceLROnPlateauConfig{Patience: new(0), Factor: 0.5, MinLR: []float64{0.2}}))
	if err := s.Step(); !errors.Is(err, ErrNeedsMetric) {
		t.Fatalf("Step without a metric: %v", err)
	}
	if !math.IsInf(s.Best(), 1) {
		t.Fatalf("best starts at %v, want +Inf", s.Best())
	}
	// Saved before any metric: best is +Inf and must survive JSON.
	st := must(s.State())
	if !bytes.Contains(st, []byte(`"best":"+Inf"`)) {
		t.Fatalf("state %s does not hold best as \"+Inf\"", st)
	}
	// NaN never improves; with patience 0 each bad epoch halves the rate
	// down to min_lr.
	want := []float64{1, 1, 0.5, 0.25, 0.2, 0.2}
	for i, m := range []float64{3, math.NaN(), 4, 3, 2.9} {
		if err := s.StepMetric(m); err != nil {
			t.Fatal(err)
		}
		if got := s.LastLR()[0]; got != want[i+1] {
			t.Fatalf("metric %d (%v): lr %v, want %v", i, m, got, want[i+1])
		}
	}
	if s.Best() != 2.9 || s.LastEpoch() != 5 {
		t.Fatalf("best %v last_epoch %d, want 2.9, 5", s.Best(), s.LastEpoch())
	}
	fresh := must(NewReduceLROnPlateau(sgd(t, 1), ReduceLROnPlateauConfig{}))
	if err := fresh.LoadState(st); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(fresh.Best(), 1) || *fresh.cfg.Patience != 0 || fresh.cfg.Factor != 0.5 {
		t.Fatalf("loaded best %v, patience %d, factor %v", fresh.Best(), *fresh.cfg.Patience, fresh.cfg.Factor)
	}
	// NaN survives too.
	fresh.best = math.NaN()
	st = must(fresh.State())
	if err := s.LoadState(st); err != nil || !math.IsNaN(s.Best()) {
		t.Fatalf("NaN best: %v, %v", err, s.Best())
	}
}

func TestStateErrors(t *testing.T) {
	opt := sgd(t, 0.1)
	st := must(must(NewStepLR(opt, StepLRConfig{StepSize: 2})).State())
	cos := must(NewCosineAnnealingLR(opt, CosineAnnealingLRConfig{TMax: 3}))
	if err := cos.LoadState(st); err == nil || !strings.Contains(err.Error(), "saved by StepLR") {
		t.Fatalf("StepLR state into CosineAnnealingLR: %v", err)
	}
	two := must(NewStepLR(sgd(t, 0.1, 0.2), StepLRConfig{StepSize: 2}))
	if err := two.LoadState(st); err == nil || !strings.Contains(err.Error(), "parameter groups") {
		t.Fatalf("state of 1 group into 2: %v", err)
	}
	// A bad saved config leaves the schedule as it was.
	bad := strings.Replace(string(st), `"step_size":2`, `"step_size":0`, 1)
	s := must(NewStepLR(sgd(t, 0.1), StepLRConfig{StepSize: 4}))
	if err := s.LoadState(json.RawMessage(bad)); err == nil || s.cfg.StepSize != 4 {
		t.Fatalf("bad config: %v, step_size %d", err, s.cfg.StepSize)
	}
	if err := Get(opt.StateDict(), s); err == nil {
		t.Fatal("Get from a state without a schedule: no error")
	}
}

// TestLoadRestoresConfig checks that loading a state brings back the saved
// hyperparameters, as PyTorch's load_state_dict does.
func TestLoadRestoresConfig(t *testing.T) {
	a := must(NewStepLR(sgd(t, 0.1), StepLRConfig{StepSize: 3, Gamma: 0.5}))
	b := must(NewStepLR(sgd(t, 0.1), StepLRConfig{StepSize: 7}))
	if err := b.LoadState(must(a.State())); err != nil {
		t.Fatal(err)
	}
	if b.cfg != a.cfg {
		t.Fatalf("config %+v, want %+v", b.cfg, a.cfg)
	}
}

// TestZeroRateSurvivesSave checks that a rate a schedule brings to exactly
// zero stays zero through the optimizer's state file (where a zero field
// would read as "use the default").
func TestZeroRateSurvivesSave(t *testing.T) {
	opt := sgd(t, 0.1)
	s := must(NewPolynomialLR(opt, PolynomialLRConfig{TotalIters: 2}))
	for range 3 {
		if err := s.Step(); err != nil {
			t.Fatal(err)
		}
	}
	sd := must(StateDict(opt, s))
	var buf bytes.Buffer
	if err := sd.Write(&buf); err != nil {
		t.Fatal(err)
	}
	opt2 := sgd(t, 0.1)
	s2 := must(NewPolynomialLR(opt2, PolynomialLRConfig{TotalIters: 2}))
	if err := LoadStateDict(opt2, s2, must(optim.ReadStateDict(&buf))); err != nil {
		t.Fatal(err)
	}
	if lr := must(opt2.Hyper(0, "lr")); lr != 0 {
		t.Fatalf("lr after loading %v, want 0", lr)
	}
	if s2.LastLR()[0] != 0 || math.Signbit(s2.LastLR()[0]) {
		t.Fatalf("LastLR %v, want +0", s2.LastLR())
	}
}
