package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/descent-ml/descent/train"
)

func init() {
	commands["train"] = command{"train a network (default: an MLP on MNIST) and report its accuracy", runTrain}
}

// trainFlags is what "descent train" is asked for.
type trainFlags struct {
	Config train.Config
	JSON   bool
	Quiet  bool
}

// batchFlag is --batch: a size, or "full" for full-batch gradient descent.
type batchFlag struct{ n *int }

// String returns the batch size as a flag reads it.
func (b batchFlag) String() string {
	if b.n == nil || *b.n == 0 {
		return "" // unset: the usage names the default
	}
	if *b.n == train.FullBatch {
		return "full"
	}
	return strconv.Itoa(*b.n)
}

// Set reads a batch size or "full".
func (b batchFlag) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "full") {
		*b.n = train.FullBatch
		return nil
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 1 {
		return fmt.Errorf("%q is not a batch size (want a positive integer, or full)", s)
	}
	*b.n = v
	return nil
}

// addJobFlags defines the flags that describe a job's data, model and
// optimizer, shared by train and lrfind.
func addJobFlags(fs *flag.FlagSet, c *train.Config) {
	fs.StringVar(&c.Data, "data", "", "mnist, a directory of IDX files, FILE.csv, spirals, blobs or linreg (synthetic; options as spirals:n=3000,noise=0.2) (default mnist)")
	fs.StringVar(&c.Label, "label", "", "a CSV file's label column: header name or 0-based index, -1 for the last (default: the first)")
	fs.StringVar(&c.Model, "model", "", "mlp:IN-H1-...-OUT, mlp (one hidden layer of 128), linear or cnn:lenet5 (default mlp)")
	fs.StringVar(&c.Act, "act", "", "hidden activation: relu, sigmoid, tanh, gelu, leaky_relu (default relu)")
	fs.StringVar(&c.Loss, "loss", "", "ce, mse or bce (default ce for classes, mse for regression)")
	fs.StringVar(&c.Opt, "opt", "", "optimizer spec, as adam:lr=0.001,betas=0.9/0.999 (descent optimizers lists them) (default "+train.DefaultOpt+")")
	fs.Float64Var(&c.ClipNorm, "clip-norm", 0, "clip the gradients' global L2 norm to this before each step (0: no clipping)")
	fs.IntVar(&c.Accumulate, "accumulate", 0, "average the gradients of this many batches per optimizer step (0: 1)")
	fs.Var(batchFlag{&c.Batch}, "batch", "batch size: N, 1 (stochastic) or full (full-batch gradient descent) (default 128)")
	fs.BoolVar(&c.DropLast, "drop-last", false, "skip each epoch's last batch when it is short")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the initial weights, the shuffling and synthetic data")
	fs.IntVar(&c.Threads, "threads", 0, "threads the kernels use (0: all cores)")
	fs.BoolVar(&c.Normalize, "normalize", false, "standardise the features with the training set's mean and standard deviation")
	fs.IntVar(&c.Val, "val", 0, "hold the last N training examples out for validation")
}

// addRunFlags defines the flags that say how long a job trains and how
// it is evaluated, shared by train and sweep.
func addRunFlags(fs *flag.FlagSet, c *train.Config) {
	fs.StringVar(&c.Schedule, "schedule", "", "learning-rate schedule spec, stepped every optimizer step, as cosine:T_max=4690 (descent schedules lists them)")
	fs.IntVar(&c.Epochs, "epochs", 0, "passes over the training set (default 10)")
	fs.IntVar(&c.Steps, "steps", 0, "optimizer steps to train, whatever the epochs (0: train for --epochs)")
	fs.IntVar(&c.EvalEvery, "eval-every", 0, "evaluate every N optimizer steps (0: after every epoch)")
	fs.IntVar(&c.EvalBatch, "eval-batch", 0, "evaluation batch size (default 1000)")
	fs.Float64Var(&c.TargetAcc, "target-acc", 0, "stop at the first evaluation whose validation (else test) accuracy is at least this")
}

