package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/descent-ml/descent/landscape"
)

func init() {
	commands["landscape"] = command{"the loss around a checkpoint along random directions, or between two checkpoints", runLandscape}
}

// landscapeFlags is what "descent landscape" is asked for.
type landscapeFlags struct {
	Config landscape.Config
	Out    string
	JSON   bool
	Quiet  bool
}

// axisFlag is a grid spec flag, LO:HI:N.
type axisFlag struct {
	axis *landscape.Axis
	set  bool
}

func (a *axisFlag) String() string {
	if a.axis == nil {
		return ""
	}
	return a.axis.String()
}

func (a *axisFlag) Set(s string) error {
	v, err := landscape.ParseAxis(s)
	if err != nil {
		return err
	}
	*a.axis, a.set = v, true
	return nil
}

func parseLandscapeFlags(args []string, stderr io.Writer) (landscapeFlags, error) {
	fs := flag.NewFlagSet("landscape", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent landscape --checkpoint DIR [--mode 2d|1d|interp] [--x=-1:1:51] [--y=-1:1:51] [--to DIR2]\n"+
			"    [--data ...] [--split test|val|train|all] [--samples N] [--norm filter|layer|none] [--ignore biasbn|none] [--seed N] [--json] --out FILE.png|FILE.svg")
		fs.PrintDefaults()
	}
	var f landscapeFlags
	c := &f.Config
	xf, yf := &axisFlag{axis: &c.X}, &axisFlag{axis: &c.Y}
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "a checkpoint directory (a training run's --out): θ, the centre (or θ₁)")
	fs.StringVar(&c.To, "to", "", "the second checkpoint, θ₂, of --mode interp")
	fs.StringVar(&c.Mode, "mode", landscape.Mode2D, "2d (θ + αδ + βη), 1d (θ + αδ) or interp ((1−α)θ₁ + αθ₂)")
	fs.Var(xf, "x", "the α grid LO:HI:N (default -1:1:51; -0.5:1.5:41 for interp)")
	fs.Var(yf, "y", "the β grid LO:HI:N of --mode 2d (default -1:1:51)")
	fs.StringVar(&c.Data, "data", "", "the data set, as descent train's --data (default: the checkpoint's)")
	fs.StringVar(&c.Label, "label", "", "a CSV file's label column (default: the checkpoint's, else the first)")
	fs.StringVar(&c.Split, "split", "", "test, val, train or all (default: test when the data has one, else all)")
	fs.IntVar(&c.Samples, "samples", 0, "evaluate on the first N examples only (0: all)")
	fs.IntVar(&c.Batch, "batch", 0, "evaluation batch size (default 1000)")
	fs.StringVar(&c.Norm, "norm", landscape.NormFilter, "direction normalisation: filter, layer or none")
	fs.StringVar(&c.Ignore, "ignore", landscape.IgnoreBiasBN, "biasbn (no move along biases and normalisation parameters) or none")
	fs.Uint64Var(&c.Seed, "seed", 1, "seed of the random directions")
	fs.IntVar(&c.Workers, "threads", 0, "grid points evaluated at once (0: all cores)")
	fs.StringVar(&c.State, "state", "", "the file of finished points that makes a run resumable (default: FILE.points.jsonl beside --out)")
	fs.StringVar(&f.Out, "out", "", "the picture, FILE.png or FILE.svg; FILE.csv, FILE.json and FILE.directions.safetensors go beside it")
	fs.BoolVar(&f.JSON, "json", false, "print the result as one JSON object (progress goes to stderr)")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.Checkpoint == "" {
		return f, errors.New("--checkpoint DIR is required (a training run's --out directory)")
	}
	if f.Out == "" {
		return f, errors.New("--out FILE.png or FILE.svg is required")
	}
	files, err := landscape.FilesFor(f.Out)
	if err != nil {
		return f, err
	}
	if !xf.set {
		c.X = landscape.Axis{Lo: -1, Hi: 1, N: 51}
		if c.Mode == landscape.ModeInterp {
			c.X = landscape.Axis{Lo: -0.5, Hi: 1.5, N: 41}
		}
	}
	if !yf.set {
		c.Y = landscape.Axis{Lo: -1, Hi: 1, N: 51}
	} else if c.Mode != landscape.Mode2D {
		return f, fmt.Errorf("--y is for --mode 2d, not %s", c.Mode)
	}
	if c.State == "" {
		c.State = strings.TrimSuffix(files.CSV, filepath.Ext(files.CSV)) + ".points.jsonl"
	}
	return f, nil
}

func runLandscape(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseLandscapeFlags(args, stderr)
	if err != nil {
		return err
	}
	progressTo := stdout
	if f.JSON {
		progressTo = stderr
	}
	var report func(landscape.Progress)
	if !f.Quiet {
		report = gridProgress(progressTo)
	}
	res, err := landscape.Run(ctx, f.Config, report)
	if err != nil {
		return err
	}
	files, err := res.Write(f.Out)
	if err != nil {
		return err
	}
	if f.JSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s landscape of %s (step %d) on %s %s, %d examples: %d points in %.1f s (%.2f points/s)",
		res.Mode, res.Model, res.Step, res.Data, res.Split, res.Examples, res.Points, res.Seconds, res.PointsPerSecond)
	if res.Resumed > 0 {
		fmt.Fprintf(stdout, ", %d resumed", res.Resumed)
	}
	lo, hi := lossRange(res.Loss)
	fmt.Fprintf(stdout, "\nloss from %.6g to %.6g\nwrote %s, %s, %s", lo, hi, files.Picture, files.CSV, files.JSON)
	if files.Directions != "" {
		fmt.Fprintf(stdout, ", %s", files.Directions)
	}
	fmt.Fprintln(stdout)
	return nil
}

// lossRange returns the smallest and largest finite loss.
func lossRange(z [][]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, row := range z {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	return lo, hi
}

// gridProgress returns a progress report: a line redrawn in place on a
// terminal, a line per tenth of the grid otherwise.
func gridProgress(w io.Writer) func(landscape.Progress) {
	tty := isTerminal(w)
	var last time.Time
	lastTenth := -1
	return func(p landscape.Progress) {
		fresh := p.Done - p.Resumed
		rate := float64(fresh) / max(p.Elapsed.Seconds(), 1e-9)
		eta := time.Duration(float64(p.Total-p.Done) / max(rate, 1e-9) * float64(time.Second)).Round(time.Second)
		line := fmt.Sprintf("%d/%d points (%.1f%%)  %.2f points/s  eta %s", p.Done, p.Total, 100*float64(p.Done)/float64(p.Total), rate, eta)
		switch {
		case tty:
			if time.Since(last) >= 200*time.Millisecond || p.Done == p.Total {
				last = time.Now()
				end := ""
				if p.Done == p.Total {
					end = "\n"
				}
				fmt.Fprintf(w, "\r\x1b[K%s%s", line, end)
			}
		default:
			if tenth := 10 * p.Done / p.Total; tenth != lastTenth {
				lastTenth = tenth
				fmt.Fprintln(w, line)
			}
		}
	}
}
