package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/descent-ml/descent/train"
)

func init() {
	commands["eval"] = command{"measure a checkpoint's loss and accuracy on a data set", runEval}
}

// evalFlags is what "descent eval" is asked for.
type evalFlags struct {
	Config train.EvalConfig
	JSON   bool
}

func parseEvalFlags(args []string, stderr io.Writer) (evalFlags, error) {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent eval --checkpoint DIR [--data mnist|DIR|FILE.csv|spirals|...] [--split test|val|train|all] [--json]")
		fs.PrintDefaults()
	}
	var f evalFlags
	c := &f.Config
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "a checkpoint directory (a training run's --out)")
	fs.StringVar(&c.Data, "data", "", "the data set, as descent train's --data (default: the checkpoint's)")
	fs.StringVar(&c.Label, "label", "", "a CSV file's label column (default: the checkpoint's, else the first)")
	fs.StringVar(&c.Split, "split", "", "test, val, train or all (default: test when the data has one, else all)")
	fs.IntVar(&c.Batch, "batch", 0, "evaluation batch size (default 1000)")
	fs.IntVar(&c.Threads, "threads", 0, "threads the kernels use (0: all cores)")
	fs.BoolVar(&f.JSON, "json", false, "print one JSON object")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.Checkpoint == "" {
		return f, errors.New("--checkpoint DIR is required (a training run's --out directory)")
	}
	return f, nil
}

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseEvalFlags(args, stderr)
	if err != nil {
		return err
	}
	res, err := train.Evaluate(ctx, f.Config)
	if err != nil {
		return err
	}
	if f.JSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s (step %d) on %s, %s split, %d examples: loss (%s) %.6g", res.Model, res.Step, res.Data, res.Split, res.Examples, res.LossName, res.Loss)
	if res.Acc != nil {
		fmt.Fprintf(stdout, ", accuracy %.4f", *res.Acc)
	}
	fmt.Fprintln(stdout)
	return nil
}
