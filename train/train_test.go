package train

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/descent-ml/descent/safetensors"
)

// small is a quick job on a small synthetic set.
func small() Config {
	return Config{Data: "spirals:n=300", Model: "mlp:2-32-3", Opt: "adam:lr=0.01", Batch: 32}
}

func TestConfigErrors(t *testing.T) {
	linreg := Config{Data: "linreg:n=100"}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"batch", Config{Batch: -2}, "batch -2"},
		{"epochs", Config{Epochs: -1}, "epochs -1"},
		{"steps", Config{Steps: -3}, "steps -3"},
		{"accumulate", Config{Accumulate: -1}, "accumulate -1"},
		{"clip", Config{ClipNorm: -1}, "clip-norm -1"},
		{"threads", Config{Threads: -1}, "threads -1"},
		{"val", Config{Val: -5}, "val -5"},
		{"eval every", Config{EvalEvery: -1}, "eval-every -1"},
		{"target", Config{TargetAcc: 2}, "target-acc 2"},
		{"snapshot every", Config{SnapshotEvery: -1}, "snapshot-every -1"},
		{"snapshot without out", Config{SnapshotEvery: 5}, "give --out DIR"},
		{"act", Config{Act: "swish"}, `activation "swish": want one of relu`},
		{"loss", Config{Loss: "hinge"}, `loss "hinge": want one of ce, mse, bce`},
		{"no data", Config{Data: "nosuch.csv"}, `data "nosuch.csv": no such file`},
		{"not csv", Config{Data: "train_test.go"}, "a file that is not .csv"},
		{"synthetic option", Config{Data: "spirals:n=abc"}, `hyperparameter n="abc"`},
		{"synthetic key", Config{Data: "blobs:k=3"}, `unknown hyperparameter "k"`},
		{"synthetic n", Config{Data: "blobs:n=-4"}, "n=-4"},
		{"mlp sizes", Config{Data: "spirals:n=30", Model: "mlp:3-10-3"}, "takes 3 inputs and gives 3 outputs, but the data has 2 features and 3 outputs (use mlp:2-10-3)"},
		{"mlp syntax", Config{Data: "spirals:n=30", Model: "mlp:2-x-3"}, `layer size "x"`},
		{"mlp too big", Config{Data: "spirals:n=30", Model: "mlp:2-100000-100000-3"}, "more than"},
		{"lenet on points", Config{Data: "spirals:n=30", Model: "cnn:lenet5"}, "needs images"},
		{"unknown model", Config{Data: "spirals:n=30", Model: "resnet"}, "want mlp:IN-HIDDEN-...-OUT"},
		{"ce on regression", Config{Data: linreg.Data, Loss: "ce"}, "loss ce needs class labels"},
		{"optimizer", Config{Data: "spirals:n=30", Opt: "adam:lr=-1"}, "invalid learning rate: -1"},
		{"optimizer name", Config{Data: "spirals:n=30", Opt: "adamx"}, `unknown optimizer "adamx"`},
		{"schedule", Config{Data: "spirals:n=30", Schedule: "bogus"}, `unknown schedule "bogus"`},
		{"val too large", Config{Data: "spirals:n=30", Val: 30}, "hold out 30 of 30"},
		{"drop last", Config{Data: "spirals:n=30", Batch: 31, DropLast: true}, "leaves no batch"},
		{"resume nothing", Config{Resume: t.TempDir()}, "no checkpoint"},
		{"target on regression", Config{Data: linreg.Data, TargetAcc: 0.9}, "regression targets, not classes"},
		{"diverges", Config{Data: "spirals:n=300", Opt: "adam:lr=1e30"}, "training diverged: lower the learning rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run = %v, %v; want an error containing %q", res, err, tc.want)
			}
		})
	}
}

func ptr(v *float64) float64 {
	if v == nil {
		return -1
	}
	return *v
}

