package plot

import (
	"io"

	"gonum.org/v1/plot/vg/draw"
)

// ContourFigure is a 2-D landscape on its own: a heat map with contour lines
// and a colour bar, with optional paths, start point and minima drawn over
// it as in [Race].
type ContourFigure struct {
	Grid

	// Title is drawn above the figure; XLabel and YLabel name the axes
	// (for a loss landscape, say "α (PC1, 62.1%)"); ZLabel names the
	// colour bar.
	Title, XLabel, YLabel, ZLabel string

	// LogLevels spaces colours and contour levels evenly in log10 of the
	// values (see the package documentation for values ≤ 0).
	LogLevels bool

	// Levels is about how many contour lines to draw, at round values:
	// 0 for 12, negative for none.
	Levels int

	// Paths are drawn over the map, each in its own colour with a ring at
	// its first point and a dot at its last; their Losses are not used.
	Paths []Path

	// Start, if not nil, is marked with a large white disc; Minima are
	// marked with gold stars. StartLabel names the disc in the legend
	// ("start" when empty; a loss landscape says "checkpoint").
	Start      *[2]float64
	StartLabel string
	Minima     [][2]float64

	// Width and Height are the figure's size in inches (0 for 7 × 5.5);
	// DPI is the resolution of PNG output (0 for DefaultDPI).
	Width, Height float64
	DPI           int
}

// Contour draws a heat map of a grid with contour lines, a colour bar and
// any paths, start point and minima over it, and writes it to w as "png" or
// "svg". The legend, when there is something to name, sits in the corner of
// the map that the paths cross least.
func Contour(w io.Writer, format string, f ContourFigure) error {
	format, err := checkFormat(format)
	if err != nil {
		return err
	}
	pg, err := newPage(f.Width, f.Height, f.DPI, 7, 5.5, DefaultDPI)
	if err != nil {
		return err
	}
	m, err := newMapPanel(mapSpec{
		grid: f.Grid, xlabel: f.XLabel, ylabel: f.YLabel, zlabel: f.ZLabel,
		logLevels: f.LogLevels, levels: f.Levels,
		paths: f.Paths, start: f.Start, minima: f.Minima,
	})
	if err != nil {
		return err
	}
	entries := pathLegend(f.Paths, f.Start != nil, len(f.Minima) > 0)
	if f.Start != nil && f.StartLabel != "" {
		entries[len(f.Paths)].label = f.StartLabel
	}
	legend := newLegendBox(entries)
	return render(w, format, pg, func(c draw.Canvas) {
		c = margins(drawTitle(c, f.Title))
		m.drawStatic(c)
		dataC := m.drawOverlay(c, -1)
		legend.draw(c, legend.place(dataC, m.obstacles(c)))
	})
}

// margins leaves a little white space around a figure's panels.
func margins(c draw.Canvas) draw.Canvas {
	return draw.Crop(c, pt(8), -pt(10), pt(6), 0)
}
