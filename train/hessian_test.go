package train

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/descent-ml/descent/hessian"
)

// A linear model with MSE has the Hessian 2X̃ᵀX̃/N (X̃ the inputs with a
// column of ones for the bias), whatever its weights: the top eigenvalue
// and the trace must be that matrix's.
func TestHessianLinearClosedForm(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "lin.csv")
	rng := rand.New(rand.NewPCG(3, 4))
	const n, d = 40, 3
	xs := make([][]float64, n)
	var b strings.Builder
	b.WriteString("y,a,b,c\n")
	for i := range xs {
		xs[i] = make([]float64, d+1)
		// Multiples of 1/8 survive float32 exactly; y is never an integer
		// so that the file reads as regression.
		y := 0.5 + float64(rng.IntN(16))
		fmt.Fprintf(&b, "%g", y)
		for j := range d {
			xs[i][j] = float64(rng.IntN(33)-16) / 8
			fmt.Fprintf(&b, ",%g", xs[i][j])
		}
		xs[i][d] = 1
		b.WriteString("\n")
	}
	if err := os.WriteFile(csv, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if _, err := Run(context.Background(), Config{Data: csv, Model: "linear", Batch: FullBatch, Opt: "sgd:lr=0.01", Epochs: 3, Out: out}, nil); err != nil {
		t.Fatal(err)
	}
	// H = 2X̃ᵀX̃/N, its trace and its top eigenvalue by power iteration.
	var h [d + 1][d + 1]float64
	trace := 0.0
	for _, x := range xs {
		for i := range x {
			for j := range x {
				h[i][j] += 2 * x[i] * x[j] / n
			}
		}
	}
	for i := range h {
		trace += h[i][i]
	}
	v1, lmax := topEigenpair(h, nil)
	_, l2 := topEigenpair(h, v1)
	t.Logf("closed form: λ1 %v, λ2 %v, trace %v", lmax, l2, trace)
	for _, batch := range []int{0, 7} {
		rep, err := AnalyzeCheckpoint(context.Background(), HessianRunConfig{
			HessianConfig: HessianConfig{Checkpoint: out, Batch: batch},
			Analyze:       hessian.Config{Power: hessian.PowerConfig{K: 2, Tol: 1e-10, MaxIter: 500}, Momentum: -1},
			Along:         "top",
		})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Dim != d+1 || rep.Examples != n || rep.LossName != "mse" || rep.Verdict != hessian.Minimum {
			t.Errorf("batch %d: dim %d, %d examples, loss %s, verdict %s", batch, rep.Dim, rep.Examples, rep.LossName, rep.Verdict)
		}
		if math.Abs(rep.TopEigenvalues[0]-lmax) > 1e-8*lmax || math.Abs(rep.MaxEigenvalue-lmax) > 1e-8*lmax ||
			math.Abs(rep.TopEigenvalues[1]-l2) > 1e-6*lmax {
			t.Errorf("batch %d: top eigenvalues %v (max %v), want %v and %v", batch, rep.TopEigenvalues, rep.MaxEigenvalue, lmax, l2)
		}
		// Lanczos over the whole space sees every eigenvalue: the nodes
		// sum to the trace exactly; Hutchinson's estimate is within its
		// error.
		sum := 0.0
		for _, x := range rep.Density.Nodes[0] {
			sum += x
		}
		if !rep.Density.Complete || math.Abs(sum-trace) > 1e-8*trace {
			t.Errorf("batch %d: density nodes sum to %v (complete %v), want the trace %v", batch, sum, rep.Density.Complete, trace)
		}
		if math.Abs(rep.Trace.Value-trace) > 4*rep.Trace.StdErr+1e-9 {
			t.Errorf("batch %d: trace %v ± %v, want %v", batch, rep.Trace.Value, rep.Trace.StdErr, trace)
		}
		// The loss of a linear model under MSE is exactly quadratic: the
		// loss along the top eigenvector is its quadratic model.
		for i, l := range rep.Along.Loss {
			if q := rep.Along.Quadratic[i]; math.Abs(l-q) > 1e-9*max(1, l) {
				t.Errorf("batch %d: loss %v at t = %v, the quadratic model %v", batch, l, rep.Along.T[i], q)
			}
		}
		s := rep.Sharpness
		if s == nil || s.LR != 0.01 || s.Momentum != 0 || math.Abs(s.HalfLRLambda-lmax*0.01/2) > 1e-8 {
			t.Errorf("batch %d: sharpness %+v, want lr 0.01 from the checkpoint", batch, s)
		}
	}
}

