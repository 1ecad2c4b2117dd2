package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/descent-ml/descent/autograd"
	"github.com/descent-ml/descent/data"
	"github.com/descent-ml/descent/internal/parallel"
	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/optim/schedule"
	"github.com/descent-ml/descent/tensor"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of Event, in the order a run reports them.
const (
	// EventStart comes once, before the first step: Event.Info describes
	// the job.
	EventStart EventKind = iota
	// EventStep comes after every optimizer step.
	EventStep
	// EventEval comes after every evaluation: Event.Row holds its
	// metrics.
	EventEval
	// EventCheckpoint comes after a checkpoint is written:
	// Event.Checkpoint is its directory.
	EventCheckpoint
)

// String returns "start", "step", "eval" or "checkpoint".
func (k EventKind) String() string {
	switch k {
	case EventStart:
		return "start"
	case EventStep:
		return "step"
	case EventEval:
		return "eval"
	case EventCheckpoint:
		return "checkpoint"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is a report of progress, handed to Run's report function.
type Event struct {
	Kind EventKind
	// Step is the number of optimizer steps done; TotalSteps the number
	// the run will do unless it stops early.
	Step, TotalSteps int
	// Epoch is the number of passes over the training set done,
	// fractional; Epochs the number planned (0 when Steps sets the
	// length).
	Epoch  float64
	Epochs int
	// Loss is the training loss of the last step (the mean over its
	// batches with accumulation); LR the learning rate of its first
	// parameter group.
	Loss, LR float64
	// TrainS is the training time so far, in seconds.
	TrainS float64
	// Row is an evaluation's metrics (EventEval).
	Row *Row
	// Checkpoint is the directory written (EventCheckpoint).
	Checkpoint string
	// Info describes the job (EventStart).
	Info *Info
}

// Info describes a job as it starts.
type Info struct {
	// Config is the job's configuration with every default filled in.
	Config Config
	// Params is the number of trained values in the model.
	Params int
	// Train, Val and Test are the sizes of the splits (0: none).
	Train, Val, Test int
	// StepsPerEpoch is the number of optimizer steps per pass over the
	// training set.
	StepsPerEpoch float64
	// ResumedAt is the step of the checkpoint resumed from (0: a fresh
	// run).
	ResumedAt int
}

// Row is one line of a run's metrics: the mean training loss, and at an
// evaluation the evaluated splits' loss and accuracy. A run logs about
// 200 rows of training loss, each the mean since the previous row; an
// evaluation's row holds the mean since the previous evaluation (over the
// epoch, when evaluating every epoch). Absent values are nil (null in
// JSON).
type Row struct {
	Step      int      `json:"step"`
	Epoch     float64  `json:"epoch"`
	TrainS    float64  `json:"train_s"`
	LR        float64  `json:"lr"`
	TrainLoss *float64 `json:"train_loss"`
	// TrainAcc is the accuracy on the training set, evaluated when the
	// data has neither a validation nor a test split.
	TrainAcc      *float64 `json:"train_acc,omitempty"`
	TrainEvalLoss *float64 `json:"train_eval_loss,omitempty"`
	ValLoss       *float64 `json:"val_loss,omitempty"`
	ValAcc        *float64 `json:"val_acc,omitempty"`
	TestLoss      *float64 `json:"test_loss,omitempty"`
	TestAcc       *float64 `json:"test_acc,omitempty"`
	// Eval marks an evaluation; Final the evaluation that ends a run.
	Eval  bool `json:"eval,omitempty"`
	Final bool `json:"final,omitempty"`
}

// Result is what a run did, as `descent train --json` prints it.
type Result struct {
	// Config is the job with its defaults filled in.
	Config Config `json:"config"`
	Params int    `json:"params"`
	// TrainS is the training time in seconds, evaluation and checkpoints
	// excluded (over every session of a resumed run); EvalS the
	// evaluation time.
	TrainS float64 `json:"train_s"`
	EvalS  float64 `json:"eval_s"`
	// Steps is the number of optimizer steps done; Epochs the passes over
	// the training set, fractional.
	Steps  int     `json:"steps"`
	Epochs float64 `json:"epochs"`
	// FinalLoss is the mean training loss since the previous evaluation
	// (over the last epoch when evaluating every epoch).
	FinalLoss *float64 `json:"final_loss"`
	// The final evaluation, on the splits the data has; TrainAcc and
	// TrainLoss only when it has neither validation nor test examples.
	ValLoss   *float64 `json:"val_loss,omitempty"`
	ValAcc    *float64 `json:"val_acc,omitempty"`
	TestLoss  *float64 `json:"test_loss,omitempty"`
	TestAcc   *float64 `json:"test_acc,omitempty"`
	TrainLoss *float64 `json:"train_loss,omitempty"`
	TrainAcc  *float64 `json:"train_acc,omitempty"`
	// TargetAcc is Config.TargetAcc when set; TimeToTargetS the training
	// seconds at the first evaluation that reached it, and StepsToTarget
	// its step (null if never reached).
	TargetAcc     *float64 `json:"target_acc,omitempty"`
	TimeToTargetS *float64 `json:"time_to_target_s"`
	StepsToTarget *int     `json:"steps_to_target"`
	// Stopped says why the run ended: "done" (Epochs or Steps reached),
	// "target" (TargetAcc reached) or "interrupted" (ctx cancelled).
	Stopped string `json:"stopped"`
	// Checkpoint is the last checkpoint's directory (with Config.Out).
	Checkpoint string `json:"checkpoint,omitempty"`
	// Trajectory is the directory of the weights' snapshots, when
	// Config.SnapshotEvery is set (see Trajectory).
	Trajectory string `json:"trajectory,omitempty"`
	// ResumedAt is the step the run resumed from (0: a fresh run).
	ResumedAt int `json:"resumed_at,omitempty"`
}

// trainer is one run in progress.
type trainer struct {
	cfg    Config
	splits *Splits
	net    *Net
	params []*optim.Param
	opt    optim.Optimizer // what steps: inner, or MultiSteps over it
	inner  optim.Optimizer
	multi  *optim.MultiSteps
	sched  schedule.Scheduler
	metric schedule.MetricScheduler // sched, when it is driven by a metric
	loader *data.Loader
	loss   *lossFn
	eval   *evaluator
	report func(Event)

	g        *autograd.Graph[float32]
	batch    data.Batch
	x        tensor.Tensor[float32]
	closure  optim.Closure // tr.forwardBackward, made once
	curLR    float64       // the first group's learning rate, read when it can change
	pos      int           // examples dealt in the current epoch
	savedAt  int           // the step of the checkpoint this session wrote last (−1: none)
	savedDir string        // and its directory
	snapAt   int           // the step of the snapshot this session saved last (−1: none)

	st        loopState
	total     int     // steps planned
	perEpoch  float64 // steps per epoch
	resumedAt int
	stepLoss  acc // the losses of the current step's batches
	reached   bool
	segment   time.Time // when the current stretch of training began
	paused    bool
}

// pause adds the stretch of training since segment to the training time
// and stops the clock.
func (tr *trainer) pause() {
	if !tr.paused {
		tr.st.TrainS += time.Since(tr.segment).Seconds()
		tr.paused = true
	}
}

// resume starts the clock again.
func (tr *trainer) resume() { tr.segment, tr.paused = time.Now(), false }

// trainS returns the training time so far, the current stretch included.
func (tr *trainer) trainS() float64 {
	if tr.paused {
		return tr.st.TrainS
	}
	return tr.st.TrainS + time.Since(tr.segment).Seconds()
}

// Run trains as cfg says and returns what happened. report, if not nil,
// is called with progress events (after every step: keep it quick). When
// ctx is cancelled Run stops between two batches, evaluates, writes a
// checkpoint when cfg.Out is set, and returns the Result so far with an
// error wrapping ctx's.
func Run(ctx context.Context, cfg Config, report func(Event)) (*Result, error) {
	if report == nil {
		report = func(Event) {}
	}
	tr, err := setup(ctx, cfg, report)
	if err != nil {
		return nil, err
	}
	if cfg.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(cfg.Threads))
	}
	return tr.run(ctx)
}

