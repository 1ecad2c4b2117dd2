package plot

import (
	"image"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// defaultLevels is the number of contour levels asked for when a figure's
// Levels is zero.
const defaultLevels = 12

// mapSpec is what a heat map panel shows.
type mapSpec struct {
	grid                   Grid
	xlabel, ylabel, zlabel string
	logLevels              bool
	levels                 int
	paths                  []Path
	start                  *[2]float64
	minima                 [][2]float64
}

// mapPanel is a heat map with contour lines, a colour bar on its right and
// optimizer paths over it.
type mapPanel struct {
	p       *gplot.Plot
	scale   zscale
	cbLabel string
	cbTicks []gplot.Tick
	levels  []float64
	paths   *pathLayer
	heat    *heatLayer
	iso     *contourLayer
}

func newMapPanel(s mapSpec) (*mapPanel, error) {
	if err := s.grid.check(); err != nil {
		return nil, err
	}
	sc, err := newScale(s.grid, s.logLevels)
	if err != nil {
		return nil, err
	}
	n := s.levels
	if n == 0 {
		n = defaultLevels
	}
	m := &mapPanel{
		p:       newPanel(s.xlabel, s.ylabel),
		scale:   sc,
		cbLabel: sc.label(s.zlabel),
		cbTicks: sc.ticks(),
		levels:  sc.levels(n),
		paths:   &pathLayer{paths: s.paths, start: s.start, minima: s.minima, upto: -1},
	}
	g := s.grid
	setRange(&m.p.X, axisRange{g.X[0], g.X[len(g.X)-1]}, false)
	setRange(&m.p.Y, axisRange{g.Y[0], g.Y[len(g.Y)-1]}, false)
	t := sc.tgrid(g)
	m.heat, m.iso = newHeatLayer(g, t, sc), newContourLayer(g, t, sc, m.levels)
	return m, nil
}

const (
	cbGap   = 10  // points between the map and its colour bar
	cbWidth = 13  // points
	cbTick  = 3.5 // points
)

// colorBarSpace is the width the colour bar takes right of the map.
func (m *mapPanel) colorBarSpace() vg.Length {
	tick := textStyle(tickSize, false, draw.XLeft, draw.YCenter)
	var w vg.Length
	for _, t := range m.cbTicks {
		w = max(w, tick.Width(t.Label))
	}
	space := vg.Points(cbGap+cbWidth+cbTick+3) + w + vg.Points(8)
	if m.cbLabel != "" {
		space += textStyle(labelSize, false, draw.XCenter, draw.YTop).Height(m.cbLabel) + vg.Points(2)
	}
	return space
}

// layout splits the panel's canvas into the plot's and returns that and
// its data area.
func (m *mapPanel) layout(c draw.Canvas) (plotC, dataC draw.Canvas) {
	plotC = draw.Crop(c, 0, -m.colorBarSpace(), 0, 0)
	return plotC, dataArea(m.p, plotC)
}

// drawStatic draws all but the paths: heat map, contours, axes, colour bar.
func (m *mapPanel) drawStatic(c draw.Canvas) {
	_, dataC := m.layout(c)
	fillRect(dataC, dataC.Rectangle, gapColor)
	m.heat.Plot(dataC, m.p)
	m.iso.Plot(dataC, m.p)
	drawAxes(m.p, dataC)
	m.drawColorBar(c, vg.Rectangle{
		Min: vg.Point{X: dataC.Max.X + vg.Points(cbGap), Y: dataC.Min.Y},
		Max: vg.Point{X: dataC.Max.X + vg.Points(cbGap+cbWidth), Y: dataC.Max.Y},
	})
}

// drawOverlay draws the first upto points of every path (all for upto < 0)
// and returns the data area.
func (m *mapPanel) drawOverlay(c draw.Canvas, upto int) draw.Canvas {
	_, dataC := m.layout(c)
	m.paths.upto = upto
	m.paths.Plot(dataC, m.p)
	return dataC
}

// obstacles are the points the full paths cover on the map's data area.
func (m *mapPanel) obstacles(c draw.Canvas) []vg.Point {
	_, dataC := m.layout(c)
	m.paths.upto = -1
	return m.paths.obstacles(dataC, m.p)
}

func (m *mapPanel) drawColorBar(c draw.Canvas, bar vg.Rectangle) {
	const n = 256
	img := image.NewNRGBA(image.Rect(0, 0, 1, n))
	for k := range n {
		img.SetNRGBA(0, n-1-k, viridis(float64(k)/(n-1)))
	}
	c.DrawImage(bar, img)
	h := bar.Max.Y - bar.Min.Y
	yOf := func(t float64) vg.Length { return bar.Min.Y + h*vg.Length(m.scale.frac(t)) }
	for _, lv := range m.levels {
		marks := draw.LineStyle{Color: levelColor(m.scale.frac(lv)), Width: vg.Points(0.6)}
		c.StrokeLine2(marks, bar.Min.X, yOf(lv), bar.Max.X, yOf(lv))
	}
	ink := draw.LineStyle{Color: inkColor, Width: vg.Points(0.8)}
	c.StrokeLines(ink, []vg.Point{bar.Min, {X: bar.Max.X, Y: bar.Min.Y}, bar.Max, {X: bar.Min.X, Y: bar.Max.Y}, bar.Min})
	tick := textStyle(tickSize, false, draw.XLeft, draw.YCenter)
	var labelW vg.Length
	for _, t := range m.cbTicks {
		if t.Value < m.scale.tmin-1e-9 || t.Value > m.scale.tmax+1e-9 || math.IsNaN(t.Value) {
			continue
		}
		y := yOf(t.Value)
		l := vg.Points(cbTick)
		if t.Label == "" {
			l /= 2
		}
		c.StrokeLine2(ink, bar.Max.X, y, bar.Max.X+l, y)
		if t.Label != "" {
			c.FillText(tick, vg.Point{X: bar.Max.X + vg.Points(cbTick+3), Y: y}, t.Label)
			labelW = max(labelW, tick.Width(t.Label))
		}
	}
	if m.cbLabel != "" {
		sty := textStyle(labelSize, false, draw.XCenter, draw.YTop)
		sty.Rotation = math.Pi / 2
		x := bar.Max.X + vg.Points(cbTick+3) + labelW + vg.Points(7)
		c.FillText(sty, vg.Point{X: x, Y: bar.Min.Y + h/2}, m.cbLabel)
	}
}