// topEigenpair returns the largest eigenpair of the symmetric
// positive semi-definite h by power iteration, deflated by the unit
// vector u when it is not nil.
func topEigenpair(h [4][4]float64, u []float64) ([]float64, float64) {
	if u != nil {
		_, l := topEigenpair(h, nil)
		for i := range h {
			for j := range h {
				h[i][j] -= l * u[i] * u[j]
			}
		}
	}
	v := []float64{1, -0.5, 0.25, 0.125}
	lambda := 0.0
	for range 5000 {
		w := make([]float64, len(v))
		for i := range h {
			for j := range h {
				w[i] += h[i][j] * v[j]
			}
		}
		nrm := 0.0
		for _, x := range w {
			nrm += x * x
		}
		nrm = math.Sqrt(nrm)
		lambda = 0
		for i := range w {
			lambda += v[i] * w[i]
			v[i] = w[i] / nrm
		}
	}
	return v, lambda
}

// rewriteModel replaces the model file of the checkpoint in dir by b and
// makes the manifest agree, as a checkpoint of another model would.
func rewriteModel(t *testing.T, dir string, b []byte) {
	t.Helper()
	m := readManifest(t, dir)
	if err := os.WriteFile(filepath.Join(dir, m.Dir, ModelFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for i, f := range m.Files {
		if f.Name == ModelFile {
			sum := sha256.Sum256(b)
			m.Files[i].Size, m.Files[i].SHA256 = int64(len(b)), hex.EncodeToString(sum[:])
		}
	}
	mb, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), mb, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestHessianErrors(t *testing.T) {
	ctx := context.Background()
	good, other, corrupt, mismatched := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	for _, c := range []struct {
		out, model string
	}{{good, "mlp:2-8-3"}, {other, "mlp:2-5-3"}, {corrupt, "mlp:2-8-3"}, {mismatched, "mlp:2-8-3"}} {
		if _, err := Run(ctx, Config{Data: "spirals:n=90", Model: c.model, Opt: "adam:lr=0.01", Epochs: 1, Out: c.out}, nil); err != nil {
			t.Fatal(err)
		}
	}
	m := readManifest(t, corrupt)
	if err := os.WriteFile(filepath.Join(corrupt, m.Dir, ModelFile), []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	rewriteModel(t, mismatched, modelBytes(t, other))
	for _, tc := range []struct {
		name string
		cfg  HessianRunConfig
		err  string
	}{
		{"no dir", HessianRunConfig{}, "no checkpoint directory given"},
		{"missing dir", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: filepath.Join(good, "nosuch")}}, "no checkpoint.json"},
		{"corrupt", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: corrupt}}, "is corrupt"},
		{"mismatched", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: mismatched}}, "does not fit model mlp:2-8-3"},
		{"other data", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good, Data: "linreg"}}, "data has 10 features"},
		{"split", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good, Split: "dev"}}, `split "dev"`},
		{"no val", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good, Split: "val"}}, "no validation split"},
		{"samples", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good, Samples: -1}}, "samples -1"},
		{"batch", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good, Batch: -2}}, "batch -2"},
		{"along", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good}, Along: "bottom"}, `along "bottom": want top`},
		{"points", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good}, Along: "top", AlongPoints: 1}, "1 points"},
		{"picture", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good}, DensityOut: filepath.Join(good, "d.jpg")}, "want a .png or .svg"},
		{"lr", HessianRunConfig{HessianConfig: HessianConfig{Checkpoint: good}, Analyze: hessian.Config{LR: -1}}, "learning rate -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := AnalyzeCheckpoint(ctx, tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
		})
	}
}

// The loss along a direction starts from the checkpoint's loss at t = 0
// and leaves the weights as they were.
func TestHessianLossAlong(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	if _, err := Run(ctx, Config{Data: "spirals:n=90", Model: "mlp:2-8-3", Opt: "adam:lr=0.01", Epochs: 2, Out: out}, nil); err != nil {
		t.Fatal(err)
	}
	h, err := LoadHessian(ctx, HessianConfig{Checkpoint: out, Samples: 50, Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	if h.Examples != 50 || h.LR != 0.01 || h.Momentum != 0 || h.Optimizer != "Adam" {
		t.Errorf("examples %d, lr %v, momentum %v, optimizer %q", h.Examples, h.LR, h.Momentum, h.Optimizer)
	}
	l0, err := h.Loss(ctx)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, h.Op.Dim())
	lg, err := h.Op.Gradient(ctx, g)
	if err != nil || math.Abs(lg-l0) > 1e-12 {
		t.Fatalf("loss %v, the operator's %v (%v)", l0, lg, err)
	}
	dir := make([]float64, h.Op.Dim())
	dir[0] = 1
	ls, err := h.LossAlong(ctx, dir, []float64{0, 0.3, 0})
	if err != nil || ls[0] != l0 || ls[2] != l0 || ls[1] == l0 {
		t.Errorf("losses %v, want %v at t = 0 (%v)", ls, l0, err)
	}
	if _, err := h.LossAlong(ctx, dir[:3], []float64{0}); err == nil || !strings.Contains(err.Error(), "direction of 3 values") {
		t.Errorf("short direction: %v", err)
	}
}
