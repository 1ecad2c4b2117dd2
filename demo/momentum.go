package demo

import (
	"context"
	"fmt"
	"math"

	"github.com/descent-ml/descent/plot"
	"github.com/descent-ml/descent/surface"
)

func init() {
	register(Demo{
		Name:  "momentum",
		Title: "Momentum in an ill-conditioned valley",
		Claim: "In a long, narrow valley gradient descent zig-zags across it and crawls along it; " +
			"momentum reaches the bottom in far fewer steps: per step it contracts the error by " +
			"(√κ−1)/(√κ+1) instead of (κ−1)/(κ+1).",
		Run: runMomentum,
	})
}

// The momentum demo's settings.
const (
	momKappa   = 100.0 // condition number of the quadratic valley
	momTol     = 1e-6  // "there": the loss below this
	momSteps   = 800   // steps on the quadratic
	momBurn    = 200   // the contraction is measured from this step …
	momWindow  = 400   // … over this many steps
	momBanana  = 5000  // steps on the banana
	momMu      = 0.9   // momentum on the banana
	momPicture = 1e-10 // race pictures stop where the loss falls below this
)

// momBananaLRs are the step sizes tried for gradient descent on the
// banana; the fastest is the one momentum gets too.
var momBananaLRs = []float64{0.001, 0.002, 0.003, 0.0035, 0.004}

