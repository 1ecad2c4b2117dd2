package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/descent-ml/descent/train"
)

func init() {
	commands["hessian"] = command{"the Hessian spectrum of a checkpoint's loss: top eigenvalues, trace, density, verdict", runHessian}
}

// hessianFlags is what "descent hessian" is asked for.
type hessianFlags struct {
	Config train.HessianRunConfig
	JSON   bool
}

func parseHessianFlags(args []string, stderr io.Writer) (hessianFlags, error) {
	fs := flag.NewFlagSet("hessian", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent hessian --checkpoint DIR [--data ...] [--samples N] [--batch B] [--k 3] [--iters 100] [--tol 1e-3]\n"+
			"    [--steps 100] [--runs 1] [--sigma S] [--lr LR] [--momentum M] [--seed S] [--json] [--out density.png] [--along top --along-out along.png]")
		fs.PrintDefaults()
	}
	var f hessianFlags
	c := &f.Config
	a := &c.Analyze
	fs.StringVar(&c.Checkpoint, "checkpoint", "", "a checkpoint directory (a training run's --out)")
	fs.StringVar(&c.Data, "data", "", "the data set, as descent train's --data (default: the checkpoint's)")
	fs.StringVar(&c.Label, "label", "", "a CSV file's label column (default: the checkpoint's, else the first)")
	fs.StringVar(&c.Split, "split", "", "train, test, val or all (default train)")
	fs.IntVar(&c.Samples, "samples", 0, "use only the split's first N examples (0: all)")
	fs.IntVar(&c.Batch, "batch", 0, "examples per recorded graph (default 1000); the Hessian is the whole set's either way")
	fs.IntVar(&a.Power.K, "k", 3, "top eigenvalues to find")
	fs.IntVar(&a.Power.MaxIter, "iters", 100, "power iterations per eigenvalue at most")
	fs.Float64Var(&a.Power.Tol, "tol", 1e-3, "power iteration's relative tolerance")
	fs.IntVar(&a.Density.Steps, "steps", 100, "Lanczos steps per density run")
	fs.IntVar(&a.Density.Runs, "runs", 1, "density runs (random start vectors)")
	fs.Float64Var(&a.Density.Sigma, "sigma", 0, "the density's Gaussian broadening (0: PyHessian's)")
	fs.Float64Var(&a.LR, "lr", 0, "learning rate for the sharpness (default: the checkpoint's optimizer's)")
	fs.Float64Var(&a.Momentum, "momentum", -1, "SGD momentum for the edge of stability (default: the checkpoint's with its lr, else 0)")
	fs.Uint64Var(&a.Seed, "seed", 0, "seeds the random vectors")
	fs.BoolVar(&f.JSON, "json", false, "print one JSON object")
	fs.StringVar(&c.DensityOut, "out", "", "draw the eigenvalue density to this .png or .svg")
	fs.StringVar(&c.Along, "along", "", "top: evaluate the loss along the top eigenvector (±0.5, 21 points)")
	fs.StringVar(&c.AlongOut, "along-out", "", "draw the loss along the top eigenvector to this .png or .svg")
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

// hessianProgress reports Analyze's products on stderr: one line redrawn
// in place on a terminal, else a line per stage and every 50 products.
func hessianProgress(w io.Writer) (func(stage string, products int), func()) {
	tty := isTerminal(w)
	last := ""
	report := func(stage string, n int) {
		switch {
		case tty:
			fmt.Fprintf(w, "\r\033[Khessian: %s, %d products", stage, n)
		case stage != last || n%50 == 0:
			fmt.Fprintf(w, "hessian: %s, %d products\n", stage, n)
		}
		last = stage
	}
	done := func() {
		if tty && last != "" {
			fmt.Fprintln(w)
		}
	}
	return report, done
}

func runHessian(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseHessianFlags(args, stderr)
	if err != nil {
		return err
	}
	progress, done := hessianProgress(stderr)
	f.Config.Analyze.Progress = progress
	res, err := train.AnalyzeCheckpoint(ctx, f.Config)
	done()
	if err != nil {
		return err
	}
	if f.JSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s (step %d) on %s, %s split, %d examples, %d parameters, loss (%s) %.6g\n",
		res.Model, res.Step, res.Data, res.Split, res.Examples, res.Dim, res.LossName, *res.Loss)
	fmt.Fprintf(stdout, "verdict: %s, index %.4g (about %.0f negative eigenvalues)\n  %s\n", res.Verdict, res.Index, res.NegativeCount, res.Reason)
	top := make([]string, len(res.TopEigenvalues))
	for i, v := range res.TopEigenvalues {
		top[i] = fmt.Sprintf("%.6g", v)
	}
	fmt.Fprintf(stdout, "top eigenvalues: %s\n", strings.Join(top, ", "))
	fmt.Fprintf(stdout, "min eigenvalue: %.6g (%s)\n", res.MinEigenvalue, res.MinFrom)
	fmt.Fprintf(stdout, "trace: %.6g ± %.2g (%d samples)\n", res.Trace.Value, res.Trace.StdErr, res.Trace.Samples)
	if s := res.Sharpness; s != nil {
		fmt.Fprintf(stdout, "sharpness at lr %g", s.LR)
		if s.Momentum > 0 {
			fmt.Fprintf(stdout, ", momentum %g", s.Momentum)
		}
		fmt.Fprintf(stdout, ": λmax·lr/2 = %.4g, λmax = %.6g against 2(1+β)/lr = %.6g (%s)\n", s.HalfLRLambda, s.LambdaMax, s.Edge, s.Regime)
	}
	if res.Along != nil {
		mid := len(res.Along.Loss) / 2
		fmt.Fprintf(stdout, "loss along the top eigenvector: %.6g at t = %g, %.6g at 0, %.6g at t = %g\n",
			res.Along.Loss[0], res.Along.T[0], res.Along.Loss[mid], res.Along.Loss[len(res.Along.Loss)-1], res.Along.T[len(res.Along.T)-1])
	}
	fmt.Fprintf(stdout, "%d Hessian-vector products\n", res.Products)
	return nil
}
