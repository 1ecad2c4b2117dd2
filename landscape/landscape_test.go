package landscape

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/descent-ml/descent/nn"
	"github.com/descent-ml/descent/train"
)

var (
	ckOnce       sync.Once
	ckA, ckB     string
	ckOther      string
	ckErr        error
	ckTmpCleanup string
)

// checkpoints trains, once for the package, two runs of a tiny MLP on the
// spirals (one epoch and four) and one of another model.
func checkpoints(t *testing.T) (a, b, other string) {
	t.Helper()
	ckOnce.Do(func() {
		dir, err := os.MkdirTemp("", "descent-landscape-")
		if err != nil {
			ckErr = err
			return
		}
		ckTmpCleanup = dir
		run := func(name, model string, epochs int) string {
			out := filepath.Join(dir, name)
			if ckErr == nil {
				_, ckErr = train.Run(context.Background(), train.Config{Data: "spirals:n=300", Model: model,
					Opt: "adam:lr=0.01", Epochs: epochs, Out: out}, nil)
			}
			return out
		}
		ckA = run("a", "mlp:2-16-3", 1)
		ckB = run("b", "mlp:2-16-3", 4)
		ckOther = run("other", "mlp:2-8-3", 1)
	})
	if ckErr != nil {
		t.Fatal(ckErr)
	}
	return ckA, ckB, ckOther
}

func TestMain(m *testing.M) {
	code := m.Run()
	if ckTmpCleanup != "" {
		os.RemoveAll(ckTmpCleanup)
	}
	os.Exit(code)
}

func TestParseAxis(t *testing.T) {
	tests := []struct {
		spec string
		want Axis
		err  string
	}{
		{"-1:1:51", Axis{-1, 1, 51}, ""},
		{" -0.5 : 1.5 : 41", Axis{-0.5, 1.5, 41}, ""},
		{"-1:1", Axis{}, "want LO:HI:N"},
		{"-1;1;51", Axis{}, "want LO:HI:N"},
		{"a:1:5", Axis{}, `LO "a"`},
		{"-1:x:5", Axis{}, `HI "x"`},
		{"-1:1:5.5", Axis{}, `N "5.5"`},
		{"1:-1:5", Axis{}, "greater than LO"},
		{"-1:1:1", Axis{}, "N 1"},
		{"-1:inf:3", Axis{}, "finite"},
	}
	for _, tt := range tests {
		got, err := ParseAxis(tt.spec)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAxis(%q) = %v, %v; want an error with %q", tt.spec, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAxis(%q) = %v, %v; want %v", tt.spec, got, err, tt.want)
		}
	}
	if v := (Axis{-1, 1, 5}).Values(); v[0] != -1 || v[2] != 0 || v[4] != 1 {
		t.Errorf("Values = %v", v)
	}
}

func TestRandomDirection(t *testing.T) {
	mlp, err := train.BuildModel("mlp:6-5-4", "relu", []int{6}, 4, 1)
	if err != nil {
		t.Fatal(err)
	}
	cnn, err := train.BuildModel("cnn:lenet5", "relu", []int{1, 28, 28}, 10, 1)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		model        nn.Module[float32]
		norm, ignore string
	}{
		{"mlp filter biasbn", mlp.Module, NormFilter, IgnoreBiasBN},
		{"cnn filter biasbn", cnn.Module, NormFilter, IgnoreBiasBN},
		{"cnn filter none", cnn.Module, NormFilter, IgnoreNone},
		{"mlp layer biasbn", mlp.Module, NormLayer, IgnoreBiasBN},
		{"mlp none none", mlp.Module, NormNone, IgnoreNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			params := tt.model.Parameters()
			d, err := RandomDirection(params, 7, tt.norm, tt.ignore)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := RandomDirection(params, 7, tt.norm, tt.ignore)
			for i, p := range params {
				w, dt := p.Var.Value, d[i].Tensor
				if d[i].Name != p.Name || !w.SameShape(dt) {
					t.Fatalf("direction %d is %s %v, want %s %v", i, d[i].Name, dt.Shape, p.Name, w.Shape)
				}
				if !equal(dt.Data, again[i].Tensor.Data) {
					t.Fatalf("%s: the same seed drew another direction", p.Name)
				}
				if len(w.Shape) <= 1 {
					want := w.Data
					if tt.ignore == IgnoreBiasBN {
						want = make([]float32, len(w.Data))
					} else if tt.norm == NormNone {
						continue
					}
					if !equal(dt.Data, want) {
						t.Errorf("%s (1-D) with ignore %s: direction %v, want %v", p.Name, tt.ignore, dt.Data[:min(3, len(dt.Data))], want[:min(3, len(want))])
					}
					continue
				}
				switch tt.norm {
				case NormFilter:
					rows := w.Shape[0]
					size := len(w.Data) / rows
					for r := range rows {
						checkNorm2(t, p.Name, r, dt.Data[r*size:(r+1)*size], w.Data[r*size:(r+1)*size])
					}
				case NormLayer:
					checkNorm2(t, p.Name, -1, dt.Data, w.Data)
				case NormNone:
					if n := norm2(dt.Data) / math.Sqrt(float64(len(dt.Data))); n < 0.5 || n > 1.5 {
						t.Errorf("%s: unnormalised Gaussian has rms %g", p.Name, n)
					}
				}
			}
		})
	}
	if _, err := RandomDirection(mlp.Module.Parameters(), 1, "filtre", IgnoreBiasBN); err == nil || !strings.Contains(err.Error(), `"filtre"`) {
		t.Errorf("bad norm: %v", err)
	}
	if _, err := RandomDirection(mlp.Module.Parameters(), 1, NormFilter, "bn"); err == nil || !strings.Contains(err.Error(), `"bn"`) {
		t.Errorf("bad ignore: %v", err)
	}
}

