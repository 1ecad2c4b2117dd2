package plot

import (
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The panels use gonum's Plot for its axes' ranges, scales, tickers and
// coordinate transforms, but lay out and draw the axes here, so that the
// frame, the tick marks and the data area always line up.

const (
	tickLen = 4   // points, outward
	tickPad = 3.5 // points between a tick mark and its label
)

// inRange reports whether v lies on the axis (within rounding).
func inRange(a *gplot.Axis, v float64) bool {
	tol := 1e-9 * (a.Max - a.Min)
	return !math.IsNaN(v) && v >= a.Min-tol && v <= a.Max+tol
}

// axisTicks are an axis's ticks within its range.
func axisTicks(a *gplot.Axis) []gplot.Tick {
	var out []gplot.Tick
	for _, t := range a.Tick.Marker.Ticks(a.Min, a.Max) {
		if inRange(a, t.Value) {
			out = append(out, t)
		}
	}
	return out
}

// dataArea is the part of a panel's canvas c inside its axes.
func dataArea(p *gplot.Plot, c draw.Canvas) draw.Canvas {
	xs, ys := p.X.Tick.Label, p.Y.Tick.Label
	var yTickW vg.Length
	for _, t := range axisTicks(&p.Y) {
		yTickW = max(yTickW, ys.Width(t.Label))
	}
	left := pt(tickLen+tickPad) + yTickW + pt(2)
	if p.Y.Label.Text != "" {
		left += pt(6) + p.Y.Label.TextStyle.Height(p.Y.Label.Text)
	}
	bottom := pt(tickLen+tickPad) + xs.Height("0")
	if p.X.Label.Text != "" {
		bottom += pt(5) + p.X.Label.TextStyle.Height(p.X.Label.Text)
	}
	top := ys.Height("0")/2 + pt(2)
	// Room on the right for half the last x tick label.
	d := draw.Crop(c, left, 0, bottom, -top)
	var right vg.Length
	for _, t := range axisTicks(&p.X) {
		if t.Label == "" {
			continue
		}
		x := d.X(p.X.Norm(t.Value))
		right = max(right, x+xs.Width(t.Label)/2-d.Max.X)
	}
	return draw.Crop(d, 0, -(right + pt(2)), 0, 0)
}

// drawAxes draws the frame around the data area dataC, the tick marks and
// their labels, and the axis labels.
func drawAxes(p *gplot.Plot, dataC draw.Canvas) {
	frame(dataC)
	ink := draw.LineStyle{Color: inkColor, Width: pt(0.8)}
	xs := p.X.Tick.Label
	xs.XAlign, xs.YAlign = draw.XCenter, draw.YTop
	ys := p.Y.Tick.Label
	ys.XAlign, ys.YAlign = draw.XRight, draw.YCenter
	length := func(t gplot.Tick) vg.Length {
		if t.Label == "" {
			return pt(tickLen / 2)
		}
		return pt(tickLen)
	}
	for _, t := range axisTicks(&p.X) {
		x := dataC.X(p.X.Norm(t.Value))
		dataC.StrokeLine2(ink, x, dataC.Min.Y, x, dataC.Min.Y-length(t))
		if t.Label != "" {
			dataC.FillText(xs, vg.Point{X: x, Y: dataC.Min.Y - pt(tickLen+tickPad)}, t.Label)
		}
	}
	var yTickW vg.Length
	for _, t := range axisTicks(&p.Y) {
		y := dataC.Y(p.Y.Norm(t.Value))
		dataC.StrokeLine2(ink, dataC.Min.X, y, dataC.Min.X-length(t), y)
		if t.Label != "" {
			dataC.FillText(ys, vg.Point{X: dataC.Min.X - pt(tickLen+tickPad), Y: y}, t.Label)
			yTickW = max(yTickW, ys.Width(t.Label))
		}
	}
	if s := p.X.Label.Text; s != "" {
		sty := p.X.Label.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		y := dataC.Min.Y - pt(tickLen+tickPad) - xs.Height("0") - pt(5)
		dataC.FillText(sty, vg.Point{X: dataC.Center().X, Y: y}, s)
	}
	if s := p.Y.Label.Text; s != "" {
		sty := p.Y.Label.TextStyle
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
		sty.Rotation = math.Pi / 2
		x := dataC.Min.X - pt(tickLen+tickPad) - yTickW - pt(6)
		dataC.FillText(sty, vg.Point{X: x, Y: dataC.Center().Y}, s)
	}
}
