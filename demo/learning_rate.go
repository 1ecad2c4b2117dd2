package demo

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/descent-ml/descent/plot"
	"github.com/descent-ml/descent/train"
)

func init() {
	register(Demo{
		Name:  "learning-rate",
		Title: "The learning rate: too small, right, too large",
		Claim: "Too small a learning rate makes slow progress, too large a one diverges; the learning-rate range test " +
			"(fastai's lr_find, its valley suggestion) finds one that trains well.",
		Run: runLearningRate,
	})
}

// lrPlan is the experiment: the job the range test and the runs train.
type lrPlan struct {
	job      train.Config // Opt is "sgd:lr=%g"
	jobLabel string
	// maxMultiple is the largest multiple of the suggestion tried when
	// looking for a rate that diverges.
	maxMultiple float64
}

func lrPlanFor(cfg Config) lrPlan {
	if cfg.Quick {
		return lrPlan{
			job: train.Config{Data: "blobs:n=2000,centers=4,dim=10,std=3", Model: "mlp", Normalize: true, Batch: 32, Epochs: 5,
				Seed: cfg.Seed, Threads: cfg.Threads},
			jobLabel:    "an MLP 10-128-4 (ReLU) on 2,000 standardised points of 4 Gaussian blobs, plain SGD, batch 32",
			maxMultiple: 1e6,
		}
	}
	return lrPlan{
		job: train.Config{Data: "mnist", Model: "mlp", Normalize: true, Batch: 128, Epochs: 5,
			Seed: cfg.Seed, Threads: cfg.Threads},
		jobLabel:    "an MLP 784-128-10 (ReLU) on standardised MNIST, plain SGD (no momentum), batch 128",
		maxMultiple: 1e6,
	}
}

// lrBlowUp is when a run has diverged though its numbers are still
// finite: a step's loss above lrBlowUp times the first step's (the range
// test stops at the same factor over its smallest smoothed loss).
const lrBlowUp = 4

// lrRun is one training run at a multiple of the suggested rate.
type lrRun struct {
	key, label string
	multiple   float64
	lr         float64
	losses     []float64 // the training loss of every step
	peak       float64   // the largest finite step loss
	// diverged: the loss blew up (above lrBlowUp × the first step's) or
	// stopped being finite (nonFinite) at step divergedStep, and the run
	// was stopped there.
	diverged, nonFinite bool
	divergedStep        int
	divergedEpoch       float64
	divergedLoss        float64 // the loss of that step (NaN when not finite)
	testLoss, testAcc   float64
	lastLoss            float64 // the mean training loss of the last epoch
}

// lrTrain trains the plan's job at rate lr, stopping it when the loss
// blows up.
func lrTrain(ctx context.Context, plan lrPlan, lr float64) (*lrRun, error) {
	run := &lrRun{lr: lr, peak: math.Inf(-1), testLoss: math.NaN(), testAcc: math.NaN(), lastLoss: math.NaN()}
	job := plan.job
	job.Opt = fmt.Sprintf("sgd:lr=%g", lr)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var lastSum float64
	var lastN, lastStep int
	var lastEpoch float64
	res, err := train.Run(runCtx, job, func(e train.Event) {
		if e.Kind != train.EventStep || run.diverged {
			return
		}
		lastStep, lastEpoch = e.Step, e.Epoch
		run.losses = append(run.losses, e.Loss)
		finite := !math.IsNaN(e.Loss) && !math.IsInf(e.Loss, 0)
		if finite {
			run.peak = max(run.peak, e.Loss)
		}
		if !finite || e.Loss > lrBlowUp*run.losses[0] {
			run.diverged, run.divergedStep, run.divergedEpoch, run.divergedLoss = true, e.Step, e.Epoch, e.Loss
			run.nonFinite = !finite
			stop()
			return
		}
		if e.Epoch > float64(job.Epochs-1) {
			lastSum += e.Loss
			lastN++
		}
	})
	switch {
	case err != nil && trDiverged(err):
		run.diverged, run.nonFinite, run.divergedStep, run.divergedEpoch, run.divergedLoss = true, true, lastStep+1, lastEpoch, math.NaN()
		return run, nil
	case run.diverged && ctx.Err() == nil:
		return run, nil // stopped by the blow-up
	case err != nil:
		return nil, err
	}
	if lastN > 0 {
		run.lastLoss = lastSum / float64(lastN)
	}
	run.testLoss, run.testAcc = trRowLoss(&train.Row{ValLoss: res.ValLoss, ValAcc: res.ValAcc, TestLoss: res.TestLoss, TestAcc: res.TestAcc,
		TrainEvalLoss: res.TrainLoss, TrainAcc: res.TrainAcc})
	return run, nil
}

