package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"image/gif"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/descent-ml/descent/surface"
)

func TestRaceCLI(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		code        int
		out, errOut string
	}{
		{"table", []string{"race", "--fn", "rosenbrock", "--opt", "lbfgs:line_search_fn=strong_wolfe", "--opt", "sgd:lr=0.1", "--steps", "50"}, 0,
			"rosenbrock:a=1,b=100,n=2 from (-1.2, 1), 50 steps", ""},
		{"statuses", []string{"race", "--fn", "plateau", "--opt", "sgd:lr=0.1", "--opt", "adam:lr=0.1", "--start", "2.5,2"}, 0, "500    plateau    (0, 0) global", ""},
		{"negative start", []string{"race", "--fn", "saddle", "--opt", "sgd:lr=0.1", "--start", "-1.5,0"}, 0, "500    saddle  -", ""},
		{"expression", []string{"race", "--fn", "expr:(x-1)^2 + (y+2)^2", "--opt", "sgd:lr=0.1", "--steps", "200"}, 0, "converged", ""},
		{"no fn", []string{"race", "--opt", "adam"}, 1, "", "--fn is required"},
		{"no opt", []string{"race", "--fn", "booth"}, 1, "", "give at least one --opt SPEC"},
		{"unknown fn", []string{"race", "--fn", "nosuch", "--opt", "adam"}, 1, "", `unknown function "nosuch"`},
		{"fn key", []string{"race", "--fn", "rosenbrock:c=2", "--opt", "adam"}, 1, "", `unknown parameter "c" (allowed: a, b, n)`},
		{"opt typo", []string{"race", "--fn", "booth", "--opt", "adam", "--opt", "sgd:lr=fast"}, 1, "", `optimizer 2 ("sgd:lr=fast")`},
		{"bad start", []string{"race", "--fn", "booth", "--opt", "adam", "--start", "1,x"}, 1, "", `"x" is not a number`},
		{"start of 3", []string{"race", "--fn", "booth", "--opt", "adam", "--start", "1,2,3"}, 1, "", "has 3 coordinates; booth takes 2"},
		{"far start", []string{"race", "--fn", "booth", "--opt", "adam", "--start", "1e9,0"}, 1, "", "outside [-110, 110]"},
		{"steps", []string{"race", "--fn", "booth", "--opt", "adam", "--steps", "0"}, 1, "", "steps=0: want 1 to 1000000"},
		{"noise", []string{"race", "--fn", "booth", "--opt", "adam", "--noise", "-1"}, 1, "", "noise=-1"},
		{"extra", []string{"race", "--fn", "booth", "--opt", "adam", "more"}, 1, "", `unexpected argument "more"`},
		{"bad expression", []string{"race", "--fn", "expr:x^^2", "--opt", "adam"}, 1, "", "column 3"},
		{"bad out", []string{"race", "--fn", "booth", "--opt", "adam", "--steps", "3", "--out", "race.bmp"}, 1, "Adam", "want a .png, .svg or .gif file"},
		{"3-D out", []string{"race", "--fn", "rosenbrock:n=3", "--opt", "adam", "--steps", "3", "--out", "race.png"}, 1, "Adam", "a picture needs a 2-D function"},
		{"help", []string{"race", "-h"}, 0, "", "usage: descent race --fn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					code, out, errOut, tc.code, tc.out, tc.errOut)
			}
		})
	}
}

func TestRaceCLIJSON(t *testing.T) {
	code, out, errOut := runCLI("race", "--fn", "himmelblau", "--opt", "sgd:lr=0.01", "--opt", "adam:lr=0.1",
		"--start", "0,0", "--steps", "300", "--noise", "0.1", "--seed", "3", "--clip-norm", "10", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	var keys []string
	for k := range rows[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"final", "losses", "name", "nearest_minimum", "spec", "status", "trajectory"}; !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	// The same results as the library gives for the same config.
	fn, _ := surface.New("himmelblau")
	want, err := surface.Race(t.Context(), fn, surface.RaceConfig{
		Specs: []string{"sgd:lr=0.01", "adam:lr=0.1"}, Start: []float64{0, 0},
		Steps: 300, Noise: 0.1, Seed: 3, ClipNorm: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	if strings.TrimSpace(out) != string(wantJSON) {
		t.Fatalf("CLI JSON differs from surface.Race's:\n%s\n%s", out, wantJSON)
	}
}

func TestFunctionsCLI(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"functions"}, 0, "rosenbrock:a=1,b=100,n=2\n  f = (1 − x)² + 100(y − x²)²", ""},
		{[]string{"functions"}, 0, "expr:EXPRESSION", ""},
		{[]string{"functions", "himmelblau"}, 0, "local maximum  (-0.2708, -0.923)  f = 181.6", ""},
		{[]string{"functions", "styblinski-tang:n=3"}, 0, "domain [-5, 5] × [-5, 5] × [-5, 5]", ""},
		{[]string{"functions", "expr:x*y"}, 0, "expr:x*y\n  f = x*y", ""},
		{[]string{"functions", "nosuch"}, 1, "", `unknown function "nosuch"`},
		{[]string{"functions", "--xml"}, 1, "", "flag provided but not defined: -xml"},
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

func TestFunctionsCLIJSON(t *testing.T) {
	code, out, errOut := runCLI("functions", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var fns []struct {
		Name     string           `json:"name"`
		Spec     string           `json:"spec"`
		Dim      int              `json:"dim"`
		Domain   []surface.Range  `json:"domain"`
		Start    []float64        `json:"start"`
		Params   []map[string]any `json:"params"`
		Critical []struct {
			Kind   string    `json:"kind"`
			Global bool      `json:"global"`
			X      []float64 `json:"x"`
			Value  float64   `json:"value"`
		} `json:"critical_points"`
	}
	if err := json.Unmarshal([]byte(out), &fns); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(fns) != len(surface.Names()) {
		t.Fatalf("%d functions, want %d", len(fns), len(surface.Names()))
	}
	for _, f := range fns {
		if f.Dim != 2 || len(f.Domain) != 2 || len(f.Start) != 2 || len(f.Critical) == 0 {
			t.Errorf("%s: %+v", f.Name, f)
		}
		if f.Name == "himmelblau" && len(f.Critical) != 9 {
			t.Errorf("himmelblau lists %d critical points, want 4 minima, a maximum and 4 saddles", len(f.Critical))
		}
	}
}

// TestRaceCLIOut draws a race into each picture format and checks what
// was written decodes.
func TestRaceCLIOut(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{"png", "svg", "gif"} {
		path := filepath.Join(dir, "race."+ext)
		code, _, errOut := runCLI("race", "--fn", "rosenbrock", "--opt", "sgd:lr=1e-3,momentum=0.9", "--opt", "adam:lr=0.05",
			"--steps", "40", "--out", path)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", ext, code, errOut)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch ext {
		case "png":
			if _, err := png.Decode(bytes.NewReader(b)); err != nil {
				t.Fatalf("png: %v", err)
			}
		case "gif":
			g, err := gif.DecodeAll(bytes.NewReader(b))
			if err != nil || len(g.Image) < 2 {
				t.Fatalf("gif: %v", err)
			}
		case "svg":
			if err := xml.Unmarshal(b, new(struct{})); err != nil {
				t.Fatalf("svg: %v", err)
			}
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}
