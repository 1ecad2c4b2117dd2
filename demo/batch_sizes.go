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
		Name:  "batch-sizes",
		Title: "Full-batch, stochastic and mini-batch gradient descent",
		Claim: "Stochastic gradient descent (batch 1) makes fast progress per epoch, but each step is noisy and per-example steps are slow in wall time; " +
			"full-batch descent takes one precise, expensive step per epoch; mini-batches get the best of both.",
		Run: runBatchSizes,
	})
}

// bsSize is one of the compared batch sizes and the learning rates it is
// tried at.
type bsSize struct {
	key, label string
	batch      int // train.Config.Batch: 1, k or train.FullBatch
	lrs        []float64
}

// bsPlan is the experiment: the job, its budget and the batch sizes.
type bsPlan struct {
	data          string
	dataLabel     string // the data in words
	normalize     bool
	epochs        int
	evalsPerEpoch int
	sizes         []bsSize
}

func bsPlanFor(quick bool) bsPlan {
	if quick {
		return bsPlan{
			data:          "blobs:n=2000,centers=10,dim=10,std=3,test=1000",
			dataLabel:     "2,000 points of 10 Gaussian blobs in 10 dimensions, not standardised (1,000 more to evaluate on)",
			epochs:        3,
			evalsPerEpoch: 10,
			sizes: []bsSize{
				{"sgd", "stochastic (batch 1)", 1, []float64{0.001, 0.003, 0.01, 0.03}},
				{"minibatch", "mini-batch (batch 20)", 20, []float64{0.01, 0.03, 0.1, 0.3}},
				{"full", "full batch", train.FullBatch, []float64{0.03, 0.1, 0.3, 1}},
			},
		}
	}
	return bsPlan{
		data:          "mnist",
		normalize:     true,
		dataLabel:     "MNIST (60,000 training images, the 10,000 test images to evaluate on)",
		epochs:        5,
		evalsPerEpoch: 20,
		sizes: []bsSize{
			{"sgd", "stochastic (batch 1)", 1, []float64{1e-4, 3e-4, 1e-3, 3e-3}},
			{"minibatch", "mini-batch (batch 100)", 100, []float64{0.01, 0.03, 0.1, 0.3}},
			{"full", "full batch", train.FullBatch, []float64{0.03, 0.1, 0.3, 1}},
		},
	}
}

// bsEval is one evaluation on the fixed evaluation set.
type bsEval struct {
	step          int
	epoch, trainS float64
	loss, acc     float64
}

// bsRun is one training run: a batch size at one learning rate.
type bsRun struct {
	size          bsSize
	lr            float64
	evals         []bsEval
	steps         int
	stepsPerEpoch int
	trainS        float64
	// lastLoss is the mean training loss of the last epoch's steps (what
	// the learning rate is picked by), lastStd their standard deviation:
	// how much the loss each step is computed from scatters.
	lastLoss, lastStd float64
	diverged          bool
}

// lossAtEpoch returns the evaluated loss at the end of epoch k.
func (r *bsRun) lossAtEpoch(k int) float64 {
	for _, e := range r.evals {
		if math.Abs(e.epoch-float64(k)) < 1e-9 {
			return e.loss
		}
	}
	return math.NaN()
}

// timeTo returns the training seconds and steps at the first evaluation
// whose loss is at most target (ok false if none).
func (r *bsRun) timeTo(target float64) (s float64, step int, ok bool) {
	for _, e := range r.evals {
		if e.loss <= target {
			return e.trainS, e.step, true
		}
	}
	return 0, 0, false
}

// final returns the last evaluation.
func (r *bsRun) final() bsEval { return r.evals[len(r.evals)-1] }

// trDivisorNear returns the divisor d of n for which n/d is nearest want:
// evaluating every d steps then evaluates want times an epoch, or about,
// and always at the epoch's end.
func trDivisorNear(n, want int) int {
	best := n
	for d := 1; d <= n; d++ {
		if n%d == 0 && math.Abs(float64(n/d-want)) < math.Abs(float64(n/best-want)) {
			best = d
		}
	}
	return best
}

