package sweep

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/train"
)

// ResultsFile is the name of the file in Config.Out that holds the
// finished trials, one JSON object (a Trial) a line.
const ResultsFile = "results.jsonl"

// Config is a sweep. The zero value of each field but the search itself
// means the default.
type Config struct {
	// Base is the job every trial starts from; its Out and Resume must be
	// empty. Its Threads, when set, is each trial's thread count.
	Base train.Config

	// Grid are the axes of a grid search: the trials are every
	// combination of their values.
	Grid []Grid
	// Random is the number of draws of a random search over Ranges;
	// each draw is crossed with the grid's combinations.
	Random int
	// Ranges are the hyperparameters the random search draws.
	Ranges []Range
	// Seed seeds the random draws: the same seed draws the same trials.
	Seed uint64

	// Metric ranks the trials: one of Metrics. Empty means the first of
	// val_acc, test_acc, val_loss, test_loss and final_loss that the
	// trials report (val_acc with a validation split, test_acc with a
	// test split, ...).
	Metric string
	// Workers is how many trials train at once; 0 means one per core (at
	// most the number of trials). Each trial's kernels get
	// max(1, cores/Workers) threads unless Base.Threads says otherwise.
	// Each running trial holds its own copy of the data (about 300 MB
	// for MNIST).
	Workers int
	// Out, when set, is the directory of the sweep's results file (see
	// ResultsFile), created if missing; the trials it already holds are
	// not run again. Empty keeps the results in memory only.
	Out string
}

// Status is how a trial ended.
type Status string

// The statuses of a trial.
const (
	// StatusPending: the trial has not finished (not run yet, or
	// interrupted).
	StatusPending Status = ""
	// StatusDone: the training ran to its end (or its target accuracy).
	StatusDone Status = "done"
	// StatusDiverged: the loss or a gradient stopped being finite.
	StatusDiverged Status = "diverged"
	// StatusFailed: the job could not run; Error says why.
	StatusFailed Status = "failed"
)