func parseTrainFlags(args []string, stderr io.Writer) (trainFlags, error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent train [flags]\n\nWith no flags it trains an MLP 784-128-10 on MNIST (SGD lr 0.05, momentum 0.9, batch 128, 10 epochs).")
		fs.PrintDefaults()
	}
	var f trainFlags
	c := &f.Config
	addJobFlags(fs, c)
	addRunFlags(fs, c)
	fs.StringVar(&c.Out, "out", "", "directory for checkpoints, metrics (JSON lines, CSV) and loss/accuracy plots")
	fs.IntVar(&c.SnapshotEvery, "snapshot-every", 0, "with --out, save the weights every K optimizer steps (and at the first and last) in OUT/"+train.TrajectoryDir+", for descent landscape --mode pca")
	fs.StringVar(&c.Resume, "resume", "", "continue from the checkpoint in this directory (a run's --out)")
	fs.BoolVar(&f.JSON, "json", false, "print one JSON object with the results at the end (progress goes to stderr)")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return f, nil
}

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	p, report := startProgress(f.Quiet, f.JSON, stdout, stderr)
	res, err := train.Run(ctx, f.Config, report)
	if p != nil {
		p.end()
	}
	if res != nil {
		if f.JSON {
			if jerr := json.NewEncoder(stdout).Encode(res); jerr != nil {
				return jerr
			}
		} else {
			printSummary(stdout, res)
		}
	}
	if err != nil && errors.Is(err, context.Canceled) && res != nil {
		if res.Checkpoint != "" {
			return fmt.Errorf("%w; continue with: descent train --resume %s", err, res.Config.Out)
		}
		return fmt.Errorf("%w (nothing saved: give --out DIR to keep a resumable checkpoint)", err)
	}
	return err
}

// printSummary writes the result in words.
func printSummary(w io.Writer, res *train.Result) {
	var parts []string
	add := func(name string, v *float64, acc bool) {
		if v == nil {
			return
		}
		if acc {
			parts = append(parts, fmt.Sprintf("%s %.4f", name, *v))
		} else {
			parts = append(parts, fmt.Sprintf("%s %.4g", name, *v))
		}
	}
	add("val_acc", res.ValAcc, true)
	add("val_loss", res.ValLoss, false)
	add("test_acc", res.TestAcc, true)
	add("test_loss", res.TestLoss, false)
	add("train_acc", res.TrainAcc, true)
	add("train_eval_loss", res.TrainLoss, false)
	add("final_loss", res.FinalLoss, false)
	fmt.Fprintf(w, "%s after %d steps (%.2f epochs), %.2f s of training (%.2f s evaluating); %s\n",
		res.Stopped, res.Steps, res.Epochs, res.TrainS, res.EvalS, strings.Join(parts, ", "))
	if res.TargetAcc != nil {
		if res.TimeToTargetS != nil {
			fmt.Fprintf(w, "reached accuracy %.4g at step %d, after %.2f s of training\n", *res.TargetAcc, *res.StepsToTarget, *res.TimeToTargetS)
		} else {
			fmt.Fprintf(w, "never reached accuracy %.4g\n", *res.TargetAcc)
		}
	}
	if res.Checkpoint != "" {
		fmt.Fprintf(w, "checkpoint, metrics and plots in %s\n", res.Config.Out)
	}
	if res.Trajectory != "" {
		fmt.Fprintf(w, "snapshots of the weights every %d steps in %s\n", res.Config.SnapshotEvery, res.Trajectory)
	}
}

// progress shows a run's progress: a bar redrawn in place on a terminal,
// a line per evaluation otherwise.
type progress struct {
	w       io.Writer
	tty     bool
	start   time.Time
	last    time.Time
	first   int // the step the session started at
	loss    float64
	metric  string // the last evaluation, in words
	drawn   bool
	started bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), start: time.Now()}
}

// startProgress returns the progress display of a training-like job and
// its report callback: on stdout, or on stderr when stdout carries JSON;
// none (nil, nil) when quiet.
func startProgress(quiet, asJSON bool, stdout, stderr io.Writer) (*progress, func(train.Event)) {
	if quiet {
		return nil, nil
	}
	w := stdout
	if asJSON {
		w = stderr
	}
	p := newProgress(w)
	return p, p.report
}

