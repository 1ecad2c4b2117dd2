package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/descent-ml/descent/train"
)

func f(x float64) *float64 { return &x }

func TestRank(t *testing.T) {
	done := func(i int, acc, loss float64) Trial {
		return Trial{Index: i, Status: StatusDone, Result: &train.Result{TestAcc: f(acc), TestLoss: f(loss), FinalLoss: f(loss)}}
	}
	trials := []Trial{
		{Index: 0, Status: StatusDiverged},
		done(1, 0.90, 0.30),
		{Index: 2, Status: StatusFailed, Error: "no"},
		done(3, 0.95, 0.35),
		{Index: 4, Status: StatusDone, Result: &train.Result{FinalLoss: f(0.2)}}, // no test split
		done(5, 0.80, 0.20),
		done(6, 0.95, 0.25),
	}
	for _, tc := range []struct {
		metric string
		want   []int
	}{
		{"test_acc", []int{3, 6, 1, 5, 4, 2, 0}}, // ties in index order
		{"test_loss", []int{5, 6, 1, 3, 4, 2, 0}},
		{"final_loss", []int{4, 5, 6, 1, 3, 2, 0}},
	} {
		t.Run(tc.metric, func(t *testing.T) {
			ts := slices.Clone(trials)
			rank(ts, tc.metric)
			var got []int
			for i, tr := range ts {
				got = append(got, tr.Index)
				if tr.Rank != i+1 {
					t.Errorf("rank %d at place %d", tr.Rank, i)
				}
				if _, ok := tr.Value(tc.metric); ok != (tr.Metric != nil) {
					t.Errorf("trial %d: Metric %v", tr.Index, tr.Metric)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("order %v, want %v", got, tc.want)
			}
		})
	}
	if got := resolveMetric("", train.Config{}, trials); got != "test_acc" {
		t.Errorf("default metric %q, want test_acc", got)
	}
	if got := resolveMetric("", train.Config{}, trials[4:5]); got != "final_loss" {
		t.Errorf("default metric without a test split %q, want final_loss", got)
	}
}

// runSweep runs cfg and counts the trials it trains.
func runSweep(t *testing.T, ctx context.Context, cfg Config, onDone func(Event)) (*Result, int, []Event, error) {
	t.Helper()
	var mu sync.Mutex
	started := 0
	var events []Event
	res, err := Run(ctx, cfg, func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
		if e.Kind == EventTrialStart {
			started++
		}
		if e.Kind == EventTrialDone && onDone != nil {
			onDone(e)
		}
	})
	return res, started, events, err
}

// lrSweep has a trial that diverges (lr 1e20) and one that fails (a model
// whose input does not match the data).
func lrSweep(out string) Config {
	return Config{Base: blobs, Out: out, Workers: 2,
		Grid: []Grid{{"model", []string{"mlp:2-8-3", "mlp:5-8-3"}}, {"lr", []string{"0.01", "0.1", "1e20"}}}}
}

