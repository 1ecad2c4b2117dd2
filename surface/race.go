package surface

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/descent-ml/descent/optim"
)

// RaceConfig says who races and how.
type RaceConfig struct {
	// Specs are the optimizers, as optim.New takes them
	// ("sgd:lr=0.01,momentum=0.9", "lookahead:k=5+adam:lr=0.01").
	Specs []string
	// Start is the common starting point: Dim() coordinates, finite and
	// within the function's Limits. Nil means the function's Start().
	Start []float64
	// Steps is the number of optimizer steps each racer takes (1 to
	// MaxSteps).
	Steps int
	// Noise is σ of the Gaussian noise added to every gradient component
	// (0: exact gradients).
	Noise float64
	// Seed seeds the noise. Every racer draws the same sequence (common
	// random numbers, so that they face the same luck): a PCG seeded with
	// (Seed, 0).
	Seed uint64
	// ClipNorm, when positive, clips the gradient's norm to it with
	// optim.ClipGradNorm after the noise is added.
	ClipNorm float64
}

// MaxSteps is the most steps a race may ask for.
const MaxSteps = 1_000_000

// Result is one racer's run. Its JSON form is the schema a web page reads:
// {"name", "spec", "trajectory", "losses", "final", "status",
// "nearest_minimum"}. Every number in it is finite.
type Result struct {
	// Name is the optimizer's name (optim's Name(), "Adam"), with the
	// spec's hyperparameters in parentheses when two racers would share it.
	Name string `json:"name"`
	// Spec is the spec as given.
	Spec string `json:"spec"`
	// Trajectory holds the start and the point after every step taken:
	// len(Trajectory) − 1 steps.
	Trajectory [][]float64 `json:"trajectory"`
	// Losses holds f at each point of Trajectory.
	Losses []float64 `json:"losses"`
	// Final is the last point of Trajectory.
	Final []float64 `json:"final"`
	// Status is the diagnosis of the end (see Diagnose); never
	// StatusMoving, which a race reports as StatusMaxSteps.
	Status Status `json:"status"`
	// NearestMinimum is the listed minimum closest to Final, or nil when
	// the function lists none.
	NearestMinimum *NearestMinimum `json:"nearest_minimum"`
}

// Race runs every optimizer of cfg.Specs from the same start over fn and
// diagnoses where each ends. Each racer is a fresh optim.Optimizer (built
// by optim.New) over one parameter, the point itself (a []float64 of
// length Dim()). A step:
//
//  1. the gradient at the optimizer's current point (+ noise, then
//     clipped, when asked) is computed in the closure handed to
//     StepClosure, so that L-BFGS re-evaluates as it needs (one L-BFGS
//     step is then one of its outer iterations, up to max_iter inner
//     ones) and every other optimizer evaluates once;
//  2. the point recorded is the parameter after the step, except for
//     Schedule-Free optimizers (sfsgd, sfadamw), whose parameter holds the
//     interpolated point y where gradients are taken: for them the
//     recorded point is the averaged iterate x that Eval() swaps in, the
//     point the method returns and the one its guarantees are about
//     (training continues from the unchanged y).
//
// A racer stops early when it diverges: a non-finite point, value or
// gradient (the step that produced it is not recorded), or a point beyond
// fn.Limits() (recorded). At the end Diagnose gives the status from the
// final point and the last RecentLosses losses.
//
// Errors: a missing function, no specs, a spec optim.New refuses, a start of
// the wrong dimension, not finite, beyond the limits or where f is not
// finite, steps out of range, a negative or non-finite noise or clip
// norm, and ctx's error when it is cancelled (checked every 256 steps).
func Race(ctx context.Context, fn *Function, cfg RaceConfig) ([]Result, error) {
	if err := fn.check(); err != nil {
		return nil, fmt.Errorf("race: %w", err)
	}
	start, err := checkRace(fn, &cfg)
	if err != nil {
		return nil, fmt.Errorf("race on %s: %w", fn.spec, err)
	}
	// Build every optimizer first, so that a typo in the last spec is
	// reported before any work.
	racers := make([]*racer, len(cfg.Specs))
	for i, spec := range cfg.Specs {
		r, err := newRacer(fn, spec, start)
		if err != nil {
			return nil, fmt.Errorf("race on %s: optimizer %d (%q): %w", fn.spec, i+1, spec, err)
		}
		racers[i] = r
	}
	names := raceNames(racers)
	results := make([]Result, len(racers))
	for i, r := range racers {
		res, err := r.run(ctx, fn, cfg)
		if err != nil {
			return nil, fmt.Errorf("race on %s: %s: %w", fn.spec, names[i], err)
		}
		res.Name = names[i]
		results[i] = res
	}
	return results, nil
}