func checkNorm2(t *testing.T, name string, row int, d, w []float32) {
	t.Helper()
	nd, nw := norm2(d), norm2(w)
	if math.Abs(nd-nw) > 1e-5*nw+1e-9 {
		t.Errorf("%s filter %d: direction norm %g, weight norm %g", name, row, nd, nw)
	}
}

func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCentreIsEvaluate(t *testing.T) {
	a, _, _ := checkpoints(t)
	ev, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: a})
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{Mode1D, Mode2D} {
		res, err := Run(context.Background(), Config{Checkpoint: a, Mode: mode, X: Axis{-1, 1, 3}, Y: Axis{-1, 1, 3}, Seed: 3, Workers: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		row := 0
		if mode == Mode2D {
			row = 1
		}
		if got := res.Loss[row][1]; got != ev.Loss {
			t.Errorf("%s: centre loss %g, Evaluate's %g", mode, got, ev.Loss)
		}
		if got := res.Acc[row][1]; got != *ev.Acc {
			t.Errorf("%s: centre accuracy %g, Evaluate's %g", mode, got, *ev.Acc)
		}
		if res.Examples != ev.Examples {
			t.Errorf("%s: examples %d, want %d", mode, res.Examples, ev.Examples)
		}
		for j, r := range res.Loss {
			for i, l := range r {
				if (i != 1 || j != row) && l == ev.Loss {
					t.Errorf("%s: point (%d, %d) has the centre's loss: the direction moved nothing", mode, i, j)
				}
			}
		}
	}
}

func TestInterpEndpoints(t *testing.T) {
	a, b, other := checkpoints(t)
	evA, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: a})
	if err != nil {
		t.Fatal(err)
	}
	evB, err := train.Evaluate(context.Background(), train.EvalConfig{Checkpoint: b})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), Config{Checkpoint: a, To: b, Mode: ModeInterp, X: Axis{-0.5, 1.5, 9}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Loss[0][2]; got != evA.Loss {
		t.Errorf("loss at α=0: %g, the first checkpoint's %g", got, evA.Loss)
	}
	if got := res.Loss[0][6]; got != evB.Loss {
		t.Errorf("loss at α=1: %g, the second checkpoint's %g", got, evB.Loss)
	}
	_, err = Run(context.Background(), Config{Checkpoint: a, To: other, Mode: ModeInterp, X: Axis{0, 1, 3}}, nil)
	if err == nil || !strings.Contains(err.Error(), "mlp:2-8-3") || !strings.Contains(err.Error(), "mlp:2-16-3") {
		t.Errorf("interpolating to another model: %v; want an error naming both", err)
	}
}

