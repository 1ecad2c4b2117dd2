package plot

import (
	"io"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// RaceFigure is an optimizer race over a 2-D function: on the left a heat
// map of the function with contour lines and a colour bar, the paths the
// optimizers took, the start point and the minima; on the right the loss
// of every path against the step, in the same colours.
type RaceFigure struct {
	Grid

	// Title is drawn above both panels; XLabel and YLabel name the map's
	// axes and ZLabel its colour bar.
	Title, XLabel, YLabel, ZLabel string

	// LogLevels spaces colours and contour levels evenly in log10 of the
	// values, for functions that span decades such as Rosenbrock's (see
	// the package documentation for values ≤ 0).
	LogLevels bool

	// Levels is about how many contour lines to draw, at round values:
	// 0 for 12, negative for none.
	Levels int

	// Paths are the racers. Points[k] is where a path is after k steps
	// and Losses[k] its loss there; either may be shorter or empty.
	Paths []Path

	// Start, if not nil, is marked with a large white disc; Minima are
	// marked with gold stars.
	Start  *[2]float64
	Minima [][2]float64

	// StepLabel and LossLabel name the loss panel's axes ("step" and
	// "loss" when empty). The loss axis is logarithmic when every finite
	// loss is positive.
	StepLabel, LossLabel string

	// Width and Height are the figure's size in inches: 0 for 12 × 5, or
	// 7 × 5.5 when no path has losses and the loss panel is left out. DPI
	// is the resolution of PNG output (0 for DefaultDPI) and of RaceGIF's
	// frames (0 for 100).
	Width, Height float64
	DPI           int
}

// Race draws an optimizer race (see [RaceFigure]) and writes it to w as
// "png" or "svg".
func Race(w io.Writer, format string, r RaceFigure) error {
	format, err := checkFormat(format)
	if err != nil {
		return err
	}
	f, err := newRaceFig(r, DefaultDPI)
	if err != nil {
		return err
	}
	return render(w, format, f.pg, func(c draw.Canvas) {
		f.drawStatic(c)
		f.drawOverlay(c, -1)
	})
}

// raceFig is a laid-out race figure.
type raceFig struct {
	pg     page
	title  string
	m      *mapPanel
	l      *lossPanel // nil when no path has losses
	legend legendBox
}

func newRaceFig(r RaceFigure, defDPI int) (*raceFig, error) {
	l, err := newLossPanel(r.Paths, or(r.StepLabel, "step"), or(r.LossLabel, "loss"))
	if err != nil {
		return nil, err
	}
	w, h := 12.0, 5.0
	if l == nil {
		w, h = 7, 5.5
	}
	pg, err := newPage(r.Width, r.Height, r.DPI, w, h, defDPI)
	if err != nil {
		return nil, err
	}
	m, err := newMapPanel(mapSpec{
		grid: r.Grid, xlabel: r.XLabel, ylabel: r.YLabel, zlabel: r.ZLabel,
		logLevels: r.LogLevels, levels: r.Levels,
		paths: r.Paths, start: r.Start, minima: r.Minima,
	})
	if err != nil {
		return nil, err
	}
	return &raceFig{
		pg: pg, title: r.Title, m: m, l: l,
		legend: newLegendBox(pathLegend(r.Paths, r.Start != nil, len(r.Minima) > 0)),
	}, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// split lays out the title and returns the map's and loss panel's canvases.
func (f *raceFig) split(c draw.Canvas) (mapC, lossC draw.Canvas) {
	c = margins(drawTitleSpace(c, f.title))
	if f.l == nil {
		return c, draw.Canvas{}
	}
	w := c.Max.X - c.Min.X
	mapW := w * 0.545
	mapC = draw.Crop(c, 0, mapW-w, 0, 0)
	lossC = draw.Crop(c, mapW+pt(22), 0, 0, 0)
	return mapC, lossC
}

// drawStatic draws what does not change as the paths grow.
func (f *raceFig) drawStatic(c draw.Canvas) {
	drawTitle(c, f.title)
	mapC, lossC := f.split(c)
	f.m.drawStatic(mapC)
	if f.l != nil {
		f.l.drawStatic(lossC)
	}
}

// drawOverlay draws the first upto steps of every path (all for upto < 0)
// and the legend.
func (f *raceFig) drawOverlay(c draw.Canvas, upto int) {
	mapC, lossC := f.split(c)
	dataC := f.m.drawOverlay(mapC, upto)
	if f.l == nil {
		f.legend.draw(c, f.legend.place(dataC, f.m.obstacles(mapC)))
		return
	}
	lossData := f.l.drawOverlay(lossC, upto)
	f.legend.draw(c, f.legend.place(lossData, f.l.obstacles(lossC)))
}

// steps is the number of steps of the longest path.
func (f *raceFig) steps() int {
	n := 0
	for _, p := range f.m.paths.paths {
		n = max(n, p.steps())
	}
	return n
}

// drawTitleSpace returns the canvas below the title without drawing it.
func drawTitleSpace(c draw.Canvas, title string) draw.Canvas {
	top := pt(6)
	if title == "" {
		return draw.Crop(c, 0, 0, 0, -top)
	}
	sty := textStyle(titleSize, true, draw.XCenter, draw.YTop)
	return draw.Crop(c, 0, 0, 0, -(top + sty.Height(title) + pt(6)))
}

// lossPanel is the loss of every path against the step.
type lossPanel struct {
	p     *gplot.Plot
	log   bool
	paths []Path
	upto  int
}

// newLossPanel returns nil when no path has losses.
func newLossPanel(paths []Path, xlabel, ylabel string) (*lossPanel, error) {
	steps, any := 0, false
	for _, p := range paths {
		steps = max(steps, len(p.Losses))
		any = any || len(p.Losses) > 0
	}
	if !any {
		return nil, nil
	}
	l := &lossPanel{p: newPanel(xlabel, ylabel), paths: paths, upto: -1}
	l.log = true
	yr := emptyRange()
	for _, p := range paths {
		for _, v := range p.Losses {
			if finite(v) {
				yr.extend(v)
				l.log = l.log && v > 0
			}
		}
	}
	if !yr.ok() {
		l.log = false
	}
	xr := axisRange{0, float64(max(steps-1, 1))}
	setRange(&l.p.X, xr.padded(0.02, false), false)
	l.p.X.Tick.Marker = stepTicker{}
	if err := checkSpan("losses", yr); err != nil {
		return nil, err
	}
	setRange(&l.p.Y, yr.padded(0.05, l.log), l.log)
	return l, nil
}

func (l *lossPanel) drawStatic(c draw.Canvas) {
	dataC := dataArea(l.p, c)
	drawGrid(dataC, l.p)
	drawAxes(l.p, dataC)
}

func (l *lossPanel) lines(c draw.Canvas, path Path) [][]vg.Point {
	trX, trY := l.p.Transforms(&c)
	n := len(path.Losses)
	if l.upto >= 0 {
		n = min(n, l.upto)
	}
	return runs(n, func(k int) (vg.Point, bool) {
		v := path.Losses[k]
		if !finite(v) || (l.log && v <= 0) {
			return vg.Point{}, false
		}
		return vg.Point{X: trX(float64(k)), Y: trY(v)}, true
	})
}

// drawOverlay draws the first upto losses of every path (all for upto < 0)
// and returns the data area.
func (l *lossPanel) drawOverlay(c draw.Canvas, upto int) draw.Canvas {
	dataC := dataArea(l.p, c)
	l.upto = upto
	for i, path := range l.paths {
		sty := draw.LineStyle{Color: seriesColor(i), Width: pt(1.8), Dashes: seriesDashes(i)}
		lines := l.lines(dataC, path)
		strokeRuns(dataC, sty, nil, lines)
		if len(lines) > 0 {
			last := lines[len(lines)-1]
			if q := last[len(last)-1]; dataC.Contains(q) {
				drawMarker(dataC, dotMarker, q, seriesColor(i))
			}
		}
	}
	return dataC
}

func (l *lossPanel) obstacles(c draw.Canvas) []vg.Point {
	dataC := dataArea(l.p, c)
	l.upto = -1
	var lines [][]vg.Point
	for _, path := range l.paths {
		lines = append(lines, l.lines(dataC, path)...)
	}
	return densify(lines, pt(4))
}