// Every kind of job learns its task.
func TestLearns(t *testing.T) {
	csvPath := filepath.Join(t.TempDir(), "xor.csv")
	var csv bytes.Buffer
	csv.WriteString("x,y,label\n")
	for i := range 400 {
		x, y := float64(i%20)/10-0.95, float64(i/20)/10-0.95
		lab := "same"
		if x*y < 0 {
			lab = "differ"
		}
		csv.WriteString(strings.Join([]string{ftoa(x), ftoa(y), lab}, ",") + "\n")
	}
	if err := os.WriteFile(csvPath, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	idxDir := writeIDX(t, 600, 200)
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   func(*Result) bool
	}{
		{"spirals adam", Config{Data: "spirals:n=600", Opt: "adam:lr=0.01", Epochs: 60}, func(r *Result) bool { return ptr(r.TestAcc) > 0.9 }},
		{"blobs sgd bce", Config{Data: "blobs:n=300", Loss: "bce", Opt: "sgd:lr=0.1", Epochs: 5}, func(r *Result) bool { return ptr(r.TestAcc) > 0.95 }},
		{"blobs mse normalize", Config{Data: "blobs:n=300", Loss: "mse", Normalize: true, Epochs: 5, Act: "tanh"}, func(r *Result) bool { return ptr(r.TestAcc) > 0.95 }},
		{"linreg linear", Config{Data: "linreg:n=500", Model: "linear", Opt: "sgd:lr=0.05", Epochs: 20}, func(r *Result) bool { return ptr(r.TestLoss) < 0.03 && r.TestAcc == nil }},
		{"linreg full batch", Config{Data: "linreg:n=500", Model: "linear", Opt: "sgd:lr=0.5", Batch: FullBatch, Epochs: 60}, func(r *Result) bool { return ptr(r.TestLoss) < 0.03 && r.Steps == 60 }},
		{"spirals stochastic", Config{Data: "spirals:n=300", Model: "mlp:2-32-3", Opt: "sgd:lr=0.02", Batch: 1, Epochs: 3, Act: "gelu"}, func(r *Result) bool { return r.Steps == 900 && ptr(r.TestAcc) > 0.5 }},
		{"accumulate clip", Config{Data: "blobs:n=300", Accumulate: 3, ClipNorm: 0.5, Batch: 10, Epochs: 3, Act: "leaky_relu"}, func(r *Result) bool { return r.Steps == 30*3/3 && ptr(r.TestAcc) > 0.9 }},
		{"steps", Config{Data: "blobs:n=300", Steps: 7}, func(r *Result) bool { return r.Steps == 7 }},
		{"val", Config{Data: "blobs:n=300", Val: 60, Epochs: 2}, func(r *Result) bool { return ptr(r.ValAcc) > 0.9 && r.TestAcc != nil }},
		{"csv", Config{Data: csvPath, Label: "label", Opt: "adam:lr=0.02", Epochs: 60, Act: "tanh"}, func(r *Result) bool { return ptr(r.TrainAcc) > 0.9 }},
		{"csv last column", Config{Data: csvPath, Label: "-1", Epochs: 1}, func(r *Result) bool { return r.TrainAcc != nil }},
		{"idx lenet", Config{Data: idxDir, Model: "cnn:lenet5", Opt: "adam:lr=0.003", Epochs: 3, Batch: 32, Normalize: true}, func(r *Result) bool { return ptr(r.TestAcc) > 0.95 }},
		{"idx mlp sigmoid", Config{Data: idxDir, Model: "mlp", Act: "sigmoid", Opt: "adam:lr=0.003", Epochs: 3}, func(r *Result) bool { return ptr(r.TestAcc) > 0.95 }},
		{"schedule free", Config{Data: "blobs:n=300", Opt: "sfadamw:lr=0.01", Epochs: 3}, func(r *Result) bool { return ptr(r.TestAcc) > 0.9 }},
		{"lbfgs", Config{Data: "blobs:n=300", Opt: "lbfgs:lr=1", Batch: FullBatch, Epochs: 5}, func(r *Result) bool { return ptr(r.TestAcc) > 0.9 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Threads = 1
			res, err := Run(context.Background(), tc.cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.ok(res) || res.Stopped != "done" || res.FinalLoss == nil {
				b, _ := json.Marshal(res)
				t.Fatalf("result %s", b)
			}
		})
	}
}

func ftoa(v float64) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// writeIDX writes a small MNIST-like directory: 28×28 images of two
// classes (a bright bar on the left or on the right half), gzipped.
func writeIDX(t *testing.T, nTrain, nTest int) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, dims []int, payload []byte) {
		var raw bytes.Buffer
		raw.Write([]byte{0, 0, 0x08, byte(len(dims))})
		for _, d := range dims {
			binary.Write(&raw, binary.BigEndian, uint32(d))
		}
		raw.Write(payload)
		var gz bytes.Buffer
		zw := gzip.NewWriter(&gz)
		zw.Write(raw.Bytes())
		zw.Close()
		if err := os.WriteFile(filepath.Join(dir, name+".gz"), gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := func(n, seed int) ([]byte, []byte) {
		px := make([]byte, n*784)
		labels := make([]byte, n)
		s := uint32(seed)
		for i := range n {
			c := i % 2
			labels[i] = byte(c)
			for r := range 28 {
				for k := range 28 {
					s = s*1664525 + 1013904223
					v := byte(s >> 27) // noise 0..31
					if (k < 14) == (c == 0) && r > 4 && r < 24 && k%14 > 3 && k%14 < 10 {
						v += 160
					}
					px[i*784+r*28+k] = v
				}
			}
		}
		return px, labels
	}
	px, lab := images(nTrain, 1)
	write("train-images-idx3-ubyte", []int{nTrain, 28, 28}, px)
	write("train-labels-idx1-ubyte", []int{nTrain}, lab)
	px, lab = images(nTest, 2)
	write("t10k-images-idx3-ubyte", []int{nTest, 28, 28}, px)
	write("t10k-labels-idx1-ubyte", []int{nTest}, lab)
	return dir
}

// cancelAfter is a context whose Err reports cancellation from its
// n-th call on: the training loop asks once per batch, so it stops a run
// after n−1 batches, wherever that falls (mid-epoch, mid-accumulation).
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

func modelBytes(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ModelFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A run stopped after k steps (by its step limit, or by cancellation at
// any batch) and resumed ends with the very weights, bit for bit, of a
// run that never stopped.
func TestResumeIsBitIdentical(t *testing.T) {
	plotsEnabled = false // drawn in TestCheckpointFiles; slow under the race detector
	defer func() { plotsEnabled = true }()
	for _, tc := range []struct {
		name  string
		cfg   Config
		stopK int   // steps of the first part
		stopN int64 // ctx.Err calls before the cancelled first part stops
	}{
		{"sgd momentum step schedule", Config{Opt: "sgd:lr=0.1,momentum=0.9,nesterov=true", Schedule: "step:step_size=7,gamma=0.5"}, 23, 17},
		{"adam cosine eval every", Config{Opt: "adam:lr=0.01", Schedule: "cosine:T_max=40", EvalEvery: 6}, 13, 30},
		{"adamw accumulate clip", Config{Opt: "adamw:lr=0.01", Accumulate: 3, ClipNorm: 0.5}, 5, 11},
		{"plateau with val", Config{Opt: "sgd:lr=0.2", Schedule: "plateau:patience=0,factor=0.5", Val: 60, EvalEvery: 4}, 9, 22},
		{"full batch", Config{Opt: "rmsprop:lr=0.01", Batch: FullBatch, Normalize: true, EvalEvery: 8}, 12, 9},
		{"onecycle normalize", Config{Opt: "sgd:lr=0.05,momentum=0.9", Schedule: "onecycle:max_lr=0.2,total_steps=40", Normalize: true, Batch: 50}, 17, 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const total = 40
			base := small()
			base.Opt, base.Schedule, base.EvalEvery, base.Accumulate, base.ClipNorm = tc.cfg.Opt, tc.cfg.Schedule, tc.cfg.EvalEvery, tc.cfg.Accumulate, tc.cfg.ClipNorm
			base.Val, base.Normalize, base.Threads = tc.cfg.Val, tc.cfg.Normalize, 1
			if tc.cfg.Batch != 0 {
				base.Batch = tc.cfg.Batch
			}
			base.Steps = total

			whole := base
			whole.Out = t.TempDir()
			want, err := Run(context.Background(), whole, nil)
			if err != nil {
				t.Fatal(err)
			}

			// Stopped by the step limit, resumed with a larger one.
			first := base
			first.Steps = tc.stopK
			first.Out = t.TempDir()
			if _, err := Run(context.Background(), first, nil); err != nil {
				t.Fatal(err)
			}
			got, err := Run(context.Background(), Config{Resume: first.Out, Steps: total}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.ResumedAt != tc.stopK || got.Steps != total {
				t.Fatalf("resumed at %d, %d steps; want %d, %d", got.ResumedAt, got.Steps, tc.stopK, total)
			}
			if !bytes.Equal(modelBytes(t, first.Out), modelBytes(t, whole.Out)) {
				t.Fatal("weights after stopping at the step limit and resuming differ from the uninterrupted run's")
			}
			if ptr(got.TestAcc) != ptr(want.TestAcc) || ptr(got.ValLoss) != ptr(want.ValLoss) || ptr(got.FinalLoss) != ptr(want.FinalLoss) {
				t.Fatalf("resumed result %+v, uninterrupted %+v", got, want)
			}

			// Cancelled (Ctrl-C) at an arbitrary batch, resumed.
			cut := base
			cut.Out = t.TempDir()
			ctx := &cancelAfter{Context: context.Background(), n: tc.stopN}
			part, err := Run(ctx, cut, nil)
			if !errors.Is(err, context.Canceled) || part == nil || part.Stopped != "interrupted" || part.Checkpoint == "" {
				t.Fatalf("cancelled run: %+v, %v", part, err)
			}
			if part.Steps >= total {
				t.Fatalf("cancelled run did all %d steps", part.Steps)
			}
			if _, err := Run(context.Background(), Config{Resume: cut.Out}, nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(modelBytes(t, cut.Out), modelBytes(t, whole.Out)) {
				t.Fatalf("weights after cancelling at step %d and resuming differ from the uninterrupted run's", part.Steps)
			}
			var rows, wantRows []Row
			readJSONL(t, filepath.Join(cut.Out, MetricsJSONL), &rows)
			readJSONL(t, filepath.Join(whole.Out, MetricsJSONL), &wantRows)
			if len(rows) != len(wantRows) {
				t.Fatalf("resumed run logged %d metrics rows, the uninterrupted one %d", len(rows), len(wantRows))
			}
			for i := range rows {
				rows[i].TrainS, wantRows[i].TrainS = 0, 0
				a, _ := json.Marshal(rows[i])
				b, _ := json.Marshal(wantRows[i])
				if !bytes.Equal(a, b) {
					t.Fatalf("metrics row %d: resumed %s, uninterrupted %s", i, a, b)
				}
			}
		})
	}
}

func readJSONL(t *testing.T, path string, rows *[]Row) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var r Row
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		*rows = append(*rows, r)
	}
}

// A checkpoint directory holds the model under PyTorch's names, the
// metrics and the plots; a crash's leftovers do not disturb resuming;
// a corrupt or mismatched checkpoint is a clear error.
func TestCheckpointFiles(t *testing.T) {
	cfg := small()
	cfg.Epochs = 3
	cfg.Out = t.TempDir()
	if _, err := Run(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(modelBytes(t, cfg.Out))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tt := range f.Tensors {
		names = append(names, tt.Name)
	}
	if strings.Join(names, " ") != "0.weight 0.bias 2.weight 2.bias" || f.Tensor("0.weight").DType != "F32" ||
		!slices.Equal(f.Tensor("0.weight").Shape, []int{32, 2}) {
		t.Fatalf("model tensors %v", names)
	}
	for _, name := range []string{MetricsJSONL, MetricsCSV, LossPlot, AccuracyPlot, ManifestFile} {
		if fi, err := os.Stat(filepath.Join(cfg.Out, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	csvb, _ := os.ReadFile(filepath.Join(cfg.Out, MetricsCSV))
	if !strings.HasPrefix(string(csvb), strings.Join(MetricsCSVHeader, ",")+"\n") {
		t.Errorf("metrics.csv starts %q", csvb[:min(len(csvb), 80)])
	}
	steps, _ := filepath.Glob(filepath.Join(cfg.Out, stepDirPrefix+"*"))
	if len(steps) != 1 {
		t.Fatalf("step directories %v, want the latest only", steps)
	}

	// What a kill -9 in the middle of the next checkpoint leaves: a
	// half-written step directory and a temporary manifest.
	if err := os.Mkdir(filepath.Join(cfg.Out, stepDirPrefix+"99999999-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(cfg.Out, stepDirPrefix+"99999999-1", ModelFile), []byte("half"), 0o644)
	os.WriteFile(filepath.Join(cfg.Out, "."+ManifestFile+".tmp123"), []byte("{"), 0o644)
	res, err := Run(context.Background(), Config{Resume: cfg.Out, Epochs: 4}, nil)
	if err != nil || res.ResumedAt != 30 || res.Steps != 40 {
		t.Fatalf("resume after a crash: %+v, %v", res, err)
	}
	steps, _ = filepath.Glob(filepath.Join(cfg.Out, stepDirPrefix+"*"))
	if len(steps) != 1 {
		t.Fatalf("step directories after the next checkpoint: %v", steps)
	}

	// Mismatches are refused, naming the setting.
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Resume: cfg.Out, Model: "mlp:2-64-3"}, "trained with model mlp:2-32-3, not mlp:2-64-3"},
		{Config{Resume: cfg.Out, Opt: "sgd"}, "trained with opt adam:lr=0.01, not sgd"},
		{Config{Resume: cfg.Out, Batch: 7}, "trained with batch 32, not 7"},
		{Config{Resume: cfg.Out, Data: "blobs"}, "trained with data spirals:n=300, not blobs"},
	} {
		if _, err := Run(context.Background(), tc.cfg, nil); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("resume %+v: %v, want an error containing %q", tc.cfg, err, tc.want)
		}
	}

	// A corrupt file is named.
	man := readManifest(t, cfg.Out)
	model := filepath.Join(cfg.Out, man.Dir, ModelFile)
	b, _ := os.ReadFile(model)
	b[len(b)-1] ^= 1
	os.Remove(model) // the top-level link shares the file: write a new one
	if err := os.WriteFile(model, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), Config{Resume: cfg.Out}, nil); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("resume from a corrupt checkpoint: %v", err)
	}
	if _, err := Evaluate(context.Background(), EvalConfig{Checkpoint: cfg.Out}); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("evaluate a corrupt checkpoint: %v", err)
	}
	os.WriteFile(filepath.Join(cfg.Out, ManifestFile), []byte("not json"), 0o644)
	if _, err := Run(context.Background(), Config{Resume: cfg.Out}, nil); err == nil || !strings.Contains(err.Error(), "is not a manifest") {
		t.Fatalf("resume with a broken manifest: %v", err)
	}
}

func readManifest(t *testing.T, dir string) manifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A target accuracy stops the run at the first evaluation reaching it.
func TestTargetAcc(t *testing.T) {
	var evals int
	res, err := Run(context.Background(), Config{Data: "blobs:n=600", EvalEvery: 2, TargetAcc: 0.9, Epochs: 50, Threads: 1}, func(e Event) {
		if e.Kind == EventEval {
			evals++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "target" || res.TimeToTargetS == nil || res.StepsToTarget == nil || *res.StepsToTarget != res.Steps ||
		res.Steps%2 != 0 || res.Steps >= 50*4 || ptr(res.TestAcc) < 0.9 {
		b, _ := json.Marshal(res)
		t.Fatalf("result %s", b)
	}
	if evals != res.Steps/2 {
		t.Errorf("%d evaluations for %d steps", evals, res.Steps)
	}
	// Never reached: null.
	res, err = Run(context.Background(), Config{Data: "spirals:n=300", TargetAcc: 1, Epochs: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	if res.Stopped != "done" || !strings.Contains(string(b), `"time_to_target_s":null`) {
		t.Fatalf("result %s", b)
	}
}

// Events come in order: one start, a step event per step, an evaluation
// and a checkpoint per epoch (the run's end reuses the last epoch's).
func TestEvents(t *testing.T) {
	cfg := small()
	cfg.Epochs = 2
	cfg.Out = t.TempDir()
	var kinds []EventKind
	var lastStep int
	res, err := Run(context.Background(), cfg, func(e Event) {
		kinds = append(kinds, e.Kind)
		if e.Kind == EventStep {
			if e.Step != lastStep+1 || e.TotalSteps != 20 || e.Epochs != 2 || !(e.Loss > 0) || e.LR != 0.01 {
				t.Errorf("step event %+v after step %d", e, lastStep)
			}
			lastStep = e.Step
		}
		if e.Kind == EventStart && (e.Info == nil || e.Info.Params != 2*32+32+32*3+3 || e.Info.Train != 300 || e.Info.Test != 60) {
			t.Errorf("start event %+v", e.Info)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	count := map[EventKind]int{}
	for _, k := range kinds {
		count[k]++
	}
	if kinds[0] != EventStart || count[EventStart] != 1 || count[EventStep] != res.Steps || count[EventEval] != 2 || count[EventCheckpoint] != 2 {
		t.Fatalf("events %v", count)
	}
}

// Evaluate measures a checkpoint on its own data or another set.
func TestEvaluate(t *testing.T) {
	cfg := Config{Data: "blobs:n=300", Val: 50, Normalize: true, Epochs: 3, Out: t.TempDir()}
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		split    string
		examples int
		acc      *float64
	}{
		{"", 60, res.TestAcc},
		{"test", 60, res.TestAcc},
		{"val", 50, res.ValAcc},
		{"train", 250, nil},
		{"all", 300, nil},
	} {
		ev, err := Evaluate(context.Background(), EvalConfig{Checkpoint: cfg.Out, Split: tc.split})
		if err != nil {
			t.Fatal(err)
		}
		if ev.Examples != tc.examples || ev.Acc == nil || tc.acc != nil && *ev.Acc != *tc.acc || ev.Step != res.Steps || ev.LossName != "ce" {
			t.Errorf("split %q: %+v", tc.split, ev)
		}
	}
	if _, err := Evaluate(context.Background(), EvalConfig{Checkpoint: cfg.Out, Split: "dev"}); err == nil || !strings.Contains(err.Error(), "want one of test, val, train, all") {
		t.Errorf("bad split: %v", err)
	}
	if _, err := Evaluate(context.Background(), EvalConfig{Checkpoint: cfg.Out, Data: "linreg"}); err == nil || !strings.Contains(err.Error(), "stats for 2 features, dataset has 10") {
		t.Errorf("other data: %v", err)
	}
	// Another draw of blobs with the same centres (the same seed) but a
	// different size still fits the model.
	ev, err := Evaluate(context.Background(), EvalConfig{Checkpoint: cfg.Out, Data: "blobs:n=1000", Split: "all"})
	if err != nil || ev.Examples != 1000 || ptr(ev.Acc) < 0.9 {
		t.Errorf("blobs:n=1000: %+v, %v", ev, err)
	}
}

// Cancelling before the first batch still ends cleanly.
func TestCancelledAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	cancel()
	cfg := small()
	if _, err := Run(ctx, cfg, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context: %v", err)
	}
}

// killJob is the job TestKillNine kills: small steps, a checkpoint every
// step.
func killJob(out string) Config {
	cfg := small()
	cfg.Steps, cfg.EvalEvery, cfg.Threads, cfg.Out = 80, 1, 1, out
	return cfg
}

// TestKillNineHelper is the process TestKillNine kills.
func TestKillNineHelper(t *testing.T) {
	out := os.Getenv("DESCENT_KILL_OUT")
	if out == "" {
		t.Skip("run by TestKillNine")
	}
	plotsEnabled = false
	if _, err := Run(context.Background(), killJob(out), nil); err != nil {
		t.Fatal(err)
	}
}

// A process killed with SIGKILL at any moment leaves the last complete
// checkpoint (or none yet), and resuming from it ends with the weights
// of a run that was never killed.
func TestKillNine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	plotsEnabled = false
	defer func() { plotsEnabled = true }()
	whole := t.TempDir()
	if _, err := Run(context.Background(), killJob(whole), nil); err != nil {
		t.Fatal(err)
	}
	want := modelBytes(t, whole)
	for _, delay := range []time.Duration{250 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond} {
		out := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineHelper$")
		cmd.Env = append(os.Environ(), "DESCENT_KILL_OUT="+out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Kill()
		cmd.Wait()
		res, err := Run(context.Background(), Config{Resume: out}, nil)
		if errors.Is(err, ErrNoCheckpoint) {
			t.Logf("killed after %v: no checkpoint yet", delay)
			continue
		}
		if err != nil {
			t.Fatalf("resume after a kill at %v: %v", delay, err)
		}
		t.Logf("killed after %v, resumed at step %d", delay, res.ResumedAt)
		if !bytes.Equal(modelBytes(t, out), want) {
			t.Fatalf("killed after %v and resumed at step %d: weights differ from the run never killed", delay, res.ResumedAt)
		}
	}
}

// A training step allocates nothing once the first has sized the
// buffers: the loop adds no garbage to the kernels', and neither does a
// schedule's step.
func TestStepDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool items")
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"sgd", Config{Opt: "sgd:lr=0.05,momentum=0.9"}},
		{"adam clip", Config{Opt: "adam:lr=1e-3", ClipNorm: 1}},
		{"mse", Config{Loss: "mse", Opt: "adamw"}},
		{"bce", Config{Loss: "bce", Opt: "adam"}},
		{"sgd warmup_cosine", Config{Opt: "sgd:lr=0.05,momentum=0.9", Schedule: "warmup_cosine:warmup_steps=5,total_steps=100"}},
		{"adam onecycle", Config{Opt: "adam", Schedule: "onecycle:max_lr=0.01,total_steps=100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Data, cfg.Batch, cfg.Threads = "spirals:n=3000", 32, 1
			tr, err := setup(context.Background(), cfg, func(Event) {})
			if err != nil {
				t.Fatal(err)
			}
			tr.resume()
			var stepErr error
			step := func() {
				if !tr.loader.Next(&tr.batch) {
					tr.loader.Next(&tr.batch)
				}
				if _, err := tr.step(); err != nil {
					stepErr = err
				}
			}
			step()
			if allocs := testing.AllocsPerRun(50, step); allocs != 0 {
				t.Errorf("a step allocates %v times", allocs)
			}
			if stepErr != nil {
				t.Fatal(stepErr)
			}
		})
	}
}
