package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/plot"
)

// The defaults a zero LRFindConfig field stands for: fastai's lr_find.
const (
	DefaultStartLR = 1e-7
	DefaultEndLR   = 10
	DefaultNumIt   = 100
)

// LRFindConfig shapes a learning-rate range test (see FindLR).
type LRFindConfig struct {
	// StartLR and EndLR are the first and last learning rates of the
	// sweep (0 means 1e-7 and 10); NumIt is the number of optimizer
	// steps (0 means 100). The rate of step i (0-based) is
	// StartLR·(EndLR/StartLR)^(i/(NumIt−1)).
	StartLR, EndLR float64
	NumIt          int
	// NoStop runs the whole sweep even when the loss blows up.
	NoStop bool
}

// Suggestions are the learning rates a range test suggests.
type Suggestions struct {
	// Valley is fastai's default: the longest stretch over which the
	// smoothed loss keeps decreasing, and the rate about halfway down it
	// (fastai's start + ⌊len/3⌋ + ⌊len/6⌋ points).
	Valley float64 `json:"valley"`
	// Steep is the rate where the smoothed loss falls fastest against
	// log lr.
	Steep float64 `json:"steep"`
	// Minimum is the rate at the smallest smoothed loss, divided by 10.
	Minimum float64 `json:"minimum"`
}

// SuggestionNames lists the suggestions by name, the default first.
var SuggestionNames = []string{"valley", "steep", "minimum"}

// Get returns the suggestion called name: valley, steep or minimum.
func (s Suggestions) Get(name string) (float64, error) {
	switch name {
	case "valley":
		return s.Valley, nil
	case "steep":
		return s.Steep, nil
	case "minimum":
		return s.Minimum, nil
	}
	return 0, fmt.Errorf("suggestion %q: want one of %s", name, strings.Join(SuggestionNames, ", "))
}

// LRFindResult is a range test's curve and suggestions, as `descent
// lrfind --json` prints it.
type LRFindResult struct {
	// LRs[i] is the learning rate of step i, Losses[i] its training loss
	// and Smoothed[i] the loss smoothed exponentially (β = 0.98,
	// debiased).
	LRs      []float64 `json:"lrs"`
	Losses   []float64 `json:"losses"`
	Smoothed []float64 `json:"smoothed"`
	// Suggestions are computed from the smoothed curve without its first
	// tenth, as fastai does; they are zero when the curve is too short.
	Suggestions Suggestions `json:"suggestions"`
	// StoppedAt is the number of steps done when the smoothed loss
	// exceeded 4× its minimum or stopped being finite; null when the
	// sweep ran to the end.
	StoppedAt *int `json:"stopped_at"`
}

// check reports the first field no sweep can use, and fills in the
// defaults.
func (c *LRFindConfig) check() error {
	if c.StartLR == 0 {
		c.StartLR = DefaultStartLR
	}
	if c.EndLR == 0 {
		c.EndLR = DefaultEndLR
	}
	if c.NumIt == 0 {
		c.NumIt = DefaultNumIt
	}
	switch {
	case !(c.StartLR > 0) || math.IsInf(c.StartLR, 0):
		return fmt.Errorf("start-lr %v: want a finite rate > 0", c.StartLR)
	case !(c.EndLR > c.StartLR) || math.IsInf(c.EndLR, 0):
		return fmt.Errorf("end-lr %v: want a finite rate above start-lr %v", c.EndLR, c.StartLR)
	case c.NumIt < 2:
		return fmt.Errorf("num-it %d: want >= 2 steps", c.NumIt)
	}
	return nil
}