// setup loads the data, builds the model, optimizer and schedule, and
// restores a checkpoint when cfg.Resume is set.
func setup(ctx context.Context, cfg Config, report func(Event)) (*trainer, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var ck *checkpoint
	if cfg.Resume != "" {
		var err error
		if ck, err = readCheckpoint(cfg.Resume); err != nil {
			return nil, fmt.Errorf("resume: %w", err)
		}
		userModel := cfg.Model
		if cfg, err = mergeResume(ck.state.Config, cfg); err != nil {
			return nil, fmt.Errorf("resume from %s: %w", cfg.Resume, err)
		}
		if userModel != "" {
			cfg.Model = userModel // checked against the checkpoint's below
		}
	} else {
		cfg = cfg.withDefaults()
	}
	tr := &trainer{cfg: cfg, report: report, g: autograd.NewGraph[float32](), paused: true, savedAt: -1, snapAt: -1}
	var stats *data.Stats
	if ck != nil {
		stats = ck.state.Stats
	}
	splits, err := loadSplits(ctx, cfg, stats)
	if err != nil {
		return nil, err
	}
	tr.splits = splits
	train := splits.Train
	out, err := outputs(train)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", cfg.Data, err)
	}
	if tr.cfg.Loss, err = resolveLoss(cfg.Loss, train.Kind()); err != nil {
		return nil, fmt.Errorf("data %s: %w", cfg.Data, err)
	}
	tr.loss = &lossFn{kind: tr.cfg.Loss, classes: train.Kind() == data.Classification, out: out}
	if tr.cfg.TargetAcc > 0 && train.Kind() != data.Classification {
		return nil, fmt.Errorf("target-acc %v: data %s has regression targets, not classes, so no accuracy", tr.cfg.TargetAcc, cfg.Data)
	}
	if tr.net, err = BuildModel(cfg.Model, cfg.Act, train.Shape, out, cfg.Seed); err != nil {
		return nil, err
	}
	if ck != nil && tr.net.Spec != ck.state.Config.Model {
		return nil, fmt.Errorf("resume from %s: the checkpoint was trained with model %s, not %s: leave it unset to resume, or start a new run",
			cfg.Resume, ck.state.Config.Model, tr.net.Spec)
	}
	tr.cfg.Model = tr.net.Spec
	tr.eval = newEvaluator(tr.net, tr.loss, tr.cfg.EvalBatch)
	tr.params = nn.OptimParams(tr.net.Module)
	if tr.inner, err = optim.New(cfg.Opt, tr.params); err != nil {
		return nil, fmt.Errorf("opt %q: %w", cfg.Opt, err)
	}
	tr.opt = tr.inner
	if tr.cfg.Accumulate > 1 {
		if tr.multi, err = optim.NewMultiSteps(tr.inner, tr.cfg.Accumulate); err != nil {
			return nil, fmt.Errorf("accumulate %d: %w", tr.cfg.Accumulate, err)
		}
		tr.opt = tr.multi
	}
	if cfg.Schedule != "" {
		if tr.sched, err = schedule.New(tr.opt, cfg.Schedule); err != nil {
			return nil, fmt.Errorf("schedule %q: %w", cfg.Schedule, err)
		}
		tr.metric, _ = tr.sched.(schedule.MetricScheduler)
	}
	bs := tr.cfg.Batch
	if bs == FullBatch {
		bs = 0
	}
	if bs > train.Len() && !tr.cfg.DropLast {
		bs = 0 // a batch larger than the set is the whole set
	}
	tr.loader, err = data.NewLoader(train, data.LoaderConfig{BatchSize: bs, Shuffle: tr.cfg.Batch != FullBatch, Seed: cfg.Seed, DropLast: tr.cfg.DropLast})
	if err != nil {
		return nil, fmt.Errorf("batch %d: %w", tr.cfg.Batch, err)
	}
	tr.perEpoch = float64(tr.loader.BatchesPerEpoch()) / float64(tr.cfg.Accumulate)
	tr.st = loopState{Format: stateFormat, Version: 1, Stats: splits.Stats, Params: nn.NumParams(tr.net.Module)}
	if ck != nil {
		if err := tr.restore(ck); err != nil {
			return nil, fmt.Errorf("resume from %s: %w", cfg.Resume, err)
		}
	}
	tr.st.Config = tr.cfg
	tr.closure = tr.forwardBackward
	tr.readLR()
	if tr.cfg.Steps > 0 {
		tr.total = tr.cfg.Steps
	} else {
		tr.total = int(float64(tr.cfg.Epochs*tr.loader.BatchesPerEpoch()) / float64(tr.cfg.Accumulate))
	}
	return tr, nil
}

