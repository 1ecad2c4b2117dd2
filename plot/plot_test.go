package plot

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/gif"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testDPI keeps test images small and quick, except when they are written
// out to be looked at.
var testDPI = 40

func init() {
	if os.Getenv("DESCENT_PLOT_GALLERY") != "" {
		testDPI = 100
	}
}

// checkPNG decodes a PNG and checks its size and that it is not one colour.
func checkPNG(t *testing.T, b []byte, w, h int) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png does not decode: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{X: w, Y: h}) {
		t.Errorf("png is %v, want %dx%d", got, w, h)
	}
	if colours(img) < 2 {
		t.Error("png is a single colour")
	}
}

// colours counts distinct colours, up to 10.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 10 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// checkSVG parses an SVG as XML and checks its root element and width.
func checkSVG(t *testing.T, b []byte, widthPt string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg is not XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
			for _, a := range se.Attr {
				if a.Name.Local == "width" && a.Value != widthPt {
					t.Errorf("svg width %q, want %q", a.Value, widthPt)
				}
			}
		}
	}
	if root != "svg" {
		t.Errorf("svg root element is %q", root)
	}
	if !bytes.Contains(b, []byte("<text")) {
		t.Error("svg has no text")
	}
}

// both renders a figure as PNG and as SVG and checks each.
func both(t *testing.T, w, h float64, fn func(w io.Writer, format string) error) {
	t.Helper()
	var pngBuf, svgBuf bytes.Buffer
	if err := fn(&pngBuf, "png"); err != nil {
		t.Fatalf("png: %v", err)
	}
	checkPNG(t, pngBuf.Bytes(), int(w*float64(testDPI)+0.5), int(h*float64(testDPI)+0.5))
	if dir := os.Getenv("DESCENT_PLOT_GALLERY"); dir != "" {
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()) + ".png"
		if err := os.WriteFile(filepath.Join(dir, name), pngBuf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := fn(&svgBuf, "svg"); err != nil {
		t.Fatalf("svg: %v", err)
	}
	checkSVG(t, svgBuf.Bytes(), formatPt(w*72))
}

func formatPt(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) + "pt" }

// withNaN returns a copy of g with a blob of NaN and +Inf cells.
func withNaN(g Grid) Grid {
	z := make([][]float64, len(g.Z))
	for j := range g.Z {
		z[j] = append([]float64(nil), g.Z[j]...)
		for i := range z[j] {
			switch {
			case i > len(g.X)/2 && j > len(g.Y)/2:
				z[j][i] = math.NaN()
			case i < 3 && j < 3:
				z[j][i] = math.Inf(1)
			}
		}
	}
	return Grid{X: g.X, Y: g.Y, Z: z}
}

