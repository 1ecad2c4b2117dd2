package plot

import (
	"math"
	"reflect"
	"strings"
	"testing"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestFormatNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{0.001, "0.001"},
		{250, "250"},
		{1e-5, "10^{−5}"},
		{-1e-7, "−10^{−7}"},
		{2.5e6, "2.5×10^{6}"},
		{123456, "1.23×10^{5}"},
		{-3e-9, "−3×10^{−9}"},
	}
	for _, tc := range tests {
		if got := formatNum(tc.v); got != tc.want {
			t.Errorf("formatNum(%g) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// labels are the labelled ticks' labels.
func labels(ts []gplot.Tick) []string {
	var out []string
	for _, t := range ts {
		if t.Label != "" {
			out = append(out, t.Label)
		}
	}
	return out
}

func TestTickers(t *testing.T) {
	tests := []struct {
		name     string
		ticker   gplot.Ticker
		min, max float64
		want     []string
	}{
		{"linear unit", linearTicker{}, 0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{"linear symmetric", linearTicker{}, -2, 2, []string{"−2", "−1", "0", "1", "2"}},
		{"linear padded", linearTicker{}, -0.03, 29.9, []string{"0", "5", "10", "15", "20", "25"}},
		{"linear tiny", linearTicker{}, 0, 4e-4, []string{"0", "0.0001", "0.0002", "0.0003", "0.0004"}},
		{"linear flat", linearTicker{}, 3, 3, []string{"3"}},
		{"steps", stepTicker{}, -0.02, 1.02, []string{"0", "1"}},
		{"steps long", stepTicker{}, -30, 1530, []string{"0", "250", "500", "750", "1000", "1250", "1500"}},
		{"steps short", stepTicker{}, 0, 12, []string{"0", "2", "4", "6", "8", "10", "12"}},
		{"log decades", logTicker{}, 1e-4, 2e3, []string{"10^{−4}", "10^{−2}", "10^{0}", "10^{2}"}},
		{"log six decades", logTicker{}, 1e-4, 1e2, []string{"10^{−4}", "10^{−3}", "10^{−2}", "10^{−1}", "10^{0}", "10^{1}", "10^{2}"}},
		{"linear tiny, exponents", linearTicker{}, 0, 4e-6, []string{"0", "10^{−6}", "2×10^{−6}", "3×10^{−6}", "4×10^{−6}"}},
		{"log few decades", logTicker{}, 0.5, 2000, []string{"1", "10", "100", "1000"}},
		{"log many decades", logTicker{}, 1e-20, 1e5, []string{"10^{−20}", "10^{−16}", "10^{−12}", "10^{−8}", "10^{−4}", "10^{0}", "10^{4}"}},
		{"log 1-2-5", logTicker{}, 0.04, 3, []string{"0.05", "0.1", "0.2", "0.5", "1", "2"}},
		{"log every multiple", logTicker{}, 2.5, 9.5, []string{"3", "4", "5", "6", "7", "8", "9"}},
		{"log narrow", logTicker{}, 2.1, 2.6, []string{"2.1", "2.2", "2.3", "2.4", "2.5", "2.6"}},
		{"log of non-positive", logTicker{}, -1, 1, []string{"−1.0", "−0.5", "0.0", "0.5", "1.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := tc.ticker.Ticks(tc.min, tc.max)
			if got := labels(ts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("labels %q, want %q", got, tc.want)
			}
			for _, tk := range ts {
				if tc.max > tc.min && (tk.Value < tc.min-1e-12 || tk.Value > tc.max+1e-12) {
					t.Errorf("tick %g outside [%g, %g]", tk.Value, tc.min, tc.max)
				}
			}
		})
	}
}

func TestRuns(t *testing.T) {
	p := func(x, y float64) vg.Point { return vg.Point{X: vg.Length(x), Y: vg.Length(y)} }
	nan := math.NaN()
	tests := []struct {
		name string
		in   []vg.Point // NaN X marks a gap
		want [][]vg.Point
	}{
		{"empty", nil, nil},
		{"one point", []vg.Point{p(1, 1)}, [][]vg.Point{{p(1, 1)}}},
		{"gaps", []vg.Point{p(0, 0), p(1, 0), p(nan, 0), p(2, 0), p(nan, 0), p(3, 0), p(4, 0)},
			[][]vg.Point{{p(0, 0), p(1, 0)}, {p(2, 0)}, {p(3, 0), p(4, 0)}}},
		{"close points dropped, last kept", []vg.Point{p(0, 0), p(0.1, 0), p(0.2, 0), p(1, 0), p(1.1, 0)},
			[][]vg.Point{{p(0, 0), p(1, 0), p(1.1, 0)}}},
		{"a run of close points", []vg.Point{p(0, 0), p(0.1, 0), p(0.15, 0)},
			[][]vg.Point{{p(0, 0), p(0.15, 0)}}},
	}
	for _, tc := range tests {
		got := runs(len(tc.in), func(k int) (vg.Point, bool) { return tc.in[k], !math.IsNaN(float64(tc.in[k].X)) })
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: runs = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct {
		span float64
		n    int
		want float64
	}{
		{1, 5, 0.2},
		{31, 5, 5},
		{7.8, 12, 0.5},
		{100, 4, 25},
		{3e-6, 3, 1e-6},
	}
	for _, tc := range tests {
		if got := niceStep(tc.span, tc.n); math.Abs(got-tc.want) > 1e-12*tc.want {
			t.Errorf("niceStep(%g, %d) = %g, want %g", tc.span, tc.n, got, tc.want)
		}
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		in   string
		want []segment
		ok   bool
	}{
		{"plain", []segment{{"plain", false}}, false},
		{"10^{−4}", []segment{{"10", false}, {"−4", true}}, true},
		{"2×10^{5} units", []segment{{"2×10", false}, {"5", true}, {" units", false}}, true},
		{"a^{b", []segment{{"a^{b", false}}, false},
		{"", nil, false},
	}
	for _, tc := range tests {
		got, ok := segments(tc.in)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("segments(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	// A superscript is narrower than the same text at full size.
	w1, _, _ := handler.Box("10^{−4}", sans(10, false))
	w2, _, _ := handler.Box("10−4", sans(10, false))
	if !(w1 < w2) || w1 <= 0 {
		t.Errorf("width of 10^{−4} = %v, of 10−4 = %v", w1, w2)
	}
}

func TestIsolines(t *testing.T) {
	cone, err := NewGrid(-2, 2, 41, -2, 2, 41, func(x, y float64) float64 { return math.Hypot(x, y) })
	if err != nil {
		t.Fatal(err)
	}
	holed := Grid{X: cone.X, Y: cone.Y, Z: make([][]float64, len(cone.Z))}
	for j := range cone.Z {
		holed.Z[j] = append([]float64(nil), cone.Z[j]...)
		for i := range holed.Z[j] {
			if cone.X[i] > 0.5 && math.Abs(cone.Y[j]) < 0.3 {
				holed.Z[j][i] = math.NaN()
			}
		}
	}
	s, err := newScale(cone, false)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		g      Grid
		level  float64
		lines  int
		closed bool
	}{
		{"circle", cone, 1, 1, true},
		{"circle through a gap", holed, 1, 1, false},
		{"outside the grid's range", cone, 5, 0, false},
		{"corners only", cone, 2.5, 4, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lines := isolines(tc.g.X, tc.g.Y, s.tgrid(tc.g), tc.level)
			if len(lines) != tc.lines {
				t.Fatalf("%d lines, want %d", len(lines), tc.lines)
			}
			for _, l := range lines {
				if closed := l[0] == l[len(l)-1]; closed != tc.closed {
					t.Errorf("closed = %v, want %v", closed, tc.closed)
				}
				for _, q := range l {
					if r := math.Hypot(q[0], q[1]); math.Abs(r-tc.level) > 0.02 {
						t.Errorf("point %v at radius %g, want %g", q, r, tc.level)
					}
				}
			}
		})
	}
}

func TestScale(t *testing.T) {
	grid := func(z ...float64) Grid {
		return Grid{X: []float64{0, 1}, Y: []float64{0, 1}, Z: [][]float64{z[:2], z[2:]}}
	}
	tests := []struct {
		name       string
		g          Grid
		log        bool
		shift      float64
		tmin, tmax float64
		label      string
	}{
		{"linear", grid(1, 2, 3, math.NaN()), false, 0, 1, 3, "f"},
		{"log positive", grid(0.01, 1, 10, 100), true, 0, -2, 2, "f"},
		{"log from zero", grid(0, 1e-3, 10, math.Inf(1)), true, 1e-4, -4, math.Log10(10 + 1e-4), "f"},
		{"log from negative", grid(-4, -3, 4, 0), true, 4.1, -1, math.Log10(8.1), "f − min"},
		{"flat", grid(2, 2, 2, 2), false, 0, 1.5, 2.5, "f"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newScale(tc.g, tc.log)
			if err != nil {
				t.Fatal(err)
			}
			near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
			if !near(s.shift, tc.shift) || !near(s.tmin, tc.tmin) || !near(s.tmax, tc.tmax) {
				t.Errorf("shift %g, t in [%g, %g]; want %g, [%g, %g]", s.shift, s.tmin, s.tmax, tc.shift, tc.tmin, tc.tmax)
			}
			if got := s.label("f"); got != tc.label {
				t.Errorf("label %q, want %q", got, tc.label)
			}
			for _, lv := range s.levels(10) {
				if !(lv > s.tmin && lv < s.tmax) {
					t.Errorf("level %g outside (%g, %g)", lv, s.tmin, s.tmax)
				}
			}
		})
	}
}

func TestNewGrid(t *testing.T) {
	g, err := NewGrid(0, 1, 3, 10, 20, 2, func(x, y float64) float64 { return x + y })
	if err != nil {
		t.Fatal(err)
	}
	want := Grid{X: []float64{0, 0.5, 1}, Y: []float64{10, 20}, Z: [][]float64{{10, 10.5, 11}, {20, 20.5, 21}}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("NewGrid = %v, want %v", g, want)
	}
	f := func(x, y float64) float64 { return 0 }
	bad := []struct {
		name           string
		x0, x1, y0, y1 float64
		nx, ny         int
		fn             func(x, y float64) float64
		want           string
	}{
		{"nil function", 0, 1, 0, 1, 2, 2, nil, "nil"},
		{"one point", 0, 1, 0, 1, 1, 2, f, "at least 2"},
		{"reversed", 1, 0, 0, 1, 2, 2, f, "increasing"},
		{"infinite", 0, math.Inf(1), 0, 1, 2, 2, f, "finite"},
		{"huge", 0, 1, 0, 1, 10000, 10000, f, "too many"},
	}
	for _, tc := range bad {
		_, err := NewGrid(tc.x0, tc.x1, tc.nx, tc.y0, tc.y1, tc.ny, tc.fn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestLegendPlacement(t *testing.T) {
	c := draw.New(vgimg.New(4*vg.Inch, 3*vg.Inch))
	box := newLegendBox([]legendEntry{{label: "a long series name"}, {label: "b"}})
	corner := func(r vg.Rectangle) string {
		v := "bottom"
		if r.Max.Y > c.Center().Y {
			v = "top"
		}
		h := "left"
		if r.Max.X > c.Center().X {
			h = "right"
		}
		return v + " " + h
	}
	fill := func(x0, x1, y0, y1 vg.Length) []vg.Point {
		var pts []vg.Point
		for x := x0; x <= x1; x += 3 {
			for y := y0; y <= y1; y += 3 {
				pts = append(pts, vg.Point{X: x, Y: y})
			}
		}
		return pts
	}
	w, h := c.Max.X, c.Max.Y
	tests := []struct {
		name      string
		obstacles []vg.Point
		want      string
	}{
		{"empty", nil, "top right"},
		{"top right taken", fill(w/2, w, h/2, h), "top left"},
		{"top taken", fill(0, w, h/2, h), "bottom right"},
		{"all but bottom left", append(fill(0, w, h/2, h), fill(w/2, w, 0, h/2)...), "bottom left"},
	}
	for _, tc := range tests {
		if got := corner(box.place(c, tc.obstacles)); got != tc.want {
			t.Errorf("%s: legend at %s, want %s", tc.name, got, tc.want)
		}
	}
}
