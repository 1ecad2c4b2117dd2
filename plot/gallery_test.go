package plot

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestGallery writes the example figures to the folder named by
// DESCENT_PLOT_GALLERY, to look at; it is skipped when that is unset.
func TestGallery(t *testing.T) {
	dir := os.Getenv("DESCENT_PLOT_GALLERY")
	if dir == "" {
		t.Skip("set DESCENT_PLOT_GALLERY to a folder to write the example figures there")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, fn func(f *os.File) error) {
		t.Helper()
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := fn(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(filepath.Join(dir, name))
		t.Logf("%s: %d bytes in %v", name, st.Size(), time.Since(start).Round(time.Millisecond))
	}
	race := rosenbrockRace(t, 201)
	for _, format := range []string{"png", "svg"} {
		write("race."+format, func(f *os.File) error { return Race(f, format, race) })
	}
	saddle := ContourFigure{
		Grid:   saddleGrid(t, 121),
		Title:  "Saddle: x² − y²",
		XLabel: "x", YLabel: "y", ZLabel: "f(x, y)",
		Paths: []Path{
			{Name: "GD", Points: [][2]float64{{-1.8, 0.02}, {-1.2, 0.03}, {-0.6, 0.05}, {-0.1, 0.1}, {0, 0.25}, {0, 0.6}, {0, 1.2}, {0, 1.9}}},
			{Name: "noisy GD", Points: [][2]float64{{-1.8, -0.3}, {-1.1, -0.5}, {-0.6, -0.8}, {-0.2, -1.3}, {-0.05, -1.9}}},
		},
		Start: &[2]float64{-1.8, 0},
	}
	for _, format := range []string{"png", "svg"} {
		write("saddle."+format, func(f *os.File) error { return Contour(f, format, saddle) })
	}
	holes := saddle
	holes.Title = "Saddle with NaN holes"
	holes.Grid = saddleGrid(t, 41)
	for j := range holes.Z {
		for i := range holes.Z[j] {
			if math.Hypot(holes.X[i]-1, holes.Y[j]-1) < 0.6 {
				holes.Z[j][i] = math.NaN()
			}
			if holes.X[i] < -1.5 && holes.Y[j] < -1.2 {
				holes.Z[j][i] = math.Inf(1)
			}
		}
	}
	write("holes.png", func(f *os.File) error { return Contour(f, "png", holes) })
	landscape, err := NewGrid(-1, 1, 81, -1, 1, 81, func(a, b float64) float64 {
		return 0.3 + a*a + 3*b*b + 0.4*math.Sin(4*a)*math.Cos(3*b)
	})
	if err != nil {
		t.Fatal(err)
	}
	pca := ContourFigure{
		Grid:   landscape,
		Title:  "Loss landscape around the trained weights",
		XLabel: "α (PC1, 62.1%)", YLabel: "β (PC2, 20.3%)", ZLabel: "loss",
		Paths:  []Path{{Name: "training", Points: [][2]float64{{-0.8, 0.7}, {-0.6, 0.45}, {-0.45, 0.2}, {-0.3, 0.08}, {-0.2, 0.02}, {-0.15, 0}}}},
		Minima: [][2]float64{{-0.17, 0}},
	}
	for _, format := range []string{"png", "svg"} {
		write("landscape."+format, func(f *os.File) error { return Contour(f, format, pca) })
	}
	lr := lrFinderChart()
	for _, format := range []string{"png", "svg"} {
		write("lrfinder."+format, func(f *os.File) error { return Lines(f, format, lr) })
	}
	write("race.gif", func(f *os.File) error { return RaceGIF(f, race, 40, 80*time.Millisecond) })
}
