package plot

import (
	"fmt"
	"image/color"
	"io"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one line of a [LineChart]: Y[k] against X[k]. A nil X plots Y
// against its index 0, 1, 2, …. Points with a non-finite coordinate, or a
// coordinate ≤ 0 on a log axis, are gaps in the line.
type Series struct {
	Name string
	X, Y []float64
}

// Marker is a labelled vertical line across a [LineChart] at X, such as a
// learning rate the LR finder suggests.
type Marker struct {
	X     float64
	Label string
}

// LineChart is a chart of one or more series: loss or accuracy against the
// epoch, loss against the learning rate, and so on.
type LineChart struct {
	// Title is drawn above the chart; XLabel and YLabel name the axes.
	Title, XLabel, YLabel string

	// Series are drawn in order, each in its own colour; the legend lists
	// them when any has a Name.
	Series []Series

	// LogX and LogY make an axis logarithmic.
	LogX, LogY bool

	// Points marks every data point with a dot as well as the line.
	Points bool

	// Markers are dashed vertical lines with their labels at the top.
	Markers []Marker

	// XRange and YRange fix an axis's range as {min, max}; the zero value
	// fits the axis to the data (and the markers) with a small margin.
	XRange, YRange [2]float64

	// Width and Height are the figure's size in inches (0 for 7 × 4.5);
	// DPI is the resolution of PNG output (0 for DefaultDPI).
	Width, Height float64
	DPI           int
}

// Lines draws a line chart and writes it to w as "png" or "svg".
func Lines(w io.Writer, format string, c LineChart) error {
	format, err := checkFormat(format)
	if err != nil {
		return err
	}
	pg, err := newPage(c.Width, c.Height, c.DPI, 7, 4.5, DefaultDPI)
	if err != nil {
		return err
	}
	ch, err := newLineChart(c)
	if err != nil {
		return err
	}
	return render(w, format, pg, func(dc draw.Canvas) {
		ch.draw(margins(drawTitle(dc, c.Title)))
	})
}

// lineChart is a checked chart ready to draw.
type lineChart struct {
	c      LineChart
	p      *gplot.Plot
	legend legendBox
}

func newLineChart(c LineChart) (*lineChart, error) {
	for i, s := range c.Series {
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plot: series %d (%q) has %d x values and %d y values", i+1, s.Name, len(s.X), len(s.Y))
		}
	}
	for _, m := range c.Markers {
		if !finite(m.X) || (c.LogX && m.X <= 0) {
			return nil, fmt.Errorf("plot: marker %q at x = %g cannot be drawn on this x axis", m.Label, m.X)
		}
	}
	ch := &lineChart{c: c, p: newPanel(c.XLabel, c.YLabel)}
	xr, yr := emptyRange(), emptyRange()
	for _, s := range c.Series {
		for k := range s.Y {
			x, y, ok := ch.point(s, k)
			if ok {
				xr.extend(x)
				yr.extend(y)
			}
		}
	}
	for _, m := range c.Markers {
		xr.extend(m.X)
	}
	if err := checkSpan("x values", xr); err != nil {
		return nil, err
	}
	if err := checkSpan("y values", yr); err != nil {
		return nil, err
	}
	var err error
	if xr, err = fixedRange("XRange", c.XRange, xr.padded(0.03, c.LogX), c.LogX); err != nil {
		return nil, err
	}
	if yr, err = fixedRange("YRange", c.YRange, yr.padded(0.05, c.LogY), c.LogY); err != nil {
		return nil, err
	}
	setRange(&ch.p.X, xr, c.LogX)
	setRange(&ch.p.Y, yr, c.LogY)

	var entries []legendEntry
	named := false
	for i, s := range c.Series {
		named = named || s.Name != ""
		sty := ch.style(i)
		e := legendEntry{label: seriesName(s, i), line: &sty, color: seriesColor(i)}
		if c.Points {
			e.marker = dotMarker
		}
		entries = append(entries, e)
	}
	if named {
		ch.legend = newLegendBox(entries)
	}
	return ch, nil
}