func TestResume(t *testing.T) {
	a, _, _ := checkpoints(t)
	dir := t.TempDir()
	cfg := Config{Checkpoint: a, Mode: Mode2D, X: Axis{-1, 1, 4}, Y: Axis{-1, 1, 3}, Seed: 5, Workers: 2,
		State: filepath.Join(dir, "full.points")}
	full, err := Run(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	// An interrupted run: cancelled after five points, then continued.
	cfg.State = filepath.Join(dir, "cut.points")
	ctx, cancel := context.WithCancel(context.Background())
	_, err = Run(ctx, cfg, func(p Progress) {
		if p.Done == 5 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v", err)
	}
	// A line cut short at the end, as a kill mid-write leaves it.
	f, err := os.OpenFile(cfg.State, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"k":3,"lo`)
	f.Close()
	var last Progress
	resumed, err := Run(context.Background(), cfg, func(p Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Resumed < 5 || resumed.Points+resumed.Resumed != 12 || last.Done != 12 {
		t.Errorf("resumed %d, evaluated %d, last progress %+v; want >= 5 resumed of 12", resumed.Resumed, resumed.Points, last)
	}
	for j := range full.Loss {
		for i := range full.Loss[j] {
			if full.Loss[j][i] != resumed.Loss[j][i] || full.Acc[j][i] != resumed.Acc[j][i] {
				t.Errorf("point (%d, %d): %g/%g, resumed %g/%g", i, j, full.Loss[j][i], full.Acc[j][i], resumed.Loss[j][i], resumed.Acc[j][i])
			}
		}
	}
	// Once complete, a run reads everything back.
	again, err := Run(context.Background(), cfg, nil)
	if err != nil || again.Points != 0 || again.Resumed != 12 {
		t.Errorf("complete state: %v, evaluated %d, resumed %d", err, again.Points, again.Resumed)
	}
	// Another landscape's state file is refused.
	cfg.Seed = 6
	if _, err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "another landscape") {
		t.Errorf("state of another seed: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	a, b, _ := checkpoints(t)
	x := Axis{-1, 1, 3}
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"mode", Config{Checkpoint: a, Mode: "3d", X: x, Y: x}, `mode "3d"`},
		{"interp without to", Config{Checkpoint: a, Mode: ModeInterp, X: x}, "second checkpoint"},
		{"to without interp", Config{Checkpoint: a, To: b, Mode: Mode1D, X: x}, "second checkpoint"},
		{"x", Config{Checkpoint: a, Mode: Mode1D, X: Axis{1, -1, 3}}, "x grid"},
		{"y", Config{Checkpoint: a, Mode: Mode2D, X: x, Y: Axis{0, 1, 1}}, "y grid"},
		{"norm", Config{Checkpoint: a, Mode: Mode1D, X: x, Norm: "row"}, `norm "row"`},
		{"checkpoint", Config{Checkpoint: filepath.Join(a, "nothing"), Mode: Mode1D, X: x}, "no checkpoint"},
		{"samples", Config{Checkpoint: a, Mode: Mode1D, X: x, Samples: -2}, "samples -2"},
	}
	for _, tt := range tests {
		if _, err := Run(context.Background(), tt.cfg, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v; want an error with %q", tt.name, err, tt.want)
		}
	}
}

func TestWrite(t *testing.T) {
	a, _, _ := checkpoints(t)
	dir := t.TempDir()
	for _, tt := range []struct {
		mode, out string
	}{{Mode2D, "l2.png"}, {Mode1D, "l1.svg"}} {
		res, err := Run(context.Background(), Config{Checkpoint: a, Mode: tt.mode, X: Axis{-1, 1, 3}, Y: Axis{-1, 1, 3}, Samples: 50}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Examples != 50 {
			t.Errorf("samples 50: %d examples", res.Examples)
		}
		res.Loss[0][0] = math.NaN() // a gap
		files, err := res.Write(filepath.Join(dir, tt.out))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{files.Picture, files.CSV, files.JSON, files.Directions} {
			if st, err := os.Stat(p); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", p, err)
			}
		}
		b, _ := os.ReadFile(files.JSON)
		var back struct {
			X    []float64    `json:"x"`
			Y    []float64    `json:"y"`
			Loss [][]*float64 `json:"loss"`
			Acc  [][]*float64 `json:"acc"`
		}
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.Loss[0][0] != nil || back.Loss[0][1] == nil || len(back.X) != 3 || (tt.mode == Mode2D) != (len(back.Y) == 3) {
			t.Errorf("%s JSON: x %v y %v loss row %v", tt.mode, back.X, back.Y, back.Loss[0])
		}
		csv, _ := os.ReadFile(files.CSV)
		if lines := strings.Count(string(csv), "\n"); lines != 1+len(res.Loss)*3 {
			t.Errorf("%s CSV has %d lines", tt.mode, lines)
		}
	}
	// Every loss NaN: still a picture of gaps or a clear error, never a panic.
	res := &Result{Mode: Mode2D, X: []float64{0, 1}, Y: []float64{0, 1}, Loss: nanGrid(2, 2)}
	var buf bytes.Buffer
	_ = res.Draw(&buf, "png")
	if _, err := FilesFor(filepath.Join(dir, "l.jpg")); err == nil || !strings.Contains(err.Error(), "l.jpg") {
		t.Errorf("out .jpg: %v", err)
	}
}

// Far enough out the loss overflows: those points are NaN in the grid,
// null in the JSON and gaps in the picture, never an error or a panic.
func TestNonFiniteRegion(t *testing.T) {
	a, _, _ := checkpoints(t)
	res, err := Run(context.Background(), Config{Checkpoint: a, Mode: Mode2D, X: Axis{-1e30, 1e30, 5}, Y: Axis{-1e30, 1e30, 5},
		Norm: NormNone}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gaps := 0
	for _, row := range res.Loss {
		for _, v := range row {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				gaps++
			}
		}
	}
	if gaps == 0 || math.IsNaN(res.Loss[2][2]) {
		t.Fatalf("%d non-finite points, centre %g; want some, and a finite centre", gaps, res.Loss[2][2])
	}
	files, err := res.Write(filepath.Join(t.TempDir(), "far.png"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(files.JSON)
	if !strings.Contains(string(b), "null") {
		t.Errorf("JSON without null for %d non-finite points", gaps)
	}
}
