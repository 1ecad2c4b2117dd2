package demo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// runSurfaceDemo runs a demo in quick mode into a temporary directory,
// checks that every file it reports exists, is not empty and lies in that
// directory, and returns the report with a lookup of its numbers that
// fails the test on a missing one.
func runSurfaceDemo(t *testing.T, name string, cfg Config) (*Report, func(key string) float64) {
	t.Helper()
	cfg.Out, cfg.Quick = t.TempDir(), true
	rep, err := Run(context.Background(), name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Name != name || len(rep.Findings) == 0 || rep.Table == nil || len(rep.Table.Rows) == 0 {
		t.Fatalf("report of %s is incomplete: %+v", name, rep)
	}
	pictures := 0
	for _, f := range rep.Files {
		if filepath.Dir(f) != cfg.Out {
			t.Errorf("%s is not in %s", f, cfg.Out)
		}
		st, err := os.Stat(f)
		if err != nil {
			t.Errorf("reported file: %v", err)
			continue
		}
		if st.Size() == 0 {
			t.Errorf("%s is empty", f)
		}
		if filepath.Ext(f) == "."+cfg.Format || (cfg.Format == "" && filepath.Ext(f) == ".png") {
			pictures++
		}
	}
	if pictures < 2 {
		t.Errorf("%d pictures in %v, want at least 2", pictures, rep.Files)
	}
	for k, v := range rep.Numbers {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Errorf("number %s = %v", k, v)
		}
	}
	return rep, func(key string) float64 {
		t.Helper()
		v, ok := rep.Numbers[key]
		if !ok {
			t.Fatalf("no number %q in %v", key, rep.Numbers)
		}
		return v
	}
}

// surfClaim is one claim a test checks on a report's numbers.
type surfClaim struct {
	what string
	ok   bool
}

func checkSurfClaims(t *testing.T, claims []surfClaim) {
	t.Helper()
	for _, c := range claims {
		if !c.ok {
			t.Errorf("claim fails: %s", c.what)
		}
	}
}

// near reports whether got is within rel of want.
func near(got, want, rel float64) bool { return math.Abs(got-want) <= rel*math.Abs(want) }

func TestDemoSurfaceRootModulus(t *testing.T) {
	for _, tc := range []struct{ a, b, want float64 }{
		{2, 1, 1},                  // (z − 1)²
		{0, 0, 0},                  // z²
		{3, 2, 2},                  // (z − 1)(z − 2)
		{-3, 2, 2},                 // (z + 1)(z + 2)
		{1.8, 0.9, math.Sqrt(0.9)}, // complex pair
		{2.1, 0.9, 1.5},            // (z − 1.5)(z − 0.6)
	} {
		if got := surfRootModulus(tc.a, tc.b); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("z² − %gz + %g: largest |root| %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestDemoSurfaceInt(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1 000"}, {1234567, "1 234 567"}, {-1234, "-1 234"}} {
		if got := surfInt(tc.n); got != tc.want {
			t.Errorf("surfInt(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

// TestDemoSurfaceCompactPNG: a picture with thousands of colours comes back as
// a paletted PNG of the same size, at most 256 colours, close to the
// original everywhere.
func TestDemoSurfaceCompactPNG(t *testing.T) {
	const w, h = 96, 64
	src := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(x * 255 / (w - 1)), uint8(y * 255 / (h - 1)), uint8((x + y) % 256), 255}
			if x < 8 {
				c = color.NRGBA{255, 255, 255, 255} // a white margin
			}
			src.SetNRGBA(x, y, c)
		}
	}
	var in, out bytes.Buffer
	if err := png.Encode(&in, src); err != nil {
		t.Fatal(err)
	}
	if err := surfCompactPNG(&out, in.Bytes()); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	pal, ok := img.(*image.Paletted)
	if !ok || len(pal.Palette) > 256 || img.Bounds() != src.Bounds() {
		t.Fatalf("got %T with bounds %v, want a paletted image of ≤ 256 colours and bounds %v", img, img.Bounds(), src.Bounds())
	}
	var sum, worst float64
	for y := range h {
		for x := range w {
			a := src.NRGBAAt(x, y)
			b := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			d := math.Abs(float64(a.R)-float64(b.R)) + math.Abs(float64(a.G)-float64(b.G)) + math.Abs(float64(a.B)-float64(b.B))
			sum += d
			worst = max(worst, d)
			if x < 8 && b != a {
				t.Fatalf("white margin became %v", b)
			}
		}
	}
	if mean := sum / (w * h * 3); mean > 12 || worst > 120 {
		t.Errorf("mean error %.1f, worst %.0f per pixel (of 0–255 a channel)", mean, worst)
	}
}

func TestDemoSurfaceWithoutOut(t *testing.T) {
	rep, err := Run(context.Background(), "plateau", Config{Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 0 {
		t.Errorf("wrote %v with no output directory", rep.Files)
	}
}

func TestDemoSurfaceSVG(t *testing.T) {
	rep, _ := runSurfaceDemo(t, "nesterov", Config{Format: "svg"})
	for _, f := range rep.Files {
		if filepath.Ext(f) != ".svg" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b[:min(len(b), 512)], []byte("<svg")) {
			t.Errorf("%s does not start as an SVG: %.80q", f, b)
		}
	}
}
