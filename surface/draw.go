package surface

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/descent-ml/descent/plot"
)

// DrawOptions says how DrawRace draws; the zero value draws a 201×201 grid
// over the function's domain with log-scaled levels where the values span
// decades, and a 60-frame animation for GIF.
type DrawOptions struct {
	Grid   int           // grid points per axis (default 201)
	Frames int           // GIF frames (default 60)
	Delay  time.Duration // GIF frame delay (default 80 ms)
	Title  string        // default: the function's spec
}

// FormatFor returns the picture format a file name asks for: "png", "svg"
// or "gif".
func FormatFor(path string) (string, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png", ".svg", ".gif":
		return ext[1:], nil
	default:
		return "", fmt.Errorf("cannot draw into %q: want a .png, .svg or .gif file", path)
	}
}

// DrawRace draws a race over fn (a 2-D function) as a contour/heat map with
// every trajectory, the start and the minima marked, and a loss-vs-step
// panel; format "gif" animates the race.
func DrawRace(w io.Writer, format string, fn *Function, results []Result, opt DrawOptions) error {
	if fn.Dim() != 2 {
		return fmt.Errorf("draw %s: a picture needs a 2-D function, this one has %d dimensions", fn.Spec(), fn.Dim())
	}
	n := opt.Grid
	if n <= 0 {
		n = 201
	}
	dom := fn.Domain()
	grid, err := plot.NewGrid(dom[0].Lo, dom[0].Hi, n, dom[1].Lo, dom[1].Hi, n, func(x, y float64) float64 {
		return fn.Value([]float64{x, y})
	})
	if err != nil {
		return fmt.Errorf("draw %s: %w", fn.Spec(), err)
	}
	fig := plot.RaceFigure{
		Grid:      grid,
		Title:     opt.Title,
		XLabel:    "x",
		YLabel:    "y",
		ZLabel:    "f(x, y)",
		LogLevels: spansDecades(grid.Z),
	}
	if fig.Title == "" {
		fig.Title = fn.Spec()
	}
	for _, c := range fn.Critical() {
		if c.Kind == Minimum {
			fig.Minima = append(fig.Minima, [2]float64{c.X[0], c.X[1]})
		}
	}
	for _, r := range results {
		p := plot.Path{Name: r.Name, Losses: r.Losses}
		for _, x := range r.Trajectory {
			p.Points = append(p.Points, [2]float64{x[0], x[1]})
		}
		fig.Paths = append(fig.Paths, p)
		if fig.Start == nil && len(p.Points) > 0 {
			s := p.Points[0]
			fig.Start = &s
		}
	}
	switch format {
	case "gif":
		frames := opt.Frames
		if frames <= 0 {
			frames = 60
		}
		return plot.RaceGIF(w, fig, frames, opt.Delay)
	default:
		return plot.Race(w, format, fig)
	}
}

// spansDecades reports whether a grid's values are non-negative and
// heavy-tailed: the median sits in the bottom tenth of the range, so a
// linear colour scale would paint most of the map one colour and
// log-scaled levels show it best (Rosenbrock's valley, Beale's).
func spansDecades(z [][]float64) bool {
	var vals []float64
	for _, row := range z {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				vals = append(vals, v)
			}
		}
	}
	if len(vals) == 0 {
		return false
	}
	slices.Sort(vals)
	lo, hi, med := vals[0], vals[len(vals)-1], vals[len(vals)/2]
	return lo >= 0 && hi > lo && med-lo < (hi-lo)/10
}
