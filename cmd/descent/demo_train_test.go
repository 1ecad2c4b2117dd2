package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoTrainList(t *testing.T) {
	code, out, errOut := runCLI("demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, name := range []string{"batch-sizes", "learning-rate", "sparse-features"} {
		if !strings.Contains(out, name) {
			t.Errorf("the list lacks %s:\n%s", name, out)
		}
	}
}

func TestDemoTrainJSON(t *testing.T) {
	for _, tc := range []struct {
		name, picture, number string
	}{
		{"sparse-features", "sparse-features-updates.svg", "adagrad_rare_update"},
		{"learning-rate", "learning-rate-finder.svg", "suggested_lr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, out, errOut := runCLI("demo", tc.name, "--quick", "--quiet", "--json", "--format", "svg", "--threads", "1", "--out", dir)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var rep struct {
				Name    string             `json:"name"`
				Numbers map[string]float64 `json:"numbers"`
				Files   []string           `json:"files"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("%v in %s", err, out)
			}
			if rep.Name != tc.name || !(rep.Numbers[tc.number] > 0) {
				t.Errorf("name %q, %s = %v: want %s and a positive number", rep.Name, tc.number, rep.Numbers[tc.number], tc.name)
			}
			path := filepath.Join(dir, tc.picture)
			if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "<svg") {
				t.Errorf("%s: want an SVG picture (%v)", path, err)
			}
		})
	}
}
