package plot

import (
	"fmt"
	"image/color"
	"math"

	xfont "golang.org/x/image/font"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The house style: colours, fonts and line widths shared by every figure.
var (
	inkColor   = color.NRGBA{R: 0x22, G: 0x22, B: 0x22, A: 0xff} // text and axes
	gridColor  = color.NRGBA{R: 0xe4, G: 0xe4, B: 0xe4, A: 0xff} // line-chart grid
	gapColor   = color.NRGBA{R: 0xd4, G: 0xd4, B: 0xd4, A: 0xff} // behind heat maps: NaN cells
	haloColor  = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe6} // under paths on heat maps
	levelDark  = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0x55} // contour lines on light colours
	levelLight = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x60} // contour lines on dark colours
	starColor  = color.NRGBA{R: 0xff, G: 0xd7, B: 0x00, A: 0xff} // minima
	whiteColor = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
)

// seriesColors are Tableau 10, the default colours of matplotlib: ten hues
// that stay distinct from one another, in print and for most colour-blind
// readers.
var seriesColors = []color.NRGBA{
	{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, // blue
	{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}, // orange
	{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, // green
	{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, // red
	{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, // purple
	{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff}, // brown
	{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, // pink
	{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff}, // grey
	{R: 0xbc, G: 0xbd, B: 0x22, A: 0xff}, // olive
	{R: 0x17, G: 0xbe, B: 0xcf, A: 0xff}, // cyan
}

// seriesColor is the colour of the i-th series.
func seriesColor(i int) color.NRGBA { return seriesColors[i%len(seriesColors)] }

// seriesDashes is the dash pattern of the i-th series: solid for the first
// ten, then dashed and dotted as the colours repeat.
func seriesDashes(i int) []vg.Length {
	switch (i / len(seriesColors)) % 3 {
	case 1:
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case 2:
		return []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	}
	return nil
}

// Font sizes, in points.
const (
	titleSize  = 15
	labelSize  = 12.5
	tickSize   = 10.5
	legendSize = 10.5
	noteSize   = 10
)

func sans(size vg.Length, bold bool) font.Font {
	f := font.Font{Typeface: "Liberation", Variant: "Sans", Size: size}
	if bold {
		f.Weight = xfont.WeightBold
	}
	return f
}

func textStyle(size vg.Length, bold bool, xa text.XAlignment, ya text.YAlignment) text.Style {
	return text.Style{
		Color:   inkColor,
		Font:    sans(size, bold),
		XAlign:  xa,
		YAlign:  ya,
		Handler: handler,
	}
}

// newPanel returns a gonum plot holding a panel's axes: their labels, and,
// once setRange is called, their ranges, scales and tickers (axes.go draws
// them).
func newPanel(xlabel, ylabel string) *gplot.Plot {
	p := gplot.New()
	for _, a := range []*gplot.Axis{&p.X, &p.Y} {
		a.Tick.Label = textStyle(tickSize, false, draw.XCenter, draw.YTop)
		a.Label.TextStyle = textStyle(labelSize, false, draw.XCenter, draw.YTop)
		a.Tick.Marker = linearTicker{}
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	return p
}

// setRange fixes an axis range and, for log axes, the scale and ticks.
func setRange(a *gplot.Axis, r axisRange, log bool) {
	a.Min, a.Max = r.min, r.max
	if log {
		a.Scale = gplot.LogScale{}
		a.Tick.Marker = logTicker{}
	}
}

// frame outlines a panel's data area.
func frame(c draw.Canvas) {
	c.StrokeLines(draw.LineStyle{Color: inkColor, Width: vg.Points(0.8)}, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Min.Y},
	})
}

// fillRect fills a rectangle of a canvas.
func fillRect(c draw.Canvas, r vg.Rectangle, col color.Color) {
	c.SetColor(col)
	c.Fill(r.Path())
}

// drawTitle writes a figure title centred at the top of c and returns the
// canvas below it.
func drawTitle(c draw.Canvas, title string) draw.Canvas {
	top := vg.Points(6)
	if title == "" {
		return draw.Crop(c, 0, 0, 0, -top)
	}
	sty := textStyle(titleSize, true, draw.XCenter, draw.YTop)
	c.FillText(sty, vg.Point{X: c.Center().X, Y: c.Max.Y - top}, title)
	return draw.Crop(c, 0, 0, 0, -(top + sty.Height(title) + vg.Points(6)))
}

// axisRange is a closed interval of data values.
type axisRange struct{ min, max float64 }

// emptyRange is the identity for extend.
func emptyRange() axisRange { return axisRange{math.Inf(1), math.Inf(-1)} }

func (r *axisRange) extend(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	r.min = math.Min(r.min, v)
	r.max = math.Max(r.max, v)
}

func (r axisRange) ok() bool { return r.min <= r.max }

// checkSpan rejects values whose range overflows float64 and so cannot be
// drawn to scale.
func checkSpan(what string, r axisRange) error {
	if r.ok() && math.IsInf(r.max-r.min, 0) {
		return fmt.Errorf("plot: %s from %g to %g span more than a float64 holds", what, r.min, r.max)
	}
	return nil
}

// padded widens r by frac of its width on each side, in log space for log
// axes, and gives a zero-width or empty range a sensible width.
func (r axisRange) padded(frac float64, log bool) axisRange {
	if !r.ok() {
		if log {
			return axisRange{1, 10}
		}
		return axisRange{0, 1}
	}
	if log {
		lo, hi := math.Log10(r.min), math.Log10(r.max)
		if hi-lo < 1e-9 {
			lo, hi = lo-0.5, hi+0.5
		}
		d := (hi - lo) * frac
		return axisRange{math.Pow(10, lo-d), math.Pow(10, hi+d)}
	}
	lo, hi := r.min, r.max
	if hi-lo <= 1e-12*math.Max(math.Abs(lo), math.Abs(hi)) {
		w := math.Max(math.Abs(lo)*0.1, 0.5)
		lo, hi = lo-w, hi+w
	}
	d := (hi - lo) * frac
	return axisRange{lo - d, hi + d}
}

// pt is a length in points.
func pt(v float64) vg.Length { return vg.Points(v) }

// drawGrid draws light lines at the labelled ticks of both axes across the
// data area dataC.
func drawGrid(dataC draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&dataC)
	sty := draw.LineStyle{Color: gridColor, Width: vg.Points(0.6)}
	for _, t := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if t.Label != "" && t.Value > p.X.Min && t.Value < p.X.Max {
			x := trX(t.Value)
			dataC.StrokeLine2(sty, x, dataC.Min.Y, x, dataC.Max.Y)
		}
	}
	for _, t := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if t.Label != "" && t.Value > p.Y.Min && t.Value < p.Y.Max {
			y := trY(t.Value)
			dataC.StrokeLine2(sty, dataC.Min.X, y, dataC.Max.X, y)
		}
	}
}
