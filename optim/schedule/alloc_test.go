package schedule

import (
	"testing"

	"github.com/descent-ml/descent/optim"
)

// allocSpecs gives every spec name New knows a spec to build it with, and
// variants for the rules with several branches; step counts are small so
// that the measured steps cross milestones, restarts and phase ends.
var allocSpecs = map[string][]string{
	"step":                 {"step:step_size=2"},
	"multistep":            {"multistep:milestones=2/5/5"},
	"constant":             {"constant:total_iters=3"},
	"linear":               {"linear:total_iters=3"},
	"exponential":          {"exponential:gamma=0.9"},
	"cosine":               {"cosine:T_max=7,eta_min=0.001"},
	"cosine_warm_restarts": {"cosine_warm_restarts:T_0=2,T_mult=2"},
	"sgdr":                 {"sgdr:T_0=3"},
	"polynomial":           {"polynomial:total_iters=4,power=2"},
	"cyclic": {
		"cyclic:max_lr=1,step_size_up=3",
		"cyclic:max_lr=1,step_size_up=2,step_size_down=5,mode=triangular2,cycle_momentum=false",
		"cyclic:max_lr=1,step_size_up=4,mode=exp_range,gamma=0.99",
	},
	"onecycle": {
		"onecycle:max_lr=1,total_steps=1000",
		"onecycle:max_lr=1,total_steps=150,three_phase=true,anneal_strategy=linear,cycle_momentum=false",
	},
	"plateau":       {"plateau:patience=0,cooldown=1", "plateau:mode=max,threshold_mode=abs,patience=2"},
	"warmup_cosine": {"warmup_cosine:warmup_steps=3,total_steps=20"},
}

// noAllocs fails unless step, after one step to size the buffers,
// allocates nothing.
func noAllocs(t *testing.T, name string, step func() error) {
	t.Helper()
	var err error
	run := func() {
		if e := step(); e != nil && err == nil {
			err = e
		}
	}
	run()
	if a := testing.AllocsPerRun(100, run); a != 0 {
		t.Errorf("%s: a step allocates %v times", name, a)
	}
	if err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// Every schedule's step allocates nothing once the first has sized its
// buffers, on optimizers with momentum (SGD) and with betas (Adam), with
// two parameter groups.
func TestStepDoesNotAllocate(t *testing.T) {
	for _, name := range Names() {
		specs := allocSpecs[name]
		if len(specs) == 0 {
			t.Errorf("schedule %q has no spec in allocSpecs", name)
		}
		for _, spec := range specs {
			for _, opt := range []optim.Optimizer{sgd(t, 0.1, 0.05), adam(t, 0.1, 0.05)} {
				label := spec + " on " + opt.Name()
				s, err := New(opt, spec)
				if err != nil {
					t.Errorf("%s: %v", label, err)
					continue
				}
				if m, ok := s.(MetricScheduler); ok {
					metric := 1.0
					noAllocs(t, label, func() error {
						metric *= -1.01 // better, worse, better, ...
						return m.StepMetric(metric)
					})
					continue
				}
				noAllocs(t, label, s.Step)
			}
		}
	}

	// The schedules built with their Go constructors.
	factor := func(e int) float64 { return 1 / float64(e+1) }
	for _, tc := range []struct {
		name  string
		build func(optim.Optimizer) (Scheduler, error)
	}{
		{"LambdaLR", func(o optim.Optimizer) (Scheduler, error) {
			return NewLambdaLR(o, LambdaLRConfig{LRLambda: factor})
		}},
		{"MultiplicativeLR", func(o optim.Optimizer) (Scheduler, error) {
			return NewMultiplicativeLR(o, LambdaLRConfig{LRLambdas: []func(int) float64{factor, factor}})
		}},
		{"SequentialLR", func(o optim.Optimizer) (Scheduler, error) {
			a := must(NewStepLR(o, StepLRConfig{StepSize: 2}))
			b := must(NewMultiStepLR(o, MultiStepLRConfig{Milestones: []int{3, 9}}))
			c := must(NewCosineAnnealingWarmRestarts(o, CosineAnnealingWarmRestartsConfig{T0: 4}))
			return NewSequentialLR(o, SequentialLRConfig{Schedulers: []Scheduler{a, b, c}, Milestones: []int{3, 20}})
		}},
		{"ChainedScheduler", func(o optim.Optimizer) (Scheduler, error) {
			a := must(NewConstantLR(o, ConstantLRConfig{Factor: 0.5, TotalIters: 4}))
			b := must(NewExponentialLR(o, ExponentialLRConfig{Gamma: 0.99}))
			c := must(NewCyclicLR(o, CyclicLRConfig{MaxLR: []float64{1}, StepSizeUp: 3}))
			return NewChainedScheduler([]Scheduler{a, b, c})
		}},
	} {
		s, err := tc.build(sgd(t, 0.1, 0.05))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		noAllocs(t, tc.name, s.Step)
	}
}
