package plot

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"math"
	"sort"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Grid is a function sampled on a rectangular grid: Z[j][i] is the value at
// (X[i], Y[j]). X and Y are strictly increasing and finite, with at least two
// values each; Z has len(Y) rows of len(X) values. NaN and infinite values in
// Z are gaps in the picture.
type Grid struct {
	X, Y []float64
	Z    [][]float64
}

// NewGrid samples f on nx evenly spaced x values from x0 to x1 (inclusive)
// and ny evenly spaced y values from y0 to y1.
func NewGrid(x0, x1 float64, nx int, y0, y1 float64, ny int, f func(x, y float64) float64) (Grid, error) {
	if f == nil {
		return Grid{}, errors.New("plot: NewGrid: nil function")
	}
	if nx < 2 || ny < 2 {
		return Grid{}, fmt.Errorf("plot: NewGrid: %d×%d points: need at least 2 in each direction", nx, ny)
	}
	if !(x1 > x0) || !(y1 > y0) || math.IsInf(x1-x0, 0) || math.IsInf(y1-y0, 0) {
		return Grid{}, fmt.Errorf("plot: NewGrid: ranges [%g, %g] × [%g, %g] must be finite and increasing", x0, x1, y0, y1)
	}
	if nx*ny > 25_000_000 {
		return Grid{}, fmt.Errorf("plot: NewGrid: %d×%d points is too many (at most 25 000 000)", nx, ny)
	}
	g := Grid{X: linspace(x0, x1, nx), Y: linspace(y0, y1, ny), Z: make([][]float64, ny)}
	for j, y := range g.Y {
		g.Z[j] = make([]float64, nx)
		for i, x := range g.X {
			g.Z[j][i] = f(x, y)
		}
	}
	return g, nil
}

func linspace(a, b float64, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = a + (b-a)*float64(i)/float64(n-1)
	}
	v[n-1] = b
	return v
}

// check reports what is wrong with the grid's shape or coordinates.
func (g Grid) check() error {
	if len(g.X) < 2 || len(g.Y) < 2 {
		return fmt.Errorf("plot: grid has %d x and %d y coordinates: need at least 2 of each", len(g.X), len(g.Y))
	}
	for name, v := range map[string][]float64{"X": g.X, "Y": g.Y} {
		for i, c := range v {
			if math.IsNaN(c) || math.IsInf(c, 0) {
				return fmt.Errorf("plot: grid %s[%d] = %g is not finite", name, i, c)
			}
			if i > 0 && !(c > v[i-1]) {
				return fmt.Errorf("plot: grid %s must be strictly increasing: %s[%d] = %g after %g", name, name, i, c, v[i-1])
			}
		}
	}
	if len(g.Z) != len(g.Y) {
		return fmt.Errorf("plot: grid Z has %d rows, want len(Y) = %d", len(g.Z), len(g.Y))
	}
	for j, row := range g.Z {
		if len(row) != len(g.X) {
			return fmt.Errorf("plot: grid Z[%d] has %d values, want len(X) = %d", j, len(row), len(g.X))
		}
	}
	return nil
}

// zscale maps grid values to the colour scale: t = z, or log10(z + shift).
type zscale struct {
	log        bool
	shift      float64 // added to z before log10; 0 unless min ≤ 0
	min, max   float64 // finite range of z
	tmin, tmax float64 // range of t, never empty
}

func newScale(g Grid, logLevels bool) (zscale, error) {
	s := zscale{log: logLevels, min: math.Inf(1), max: math.Inf(-1)}
	for _, row := range g.Z {
		for _, z := range row {
			if !math.IsNaN(z) && !math.IsInf(z, 0) {
				s.min = math.Min(s.min, z)
				s.max = math.Max(s.max, z)
			}
		}
	}
	if s.min > s.max {
		return s, errors.New("plot: grid has no finite values to draw")
	}
	if err := checkSpan("grid values", axisRange{s.min, s.max}); err != nil {
		return s, err
	}
	if s.log && s.min <= 0 {
		gap := math.Inf(1)
		for _, row := range g.Z {
			for _, z := range row {
				if d := z - s.min; d > 0 && !math.IsInf(d, 0) {
					gap = math.Min(gap, d)
				}
			}
		}
		eps := gap / 10
		if floor := (s.max - s.min) * 1e-12; math.IsInf(eps, 0) || eps < floor {
			eps = floor
		}
		if eps == 0 {
			eps = 1
		}
		s.shift = eps - s.min
	}
	s.tmin, s.tmax = s.t(s.min), s.t(s.max)
	if !(s.tmax > s.tmin) {
		s.tmin, s.tmax = s.tmin-0.5, s.tmax+0.5
	}
	return s, nil
}

// t maps z to the colour scale, NaN for gaps.
func (s zscale) t(z float64) float64 {
	if math.IsNaN(z) || math.IsInf(z, 0) {
		return math.NaN()
	}
	if !s.log {
		return z
	}
	return math.Log10(z + s.shift)
}

// frac is t's place on the colour scale, 0 to 1.
func (s zscale) frac(t float64) float64 {
	return math.Min(1, math.Max(0, (t-s.tmin)/(s.tmax-s.tmin)))
}

// label is the colour bar's title.
func (s zscale) label(zlabel string) string {
	if s.shift == 0 || s.min == 0 {
		return zlabel
	}
	if zlabel == "" {
		zlabel = "value"
	}
	return zlabel + " − min"
}