func seriesName(s Series, i int) string {
	if s.Name == "" {
		return fmt.Sprintf("series %d", i+1)
	}
	return s.Name
}

// fixedRange is the user's range r if set (checked), else auto.
func fixedRange(name string, r [2]float64, auto axisRange, log bool) (axisRange, error) {
	if r == [2]float64{} {
		return auto, nil
	}
	if !finite(r[0]) || !finite(r[1]) || !(r[1] > r[0]) || (log && r[0] <= 0) {
		return axisRange{}, fmt.Errorf("plot: %s %v must be finite and increasing (and positive on a log axis)", name, r)
	}
	return axisRange{r[0], r[1]}, nil
}

// point is the k-th point of s, and whether it can be drawn.
func (ch *lineChart) point(s Series, k int) (x, y float64, ok bool) {
	x, y = float64(k), s.Y[k]
	if s.X != nil {
		x = s.X[k]
	}
	ok = finite(x) && finite(y) && (!ch.c.LogX || x > 0) && (!ch.c.LogY || y > 0)
	return x, y, ok
}

func (ch *lineChart) style(i int) draw.LineStyle {
	return draw.LineStyle{Color: seriesColor(i), Width: pt(2), Dashes: seriesDashes(i)}
}

func (ch *lineChart) draw(c draw.Canvas) {
	dataC := dataArea(ch.p, c)
	drawGrid(dataC, ch.p)
	trX, trY := ch.p.Transforms(&dataC)
	var all [][]vg.Point
	for i, s := range ch.c.Series {
		lines := runs(len(s.Y), func(k int) (vg.Point, bool) {
			x, y, ok := ch.point(s, k)
			if !ok {
				return vg.Point{}, false
			}
			return vg.Point{X: trX(x), Y: trY(y)}, true
		})
		strokeRuns(dataC, ch.style(i), nil, lines)
		all = append(all, lines...)
		if ch.c.Points {
			for _, l := range lines {
				for _, q := range l {
					if dataC.Contains(q) {
						drawMarker(dataC, dotMarker, q, seriesColor(i))
					}
				}
			}
		}
	}
	marks := ch.drawMarkers(dataC, trX)
	drawAxes(ch.p, dataC)
	ch.legend.draw(dataC, ch.legend.place(dataC, append(densify(all, pt(4)), marks...)))
}

// drawMarkers draws the vertical marker lines with their labels stacked
// down from the top of the data area, and returns points they cover.
func (ch *lineChart) drawMarkers(c draw.Canvas, trX func(float64) vg.Length) (obstacles []vg.Point) {
	line := draw.LineStyle{Color: inkColor, Width: pt(1.2), Dashes: []vg.Length{pt(5), pt(3)}}
	sty := textStyle(noteSize, false, draw.XLeft, draw.YTop)
	rowH := pt(noteSize * 1.6)
	for _, m := range ch.c.Markers {
		if x := trX(m.X); c.ContainsX(x) {
			c.StrokeLine2(line, x, c.Min.Y, x, c.Max.Y)
			obstacles = append(obstacles, densify([][]vg.Point{{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}}}, pt(4))...)
		}
	}
	for k, m := range ch.c.Markers {
		x := trX(m.X)
		if !c.ContainsX(x) || m.Label == "" {
			continue
		}
		w, h := sty.Width(m.Label), sty.Height(m.Label)
		y := c.Max.Y - pt(6) - rowH*vg.Length(k)
		tx := x + pt(5)
		if tx+w > c.Max.X-pt(4) {
			tx = x - pt(5) - w
		}
		box := vg.Rectangle{Min: vg.Point{X: tx - pt(2.5), Y: y - h - pt(1.5)}, Max: vg.Point{X: tx + w + pt(2.5), Y: y + pt(1.5)}}
		fillRect(c, box, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xd8})
		c.FillText(sty, vg.Point{X: tx, Y: y}, m.Label)
		obstacles = append(obstacles, densify([][]vg.Point{{box.Min, {X: box.Max.X, Y: box.Min.Y}, box.Max, {X: box.Min.X, Y: box.Max.Y}, box.Min}}, pt(4))...)
	}
	return obstacles
}