// restore puts the trainer in the checkpoint's state.
func (tr *trainer) restore(ck *checkpoint) error {
	if err := ck.loadModel(tr.net); err != nil {
		return err
	}
	sd, err := ck.optimizerState()
	if err != nil {
		return err
	}
	if tr.sched != nil {
		err = schedule.LoadStateDict(tr.opt, tr.sched, sd)
	} else {
		err = tr.opt.LoadStateDict(sd)
	}
	if err != nil {
		return fmt.Errorf("optimizer state: %w", err)
	}
	if err := tr.loader.Restore(ck.state.Loader); err != nil {
		return err
	}
	tr.pos = ck.state.Loader.Index
	st := ck.state
	// The evaluation that ended the saved session is not part of the
	// run's history: a run that had not stopped would not have made it.
	if n := len(st.Metrics); n > 0 && st.Metrics[n-1].Final {
		st.Metrics = st.Metrics[:n-1]
	}
	st.Stats = tr.st.Stats
	tr.st = st
	tr.resumedAt = st.Step
	return nil
}

// epoch returns the passes over the training set done, fractional.
func (tr *trainer) epoch() float64 {
	return float64(tr.loader.Epoch()) + float64(tr.pos)/float64(tr.loader.Dataset().Len())
}

// lr returns the first group's learning rate.
func (tr *trainer) lr() float64 { return tr.curLR }