// ticks are the colour bar's ticks, at t values.
func (s zscale) ticks() []gplot.Tick {
	if !s.log {
		return linearTicker{}.Ticks(s.tmin, s.tmax)
	}
	ts := logTicks(math.Pow(10, s.tmin), math.Pow(10, s.tmax))
	for i := range ts {
		ts[i].Value = math.Log10(ts[i].Value)
	}
	return ts
}

// levels are about n contour levels (t values) at round steps strictly
// inside the scale.
func (s zscale) levels(n int) []float64 {
	if n <= 0 {
		return nil
	}
	step := niceStep(s.tmax-s.tmin, n)
	var lv []float64
	for k := math.Floor(s.tmin/step) + 1; k*step < s.tmax; k++ {
		if v := k * step; v > s.tmin {
			lv = append(lv, v)
		}
	}
	return lv
}

// tgrid is the grid on the colour scale.
func (s zscale) tgrid(g Grid) [][]float64 {
	t := make([][]float64, len(g.Z))
	for j, row := range g.Z {
		t[j] = make([]float64, len(row))
		for i, z := range row {
			t[j][i] = s.t(z)
		}
	}
	return t
}

// viridis is matplotlib's perceptually uniform colour map, at 11 stops.
var viridisStops = [...]color.NRGBA{
	{0x44, 0x01, 0x54, 0xff}, {0x48, 0x24, 0x75, 0xff}, {0x41, 0x44, 0x87, 0xff},
	{0x35, 0x5f, 0x8d, 0xff}, {0x2a, 0x78, 0x8e, 0xff}, {0x21, 0x91, 0x8c, 0xff},
	{0x22, 0xa8, 0x84, 0xff}, {0x44, 0xbf, 0x70, 0xff}, {0x7a, 0xd1, 0x51, 0xff},
	{0xbd, 0xdf, 0x26, 0xff}, {0xfd, 0xe7, 0x25, 0xff},
}

// viridisLUT is viridis at 256 evenly spaced points.
var viridisLUT = func() [256]color.NRGBA {
	var lut [256]color.NRGBA
	n := len(viridisStops) - 1
	for i := range lut {
		f := float64(i) / 255 * float64(n)
		k := min(int(f), n-1)
		u := f - float64(k)
		a, b := viridisStops[k], viridisStops[k+1]
		mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-u) + float64(y)*u)) }
		lut[i] = color.NRGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
	}
	return lut
}()

// viridis is the colour at f in [0, 1] (the lowest for NaN).
func viridis(f float64) color.NRGBA {
	if math.IsNaN(f) {
		f = 0
	}
	return viridisLUT[int(math.Round(math.Min(1, math.Max(0, f))*255))]
}

// heatLayer draws a grid's colours as an image filling the grid's extent.
type heatLayer struct {
	img                    *image.NRGBA
	xmin, xmax, ymin, ymax float64
}

// newHeatLayer resamples the grid's t values bilinearly onto an image of
// between 256 and 1024 pixels a side and colours them; a pixel whose
// nearest grid point is a gap is transparent.
func newHeatLayer(g Grid, t [][]float64, s zscale) *heatLayer {
	nx := min(max(len(g.X), 256), 1024)
	ny := min(max(len(g.Y), 256), 1024)
	img := image.NewNRGBA(image.Rect(0, 0, nx, ny))
	xs := samples(g.X, nx)
	ys := samples(g.Y, ny)
	for py, yc := range ys {
		for px, xc := range xs {
			v := bilinear(t, xc, yc)
			if math.IsNaN(v) {
				continue
			}
			img.SetNRGBA(px, ny-1-py, viridis(s.frac(v)))
		}
	}
	return &heatLayer{img: img, xmin: g.X[0], xmax: g.X[len(g.X)-1], ymin: g.Y[0], ymax: g.Y[len(g.Y)-1]}
}

// cell locates a pixel centre on the grid: the lower index and the fraction
// of the way to the next.
type cell struct {
	i int
	f float64
}

// samples locates n evenly spaced pixel centres across coords.
func samples(coords []float64, n int) []cell {
	lo, hi := coords[0], coords[len(coords)-1]
	out := make([]cell, n)
	for k := range out {
		u := lo + (hi-lo)*(float64(k)+0.5)/float64(n)
		i := sort.SearchFloat64s(coords, u) - 1
		i = min(max(i, 0), len(coords)-2)
		f := (u - coords[i]) / (coords[i+1] - coords[i])
		out[k] = cell{i, math.Min(1, math.Max(0, f))}
	}
	return out
}

// bilinear interpolates t at a pixel centre from the finite corners of its
// cell; NaN when the nearest corner is a gap.
func bilinear(t [][]float64, xc, yc cell) float64 {
	ni, nj := xc.i, yc.i
	if xc.f >= 0.5 {
		ni++
	}
	if yc.f >= 0.5 {
		nj++
	}
	if math.IsNaN(t[nj][ni]) {
		return math.NaN()
	}
	var sum, wsum float64
	for dj := 0; dj < 2; dj++ {
		for di := 0; di < 2; di++ {
			v := t[yc.i+dj][xc.i+di]
			if math.IsNaN(v) {
				continue
			}
			w := weight(xc.f, di) * weight(yc.f, dj)
			sum += w * v
			wsum += w
		}
	}
	if wsum == 0 {
		return t[nj][ni]
	}
	return sum / wsum
}

func weight(f float64, d int) float64 {
	if d == 0 {
		return 1 - f
	}
	return f
}

// Plot implements gonum's plot.Plotter.
func (h *heatLayer) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	c.DrawImage(vg.Rectangle{
		Min: vg.Point{X: trX(h.xmin), Y: trY(h.ymin)},
		Max: vg.Point{X: trX(h.xmax), Y: trY(h.ymax)},
	}, h.img)
}