// FindLR runs Smith's learning-rate range test as fastai's lr_find does:
// it builds the job cfg describes (or, with cfg.Resume, loads that
// checkpoint), then trains for lc.NumIt optimizer steps with the rate of
// every parameter group swept exponentially from lc.StartLR to
// lc.EndLR, recording the training loss of each step. It stops early
// when the smoothed loss exceeds 4× its minimum or is not finite.
//
// The test trains its own copy of the model and optimizer: nothing is
// written, and a checkpoint it starts from is left as it was. cfg's
// Epochs, Steps, Schedule, evaluation fields and Out do not apply.
// report, if not nil, receives the start event and one EventStep per
// step. When ctx is cancelled FindLR returns the curve so far with an
// error wrapping ctx's.
func FindLR(ctx context.Context, cfg Config, lc LRFindConfig, report func(Event)) (*LRFindResult, error) {
	if err := lc.check(); err != nil {
		return nil, err
	}
	if report == nil {
		report = func(Event) {}
	}
	cfg.Schedule, cfg.Out, cfg.TargetAcc, cfg.EvalEvery = "", "", 0, 0
	cfg.Steps = lc.NumIt
	res := &LRFindResult{}
	var last float64
	tr, err := setup(ctx, cfg, func(e Event) {
		if e.Kind == EventStep {
			last = e.Loss
		}
		report(e)
	})
	if err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(cfg.Threads))
	}
	tr.total = tr.st.Step + lc.NumIt // a resumed run's steps go on from its own
	tr.sched, tr.metric = nil, nil   // a resumed run's schedule does not drive the sweep
	// A step that meets a NaN or infinite loss or gradient is the curve's
	// last: the loss has blown up.
	diverged := false
	tr.closure = func() (float64, error) {
		v, err := tr.forwardBackward()
		if !isFinite(v) || (err != nil && !isFinite(optim.GradNorm(tr.params))) {
			diverged = true
		}
		return v, err
	}
	tr.report(Event{Kind: EventStart, Step: tr.st.Step, TotalSteps: tr.total, Epoch: tr.epoch(),
		LR: lc.StartLR, Info: &Info{
			Config: tr.cfg, Params: tr.st.Params, Train: tr.splits.Train.Len(), Val: size(tr.splits.Val),
			Test: size(tr.splits.Test), StepsPerEpoch: tr.perEpoch, ResumedAt: tr.resumedAt,
		}})
	tr.net.Module.Train()
	tr.resume()
	ratio := math.Log(lc.EndLR / lc.StartLR)
	const beta = 0.98
	avg, best := 0.0, math.Inf(1)
	for i := 0; i < lc.NumIt; {
		if err := ctx.Err(); err != nil {
			res.suggest(lc.NumIt)
			return res, fmt.Errorf("interrupted at step %d of the range test: %w", i, err)
		}
		lr := lc.StartLR * math.Exp(ratio*float64(i)/float64(lc.NumIt-1))
		for g := range tr.opt.NumGroups() {
			if err := tr.opt.SetHyper(g, "lr", lr); err != nil {
				return nil, fmt.Errorf("opt %q: %w", tr.cfg.Opt, err)
			}
		}
		tr.readLR()
		if !tr.loader.Next(&tr.batch) {
			tr.pos = 0 // an epoch ended; the next call starts another
			continue
		}
		tr.pos += tr.batch.Len()
		stepped, err := tr.step()
		loss := last
		if err != nil {
			var nf *optim.NonFiniteError
			if !diverged && !errors.As(err, &nf) {
				return nil, fmt.Errorf("range test step %d (lr %.3g): %w", i+1, lr, err)
			}
			loss, stepped = math.NaN(), true
		} else if diverged && stepped {
			loss = math.NaN()
		}
		if !stepped {
			continue // accumulating: the step comes with a later batch
		}
		diverged = false
		i++
		avg = beta*avg + (1-beta)*loss
		smooth := avg / (1 - math.Pow(beta, float64(i)))
		res.LRs = append(res.LRs, lr)
		res.Losses = append(res.Losses, loss)
		res.Smoothed = append(res.Smoothed, smooth)
		if smooth < best {
			best = smooth
		}
		if !lc.NoStop && blownUp(smooth, best) {
			n := i
			res.StoppedAt = &n
			break
		}
	}
	tr.pause()
	res.suggest(lc.NumIt)
	return res, nil
}

