package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/plot"
)

func init() {
	register(Demo{
		Name:  "sparse-features",
		Title: "Rare features: one learning rate for all, or one per weight",
		Claim: "With rare and frequent features, one global learning rate (SGD) starves the rare features' weights of updates; " +
			"Adagrad and Adam scale each weight's step by its own gradient history, so rare features learn too.",
		Run: runSparseFeatures,
	})
}

// sfGroup is a group of binary features present in an example with the
// same probability.
type sfGroup struct {
	name  string // frequent, medium, rare
	count int
	freq  float64
}

// sfPlan is the experiment: the features, the data and the budget.
type sfPlan struct {
	groups   []sfGroup
	weight   float64 // |w*| of every feature: all equally predictive
	n        int     // training examples
	batch    int
	epochs   int
	evals    int // full-data loss evaluations per epoch
	opts     []sfOpt
	describe string
}

// sfOpt is an optimizer and the learning rates it is tried at.
type sfOpt struct {
	key, name string
	spec      string // with %g for the rate
	lrs       []float64
}

func sfPlanFor(quick bool) sfPlan {
	p := sfPlan{
		groups: []sfGroup{
			{"frequent", 100, 0.5},
			{"medium", 20, 0.05},
			{"rare", 50, 0.01}, {"rare", 50, 0.0075}, {"rare", 50, 0.005},
		},
		weight: 1,
		n:      20000,
		batch:  32,
		epochs: 3,
		evals:  10,
		opts: []sfOpt{
			{"sgd", "SGD", "sgd:lr=%g", []float64{0.1, 0.3, 1, 3}},
			{"adagrad", "Adagrad", "adagrad:lr=%g", []float64{0.03, 0.1, 0.3, 1}},
			{"adam", "Adam", "adam:lr=%g", []float64{0.003, 0.01, 0.03, 0.1}},
		},
	}
	if quick {
		p.n, p.epochs, p.evals = 8000, 2, 5
		for i := range p.opts {
			p.opts[i].lrs = p.opts[i].lrs[1:3]
		}
	}
	return p
}

// sfData is the generated data: each example's active features and its
// label, and the true weights.
type sfData struct {
	active [][]int32
	labels []float64
	truth  []float64
	freq   []float64 // each feature's probability of being present
	group  []int     // each feature's group index
}

// sfGenerate draws the data: binary features present independently with
// their group's probability, true weights ±plan.weight with random signs,
// and labels drawn from the logistic model.
func sfGenerate(plan sfPlan, seed uint64) *sfData {
	rng := rand.New(rand.NewPCG(seed, 0x5350_4152_5345_4645))
	d := &sfData{}
	for gi, g := range plan.groups {
		for range g.count {
			d.freq = append(d.freq, g.freq)
			d.group = append(d.group, gi)
			w := plan.weight
			if rng.IntN(2) == 0 {
				w = -w
			}
			d.truth = append(d.truth, w)
		}
	}
	for range plan.n {
		var act []int32
		z := 0.0
		for j, f := range d.freq {
			if rng.Float64() < f {
				act = append(act, int32(j))
				z += d.truth[j]
			}
		}
		y := 0.0
		if rng.Float64() < sfSigmoid(z) {
			y = 1
		}
		d.active = append(d.active, act)
		d.labels = append(d.labels, y)
	}
	return d
}

func sfSigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// sfSoftplus returns log(1 + e^z) without overflow.
func sfSoftplus(z float64) float64 {
	if z > 0 {
		return z + math.Log1p(math.Exp(-z))
	}
	return math.Log1p(math.Exp(z))
}

// loss is the mean logistic loss of weights w over the whole data.
func (d *sfData) loss(w []float64) float64 {
	var sum float64
	for i, act := range d.active {
		z := 0.0
		for _, j := range act {
			z += w[j]
		}
		// −log σ(z) for y = 1, −log(1−σ(z)) for y = 0.
		if d.labels[i] == 1 {
			sum += sfSoftplus(-z)
		} else {
			sum += sfSoftplus(z)
		}
	}
	return sum / float64(len(d.active))
}