// readLR reads the learning rate again, after a schedule or a restored
// state changed it.
func (tr *trainer) readLR() {
	v, err := tr.opt.Hyper(0, "lr")
	if err != nil {
		v = math.NaN()
	}
	tr.curLR = v
}

// done reports whether the planned training is over.
func (tr *trainer) done() bool {
	if tr.cfg.Steps > 0 {
		return tr.st.Step >= tr.cfg.Steps
	}
	return tr.loader.Epoch() >= tr.cfg.Epochs
}

// run is the training loop.
func (tr *trainer) run(ctx context.Context) (*Result, error) {
	tr.report(Event{Kind: EventStart, Step: tr.st.Step, TotalSteps: tr.total, Epoch: tr.epoch(), Epochs: tr.epochsPlanned(),
		TrainS: tr.st.TrainS, LR: tr.lr(), Info: &Info{
			Config: tr.cfg, Params: tr.st.Params, Train: tr.splits.Train.Len(), Val: size(tr.splits.Val),
			Test: size(tr.splits.Test), StepsPerEpoch: tr.perEpoch, ResumedAt: tr.resumedAt,
		}})
	tr.net.Module.Train()
	stopped := "done"
	var runErr error
	if err := tr.startTrajectory(); err != nil {
		return nil, err
	}
	tr.resume()
	for !tr.done() && !tr.reached {
		if err := ctx.Err(); err != nil {
			stopped, runErr = "interrupted", err
			break
		}
		if !tr.loader.Next(&tr.batch) {
			// An epoch ended.
			tr.pos = 0
			if tr.cfg.EvalEvery == 0 && tr.st.LastEval != tr.st.Step {
				if err := tr.evaluate(ctx); err != nil {
					return nil, err
				}
			}
			continue
		}
		tr.st.Batches++
		tr.pos += tr.batch.Len()
		stepped, err := tr.step()
		if err != nil {
			var nf *optim.NonFiniteError
			if errors.As(err, &nf) {
				err = fmt.Errorf("%w (training diverged: lower the learning rate, or clip the gradients' norm)", err)
			}
			return nil, fmt.Errorf("step %d (epoch %.2f): %w", tr.st.Step+1, tr.epoch(), err)
		}
		if !stepped {
			continue
		}
		if tr.snapshotDue() {
			tr.pause()
			err := tr.snapshot()
			tr.resume()
			if err != nil {
				return nil, err
			}
		}
		if tr.cfg.EvalEvery > 0 && tr.st.Step%tr.cfg.EvalEvery == 0 {
			if err := tr.evaluate(ctx); err != nil {
				return nil, err
			}
		} else if tr.st.Step-tr.st.LastLog >= tr.logEvery() {
			tr.logRow()
		}
	}
	tr.pause()
	if tr.reached {
		stopped = "target"
	}
	res, err := tr.finish(context.WithoutCancel(ctx), stopped)
	if err != nil {
		return res, err
	}
	if runErr != nil {
		return res, fmt.Errorf("interrupted at step %d: %w", tr.st.Step, runErr)
	}
	return res, nil
}

