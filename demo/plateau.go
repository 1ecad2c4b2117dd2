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
		Name:  "plateau",
		Title: "Adaptive steps cross a plateau",
		Claim: "On a plateau the gradient is tiny, so gradient descent's steps are tiny and it crawls; " +
			"adaptive methods (Adam, RMSprop, Adagrad) divide the gradient by its own size and " +
			"sign-based Lion takes its sign, so their steps stay lr-sized and they cross to the basin.",
		Run: runPlateau,
	})
}

// The plateau demo's settings.
const (
	plaSteps = 500       // the race's budget
	plaLong  = 20000     // how long gradient descent and heavy ball may go on to find the basin
	plaBasin = 0.5       // in the basin: f below this
	plaFn    = "plateau" // 1 − exp(−(x² + y²))
)

// plaRacer is one optimizer of the plateau race.
type plaRacer struct {
	key, name, spec string
	adaptive        bool
}

var plaRacers = []plaRacer{
	{"gd", "GD", "sgd:lr=0.1", false},
	{"heavy_ball", "heavy ball", "sgd:lr=0.1,momentum=0.9", false},
	{"adam", "Adam", "adam:lr=0.1", true},
	{"rmsprop", "RMSprop", "rmsprop:lr=0.01", true},
	{"adagrad", "Adagrad", "adagrad:lr=0.1", true},
	{"lion", "Lion", "lion:lr=0.01", true},
}

