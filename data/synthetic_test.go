package data

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSpirals(t *testing.T) {
	tests := []struct {
		name  string
		cfg   SpiralsConfig
		n, k  int
		exact bool // no noise: every point lies on its arm
	}{
		{"defaults", SpiralsConfig{N: 300, Noise: 0.2, Seed: 1}, 300, 3, false},
		{"five arms, uneven", SpiralsConfig{N: 103, Arms: 5, Seed: 2}, 103, 5, true},
		{"one point", SpiralsConfig{N: 1, Arms: 2}, 1, 2, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Spirals(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			if ds.Len() != tc.n || ds.NumClasses != tc.k || !slices.Equal(ds.Shape, []int{2}) {
				t.Fatalf("len %d classes %d shape %v", ds.Len(), ds.NumClasses, ds.Shape)
			}
			counts := make([]int, tc.k)
			for i, c := range ds.Labels {
				if c != i%tc.k {
					t.Fatalf("example %d on arm %d, want %d", i, c, i%tc.k)
				}
				counts[c]++
				x, y := float64(ds.X[2*i]), float64(ds.X[2*i+1])
				if r := math.Hypot(x, y); r > 1+1e-6 {
					t.Fatalf("example %d at radius %g > 1", i, r)
				}
			}
			if slices.Max(counts)-slices.Min(counts) > 1 {
				t.Errorf("arm sizes %v not balanced", counts)
			}
			if tc.exact && tc.n > tc.k {
				// The tip of arm 0 (radius 1) is at angle Sweep (default 4).
				last := (ds.Len() - 1) / tc.k * tc.k
				x, y := float64(ds.X[2*last]), float64(ds.X[2*last+1])
				if math.Abs(x-math.Sin(4)) > 1e-6 || math.Abs(y-math.Cos(4)) > 1e-6 {
					t.Errorf("tip of arm 0 at (%g, %g), want (sin 4, cos 4)", x, y)
				}
			}
			again, _ := Spirals(tc.cfg)
			if !slices.Equal(again.X, ds.X) {
				t.Error("same seed, different data")
			}
		})
	}
	a, _ := Spirals(SpiralsConfig{N: 50, Noise: 0.2, Seed: 1})
	b, _ := Spirals(SpiralsConfig{N: 50, Noise: 0.2, Seed: 2})
	if slices.Equal(a.X, b.X) {
		t.Error("different seeds, same data")
	}
}

