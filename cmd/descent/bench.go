package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/bench"
)

func init() {
	commands["bench"] = command{"measure descent's speed (bench optim)", runBench}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "optim" {
		return fmt.Errorf("usage: descent bench optim [flags] (known benchmarks: optim)")
	}
	return runBenchOptim(ctx, args[1:], stdout, stderr)
}

// intList is a flag holding comma-separated integers.
type intList []int

func (l *intList) String() string { return fmt.Sprint(*l) }

func (l *intList) Set(s string) error {
	*l = nil
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return fmt.Errorf("%q is not a positive integer", f)
		}
		*l = append(*l, v)
	}
	return nil
}

func runBenchOptim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench optim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg bench.OptimConfig
	threads := intList{1}
	fs.Var(&threads, "threads", "thread counts to measure, comma-separated (e.g. 1,2)")
	fs.IntVar(&cfg.Params, "params", 10_000_000, "total float32 parameters")
	fs.IntVar(&cfg.Reps, "reps", 10, "timed steps per measurement (the median is reported)")
	opts := fs.String("opt", "", "optimizer specs separated by ';' (default: adam, adamw, sgd momentum 0.9)")
	fs.BoolVar(&cfg.Unchecked, "unchecked", false, "skip the non-finite gradient check")
	asJSON := fs.Bool("json", false, "print one JSON array")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *opts != "" {
		cfg.Optimizers = strings.Split(*opts, ";")
	}
	cfg.Threads = threads
	type row struct {
		bench.OptimResult
		TriadGBPerS float64 `json:"triad_gb_per_s"`
	}
	triads := map[int]float64{}
	for _, th := range threads {
		triads[th] = bench.Triad(0, 10, th).GBPerS
	}
	const rowFormat = "%-8s %-9s %7d %9.3f %7.1f %11.1f %8.0f%%\n"
	if !*asJSON {
		fmt.Fprintf(stdout, "%-8s %-9s %7s %9s %7s %11s %9s\n", "optimizer", "layout", "threads", "ns/param", "GB/s", "triad GB/s", "of triad")
	}
	var rows []row
	_, err := bench.OptimStep(ctx, cfg, func(r bench.OptimResult) {
		t := triads[r.Threads]
		rows = append(rows, row{r, t})
		if !*asJSON {
			fmt.Fprintf(stdout, rowFormat, r.Optimizer, r.Layout, r.Threads, r.NsPerParam, r.GBPerS, t, 100*r.GBPerS/t)
		}
	})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return nil
}
