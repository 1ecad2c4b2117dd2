package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/optim"
	"github.com/descent-ml/descent/surface"
)

func init() {
	commands["race"] = command{"race optimizers over a loss surface and diagnose where each ends", runRace}
}

// raceFlags is what "descent race" is asked for.
type raceFlags struct {
	Fn     string
	Race   surface.RaceConfig
	JSON   bool
	Out    string
	hasOpt bool
}

// specList is a repeatable flag: each --opt adds one optimizer spec.
type specList []string

func (l *specList) String() string { return strings.Join(*l, " ") }

func (l *specList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// pointFlag is a flag holding a comma-separated point: "x,y".
type pointFlag []float64

func (p *pointFlag) String() string { return fmt.Sprint([]float64(*p)) }

func (p *pointFlag) Set(s string) error {
	*p = nil
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return fmt.Errorf("%q is not a number (want coordinates separated by commas, as -1.2,1)", f)
		}
		*p = append(*p, v)
	}
	return nil
}

func parseRaceFlags(args []string, stderr io.Writer) (raceFlags, error) {
	fs := flag.NewFlagSet("race", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent race --fn NAME[:k=v,...] --opt SPEC [--opt SPEC ...] [--start x,y] [--steps N] [--noise SIGMA] [--seed S] [--clip-norm C] [--json] [--out FILE]")
		fs.PrintDefaults()
	}
	var cfg raceFlags
	var opts specList
	var start pointFlag
	fs.StringVar(&cfg.Fn, "fn", "", "the surface: NAME[:key=value,...] or expr:EXPRESSION (see descent functions)")
	fs.Var(&opts, "opt", "an optimizer spec, as sgd:lr=0.01,momentum=0.9 (repeat for each racer)")
	fs.Var(&start, "start", "the common start, comma-separated (default: the function's suggested start)")
	fs.IntVar(&cfg.Race.Steps, "steps", 500, "optimizer steps per racer")
	fs.Float64Var(&cfg.Race.Noise, "noise", 0, "σ of the Gaussian noise added to every gradient component")
	fs.Uint64Var(&cfg.Race.Seed, "seed", 0, "seed of the noise")
	fs.Float64Var(&cfg.Race.ClipNorm, "clip-norm", 0, "clip the gradient's norm to this (0: no clipping)")
	fs.BoolVar(&cfg.JSON, "json", false, "print the results as one JSON array")
	fs.StringVar(&cfg.Out, "out", "", "also draw the race into this file")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.Fn == "" {
		return cfg, errors.New("--fn is required, as --fn rosenbrock (descent functions lists them)")
	}
	if len(opts) == 0 {
		return cfg, errors.New("give at least one --opt SPEC, as --opt sgd:lr=0.001 (descent optimizers lists them)")
	}
	cfg.Race.Specs = opts
	cfg.Race.Start = start
	return cfg, nil
}

func runRace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseRaceFlags(args, stderr)
	if err != nil {
		return err
	}
	fn, err := surface.New(cfg.Fn)
	if err != nil {
		return err
	}
	results, err := surface.Race(ctx, fn, cfg.Race)
	if err != nil {
		return err
	}
	if cfg.JSON {
		if err := json.NewEncoder(stdout).Encode(results); err != nil {
			return err
		}
	} else {
		start := cfg.Race.Start
		if start == nil {
			start = fn.Start()
		}
		coords := make([]string, len(start))
		for i, v := range start {
			coords[i] = strconv.FormatFloat(v, 'g', -1, 64)
		}
		fmt.Fprintf(stdout, "%s from (%s), %d steps\n\n", fn.Spec(), strings.Join(coords, ", "), cfg.Race.Steps)
		if err := surface.WriteTable(stdout, results); err != nil {
			return err
		}
	}
	if cfg.Out != "" {
		return drawRace(cfg.Out, fn, results)
	}
	return nil
}

// drawRace draws the race over its surface into the file out (.png, .svg
// or an animated .gif), written whole or not at all.
func drawRace(out string, fn *surface.Function, results []surface.Result) error {
	format, err := surface.FormatFor(out)
	if err != nil {
		return err
	}
	return optim.WriteFileAtomic(out, func(w io.Writer) error {
		return surface.DrawRace(w, format, fn, results, surface.DrawOptions{})
	})
}