func TestRace(t *testing.T) {
	full := rosenbrockRace(t, 41)
	full.DPI = testDPI
	noLosses := full
	noLosses.Paths = []Path{{Name: "a", Points: full.Paths[0].Points}, {Name: "b", Points: full.Paths[1].Points}}
	nan := full
	nan.Grid = withNaN(full.Grid)
	nan.Paths = []Path{{
		Name:   "gaps",
		Points: [][2]float64{{-1, 2}, {math.NaN(), 0}, {0, 1}, {0.5, math.Inf(1)}, {1, 1}},
		Losses: []float64{10, math.NaN(), 5, math.Inf(1), 0},
	}}
	single := full
	single.Paths = []Path{{Name: "one point", Points: [][2]float64{{0.5, 0.5}}, Losses: []float64{6.5}}}
	empty := full
	empty.Paths = nil
	emptyPaths := full
	emptyPaths.Paths = []Path{{Name: "nothing"}, {}, {Name: "losses only", Losses: []float64{3, 2, 1}}}
	many := full
	many.Paths = nil
	for k := range 13 {
		a := float64(k) * 2 * math.Pi / 13
		many.Paths = append(many.Paths, descend("", 1.5*math.Cos(a), 1+1.5*math.Sin(a), 2e-4, 0.9, 50))
	}
	negative := full
	negative.Paths = []Path{{Name: "negative loss", Points: [][2]float64{{0, 0}, {1, 1}}, Losses: []float64{1, -1}}}
	saddle := RaceFigure{Grid: saddleGrid(t, 31), LogLevels: true, DPI: testDPI, Title: "log of a saddle",
		Paths: []Path{{Name: "p", Points: [][2]float64{{0, 0}, {0, 1}}, Losses: []float64{0, -1}}}}
	flat := RaceFigure{Grid: Grid{X: []float64{0, 1}, Y: []float64{0, 1}, Z: [][]float64{{2, 2}, {2, 2}}}, DPI: testDPI}
	flatLog := flat
	flatLog.LogLevels = true
	flatLog.Grid.Z = [][]float64{{0, 0}, {0, 0}}
	noLevels := full
	noLevels.Levels = -1
	noLevels.LogLevels = false
	offGrid := full
	offGrid.Paths = []Path{{Name: "diverged", Points: [][2]float64{{0, 0}, {5, 5}, {1e300, -1e300}}, Losses: []float64{1, 1e6, 1e300}}}
	offGrid.Minima = [][2]float64{{1, 1}, {10, 10}}
	offGrid.Start = &[2]float64{-10, 0}
	sized := full
	sized.Width, sized.Height = 8, 4

	tests := []struct {
		name string
		fig  RaceFigure
		w, h float64
	}{
		{"rosenbrock", full, 12, 5},
		{"no losses", noLosses, 7, 5.5},
		{"NaN cells and gaps", nan, 12, 5},
		{"single-point path", single, 12, 5},
		{"no paths", empty, 7, 5.5},
		{"empty paths", emptyPaths, 12, 5},
		{"13 paths", many, 12, 5},
		{"negative loss", negative, 12, 5},
		{"log levels with values ≤ 0", saddle, 12, 5},
		{"constant grid", flat, 7, 5.5},
		{"constant zero grid, log", flatLog, 7, 5.5},
		{"no contour levels", noLevels, 12, 5},
		{"paths off the grid", offGrid, 12, 5},
		{"custom size", sized, 8, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			both(t, tc.w, tc.h, func(w io.Writer, format string) error { return Race(w, format, tc.fig) })
		})
	}
}

func TestContour(t *testing.T) {
	base := ContourFigure{
		Grid:   saddleGrid(t, 31),
		Title:  "Saddle",
		XLabel: "α (PC1, 62.1%)", YLabel: "β (PC2, 20.3%)", ZLabel: "loss",
		DPI: testDPI,
	}
	withPaths := base
	withPaths.Paths = []Path{{Name: "sgd", Points: [][2]float64{{-1, 0}, {0, 0.1}, {0, 1.5}}}, {Name: "single", Points: [][2]float64{{1, 1}}}}
	withPaths.Start = &[2]float64{-1, 0}
	withPaths.Minima = [][2]float64{{0, 2}, {0, -2}}
	nan := withPaths
	nan.Grid = withNaN(base.Grid)
	logRosen := ContourFigure{Grid: rosenbrockGrid(t, 41), LogLevels: true, DPI: testDPI, Width: 5, Height: 5, Levels: 30}
	emptyPaths := base
	emptyPaths.Paths = []Path{{}, {Name: "empty"}}
	uneven := base
	uneven.Grid = Grid{X: []float64{-1, -0.9, 0, 2}, Y: []float64{0, 0.1, 3}, Z: [][]float64{{1, 2, 3, 4}, {2, 3, 4, 5}, {5, 4, 3, 2}}}

	tests := []struct {
		name string
		fig  ContourFigure
		w, h float64
	}{
		{"saddle", base, 7, 5.5},
		{"paths, start and minima", withPaths, 7, 5.5},
		{"NaN cells", nan, 7, 5.5},
		{"log rosenbrock", logRosen, 5, 5},
		{"empty paths", emptyPaths, 7, 5.5},
		{"uneven grid", uneven, 7, 5.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			both(t, tc.w, tc.h, func(w io.Writer, format string) error { return Contour(w, format, tc.fig) })
		})
	}
}

