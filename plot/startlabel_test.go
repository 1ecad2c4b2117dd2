package plot

import (
	"bytes"
	"strings"
	"testing"
)

// StartLabel renames the start disc in the legend.
func TestContourStartLabel(t *testing.T) {
	g, err := NewGrid(-1, 1, 5, -1, 1, 5, func(x, y float64) float64 { return x*x + y*y })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ label, want string }{{"", ">start<"}, {"checkpoint", ">checkpoint<"}} {
		var buf bytes.Buffer
		if err := Contour(&buf, "svg", ContourFigure{Grid: g, Start: &[2]float64{0, 0}, StartLabel: tc.label}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), tc.want) {
			t.Errorf("StartLabel %q: the SVG lacks %q", tc.label, tc.want)
		}
	}
}