func size(ds *data.Dataset) int {
	if ds == nil {
		return 0
	}
	return ds.Len()
}

func (tr *trainer) epochsPlanned() int {
	if tr.cfg.Steps > 0 {
		return 0
	}
	return tr.cfg.Epochs
}

// logEvery is how many steps apart the training-loss rows are: about 200
// rows over the run.
func (tr *trainer) logEvery() int {
	return max(1, tr.total/200)
}

// step runs one batch: forward, backward, and the optimizer's step (a
// real one every Accumulate batches). It reports whether the optimizer
// stepped.
func (tr *trainer) step() (bool, error) {
	b := &tr.batch
	tr.x.Data = b.X
	tr.x.Shape = append(append(tr.x.Shape[:0], b.Len()), tr.net.InShape...)
	loss, err := tr.opt.StepClosure(tr.closure)
	if err != nil {
		return false, err
	}
	tr.stepLoss.add(loss)
	if tr.multi != nil && !tr.multi.DidStep() {
		return false, nil
	}
	mean, _ := tr.stepLoss.mean()
	tr.stepLoss = acc{}
	tr.st.Step++
	tr.st.SinceEval.add(mean)
	tr.st.SinceLog.add(mean)
	if tr.sched != nil && tr.metric == nil {
		if err := tr.sched.Step(); err != nil {
			return true, fmt.Errorf("schedule: %w", err)
		}
		tr.readLR()
	}
	tr.report(Event{Kind: EventStep, Step: tr.st.Step, TotalSteps: tr.total, Epoch: tr.epoch(), Epochs: tr.epochsPlanned(),
		Loss: mean, LR: tr.lr(), TrainS: tr.trainS()})
	return true, nil
}

// forwardBackward computes the current batch's loss and gradients.
func (tr *trainer) forwardBackward() (float64, error) {
	g := tr.g
	g.Reset()
	tr.opt.ZeroGrad()
	out, err := tr.net.Module.Forward(g, g.Input(&tr.x))
	if err != nil {
		return 0, err
	}
	l := tr.loss.forward(g, out, tr.batch.Labels, tr.batch.Targets, autograd.ReduceMean)
	if err := g.Backward(l); err != nil {
		return 0, err
	}
	v := float64(l.Item())
	if tr.cfg.ClipNorm > 0 {
		if _, err := optim.ClipGradNorm(tr.params, tr.cfg.ClipNorm); err != nil {
			return v, fmt.Errorf("loss %v: %w", v, err)
		}
	}
	return v, nil
}

// logRow records the mean training loss since the previous row.
func (tr *trainer) logRow() {
	tr.st.Metrics = append(tr.st.Metrics, tr.row(true))
}

// row starts a metrics row at the current step with the mean training
// loss since the previous row; take makes the row the new previous one.
func (tr *trainer) row(take bool) Row {
	r := Row{Step: tr.st.Step, Epoch: tr.epoch(), TrainS: tr.trainS(), LR: tr.lr()}
	if m, ok := tr.st.SinceLog.mean(); ok {
		r.TrainLoss = &m
	}
	if take {
		tr.st.SinceLog = acc{}
		tr.st.LastLog = tr.st.Step
	}
	return r
}