// Trial is one job of a sweep and, once it has run, its outcome: the
// line of the results file, and an entry of Result.Trials.
type Trial struct {
	// Index is the trial's place in the sweep's order (see
	// Config.Trials), from 0.
	Index int `json:"index"`
	// Params are the swept keys' values.
	Params Params `json:"params"`
	// Config is the trial's job: the base job with Params applied and the
	// defaults that do not depend on the data filled in. A rerun matches
	// trials on it.
	Config train.Config `json:"config"`

	Status Status `json:"status"`
	// Error says why a trial diverged or failed.
	Error string `json:"error,omitempty"`
	// Result is the training's result (nil when it diverged or failed);
	// its Config is the job as training resolved it.
	Result *train.Result `json:"result,omitempty"`
	// Steps is the number of optimizer steps done; Seconds the trial's
	// wall-clock time, data loading and evaluation included.
	Steps   int     `json:"steps"`
	Seconds float64 `json:"seconds"`
	// Finished is when the trial ended.
	Finished time.Time `json:"finished"`

	// Resumed marks a trial read back from the results file instead of
	// run.
	Resumed bool `json:"resumed,omitempty"`
	// Rank (from 1, best first) and Metric (the trial's value of the
	// ranking metric; nil when it has none) are set in Result.Trials.
	Rank   int      `json:"rank,omitempty"`
	Metric *float64 `json:"metric,omitempty"`
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event.
const (
	// EventStart comes once, before the first trial starts.
	EventStart EventKind = iota
	// EventTrialStart comes as a trial starts (Event.Trial).
	EventTrialStart
	// EventProgress comes as a running trial gets another hundredth of
	// its steps done.
	EventProgress
	// EventTrialDone comes as a trial finishes (Event.Trial, with its
	// status), after its line is on disk.
	EventTrialDone
)

// String returns "start", "trial-start", "progress" or "trial-done".
func (k EventKind) String() string {
	switch k {
	case EventStart:
		return "start"
	case EventTrialStart:
		return "trial-start"
	case EventProgress:
		return "progress"
	case EventTrialDone:
		return "trial-done"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a report of a sweep's progress, handed to Run's report
// function.
type Event struct {
	Kind EventKind
	// Trial is the trial starting or done.
	Trial *Trial
	// Total is the number of trials; Done those finished, Resumed among
	// them those read back from the results file; Running those training
	// now.
	Total, Done, Resumed, Running int
	// Progress is the work done in trials: Done plus the fraction of its
	// steps each running trial has done.
	Progress float64
	// Workers and Threads are the trials at once and each one's threads.
	Workers, Threads int
	// Metric is the ranking metric (while Config.Metric is empty, the
	// default that the trials finished so far point to); Best the best
	// trial so far (nil while none has the metric).
	Metric string
	Best   *Trial
	// Warnings are the lines of the results file that could not be read
	// (EventStart).
	Warnings []string
}

// Result is a sweep's outcome, as `descent sweep --json` prints it.
type Result struct {
	// Metric is the ranking metric; Maximize whether larger is better.
	Metric   string `json:"metric"`
	Maximize bool   `json:"maximize"`
	// Keys are the swept keys, in the trials' order.
	Keys []string `json:"keys"`
	// Trials are the finished trials, best first (see Trial.Rank).
	Trials []Trial `json:"trials"`
	// Best is the best trial: Trials[0] when it has the metric, else nil.
	Best *Trial `json:"best"`
	// Total is the number of trials in the sweep, Ran the number this run
	// finished, Resumed those read back from the results file; Total −
	// len(Trials) were left unfinished by an interruption.
	Total   int `json:"total"`
	Ran     int `json:"ran"`
	Resumed int `json:"resumed"`
	// File is the results file (empty without Config.Out).
	File string `json:"file,omitempty"`
	// Warnings are the lines of the results file that could not be read.
	Warnings []string `json:"warnings,omitempty"`

	// logKeys are the keys drawn log-uniformly; grid whether the sweep
	// is a grid only (its trials line up along each key).
	logKeys map[string]bool
	grid    bool
}

// Run runs the sweep: it expands and checks the trials (see
// Config.Trials), reads back the finished ones from Out, trains the rest
// with Workers at a time, appending each one to the results file as it
// finishes, and ranks them. A trial whose training diverges is recorded
// as diverged and one that cannot run as failed; the sweep goes on.
// report, if not nil, gets the progress, from one goroutine at a time.
//
// When ctx is cancelled the running trials stop and are not recorded;
// Run returns the finished trials, ranked, with an error wrapping
// ctx.Err(). Running the same sweep again with the same Out goes on from
// there. Trials' results do not depend on Workers: each trial is the
// same training whatever runs beside it.
func Run(ctx context.Context, cfg Config, report func(Event)) (*Result, error) {
	if report == nil {
		report = func(Event) {}
	}
	if err := checkMetric(cfg.Metric, cfg.Base); err != nil {
		return nil, err
	}
	trials, err := cfg.Trials()
	if err != nil {
		return nil, err
	}
	norm, _ := cfg.normalize()
	s := &sweeper{cfg: norm, trials: trials, report: report, running: map[int]float64{}}
	if cfg.Out != "" {
		st, records, warnings, err := openStore(cfg.Out)
		if err != nil {
			return nil, err
		}
		defer st.close()
		s.store, s.warnings = st, warnings
		for i := range s.trials {
			t := &s.trials[i]
			if rec, ok := records[t.Config]; ok && rec.Status != StatusFailed {
				rec.Index, rec.Params, rec.Config, rec.Resumed = t.Index, t.Params, t.Config, true
				rec.Rank, rec.Metric = 0, nil
				*t = rec
				s.resumed++
			}
		}
	}
	var pending []int
	for i := range s.trials {
		if s.trials[i].Status == StatusPending {
			pending = append(pending, i)
		}
	}
	cores := runtime.GOMAXPROCS(0)
	workers := cfg.Workers
	if workers == 0 {
		workers = cores
	}
	workers = max(1, min(workers, len(pending)))
	threads := cfg.Base.Threads
	if threads == 0 {
		threads = max(1, cores/workers)
	}
	// Trials set this thread count and put back what they found: set it
	// once for all of them, so that they find and put back the same.
	defer parallel.SetThreads(parallel.SetThreads(threads))
	s.workers, s.threads = workers, threads
	s.done = s.resumed

	s.mu.Lock()
	s.rankSoFar()
	s.emit(Event{Kind: EventStart, Warnings: s.warnings})
	s.mu.Unlock()

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.cancel = cancel
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				s.runTrial(runCtx, i)
			}
		})
	}
