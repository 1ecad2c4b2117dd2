package surface

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/descent-ml/descent/optim"
)

func race(t *testing.T, spec string, cfg RaceConfig) []Result {
	t.Helper()
	fn, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Race(context.Background(), fn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRaceStatus(t *testing.T) {
	for _, tc := range []struct {
		fn, opt string
		start   []float64
		steps   int
		noise   float64
		want    Status
	}{
		{"rosenbrock", "lbfgs:line_search_fn=strong_wolfe", nil, 100, 0, StatusConverged},
		{"rosenbrock", "adam:lr=0.01", []float64{0, 0}, 10000, 0, StatusConverged},
		{"rosenbrock", "sgd:lr=0.1", nil, 100, 0, StatusDiverged},
		{"rosenbrock", "sgd:lr=1e-4", nil, 10, 0, StatusMaxSteps},
		{"himmelblau", "sgd:lr=0.01", nil, 1000, 0, StatusConverged},
		{"himmelblau", "sgd:lr=0.01", []float64{-0.27, -0.93}, 1000, 0, StatusConverged},
		{"styblinski-tang", "sgd:lr=0.01", nil, 2000, 0, StatusLocalMinimum},
		{"styblinski-tang", "sgd:lr=0.01", []float64{0, 0}, 2000, 0, StatusConverged},
		{"rastrigin", "sgd:lr=1e-3", nil, 2000, 0, StatusLocalMinimum},
		{"goldstein-price", "sgd:lr=1e-5", []float64{1.7, 0.3}, 3000, 0, StatusLocalMinimum},
		{"three-hump-camel", "sgd:lr=0.01", []float64{-1.5, 1.5}, 3000, 0, StatusLocalMinimum},
		{"saddle", "sgd:lr=0.1", []float64{1.5, 0}, 200, 0, StatusSaddle},
		{"saddle", "sgd:lr=0.1", []float64{1.5, 1e-6}, 300, 0, StatusDiverged},
		{"saddle", "sgd:lr=0.1", []float64{1.5, 0}, 300, 1e-3, StatusDiverged},
		{"monkey-saddle", "sgd:lr=0.1", []float64{0.5, 0}, 2000, 0, StatusSaddle},
		{"monkey-saddle", "sgd:lr=0.1", []float64{-0.5, 0}, 2000, 0, StatusDiverged},
		{"plateau", "sgd:lr=0.1", []float64{3, 3}, 500, 0, StatusPlateau},
		{"plateau", "sgd:lr=0.1", []float64{1, 0.5}, 500, 0, StatusConverged},
		{"easom", "sgd:lr=0.1", []float64{-0.5, 0}, 500, 0, StatusPlateau},
		{"quadratic:kappa=100", "sgd:lr=0.0198", nil, 2000, 0, StatusConverged},
		{"quadratic:kappa=100", "sgd:lr=0.021", nil, 2000, 0, StatusDiverged},
		{"quadratic:kappa=10,n=6", "adam:lr=0.01", nil, 3000, 0, StatusConverged},
		{"expr:log(x) + y^2", "sgd:lr=2", []float64{1, 1}, 10, 0, StatusDiverged},
		{"expr:(x - 1)^2 + (y + 0.5)^2", "sgd:lr=0.1", nil, 200, 0, StatusConverged},
	} {
		t.Run(tc.fn+" "+tc.opt+point(tc.start), func(t *testing.T) {
			res := race(t, tc.fn, RaceConfig{Specs: []string{tc.opt}, Start: tc.start, Steps: tc.steps, Noise: tc.noise, Seed: 1})
			r := res[0]
			if r.Status != tc.want {
				t.Fatalf("status %s at %v (f = %v) after %d steps, want %s", r.Status, r.Final, r.Losses[len(r.Losses)-1], len(r.Trajectory)-1, tc.want)
			}
			checkResult(t, r)
			if r.Status != StatusDiverged && len(r.Trajectory) != tc.steps+1 {
				t.Errorf("%d points for %d steps", len(r.Trajectory), tc.steps)
			}
		})
	}
}

// checkResult checks a result's invariants: finite numbers, the final
// point last in the trajectory, a loss per point.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if len(r.Losses) != len(r.Trajectory) || len(r.Trajectory) == 0 {
		t.Fatalf("%d losses for %d points", len(r.Losses), len(r.Trajectory))
	}
	if !slices.Equal(r.Final, r.Trajectory[len(r.Trajectory)-1]) {
		t.Fatalf("final %v is not the last point %v", r.Final, r.Trajectory[len(r.Trajectory)-1])
	}
	for i, p := range r.Trajectory {
		if !allFinite(p) || !finite(r.Losses[i]) {
			t.Fatalf("point %d %v with loss %v is not finite", i, p, r.Losses[i])
		}
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

func TestRaceJSON(t *testing.T) {
	res := race(t, "himmelblau", RaceConfig{Specs: []string{"sgd:lr=0.01", "adam:lr=0.1"}, Steps: 5})
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(b, &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	var keys []string
	for k := range rows[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	want := []string{"final", "losses", "name", "nearest_minimum", "spec", "status", "trajectory"}
	if !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	var back []Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back[1].Name != "Adam" || back[1].Spec != "adam:lr=0.1" || len(back[1].Trajectory) != 6 || back[0].NearestMinimum.Index != 0 {
		t.Fatalf("read back %+v", back[1])
	}
	fn, _ := New("himmelblau")
	for _, r := range back {
		for i, p := range r.Trajectory {
			if r.Losses[i] != fn.Value(p) {
				t.Fatalf("%s: loss %d is %v, f there %v", r.Name, i, r.Losses[i], fn.Value(p))
			}
		}
	}
}

func TestRaceNames(t *testing.T) {
	res := race(t, "booth", RaceConfig{Specs: []string{"sgd:lr=0.01", "sgd:lr=0.02", "adam", "sgd:lr=0.01"}, Steps: 3})
	var names []string
	for _, r := range res {
		names = append(names, r.Name)
	}
	want := []string{"SGD (lr=0.01) #1", "SGD (lr=0.02)", "Adam", "SGD (lr=0.01) #2"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %q, want %q", names, want)
	}
}

// TestRaceSameOptimizerCode checks that a race runs optim's optimizers
// themselves: the trajectory is what the optimizer makes of the
// function's gradients, step by step.
func TestRaceSameOptimizerCode(t *testing.T) {
	fn, _ := New("rosenbrock")
	res := race(t, "rosenbrock", RaceConfig{Specs: []string{"sgd:lr=1e-3,momentum=0.9,nesterov=true"}, Steps: 50})
	x, g := []float64{-1.2, 1}, make([]float64, 2)
	opt, err := optim.NewSGD([]*optim.Param{optim.NewParam("x", x, g)}, optim.SGDConfig{LR: 1e-3, Momentum: 0.9, Nesterov: true})
	if err != nil {
		t.Fatal(err)
	}
	for step := 1; step <= 50; step++ {
		fn.Gradient(x, g)
		if err := opt.Step(); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(x, res[0].Trajectory[step]) {
			t.Fatalf("step %d: race at %v, optimizer at %v", step, res[0].Trajectory[step], x)
		}
	}
}

// TestRaceScheduleFree checks the recorded point of a Schedule-Free
// optimizer: the averaged point Eval() gives, while training goes on from
// the interpolated point as if nobody had looked.
func TestRaceScheduleFree(t *testing.T) {
	for _, spec := range []string{"sfsgd:lr=0.05", "sfadamw:lr=0.05"} {
		t.Run(spec, func(t *testing.T) {
			fn, _ := New("quadratic:kappa=10")
			for _, steps := range []int{1, 7, 200} {
				res := race(t, "quadratic:kappa=10", RaceConfig{Specs: []string{spec}, Steps: steps})
				x, g := []float64{1, 1}, make([]float64, 2)
				opt, err := optim.New(spec, []*optim.Param{optim.NewParam("x", x, g)})
				if err != nil {
					t.Fatal(err)
				}
				for range steps {
					fn.Gradient(x, g)
					if err := opt.Step(); err != nil {
						t.Fatal(err)
					}
				}
				y := slices.Clone(x)
				opt.(interface{ Eval() }).Eval()
				if !slices.Equal(res[0].Final, x) {
					t.Fatalf("%d steps: race reports %v; the averaged point is %v (y = %v)", steps, res[0].Final, x, y)
				}
			}
		})
	}
}

func TestRaceNoise(t *testing.T) {
	cfg := RaceConfig{Specs: []string{"sgd:lr=0.01", "sgd:lr=0.01"}, Steps: 100, Noise: 0.5, Seed: 42}
	a := race(t, "booth", cfg)
	b := race(t, "booth", cfg)
	if !slices.EqualFunc(a[0].Trajectory, b[0].Trajectory, slices.Equal) {
		t.Fatal("the same seed gave two trajectories")
	}
	if !slices.EqualFunc(a[0].Trajectory, a[1].Trajectory, slices.Equal) {
		t.Fatal("two racers with the same spec saw different noise")
	}
	cfg.Seed = 43
	c := race(t, "booth", cfg)
	if slices.EqualFunc(a[0].Trajectory, c[0].Trajectory, slices.Equal) {
		t.Fatal("seeds 42 and 43 gave the same trajectory")
	}
	cfg.Noise = 0
	d := race(t, "booth", cfg)
	if slices.EqualFunc(a[0].Trajectory, d[0].Trajectory, slices.Equal) {
		t.Fatal("noise changed nothing")
	}
}

func TestRaceClip(t *testing.T) {
	res := race(t, "booth", RaceConfig{Specs: []string{"sgd:lr=1"}, Steps: 50, ClipNorm: 0.01})
	tr := res[0].Trajectory
	for i := 1; i < len(tr); i++ {
		if d := distance(tr[i], tr[i-1]); d > 0.01 {
			t.Fatalf("step %d moved %v with the gradient clipped to norm 0.01 and lr 1", i, d)
		}
	}
	if res[0].Status != StatusMaxSteps {
		t.Errorf("status %s", res[0].Status)
	}
}

func TestRaceCancel(t *testing.T) {
	fn, _ := New("rosenbrock")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Race(ctx, fn, RaceConfig{Specs: []string{"adam"}, Steps: 10000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestRaceErrors(t *testing.T) {
	fn, _ := New("rosenbrock")
	ln, _ := New("expr:log(x)")
	ok := RaceConfig{Specs: []string{"adam"}, Steps: 10}
	with := func(change func(*RaceConfig)) RaceConfig {
		c := ok
		change(&c)
		return c
	}
	for _, tc := range []struct {
		name string
		fn   *Function
		cfg  RaceConfig
		want string
	}{
		{"nil function", nil, ok, "no function"},
		{"no specs", fn, with(func(c *RaceConfig) { c.Specs = nil }), "no optimizers"},
		{"unknown optimizer", fn, with(func(c *RaceConfig) { c.Specs = []string{"adam", "nosuch"} }), `optimizer 2 ("nosuch"): unknown optimizer "nosuch"`},
		{"spec typo", fn, with(func(c *RaceConfig) { c.Specs = []string{"adam:lr=x"} }), `hyperparameter lr="x": want a number`},
		{"unknown key", fn, with(func(c *RaceConfig) { c.Specs = []string{"sgd:mom=0.9"} }), `unknown hyperparameter "mom"`},
		{"bad value", fn, with(func(c *RaceConfig) { c.Specs = []string{"adam:lr=-1"} }), "invalid learning rate: -1"},
		{"zero steps", fn, with(func(c *RaceConfig) { c.Steps = 0 }), "steps=0: want 1 to 1000000"},
		{"many steps", fn, with(func(c *RaceConfig) { c.Steps = MaxSteps + 1 }), "steps=1000001"},
		{"negative noise", fn, with(func(c *RaceConfig) { c.Noise = -1 }), "noise=-1: want a finite σ >= 0"},
		{"NaN noise", fn, with(func(c *RaceConfig) { c.Noise = math.NaN() }), "noise=NaN"},
		{"negative clip", fn, with(func(c *RaceConfig) { c.ClipNorm = -1 }), "clip norm=-1"},
		{"start of 3", fn, with(func(c *RaceConfig) { c.Start = []float64{1, 2, 3} }), "start (1, 2, 3) has 3 coordinates; rosenbrock takes 2"},
		{"NaN start", fn, with(func(c *RaceConfig) { c.Start = []float64{math.NaN(), 0} }), "coordinate 0 is NaN; want a finite number"},
		{"far start", fn, with(func(c *RaceConfig) { c.Start = []float64{0, 1e9} }), "coordinate 1 is outside [-21, 23]"},
		{"undefined start", ln, with(func(c *RaceConfig) { c.Start = []float64{-1, 0} }), "f(-1, 0) is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Race(context.Background(), tc.fn, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestRaceEveryOptimizer runs every registered optimizer, with its
// defaults, over surfaces that provoke trouble (a steep one, a saddle, an
// expression undefined on half the plane, an n-D one): each must give a
// result with finite numbers or a clear error, never a panic.
func TestRaceEveryOptimizer(t *testing.T) {
	for _, fnSpec := range []string{"rosenbrock", "saddle", "expr:log(x) + y^2", "rastrigin:n=5", "goldstein-price"} {
		fn, err := New(fnSpec)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range optim.Names() {
			t.Run(fnSpec+" "+name, func(t *testing.T) {
				res, err := Race(context.Background(), fn, RaceConfig{Specs: []string{name}, Steps: 200, Noise: 0.01, ClipNorm: 100})
				if err != nil {
					if !strings.Contains(err.Error(), name) && !strings.Contains(strings.ToLower(err.Error()), name) {
						t.Fatalf("error %q does not name the optimizer", err)
					}
					return
				}
				checkResult(t, res[0])
			})
		}
	}
	res := race(t, "rosenbrock:n=5", RaceConfig{Specs: []string{"lbfgs:line_search_fn=strong_wolfe", "lookahead:k=5,alpha=0.5+adam:lr=0.02"}, Steps: 2000})
	if res[0].Status != StatusConverged || len(res[0].Final) != 5 {
		t.Errorf("%s on 5-D Rosenbrock: %s at %v", res[0].Name, res[0].Status, res[0].Final)
	}
	if res[1].Name != "Lookahead(Adam)" || res[1].Status != StatusMaxSteps {
		t.Errorf("%s on 5-D Rosenbrock: %s at %v", res[1].Name, res[1].Status, res[1].Final)
	}
}
