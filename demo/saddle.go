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
		Name:  "saddle",
		Title: "Stuck at a saddle, and two ways out",
		Claim: "Gradient descent started on a saddle's stable manifold converges to the saddle and stays; " +
			"off it, it escapes, slowly from a tiny offset; gradient noise kicks it off, and momentum escapes faster. " +
			"The Hessian shows the saddle: a negative eigenvalue there, all positive at the minimum it escapes to.",
		Run: runSaddle,
	})
}

// The saddle demo's settings.
const (
	sadExpr   = "x^2 + y^4/4 - y^2/2" // a saddle at 0, minima at (0, ±1)
	sadPretty = "x² + y⁴/4 − y²/2"
	sadLR     = 0.1
	sadMu     = 0.9
	sadSteps  = 300
	sadOffset = 1e-8 // the tiny offset from the stable manifold y = 0
	sadNoise  = 1e-3 // σ of the gradient noise
	sadEscape = 0.5  // escaped: |y| above this
)

// sadRun is one run of the saddle demo.
type sadRun struct {
	key, name string // the key of its Numbers, and its name in words
	spec      string
	y0, noise float64
	draw      bool // drawn in the pictures
}

func runSaddle(ctx context.Context, cfg Config) (*Report, error) {
	fn, err := surface.Parse(sadExpr)
	if err != nil {
		return nil, err
	}
	if fn, err = fn.WithDomain([]surface.Range{{Lo: -1.5, Hi: 1.5}, {Lo: -1.6, Hi: 1.6}}); err != nil {
		return nil, err
	}
	gd := fmt.Sprintf("sgd:lr=%g", sadLR)
	hb := fmt.Sprintf("sgd:lr=%g,momentum=%g", sadLR, sadMu)
	runs := []sadRun{
		{"gd_on_manifold", "GD from y = 0", gd, 0, 0, true},
		{"gd_offset", "GD from y = " + surfNum(sadOffset), gd, sadOffset, 0, true},
		{"gd_noise", fmt.Sprintf("GD from y = 0, noise σ = %g", sadNoise), gd, 0, sadNoise, true},
		{"momentum_offset", fmt.Sprintf("momentum %g from y = %s", sadMu, surfNum(sadOffset)), hb, sadOffset, 0, true},
		{"momentum_on_manifold", fmt.Sprintf("momentum %g from y = 0", sadMu), hb, 0, 0, false},
	}
	const x0 = 1.0
	saddle := []float64{0, 0}

	rep := &Report{Numbers: map[string]float64{}}
	tab := &Table{Header: []string{"run", "spec", "start", "noise σ", "status", "steps to |y| > 0.5", "predicted", "end", "Hessian eigenvalues at the end"}}
	rep.Table = tab
	eig := func(x []float64) ([]float64, error) { return surfEigen(fn, x) }
	// Growth per step along the saddle's negative curvature λ < 0: GD
	// multiplies y by 1 − lr·λ; heavy ball's y follows
	// z² − (1 + μ − lr·λ)z + μ, whose larger root is the growth.
	start0 := []float64{x0, 0}
	e0, err := eig(start0)
	if err != nil {
		return nil, err
	}
	lam := e0[0]
	growth := map[string]float64{gd: 1 - sadLR*lam, hb: surfRootModulus(1+sadMu-sadLR*lam, sadMu)}

	var results []surface.Result
	var drawn []int
	escape := make([]int, len(runs))
	for i, ru := range runs {
		cfg.Logf("saddle: %s", ru.name)
		res, err := surface.Race(ctx, fn, surface.RaceConfig{Specs: []string{ru.spec}, Start: []float64{x0, ru.y0}, Steps: sadSteps, Noise: ru.noise, Seed: cfg.Seed})
		if err != nil {
			return nil, err
		}
		r := res[0]
		r.Name = ru.name
		results = append(results, r)
		if ru.draw {
			drawn = append(drawn, i)
		}
		escape[i] = surfFirst(len(r.Trajectory), func(t int) bool { return math.Abs(r.Trajectory[t][1]) > sadEscape })
		ee, err := eig(r.Final)
		if err != nil {
			return nil, err
		}
		predicted := ""
		if ru.y0 != 0 && ru.noise == 0 {
			p := math.Log(sadEscape/ru.y0) / math.Log(growth[ru.spec])
			predicted = fmt.Sprintf("≈ %.0f", p)
			rep.Numbers[ru.key+"_escape_predicted"] = p
		}
		rep.Numbers[ru.key+"_escaped"] = surfFlag(escape[i] >= 0)
		if escape[i] >= 0 {
			rep.Numbers[ru.key+"_escape_steps"] = float64(escape[i])
		}
		rep.Numbers[ru.key+"_at_saddle"] = surfFlag(r.Status == surface.StatusSaddle)
		rep.Numbers[ru.key+"_converged"] = surfFlag(r.Status == surface.StatusConverged)
		rep.Numbers[ru.key+"_lambda_min_end"] = ee[0]
		rep.Numbers[ru.key+"_lambda_max_end"] = ee[1]
		noise := "0"
		if ru.noise > 0 {
			noise = fmt.Sprint(ru.noise)
		}
		tab.Rows = append(tab.Rows, []string{ru.name, ru.spec, surfPoint([]float64{x0, ru.y0}), noise, string(r.Status),
			surfSteps(escape[i]), predicted, surfPoint(r.Final), fmt.Sprintf("%.3g, %.3g", ee[0], ee[1])})
	}
	rep.Numbers["lambda_min_start"], rep.Numbers["lambda_max_start"] = e0[0], e0[1]
	rep.Numbers["lr"], rep.Numbers["momentum"], rep.Numbers["offset"] = sadLR, sadMu, sadOffset
	stuck := results[0].Final
	es, err := eig(stuck)
	if err != nil {
		return nil, err
	}
	rep.Numbers["lambda_min_stuck"], rep.Numbers["lambda_max_stuck"] = es[0], es[1]
	rep.Numbers["stuck_distance"] = surfDist(stuck, saddle)

	// How close the run from the tiny offset comes to the saddle.
	closest, closestAt := math.Inf(1), 0
	for t, x := range results[1].Trajectory {
		if d := surfDist(x, saddle); d < closest {
			closest, closestAt = d, t
		}
	}
	rep.Numbers["gd_offset_closest"] = closest
	word := func(i int) string {
		if escape[i] < 0 {
			return fmt.Sprintf("did not escape in %d steps", sadSteps)
		}
		return fmt.Sprintf("escaped (|y| > %g) after %s steps", sadEscape, surfInt(escape[i]))
	}
	r0, r4 := results[0], results[4]
	rep.Findings = []string{
		fmt.Sprintf("f = %s has a saddle at (0, 0) and minima at (0, ±1). Its Hessian is diag(2, 3y² − 1): at the start %s "+
			"the eigenvalues are %.3g and %.3g, so y = 0 is the saddle's stable manifold.",
			sadPretty, surfPoint(start0), e0[0], e0[1]),
		fmt.Sprintf("Gradient descent (lr = %g) started on it ended with status %q, %s from the saddle after %d steps, "+
			"where the Hessian's eigenvalues are %.3g and %.3g: on y = 0 the gradient has no y component, so nothing ever pushes it off. "+
			"Momentum %g from y = 0 is stuck the same way (%q).",
			sadLR, r0.Status, surfSig(rep.Numbers["stuck_distance"], 2), sadSteps, es[0], es[1], sadMu, r4.Status),
		fmt.Sprintf("From y = %s gradient descent first closes in on the saddle, to %s of it at step %d, then %s (theory: y grows by 1 − lr·λmin = %.3g per step, "+
			"so ln(%g/%s)/ln %.3g ≈ %.0f steps) and ended %q.",
			surfNum(sadOffset), surfSig(closest, 2), closestAt, word(1), growth[gd], sadEscape, surfNum(sadOffset), growth[gd], rep.Numbers["gd_offset_escape_predicted"], results[1].Status),
		fmt.Sprintf("Gradient noise of σ = %g from y = 0 %s, ending %q; heavy-ball momentum %g from y = %s %s "+
			"(y grows by the larger root of z² − (1 + μ − lr·λmin)z + μ, %.3g per step: predicted ≈ %.0f steps), ending %q.",
			sadNoise, word(2), results[2].Status, sadMu, surfNum(sadOffset), word(3), growth[hb], rep.Numbers["momentum_offset_escape_predicted"], results[3].Status),
		fmt.Sprintf("Along every escape λmin rises from %.3g at the saddle through 0 (at |y| = 1/√3) to %.3g at the minimum: the negative curvature is the way out.",
			e0[0], rep.Numbers["gd_offset_lambda_min_end"]),
	}

	// Pictures: the race, λmin along each trajectory, and the distance
	// from the saddle.
	var draw []surface.Result
	var lamSeries, distSeries []plot.Series
	for _, i := range drawn {
		r := results[i]
		draw = append(draw, r)
		lmin := make([]float64, len(r.Trajectory))
		dist := make([]float64, len(r.Trajectory))
		for t, x := range r.Trajectory {
			e, err := eig(x)
			if err != nil {
				return nil, err
			}
			lmin[t] = e[0]
			dist[t] = surfDist(x, saddle)
		}
		lamSeries = append(lamSeries, plot.Series{Name: r.Name, Y: lmin})
		distSeries = append(distSeries, plot.Series{Name: r.Name, Y: surfGaps(dist, 1e-12)})
	}
	p1, err := surfRacePicture(cfg, "saddle-race", fn, draw, surfRaceOpts{
		Title:  "f = " + sadPretty + " from (1, 0): stuck at the saddle, or out to a minimum",
		Minima: [][2]float64{{0, 1}, {0, -1}},
	})
	if err != nil {
		return nil, err
	}
	p2, err := surfLinePicture(cfg, "saddle-eigenvalue", plot.LineChart{
		Title:  "the Hessian's smallest eigenvalue λmin along each run",
		XLabel: "step", YLabel: "λmin", Series: lamSeries,
		YRange: [2]float64{-1.25, 4.75}, // room for the legend above the lines
	})
	if err != nil {
		return nil, err
	}
	p3, err := surfLinePicture(cfg, "saddle-distance", plot.LineChart{
		Title:  "distance from the saddle (0, 0)",
		XLabel: "step", YLabel: "‖x − saddle‖", LogY: true, Series: distSeries,
	})
	if err != nil {
		return nil, err
	}
	rep.Files = surfFiles(rep.Files, p1, p2, p3)
	return rep, nil
}
