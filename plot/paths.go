package plot

import (
	"fmt"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Path is one optimizer's trajectory: the points it visited, in order, and
// optionally the loss at each step (Losses[k] is the loss after k steps,
// Losses[0] at the start). Non-finite points and losses are gaps. Marks
// draws a small dot at every point (a trajectory saved every few steps).
type Path struct {
	Name   string
	Points [][2]float64
	Losses []float64
	Marks  bool
}

// steps is the number of steps the path records.
func (p Path) steps() int { return max(len(p.Points), len(p.Losses)) }

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// minStep is the distance below which runs drops a point: long paths draw
// as fast, and their SVG stays small, with no visible change.
const minStep = 0.3 // points

// runs splits a polyline at its gaps (points for which ok is false), given
// in canvas coordinates, leaving out points closer than minStep to the last
// one kept (except each run's last).
func runs(n int, at func(k int) (vg.Point, bool)) [][]vg.Point {
	var out [][]vg.Point
	var cur []vg.Point
	var skipped *vg.Point
	end := func() {
		if skipped != nil {
			cur = append(cur, *skipped)
			skipped = nil
		}
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for k := range n {
		q, ok := at(k)
		if !ok || !finite(float64(q.X)) || !finite(float64(q.Y)) {
			end()
			continue
		}
		if len(cur) > 0 {
			d := q.Sub(cur[len(cur)-1])
			if math.Hypot(float64(d.X), float64(d.Y)) < float64(vg.Points(minStep)) {
				skipped = &q
				continue
			}
		}
		cur = append(cur, q)
		skipped = nil
	}
	end()
	return out
}

// strokeRuns draws polylines clipped to c, over a halo if halo is not nil.
// A run of one point, which has no line, gets a dot the width of the line.
func strokeRuns(c draw.Canvas, sty draw.LineStyle, halo *draw.LineStyle, rs [][]vg.Point) {
	var multi [][]vg.Point
	for _, r := range rs {
		if len(r) > 1 {
			multi = append(multi, r)
		}
	}
	lines := c.ClipLinesXY(multi...)
	if halo != nil {
		c.StrokeLines(*halo, lines...)
	}
	c.StrokeLines(sty, lines...)
	for _, r := range rs {
		if len(r) == 1 && c.Contains(r[0]) {
			if halo != nil {
				fillShape(c, circlePath(r[0], halo.Width/2), halo.Color)
			}
			fillShape(c, circlePath(r[0], sty.Width), sty.Color)
		}
	}
}

// pathLayer draws optimizer paths over a map, with the common start and
// the minima.
type pathLayer struct {
	paths  []Path
	start  *[2]float64
	minima [][2]float64
	upto   int // draw the first upto points of each path; < 0 for all
}

func (l *pathLayer) n(p Path) int {
	if l.upto < 0 {
		return len(p.Points)
	}
	return min(l.upto, len(p.Points))
}

func (l *pathLayer) lines(c draw.Canvas, p *gplot.Plot, path Path) [][]vg.Point {
	trX, trY := p.Transforms(&c)
	return runs(l.n(path), func(k int) (vg.Point, bool) {
		q := path.Points[k]
		if !finite(q[0]) || !finite(q[1]) {
			return vg.Point{}, false
		}
		return vg.Point{X: trX(q[0]), Y: trY(q[1])}, true
	})
}

// Plot implements gonum's plot.Plotter.
func (l *pathLayer) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	at := func(q [2]float64) (vg.Point, bool) {
		if !finite(q[0]) || !finite(q[1]) {
			return vg.Point{}, false
		}
		pt := vg.Point{X: trX(q[0]), Y: trY(q[1])}
		return pt, c.Contains(pt)
	}
	halo := draw.LineStyle{Color: haloColor, Width: vg.Points(4.2)}
	for i, path := range l.paths {
		sty := draw.LineStyle{Color: seriesColor(i), Width: vg.Points(2), Dashes: seriesDashes(i)}
		strokeRuns(c, sty, &halo, l.lines(c, p, path))
	}
	// Markers go on top of every line, so no path hides another's end.
	for i, path := range l.paths {
		if path.Marks {
			for k := range l.n(path) {
				if pt, ok := at(path.Points[k]); ok {
					drawMarker(c, pointMarker, pt, seriesColor(i))
				}
			}
		}
	}
	for _, m := range l.minima {
		if pt, ok := at(m); ok {
			drawMarker(c, starMarker, pt, starColor)
		}
	}
	if l.start != nil {
		if pt, ok := at(*l.start); ok {
			drawMarker(c, startMarker, pt, inkColor)
		}
	}
	for i, path := range l.paths {
		first, last := -1, -1
		for k := range l.n(path) {
			if finite(path.Points[k][0]) && finite(path.Points[k][1]) {
				if first < 0 {
					first = k
				}
				last = k
			}
		}
		if first < 0 {
			continue
		}
		if pt, ok := at(path.Points[first]); ok {
			drawMarker(c, ringMarker, pt, seriesColor(i))
		}
		if pt, ok := at(path.Points[last]); ok && (last != first || len(path.Points) == 1) {
			drawMarker(c, dotMarker, pt, seriesColor(i))
		}
	}
}

// obstacles are points along the drawn paths and markers, for legend
// placement.
func (l *pathLayer) obstacles(c draw.Canvas, p *gplot.Plot) []vg.Point {
	var lines [][]vg.Point
	for _, path := range l.paths {
		lines = append(lines, l.lines(c, p, path)...)
	}
	pts := densify(lines, vg.Points(4))
	trX, trY := p.Transforms(&c)
	extra := l.minima
	if l.start != nil {
		extra = append(extra[:len(extra):len(extra)], *l.start)
	}
	for _, m := range extra {
		if finite(m[0]) && finite(m[1]) {
			pts = append(pts, vg.Point{X: trX(m[0]), Y: trY(m[1])})
		}
	}
	return pts
}

// pathLegend is the legend rows for paths, start and minima.
func pathLegend(paths []Path, start bool, minima bool) []legendEntry {
	var es []legendEntry
	for i, p := range paths {
		name := p.Name
		if name == "" {
			name = fmt.Sprintf("path %d", i+1)
		}
		sty := draw.LineStyle{Color: seriesColor(i), Width: vg.Points(2), Dashes: seriesDashes(i)}
		es = append(es, legendEntry{label: name, line: &sty, marker: dotMarker, color: seriesColor(i)})
	}
	if start {
		es = append(es, legendEntry{label: "start", marker: startMarker})
	}
	if minima {
		es = append(es, legendEntry{label: "minimum", marker: starMarker})
	}
	return es
}