// bsTrain trains plan's job with one batch size and learning rate.
func bsTrain(ctx context.Context, cfg Config, plan bsPlan, size bsSize, lr float64, n int) (*bsRun, error) {
	run := &bsRun{size: size, lr: lr, stepsPerEpoch: 1}
	if size.batch > 0 {
		run.stepsPerEpoch = (n + size.batch - 1) / size.batch
	}
	tc := train.Config{
		Data: plan.data, Model: "linear", Normalize: plan.normalize,
		Opt:       fmt.Sprintf("sgd:lr=%g", lr),
		Batch:     size.batch,
		Epochs:    plan.epochs,
		EvalEvery: trDivisorNear(run.stepsPerEpoch, plan.evalsPerEpoch),
		Seed:      cfg.Seed,
		Threads:   cfg.Threads,
	}
	var sum, sumSq float64
	var count int
	res, err := train.Run(ctx, tc, func(e train.Event) {
		switch e.Kind {
		case train.EventStep:
			if e.Epoch > float64(plan.epochs-1) {
				sum += e.Loss
				sumSq += e.Loss * e.Loss
				count++
			}
		case train.EventEval:
			loss, acc := trRowLoss(e.Row)
			if n := len(run.evals); n > 0 && run.evals[n-1].step == e.Row.Step {
				return
			}
			run.evals = append(run.evals, bsEval{step: e.Row.Step, epoch: e.Row.Epoch, trainS: e.Row.TrainS, loss: loss, acc: acc})
		}
	})
	if err != nil {
		if trDiverged(err) {
			run.diverged = true
			return run, nil
		}
		return nil, err
	}
	run.steps, run.trainS = res.Steps, res.TrainS
	run.lastLoss = sum / float64(max(count, 1))
	if count > 1 {
		run.lastStd = math.Sqrt(max(0, (sumSq-sum*sum/float64(count))/float64(count-1)))
	}
	if len(run.evals) == 0 {
		return nil, fmt.Errorf("batch %d, lr %g: no evaluation", size.batch, lr)
	}
	return run, nil
}

// trRowLoss returns the loss and accuracy of an evaluation on the fixed
// evaluation set: the validation set, else the test set, else the
// training set.
func trRowLoss(r *train.Row) (loss, acc float64) {
	loss, acc = math.NaN(), math.NaN()
	for _, p := range [][2]*float64{{r.ValLoss, r.ValAcc}, {r.TestLoss, r.TestAcc}, {r.TrainEvalLoss, r.TrainAcc}} {
		if p[0] != nil {
			loss = *p[0]
			if p[1] != nil {
				acc = *p[1]
			}
			return loss, acc
		}
	}
	return loss, acc
}

