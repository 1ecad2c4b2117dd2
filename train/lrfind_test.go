package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestFindLR(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      Config
		lc       LRFindConfig
		stops    bool
		lo, hi   float64 // the range the valley suggestion must lie in
		numSteps int     // when it runs to the end
	}{
		{"blobs mlp sgd", Config{Data: "blobs:n=2000", Opt: "sgd:lr=0.1", Batch: 32, Threads: 1}, LRFindConfig{EndLR: 1000}, true, 1e-4, 1, 0},
		{"blobs mlp sgd momentum", Config{Data: "blobs:n=2000", Batch: 32, Threads: 1}, LRFindConfig{}, true, 1e-4, 1, 0},
		{"linreg linear", Config{Data: "linreg:n=2000", Model: "linear", Opt: "sgd:lr=0.1", Batch: 32, Threads: 1}, LRFindConfig{EndLR: 100}, true, 1e-4, 1, 0},
		{"short sweep runs to the end", Config{Data: "blobs:n=300", Opt: "sgd:lr=0.1", Threads: 1}, LRFindConfig{StartLR: 1e-4, EndLR: 1e-2, NumIt: 30}, false, 1e-4, 1e-2, 30},
		{"accumulate", Config{Data: "blobs:n=2000", Opt: "sgd:lr=0.1", Batch: 16, Accumulate: 2, Threads: 1}, LRFindConfig{}, true, 1e-4, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := FindLR(context.Background(), tc.cfg, tc.lc, nil)
			if err != nil {
				t.Fatal(err)
			}
			n := len(res.LRs)
			if len(res.Losses) != n || len(res.Smoothed) != n {
				t.Fatalf("%d rates, %d losses, %d smoothed", n, len(res.Losses), len(res.Smoothed))
			}
			if !slices.IsSorted(res.LRs) || res.LRs[0] != orDefault(tc.lc.StartLR, DefaultStartLR) {
				t.Errorf("rates %v: want increasing from the start rate", res.LRs)
			}
			if tc.stops {
				if res.StoppedAt == nil || *res.StoppedAt != n {
					t.Fatalf("stopped at %v after %d steps: want the stop rule to end the sweep", res.StoppedAt, n)
				}
				last := res.Smoothed[n-1]
				if isFinite(last) && !(last > 4*slices.Min(res.Smoothed[:n-1])) {
					t.Errorf("stopped with smoothed loss %v, minimum %v: want > 4× the minimum", last, slices.Min(res.Smoothed[:n-1]))
				}
				// The curve decreases before it blows up.
				if m := slices.Min(res.Smoothed[:n-1]); !(m < 0.9*res.Smoothed[0]) {
					t.Errorf("smoothed minimum %v against first %v: want the loss to fall first", m, res.Smoothed[0])
				}
			} else if res.StoppedAt != nil || n != tc.numSteps || math.Abs(res.LRs[n-1]-tc.lc.EndLR) > 1e-12 {
				t.Errorf("stopped at %v after %d steps ending at lr %v: want %d steps to %v", res.StoppedAt, n, res.LRs[n-1], tc.numSteps, tc.lc.EndLR)
			}
			s := res.Suggestions
			if !(s.Valley >= tc.lo && s.Valley <= tc.hi) {
				t.Errorf("valley %v: want it in [%v, %v]", s.Valley, tc.lo, tc.hi)
			}
			for _, v := range []float64{s.Steep, s.Minimum} {
				if !(v > 0 && v <= res.LRs[n-1]) {
					t.Errorf("suggestions %+v: want each in (0, %v]", s, res.LRs[n-1])
				}
			}
		})
	}
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