func TestBlobs(t *testing.T) {
	ds, centers, err := Blobs(BlobsConfig{N: 3000, Centers: 3, Dim: 4, Std: 0.5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3000 || ds.Dim() != 4 || len(centers) != 12 {
		t.Fatalf("len %d dim %d centers %d", ds.Len(), ds.Dim(), len(centers))
	}
	for _, c := range centers {
		if math.Abs(float64(c)) > 10 {
			t.Errorf("centre coordinate %g outside the box", c)
		}
	}
	// Each blob's sample mean is within 5 standard errors of its centre.
	sum := make([]float64, 12)
	for i := range ds.Len() {
		c := ds.Labels[i]
		for k := range 4 {
			sum[c*4+k] += float64(ds.X[i*4+k])
		}
	}
	for j := range sum {
		mean := sum[j] / 1000
		if se := 0.5 / math.Sqrt(1000); math.Abs(mean-float64(centers[j])) > 5*se {
			t.Errorf("blob %d feature %d: mean %g, centre %g", j/4, j%4, mean, centers[j])
		}
	}
}

func TestLinearRegression(t *testing.T) {
	tests := []struct {
		name  string
		cfg   LinearConfig
		noise float64
	}{
		{"exact", LinearConfig{N: 50, Dim: 3, Outputs: 2, Bias: true, Seed: 3}, 0},
		{"noisy", LinearConfig{N: 4000, Dim: 2, Noise: 0.3, Seed: 4}, 0.3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ds, m, err := LinearRegression(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := ds.Validate(); err != nil {
				t.Fatal(err)
			}
			k := ds.TargetDim
			if ds.Kind() != Regression || m.Outputs != k || len(m.W) != k*ds.Dim() {
				t.Fatalf("kind %v targets %d model %d×%d", ds.Kind(), k, m.Outputs, m.Dim)
			}
			if !tc.cfg.Bias && slices.ContainsFunc(m.B, func(b float32) bool { return b != 0 }) {
				t.Errorf("bias %v without Bias", m.B)
			}
			pred := make([]float32, k)
			var ss float64
			for i := range ds.Len() {
				if err := m.Predict(ds.Example(i), pred); err != nil {
					t.Fatal(err)
				}
				for o := range k {
					r := float64(ds.Targets[i*k+o] - pred[o])
					ss += r * r
				}
			}
			rms := math.Sqrt(ss / float64(ds.Len()*k))
			if math.Abs(rms-tc.noise) > 0.05*tc.noise+1e-7 {
				t.Errorf("residual rms %g, want %g", rms, tc.noise)
			}
		})
	}
	m := &LinearModel{W: []float32{1}, B: []float32{0}, Dim: 1, Outputs: 1}
	if err := m.Predict([]float32{1, 2}, []float32{0}); err == nil {
		t.Error("Predict with a wrong length: no error")
	}
}

// TestSyntheticGolden pins the generators' output for a seed, so that a
// change of algorithm (or of Go's math/rand/v2) cannot pass unnoticed.
func TestSyntheticGolden(t *testing.T) {
	near := func(got, want []float32) bool {
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-5 {
				return false
			}
		}
		return true
	}
	b, c, _ := Blobs(BlobsConfig{N: 4, Centers: 2, Dim: 2, Seed: 42})
	if want := []float32{-6.903915, -5.228418, 1.0714635, -5.9067082}; !near(c, want) {
		t.Errorf("blob centres %v, want %v", c, want)
	}
	if want := []float32{-6.1254888, -5.7182713, 1.5008472, -5.352987, -7.1194386, -5.6351366, 1.6530006, -5.7152042}; !near(b.X, want) {
		t.Errorf("blobs %v, want %v", b.X, want)
	}
	l, m, _ := LinearRegression(LinearConfig{N: 2, Dim: 2, Noise: 0.1, Bias: true, Seed: 42})
	if !near(m.W, []float32{0.11842127, -0.38964334}) || !near(m.B, []float32{2.0112057}) {
		t.Errorf("model %v %v", m.W, m.B)
	}
	if !near(l.X, []float32{-1.9213718, 0.23478101, -0.4855996, 0.051969197}) || !near(l.Targets, []float32{1.5270736, 1.9096749}) {
		t.Errorf("linear data %v %v", l.X, l.Targets)
	}
}

func TestSyntheticErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"spirals N", func() error { _, err := Spirals(SpiralsConfig{}); return err }, "spirals: N 0"},
		{"spirals arms", func() error { _, err := Spirals(SpiralsConfig{N: 3, Arms: -1}); return err }, "Arms -1"},
		{"spirals noise", func() error { _, err := Spirals(SpiralsConfig{N: 3, Noise: math.NaN()}); return err }, "Noise NaN"},
		{"spirals sweep", func() error { _, err := Spirals(SpiralsConfig{N: 3, Sweep: math.Inf(1)}); return err }, "Sweep +Inf"},
		{"spirals huge", func() error { _, err := Spirals(SpiralsConfig{N: math.MaxInt}); return err }, "too large"},
		{"blobs N", func() error { _, _, err := Blobs(BlobsConfig{N: -1}); return err }, "blobs: N -1"},
		{"blobs centers", func() error { _, _, err := Blobs(BlobsConfig{N: 1, Centers: -2}); return err }, "Centers -2"},
		{"blobs dim", func() error { _, _, err := Blobs(BlobsConfig{N: 1, Dim: -2}); return err }, "Dim -2"},
		{"blobs std", func() error { _, _, err := Blobs(BlobsConfig{N: 1, Std: -1}); return err }, "Std -1"},
		{"blobs box", func() error { _, _, err := Blobs(BlobsConfig{N: 1, Box: math.Inf(1)}); return err }, "Box +Inf"},
		{"blobs huge", func() error { _, _, err := Blobs(BlobsConfig{N: 1 << 40, Dim: 1 << 40}); return err }, "too large"},
		{"linear N", func() error { _, _, err := LinearRegression(LinearConfig{}); return err }, "linear regression: N 0"},
		{"linear outputs", func() error { _, _, err := LinearRegression(LinearConfig{N: 1, Outputs: -1}); return err }, "Outputs -1"},
		{"linear dim", func() error { _, _, err := LinearRegression(LinearConfig{N: 1, Dim: -1}); return err }, "Dim -1"},
		{"linear noise", func() error { _, _, err := LinearRegression(LinearConfig{N: 1, Noise: -0.1}); return err }, "Noise -0.1"},
		{"linear huge", func() error { _, _, err := LinearRegression(LinearConfig{N: 1 << 40, Dim: 1 << 40}); return err }, "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
