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
	commands["bench"] = command{"measure descent's speed (bench optim, bench train)", runBench}
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "optim" {
		return runBenchOptim(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "train" {
		return runBenchTrain(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("usage: descent bench optim|train [flags] (known benchmarks: optim, train)")
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

// parseBenchTrainFlags reads the flags of "descent bench train".
func parseBenchTrainFlags(args []string, stderr io.Writer) (cfg bench.TrainConfig, asJSON bool, err error) {
	fs := flag.NewFlagSet("bench train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent bench train [--workloads w1,w2,lenet5] [--threads 1,2] [--epochs 2] [--data mnist|DIR] [--json]")
		fs.PrintDefaults()
	}
	threads := intList{1, 2}
	fs.Var(&threads, "threads", "thread counts to measure, comma-separated")
	workloads := fs.String("workloads", strings.Join(bench.Workloads, ","), "workloads to run, comma-separated: w1 (MLP 784-512-256-10, SGD), w2 (AlgoPerf MNIST, time to 0.97), lenet5")
	fs.IntVar(&cfg.Epochs, "epochs", 2, "epochs of W1 and LeNet-5 to time (the fastest is reported)")
	fs.IntVar(&cfg.MaxEpochs, "max-epochs", 20, "epochs after which W2 gives up on its target")
	fs.StringVar(&cfg.Data, "data", "mnist", "MNIST: mnist (the Go module's copy) or a directory of its IDX files")
	fs.BoolVar(&asJSON, "json", false, "print one JSON array")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.Epochs < 1 || cfg.MaxEpochs < 1 {
		return cfg, false, fmt.Errorf("--epochs %d, --max-epochs %d: want at least 1", cfg.Epochs, cfg.MaxEpochs)
	}
	cfg.Threads = threads
	for _, w := range strings.Split(*workloads, ",") {
		cfg.Workloads = append(cfg.Workloads, strings.ToLower(strings.TrimSpace(w)))
	}
	return cfg, asJSON, nil
}

func runBenchTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, asJSON, err := parseBenchTrainFlags(args, stderr)
	if err != nil {
		return err
	}
	const rowFormat = "%-8s %7d %-20s %9s %6d %7.2f %8.4f %9s %6s\n"
	if !asJSON {
		fmt.Fprintf(stdout, "%-8s %7s %-20s %9s %6s %7s %8s %9s %6s\n", "workload", "threads", "metric", "seconds", "steps", "epochs", "acc", "GFLOP/s", "peak")
	}
	rows, err := bench.Train(ctx, cfg, func(r bench.TrainResult) {
		if asJSON {
			return
		}
		secs, gflops, peak := "never", "", ""
		if r.Seconds != nil {
			secs = fmt.Sprintf("%.3f", *r.Seconds)
		}
		if r.GFLOPPerS > 0 {
			gflops = fmt.Sprintf("%.1f", r.GFLOPPerS)
		}
		if r.PeakFraction > 0 {
			peak = fmt.Sprintf("%.0f%%", 100*r.PeakFraction)
		}
		fmt.Fprintf(stdout, rowFormat, r.Workload, r.Threads, r.Metric, secs, r.Steps, r.Epochs, r.Acc, gflops, peak)
	})
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	return nil
}