// sfRun is one optimizer's training.
type sfRun struct {
	opt      sfOpt
	lr       float64
	w        []float64
	moved    []float64 // Σ|Δw_j| over the steps
	steps    int
	curve    [][2]float64 // (epoch, full-data loss)
	final    float64
	diverged bool
}

// sfTrain trains logistic regression (no bias) on d with mini-batches,
// the gradient computed by hand and the step taken by the optimizer.
func sfTrain(ctx context.Context, plan sfPlan, d *sfData, o sfOpt, lr float64, seed uint64) (*sfRun, error) {
	dim := len(d.truth)
	run := &sfRun{opt: o, lr: lr, w: make([]float64, dim), moved: make([]float64, dim)}
	grad := make([]float64, dim)
	opt, err := optim.New(fmt.Sprintf(o.spec, lr), []*optim.Param{optim.NewParam("w", run.w, grad)})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x5350_5348_5546_464c))
	order := make([]int, plan.n)
	for i := range order {
		order[i] = i
	}
	perEpoch := (plan.n + plan.batch - 1) / plan.batch
	prev := make([]float64, dim)
	run.curve = append(run.curve, [2]float64{0, d.loss(run.w)})
	for epoch := range plan.epochs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for b := range perEpoch {
			batch := order[b*plan.batch : min(plan.n, (b+1)*plan.batch)]
			clear(grad)
			for _, i := range batch {
				z := 0.0
				for _, j := range d.active[i] {
					z += run.w[j]
				}
				r := (sfSigmoid(z) - d.labels[i]) / float64(len(batch))
				for _, j := range d.active[i] {
					grad[j] += r
				}
			}
			copy(prev, run.w)
			if err := opt.Step(); err != nil {
				if trDiverged(err) {
					run.diverged = true
					return run, nil
				}
				return nil, err
			}
			for j := range run.w {
				run.moved[j] += math.Abs(run.w[j] - prev[j])
			}
			run.steps++
			if (b+1)*plan.evals/perEpoch > b*plan.evals/perEpoch { // plan.evals times an epoch, the last at its end
				run.curve = append(run.curve, [2]float64{float64(epoch) + float64(b+1)/float64(perEpoch), d.loss(run.w)})
			}
		}
	}
	run.final = run.curve[len(run.curve)-1][1]
	if math.IsNaN(run.final) || math.IsInf(run.final, 0) {
		run.diverged = true
	}
	return run, nil
}

// sfStats are a run's numbers for one group of features.
type sfStats struct {
	update float64 // mean |Δw| per step
	err    float64 // mean |w − w*|
}

// stats returns the run's mean update size and weight error over the
// features for which keep is true.
func (r *sfRun) stats(d *sfData, keep func(j int) bool) sfStats {
	var s sfStats
	n := 0
	for j := range r.w {
		if keep(j) {
			s.update += r.moved[j] / float64(r.steps)
			s.err += math.Abs(r.w[j] - d.truth[j])
			n++
		}
	}
	s.update /= float64(n)
	s.err /= float64(n)
	return s
}

func runSparseFeatures(ctx context.Context, cfg Config) (*Report, error) {
	plan := sfPlanFor(cfg.Quick)
	d := sfGenerate(plan, cfg.Seed)
	var desc []string
	for _, g := range plan.groups {
		desc = append(desc, fmt.Sprintf("%d %s in %g%%", g.count, g.name, 100*g.freq))
	}
	cfg.Logf("sparse-features: logistic regression on %d examples of %d binary features (%s), |w*| = %g, batch %d, %d epochs",
		plan.n, len(d.truth), strings.Join(desc, ", "), plan.weight, plan.batch, plan.epochs)
	var runs []*sfRun
	var grid []string
	above := map[string]*sfRun{} // the run at the next rate above each optimizer's best
	for _, o := range plan.opts {
		var best *sfRun
		var tried []string
		var all []*sfRun
		for _, lr := range o.lrs {
			r, err := sfTrain(ctx, plan, d, o, lr, cfg.Seed)
			if err != nil {
				return nil, fmt.Errorf("%s, lr %g: %w", o.name, lr, err)
			}
			all = append(all, r)
			if r.diverged {
				cfg.Logf("  %s lr %g: diverged", o.name, lr)
				tried = append(tried, trG3(lr)+" diverged")
				continue
			}
			cfg.Logf("  %s lr %g: loss %.4f", o.name, lr, r.final)
			tried = append(tried, fmt.Sprintf("%s → %.4f", trG3(lr), r.final))
			if best == nil || r.final < best.final {
				best = r
			}
		}
		if best == nil {
			return nil, fmt.Errorf("%s: every learning rate of %v diverged", o.name, o.lrs)
		}
		runs = append(runs, best)
		grid = append(grid, fmt.Sprintf("%s: %s", o.name, strings.Join(tried, ", ")))
		if i := slices.Index(o.lrs, best.lr); i+1 < len(all) && !all[i+1].diverged {
			above[o.key] = all[i+1]
		}
	}
	return sfReport(cfg, plan, d, runs, grid, above)
}