// blownUp is the range test's stop rule: the smoothed loss is not finite,
// or exceeds 4× the best so far.
func blownUp(smooth, best float64) bool {
	return !isFinite(smooth) || smooth > 4*best
}

// suggest computes the suggestions from the smoothed curve, leaving out
// its first tenth of numIt steps and a non-finite tail.
func (r *LRFindResult) suggest(numIt int) {
	lrs, losses := r.LRs, r.Smoothed
	skip := numIt / 10
	if skip >= len(lrs) {
		return
	}
	lrs, losses = lrs[skip:], losses[skip:]
	for n := len(losses); n > 0 && !isFinite(losses[n-1]); n-- {
		lrs, losses = lrs[:n-1], losses[:n-1]
	}
	if len(losses) < 2 {
		return
	}
	r.Suggestions = Suggestions{Valley: valley(lrs, losses), Steep: steep(lrs, losses), Minimum: minimum(lrs, losses)}
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// valley returns the rate about halfway down the longest valley of the
// loss: the longest run of points, not necessarily adjacent, along which
// the loss keeps decreasing (a longest decreasing subsequence). As fastai
// counts, the valley starts at the run's end minus its length, and the
// rate is a third of the valley plus half a third past its start.
func valley(lrs, losses []float64) float64 {
	n := len(losses)
	run := make([]int, n) // run[i]: the longest decreasing run ending at i
	end := 0
	for i := range n {
		run[i] = 1
		for j := range i {
			if losses[i] < losses[j] && run[j]+1 > run[i] {
				run[i] = run[j] + 1
			}
		}
		if run[i] > run[end] {
			end = i
		}
	}
	start := max(0, end-run[end])
	third := float64(end-start) / 3
	idx := start + int(third) + int(third/2)
	return lrs[min(idx, n-1)]
}

// steep returns the rate where the loss falls fastest against log lr: the
// left point of the most negative slope between neighbours.
func steep(lrs, losses []float64) float64 {
	best, at := math.Inf(1), 0
	for i := 1; i < len(losses); i++ {
		g := (losses[i] - losses[i-1]) / (math.Log(lrs[i]) - math.Log(lrs[i-1]))
		if g < best {
			best, at = g, i-1
		}
	}
	return lrs[at]
}

// minimum returns the rate at the smallest loss, divided by 10.
func minimum(lrs, losses []float64) float64 {
	return lrs[slices.Index(losses, slices.Min(losses))] / 10
}

// Plot draws the loss against the learning rate (log x), raw and
// smoothed, with the suggestions marked, and writes it to w as "png" or
// "svg".
func (r *LRFindResult) Plot(w io.Writer, format string) error {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, s := range r.Smoothed {
		if isFinite(s) {
			lo, hi = min(lo, s, r.Losses[i]), max(hi, s)
		}
	}
	chart := plot.LineChart{
		Title:  "learning-rate range test",
		XLabel: "learning rate",
		YLabel: "training loss",
		LogX:   true,
		Series: []plot.Series{{Name: "loss", X: r.LRs, Y: r.Losses}, {Name: "smoothed", X: r.LRs, Y: r.Smoothed}},
	}
	if lo < hi {
		pad := (hi - lo) * 0.05
		chart.YRange = [2]float64{lo - pad, hi + pad}
	}
	s := r.Suggestions
	for _, m := range []struct {
		name string
		lr   float64
	}{{"valley", s.Valley}, {"steep", s.Steep}, {"minimum", s.Minimum}} {
		if m.lr > 0 {
			chart.Markers = append(chart.Markers, plot.Marker{X: m.lr, Label: fmt.Sprintf("%s %.2g", m.name, m.lr)})
		}
	}
	return plot.Lines(w, format, chart)
}
