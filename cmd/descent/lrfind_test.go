package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/train"
)

func TestLRFindFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want func(lrfindFlags) bool
		err  string
	}{
		{nil, func(f lrfindFlags) bool {
			return f.Config == train.Config{} && f.LR == train.LRFindConfig{StartLR: 1e-7, EndLR: 10, NumIt: 100} && f.Suggest == "valley"
		}, ""},
		{[]string{"--data", "blobs", "--opt", "adam:lr=0.01", "--batch", "32", "--start-lr", "1e-5", "--end-lr", "1", "--num-it", "50", "--suggest", "steep", "--out", "a.svg", "--json", "--no-stop"},
			func(f lrfindFlags) bool {
				return f.Config == train.Config{Data: "blobs", Opt: "adam:lr=0.01", Batch: 32} && f.LR == train.LRFindConfig{StartLR: 1e-5, EndLR: 1, NumIt: 50, NoStop: true} &&
					f.Suggest == "steep" && f.Out == "a.svg" && f.JSON
			}, ""},
		{[]string{"--suggest", "median"}, nil, `suggestion "median"`},
		{[]string{"--num-it", "0"}, nil, "num-it 0"},
		{[]string{"--start-lr", "0"}, nil, "start-lr 0"},
		{[]string{"--end-lr", "-1"}, nil, "end-lr -1"},
		{[]string{"--out", "lr.jpg"}, nil, `out "lr.jpg"`},
		{[]string{"--epochs", "3"}, nil, "flag provided but not defined"},
		{[]string{"extra"}, nil, `unexpected argument "extra"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f, err := parseLRFindFlags(tc.args, &bytes.Buffer{})
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

func TestLRFindCLI(t *testing.T) {
	dir := t.TempDir()
	png := filepath.Join(dir, "img", "lr.png")
	for _, tc := range []struct {
		args        []string
		code        int
		out, errOut string
	}{
		{[]string{"lrfind", "--data", "blobs:n=1000", "--batch", "32", "--quiet", "--out", png}, 0, "suggested lr (valley)", ""},
		{[]string{"lrfind", "--data", "blobs:n=300", "--quiet", "--start-lr", "1", "--end-lr", "0.1"}, 1, "", "end-lr 0.1"},
		{[]string{"lrfind", "--data", "nosuch.csv", "--quiet"}, 1, "", "nosuch.csv"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), tc.args, &out, &errOut); code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q, stderr %q", code, tc.code, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), tc.out) || !strings.Contains(errOut.String(), tc.errOut) {
				t.Errorf("stdout %q, stderr %q: want %q and %q", out.String(), errOut.String(), tc.out, tc.errOut)
			}
		})
	}
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("plot %s: %d bytes, %v", png, len(b), err)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"lrfind", "--data", "blobs:n=1000", "--batch", "32", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("--json: exit %d, stderr %q", code, errOut.String())
	}
	var res struct {
		LRs, Losses, Smoothed []float64
		Suggestions           map[string]float64
		StoppedAt             *int `json:"stopped_at"`
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("--json: %v in %q", err, out.String())
	}
	if len(res.LRs) == 0 || len(res.Losses) != len(res.LRs) || len(res.Smoothed) != len(res.LRs) || len(res.Suggestions) != 3 || res.StoppedAt == nil {
		t.Errorf("--json: %+v", res)
	}
	if !strings.Contains(errOut.String(), "training") {
		t.Errorf("--json: progress %q: want it on stderr", errOut.String())
	}
}