// schedFree is an optimizer that swaps averaged weights in for
// evaluation (Schedule-Free SGD and AdamW).
type schedFree interface {
	Eval()
	Train()
	Training() bool
}

// measure evaluates the model on the splits into row: the validation set
// (or, without one, the test set; without either, the training set), and
// with all the test set as well. It returns the accuracy the target is
// checked against.
func (tr *trainer) measure(ctx context.Context, row *Row, all bool) (*float64, error) {
	start := time.Now()
	defer func() { tr.st.EvalS += time.Since(start).Seconds() }()
	if sf, ok := tr.inner.(schedFree); ok && sf.Training() {
		sf.Eval()
		defer sf.Train()
	}
	defer tr.net.Module.Train()
	s := tr.splits
	var err error
	eval := func(ds *data.Dataset, loss, acc **float64) {
		if err != nil || ds == nil {
			return
		}
		var m measurement
		if m, err = tr.eval.run(ctx, ds); err == nil {
			*loss, *acc = &m.Loss, m.Acc
		}
	}
	eval(s.Val, &row.ValLoss, &row.ValAcc)
	if s.Val == nil || all {
		eval(s.Test, &row.TestLoss, &row.TestAcc)
	}
	if s.Val == nil && s.Test == nil {
		eval(s.Train, &row.TrainEvalLoss, &row.TrainAcc)
	}
	if err != nil {
		return nil, fmt.Errorf("evaluate at step %d: %w", tr.st.Step, err)
	}
	switch {
	case s.Val != nil:
		return row.ValAcc, nil
	case s.Test != nil:
		return row.TestAcc, nil
	}
	return row.TrainAcc, nil
}

// evaluate is a scheduled evaluation: it records a metrics row, checks
// the target, steps a metric-driven schedule and, with Out set, writes a
// checkpoint. Its time is not training time.
func (tr *trainer) evaluate(ctx context.Context) error {
	// An evaluation is short and always completes: a cancelled ctx stops
	// the loop before the next batch.
	ctx = context.WithoutCancel(ctx)
	tr.pause()
	defer tr.resume()
	row := tr.row(true)
	row.Eval = true
	row.TrainLoss = nil
	if m, ok := tr.st.SinceEval.mean(); ok {
		row.TrainLoss = &m
	}
	target, err := tr.measure(ctx, &row, false)
	if err != nil {
		return err
	}
	if m, ok := tr.st.SinceEval.mean(); ok {
		tr.st.LastLoss = &m
	}
	tr.st.SinceEval = acc{}
	tr.st.LastEval = tr.st.Step
	tr.st.Metrics = append(tr.st.Metrics, row)
	if tr.cfg.TargetAcc > 0 && target != nil && *target >= tr.cfg.TargetAcc && tr.st.TimeToTarget == nil {
		t, k := row.TrainS, row.Step
		tr.st.TimeToTarget, tr.st.StepsToTarget = &t, &k
		tr.reached = true
	}
	tr.report(Event{Kind: EventEval, Step: tr.st.Step, TotalSteps: tr.total, Epoch: row.Epoch, Epochs: tr.epochsPlanned(),
		LR: row.LR, TrainS: tr.st.TrainS, Row: &row})
	if tr.metric != nil {
		metric := row.ValLoss
		if metric == nil {
			metric = tr.st.LastLoss
		}
		if metric != nil {
			if err := tr.metric.StepMetric(*metric); err != nil {
				return fmt.Errorf("schedule: %w", err)
			}
			tr.readLR()
		}
	}
	if tr.cfg.Out != "" {
		if _, err := tr.checkpoint(); err != nil {
			return err
		}
	}
	return nil
}

