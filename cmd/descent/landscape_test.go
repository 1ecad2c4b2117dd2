package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/landscape"
)

func TestLandscapeFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(landscapeFlags) bool
		err  string
	}{
		{[]string{"--checkpoint", "c", "--out", "l.png"}, func(f landscapeFlags) bool {
			c := f.Config
			return c.Mode == "2d" && c.X == landscape.Axis{Lo: -1, Hi: 1, N: 51} && c.Y == c.X && c.Norm == "filter" &&
				c.Ignore == "biasbn" && c.Seed == 1 && c.State == "l.points.jsonl"
		}, ""},
		{[]string{"--checkpoint", "c", "--out", "d/l.svg", "--mode", "interp", "--to", "c2"}, func(f landscapeFlags) bool {
			return f.Config.X == landscape.Axis{Lo: -0.5, Hi: 1.5, N: 41} && f.Config.To == "c2" && f.Config.State == "d/l.points.jsonl"
		}, ""},
		{[]string{"--checkpoint", "c", "--out", "l.png", "--mode", "1d", "--x=-2:2:9", "--norm", "layer", "--ignore", "none",
			"--seed", "4", "--samples", "100", "--threads", "2", "--state", "s"}, func(f landscapeFlags) bool {
			c := f.Config
			return c.Mode == "1d" && c.X == landscape.Axis{Lo: -2, Hi: 2, N: 9} && c.Norm == "layer" && c.Ignore == "none" &&
				c.Seed == 4 && c.Samples == 100 && c.Workers == 2 && c.State == "s"
		}, ""},
		{[]string{"--checkpoint", "c", "--out", "l.png", "--x=-1:1"}, nil, `grid "-1:1": want LO:HI:N`},
		{[]string{"--checkpoint", "c", "--out", "l.png", "--y=1:-1:5"}, nil, "HI -1 must be greater than LO 1"},
		{[]string{"--checkpoint", "c", "--out", "l.png", "--mode", "1d", "--y=-1:1:5"}, nil, "--y is for --mode 2d"},
		{[]string{"--trajectory", "runs/a", "--out", "p.png"}, func(f landscapeFlags) bool {
			c := f.Config
			return c.Mode == "pca" && c.Trajectory == "runs/a" && c.Checkpoint == "runs/a" && c.X == landscape.Axis{} &&
				c.Y == landscape.Axis{} && c.State == "p.points.jsonl"
		}, ""},
		{[]string{"--mode", "pca", "--trajectory", "runs/a", "--checkpoint", "c", "--y=-1:1:5", "--ignore", "none", "--out", "p.png"}, func(f landscapeFlags) bool {
			c := f.Config
			return c.Mode == "pca" && c.Checkpoint == "c" && c.X == landscape.Axis{} && c.Y == landscape.Axis{Lo: -1, Hi: 1, N: 5} && c.Ignore == "none"
		}, ""},
		{[]string{"--mode", "pca", "--out", "p.png"}, nil, "--mode pca needs --trajectory DIR"},
		{[]string{"--mode", "2d", "--trajectory", "t", "--checkpoint", "c", "--out", "p.png"}, nil, "--trajectory is for --mode pca, not 2d"},
		{[]string{"--trajectory", "t", "--norm", "layer", "--out", "p.png"}, nil, "--norm is for random directions"},
		{[]string{"--trajectory", "t", "--seed", "3", "--out", "p.png"}, nil, "--seed is for random directions"},
		{[]string{"--trajectory", "t", "--mode", "1d", "--x=-1:1:5", "--out", "p.png"}, nil, "--trajectory is for --mode pca, not 1d"},
		{[]string{"--out", "l.png"}, nil, "--checkpoint DIR is required"},
		{[]string{"--checkpoint", "c"}, nil, "--out FILE.png or FILE.svg is required"},
		{[]string{"--checkpoint", "c", "--out", "l.gif"}, nil, `out "l.gif"`},
		{[]string{"--checkpoint", "c", "--out", "l.png", "extra"}, nil, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, err := parseLandscapeFlags(tc.args, &bytes.Buffer{})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one with %q", err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(f) {
				t.Fatalf("%+v, %v", f, err)
			}
		})
	}
}

