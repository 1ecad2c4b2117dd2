package plot

import (
	"math"
	"testing"
)

// rosenbrock is (1−x)² + 100(y−x²)², minimum 0 at (1, 1).
func rosenbrock(x, y float64) float64 { return (1-x)*(1-x) + 100*(y-x*x)*(y-x*x) }

func rosenbrockGrad(x, y float64) (float64, float64) {
	return -2*(1-x) - 400*x*(y-x*x), 200 * (y - x*x)
}

// rosenbrockGrid samples Rosenbrock on x ∈ [−2, 2], y ∈ [−1, 3].
func rosenbrockGrid(t testing.TB, n int) Grid {
	t.Helper()
	g, err := NewGrid(-2, 2, n, -1, 3, n, rosenbrock)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// descend runs heavy-ball gradient descent on Rosenbrock from (x, y) and
// records every point and loss.
func descend(name string, x, y, lr, momentum float64, steps int) Path {
	p := Path{Name: name}
	var vx, vy float64
	for range steps + 1 {
		p.Points = append(p.Points, [2]float64{x, y})
		p.Losses = append(p.Losses, rosenbrock(x, y))
		gx, gy := rosenbrockGrad(x, y)
		vx, vy = momentum*vx+gx, momentum*vy+gy
		x, y = x-lr*vx, y-lr*vy
		if math.IsNaN(x) || math.Abs(x) > 1e6 {
			break
		}
	}
	return p
}

// rosenbrockRace is a race of plain and heavy-ball gradient descent from
// (−1.5, 2.5).
func rosenbrockRace(t testing.TB, n int) RaceFigure {
	start := [2]float64{-1.5, 2.5}
	return RaceFigure{
		Grid:      rosenbrockGrid(t, n),
		Title:     "Rosenbrock: gradient descent with and without momentum",
		XLabel:    "x",
		YLabel:    "y",
		ZLabel:    "f(x, y)",
		LogLevels: true,
		Paths: []Path{
			descend("GD, lr=1e-3", start[0], start[1], 1e-3, 0, 1500),
			descend("momentum 0.9, lr=1e-3", start[0], start[1], 1e-3, 0.9, 1500),
		},
		Start:  &start,
		Minima: [][2]float64{{1, 1}},
	}
}

// saddleGrid samples x² − y² on [−2, 2]².
func saddleGrid(t testing.TB, n int) Grid {
	t.Helper()
	g, err := NewGrid(-2, 2, n, -2, 2, n, func(x, y float64) float64 { return x*x - y*y })
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// lrFinderChart is a made-up learning-rate range test: loss against the
// learning rate from 1e-7 to 10, falling from about 2.3, flattening and
// then blowing up.
func lrFinderChart() LineChart {
	var lr, loss, smooth []float64
	avg := 0.0
	for k := 0; k <= 100; k++ {
		r := math.Pow(10, -7+8*float64(k)/100)
		l := 2.3 - 1.6/(1+math.Exp(-2.2*(math.Log10(r)+3.3))) + 0.6*math.Exp(3*(math.Log10(r)+0.2))
		l += 0.06 * math.Sin(float64(k)*1.7)
		avg = 0.8*avg + 0.2*l
		lr = append(lr, r)
		loss = append(loss, l)
		smooth = append(smooth, avg/(1-math.Pow(0.8, float64(k+1))))
	}
	return LineChart{
		Title:  "Learning-rate range test",
		XLabel: "learning rate",
		YLabel: "loss",
		LogX:   true,
		Series: []Series{
			{Name: "loss", X: lr, Y: loss},
			{Name: "smoothed", X: lr, Y: smooth},
		},
		Markers: []Marker{
			{X: 5e-4, Label: "steepest descent: 5e-4"},
			{X: 3e-3, Label: "min loss ÷ 10: 3e-3"},
		},
		YRange: [2]float64{0, 3.2},
	}
}