func runBatchSizes(ctx context.Context, cfg Config) (*Report, error) {
	plan := bsPlanFor(cfg.Quick)
	splits, err := train.LoadData(ctx, train.Config{Data: plan.data, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	n := splits.Train.Len()
	cfg.Logf("batch-sizes: logistic regression on %s, %d epochs per run", plan.dataLabel, plan.epochs)

	var best []*bsRun
	var grid []string
	for _, size := range plan.sizes {
		var pick *bsRun
		var tried []string
		for _, lr := range size.lrs {
			run, err := bsTrain(ctx, cfg, plan, size, lr, n)
			if err != nil {
				return nil, fmt.Errorf("%s, lr %g: %w", size.label, lr, err)
			}
			if run.diverged {
				cfg.Logf("  %s, lr %g: diverged", size.label, lr)
				tried = append(tried, trG3(lr)+" diverged")
				continue
			}
			cfg.Logf("  %s, lr %g: last-epoch training loss %.4f, evaluation loss %.4f, %.2fs", size.label, lr, run.lastLoss, run.final().loss, run.trainS)
			tried = append(tried, fmt.Sprintf("%s → %.3f", trG3(lr), run.lastLoss))
			if pick == nil || run.lastLoss < pick.lastLoss {
				pick = run
			}
		}
		if pick == nil {
			return nil, fmt.Errorf("%s: every learning rate of %v diverged", size.label, size.lrs)
		}
		if pick.lr == size.lrs[0] || pick.lr == size.lrs[len(size.lrs)-1] {
			cfg.Logf("  %s: the best rate %g is at the end of the grid", size.label, pick.lr)
		}
		best = append(best, pick)
		grid = append(grid, fmt.Sprintf("%s: %s", size.label, strings.Join(tried, ", ")))
	}
	start, err := bsInitial(ctx, cfg, plan)
	if err != nil {
		return nil, err
	}
	for _, r := range best {
		r.evals = append([]bsEval{start}, r.evals...)
	}
	return bsReport(cfg, plan, n, best, grid)
}

// bsInitial measures the initial model (the same for every run: the
// same seed) on the evaluation set, by a run of one step at rate 0.
func bsInitial(ctx context.Context, cfg Config, plan bsPlan) (bsEval, error) {
	tc := train.Config{Data: plan.data, Model: "linear", Normalize: plan.normalize, Opt: "sgd:lr=0", Batch: 1, Steps: 1, EvalEvery: 1,
		Seed: cfg.Seed, Threads: cfg.Threads}
	res, err := train.Run(ctx, tc, nil)
	if err != nil {
		return bsEval{}, fmt.Errorf("the initial model: %w", err)
	}
	loss, acc := trRowLoss(&train.Row{ValLoss: res.ValLoss, ValAcc: res.ValAcc, TestLoss: res.TestLoss, TestAcc: res.TestAcc,
		TrainEvalLoss: res.TrainLoss, TrainAcc: res.TrainAcc})
	return bsEval{loss: loss, acc: acc}, nil
}

// bsReport turns the picked runs into the findings, the table, the
// numbers and the pictures.
func bsReport(cfg Config, plan bsPlan, n int, runs []*bsRun, grid []string) (*Report, error) {
	rep := &Report{Numbers: map[string]float64{}}
	// The target: 10% above the best final loss, rounded to two digits.
	bestFinal := math.Inf(1)
	for _, r := range runs {
		bestFinal = min(bestFinal, r.final().loss)
	}
	target := trRoundSig(1.1*bestFinal, 2)
	rep.Numbers["target_loss"] = target

	rep.Numbers["initial_loss"] = runs[0].evals[0].loss
	header := []string{"batch", "lr", "steps/epoch", "steps/s", "examples/s", "step loss sd"}
	for k := 1; k <= plan.epochs; k++ {
		header = append(header, fmt.Sprintf("loss@%d", k))
	}
	header = append(header, "train s", fmt.Sprintf("s to %.2g", target))
	rep.Table = &Table{Header: header}
	byKey := map[string]*bsRun{}
	for _, r := range runs {
		byKey[r.size.key] = r
		k := r.size.key
		stepsPerS := float64(r.steps) / r.trainS
		examplesPerS := stepsPerS * float64(n) / float64(r.stepsPerEpoch)
		rep.Numbers[k+"_lr"] = r.lr
		rep.Numbers[k+"_steps_per_epoch"] = float64(r.stepsPerEpoch)
		rep.Numbers[k+"_steps_per_s"] = stepsPerS
		rep.Numbers[k+"_examples_per_s"] = examplesPerS
		rep.Numbers[k+"_train_s"] = r.trainS
		rep.Numbers[k+"_final_loss"] = r.final().loss
		rep.Numbers[k+"_final_acc"] = r.final().acc
		rep.Numbers[k+"_step_loss_std"] = r.lastStd
		row := []string{r.size.label, trG3(r.lr), fmt.Sprint(r.stepsPerEpoch), fmt.Sprintf("%.0f", stepsPerS), fmt.Sprintf("%.0f", examplesPerS), trF3(r.lastStd)}
		for e := 1; e <= plan.epochs; e++ {
			l := r.lossAtEpoch(e)
			rep.Numbers[fmt.Sprintf("%s_loss_epoch%d", k, e)] = l
			row = append(row, trF3(l))
		}
		row = append(row, fmt.Sprintf("%.2f", r.trainS))
		if s, step, ok := r.timeTo(target); ok {
			rep.Numbers[k+"_time_to_target_s"] = s
			rep.Numbers[k+"_steps_to_target"] = float64(step)
			row = append(row, fmt.Sprintf("%.3f", s))
		} else {
			row = append(row, "never")
		}
		rep.Table.Rows = append(rep.Table.Rows, row)
	}

	sgd, mini, full := byKey["sgd"], byKey["minibatch"], byKey["full"]
	reach := func(r *bsRun) string {
		if s, step, ok := r.timeTo(target); ok {
			return fmt.Sprintf("after %.2f s (step %d)", s, step)
		}
		return fmt.Sprintf("never (it ended at %.3f)", r.final().loss)
	}
	rep.Findings = []string{
		fmt.Sprintf("Logistic regression on %s, %d epochs for each batch size from the same initial weights (loss %.3f), "+
			"the loss measured on the same fixed evaluation set %d times an epoch. "+
			"Each batch size trains at its best learning rate among a few (lowest training loss over the last epoch): %s.",
			plan.dataLabel, plan.epochs, runs[0].evals[0].loss, plan.evalsPerEpoch, strings.Join(grid, "; ")),
		fmt.Sprintf("Per epoch, stochastic gradient descent (lr %s) is ahead of full-batch descent (lr %s): after one epoch its loss is %.3f against %.3f, "+
			"because it took %d steps to full batch's 1; after %d epochs, %.3f against %.3f.",
			trG3(sgd.lr), trG3(full.lr), sgd.lossAtEpoch(1), full.lossAtEpoch(1), sgd.stepsPerEpoch, plan.epochs, sgd.final().loss, full.final().loss),
		fmt.Sprintf("Each step is computed from its batch's loss, and with one example that loss is a noisy estimate: over the last epoch "+
			"the loss of the batch a step was computed from scattered with a standard deviation of %.3f for batch 1 against %.3f for batch %d "+
			"(full batch: the exact loss, one step an epoch).", sgd.lastStd, mini.lastStd, mini.size.batch),
		fmt.Sprintf("In wall time the per-example steps are slow: stochastic descent runs %.0f steps/s but only %.0f examples/s, "+
			"mini-batches of %d %.0f examples/s and the full batch %.0f examples/s (%.2f s a step); an epoch took %.2f s, %.2f s and %.2f s.",
			rep.Numbers["sgd_steps_per_s"], rep.Numbers["sgd_examples_per_s"], mini.size.batch, rep.Numbers["minibatch_examples_per_s"],
			rep.Numbers["full_examples_per_s"], full.trainS/float64(max(full.steps, 1)),
			sgd.trainS/float64(plan.epochs), mini.trainS/float64(plan.epochs), full.trainS/float64(plan.epochs)),
		fmt.Sprintf("Mini-batches get the best of both: after one epoch a loss of %.3f (stochastic %.3f, full batch %.3f), and they reach the loss %.2g "+
			"(10%% above the best final loss) %s, stochastic descent %s, full batch %s.",
			mini.lossAtEpoch(1), sgd.lossAtEpoch(1), full.lossAtEpoch(1), target, reach(mini), reach(sgd), reach(full)),
	}

	var byEpoch, byTime []plot.Series
	for _, r := range runs {
		var ep, ts, ls []float64
		for _, e := range r.evals {
			ep, ts, ls = append(ep, e.epoch), append(ts, e.trainS), append(ls, e.loss)
		}
		name := fmt.Sprintf("%s, lr %s", r.size.label, trG3(r.lr))
		byEpoch = append(byEpoch, plot.Series{Name: name, X: ep, Y: ls})
		byTime = append(byTime, plot.Series{Name: name, X: ts, Y: ls})
	}
	if err := trainPictures(cfg, rep, []trChart{
		{"batch-sizes-epochs", plot.LineChart{
			Title: "loss per epoch: batch 1, mini-batch, full batch", XLabel: "epochs", YLabel: "loss on the evaluation set",
			LogY: true, Series: byEpoch}},
		{"batch-sizes-time", plot.LineChart{
			Title: "loss against training time", XLabel: "training time, s (log)", YLabel: "loss on the evaluation set",
			LogX: true, LogY: true, Series: byTime}},
	}); err != nil {
		return nil, err
	}
	rep.Numbers = trFiniteNumbers(rep.Numbers)
	return rep, nil
}

// trRoundSig rounds v to digits significant digits.
func trRoundSig(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