func TestFindLRNoStop(t *testing.T) {
	res, err := FindLR(context.Background(), Config{Data: "blobs:n=300", Opt: "sgd:lr=0.1", Threads: 1}, LRFindConfig{NumIt: 40, NoStop: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StoppedAt != nil || len(res.LRs) != 40 {
		t.Errorf("stopped at %v after %d steps: want all 40", res.StoppedAt, len(res.LRs))
	}
}

func TestFindLRLeavesCheckpoint(t *testing.T) {
	plotsEnabled = false
	defer func() { plotsEnabled = true }()
	dir := t.TempDir()
	if _, err := Run(context.Background(), Config{Data: "blobs:n=300", Epochs: 1, Out: dir, Threads: 1, Schedule: "cosine:T_max=10"}, nil); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	var seen []float64
	res, err := FindLR(context.Background(), Config{Resume: dir}, LRFindConfig{NumIt: 20}, func(e Event) {
		if e.Kind == EventStep {
			seen = append(seen, e.LR)
		}
	})
	if err != nil || len(res.LRs) == 0 {
		t.Fatalf("%+v, %v", res, err)
	}
	// The sweep sets the rate, not the checkpoint's schedule.
	if !slices.Equal(seen, res.LRs) {
		t.Errorf("the steps ran at rates %v, want %v", seen, res.LRs)
	}
	if after := snapshot(t, dir); !maps.Equal(before, after) {
		t.Errorf("the checkpoint directory changed: %d files before, %d after", len(before), len(after))
	}
	// The same sweep from the same checkpoint gives the same curve: the
	// first changed nothing.
	again, err := FindLR(context.Background(), Config{Resume: dir}, LRFindConfig{NumIt: 20}, nil)
	if err != nil || !slices.Equal(again.Losses, res.Losses) {
		t.Errorf("second sweep %v, %v: want %v", again.Losses, err, res.Losses)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestFindLRErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		lc   LRFindConfig
		want string
	}{
		{"start", Config{Data: "blobs:n=100"}, LRFindConfig{StartLR: -1}, "start-lr -1"},
		{"start nan", Config{Data: "blobs:n=100"}, LRFindConfig{StartLR: math.NaN()}, "start-lr NaN"},
		{"end below start", Config{Data: "blobs:n=100"}, LRFindConfig{StartLR: 1, EndLR: 0.5}, "end-lr 0.5"},
		{"end inf", Config{Data: "blobs:n=100"}, LRFindConfig{EndLR: math.Inf(1)}, "end-lr +Inf"},
		{"num-it", Config{Data: "blobs:n=100"}, LRFindConfig{NumIt: 1}, "num-it 1"},
		{"opt", Config{Data: "blobs:n=100", Opt: "nosuch"}, LRFindConfig{}, "nosuch"},
		{"batch", Config{Data: "blobs:n=100", Batch: -5}, LRFindConfig{}, "batch -5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindLR(context.Background(), tc.cfg, tc.lc, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSuggestions(t *testing.T) {
	lrs := make([]float64, 20)
	for i := range lrs {
		lrs[i] = math.Pow(10, float64(i-10))
	}
	// Flat, then falling from index 5 to 14, then rising.
	losses := []float64{5, 5, 5, 5, 5, 4.9, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1.2, 1, 1.5, 3, 6, 9, 12}
	for _, tc := range []struct {
		name string
		got  float64
		want float64
	}{
		// The longest decreasing run is 11 points (one of the 5s, then 5
		// to 14); fastai counts the valley from 14−11 = 3, a third is
		// 3.67: 3 + 3 + 1 = 7.
		{"valley", valley(lrs, losses), lrs[7]},
		{"steep", steep(lrs, losses), lrs[6]}, // the first of the falls by 0.5
		{"minimum", minimum(lrs, losses), lrs[14] / 10},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if _, err := (Suggestions{}).Get("median"); err == nil || !strings.Contains(err.Error(), `"median"`) {
		t.Errorf("Get(median): %v", err)
	}
}

func TestLRFindJSONAndPlot(t *testing.T) {
	res, err := FindLR(context.Background(), Config{Data: "blobs:n=300", Threads: 1}, LRFindConfig{NumIt: 30}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"lrs", "losses", "smoothed", "suggestions", "stopped_at"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON %s: no key %q", b, k)
		}
	}
	var s map[string]float64
	if err := json.Unmarshal(m["suggestions"], &s); err != nil || len(s) != 3 || s["valley"] != res.Suggestions.Valley {
		t.Errorf("suggestions %s: %v", m["suggestions"], err)
	}
	var buf bytes.Buffer
	if err := res.Plot(&buf, "png"); err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")) {
		t.Errorf("plot: %d bytes, %v", buf.Len(), err)
	}
}

func TestFindLRNonFinite(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"rejected step", Config{Data: "linreg:n=200", Model: "linear", Opt: "sgd:lr=0.1", Threads: 1}},
		{"clipped", Config{Data: "linreg:n=200", Model: "linear", Opt: "sgd:lr=0.1", ClipNorm: 1e30, Threads: 1}},
		{"adam", Config{Data: "blobs:n=200", Opt: "adam:lr=0.1", Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Rates this high overflow within a few steps; with NoStop the
			// sweep goes on through non-finite losses without an error.
			res, err := FindLR(context.Background(), tc.cfg, LRFindConfig{StartLR: 1e10, EndLR: 1e30, NumIt: 30, NoStop: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.StoppedAt != nil || len(res.Losses) != 30 || isFinite(res.Smoothed[29]) {
				t.Errorf("stopped at %v, smoothed %v: want 30 steps ending in a non-finite loss", res.StoppedAt, res.Smoothed)
			}
		})
	}
}

func TestBlownUp(t *testing.T) {
	for _, tc := range []struct {
		smooth, best float64
		want         bool
	}{
		{1, 1, false},
		{3.9, 1, false},
		{4, 1, false},
		{4.01, 1, true},
		{math.NaN(), 1, true},
		{math.Inf(1), 1, true},
		{math.Inf(-1), 1, true},
	} {
		if got := blownUp(tc.smooth, tc.best); got != tc.want {
			t.Errorf("blownUp(%v, %v) = %v, want %v", tc.smooth, tc.best, got, tc.want)
		}
	}
}

func TestFindLRCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	res, err := FindLR(ctx, Config{Data: "blobs:n=300", Threads: 1}, LRFindConfig{NumIt: 50}, func(e Event) {
		if e.Kind == EventStep {
			if steps++; steps == 10 {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) || res == nil || len(res.LRs) != 10 {
		t.Errorf("result %v, error %v: want 10 steps and a cancelled context", res, err)
	}
}
