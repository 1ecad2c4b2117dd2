package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/train"
)

func TestHessianFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(hessianFlags) bool
		err  string
	}{
		{[]string{"--checkpoint", "ck"}, func(f hessianFlags) bool {
			a := f.Config.Analyze
			return f.Config.Checkpoint == "ck" && a.Power.K == 3 && a.Power.MaxIter == 100 && a.Power.Tol == 1e-3 &&
				a.Density.Steps == 100 && a.Density.Runs == 1 && a.LR == 0 && a.Momentum == -1 && !f.JSON
		}, ""},
		{[]string{"--checkpoint", "ck", "--samples", "500", "--batch", "64", "--k", "5", "--iters", "20", "--tol", "1e-4",
			"--steps", "30", "--runs", "2", "--sigma", "0.01", "--lr", "0.1", "--momentum", "0.9", "--seed", "7", "--json",
			"--out", "d.png", "--along", "top", "--along-out", "a.png", "--split", "test"},
			func(f hessianFlags) bool {
				c, a := f.Config, f.Config.Analyze
				return c.Samples == 500 && c.Batch == 64 && a.Power.K == 5 && a.Power.MaxIter == 20 && a.Power.Tol == 1e-4 &&
					a.Density.Steps == 30 && a.Density.Runs == 2 && a.Density.Sigma == 0.01 && a.LR == 0.1 && a.Momentum == 0.9 &&
					a.Seed == 7 && f.JSON && c.DensityOut == "d.png" && c.Along == "top" && c.AlongOut == "a.png" && c.Split == "test"
			}, ""},
		{nil, nil, "--checkpoint DIR is required"},
		{[]string{"--checkpoint", "ck", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"--k", "x"}, nil, "invalid value"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, err := parseHessianFlags(tc.args, &bytes.Buffer{})
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

func TestHessianCLI(t *testing.T) {
	dir := t.TempDir()
	ck := filepath.Join(dir, "run")
	if _, err := train.Run(context.Background(), train.Config{Data: "spirals:n=150", Model: "mlp:2-8-3",
		Opt: "sgd:lr=0.1,momentum=0.9", Epochs: 3, Out: ck}, nil); err != nil {
		t.Fatal(err)
	}
	density, along := filepath.Join(dir, "density.png"), filepath.Join(dir, "along.png")
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		out    []string
		errOut string
	}{
		{"text", []string{"--checkpoint", ck, "--k", "2", "--steps", "40"}, 0,
			[]string{"mlp:2-8-3 (step ", "verdict: ", "top eigenvalues: ", "min eigenvalue: ", "trace: ",
				"sharpness at lr 0.1, momentum 0.9: λmax·lr/2 = ", "against 2(1+β)/lr = 38"}, "hessian: top, 1 products"},
		{"lr given", []string{"--checkpoint", ck, "--lr", "0.5", "--steps", "20"}, 0,
			[]string{"sharpness at lr 0.5: ", "against 2(1+β)/lr = 4 "}, ""},
		{"missing", []string{"--checkpoint", filepath.Join(dir, "nosuch")}, 1, nil, "no checkpoint.json"},
		{"no flags", nil, 1, nil, "--checkpoint DIR is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(context.Background(), append([]string{"hessian"}, tc.args...), &out, &errOut)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut.String())
			}
			for _, w := range tc.out {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if !strings.Contains(errOut.String(), tc.errOut) {
				t.Errorf("stderr lacks %q:\n%s", tc.errOut, errOut.String())
			}
		})
	}

	var out, errOut bytes.Buffer
	args := []string{"hessian", "--checkpoint", ck, "--json", "--k", "3", "--out", density, "--along", "top", "--along-out", along}
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"checkpoint", "model", "step", "examples", "loss_fn", "dim", "loss", "grad_norm", "top_eigenvalues",
		"max_eigenvalue", "min_eigenvalue", "trace", "density", "verdict", "index", "sharpness", "products", "along"} {
		if _, ok := res[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var r struct {
		Dim     int       `json:"dim"`
		Top     []float64 `json:"top_eigenvalues"`
		Loss    float64   `json:"loss"`
		Verdict string    `json:"verdict"`
		Trace   struct {
			Value, StdErr float64
		} `json:"trace"`
		Sharpness struct {
			LR, Momentum float64
		} `json:"sharpness"`
		Along struct {
			T, Loss []float64
		} `json:"along"`
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Dim != 2*8+8+8*3+3 || len(r.Top) != 3 || !(r.Top[0] >= r.Top[1] && r.Top[1] >= r.Top[2]) {
		t.Errorf("dim %d, top eigenvalues %v", r.Dim, r.Top)
	}
	if r.Verdict != "minimum" && r.Verdict != "saddle" {
		t.Errorf("verdict %q", r.Verdict)
	}
	if r.Sharpness.LR != 0.1 || r.Sharpness.Momentum != 0.9 {
		t.Errorf("sharpness %+v, want the checkpoint's lr 0.1 and momentum 0.9", r.Sharpness)
	}
	if len(r.Along.T) != 21 || r.Along.T[0] != -0.5 || r.Along.T[20] != 0.5 || math.Abs(r.Along.Loss[10]-r.Loss) > 1e-12*max(1, r.Loss) {
		t.Errorf("along: t %v, loss %v (loss at the checkpoint %v)", r.Along.T, r.Along.Loss, r.Loss)
	}
	for _, p := range []string{density, along} {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s: not a PNG (%v)", p, err)
		}
	}
}
