package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLI(t *testing.T) {
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{nil, 0, "Commands:", ""},
		{[]string{"help"}, 0, "bench", ""},
		{[]string{"nosuch"}, 2, "", `unknown command "nosuch"`},
		{[]string{"optimizers"}, 0, "adamw\n", ""},
		{[]string{"bench"}, 1, "", "usage: descent bench optim|train"},
		{[]string{"bench", "optim", "--threads", "0"}, 1, "", "not a positive integer"},
		{[]string{"bench", "train", "--threads", "0"}, 1, "", "not a positive integer"},
		{[]string{"bench", "train", "--workloads", "w1,w9"}, 1, "", `workload "w9": want one of w1, w2, lenet5`},
		{[]string{"bench", "train", "--epochs", "0"}, 1, "", "epochs 0"},
		{[]string{"bench", "optim", "--params", "1000", "--opt", "adam:lr=-1"}, 1, "", "invalid learning rate: -1"},
		{[]string{"bench", "optim", "--params", "999", "--opt", "sgd"}, 1, "", "do not split into 100"},
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

func TestBenchOptimJSON(t *testing.T) {
	code, out, errOut := runCLI("bench", "optim", "--params", "20000", "--reps", "3", "--threads", "1,2", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []struct {
		Optimizer  string  `json:"optimizer"`
		Layout     string  `json:"layout"`
		Threads    int     `json:"threads"`
		NsPerParam float64 `json:"ns_per_param"`
		GBPerS     float64 `json:"gb_per_s"`
		Triad      float64 `json:"triad_gb_per_s"`
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	// 3 optimizers × 2 layouts × 2 thread counts.
	if len(rows) != 12 {
		t.Fatalf("%d rows, want 12", len(rows))
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r.Optimizer+" "+r.Layout] = true
		if r.NsPerParam <= 0 || r.GBPerS <= 0 || r.Triad <= 0 {
			t.Errorf("row %+v has a non-positive figure", r)
		}
	}
	for _, k := range []string{"Adam 1x20k", "AdamW 100x200", "SGD 1x20k"} {
		if !seen[k] {
			t.Errorf("no row for %s in %v", k, seen)
		}
	}
}
