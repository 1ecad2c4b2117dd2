package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/descent-ml/descent/sweep"
)

func init() {
	commands["sweep"] = command{"hyperparameter sweep: train a grid or random draws of jobs, rank them, plot the metric", runSweep}
}

// sweepFlags is what "descent sweep" is asked for.
type sweepFlags struct {
	Config sweep.Config
	Format string
	DryRun bool
	JSON   bool
	Quiet  bool
}

// gridFlag is --grid, repeatable.
type gridFlag struct{ grid *[]sweep.Grid }

func (g gridFlag) String() string { return "" }

func (g gridFlag) Set(s string) error {
	v, err := sweep.ParseGrid(s)
	if err != nil {
		return err
	}
	*g.grid = append(*g.grid, v)
	return nil
}

// rangeFlag is --param, repeatable.
type rangeFlag struct{ ranges *[]sweep.Range }

func (r rangeFlag) String() string { return "" }

func (r rangeFlag) Set(s string) error {
	v, err := sweep.ParseRange(s)
	if err != nil {
		return err
	}
	*r.ranges = append(*r.ranges, v)
	return nil
}

func parseSweepFlags(args []string, stderr io.Writer) (sweepFlags, error) {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), `usage: descent sweep [train flags] (--grid KEY=V1,V2,... | --random N [--param] KEY=LO:HI[:log]) [flags]

Trains one job per combination of the --grid values (and per --random draw of the
--param ranges, crossed with the grid), several at once, and ranks them by --metric.
The train flags describe the base job. A KEY that names a train flag (batch, epochs,
steps, model, act, loss, opt, schedule, seed, clip-norm, accumulate, normalize, data,
...) sets it; any other KEY is an optimizer hyperparameter written into --opt (lr,
momentum, weight_decay, nesterov, betas, eps, ...):

  descent sweep --opt sgd:momentum=0.9 --grid lr=0.01,0.03,0.1,0.3 --epochs 1
  descent sweep --opt adam --random 20 --param lr=1e-4:1e-1:log --param batch=16:256:log

Each finished trial is appended to DIR/results.jsonl; the same command run again
skips the trials the file holds. The ranking is printed as a table (--json: one
object) and the metric is plotted against each numeric key as DIR/METRIC-vs-KEY.png.

Keys that set the job: `+strings.Join(sweep.TrainKeys(), ", ")+`.
`)
		fs.PrintDefaults()
	}
	var f sweepFlags
	c := &f.Config
	addJobFlags(fs, &c.Base)
	addRunFlags(fs, &c.Base)
	fs.Var(gridFlag{&c.Grid}, "grid", "KEY=V1,V2,...: a grid axis (repeat for more; the trials are every combination; spec values keep their commas: opt=sgd:lr=0.1,momentum=0.9,adam)")
	fs.IntVar(&c.Random, "random", 0, "draw N trials at random from the --param ranges (crossed with the grid)")
	fs.Var(rangeFlag{&c.Ranges}, "param", "KEY=LO:HI[:log][:int] or KEY=V1,V2,...: a range of the random search, uniform, log-uniform or one of the values (repeat for more)")
	fs.Uint64Var(&c.Seed, "sweep-seed", 0, "seed of the random draws (the same seed draws the same trials)")
	fs.StringVar(&c.Metric, "metric", "", "rank by: "+strings.Join(sweep.Metrics, ", ")+" (default val_acc with --val, else test_acc, else final_loss)")
	fs.IntVar(&c.Workers, "workers", 0, "trials trained at once (0: one per core); each gets cores/workers threads unless --threads says")
	fs.StringVar(&c.Out, "out", "sweep-out", "directory of results.jsonl (the finished trials, read back by a rerun) and the plots")
	fs.StringVar(&f.Format, "format", "png", "plot format: png or svg")
	fs.BoolVar(&f.DryRun, "dry-run", false, "list the trials and their jobs without training")
	fs.BoolVar(&f.JSON, "json", false, "print the ranking as one JSON object (progress goes to stderr)")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress output")
	// A bare KEY=LO:HI[:log] argument is a --param range, so that
	// "--random 20 lr=1e-4:1:log" reads as written; flags may follow it.
	for {
		if err := fs.Parse(args); err != nil {
			return f, err
		}
		if fs.NArg() == 0 {
			break
		}
		arg := fs.Arg(0)
		if !strings.Contains(arg, "=") {
			return f, fmt.Errorf("unexpected argument %q (a random-search range is KEY=LO:HI[:log])", arg)
		}
		if err := (rangeFlag{&c.Ranges}).Set(arg); err != nil {
			return f, fmt.Errorf("range %q: %w", arg, err)
		}
		args = fs.Args()[1:]
	}
	if f.Format = strings.ToLower(f.Format); f.Format != "png" && f.Format != "svg" {
		return f, fmt.Errorf("format %q: want png or svg", f.Format)
	}
	if c.Out == "" {
		return f, errors.New("out: want a directory for the results")
	}
	return f, nil
}

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseSweepFlags(args, stderr)
	if err != nil {
		return err
	}
	if f.DryRun {
		return listTrials(stdout, f.Config)
	}
	w := stdout
	if f.JSON {
		w = stderr
	}
	p := &sweepProgress{w: w, warn: stderr, quiet: f.Quiet, tty: isTerminal(w), start: time.Now()}
	res, err := sweep.Run(ctx, f.Config, p.report)
	p.end()
	if res == nil {
		return err
	}
	notes := w
	var files, skipped []string
	if len(res.Trials) > 0 {
		var perr error
		if files, skipped, perr = res.Plot(f.Config.Out, f.Format); perr != nil && err == nil {
			err = perr
		}
	}
	if f.JSON {
		if jerr := json.NewEncoder(stdout).Encode(res); jerr != nil {
			return jerr
		}
	} else {
		if terr := res.WriteTable(stdout); terr != nil {
			return terr
		}
		if b := res.Best; b != nil {
			fmt.Fprintf(stdout, "best: %s (%s %s)\n", b.Params, res.Metric, metricText(b, res.Metric))
		}
	}
	if !f.Quiet {
		fmt.Fprintf(notes, "results in %s", res.File)
		if len(files) > 0 {
			fmt.Fprintf(notes, "; plots %s", strings.Join(files, ", "))
		}
		fmt.Fprintln(notes)
		for _, s := range skipped {
			fmt.Fprintf(notes, "no plot for %s\n", s)
		}
	}
	if err != nil && errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w; the finished trials are in %s: run the same command again to go on", err, res.File)
	}
	return err
}