// lrCurve returns the mean step loss over bins of steps that grow
// geometrically (one step each at first), each at its bin's last step:
// a curve that reads well against log steps.
func lrCurve(losses []float64) (x, y []float64) {
	for lo := 0; lo < len(losses); {
		hi := min(len(losses), max(lo+1, int(float64(lo)*1.04)))
		var sum float64
		for _, v := range losses[lo:hi] {
			sum += v
		}
		x = append(x, float64(hi))
		y = append(y, sum/float64(hi-lo))
		lo = hi
	}
	return x, y
}

// lrMultipleName names a multiple of the suggestion: "lr/100", "valley",
// "×10".
func lrMultipleName(m float64) (key, label string) {
	switch {
	case m == 1:
		return "suggested", "valley"
	case m < 1:
		return fmt.Sprintf("div%g", 1/m), fmt.Sprintf("valley/%g", 1/m)
	}
	return fmt.Sprintf("x%g", m), fmt.Sprintf("valley×%g", m)
}

func runLearningRate(ctx context.Context, cfg Config) (*Report, error) {
	plan := lrPlanFor(cfg)
	job := plan.job
	job.Opt = "sgd:lr=0.1" // the sweep sets the rate at every step
	cfg.Logf("learning-rate: range test on %s", plan.jobLabel)
	find, err := train.FindLR(ctx, job, train.LRFindConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("range test: %w", err)
	}
	valley := find.Suggestions.Valley
	if !(valley > 0) {
		return nil, fmt.Errorf("range test: no suggestion (%d steps)", len(find.LRs))
	}
	cfg.Logf("  %d steps; valley %.3g, steep %.3g, minimum %.3g", len(find.LRs), valley, find.Suggestions.Steep, find.Suggestions.Minimum)

	var runs []*lrRun
	for _, m := range []float64{0.01, 1, 10, 100} {
		r, err := lrRunAt(ctx, cfg, plan, valley, m)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	// Larger and larger, until a run diverges.
	for m := 1000.0; !runs[len(runs)-1].diverged && m <= plan.maxMultiple; m *= 10 {
		r, err := lrRunAt(ctx, cfg, plan, valley, m)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return lrReport(cfg, plan, find, runs)
}

// lrRunAt trains at multiple m of the suggestion.
func lrRunAt(ctx context.Context, cfg Config, plan lrPlan, valley, m float64) (*lrRun, error) {
	r, err := lrTrain(ctx, plan, valley*m)
	if err != nil {
		return nil, fmt.Errorf("lr %g: %w", valley*m, err)
	}
	r.multiple = m
	r.key, r.label = lrMultipleName(m)
	if r.diverged {
		cfg.Logf("  %s (lr %.3g): diverged at step %d (loss %.3g)", r.label, r.lr, r.divergedStep, r.divergedLoss)
	} else {
		cfg.Logf("  %s (lr %.3g): test loss %.4f, accuracy %.4f", r.label, r.lr, r.testLoss, r.testAcc)
	}
	return r, nil
}

// lrReport turns the range test and the runs into the report.
func lrReport(cfg Config, plan lrPlan, find *train.LRFindResult, runs []*lrRun) (*Report, error) {
	s := find.Suggestions
	rep := &Report{Numbers: map[string]float64{
		"suggested_lr": s.Valley, "steep_lr": s.Steep, "minimum_lr": s.Minimum,
		"range_test_steps": float64(len(find.LRs)),
	}}
	if find.StoppedAt != nil {
		rep.Numbers["range_test_stop_lr"] = find.LRs[len(find.LRs)-1]
	}
	rep.Table = &Table{Header: []string{"rate", "lr", "test loss", "test acc", "last-epoch train loss", "peak step loss", "diverged at step"}}
	byKey := map[string]*lrRun{}
	var diverged *lrRun
	for _, r := range runs {
		byKey[r.key] = r
		k := r.key
		rep.Numbers[k+"_lr"] = r.lr
		rep.Numbers[k+"_final_loss"] = r.testLoss
		rep.Numbers[k+"_final_acc"] = r.testAcc
		rep.Numbers[k+"_train_loss"] = r.lastLoss
		rep.Numbers[k+"_peak_loss"] = r.peak
		div := "—"
		if r.diverged {
			rep.Numbers[k+"_diverged"] = 1
			rep.Numbers[k+"_diverged_step"] = float64(r.divergedStep)
			div = fmt.Sprint(r.divergedStep)
			if diverged == nil {
				diverged = r
			}
		} else {
			rep.Numbers[k+"_diverged"] = 0
		}
		rep.Table.Rows = append(rep.Table.Rows, []string{r.label, trG3(r.lr), trF3(r.testLoss), trF3(r.testAcc), trF3(r.lastLoss), trG3(r.peak), div})
	}
	small, right := byKey["div100"], byKey["suggested"]
	stop := fmt.Sprintf("ran all %d steps", len(find.LRs))
	if find.StoppedAt != nil {
		stop = fmt.Sprintf("stopped after %d steps, at lr %.3g, when the smoothed loss blew up", *find.StoppedAt, find.LRs[len(find.LRs)-1])
	}
	rep.Findings = []string{
		fmt.Sprintf("The range test on %s swept the rate up from %.0e and %s; it suggested valley %.3g (steep %.3g, minimum %.3g). Each rate below then trains the same job for %d epochs from the same initial weights.",
			plan.jobLabel, find.LRs[0], stop, s.Valley, s.Steep, s.Minimum, plan.job.Epochs),
		fmt.Sprintf("Too small: at valley/100 (lr %.3g) the test loss after %d epochs is %.3f (accuracy %.1f%%), against %.3f (%.1f%%) at the suggestion (lr %.3g).",
			small.lr, plan.job.Epochs, small.testLoss, 100*small.testAcc, right.testLoss, 100*right.testAcc, right.lr),
	}
	var larger []string
	for _, r := range runs {
		if r.multiple <= 1 || r.diverged {
			continue
		}
		larger = append(larger, fmt.Sprintf("%s (lr %.3g): test loss %.3f, accuracy %.1f%%, the loss of a step peaked at %.3g",
			r.label, r.lr, r.testLoss, 100*r.testAcc, r.peak))
	}
	if len(larger) > 0 {
		rep.Findings = append(rep.Findings, fmt.Sprintf("Larger rates, as long as they did not diverge (the peak step loss at the suggestion was %.3g): %s.",
			right.peak, strings.Join(larger, "; ")))
	}
	if diverged != nil {
		rep.Numbers["diverged_lr"] = diverged.lr
		rep.Numbers["diverged_multiple"] = diverged.multiple
		rep.Numbers["diverged_step"] = float64(diverged.divergedStep)
		how := fmt.Sprintf("the loss of step %d was %.3g, more than %d× the first step's %.3f, and the run was stopped there (the range test stops at the same factor)",
			diverged.divergedStep, diverged.divergedLoss, lrBlowUp, diverged.losses[0])
		if diverged.nonFinite {
			how = fmt.Sprintf("at step %d the loss or the gradient stopped being finite and the optimizer refused the step (the largest finite loss before: %.3g)",
				diverged.divergedStep, diverged.peak)
		}
		rep.Findings = append(rep.Findings, fmt.Sprintf("Too large: at %s (lr %.3g) training diverged in epoch %.2f: %s.",
			diverged.label, diverged.lr, diverged.divergedEpoch, how))
	} else {
		rep.Findings = append(rep.Findings, fmt.Sprintf("No rate up to valley×%g diverged.", plan.maxMultiple))
		rep.Numbers["diverged_step"] = 0
	}

	// The loss curves, on a log scale clipped well above the start.
	var series []plot.Series
	top := 0.0
	lo := math.Inf(1)
	for _, r := range runs {
		x, y := lrCurve(r.losses)
		series = append(series, plot.Series{Name: fmt.Sprintf("%s, lr %s", r.label, trG3(r.lr)), X: x, Y: y})
		for _, v := range y {
			if v > 0 && !math.IsInf(v, 0) {
				lo = min(lo, v)
			}
		}
		if len(r.losses) > 0 {
			top = max(top, r.losses[0])
		}
	}
	chart := plot.LineChart{
		Title: "training loss at rates around the suggestion", XLabel: "step (log)", YLabel: "training loss (log)",
		LogX: true, LogY: true, Series: series,
	}
	if top > 0 && lo < top {
		chart.YRange = [2]float64{lo / 1.2, top * 10}
	}
	finder := plot.LineChart{
		Title: "learning-rate range test and the rates tried", XLabel: "learning rate", YLabel: "training loss", LogX: true,
		Series: []plot.Series{{Name: "loss", X: find.LRs, Y: find.Losses}, {Name: "smoothed", X: find.LRs, Y: find.Smoothed}},
	}
	flo, fhi := math.Inf(1), math.Inf(-1)
	for i, v := range find.Smoothed {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			flo, fhi = min(flo, v, find.Losses[i]), max(fhi, v)
		}
	}
	if flo < fhi {
		pad := (fhi - flo) * 0.05
		finder.YRange = [2]float64{flo - pad, fhi + pad}
	}
	for _, r := range runs {
		finder.Markers = append(finder.Markers, plot.Marker{X: r.lr, Label: fmt.Sprintf("%s %s", r.label, trG3(r.lr))})
	}
	if err := trainPictures(cfg, rep, []trChart{{"learning-rate-losses", chart}, {"learning-rate-finder", finder}}); err != nil {
		return nil, err
	}
	rep.Numbers = trFiniteNumbers(rep.Numbers)
	return rep, nil
}
