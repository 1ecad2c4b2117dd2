package plot

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// DefaultDPI is the resolution of PNG figures whose DPI is left at zero.
const DefaultDPI = 150

// maxPixels bounds the size of a raster figure (about 12 000 × 8 000).
const maxPixels = 100_000_000

// page is the size of a figure.
type page struct {
	w, h vg.Length
	dpi  int
}

// newPage checks a figure's Width, Height (inches) and DPI, filling in the
// defaults for the zero values.
func newPage(width, height float64, dpi int, defW, defH float64, defDPI int) (page, error) {
	if width == 0 {
		width = defW
	}
	if height == 0 {
		height = defH
	}
	if dpi == 0 {
		dpi = defDPI
	}
	if !(width > 0) || math.IsInf(width, 0) || !(height > 0) || math.IsInf(height, 0) {
		return page{}, fmt.Errorf("plot: figure size %g×%g in: width and height must be positive and finite", width, height)
	}
	if dpi < 0 {
		return page{}, fmt.Errorf("plot: DPI %d must be positive", dpi)
	}
	if width < 1 || height < 1 {
		return page{}, fmt.Errorf("plot: figure size %g×%g in is too small to draw (at least 1×1 in)", width, height)
	}
	if px := width * height * float64(dpi) * float64(dpi); px > maxPixels {
		return page{}, fmt.Errorf("plot: figure of %g×%g in at %d dpi has %.0f pixels, more than %d", width, height, dpi, px, maxPixels)
	}
	return page{w: vg.Length(width) * vg.Inch, h: vg.Length(height) * vg.Inch, dpi: dpi}, nil
}

// pixels is the size in pixels of the page drawn at its DPI.
func (pg page) pixels() (int, int) {
	w := pg.w / vg.Inch * vg.Length(pg.dpi)
	h := pg.h / vg.Inch * vg.Length(pg.dpi)
	return int(w + 0.5), int(h + 0.5)
}

// checkFormat accepts "png" and "svg", in any case.
func checkFormat(format string) (string, error) {
	f := strings.ToLower(strings.TrimPrefix(format, "."))
	switch f {
	case "png", "svg":
		return f, nil
	}
	return "", fmt.Errorf("plot: unknown image format %q (want \"png\" or \"svg\")", format)
}

// svgFix touches up gonum's SVG: it names fallbacks after Liberation Sans
// (Arial has its metrics), so that text reads as drawn on machines without
// Liberation; it labels embedded images as the PNGs they are; and it lets
// images stretch to their rectangles, as they do in PNG output.
var svgFix = strings.NewReplacer(
	"font-family:Liberation Sans;", "font-family:'Liberation Sans',Arial,Helvetica,sans-serif;",
	"data:image/jpg;base64,", "data:image/png;base64,",
	"<image ", `<image preserveAspectRatio="none" `,
)

// render draws a figure on a page and writes it in the given format.
func render(w io.Writer, format string, pg page, drawFig func(draw.Canvas)) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing failed: %v", r)
		}
	}()
	switch format {
	case "png":
		img := renderRGBA(pg, color.White, drawFig)
		enc := png.Encoder{CompressionLevel: png.DefaultCompression}
		if err := enc.Encode(w, img); err != nil {
			return fmt.Errorf("plot: writing png: %w", err)
		}
		return nil
	case "svg":
		c := vgsvg.New(pg.w, pg.h)
		dc := draw.New(c)
		fillRect(dc, dc.Rectangle, color.White)
		drawFig(dc)
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			return fmt.Errorf("plot: writing svg: %w", err)
		}
		if _, err := svgFix.WriteString(w, buf.String()); err != nil {
			return fmt.Errorf("plot: writing svg: %w", err)
		}
		return nil
	}
	return fmt.Errorf("plot: unknown image format %q", format)
}

// renderRGBA draws a figure into a new image with the given background
// (transparent for overlays).
func renderRGBA(pg page, bg color.Color, drawFig func(draw.Canvas)) *image.RGBA {
	c := vgimg.NewWith(vgimg.UseWH(pg.w, pg.h), vgimg.UseDPI(pg.dpi), vgimg.UseBackgroundColor(bg))
	drawFig(draw.New(c))
	if img, ok := c.Image().(*image.RGBA); ok {
		return img
	}
	src := c.Image()
	img := image.NewRGBA(src.Bounds())
	for y := src.Bounds().Min.Y; y < src.Bounds().Max.Y; y++ {
		for x := src.Bounds().Min.X; x < src.Bounds().Max.X; x++ {
			img.Set(x, y, src.At(x, y))
		}
	}
	return img
}