// listTrials writes the trials of a sweep and their jobs.
func listTrials(w io.Writer, cfg sweep.Config) error {
	trials, err := cfg.Trials()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d trials\n", len(trials))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "trial\tparams\topt\tbatch\tlength")
	for _, t := range trials {
		length := fmt.Sprintf("%d epochs", t.Config.Epochs)
		if t.Config.Steps > 0 {
			length = fmt.Sprintf("%d steps", t.Config.Steps)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.Index+1, t.Params, t.Config.Opt, batchFlag{&t.Config.Batch}, length)
	}
	return tw.Flush()
}

// metricText writes a trial's value of a metric, or "-".
func metricText(t *sweep.Trial, metric string) string {
	v, ok := t.Value(metric)
	switch {
	case !ok:
		return "-"
	case sweep.Maximize(metric):
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// sweepProgress shows a sweep's progress: a bar redrawn in place on a
// terminal, and a line per finished trial.
type sweepProgress struct {
	w, warn io.Writer
	quiet   bool
	tty     bool
	start   time.Time
	first   float64 // trials done before this run
	last    time.Time
	drawn   bool
}

func (p *sweepProgress) report(e sweep.Event) {
	if e.Kind == sweep.EventStart {
		for _, s := range e.Warnings {
			fmt.Fprintf(p.warn, "warning: %s\n", s)
		}
	}
	if p.quiet {
		return
	}
	switch e.Kind {
	case sweep.EventStart:
		p.start, p.first = time.Now(), float64(e.Done)
		threads := "threads"
		if e.Threads == 1 {
			threads = "thread"
		}
		fmt.Fprintf(p.w, "sweeping %d trials, %d at a time with %d %s each", e.Total, e.Workers, e.Threads, threads)
		if e.Resumed > 0 {
			fmt.Fprintf(p.w, "; %d finished earlier", e.Resumed)
		}
		fmt.Fprintln(p.w)
		p.bar(e)
	case sweep.EventTrialStart, sweep.EventProgress:
		if time.Since(p.last) >= 100*time.Millisecond {
			p.bar(e)
		}
	case sweep.EventTrialDone:
		t := e.Trial
		line := fmt.Sprintf("[%d/%d] %s: ", e.Done, e.Total, t.Params)
		switch t.Status {
		case sweep.StatusDone:
			line += fmt.Sprintf("%s %s, %d steps, %.2f s", e.Metric, metricText(t, e.Metric), t.Steps, t.Seconds)
		case sweep.StatusDiverged:
			line += fmt.Sprintf("diverged at step %d", t.Steps+1)
		default:
			line += "failed: " + t.Error
		}
		if p.tty {
			fmt.Fprintf(p.w, "\r\x1b[K%s\n", line)
			p.bar(e)
		} else {
			fmt.Fprintln(p.w, line)
		}
	}
}

// bar redraws the progress bar on a terminal: trials done, running, the
// best so far and the time left.
func (p *sweepProgress) bar(e sweep.Event) {
	if !p.tty {
		return
	}
	p.last = time.Now()
	const width = 24
	frac := 0.0
	if e.Total > 0 {
		frac = min(1, e.Progress/float64(e.Total))
	}
	filled := int(frac * width)
	eta := "?"
	if did, took := e.Progress-p.first, time.Since(p.start); e.Progress >= float64(e.Total) {
		eta = "0s"
	} else if did >= 0.05 && took >= time.Second {
		left := time.Duration(float64(took) / did * (float64(e.Total) - e.Progress))
		eta = left.Round(time.Second).String()
	}
	best := ""
	if e.Best != nil {
		best = fmt.Sprintf("  best %s %s (%s)", e.Metric, metricText(e.Best, e.Metric), e.Best.Params)
	}
	fmt.Fprintf(p.w, "\r\x1b[K[%s%s] %d/%d trials  %d running%s  ETA %s",
		strings.Repeat("=", filled), strings.Repeat(" ", width-filled), e.Done, e.Total, e.Running, best, eta)
	p.drawn = true
}

// end finishes the bar's line.
func (p *sweepProgress) end() {
	if p.tty && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
