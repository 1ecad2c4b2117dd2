package plot

import (
	"image/color"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// markerKind is the shape of a point marker.
type markerKind int

const (
	noMarker    markerKind = iota
	dotMarker              // filled circle with a white rim: path ends, chart points
	ringMarker             // small open circle: path starts
	startMarker            // large white disc with a dark rim: the common start
	starMarker             // gold star with a dark rim: minima
	pointMarker            // small dot with a white rim: a path's points
)

// drawMarker draws a marker of the given kind and colour centred on pt.
func drawMarker(c draw.Canvas, kind markerKind, pt vg.Point, col color.Color) {
	switch kind {
	case dotMarker:
		fillShape(c, circlePath(pt, vg.Points(4)), whiteColor)
		fillShape(c, circlePath(pt, vg.Points(2.9)), col)
	case ringMarker:
		fillShape(c, circlePath(pt, vg.Points(3.6)), whiteColor)
		fillShape(c, circlePath(pt, vg.Points(2.6)), col)
		fillShape(c, circlePath(pt, vg.Points(1.4)), whiteColor)
	case pointMarker:
		fillShape(c, circlePath(pt, vg.Points(2.6)), whiteColor)
		fillShape(c, circlePath(pt, vg.Points(1.7)), col)
	case startMarker:
		fillShape(c, circlePath(pt, vg.Points(6.5)), inkColor)
		fillShape(c, circlePath(pt, vg.Points(5)), whiteColor)
	case starMarker:
		fillShape(c, starPath(pt, vg.Points(8.5)), inkColor)
		fillShape(c, starPath(pt, vg.Points(6.6)), starColor)
	}
}

func fillShape(c draw.Canvas, p vg.Path, col color.Color) {
	c.SetColor(col)
	c.Fill(p)
}

func circlePath(pt vg.Point, r vg.Length) vg.Path {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	return p
}

// starPath is a five-pointed star of outer radius r, point up.
func starPath(pt vg.Point, r vg.Length) vg.Path {
	var p vg.Path
	for k := range 10 {
		rad := r
		if k%2 == 1 {
			rad = r * 0.45
		}
		a := math.Pi/2 + float64(k)*math.Pi/5
		q := vg.Point{X: pt.X + rad*vg.Length(math.Cos(a)), Y: pt.Y + rad*vg.Length(math.Sin(a))}
		if k == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
	p.Close()
	return p
}

// legendEntry is one row of a legend: a line sample, a marker, or both.
type legendEntry struct {
	label  string
	line   *draw.LineStyle
	marker markerKind
	color  color.Color
}

// legendBox is a laid-out legend.
type legendBox struct {
	entries       []legendEntry
	rowH, sampleW vg.Length
	pad, gap      vg.Length
	size          vg.Point
}

func newLegendBox(entries []legendEntry) legendBox {
	sty := textStyle(legendSize, false, draw.XLeft, draw.YCenter)
	b := legendBox{
		entries: entries,
		rowH:    vg.Points(legendSize * 1.55),
		sampleW: vg.Points(26),
		pad:     vg.Points(6),
		gap:     vg.Points(6),
	}
	var textW vg.Length
	for _, e := range entries {
		textW = max(textW, sty.Width(e.label))
	}
	b.size = vg.Point{
		X: b.pad + b.sampleW + b.gap + textW + b.pad,
		Y: 2*b.pad + vg.Length(len(entries))*b.rowH - vg.Points(2),
	}
	return b
}

// place chooses the corner of the data area c whose box covers the fewest
// obstacle points (ties go to top right, top left, bottom right, bottom
// left) and returns the box's rectangle.
func (b legendBox) place(c draw.Canvas, obstacles []vg.Point) vg.Rectangle {
	inset := vg.Points(7)
	left := c.Min.X + inset
	right := c.Max.X - inset - b.size.X
	top := c.Max.Y - inset - b.size.Y
	bottom := c.Min.Y + inset
	corners := []vg.Point{{X: right, Y: top}, {X: left, Y: top}, {X: right, Y: bottom}, {X: left, Y: bottom}}
	best, bestN := corners[0], math.MaxInt
	for _, at := range corners {
		r := vg.Rectangle{Min: at, Max: at.Add(b.size)}
		n := 0
		margin := vg.Points(3)
		for _, q := range obstacles {
			if q.X >= r.Min.X-margin && q.X <= r.Max.X+margin && q.Y >= r.Min.Y-margin && q.Y <= r.Max.Y+margin {
				n++
			}
		}
		if n < bestN {
			best, bestN = at, n
		}
	}
	return vg.Rectangle{Min: best, Max: best.Add(b.size)}
}

// draw draws the legend in rectangle r.
func (b legendBox) draw(c draw.Canvas, r vg.Rectangle) {
	if len(b.entries) == 0 {
		return
	}
	fillRect(c, r, color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xe0})
	c.StrokeLines(draw.LineStyle{Color: color.NRGBA{R: 0xbb, G: 0xbb, B: 0xbb, A: 0xff}, Width: vg.Points(0.6)},
		[]vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min})
	sty := textStyle(legendSize, false, draw.XLeft, draw.YCenter)
	for k, e := range b.entries {
		y := r.Max.Y - b.pad - b.rowH*(vg.Length(k)+0.5) + vg.Points(1)
		x0 := r.Min.X + b.pad
		mid := vg.Point{X: x0 + b.sampleW/2, Y: y}
		if e.line != nil {
			c.StrokeLine2(*e.line, x0, y, x0+b.sampleW, y)
		}
		drawMarker(c, e.marker, mid, e.color)
		c.FillText(sty, vg.Point{X: x0 + b.sampleW + b.gap, Y: y}, e.label)
	}
}

// densify returns points along the polylines no more than step apart, for
// legend placement.
func densify(lines [][]vg.Point, step vg.Length) []vg.Point {
	var out []vg.Point
	for _, l := range lines {
		for k, q := range l {
			out = append(out, q)
			if k == 0 {
				continue
			}
			p := l[k-1]
			d := q.Sub(p)
			n := int(math.Hypot(float64(d.X), float64(d.Y)) / float64(step))
			for s := 1; s < n && s < 10000; s++ {
				out = append(out, p.Add(d.Scale(vg.Length(float64(s)/float64(n)))))
			}
		}
	}
	return out
}