func TestLandscapeCLI(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, args := range [][]string{
		{"train", "--data", "spirals:n=300", "--model", "mlp:2-16-3", "--epochs", "1", "--quiet", "--out", a},
		{"train", "--data", "spirals:n=300", "--model", "mlp:2-16-3", "--epochs", "3", "--quiet", "--out", b},
	} {
		if code, _, errOut := runCLI(args...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	out2 := filepath.Join(dir, "l2.png")
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"landscape", "--checkpoint", a, "--x=-1:1:3", "--y=-1:1:3", "--out", out2}, 0, "2d landscape of mlp:2-16-3 (step 3)", ""},
		{[]string{"landscape", "--checkpoint", a, "--x=-1:1:3", "--y=-1:1:3", "--out", out2}, 0, "9 resumed", ""},
		{[]string{"landscape", "--checkpoint", a, "--mode", "1d", "--x=-1:1:5", "--out", filepath.Join(dir, "l1.svg")}, 0, "5 points", ""},
		{[]string{"landscape", "--checkpoint", a, "--mode", "interp", "--to", b, "--x=-0.5:1.5:5", "--out", filepath.Join(dir, "li.png")}, 0, "interp landscape", ""},
		{[]string{"landscape", "--checkpoint", a, "--x=-1:1:3", "--y=-1:1:3", "--seed", "2", "--out", out2}, 1, "", "another landscape"},
		{[]string{"landscape", "--checkpoint", a, "--x=-1:1:3y", "--out", out2}, 1, "", `N "3y" is not a whole number`},
		{[]string{"landscape", "--checkpoint", a, "--mode", "interp", "--out", out2}, 1, "", "needs the second checkpoint"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out, errOut, tc.code, tc.out, tc.errOut)
			}
		})
	}
	for _, name := range []string{"l2.png", "l2.csv", "l2.json", "l2.directions.safetensors", "l2.points.jsonl", "l1.svg", "li.png", "li.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
	code, out, errOut := runCLI("landscape", "--checkpoint", a, "--mode", "1d", "--x=-1:1:3", "--json", "--out", filepath.Join(dir, "j.png"))
	var res struct {
		X    []float64   `json:"x"`
		Loss [][]float64 `json:"loss"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Loss) != 1 || len(res.Loss[0]) != 3 || !strings.Contains(errOut, "3/3 points") {
		t.Errorf("--json: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestLandscapePCACLI(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if code, _, errOut := runCLI("train", "--data", "blobs:n=300,test=100", "--model", "mlp:2-8-3", "--steps", "40",
		"--snapshot-every", "5", "--quiet", "--out", run); code != 0 {
		t.Fatal(errOut)
	}
	out := filepath.Join(dir, "pca.png")
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"landscape", "--trajectory", run, "--x=-4:1:6", "--y=-1:1:5", "--out", out}, 0,
			"pca landscape of mlp:2-8-3 (step 40)", ""},
		{[]string{"landscape", "--trajectory", run, "--x=-4:1:6", "--y=-1:1:5", "--out", out}, 0, "30 resumed", ""},
		{[]string{"landscape", "--trajectory", run, "--quiet", "--out", filepath.Join(dir, "def.svg")}, 0,
			"9 snapshots from step 0 to 40: PC1 explains", ""},
		{[]string{"landscape", "--mode", "pca", "--trajectory", dir, "--checkpoint", run, "--out", out}, 1, "", "--snapshot-every"},
		{[]string{"train", "--data", "blobs:n=300", "--steps", "4", "--snapshot-every", "2"}, 1, "", "give --out DIR"},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out, errOut, tc.code, tc.out, tc.errOut)
			}
		})
	}
	for _, name := range []string{"pca.png", "pca.csv", "pca.json", "pca.path.csv", "pca.directions.safetensors", "def.svg", "def.path.csv"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Error(err)
		}
	}
}
