package plot_test

import (
	"bytes"
	"fmt"
	"image/gif"
	"image/png"
	"log"
	"math"
	"time"

	"github.com/descent-ml/descent/plot"
)

// rosenbrock is (1−x)² + 100(y−x²)².
func rosenbrock(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) }

// gradientDescent records n steps of plain gradient descent on Rosenbrock.
func gradientDescent(name string, x, y, lr float64, n int) plot.Path {
	p := plot.Path{Name: name}
	for range n {
		p.Points = append(p.Points, [2]float64{x, y})
		p.Losses = append(p.Losses, rosenbrock(x, y))
		gx := -2*(1-x) - 400*x*(y-x*x)
		gy := 200 * (y - x*x)
		x, y = x-lr*gx, y-lr*gy
	}
	return p
}

// A race of two learning rates on Rosenbrock's function, written as a PNG
// (to a file, in practice: plot.Race(f, "png", fig) with f from os.Create).
func ExampleRace() {
	grid, err := plot.NewGrid(-2, 2, 201, -1, 3, 201, rosenbrock)
	if err != nil {
		log.Fatal(err)
	}
	start := [2]float64{-1.5, 2.5}
	fig := plot.RaceFigure{
		Grid:      grid,
		Title:     "Gradient descent on Rosenbrock",
		XLabel:    "x",
		YLabel:    "y",
		ZLabel:    "f(x, y)",
		LogLevels: true, // the valley floor and the walls are decades apart
		Paths: []plot.Path{
			gradientDescent("lr = 1e-3", start[0], start[1], 1e-3, 2000),
			gradientDescent("lr = 2e-4", start[0], start[1], 2e-4, 2000),
		},
		Start:  &start,
		Minima: [][2]float64{{1, 1}},
	}
	var buf bytes.Buffer
	if err := plot.Race(&buf, "png", fig); err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d pixels\n", cfg.Width, cfg.Height)
	// Output: 1800×750 pixels
}

// The same race, animated: 30 frames of the paths growing.
func ExampleRaceGIF() {
	grid, err := plot.NewGrid(-2, 2, 101, -1, 3, 101, rosenbrock)
	if err != nil {
		log.Fatal(err)
	}
	fig := plot.RaceFigure{
		Grid:      grid,
		LogLevels: true,
		Paths:     []plot.Path{gradientDescent("gd", -1.5, 2.5, 1e-3, 500)},
		DPI:       60,
	}
	var buf bytes.Buffer
	if err := plot.RaceGIF(&buf, fig, 30, 100*time.Millisecond); err != nil {
		log.Fatal(err)
	}
	anim, err := gif.DecodeAll(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d frames of %d×%d\n", len(anim.Image), anim.Config.Width, anim.Config.Height)
	// Output: 30 frames of 720×300
}

// A 2-D loss landscape along two principal directions, as an SVG.
func ExampleContour() {
	grid, err := plot.NewGrid(-1, 1, 61, -1, 1, 61, func(a, b float64) float64 {
		return 0.3 + a*a + 3*b*b + 0.4*math.Sin(4*a)*math.Cos(3*b)
	})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	err = plot.Contour(&buf, "svg", plot.ContourFigure{
		Grid:   grid,
		Title:  "Loss landscape",
		XLabel: "α (PC1, 62.1%)",
		YLabel: "β (PC2, 20.3%)",
		ZLabel: "loss",
		Paths:  []plot.Path{{Name: "training", Points: [][2]float64{{-0.8, 0.7}, {-0.5, 0.3}, {-0.2, 0.1}, {0, 0}}}},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(bytes.HasPrefix(buf.Bytes(), []byte("<?xml")))
	// Output: true
}

// The learning-rate finder's curve: loss against learning rate on a log
// axis, with the suggested rates marked.
func ExampleLines() {
	var lrs, losses []float64
	for k := 0; k <= 60; k++ {
		lr := math.Pow(10, -6+6*float64(k)/60)
		lrs = append(lrs, lr)
		losses = append(losses, 2.3-1.5/(1+math.Exp(-3*(math.Log10(lr)+3)))+math.Exp(4*(math.Log10(lr)+0.5)))
	}
	var buf bytes.Buffer
	err := plot.Lines(&buf, "png", plot.LineChart{
		Title:   "Learning-rate range test",
		XLabel:  "learning rate",
		YLabel:  "loss",
		LogX:    true,
		Series:  []plot.Series{{Name: "loss", X: lrs, Y: losses}},
		Markers: []plot.Marker{{X: 1e-3, Label: "steepest: 1e-3"}, {X: 1e-2, Label: "min ÷ 10: 1e-2"}},
		YRange:  [2]float64{0, 3},
	})
	if err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d pixels\n", cfg.Width, cfg.Height)
	// Output: 1050×675 pixels
}

func ExampleNewGrid() {
	g, err := plot.NewGrid(-1, 1, 3, 0, 1, 2, func(x, y float64) float64 { return x*x - y })
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.X, g.Y)
	fmt.Println(g.Z)
	// Output:
	// [-1 0 1] [0 1]
	// [[1 0 1] [0 -1 0]]
}