func checkRace(fn *Function, cfg *RaceConfig) ([]float64, error) {
	if len(cfg.Specs) == 0 {
		return nil, errors.New("no optimizers: give at least one spec")
	}
	if cfg.Steps < 1 || cfg.Steps > MaxSteps {
		return nil, fmt.Errorf("steps=%d: want 1 to %d", cfg.Steps, MaxSteps)
	}
	if !(cfg.Noise >= 0) || math.IsInf(cfg.Noise, 1) {
		return nil, fmt.Errorf("noise=%v: want a finite σ >= 0", cfg.Noise)
	}
	if !(cfg.ClipNorm >= 0) || math.IsInf(cfg.ClipNorm, 1) {
		return nil, fmt.Errorf("clip norm=%v: want a finite number > 0, or 0 for no clipping", cfg.ClipNorm)
	}
	start := cfg.Start
	if start == nil {
		start = fn.start
	}
	if len(start) != fn.dim {
		return nil, fmt.Errorf("start %s has %d coordinates; %s takes %d", point(start), len(start), fn.name, fn.dim)
	}
	for i, r := range fn.Limits() {
		if !finite(start[i]) {
			return nil, fmt.Errorf("start %s: coordinate %d is %v; want a finite number", point(start), i, start[i])
		}
		if start[i] < r.Lo || start[i] > r.Hi {
			return nil, fmt.Errorf("start %s: coordinate %d is outside [%s, %s], the domain widened by %d widths each way",
				point(start), i, num(r.Lo), num(r.Hi), limitWidths)
		}
	}
	if v := fn.value(start); !finite(v) {
		return nil, fmt.Errorf("f%s is %v: start where the function is defined", point(start), v)
	}
	return append([]float64(nil), start...), nil
}

// evaluator is an optimizer whose parameters hold another point than the
// one it returns (Schedule-Free).
type evaluator interface {
	Eval()
	Train()
}

// racer is one optimizer with its point.
type racer struct {
	spec string
	opt  optim.Optimizer
	x, g []float64
	p    *optim.Param
}

func newRacer(fn *Function, spec string, start []float64) (*racer, error) {
	r := &racer{spec: spec, x: append([]float64(nil), start...), g: make([]float64, fn.dim)}
	r.p = optim.NewParam("x", r.x, r.g)
	opt, err := optim.New(spec, []*optim.Param{r.p})
	if err != nil {
		return nil, err
	}
	r.opt = opt
	return r, nil
}

// raceNames gives each racer its optimizer's name, adding the spec's
// hyperparameters where two would share one, and a number where even
// those agree.
func raceNames(racers []*racer) []string {
	names := make([]string, len(racers))
	count := map[string]int{}
	for i, r := range racers {
		names[i] = r.opt.Name()
		count[names[i]]++
	}
	for i, r := range racers {
		if count[names[i]] > 1 {
			if _, h, ok := strings.Cut(r.spec, ":"); ok && strings.TrimSpace(h) != "" {
				names[i] += " (" + strings.TrimSpace(h) + ")"
			}
		}
	}
	seen := map[string]int{}
	dup := map[string]int{}
	for _, n := range names {
		dup[n]++
	}
	for i, n := range names {
		if dup[n] > 1 {
			seen[n]++
			names[i] = fmt.Sprintf("%s #%d", n, seen[n])
		}
	}
	return names
}

// errNonFinite marks a closure that met a non-finite gradient norm.
var errNonFinite = errors.New("non-finite gradient")

func (r *racer) run(ctx context.Context, fn *Function, cfg RaceConfig) (Result, error) {
	res := Result{Spec: r.spec}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0))
	params := []*optim.Param{r.p}
	closure := func() (float64, error) {
		v := fn.grad(r.x, r.g)
		if cfg.Noise > 0 {
			for i := range r.g {
				r.g[i] += cfg.Noise * rng.NormFloat64()
			}
		}
		if cfg.ClipNorm > 0 {
			if _, err := optim.ClipGradNorm(params, cfg.ClipNorm); err != nil {
				return v, errNonFinite
			}
		}
		return v, nil
	}
	ev, averaged := r.opt.(evaluator)
	var y []float64
	if averaged {
		y = make([]float64, len(r.x))
	}
	record := func(x []float64, v float64) {
		res.Trajectory = append(res.Trajectory, append([]float64(nil), x...))
		res.Losses = append(res.Losses, v)
	}
	record(r.x, fn.value(r.x))
	diverged := false
	limits := fn.Limits()
	for step := 1; step <= cfg.Steps; step++ {
		if step%256 == 0 {
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
		}
		if _, err := r.opt.StepClosure(closure); err != nil {
			var nf *optim.NonFiniteError
			if errors.As(err, &nf) || errors.Is(err, errNonFinite) {
				diverged = true
				break
			}
			return Result{}, fmt.Errorf("step %d: %w", step, err)
		}
		pt := r.x
		if averaged {
			copy(y, r.x)
			ev.Eval()
			pt = append([]float64(nil), r.x...)
			ev.Train()
			copy(r.x, y) // exactly the y training goes on from
		}
		v := fn.value(pt)
		if !allFinite(pt) || !finite(v) {
			diverged = true
			break
		}
		record(pt, v)
		if outside(pt, limits) {
			diverged = true
			break
		}
	}
	last := res.Trajectory[len(res.Trajectory)-1]
	res.Final = append([]float64(nil), last...)
	res.NearestMinimum = nearestMinimum(fn, last)
	if diverged {
		res.Status = StatusDiverged
		return res, nil
	}
	recent := res.Losses[max(0, len(res.Losses)-RecentLosses):]
	d, err := Diagnose(fn, last, recent)
	if err != nil {
		return Result{}, err
	}
	res.Status = d.Status
	if res.Status == StatusMoving {
		res.Status = StatusMaxSteps
	}
	return res, nil
}

func outside(x []float64, limits []Range) bool {
	for i, r := range limits {
		if x[i] < r.Lo || x[i] > r.Hi {
			return true
		}
	}
	return false
}
