package sweep

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/descent-ml/descent/train"
)

func TestParseGrid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Grid
		err  string
	}{
		{in: "lr=1e-4,1e-3, 0.01", want: Grid{"lr", []string{"1e-4", "1e-3", "0.01"}}},
		{in: "batch=32,full", want: Grid{"batch", []string{"32", "full"}}},
		{in: "clip_norm=1,2", want: Grid{"clip-norm", []string{"1", "2"}}},
		{in: "weight_decay=0,0.01", want: Grid{"weight_decay", []string{"0", "0.01"}}},
		{in: "opt=sgd:lr=0.1,momentum=0.9,adam", want: Grid{"opt", []string{"sgd:lr=0.1,momentum=0.9", "adam"}}},
		{in: "opt=sgd:lr=0.1,momentum=0.9;adam:lr=1e-3,betas=0.9/0.99", want: Grid{"opt", []string{"sgd:lr=0.1,momentum=0.9", "adam:lr=1e-3,betas=0.9/0.99"}}},
		{in: "data=blobs:n=300,test=100,spirals:n=300", want: Grid{"data", []string{"blobs:n=300,test=100", "spirals:n=300"}}},
		{in: "lr", err: "want key=v1,v2"},
		{in: "=1,2", err: "empty key"},
		{in: "lr=", err: "no values"},
		{in: "lr=1,,2", err: "an empty value"},
		{in: "threads=1,2", err: `key "threads" cannot be swept`},
		{in: "out=a,b", err: `key "out" cannot be swept`},
		{in: "a b=1", err: `key "a b"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			g, err := ParseGrid(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || g.Key != tc.want.Key || !slices.Equal(g.Values, tc.want.Values) {
				t.Fatalf("got %+v, %v; want %+v", g, err, tc.want)
			}
			if back, err := ParseGrid(g.String()); err != nil || !slices.Equal(back.Values, g.Values) {
				t.Fatalf("String %q reads back as %+v, %v", g.String(), back, err)
			}
		})
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Range
		err  string
	}{
		{in: "lr=1e-4:1:log", want: Range{Key: "lr", Lo: 1e-4, Hi: 1, Log: true}},
		{in: "momentum=0.8:0.99", want: Range{Key: "momentum", Lo: 0.8, Hi: 0.99}},
		{in: "k=1:10:int", want: Range{Key: "k", Lo: 1, Hi: 10, Int: true}},
		{in: "batch=16:256:log", want: Range{Key: "batch", Lo: 16, Hi: 256, Log: true}},
		{in: "hidden=16:256:log:int", want: Range{Key: "hidden", Lo: 16, Hi: 256, Log: true, Int: true}},
		{in: "act=relu,tanh", want: Range{Key: "act", Choices: []string{"relu", "tanh"}}},
		{in: "lr=1:0", err: "lo 1 is above hi 0"},
		{in: "lr=0:1:log", err: "a log range needs lo > 0"},
		{in: "lr=1:2:cubic", err: `"cubic": want log or int`},
		{in: "lr=1:x", err: `"x" is not a number`},
		{in: "batch=1.2:1.8", err: "no whole number"},
		{in: "lr=1:inf", err: "finite bounds"},
		{in: "lr", err: "want key=lo:hi"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRange(tc.in)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil || r.Key != tc.want.Key || r.Lo != tc.want.Lo || r.Hi != tc.want.Hi || r.Log != tc.want.Log ||
				r.Int != tc.want.Int || !slices.Equal(r.Choices, tc.want.Choices) {
				t.Fatalf("got %+v, %v; want %+v", r, err, tc.want)
			}
		})
	}
}

func TestDraws(t *testing.T) {
	const n = 4000
	for _, tc := range []struct {
		r     Range
		check func(t *testing.T, xs []float64)
	}{
		{Range{Key: "lr", Lo: 1e-4, Hi: 1, Log: true}, func(t *testing.T, xs []float64) {
			// Log-uniform: a quarter of the draws in each decade.
			for d := range 4 {
				lo, hi := math.Pow(10, float64(d-4)), math.Pow(10, float64(d-3))
				in := 0
				for _, x := range xs {
					if x >= lo && x < hi {
						in++
					}
				}
				if f := float64(in) / n; math.Abs(f-0.25) > 0.04 {
					t.Errorf("decade [%g, %g) got %.3f of the draws, want about 0.25", lo, hi, f)
				}
			}
		}},
		{Range{Key: "momentum", Lo: 0.5, Hi: 0.9}, func(t *testing.T, xs []float64) {
			below := 0
			for _, x := range xs {
				if x < 0.7 {
					below++
				}
			}
			if f := float64(below) / n; math.Abs(f-0.5) > 0.04 {
				t.Errorf("%.3f of uniform draws below the middle, want about 0.5", f)
			}
		}},
		{Range{Key: "batch", Lo: 10.5, Hi: 13}, func(t *testing.T, xs []float64) {
			counts := map[float64]int{}
			for _, x := range xs {
				counts[x]++
			}
			for _, v := range []float64{11, 12, 13} {
				if f := float64(counts[v]) / n; math.Abs(f-1.0/3) > 0.04 {
					t.Errorf("batch %v drawn %.3f of the time, want about 1/3 (counts %v)", v, f, counts)
				}
			}
		}},
		{Range{Key: "k", Lo: 1, Hi: 100, Log: true, Int: true}, func(t *testing.T, xs []float64) {
			small := 0
			for _, x := range xs {
				if x < 10 {
					small++
				}
			}
			if f := float64(small) / n; math.Abs(f-0.5) > 0.04 {
				t.Errorf("%.3f of log-int draws below 10, want about half", f)
			}
		}},
	} {
		t.Run(tc.r.String(), func(t *testing.T) {
			draw := func(seed uint64) []string {
				rng := rand.New(rand.NewPCG(seed, 1))
				out := make([]string, n)
				for i := range out {
					out[i] = tc.r.draw(rng)
				}
				return out
			}
			a, b, c := draw(1), draw(1), draw(2)
			if !slices.Equal(a, b) {
				t.Fatal("the same seed drew different values")
			}
			if slices.Equal(a, c) {
				t.Fatal("two seeds drew the same values")
			}
			xs := make([]float64, n)
			for i, s := range a {
				x, err := strconv.ParseFloat(s, 64)
				if err != nil || x < tc.r.Lo || x > tc.r.Hi {
					t.Fatalf("draw %q outside [%g, %g]", s, tc.r.Lo, tc.r.Hi)
				}
				if tc.r.isInt() && x != math.Trunc(x) {
					t.Fatalf("draw %q is not whole", s)
				}
				xs[i] = x
			}
			tc.check(t, xs)
		})
	}
}

var blobs = train.Config{Data: "blobs:n=300,test=100", Model: "mlp:2-8-3", Epochs: 2, Batch: 32}

func TestTrialsGrid(t *testing.T) {
	cfg := Config{Base: blobs, Grid: []Grid{{"batch", []string{"16", "full"}}, {"lr", []string{"0.1", "0.01", "0.001"}}, {"act", []string{"tanh"}}}}
	trials, err := cfg.Trials()
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) != 6 {
		t.Fatalf("%d trials, want 2×3×1 = 6", len(trials))
	}
	wantBatch := []int{16, 16, 16, train.FullBatch, train.FullBatch, train.FullBatch}
	wantLR := []string{"0.1", "0.01", "0.001", "0.1", "0.01", "0.001"}
	for i, tr := range trials {
		c := tr.Config
		if tr.Index != i || c.Batch != wantBatch[i] || c.Act != "tanh" || c.Opt != "sgd:lr="+wantLR[i]+",momentum=0.9" {
			t.Errorf("trial %d: index %d, batch %d, act %q, opt %q", i, tr.Index, c.Batch, c.Act, c.Opt)
		}
		if c.Data != blobs.Data || c.Model != blobs.Model || c.Epochs != 2 || c.EvalBatch != train.DefaultEvalBatch {
			t.Errorf("trial %d: the base job is lost or its defaults not filled in: %+v", i, c)
		}
		if got := tr.Params.String(); got != "batch="+[]string{"16", "full"}[i/3]+", lr="+wantLR[i]+", act=tanh" {
			t.Errorf("trial %d params %q", i, got)
		}
	}
	if keys := cfg.Keys(); !slices.Equal(keys, []string{"batch", "lr", "act"}) {
		t.Errorf("keys %v", keys)
	}
}

// TestRouting checks which keys set the job and which the optimizer.
func TestRouting(t *testing.T) {
	for _, tc := range []struct {
		name string
		base train.Config
		p    Params
		want func(c train.Config) bool
	}{
		{"default opt gets lr", train.Config{}, Params{{"lr", "0.3"}}, func(c train.Config) bool { return c.Opt == "sgd:lr=0.3,momentum=0.9" }},
		{"new key appended", train.Config{Opt: "adam"}, Params{{"weight_decay", "0.01"}, {"betas", "0.9/0.99"}},
			func(c train.Config) bool { return c.Opt == "adam:weight_decay=0.01,betas=0.9/0.99" }},
		{"opt then its lr", train.Config{Opt: "sgd:lr=0.1"}, Params{{"lr", "0.5"}, {"opt", "adamw:amsgrad=true"}},
			func(c train.Config) bool { return c.Opt == "adamw:amsgrad=true,lr=0.5" }},
		{"lookahead", train.Config{Opt: "lookahead:k=5+adam:lr=0.01"}, Params{{"lr", "0.1"}, {"alpha", "0.3"}},
			func(c train.Config) bool { return c.Opt == "lookahead:k=5,alpha=0.3+adam:lr=0.1" }},
		{"train fields", train.Config{}, Params{{"batch", "full"}, {"epochs", "3"}, {"steps", "40"}, {"seed", "7"}, {"clip-norm", "0.5"},
			{"accumulate", "2"}, {"normalize", "true"}, {"drop-last", "1"}, {"val", "50"}, {"eval-every", "10"}, {"eval-batch", "64"},
			{"target-acc", "0.9"}, {"model", "linear"}, {"act", "gelu"}, {"loss", "mse"}, {"data", "spirals"}, {"label", "y"}, {"schedule", "cosine:T_max=40"}},
			func(c train.Config) bool {
				return c == train.Config{Batch: train.FullBatch, Epochs: 3, Steps: 40, Seed: 7, ClipNorm: 0.5, Accumulate: 2, Normalize: true,
					DropLast: true, Val: 50, EvalEvery: 10, EvalBatch: 64, TargetAcc: 0.9, Model: "linear", Act: "gelu", Loss: "mse",
					Data: "spirals", Label: "y", Schedule: "cosine:T_max=40", Opt: train.DefaultOpt}
			}},
		{"schedule none", train.Config{Schedule: "cosine:T_max=9"}, Params{{"schedule", "none"}}, func(c train.Config) bool { return c.Schedule == "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := apply(withDefaults(tc.base), tc.p)
			if err == nil {
				err = checkJob(c)
			}
			if err != nil || !tc.want(c) {
				t.Fatalf("job %+v, error %v", c, err)
			}
		})
	}
}

// TestValidation checks that a sweep that cannot run is refused before
// any trial, naming the key and value.
func TestValidation(t *testing.T) {
	g := func(key string, vs ...string) []Grid { return []Grid{{key, vs}} }
	for _, tc := range []struct {
		name string
		cfg  Config
		err  []string
	}{
		{"negative lr", Config{Grid: g("lr", "0.1", "-1")}, []string{"lr=-1", "invalid learning rate: -1"}},
		{"unknown hyperparameter", Config{Grid: g("gamma", "0.5")}, []string{`"gamma"`, "allowed: dampening, lr"}},
		{"bad momentum", Config{Grid: g("momentum", "abc")}, []string{"momentum", `"abc"`}},
		{"bad batch", Config{Grid: g("batch", "32", "0")}, []string{"batch=0", "want a batch size >= 1, or full"}},
		{"bad act", Config{Grid: g("act", "relu", "swish")}, []string{"act=swish", "want one of relu"}},
		{"bad epochs", Config{Grid: g("epochs", "2.5")}, []string{"epochs=2.5", "whole number"}},
		{"bad opt", Config{Grid: g("opt", "sgd", "adamx")}, []string{`unknown optimizer "adamx"`}},
		{"bad schedule", Config{Grid: g("schedule", "cosine:T_max=10", "cosine:tmax=3")}, []string{"schedule", "tmax"}},
		{"betas for sgd", Config{Grid: []Grid{{"opt", []string{"adam", "sgd"}}, {"betas", []string{"0.9/0.99"}}}},
			[]string{"trial 2 of 2 (opt=sgd, betas=0.9/0.99)", `"betas"`}},
		{"random range", Config{Random: 3, Ranges: []Range{{Key: "lr", Lo: -1, Hi: 1}}}, []string{"range lr=-1:1", "invalid learning rate"}},
		{"base job", Config{Base: train.Config{Opt: "sgd:lr=-2"}, Grid: g("seed", "1")}, []string{"base job", "invalid learning rate"}},
		{"nothing", Config{}, []string{"nothing to sweep"}},
		{"random without ranges", Config{Random: 4}, []string{"random 4 with no ranges"}},
		{"ranges without random", Config{Ranges: []Range{{Key: "lr", Lo: 1, Hi: 2}}}, []string{"without a number of random draws"}},
		{"twice", Config{Grid: g("lr", "1"), Random: 2, Ranges: []Range{{Key: "lr", Lo: 1, Hi: 2}}}, []string{`key "lr" swept twice`}},
		{"twice spelt two ways", Config{Grid: []Grid{{"clip-norm", []string{"1"}}, {"clip_norm", []string{"2"}}}}, []string{`key "clip-norm" swept twice`}},
		{"base out", Config{Base: train.Config{Out: "x"}, Grid: g("lr", "1")}, []string{`Out "x"`}},
		{"threads", Config{Grid: g("threads", "1", "2")}, []string{`"threads" cannot be swept`}},
		{"workers", Config{Grid: g("lr", "1"), Workers: -1}, []string{"workers -1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.Trials()
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.err {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not name %q", err, s)
				}
			}
		})
	}
}

func TestTrialsRandom(t *testing.T) {
	cfg := Config{Base: blobs, Random: 5, Seed: 3, Ranges: []Range{{Key: "lr", Lo: 1e-3, Hi: 1, Log: true}, {Key: "batch", Lo: 8, Hi: 64}},
		Grid: []Grid{{"opt", []string{"sgd", "adam"}}}}
	a, err := cfg.Trials()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := cfg.Trials()
	if len(a) != 10 {
		t.Fatalf("%d trials, want 5 draws × 2 optimizers", len(a))
	}
	for i := range a {
		if a[i].Config != b[i].Config || a[i].Params.String() != b[i].Params.String() {
			t.Fatalf("trial %d drawn differently: %s, %s", i, a[i].Params, b[i].Params)
		}
		lr, _ := a[i].Params.Get("lr")
		opt, _ := a[i].Params.Get("opt")
		if want := opt + ":lr=" + lr; a[i].Config.Opt != want {
			t.Errorf("trial %d opt %q, want %q", i, a[i].Config.Opt, want)
		}
		if i%2 == 1 && (a[i].Config.Batch != a[i-1].Config.Batch || a[i].Params[0] != a[i-1].Params[0]) {
			t.Errorf("trials %d and %d should share a draw: %s, %s", i-1, i, a[i-1].Params, a[i].Params)
		}
		if bs := a[i].Config.Batch; bs < 8 || bs > 64 {
			t.Errorf("trial %d batch %d outside 8..64", i, bs)
		}
	}
	cfg.Seed = 4
	c, _ := cfg.Trials()
	if c[0].Config == a[0].Config {
		t.Error("another seed drew the same first trial")
	}
}

func TestTrialsDropDuplicates(t *testing.T) {
	cfg := Config{Base: blobs, Grid: []Grid{{"lr", []string{"0.1", "0.2", "0.1"}}}}
	trials, err := cfg.Trials()
	if err != nil || len(trials) != 2 || trials[1].Index != 1 {
		t.Fatalf("trials %+v, %v: want the repeated value dropped", trials, err)
	}
}

func TestParamsJSON(t *testing.T) {
	p := Params{{"lr", "1e-3"}, {"batch", "full"}, {"nesterov", "true"}, {"opt", "adam:lr=0.1"}, {"x", ".5"}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"lr":1e-3,"batch":"full","nesterov":true,"opt":"adam:lr=0.1","x":".5"}`; string(b) != want {
		t.Fatalf("JSON %s, want %s", b, want)
	}
	var back Params
	if err := json.Unmarshal(b, &back); err != nil || !slices.Equal(back, p) {
		t.Fatalf("read back %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"a":[1]}`), &back); err == nil {
		t.Fatal("an array value was accepted")
	}
}
