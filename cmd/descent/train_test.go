package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/descent-ml/descent/train"
)

func TestTrainFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(train.Config) bool
		err  string
	}{
		{nil, func(c train.Config) bool { return c == train.Config{} }, ""},
		{[]string{"--batch", "full"}, func(c train.Config) bool { return c.Batch == train.FullBatch }, ""},
		{[]string{"--batch", "1", "--epochs", "3", "--seed", "7"}, func(c train.Config) bool { return c.Batch == 1 && c.Epochs == 3 && c.Seed == 7 }, ""},
		{[]string{"--data", "spirals", "--model", "mlp:2-64-3", "--act", "tanh", "--loss", "mse", "--opt", "adam:lr=0.01",
			"--schedule", "cosine:T_max=100", "--clip-norm", "1", "--accumulate", "4", "--steps", "100", "--threads", "2",
			"--normalize", "--val", "50", "--eval-every", "10", "--target-acc", "0.9", "--out", "o", "--resume", "r", "--drop-last",
			"--snapshot-every", "25"},
			func(c train.Config) bool {
				return c == train.Config{Data: "spirals", Model: "mlp:2-64-3", Act: "tanh", Loss: "mse", Opt: "adam:lr=0.01",
					Schedule: "cosine:T_max=100", ClipNorm: 1, Accumulate: 4, Steps: 100, Threads: 2, Normalize: true, Val: 50,
					EvalEvery: 10, TargetAcc: 0.9, Out: "o", Resume: "r", DropLast: true, SnapshotEvery: 25}
			}, ""},
		{[]string{"--batch", "0"}, nil, `"0" is not a batch size`},
		{[]string{"--batch", "many"}, nil, `"many" is not a batch size`},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
		{[]string{"--nosuch"}, nil, "flag provided but not defined"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, err := parseTrainFlags(tc.args, &bytes.Buffer{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(f.Config) {
				t.Fatalf("config %+v, error %v", f.Config, err)
			}
		})
	}
}

func TestTrainCLI(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"train", "--data", "spirals:n=300", "--epochs", "2", "--opt", "adam:lr=0.01"}, 0, "done after 6 steps (2.00 epochs)", ""},
		{[]string{"train", "--data", "spirals:n=300", "--epochs", "2"}, 0, "step 3  epoch 1.00  loss", ""},
		{[]string{"train", "--data", "spirals:n=300", "--epochs", "1", "--quiet"}, 0, "test_acc", ""},
		{[]string{"train", "--data", "spirals:n=300", "--epochs", "1", "--target-acc", "0.99"}, 0, "never reached accuracy 0.99", ""},
		{[]string{"train", "--data", "spirals:n=300", "--steps", "4", "--out", dir}, 0, "checkpoint, metrics and plots in " + dir, ""},
		{[]string{"train", "--resume", dir, "--steps", "8"}, 0, "resumed at step 4", ""},
		{[]string{"train", "--data", "nosuch.csv"}, 1, "", `data "nosuch.csv": no such file`},
		{[]string{"train", "--opt", "adam:lr=-1", "--data", "spirals"}, 1, "", "invalid learning rate: -1"},
		{[]string{"train", "--resume", dir, "--opt", "sgd"}, 1, "", "trained with opt"},
		{[]string{"eval", "--checkpoint", dir}, 0, "mlp:2-128-3 (step 8) on spirals:n=300, test split, 60 examples: loss (ce)", ""},
		{[]string{"eval", "--checkpoint", dir, "--split", "train"}, 0, "train split, 300 examples", ""},
		{[]string{"eval"}, 1, "", "--checkpoint DIR is required"},
		{[]string{"eval", "--checkpoint", t.TempDir()}, 1, "", "no checkpoint"},
		{[]string{"eval", "--checkpoint", dir, "--split", "dev"}, 1, "", `split "dev"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out, errOut, tc.code, tc.out, tc.errOut)
			}
		})
	}
}

// --json prints one JSON object on stdout, with the fields the issue
// names; progress goes to stderr.
func TestTrainCLIJSON(t *testing.T) {
	code, out, errOut := runCLI("train", "--data", "blobs:n=300", "--epochs", "2", "--val", "50", "--target-acc", "0.5", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("%v in %q", err, out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in %q", out)
	}
	for _, k := range []string{"train_s", "steps", "epochs", "val_acc", "test_acc", "final_loss", "time_to_target_s"} {
		if _, ok := res[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if res["stopped"] != "target" || !strings.Contains(errOut, "val_acc") {
		t.Errorf("stdout %s, stderr %q", out, errOut)
	}
	code, out, _ = runCLI("eval", "--checkpoint", t.TempDir(), "--json")
	if code != 1 || out != "" {
		t.Errorf("eval of an empty directory: exit %d, stdout %q", code, out)
	}
}

// cancelAfter is a context cancelled from its n-th Err call on: Ctrl-C
// in the middle of training.
type cancelAfter struct {
	context.Context
	n     int64
	calls atomic.Int64
}

func (c *cancelAfter) Err() error {
	if c.calls.Add(1) >= c.n {
		return context.Canceled
	}
	return nil
}

// Ctrl-C stops the run, leaves a checkpoint and says how to resume.
func TestTrainCLIInterrupt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx := &cancelAfter{Context: context.Background(), n: 10}
	var out, errb bytes.Buffer
	code := run(ctx, []string{"train", "--data", "spirals:n=300", "--epochs", "20", "--out", dir}, &out, &errb)
	if code != 1 || !strings.Contains(out.String(), "interrupted after") ||
		!strings.Contains(errb.String(), "continue with: descent train --resume "+dir) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, train.ManifestFile)); err != nil {
		t.Fatal(err)
	}
	code, outs, errOut := runCLI("train", "--resume", dir)
	if code != 0 || !strings.Contains(outs, "done after 60 steps (20.00 epochs)") {
		t.Fatalf("resume: exit %d, stdout %q, stderr %q", code, outs, errOut)
	}
	// Without --out nothing is saved, and the message says so.
	ctx = &cancelAfter{Context: context.Background(), n: 5}
	out.Reset()
	errb.Reset()
	code = run(ctx, []string{"train", "--data", "spirals:n=300", "--epochs", "20"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "nothing saved: give --out DIR") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