func TestRun(t *testing.T) {
	out := t.TempDir()
	res, started, events, err := runSweep(t, context.Background(), lrSweep(out), nil)
	if err != nil {
		t.Fatal(err)
	}
	if started != 6 || res.Total != 6 || res.Ran != 6 || res.Resumed != 0 || len(res.Trials) != 6 {
		t.Fatalf("started %d, result %d total %d ran %d resumed, %d trials", started, res.Total, res.Ran, res.Resumed, len(res.Trials))
	}
	if res.Metric != "test_acc" || !res.Maximize || res.Best == nil || res.Best != &res.Trials[0] {
		t.Fatalf("metric %q maximize %v best %v", res.Metric, res.Maximize, res.Best)
	}
	statuses := map[Status]int{}
	for i, tr := range res.Trials {
		statuses[tr.Status]++
		model, _ := tr.Params.Get("model")
		lr, _ := tr.Params.Get("lr")
		switch {
		case model == "mlp:5-8-3":
			if tr.Status != StatusFailed || !strings.Contains(tr.Error, "mlp:5-8-3") {
				t.Errorf("trial %s: status %q, error %q; want failed naming the model", tr.Params, tr.Status, tr.Error)
			}
		case lr == "1e20":
			if tr.Status != StatusDiverged || tr.Rank != 6 || !strings.Contains(tr.Error, "non-finite") {
				t.Errorf("trial %s: status %q rank %d error %q; want diverged, last", tr.Params, tr.Status, tr.Rank, tr.Error)
			}
		default:
			if tr.Status != StatusDone || tr.Metric == nil || *tr.Metric != *tr.Result.TestAcc || tr.Result.Steps != tr.Steps || tr.Rank > 2 {
				t.Errorf("trial %s: status %q rank %d metric %v", tr.Params, tr.Status, tr.Rank, tr.Metric)
			}
		}
		if i > 0 && res.Trials[i-1].Metric != nil && tr.Metric != nil && *tr.Metric > *res.Trials[i-1].Metric {
			t.Errorf("rank %d has %v above rank %d's %v", tr.Rank, *tr.Metric, tr.Rank-1, *res.Trials[i-1].Metric)
		}
	}
	if statuses[StatusDone] != 2 || statuses[StatusFailed] != 3 || statuses[StatusDiverged] != 1 {
		t.Errorf("statuses %v", statuses)
	}
	last := events[len(events)-1]
	if last.Kind != EventTrialDone || last.Done != 6 || last.Progress != 6 || last.Running != 0 || last.Best == nil || last.Metric != "test_acc" {
		t.Errorf("last event %+v", last)
	}
	if events[0].Kind != EventStart || events[0].Workers != 2 || events[0].Threads < 1 || events[0].Total != 6 {
		t.Errorf("first event %+v", events[0])
	}

	// The results file: a line per trial, each with its whole job.
	data, err := os.ReadFile(filepath.Join(out, ResultsFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines in the results file, want 6", len(lines))
	}
	for _, l := range lines {
		var tr Trial
		if err := json.Unmarshal([]byte(l), &tr); err != nil || tr.Config.Data != blobs.Data || tr.Config.Opt == "" || len(tr.Params) != 2 {
			t.Errorf("line %s: %+v, %v", l, tr, err)
		}
	}

	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	tab := table.String()
	for _, s := range []string{"6 of 6 trials, ranked by test_acc (higher is better)", "rank", "model", "lr", "test_acc", "test_loss",
		"steps", "seconds", "status", "diverged", "failed: ", "mlp:5-8-3"} {
		if !strings.Contains(tab, s) {
			t.Errorf("the table lacks %q:\n%s", s, tab)
		}
	}

	files, skipped, err := res.Plot(filepath.Join(out, "plots"), "png")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "test_acc-vs-lr.png" || len(skipped) != 1 || !strings.HasPrefix(skipped[0], "model: ") {
		t.Fatalf("plots %v, skipped %v", files, skipped)
	}
	if st, err := os.Stat(files[0]); err != nil || st.Size() < 1000 {
		t.Fatalf("plot %s: %v", files[0], err)
	}
	if _, _, err := res.Plot(out, "jpg"); err == nil || !strings.Contains(err.Error(), `"jpg"`) {
		t.Errorf("format jpg: %v", err)
	}
}

// TestParallelEqualsSerial checks that trials give the same results
// whatever the number of workers.
func TestParallelEqualsSerial(t *testing.T) {
	cfg := Config{Base: train.Config{Data: "spirals:n=300", Model: "mlp:2-16-3", Epochs: 3, Batch: 32},
		Grid: []Grid{{"lr", []string{"0.03", "0.1", "0.3"}}, {"momentum", []string{"0", "0.9"}}}}
	byIndex := func(workers int) []Trial {
		cfg.Workers = workers
		res, err := Run(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		ts := slices.Clone(res.Trials)
		slices.SortFunc(ts, func(a, b Trial) int { return a.Index - b.Index })
		return ts
	}
	serial, par := byIndex(1), byIndex(4)
	for i := range serial {
		a, b := serial[i], par[i]
		if a.Status != StatusDone || a.Status != b.Status || a.Steps != b.Steps || a.Config != b.Config ||
			*a.Result.FinalLoss != *b.Result.FinalLoss || *a.Result.TestAcc != *b.Result.TestAcc || *a.Result.TestLoss != *b.Result.TestLoss {
			t.Errorf("trial %d (%s): serial %v %v %v, parallel %v %v %v", i, a.Params, a.Status, *a.Result.FinalLoss, *a.Result.TestAcc,
				b.Status, *b.Result.FinalLoss, *b.Result.TestAcc)
		}
	}
}

func TestResume(t *testing.T) {
	out := t.TempDir()
	cfg := lrSweep(out)
	cfg.Workers = 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, started, _, err := runSweep(t, ctx, cfg, func(e Event) {
		if e.Done == 2 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "2 of 6 trials finished") {
		t.Fatalf("error %v, want an interruption after 2 trials", err)
	}
	if started != 2 || len(res.Trials) != 2 {
		t.Fatalf("%d started, %d finished; want 2", started, len(res.Trials))
	}

	// The rerun trains the other four.
	res, started, events, err := runSweep(t, context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Resumed != 2 || started != 4 || res.Ran != 4 || len(res.Trials) != 6 || events[0].Done != 2 || events[0].Resumed != 2 {
		t.Fatalf("rerun: resumed %d, started %d, ran %d, %d trials", res.Resumed, started, res.Ran, len(res.Trials))
	}
	for _, tr := range res.Trials {
		if tr.Resumed != (tr.Index < 2) {
			t.Errorf("trial %d (%s) resumed %v", tr.Index, tr.Params, tr.Resumed)
		}
	}

	// A third run trains only the failed trials (mlp:5-8-3) again.
	res, started, _, err = runSweep(t, context.Background(), cfg, nil)
	if err != nil || started != 3 || res.Resumed != 3 {
		t.Fatalf("third run: started %d, resumed %d, %v", started, res.Resumed, err)
	}

	// Another sweep over the same directory reuses the jobs it shares.
	other := cfg
	other.Grid = []Grid{{"lr", []string{"0.1", "0.3"}}}
	res, started, _, err = runSweep(t, context.Background(), other, nil)
	if err != nil || started != 1 || res.Resumed != 1 {
		t.Fatalf("another sweep: started %d, resumed %d, %v", started, res.Resumed, err)
	}
}

func TestTornLastLine(t *testing.T) {
	out := t.TempDir()
	cfg := Config{Base: blobs, Out: out, Workers: 1, Grid: []Grid{{"lr", []string{"0.05", "0.1"}}}}
	if _, err := Run(context.Background(), cfg, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, ResultsFile)
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(whole), "\n")
	// A garbage line in the middle, and the last line cut in half.
	torn := lines[0] + "not json\n" + lines[1][:len(lines[1])/2]
	if err := os.WriteFile(path, []byte(torn), 0o644); err != nil {
		t.Fatal(err)
	}
	res, started, events, err := runSweep(t, context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if started != 1 || res.Resumed != 1 || len(res.Trials) != 2 {
		t.Fatalf("started %d, resumed %d: want the torn trial run again", started, res.Resumed)
	}
	w := events[0].Warnings
	if len(w) != 2 || !strings.Contains(w[0], ResultsFile+":2: cannot read") || !strings.Contains(w[1], ":3: the last line is cut short") {
		t.Fatalf("warnings %q", w)
	}
	data, _ := os.ReadFile(path)
	got := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(got) != 3 || got[1] != "not json" || !strings.HasSuffix(string(data), "\n") {
		t.Fatalf("the file after the rerun:\n%s", data)
	}
	var tr Trial
	if err := json.Unmarshal([]byte(got[2]), &tr); err != nil || tr.Index != 1 {
		t.Fatalf("the rewritten last line: %v, %v", tr, err)
	}
}

// TestDefaultMetric checks the metric the trials point to: val_acc with a
// validation split, final_loss with no held-out data.
func TestDefaultMetric(t *testing.T) {
	for _, tc := range []struct {
		base train.Config
		want string
		max  bool
	}{
		{train.Config{Data: "blobs:n=300,test=100", Model: "mlp:2-8-3", Epochs: 1, Val: 50}, "val_acc", true},
		{train.Config{Data: "linreg:n=200,dim=3,test=0", Model: "linear", Epochs: 1}, "final_loss", false},
	} {
		res, err := Run(context.Background(), Config{Base: tc.base, Grid: []Grid{{"lr", []string{"0.01", "0.02"}}}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Metric != tc.want || res.Maximize != tc.max || res.Best == nil {
			t.Errorf("data %s: metric %q maximize %v best %v; want %s", tc.base.Data, res.Metric, res.Maximize, res.Best, tc.want)
		}
	}
	_, err := Run(context.Background(), Config{Base: blobs, Metric: "time_to_target", Grid: []Grid{{"lr", []string{"0.1"}}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "target accuracy") {
		t.Errorf("time_to_target without a target: %v", err)
	}
	_, err = Run(context.Background(), Config{Base: blobs, Metric: "acc", Grid: []Grid{{"lr", []string{"0.1"}}}}, nil)
	if err == nil || !strings.Contains(err.Error(), `metric "acc": want one of val_acc`) {
		t.Errorf("unknown metric: %v", err)
	}
}

func TestPlotRandom(t *testing.T) {
	cfg := Config{Base: blobs, Random: 4, Seed: 1, Ranges: []Range{{Key: "lr", Lo: 1e-3, Hi: 1, Log: true}, {Key: "act", Choices: []string{"relu", "tanh"}}},
		Metric: "test_loss"}
	res, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files, skipped, err := res.Plot(dir, "svg")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0]) != "test_loss-vs-lr.svg" || len(skipped) != 1 || !strings.Contains(skipped[0], "act: its values are not numbers") {
		t.Fatalf("files %v, skipped %v", files, skipped)
	}
	svg, _ := os.ReadFile(files[0])
	if !bytes.Contains(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("best: lr=")) {
		t.Fatal("the svg lacks its best-trial marker")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("left in the plot directory: %v", entries)
	}
}

func TestLogSpaced(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want bool
	}{
		{[]float64{0.01, 0.03, 0.1, 0.3}, true},
		{[]float64{16, 32, 64}, true},
		{[]float64{1e-4, 1e-2}, true},
		{[]float64{0.1, 0.2, 0.3}, false},
		{[]float64{0, 1, 100}, false},
		{[]float64{1, 3}, false},
	} {
		if got := logSpaced(tc.xs); got != tc.want {
			t.Errorf("logSpaced(%v) = %v", tc.xs, got)
		}
	}
}
