package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/descent-ml/descent/train"
)

func init() {
	commands["lrfind"] = command{"learning-rate range test: sweep the rate up, plot the loss, suggest a rate", runLRFind}
}

// lrfindFlags is what "descent lrfind" is asked for.
type lrfindFlags struct {
	Config  train.Config
	LR      train.LRFindConfig
	Suggest string
	Out     string
	JSON    bool
	Quiet   bool
}

func parseLRFindFlags(args []string, stderr io.Writer) (lrfindFlags, error) {
	fs := flag.NewFlagSet("lrfind", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: descent lrfind [flags]\n\nSweeps the learning rate exponentially from 1e-7 to 10 over 100 steps (fastai's lr_find) on the job\nthe train flags describe, stops when the smoothed loss exceeds 4× its minimum, and suggests a rate.\nNothing is trained for keeps: a --resume checkpoint is left as it was.")
		fs.PrintDefaults()
	}
	var f lrfindFlags
	c := &f.Config
	addJobFlags(fs, c)
	fs.StringVar(&c.Resume, "resume", "", "start the sweep from the checkpoint in this directory (left unchanged)")
	fs.Float64Var(&f.LR.StartLR, "start-lr", train.DefaultStartLR, "first learning rate of the sweep")
	fs.Float64Var(&f.LR.EndLR, "end-lr", train.DefaultEndLR, "last learning rate of the sweep")
	fs.IntVar(&f.LR.NumIt, "num-it", train.DefaultNumIt, "optimizer steps of the sweep")
	fs.BoolVar(&f.LR.NoStop, "no-stop", false, "sweep to the end even when the loss blows up")
	fs.StringVar(&f.Suggest, "suggest", "valley", "the suggestion to report: "+strings.Join(train.SuggestionNames, ", "))
	fs.StringVar(&f.Out, "out", "", "write the loss-against-rate plot to this file (.png or .svg)")
	fs.BoolVar(&f.JSON, "json", false, "print the curve and the suggestions as one JSON object (progress goes to stderr)")
	fs.BoolVar(&f.Quiet, "quiet", false, "no progress output")
	if err := fs.Parse(args); err != nil {
		return f, err
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, err := (train.Suggestions{}).Get(f.Suggest); err != nil {
		return f, err
	}
	if f.Out != "" {
		if ext := strings.ToLower(filepath.Ext(f.Out)); ext != ".png" && ext != ".svg" {
			return f, fmt.Errorf("out %q: want a .png or .svg file", f.Out)
		}
	}
	// 0 on the command line is a bad value, not "the default".
	switch {
	case f.LR.NumIt < 2:
		return f, fmt.Errorf("num-it %d: want >= 2 steps", f.LR.NumIt)
	case !(f.LR.StartLR > 0):
		return f, fmt.Errorf("start-lr %v: want a finite rate > 0", f.LR.StartLR)
	case !(f.LR.EndLR > 0):
		return f, fmt.Errorf("end-lr %v: want a finite rate above start-lr %v", f.LR.EndLR, f.LR.StartLR)
	}
	return f, nil
}

func runLRFind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseLRFindFlags(args, stderr)
	if err != nil {
		return err
	}
	p, report := startProgress(f.Quiet, f.JSON, stdout, stderr)
	res, err := train.FindLR(ctx, f.Config, f.LR, report)
	if p != nil {
		p.end()
	}
	if res == nil {
		return err
	}
	if f.Out != "" {
		if perr := writeLRPlot(f.Out, res); perr != nil {
			return perr
		}
	}
	if f.JSON {
		if jerr := json.NewEncoder(stdout).Encode(res); jerr != nil {
			return jerr
		}
		return err
	}
	steps := fmt.Sprintf("%d steps", len(res.LRs))
	if res.StoppedAt != nil {
		steps = fmt.Sprintf("stopped after %d steps (lr %.3g): the loss blew up", *res.StoppedAt, res.LRs[len(res.LRs)-1])
	}
	s := res.Suggestions
	lr, _ := s.Get(f.Suggest)
	fmt.Fprintf(stdout, "%s; suggested lr (%s) %.3g  [valley %.3g, steep %.3g, minimum %.3g]\n", steps, f.Suggest, lr, s.Valley, s.Steep, s.Minimum)
	if f.Out != "" {
		fmt.Fprintf(stdout, "plot in %s\n", f.Out)
	}
	return err
}

// writeLRPlot draws the range test's curve into the file named out.
func writeLRPlot(out string, res *train.LRFindResult) error {
	if dir := filepath.Dir(out); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	format := strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
	if err := res.Plot(file, format); err != nil {
		file.Close()
		return fmt.Errorf("plot %s: %w", out, err)
	}
	return file.Close()
}