feed:
	for _, i := range pending {
		select {
		case jobs <- i:
		case <-runCtx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()

	res := s.result()
	if s.fatal != nil {
		return res, s.fatal
	}
	if err := ctx.Err(); err != nil && len(res.Trials) < res.Total {
		return res, fmt.Errorf("sweep: interrupted with %d of %d trials finished: %w", len(res.Trials), res.Total, err)
	}
	return res, nil
}

// sweeper is a running sweep.
type sweeper struct {
	cfg     Config
	store   *store
	workers int
	threads int
	cancel  context.CancelFunc
	report  func(Event)

	mu       sync.Mutex // guards what follows, and report
	trials   []Trial
	running  map[int]float64 // running trials' fraction of steps done
	done     int
	resumed  int
	ran      int
	warnings []string
	fatal    error
	metric   string // the ranking metric so far
	best     *Trial // the best trial so far
}

// emit reports e with the counts filled in; s.mu is held.
func (s *sweeper) emit(e Event) {
	e.Total, e.Done, e.Resumed, e.Running = len(s.trials), s.done, s.resumed, len(s.running)
	e.Progress = float64(s.done)
	for _, f := range s.running {
		e.Progress += f
	}
	e.Workers, e.Threads = s.workers, s.threads
	e.Metric, e.Best = s.metric, s.best
	s.report(e)
}

// rankSoFar updates the metric and the best trial from the trials
// finished so far; s.mu is held.
func (s *sweeper) rankSoFar() {
	finished := s.finished()
	s.metric = resolveMetric(s.cfg.Metric, s.cfg.Base, finished)
	s.best = nil
	if len(finished) > 0 {
		rank(finished, s.metric)
		if finished[0].Metric != nil {
			best := finished[0]
			s.best = &best
		}
	}
}

// finished returns a copy of the finished trials; s.mu is held.
func (s *sweeper) finished() []Trial {
	var out []Trial
	for _, t := range s.trials {
		if t.Status != StatusPending {
			out = append(out, t)
		}
	}
	return out
}

// runTrial trains trial i and records its outcome.
func (s *sweeper) runTrial(ctx context.Context, i int) {
	if ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	t := s.trials[i]
	s.running[i] = 0
	started := t
	s.emit(Event{Kind: EventTrialStart, Trial: &started})
	s.mu.Unlock()

	job := t.Config
	job.Threads = s.threads
	start := time.Now()
	steps, pct := 0, -1
	res, err := train.Run(ctx, job, func(e train.Event) {
		steps = e.Step
		if e.TotalSteps <= 0 {
			return
		}
		if p := min(100, 100*e.Step/e.TotalSteps); p != pct {
			pct = p
			s.mu.Lock()
			if _, ok := s.running[i]; ok {
				s.running[i] = float64(p) / 100
				s.emit(Event{Kind: EventProgress, Trial: &started})
			}
			s.mu.Unlock()
		}
	})
	if err != nil && ctx.Err() != nil {
		// Interrupted: not recorded, so that a rerun trains it again.
		s.mu.Lock()
		delete(s.running, i)
		s.mu.Unlock()
		return
	}
	t.Seconds = time.Since(start).Seconds()
	t.Finished = time.Now().UTC().Truncate(time.Millisecond)
	t.Steps = steps
	var lost bool
	t.Result, lost = finiteResult(res)
	var nf *optim.NonFiniteError
	switch {
	case err == nil && lost:
		t.Status, t.Error = StatusDiverged, fmt.Sprintf("the training loss is %v", *res.FinalLoss)
	case err == nil:
		t.Status = StatusDone
		t.Steps = res.Steps
	case errors.As(err, &nf):
		t.Status, t.Error = StatusDiverged, err.Error()
	default:
		t.Status, t.Error = StatusFailed, err.Error()
	}
	var werr error
	if s.store != nil {
		werr = s.store.append(t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, i)
	if werr != nil {
		if s.fatal == nil {
			s.fatal = werr
			s.cancel()
		}
		return
	}
	s.trials[i] = t
	s.done++
	s.ran++
	s.rankSoFar()
	s.emit(Event{Kind: EventTrialDone, Trial: &t})
}

// result ranks the finished trials.
func (s *sweeper) result() *Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	finished := s.finished()
	metric := resolveMetric(s.cfg.Metric, s.cfg.Base, finished)
	rank(finished, metric)
	res := &Result{Metric: metric, Maximize: Maximize(metric), Keys: s.cfg.Keys(), Trials: finished,
		Total: len(s.trials), Ran: s.ran, Resumed: s.resumed, Warnings: s.warnings,
		logKeys: map[string]bool{}, grid: s.cfg.Random == 0}
	if res.Trials == nil {
		res.Trials = []Trial{}
	}
	if len(finished) > 0 && finished[0].Metric != nil {
		res.Best = &res.Trials[0]
	}
	if s.store != nil {
		res.File = filepath.Join(s.cfg.Out, ResultsFile)
	}
	for _, r := range s.cfg.Ranges {
		if r.Log {
			res.logKeys[r.Key] = true
		}
	}
	return res
}

// finiteResult returns a copy of res without the figures that are not
// finite (JSON has no NaN), and whether the final loss was one of them.
func finiteResult(res *train.Result) (*train.Result, bool) {
	if res == nil {
		return nil, false
	}
	r := *res
	lost := false
	for _, p := range []**float64{&r.FinalLoss, &r.ValLoss, &r.ValAcc, &r.TestLoss, &r.TestAcc, &r.TrainLoss, &r.TrainAcc, &r.TimeToTargetS} {
		if *p != nil && (math.IsNaN(**p) || math.IsInf(**p, 0)) {
			lost = lost || p == &r.FinalLoss
			*p = nil
		}
	}
	return &r, lost
}
