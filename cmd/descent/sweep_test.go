package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/sweep"
	"github.com/descent-ml/descent/train"
)

func TestSweepFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(sweepFlags) bool
		err  string
	}{
		{[]string{"--grid", "lr=0.1,0.3"}, func(f sweepFlags) bool {
			c := f.Config
			return c.Base == train.Config{} && len(c.Grid) == 1 && c.Grid[0].Key == "lr" && len(c.Grid[0].Values) == 2 &&
				c.Out == "sweep-out" && c.Workers == 0 && c.Metric == "" && f.Format == "png" && !f.JSON && !f.Quiet
		}, ""},
		{[]string{"--data", "blobs", "--opt", "adam", "--epochs", "3", "--steps", "50", "--schedule", "cosine:T_max=50", "--target-acc", "0.9",
			"--eval-every", "10", "--val", "100", "--threads", "2", "--batch", "full",
			"--grid", "opt=sgd:lr=0.1,momentum=0.9,adam", "--grid", "clip_norm=1,5", "--random", "8", "--param", "lr=1e-4:1:log",
			"--param", "batch=16:128:log", "--sweep-seed", "5", "--metric", "time_to_target", "--workers", "3", "--out", "d", "--format", "SVG", "--json", "--quiet"},
			func(f sweepFlags) bool {
				c := f.Config
				return c.Base == train.Config{Data: "blobs", Opt: "adam", Epochs: 3, Steps: 50, Schedule: "cosine:T_max=50", TargetAcc: 0.9,
					EvalEvery: 10, Val: 100, Threads: 2, Batch: train.FullBatch} &&
					len(c.Grid) == 2 && c.Grid[0].Values[0] == "sgd:lr=0.1,momentum=0.9" && c.Grid[1].Key == "clip-norm" &&
					c.Random == 8 && len(c.Ranges) == 2 && c.Ranges[0].Log && c.Ranges[1].Key == "batch" && c.Seed == 5 &&
					c.Metric == "time_to_target" && c.Workers == 3 && c.Out == "d" && f.Format == "svg" && f.JSON && f.Quiet
			}, ""},
		{[]string{"--grid", "lr"}, nil, `grid "lr": want key=v1,v2`},
		{[]string{"--grid", "threads=1,2"}, nil, `"threads" cannot be swept`},
		{[]string{"--param", "lr=0:1:log"}, nil, "a log range needs lo > 0"},
		{[]string{"--format", "jpg"}, nil, `format "jpg"`},
		{[]string{"--out", ""}, nil, "out: want a directory"},
		{[]string{"--resume", "x"}, nil, "flag provided but not defined"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{[]string{"--random", "20", "lr=1e-4:1:log", "--epochs", "2", "momentum=0:0.99"}, func(f sweepFlags) bool {
			c := f.Config
			return c.Random == 20 && c.Base.Epochs == 2 && len(c.Ranges) == 2 && c.Ranges[0].Key == "lr" && c.Ranges[0].Log &&
				c.Ranges[1].Key == "momentum" && !c.Ranges[1].Log
		}, ""},
		{[]string{"--random", "5", "lr=0:1:log"}, nil, `range "lr=0:1:log": `},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, err := parseSweepFlags(tc.args, &bytes.Buffer{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(f) {
				t.Fatalf("flags %+v, error %v", f, err)
			}
		})
	}
}

func TestSweepCLI(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s")
	job := []string{"sweep", "--data", "blobs:n=300,test=100", "--model", "mlp:2-8-3", "--epochs", "2", "--batch", "32", "--out", out}
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{append(job, "--grid", "lr=0.05,1e20", "--grid", "act=relu,tanh"), 0, "4 of 4 trials, ranked by test_acc", "no plot for act"},
		// The rerun reads every trial back.
		{append(job, "--grid", "lr=0.05,1e20", "--grid", "act=relu,tanh"), 0, "4 finished earlier", ""},
		{append(job, "--grid", "lr=0.05", "--dry-run", "--grid", "momentum=0,0.5"), 0, "2 trials", ""},
		{append(job, "--grid", "lr=-1"), 1, "", "lr=-1"},
		{append(job, "--grid", "gamma=1"), 1, "", `unknown hyperparameter "gamma"`},
		{append(job, "--random", "2"), 1, "", "random 2 with no ranges"},
		{append(job, "--grid", "lr=0.1", "--metric", "time_to_target"), 1, "", "needs a target accuracy"},
		{[]string{"sweep"}, 1, "", "nothing to sweep"},
	} {
		t.Run(strings.TrimPrefix(strings.Join(tc.args, " "), strings.Join(job, " ")), func(t *testing.T) {
			code, stdout, stderr := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(stdout, tc.out) || !strings.Contains(stdout+stderr, tc.errOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, %q and %q", code, stdout, stderr, tc.code, tc.out, tc.errOut)
			}
		})
	}
	lines, err := os.ReadFile(filepath.Join(out, sweep.ResultsFile))
	if err != nil || bytes.Count(lines, []byte("\n")) != 4 {
		t.Fatalf("results file: %d lines, %v", bytes.Count(lines, []byte("\n")), err)
	}
	if b, err := os.ReadFile(filepath.Join(out, "test_acc-vs-lr.png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Fatalf("plot: %d bytes, %v", len(b), err)
	}

	// --json: one object on stdout, progress on stderr.
	var stdout, stderr bytes.Buffer
	args := append(job, "--grid", "lr=0.05,0.1", "--json", "--format", "svg", "--workers", "2")
	if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
		t.Fatalf("--json: exit %d, stderr %q", code, stderr.String())
	}
	var res struct {
		Metric string
		Best   *struct{ Params map[string]float64 }
		Trials []struct {
			Rank   int
			Status string
			Metric *float64
			Config train.Config
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("--json: %v in %q", err, stdout.String())
	}
	if res.Metric != "test_acc" || len(res.Trials) != 2 || res.Best == nil || res.Trials[0].Rank != 1 || res.Trials[0].Metric == nil ||
		res.Trials[0].Config.Data != "blobs:n=300,test=100" {
		t.Errorf("--json: %+v", res)
	}
	if !strings.Contains(stderr.String(), "[2/2] lr=") || !strings.Contains(stderr.String(), "test_acc-vs-lr.svg") {
		t.Errorf("--json: progress %q: want it on stderr", stderr.String())
	}

	// An interrupted sweep says how to go on.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stdout.Reset()
	stderr.Reset()
	if code := run(ctx, append(job, "--grid", "lr=0.2,0.3", "--quiet"), &stdout, &stderr); code != 1 ||
		!strings.Contains(stderr.String(), "run the same command again") {
		t.Errorf("interrupted: exit %d, stderr %q", code, stderr.String())
	}
}