// finish ends a run: the final evaluation (on every split; skipped when a
// scheduled one at this step already covered them), the Result, and with
// Out set the last checkpoint and the plots. The final evaluation leaves
// the loop's state as it was, but for its row, which a resumed run drops,
// so that stopping and resuming changes nothing.
func (tr *trainer) finish(ctx context.Context, stopped string) (*Result, error) {
	n := len(tr.st.Metrics)
	covered := n > 0 && tr.st.Metrics[n-1].Eval && tr.st.Metrics[n-1].Step == tr.st.Step &&
		(tr.splits.Val == nil || tr.splits.Test == nil)
	finalLoss := tr.st.LastLoss
	if m, ok := tr.st.SinceEval.mean(); ok && !covered {
		finalLoss = &m
	}
	var row Row
	reachedNow := false
	if covered {
		row = tr.st.Metrics[n-1]
	} else {
		row = tr.row(false)
		row.Eval, row.Final = true, true
		row.TrainLoss = finalLoss
		target, err := tr.measure(ctx, &row, true)
		if err != nil {
			return nil, err
		}
		tr.st.Metrics = append(tr.st.Metrics, row)
		reachedNow = tr.cfg.TargetAcc > 0 && target != nil && *target >= tr.cfg.TargetAcc
		tr.report(Event{Kind: EventEval, Step: tr.st.Step, TotalSteps: tr.total, Epoch: row.Epoch, Epochs: tr.epochsPlanned(),
			LR: row.LR, TrainS: tr.st.TrainS, Row: &row})
	}
	res := &Result{Config: tr.cfg, Params: tr.st.Params, TrainS: tr.st.TrainS, EvalS: tr.st.EvalS,
		Steps: tr.st.Step, Epochs: tr.epoch(), FinalLoss: finalLoss, Stopped: stopped,
		TimeToTargetS: tr.st.TimeToTarget, StepsToTarget: tr.st.StepsToTarget, ResumedAt: tr.resumedAt,
		ValLoss: row.ValLoss, ValAcc: row.ValAcc, TestLoss: row.TestLoss, TestAcc: row.TestAcc,
		TrainLoss: row.TrainEvalLoss, TrainAcc: row.TrainAcc}
	if tr.cfg.TargetAcc > 0 {
		t := tr.cfg.TargetAcc
		res.TargetAcc = &t
		if res.TimeToTargetS == nil && reachedNow {
			t, k := row.TrainS, row.Step
			res.TimeToTargetS, res.StepsToTarget = &t, &k
		}
	}
	if tr.cfg.Out == "" {
		return res, nil
	}
	marked, err := tr.endTrajectory()
	if err != nil {
		return res, err
	}
	if tr.cfg.SnapshotEvery > 0 {
		res.Trajectory = tr.trajectoryDir()
	}
	if covered && tr.savedAt == tr.st.Step && !marked {
		res.Checkpoint = tr.savedDir // the scheduled evaluation just saved this state
	} else {
		dir, err := tr.checkpoint()
		if err != nil {
			return res, err
		}
		res.Checkpoint = dir
	}
	if err := writePlots(tr.cfg.Out, tr.st.Metrics); err != nil {
		return res, err
	}
	return res, nil
}

// checkpoint writes a checkpoint of the current state, then the metrics
// files.
func (tr *trainer) checkpoint() (string, error) {
	var sd *optim.StateDict
	if tr.sched != nil {
		var err error
		if sd, err = schedule.StateDict(tr.opt, tr.sched); err != nil {
			return "", fmt.Errorf("checkpoint: schedule: %w", err)
		}
	} else {
		sd = tr.opt.StateDict()
	}
	tr.st.Loader = tr.loader.State()
	tr.st.Config = tr.cfg
	dir, err := saveCheckpoint(tr.cfg.Out, tr.net, sd, &tr.st)
	if err != nil {
		return "", err
	}
	tr.savedAt, tr.savedDir = tr.st.Step, dir
	if err := writeMetrics(tr.cfg.Out, tr.st.Metrics); err != nil {
		return dir, err
	}
	tr.report(Event{Kind: EventCheckpoint, Step: tr.st.Step, TotalSteps: tr.total, Epoch: tr.epoch(), Epochs: tr.epochsPlanned(),
		LR: tr.lr(), TrainS: tr.st.TrainS, Checkpoint: dir})
	return dir, nil
}