func runMomentum(ctx context.Context, cfg Config) (*Report, error) {
	rep := &Report{Numbers: map[string]float64{}}
	tab := &Table{Header: []string{"surface", "optimizer", "spec", "steps to loss < " + surfNum(momTol), "rate per step", "theory", "final loss", "status"}}
	rep.Table = tab

	// 1. The quadratic valley (x² + κy²)/2, each method at its best
	// constant step: GD at 2/(1+κ), heavy ball at Polyak's
	// (2/(1+√κ))², μ = ((√κ−1)/(√κ+1))².
	fn, err := surface.New(fmt.Sprintf("quadratic:kappa=%g", momKappa))
	if err != nil {
		return nil, err
	}
	// A flatter box than the default [−2, 2]² so that the zig-zag across
	// the valley shows.
	if fn, err = fn.WithDomain([]surface.Range{{Lo: -2, Hi: 2}, {Lo: -0.5, Hi: 0.5}}); err != nil {
		return nil, err
	}
	sk := math.Sqrt(momKappa)
	gdLR := 2 / (1 + momKappa)
	hbLR, hbMu := math.Pow(2/(1+sk), 2), math.Pow((sk-1)/(sk+1), 2)
	specs := []string{fmt.Sprintf("sgd:lr=%.6g", gdLR), fmt.Sprintf("sgd:lr=%.6g,momentum=%.6g", hbLR, hbMu)}
	theory := []float64{(momKappa - 1) / (momKappa + 1), (sk - 1) / (sk + 1)}
	start := []float64{-1.8, 0.4}
	origin := []float64{0, 0}
	cfg.Logf("momentum: racing %s and %s on %s", specs[0], specs[1], fn.Spec())
	quad, err := surface.Race(ctx, fn, surface.RaceConfig{Specs: specs, Start: start, Steps: momSteps})
	if err != nil {
		return nil, err
	}
	names := []string{"gradient descent", "heavy ball"}
	keys := []string{"gd", "momentum"}
	steps := make([]int, 2)
	for i, r := range quad {
		steps[i] = surfStepsBelow(r, momTol)
		rate := surfRate(r.Trajectory, origin, momBurn, momWindow)
		if math.IsNaN(rate) {
			return nil, fmt.Errorf("quadratic: %s stopped after %d steps (%s), too soon to measure its rate", r.Spec, len(r.Trajectory)-1, r.Status)
		}
		k := "quadratic_" + keys[i]
		rep.Numbers[k+"_steps"] = float64(steps[i])
		rep.Numbers[k+"_rate"] = rate
		rep.Numbers[k+"_rate_theory"] = theory[i]
		tab.Rows = append(tab.Rows, []string{fmt.Sprintf("quadratic κ=%g", momKappa), names[i], r.Spec, surfSteps(steps[i]),
			fmt.Sprintf("%.4f", rate), fmt.Sprintf("%.4f", theory[i]), surfNum(r.Losses[len(r.Losses)-1]), string(r.Status)})
	}
	rep.Numbers["kappa"] = momKappa
	if steps[0] < 0 || steps[1] < 0 {
		return nil, fmt.Errorf("quadratic: a racer never reached loss %g in %d steps (steps %v)", momTol, momSteps, steps)
	}
	gdThen := quad[0].Trajectory[steps[1]] // where GD is when momentum is there
	rep.Numbers["quadratic_gd_x_then"] = gdThen[0]
	rep.Findings = append(rep.Findings,
		fmt.Sprintf("On the valley (x² + %gy²)/2 (condition number κ = %g), from %s, each at its best constant step, "+
			"heavy-ball momentum brought the loss below %s in %s steps, gradient descent in %s: %.1f× fewer. "+
			"When momentum got there, gradient descent was at %s, still zig-zagging across the valley.",
			momKappa, momKappa, surfPoint(start), surfNum(momTol), surfInt(steps[1]), surfInt(steps[0]), float64(steps[0])/float64(steps[1]),
			surfPoint(gdThen)),
		fmt.Sprintf("Measured over steps %d to %d, gradient descent shrinks the distance to the minimum by %.4f per step, "+
			"theory (κ−1)/(κ+1) = %.4f; momentum by %.4f, theory (√κ−1)/(√κ+1) = %.4f. "+
			"Gradient descent's step is limited by the steep direction (curvature κ), so along the shallow one (curvature 1) it moves by 2/(1+κ) of the way each step; "+
			"momentum's velocity builds up along the valley.",
			momBurn, momBurn+momWindow, rep.Numbers["quadratic_gd_rate"], theory[0], rep.Numbers["quadratic_momentum_rate"], theory[1]))

	// 2. The banana, a curved valley: gradient descent at the fastest
	// step size of a small grid, momentum 0.9 at the same one.
	ban, err := surface.New("banana")
	if err != nil {
		return nil, err
	}
	bestLR, bestSteps := 0.0, -1
	for _, lr := range momBananaLRs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, err := surface.Race(ctx, ban, surface.RaceConfig{Specs: []string{fmt.Sprintf("sgd:lr=%g", lr)}, Steps: momBanana})
		if err != nil {
			return nil, err
		}
		if n := surfStepsBelow(res[0], momTol); n >= 0 && (bestSteps < 0 || n < bestSteps) {
			bestLR, bestSteps = lr, n
		}
	}
	if bestSteps < 0 {
		return nil, fmt.Errorf("banana: gradient descent reached loss %g at none of the step sizes %v in %d steps", momTol, momBananaLRs, momBanana)
	}
	bspecs := []string{fmt.Sprintf("sgd:lr=%g", bestLR), fmt.Sprintf("sgd:lr=%g,momentum=%g", bestLR, momMu)}
	cfg.Logf("momentum: racing %s and %s on %s", bspecs[0], bspecs[1], ban.Spec())
	banRes, err := surface.Race(ctx, ban, surface.RaceConfig{Specs: bspecs, Steps: momBanana})
	if err != nil {
		return nil, err
	}
	bsteps := make([]int, 2)
	for i, r := range banRes {
		bsteps[i] = surfStepsBelow(r, momTol)
		rep.Numbers["banana_"+keys[i]+"_steps"] = float64(bsteps[i])
		tab.Rows = append(tab.Rows, []string{"banana", names[i], r.Spec, surfSteps(bsteps[i]), "", "", surfNum(r.Losses[len(r.Losses)-1]), string(r.Status)})
	}
	rep.Numbers["banana_lr"] = bestLR
	if bsteps[1] < 0 {
		return nil, fmt.Errorf("banana: momentum never reached loss %g in %d steps", momTol, momBanana)
	}
	rep.Findings = append(rep.Findings, fmt.Sprintf(
		"On the curved valley of the banana (1 − x)² + 20(3y − x²)², gradient descent at the fastest of the step sizes %s (lr = %g) "+
			"needed %s steps to bring the loss below %s; momentum %g at the same step size needed %s: %.1f× fewer.",
		surfList(momBananaLRs), bestLR, surfInt(bsteps[0]), surfNum(momTol), momMu, surfInt(bsteps[1]), float64(bsteps[0])/float64(bsteps[1])))

	// Pictures: the map shows every path up to the step at which
	// momentum got there; the loss panel follows each until its loss
	// falls below momPicture.
	p1, err := surfRacePicture(cfg, "momentum-quadratic", fn, quad, surfRaceOpts{
		Title: fmt.Sprintf("(x² + %gy²)/2, paths of the first %d steps: momentum is there, gradient descent zig-zags and crawls", momKappa, steps[1]),
		Names: []string{fmt.Sprintf("GD lr=%.4f", gdLR), fmt.Sprintf("heavy ball lr=%.4f μ=%.3f", hbLR, hbMu)},
		Upto:  []int{steps[1], steps[1]}, LossFloor: momPicture, LogLevels: true,
	})
	if err != nil {
		return nil, err
	}
	p2, err := surfRacePicture(cfg, "momentum-banana", ban, banRes, surfRaceOpts{
		Title: fmt.Sprintf("banana, paths of the first %d steps: momentum is there, gradient descent crawls along the valley", bsteps[1]),
		Names: []string{fmt.Sprintf("GD lr=%g", bestLR), fmt.Sprintf("momentum %g lr=%g", momMu, bestLR)},
		Upto:  []int{bsteps[1], bsteps[1]}, LossFloor: momPicture, LogLevels: true,
	})
	if err != nil {
		return nil, err
	}
	var series []plot.Series
	d0 := surfDist(start, origin)
	for i, r := range quad {
		d := make([]float64, len(r.Trajectory))
		th := make([]float64, len(r.Trajectory))
		for t, x := range r.Trajectory {
			d[t] = surfDist(x, origin)
			th[t] = d0 * math.Pow(theory[i], float64(t))
		}
		series = append(series,
			plot.Series{Name: names[i] + " (measured)", Y: surfGaps(d, 1e-12)},
			plot.Series{Name: fmt.Sprintf("%s theory %.4f^t", names[i], theory[i]), Y: surfGaps(th, 1e-12)})
	}
	p3, err := surfLinePicture(cfg, "momentum-distance", plot.LineChart{
		Title:  fmt.Sprintf("distance to the minimum of (x² + %gy²)/2, against theory", momKappa),
		XLabel: "step", YLabel: "‖x − x*‖", LogY: true, Series: series,
	})
	if err != nil {
		return nil, err
	}
	rep.Files = surfFiles(rep.Files, p1, p2, p3)
	return rep, nil
}