func (p *progress) report(e train.Event) {
	switch e.Kind {
	case train.EventStart:
		p.first = e.Step
		p.start = time.Now()
		p.started = true
		i := e.Info
		c := i.Config
		length := fmt.Sprintf("%d epochs", c.Epochs)
		if c.Steps > 0 {
			length = fmt.Sprintf("%d steps", c.Steps)
		}
		splits := fmt.Sprintf("%d train", i.Train)
		if i.Val > 0 {
			splits += fmt.Sprintf(", %d val", i.Val)
		}
		if i.Test > 0 {
			splits += fmt.Sprintf(", %d test", i.Test)
		}
		batch := strconv.Itoa(c.Batch)
		if c.Batch == train.FullBatch {
			batch = "full"
		}
		fmt.Fprintf(p.w, "training %s (%s, %d parameters) on %s (%s) with %s, batch %s, %s (%d steps)\n",
			c.Model, c.Act, i.Params, c.Data, splits, c.Opt, batch, length, e.TotalSteps)
		if i.ResumedAt > 0 {
			fmt.Fprintf(p.w, "resumed at step %d (epoch %.2f)\n", i.ResumedAt, e.Epoch)
		}
	case train.EventStep:
		// The bar shows the loss smoothed over about the last 50 steps.
		if e.Step == p.first+1 {
			p.loss = e.Loss
		} else {
			p.loss = 0.98*p.loss + 0.02*e.Loss
		}
		if p.tty && (time.Since(p.last) >= 100*time.Millisecond || e.Step == e.TotalSteps) {
			p.last = time.Now()
			p.bar(e)
		}
	case train.EventEval:
		p.metric = evalWords(e.Row, false)
		line := fmt.Sprintf("step %d  epoch %.2f  %s  (%.2f s)", e.Step, e.Epoch, evalWords(e.Row, true), e.TrainS)
		if p.tty {
			fmt.Fprintf(p.w, "\r\x1b[K%s\n", line)
			p.bar(e)
		} else {
			fmt.Fprintln(p.w, line)
		}
	}
}

// evalWords writes an evaluation's figures, with or without the training
// loss.
func evalWords(r *train.Row, withLoss bool) string {
	var parts []string
	add := func(name string, v *float64, format string) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s "+format, name, *v))
		}
	}
	if withLoss {
		add("loss", r.TrainLoss, "%.4f")
	}
	add("val_loss", r.ValLoss, "%.4f")
	add("val_acc", r.ValAcc, "%.4f")
	add("test_loss", r.TestLoss, "%.4f")
	add("test_acc", r.TestAcc, "%.4f")
	add("train_acc", r.TrainAcc, "%.4f")
	return strings.Join(parts, "  ")
}

// bar redraws the progress bar: steps, loss, the last evaluation and the
// time left.
func (p *progress) bar(e train.Event) {
	const width = 24
	frac := 0.0
	if e.TotalSteps > 0 {
		frac = min(1, float64(e.Step)/float64(e.TotalSteps))
	}
	filled := int(frac * width)
	eta := "?"
	if done, took := e.Step-p.first, time.Since(p.start); done >= 5 && took >= 200*time.Millisecond && e.TotalSteps > e.Step {
		left := time.Duration(float64(took) / float64(done) * float64(e.TotalSteps-e.Step))
		eta = left.Round(100 * time.Millisecond).String()
	} else if e.TotalSteps <= e.Step {
		eta = "0s"
	}
	epoch := fmt.Sprintf("epoch %.2f", e.Epoch)
	if e.Epochs > 0 {
		epoch = fmt.Sprintf("epoch %d/%d", min(int(e.Epoch)+1, e.Epochs), e.Epochs)
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s [%s%s] %d/%d  loss %.4f  %s  ETA %s",
		epoch, strings.Repeat("=", filled), strings.Repeat(" ", width-filled), e.Step, e.TotalSteps, p.loss, p.metric, eta)
	p.drawn = true
}

// end finishes the bar's line.
func (p *progress) end() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
