package plot

import (
	"image/color"
	"math"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// isolines traces the contour lines of t (rows along y, columns along x) at
// level by marching squares, joined into polylines. Cells with a gap at any
// corner are skipped, so contours stop at gaps. Saddle cells are resolved
// by the mean of their corners.
func isolines(xs, ys []float64, t [][]float64, level float64) [][][2]float64 {
	nx, ny := len(xs), len(ys)
	nh := (nx - 1) * ny // horizontal edges first, then vertical ones
	hEdge := func(i, j int) int { return j*(nx-1) + i }
	vEdge := func(i, j int) int { return nh + j*nx + i }
	pts := map[int][2]float64{}
	cross := func(e int, x0, y0, v0, x1, y1, v1 float64) int {
		if _, ok := pts[e]; !ok {
			f := (level - v0) / (v1 - v0)
			pts[e] = [2]float64{x0 + f*(x1-x0), y0 + f*(y1-y0)}
		}
		return e
	}
	var segs [][2]int
	for j := 0; j < ny-1; j++ {
		for i := 0; i < nx-1; i++ {
			a, b, c, d := t[j][i], t[j][i+1], t[j+1][i+1], t[j+1][i]
			if math.IsNaN(a) || math.IsNaN(b) || math.IsNaN(c) || math.IsNaN(d) {
				continue
			}
			k := 0
			for bit, v := range [4]float64{a, b, c, d} {
				if v > level {
					k |= 1 << bit
				}
			}
			if k == 0 || k == 15 {
				continue
			}
			x0, x1, y0, y1 := xs[i], xs[i+1], ys[j], ys[j+1]
			bottom := func() int { return cross(hEdge(i, j), x0, y0, a, x1, y0, b) }
			right := func() int { return cross(vEdge(i+1, j), x1, y0, b, x1, y1, c) }
			top := func() int { return cross(hEdge(i, j+1), x0, y1, d, x1, y1, c) }
			left := func() int { return cross(vEdge(i, j), x0, y0, a, x0, y1, d) }
			centreAbove := (a+b+c+d)/4 > level
			switch k {
			case 1, 14:
				segs = append(segs, [2]int{left(), bottom()})
			case 2, 13:
				segs = append(segs, [2]int{bottom(), right()})
			case 3, 12:
				segs = append(segs, [2]int{left(), right()})
			case 4, 11:
				segs = append(segs, [2]int{right(), top()})
			case 6, 9:
				segs = append(segs, [2]int{bottom(), top()})
			case 7, 8:
				segs = append(segs, [2]int{left(), top()})
			case 5: // a and c above
				if centreAbove {
					segs = append(segs, [2]int{bottom(), right()}, [2]int{left(), top()})
				} else {
					segs = append(segs, [2]int{left(), bottom()}, [2]int{right(), top()})
				}
			case 10: // b and d above
				if centreAbove {
					segs = append(segs, [2]int{left(), bottom()}, [2]int{right(), top()})
				} else {
					segs = append(segs, [2]int{bottom(), right()}, [2]int{left(), top()})
				}
			}
		}
	}
	return joinSegments(segs, pts)
}

// joinSegments chains segments that share crossing points. Every crossing
// point is on at most two segments, so the chains are simple paths and
// loops.
func joinSegments(segs [][2]int, pts map[int][2]float64) [][][2]float64 {
	at := make(map[int][]int, 2*len(segs))
	for s, e := range segs {
		at[e[0]] = append(at[e[0]], s)
		at[e[1]] = append(at[e[1]], s)
	}
	used := make([]bool, len(segs))
	walk := func(s, from int) [][2]float64 {
		line := [][2]float64{pts[from]}
		for {
			used[s] = true
			next := segs[s][0]
			if next == from {
				next = segs[s][1]
			}
			line = append(line, pts[next])
			s = -1
			for _, o := range at[next] {
				if !used[o] {
					s = o
					break
				}
			}
			if s < 0 {
				return line
			}
			from = next
		}
	}
	var lines [][][2]float64
	// Open chains start at their ends; what is left are loops.
	for pass := 0; pass < 2; pass++ {
		for s, e := range segs {
			if used[s] {
				continue
			}
			switch {
			case len(at[e[0]]) == 1:
				lines = append(lines, walk(s, e[0]))
			case len(at[e[1]]) == 1:
				lines = append(lines, walk(s, e[1]))
			case pass == 1:
				lines = append(lines, walk(s, e[0]))
			}
		}
	}
	return lines
}

// contourLayer draws contour lines, dark over the light half of the colour
// map and light over the dark half.
type contourLayer struct {
	lines  [][][2]float64
	colors []color.Color // one for each line
}

func newContourLayer(g Grid, t [][]float64, s zscale, levels []float64) *contourLayer {
	l := &contourLayer{}
	for _, lv := range levels {
		for _, line := range isolines(g.X, g.Y, t, lv) {
			l.lines = append(l.lines, line)
			l.colors = append(l.colors, levelColor(s.frac(lv)))
		}
	}
	return l
}

// levelColor is the colour of a contour line at place f on the colour map.
func levelColor(f float64) color.Color {
	if f < 0.3 {
		return levelLight
	}
	return levelDark
}

// Plot implements gonum's plot.Plotter.
func (l *contourLayer) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for k, line := range l.lines {
		sty := draw.LineStyle{Color: l.colors[k], Width: vg.Points(0.7)}
		pts := make([]vg.Point, len(line))
		for k, q := range line {
			pts[k] = vg.Point{X: trX(q[0]), Y: trY(q[1])}
		}
		c.StrokeLines(sty, c.ClipLinesXY(pts)...)
	}
}
