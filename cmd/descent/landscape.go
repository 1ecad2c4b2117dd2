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
	commands["landscape"] = command{"the loss around a checkpoint along random directions, between two checkpoints, or in a training trajectory's principal plane", runLandscape}
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
			"    [--data ...] [--split test|val|train|all] [--samples N] [--norm filter|layer|none] [--ignore biasbn|none] [--seed N] [--json] --out FILE.png|FILE.svg\n"+
			"   or: descent landscape --mode pca --trajectory DIR [--x=LO:HI:N] [--y=LO:HI:N] [--ignore biasbn|none] [--data ...] --out FILE.png|FILE.svg")
		fs.PrintDefaults()
	}
	var f landscapeFlags
	c := &f.Config
	xf, yf := &axisFlag{axis: &c.X}, &axisFlag{axis: &c.Y}
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "a checkpoint directory (a training run's --out): θ, the centre (or θ₁); for --mode pca the model and data (default: --trajectory)")
	fs.StringVar(&c.To, "to", "", "the second checkpoint, θ₂, of --mode interp")
	fs.StringVar(&c.Trajectory, "trajectory", "", "a run trained with --snapshot-every K --out DIR: --mode pca's trajectory (--checkpoint defaults to it)")
	fs.StringVar(&c.Mode, "mode", landscape.Mode2D, "2d (θ + αδ + βη), 1d (θ + αδ), interp ((1−α)θ₁ + αθ₂) or pca (the trajectory's top two principal components; the default with --trajectory)")
	fs.Var(xf, "x", "the α grid LO:HI:N (default -1:1:51; -0.5:1.5:41 for interp; for pca the path's extent and a quarter more each side, 51 points)")
	fs.Var(yf, "y", "the β grid LO:HI:N of --mode 2d or pca (default -1:1:51; for pca as --x)")
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
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if c.Trajectory != "" && !set["mode"] {
		c.Mode = landscape.ModePCA
	}
	pca := c.Mode == landscape.ModePCA
	switch {
	case pca && c.Trajectory == "":
		return f, errors.New("--mode pca needs --trajectory DIR (a run trained with --snapshot-every K --out DIR)")
	case !pca && c.Trajectory != "":
		return f, fmt.Errorf("--trajectory is for --mode pca, not %s", c.Mode)
	case pca && set["norm"]:
		return f, errors.New("--norm is for random directions (--mode 1d or 2d): pca's directions are the raw principal components")
	case pca && set["seed"]:
		return f, errors.New("--seed is for random directions (--mode 1d or 2d): pca's directions come from the trajectory")
	}
	if pca && c.Checkpoint == "" {
		c.Checkpoint = c.Trajectory
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
	switch {
	case pca:
		// Unset axes stay zero: the library fits them to the path.
	case !xf.set && c.Mode == landscape.ModeInterp:
		c.X = landscape.Axis{Lo: -0.5, Hi: 1.5, N: 41}
	case !xf.set:
		c.X = landscape.Axis{Lo: -1, Hi: 1, N: 51}
	}
	if yf.set && c.Mode != landscape.Mode2D && !pca {
		return f, fmt.Errorf("--y is for --mode 2d or pca, not %s", c.Mode)
	}
	if !yf.set && !pca {
		c.Y = landscape.Axis{Lo: -1, Hi: 1, N: 51}
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
	if res.Mode == landscape.ModePCA {
		fmt.Fprintf(stdout, "\n%d snapshots from step %d to %d: PC1 explains %.1f%%, PC2 %.1f%%; grid %s × %s",
			len(res.Steps), res.Steps[0], res.Step, 100*res.Explained[0], 100*res.Explained[1], axisOf(res.X), axisOf(res.Y))
	}
	lo, hi := lossRange(res.Loss)
	fmt.Fprintf(stdout, "\nloss from %.6g to %.6g\nwrote %s, %s, %s", lo, hi, files.Picture, files.CSV, files.JSON)
	for _, extra := range []string{files.Path, files.Directions} {
		if extra != "" {
			fmt.Fprintf(stdout, ", %s", extra)
		}
	}
	fmt.Fprintln(stdout)
	return nil
}

// axisOf writes a grid's values as LO:HI:N.
func axisOf(v []float64) string {
	return fmt.Sprintf("%.4g:%.4g:%d", v[0], v[len(v)-1], len(v))
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