// sfReport turns the runs into the findings, table, numbers and pictures.
func sfReport(cfg Config, plan sfPlan, d *sfData, runs []*sfRun, grid []string, above map[string]*sfRun) (*Report, error) {
	rep := &Report{Numbers: map[string]float64{"initial_loss": d.loss(make([]float64, len(d.truth)))}}
	// The distinct frequencies, rarest first, for the charts.
	var freqs []float64
	for _, f := range d.freq {
		if !slices.Contains(freqs, f) {
			freqs = append(freqs, f)
		}
	}
	slices.Sort(freqs)
	groupNames := []string{"frequent", "medium", "rare"}
	inGroup := func(name string) func(int) bool {
		return func(j int) bool { return plan.groups[d.group[j]].name == name }
	}
	rep.Table = &Table{Header: []string{"optimizer", "lr", "final loss"}}
	for _, g := range groupNames {
		rep.Table.Header = append(rep.Table.Header, g+" |Δw|/step", g+" |w−w*|")
	}
	byKey := map[string]*sfRun{}
	stats := map[string]map[string]sfStats{}
	var updSeries, errSeries, lossSeries []plot.Series
	for _, r := range runs {
		k := r.opt.key
		byKey[k] = r
		stats[k] = map[string]sfStats{}
		rep.Numbers[k+"_lr"] = r.lr
		rep.Numbers[k+"_final_loss"] = r.final
		row := []string{r.opt.name, trG3(r.lr), fmt.Sprintf("%.4f", r.final)}
		for _, g := range groupNames {
			s := r.stats(d, inGroup(g))
			stats[k][g] = s
			rep.Numbers[k+"_"+g+"_update"] = s.update
			rep.Numbers[k+"_"+g+"_error"] = s.err
			row = append(row, trG3(s.update), trF3(s.err))
		}
		rep.Table.Rows = append(rep.Table.Rows, row)
		var upd, errs []float64
		for _, f := range freqs {
			s := r.stats(d, func(j int) bool { return d.freq[j] == f })
			upd, errs = append(upd, s.update), append(errs, s.err)
		}
		name := fmt.Sprintf("%s, lr %s", r.opt.name, trG3(r.lr))
		updSeries = append(updSeries, plot.Series{Name: name, X: freqs, Y: upd})
		errSeries = append(errSeries, plot.Series{Name: name, X: freqs, Y: errs})
		var ex, ey []float64
		for _, p := range r.curve {
			ex, ey = append(ex, p[0]), append(ey, p[1])
		}
		lossSeries = append(lossSeries, plot.Series{Name: name, X: ex, Y: ey})
	}
	// The true weights' loss is a reference (the data were drawn from
	// them).
	rep.Numbers["true_weights_loss"] = d.loss(d.truth)
	lossSeries = append(lossSeries, plot.Series{Name: "the true weights",
		X: []float64{0, float64(plan.epochs)}, Y: []float64{rep.Numbers["true_weights_loss"], rep.Numbers["true_weights_loss"]}})

	sgd, ada, adam := byKey["sgd"], byKey["adagrad"], byKey["adam"]
	for _, r := range runs {
		k := r.opt.key
		rep.Numbers[k+"_frequent_over_rare_update"] = stats[k]["frequent"].update / stats[k]["rare"].update
	}
	rep.Numbers["adagrad_over_sgd_rare_update"] = stats["adagrad"]["rare"].update / stats["sgd"]["rare"].update
	rep.Numbers["adam_over_sgd_rare_update"] = stats["adam"]["rare"].update / stats["sgd"]["rare"].update
	held := ""
	if a, ok := above["sgd"]; ok {
		fa, ra := a.stats(d, inGroup("frequent")), a.stats(d, inGroup("rare"))
		rep.Numbers["sgd_above_lr"] = a.lr
		rep.Numbers["sgd_above_frequent_error"] = fa.err
		rep.Numbers["sgd_above_rare_error"] = ra.err
		held = fmt.Sprintf(" Its rate cannot go up for them: at the next one tried, %s, the rare weights end %.3f from the truth "+
			"but the frequent ones %.3f (against %.3f), and the loss is worse (%.4f against %.4f).",
			trG3(a.lr), ra.err, fa.err, stats["sgd"]["frequent"].err, a.final, sgd.final)
	}
	var desc []string
	for _, g := range plan.groups {
		desc = append(desc, fmt.Sprintf("%d in %g%%", g.count, 100*g.freq))
	}
	rep.Findings = []string{
		fmt.Sprintf("Logistic regression (no bias) on %d examples of %d binary features present with very different frequencies (%s of the examples), "+
			"every true weight ±%g, so every feature is as predictive when present; labels drawn from the model. "+
			"Each optimizer trains %d epochs of batches of %d from zero weights, at its best rate among a few (lowest final loss): %s.",
			plan.n, len(d.truth), strings.Join(desc, ", "), plan.weight, plan.epochs, plan.batch, strings.Join(grid, "; ")),
		fmt.Sprintf("SGD's one rate starves the rare features: their weights move %s per step on average against %s for the frequent ones (%.0f× less), "+
			"and end %.3f from the truth (frequent: %.3f; all start %g away).%s",
			trG3(stats["sgd"]["rare"].update), trG3(stats["sgd"]["frequent"].update), rep.Numbers["sgd_frequent_over_rare_update"],
			stats["sgd"]["rare"].err, stats["sgd"]["frequent"].err, plan.weight, held),
		fmt.Sprintf("Adagrad moves the rare weights %s per step (%.1f× SGD's; its frequent ones only %.1f× more) and brings them to %.3f from the truth; "+
			"Adam %s per step (%.1f× SGD's; frequent %.1f× more), %.3f from the truth. Their frequent weights end %.3f and %.3f away.",
			trG3(stats["adagrad"]["rare"].update), rep.Numbers["adagrad_over_sgd_rare_update"], rep.Numbers["adagrad_frequent_over_rare_update"], stats["adagrad"]["rare"].err,
			trG3(stats["adam"]["rare"].update), rep.Numbers["adam_over_sgd_rare_update"], rep.Numbers["adam_frequent_over_rare_update"], stats["adam"]["rare"].err,
			stats["adagrad"]["frequent"].err, stats["adam"]["frequent"].err),
		fmt.Sprintf("The final losses: SGD %.4f, Adagrad %.4f, Adam %.4f (the true weights score %.4f, zero weights %.4f).",
			sgd.final, ada.final, adam.final, rep.Numbers["true_weights_loss"], rep.Numbers["initial_loss"]),
	}

	if err := trainPictures(cfg, rep, []trChart{
		{"sparse-features-updates", plot.LineChart{
			Title: "update size against feature frequency", XLabel: "fraction of examples with the feature (log)", YLabel: "mean |Δw| per step (log)",
			LogX: true, LogY: true, Points: true, Series: updSeries}},
		{"sparse-features-error", plot.LineChart{
			Title: "distance from the true weight against feature frequency", XLabel: "fraction of examples with the feature (log)", YLabel: "mean |w − w*|",
			LogX: true, Points: true, Series: errSeries}},
		{"sparse-features-loss", plot.LineChart{
			Title: "training loss", XLabel: "epochs", YLabel: "logistic loss on all the examples",
			Series: lossSeries}},
	}); err != nil {
		return nil, err
	}
	rep.Numbers = trFiniteNumbers(rep.Numbers)
	return rep, nil
}