func runPlateau(ctx context.Context, cfg Config) (*Report, error) {
	fn, err := surface.New(plaFn)
	if err != nil {
		return nil, err
	}
	start := []float64{2.5, 2}
	specs := make([]string, len(plaRacers))
	for i, r := range plaRacers {
		specs[i] = r.spec
	}
	cfg.Logf("plateau: racing %d optimizers for %d steps on %s", len(specs), plaSteps, fn.Spec())
	res, err := surface.Race(ctx, fn, surface.RaceConfig{Specs: specs, Start: start, Steps: plaSteps})
	if err != nil {
		return nil, err
	}
	// How long the non-adaptive ones need to reach the basin.
	cfg.Logf("plateau: letting %s and %s go on for up to %d steps", specs[0], specs[1], plaLong)
	long, err := surface.Race(ctx, fn, surface.RaceConfig{Specs: specs[:2], Start: start, Steps: plaLong})
	if err != nil {
		return nil, err
	}
	basinOf := func(r surface.Result) int {
		return surfFirst(len(r.Losses), func(t int) bool { return r.Losses[t] < plaBasin })
	}
	g := make([]float64, 2)
	if _, err := fn.Gradient(start, g); err != nil {
		return nil, err
	}
	grad := math.Hypot(g[0], g[1])

	rep := &Report{Numbers: map[string]float64{}}
	tab := &Table{Header: []string{"optimizer", "spec", "distance travelled", "net displacement", "steps to f < 0.5", "final loss", "status"}}
	rep.Table = tab
	travel := make([]float64, len(res))
	basin := make([]int, len(res))
	for i, r := range res {
		pr := plaRacers[i]
		travel[i] = surfPathLength(r.Trajectory)
		basin[i] = basinOf(r)
		steps := surfSteps(basin[i])
		if i < len(long) && basin[i] < 0 {
			basin[i] = basinOf(long[i])
			steps = surfSteps(basin[i])
			if basin[i] >= 0 {
				steps += fmt.Sprintf(" (in a run of %s)", surfInt(plaLong))
			} else {
				steps = fmt.Sprintf("not in %s", surfInt(plaLong))
			}
		}
		final := r.Losses[len(r.Losses)-1]
		rep.Numbers[pr.key+"_travel"] = travel[i]
		rep.Numbers[pr.key+"_displacement"] = surfDist(r.Final, start)
		rep.Numbers[pr.key+"_final_loss"] = final
		rep.Numbers[pr.key+"_plateau"] = surfFlag(r.Status == surface.StatusPlateau)
		rep.Numbers[pr.key+"_converged"] = surfFlag(r.Status == surface.StatusConverged)
		if basin[i] >= 0 {
			rep.Numbers[pr.key+"_basin_steps"] = float64(basin[i])
		}
		tab.Rows = append(tab.Rows, []string{pr.name, r.Spec, surfNum(travel[i]), surfNum(rep.Numbers[pr.key+"_displacement"]),
			steps, surfNum(final), string(r.Status)})
	}
	ratio := math.Inf(1)
	var slowest string
	for i, pr := range plaRacers {
		if pr.adaptive && travel[i]/travel[0] < ratio {
			ratio, slowest = travel[i]/travel[0], pr.name
		}
	}
	rep.Numbers["adaptive_travel_ratio_min"] = ratio
	rep.Numbers["start_grad_norm"] = grad

	adaptiveSteps := ""
	for i, pr := range plaRacers {
		if pr.adaptive {
			if adaptiveSteps != "" {
				adaptiveSteps += ", "
			}
			adaptiveSteps += fmt.Sprintf("%s %s", pr.name, surfSteps(basin[i]))
		}
	}
	gdRes, hbRes := res[0], res[1]
	rep.Findings = []string{
		fmt.Sprintf("On the plateau f = 1 − exp(−(x² + y²)) from %s the gradient's norm is %s, so gradient descent at lr = 0.1 moves %s a step. "+
			"In %d steps it travelled %.3g and ended with status %q (final loss %.5f); heavy ball (momentum 0.9) travelled %.3g, status %q.",
			surfPoint(start), surfSig(grad, 2), surfSig(0.1*grad, 2), plaSteps, travel[0], gdRes.Status, gdRes.Losses[len(gdRes.Losses)-1], travel[1], hbRes.Status),
		fmt.Sprintf("In the same %d steps every adaptive method travelled at least %.0f× as far (the least, %s, %.3g). Steps to the basin f < %g: "+
			"%s; gradient descent gets there only after %s steps, heavy ball after %s.",
			plaSteps, ratio, slowest, travel[0]*ratio, plaBasin, adaptiveSteps, surfSteps(basin[0]), surfSteps(basin[1])),
		"Adam, RMSprop and Adagrad divide each coordinate's gradient by the root of its (averaged or summed) square, and Lion steps by its sign: " +
			"the step is about lr whatever the gradient's size, so a flat region costs them no more steps than a steep one.",
	}
	if i := plaIndex("lion"); i >= 0 {
		rep.Findings = append(rep.Findings, fmt.Sprintf("Lion's path is %.3g long, %.1f× its net displacement %.3g: every step moves each coordinate by exactly lr, "+
			"so it swings past the minimum and in the end hops back and forth by lr around it rather than settling.",
			travel[i], travel[i]/rep.Numbers["lion_displacement"], rep.Numbers["lion_displacement"]))
	}

	// Pictures: the race (each loss drawn until it falls below 1e-12),
	// and the distance travelled against the step.
	p1, err := surfRacePicture(cfg, "plateau-race", fn, res, surfRaceOpts{
		Title: fmt.Sprintf("plateau 1 − exp(−(x² + y²)), %d steps at lr 0.1 (RMSprop, Lion 0.01): GD crawls, adaptive steps cross", plaSteps),
		Names: plaNames(), LossFloor: 1e-12,
	})
	if err != nil {
		return nil, err
	}
	var series []plot.Series
	for i, r := range res {
		cum := make([]float64, len(r.Trajectory))
		for t := 1; t < len(cum); t++ {
			cum[t] = cum[t-1] + surfDist(r.Trajectory[t], r.Trajectory[t-1])
		}
		series = append(series, plot.Series{Name: plaRacers[i].name, Y: cum})
	}
	p2, err := surfLinePicture(cfg, "plateau-travel", plot.LineChart{
		Title:  "distance travelled from (2.5, 2)",
		XLabel: "step", YLabel: "path length", LogY: true, Series: series,
	})
	if err != nil {
		return nil, err
	}
	rep.Files = surfFiles(rep.Files, p1, p2)
	return rep, nil
}

// plaNames are the racers' names, for the legend.
func plaNames() []string {
	var out []string
	for _, r := range plaRacers {
		out = append(out, r.name)
	}
	return out
}

// plaIndex returns the index of the racer with the key, or -1.
func plaIndex(key string) int {
	return surfFirst(len(plaRacers), func(i int) bool { return plaRacers[i].key == key })
}