func TestLines(t *testing.T) {
	lr := lrFinderChart()
	lr.DPI = testDPI
	epochs := LineChart{
		Title: "Training", XLabel: "epoch", YLabel: "accuracy", DPI: testDPI, Points: true,
		Series: []Series{
			{Name: "train", X: []float64{1, 2, 3, 4, 5}, Y: []float64{0.5, 0.7, 0.8, 0.85, 0.88}},
			{Name: "validation", X: []float64{1, 2, 3, 4, 5}, Y: []float64{0.45, 0.62, math.NaN(), 0.74, 0.75}},
		},
	}
	noX := LineChart{DPI: testDPI, LogY: true, Series: []Series{{Y: []float64{3, 1, 0, 0.3, 0.1, -1, 0.05}}}}
	empty := LineChart{DPI: testDPI, Title: "nothing yet"}
	onePoint := LineChart{DPI: testDPI, Series: []Series{{Name: "one", Y: []float64{2}}}}
	allNaN := LineChart{DPI: testDPI, LogX: true, Series: []Series{{Name: "nan", X: []float64{1, 2}, Y: []float64{math.NaN(), math.NaN()}}}}
	many := LineChart{DPI: testDPI, Width: 9, Height: 6}
	for k := range 12 {
		var y []float64
		for i := range 30 {
			y = append(y, math.Exp(-float64(i)/float64(k+3)))
		}
		many.Series = append(many.Series, Series{Name: string(rune('A' + k)), Y: y})
	}
	ranged := epochs
	ranged.XRange, ranged.YRange = [2]float64{0, 10}, [2]float64{0, 1}
	ranged.Markers = []Marker{{X: 3, Label: "lr drop"}, {X: 9.9, Label: "a label near the right edge"}, {X: 20, Label: "off the chart"}}

	tests := []struct {
		name  string
		chart LineChart
		w, h  float64
	}{
		{"lr finder", lr, 7, 4.5},
		{"epochs with points and a NaN", epochs, 7, 4.5},
		{"nil X, log y with values ≤ 0", noX, 7, 4.5},
		{"no series", empty, 7, 4.5},
		{"one point", onePoint, 7, 4.5},
		{"all NaN", allNaN, 7, 4.5},
		{"12 series", many, 9, 6},
		{"fixed ranges and markers", ranged, 7, 4.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			both(t, tc.w, tc.h, func(w io.Writer, format string) error { return Lines(w, format, tc.chart) })
		})
	}
}

// Figures can be drawn from many goroutines at once.
func TestConcurrent(t *testing.T) {
	race := rosenbrockRace(t, 21)
	race.DPI = 30
	chart := lrFinderChart()
	chart.DPI = 30
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for k := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if k%2 == 0 {
				errs <- Race(io.Discard, "png", race)
			} else {
				errs <- RaceGIF(io.Discard, race, 2, 0)
			}
		}()
		go func() {
			defer wg.Done()
			errs <- Lines(io.Discard, "svg", chart)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

func TestRaceGIF(t *testing.T) {
	r := rosenbrockRace(t, 31)
	r.DPI = testDPI
	tests := []struct {
		name   string
		fig    RaceFigure
		frames int
		delay  time.Duration
		delays []int
		w, h   int
	}{
		{"rosenbrock", r, 6, 50 * time.Millisecond, []int{5, 5, 5, 5, 5, 155}, 12 * testDPI, 5 * testDPI},
		{"one frame, default delay", r, 1, 0, []int{158}, 12 * testDPI, 5 * testDPI},
		{"no paths", RaceFigure{Grid: r.Grid, DPI: testDPI}, 3, 10 * time.Millisecond, []int{2, 2, 152}, 7 * testDPI, 11 * testDPI / 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RaceGIF(&buf, tc.fig, tc.frames, tc.delay); err != nil {
				t.Fatal(err)
			}
			g, err := gif.DecodeAll(&buf)
			if err != nil {
				t.Fatalf("gif does not decode: %v", err)
			}
			if len(g.Image) != tc.frames {
				t.Fatalf("%d frames, want %d", len(g.Image), tc.frames)
			}
			if g.Config.Width != tc.w || g.Config.Height != tc.h {
				t.Errorf("gif is %dx%d, want %dx%d", g.Config.Width, g.Config.Height, tc.w, tc.h)
			}
			if got := g.Image[0].Bounds(); got != image.Rect(0, 0, tc.w, tc.h) {
				t.Errorf("first frame covers %v, want the whole picture", got)
			}
			if colours(g.Image[0]) < 2 {
				t.Error("first frame is a single colour")
			}
			for k, d := range tc.delays {
				if g.Delay[k] != d {
					t.Errorf("delay[%d] = %d, want %d", k, g.Delay[k], d)
				}
			}
		})
	}
	// Later frames store only what changed.
	var buf bytes.Buffer
	if err := RaceGIF(&buf, r, 4, 0); err != nil {
		t.Fatal(err)
	}
	g, err := gif.DecodeAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	whole := g.Image[0].Bounds().Dx() * g.Image[0].Bounds().Dy()
	for k, img := range g.Image[1:] {
		if n := img.Bounds().Dx() * img.Bounds().Dy(); n >= whole*3/4 {
			t.Errorf("frame %d covers %d of %d pixels", k+1, n, whole)
		}
	}
}

