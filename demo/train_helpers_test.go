package demo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// runTrainDemo runs the demo called name in quick mode into a temporary
// directory and checks that it wrote the pictures named (non-empty) and
// report.json.
func runTrainDemo(t *testing.T, name string, cfg Config, pictures ...string) *Report {
	t.Helper()
	cfg.Out, cfg.Quick = t.TempDir(), true
	cfg.Threads = 1
	rep, err := Run(context.Background(), name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	format := cfg.Format
	if format == "" {
		format = "png"
	}
	for _, p := range append(pictures, "report") {
		ext := "." + format
		if p == "report" {
			ext = ".json"
		}
		path := filepath.Join(cfg.Out, p+ext)
		fi, err := os.Stat(path)
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: want a non-empty file (%v)", path, err)
		}
	}
	if len(rep.Findings) == 0 || rep.Table == nil || len(rep.Table.Rows) == 0 {
		t.Errorf("want findings and a table, got %d findings, table %v", len(rep.Findings), rep.Table)
	}
	return rep
}

// trClaim is one statement a demo's numbers must satisfy.
type trClaim struct {
	name string
	ok   bool
}

func trCheckClaims(t *testing.T, n map[string]float64, claims []trClaim) {
	t.Helper()
	for _, c := range claims {
		if !c.ok {
			t.Errorf("%s: not so; numbers %v", c.name, n)
		}
	}
}

// trCheckCancelled checks that a cancelled context stops the demo called
// name with its error, writing no report.
func trCheckCancelled(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := t.TempDir()
	_, err := Run(ctx, name, Config{Out: out, Quick: true, Threads: 1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
		t.Error("report.json written for a cancelled run")
	}
}