func TestErrors(t *testing.T) {
	good := rosenbrockRace(t, 11)
	good.DPI = testDPI
	badGrid := func(edit func(g *Grid)) RaceFigure {
		r := good
		g := Grid{X: append([]float64(nil), good.X...), Y: append([]float64(nil), good.Y...)}
		for _, row := range good.Z {
			g.Z = append(g.Z, append([]float64(nil), row...))
		}
		edit(&g)
		r.Grid = g
		return r
	}
	race := func(format string, r RaceFigure) func() error {
		return func() error { return Race(io.Discard, format, r) }
	}
	size := func(w, h float64, dpi int) RaceFigure {
		r := good
		r.Width, r.Height, r.DPI = w, h, dpi
		return r
	}
	allNaN := badGrid(func(g *Grid) {
		for _, row := range g.Z {
			for i := range row {
				row[i] = math.NaN()
			}
		}
	})
	chart := func(c LineChart) func() error { return func() error { return Lines(io.Discard, "png", c) } }

	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"race: bad format", race("bmp", good), `"bmp"`},
		{"contour: bad format", func() error { return Contour(io.Discard, "jpeg", ContourFigure{Grid: good.Grid}) }, `"jpeg"`},
		{"lines: bad format", func() error { return Lines(io.Discard, "pdf", LineChart{}) }, `"pdf"`},
		{"empty format", race("", good), `""`},
		{"Z rows", race("png", badGrid(func(g *Grid) { g.Z = g.Z[1:] })), "rows"},
		{"Z row length", race("png", badGrid(func(g *Grid) { g.Z[3] = g.Z[3][1:] })), "Z[3]"},
		{"X not increasing", race("png", badGrid(func(g *Grid) { g.X[4] = g.X[3] })), "X must be strictly increasing"},
		{"Y NaN", race("svg", badGrid(func(g *Grid) { g.Y[0] = math.NaN() })), "Y[0]"},
		{"one column", race("png", badGrid(func(g *Grid) { g.X = g.X[:1] })), "at least 2"},
		{"all NaN", race("png", allNaN), "no finite values"},
		{"negative width", race("png", size(-1, 5, 40)), "positive"},
		{"NaN height", race("png", size(5, math.NaN(), 40)), "positive"},
		{"tiny", race("png", size(0.5, 5, 40)), "too small"},
		{"huge", race("png", size(100, 100, 600)), "pixels"},
		{"negative DPI", race("png", size(5, 5, -1)), "DPI"},
		{"gif: no frames", func() error { return RaceGIF(io.Discard, good, 0, 0) }, "0 frames"},
		{"gif: too many frames", func() error { return RaceGIF(io.Discard, good, 5000, 0) }, "5000 frames"},
		{"gif: negative delay", func() error { return RaceGIF(io.Discard, good, 2, -time.Second) }, "negative"},
		{"gif: bad grid", func() error { return RaceGIF(io.Discard, allNaN, 2, 0) }, "no finite values"},
		{"series lengths", chart(LineChart{Series: []Series{{Name: "loss", X: []float64{1, 2}, Y: []float64{1}}}}), `"loss"`},
		{"marker NaN", chart(LineChart{Markers: []Marker{{X: math.NaN(), Label: "suggested"}}}), `"suggested"`},
		{"marker on log axis", chart(LineChart{LogX: true, Markers: []Marker{{X: 0, Label: "zero"}}}), `"zero"`},
		{"YRange reversed", chart(LineChart{YRange: [2]float64{1, 0}}), "YRange"},
		{"XRange on log axis", chart(LineChart{LogX: true, XRange: [2]float64{0, 1}}), "XRange"},
		{"grid overflow", race("png", badGrid(func(g *Grid) { g.Z[0][0], g.Z[1][1] = -1e308, 1e308 })), "span more than"},
		{"lines overflow", chart(LineChart{Series: []Series{{Y: []float64{-1e308, 1e308}}}}), "span more than"},
		{"losses overflow", race("png", func() RaceFigure {
			r := good
			r.Paths = []Path{{Losses: []float64{-1e308, 1e308}}}
			return r
		}()), "span more than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "plot: ") {
				t.Errorf("error %q does not start with the package name", err)
			}
		})
	}
}
