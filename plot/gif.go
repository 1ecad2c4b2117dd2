package plot

import (
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"io"
	"math"
	"time"

	"gonum.org/v1/plot/vg/draw"
)

// GIF defaults and limits.
const (
	defaultGIFDPI   = 100
	defaultGIFDelay = 80 * time.Millisecond
	gifHold         = 1500 * time.Millisecond // extra time on the last frame
	maxGIFFrames    = 1000
)

// RaceGIF draws an optimizer race (see [RaceFigure]) as an animated GIF in
// which the paths and their loss curves grow step by step: the first frame
// shows every path's start, the last the whole race, and the frames between
// are evenly spaced in steps. Frames are delay apart (0 for 80 ms; GIF
// counts in hundredths of a second, at least 2); the last is held 1.5 s
// longer. The GIF loops forever.
//
// The picture is r's at r.DPI (0 for 100 dpi): 1200 × 500 pixels at the
// default size. The map, axes and colour bar are drawn once; each frame
// after the first stores only the pixels that changed, in a fixed palette
// of viridis, greys and the series colours.
func RaceGIF(w io.Writer, r RaceFigure, frames int, delay time.Duration) error {
	if frames < 1 || frames > maxGIFFrames {
		return fmt.Errorf("plot: RaceGIF: %d frames: want 1 to %d", frames, maxGIFFrames)
	}
	if delay < 0 {
		return fmt.Errorf("plot: RaceGIF: negative frame delay %v", delay)
	}
	if delay == 0 {
		delay = defaultGIFDelay
	}
	centis := max(2, int(math.Round(delay.Seconds()*100)))
	f, err := newRaceFig(r, defaultGIFDPI)
	if err != nil {
		return err
	}
	anim, err := f.animate(frames, centis)
	if err != nil {
		return err
	}
	if err := gif.EncodeAll(w, anim); err != nil {
		return fmt.Errorf("plot: writing gif: %w", err)
	}
	return nil
}

// animate draws the frames of the race.
func (f *raceFig) animate(frames, centis int) (anim *gif.GIF, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plot: drawing failed: %v", r)
		}
	}()

	pal := gifPalette()
	q := newQuantizer(pal)
	bg := renderRGBA(f.pg, color.White, f.drawStatic)
	bgIdx := q.quantize(bg)
	b := bg.Bounds()
	anim = &gif.GIF{Config: image.Config{ColorModel: pal, Width: b.Dx(), Height: b.Dy()}}

	steps := f.steps()
	var prev *image.Paletted
	for k := range frames {
		upto := steps
		if frames > 1 {
			upto = 1 + int(math.Round(float64(max(steps-1, 0))*float64(k)/float64(frames-1)))
		}
		over := renderRGBA(f.pg, color.Transparent, func(c draw.Canvas) { f.drawOverlay(c, upto) })
		cur := q.composite(bgIdx, bg, over)
		img := cur
		if prev != nil {
			img = changes(prev, cur)
		}
		anim.Image = append(anim.Image, img)
		anim.Delay = append(anim.Delay, centis)
		anim.Disposal = append(anim.Disposal, gif.DisposalNone)
		prev = cur
	}
	anim.Delay[len(anim.Delay)-1] += int(gifHold / (10 * time.Millisecond))
	return anim, nil
}

// gifPalette is a fixed palette for race figures: transparent (index 0),
// greys, the series colours and their blends with white, viridis, viridis
// under contour lines and under white path halos, and the minimum's gold.
func gifPalette() color.Palette {
	pal := color.Palette{color.NRGBA{}}
	add := func(c color.NRGBA) { pal = append(pal, c) }
	mix := func(a, b color.NRGBA, u float64) color.NRGBA {
		m := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-u) + float64(y)*u)) }
		return color.NRGBA{m(a.R, b.R), m(a.G, b.G), m(a.B, b.B), 0xff}
	}
	black := color.NRGBA{A: 0xff}
	for k := range 32 {
		v := uint8(math.Round(float64(k) * 255 / 31))
		add(color.NRGBA{v, v, v, 0xff})
	}
	for _, c := range seriesColors {
		for _, u := range []float64{0, 0.3, 0.55, 0.8} {
			add(mix(c, whiteColor, u))
		}
	}
	for k := range 128 {
		add(viridisLUT[k*2+1])
	}
	for k := range 32 {
		add(mix(viridisLUT[k*8+4], black, 1.0/3))
	}
	for k := range 20 {
		add(mix(viridisLUT[k*13], whiteColor, 0.5))
	}
	add(starColor)
	add(mix(starColor, inkColor, 0.5))
	add(mix(starColor, whiteColor, 0.5))
	return pal[:min(len(pal), 256)]
}

// quantizer maps colours to their nearest palette entry (never the
// transparent one), remembering the answers.
type quantizer struct {
	pal   color.Palette
	rgb   [][3]int32
	cache map[uint32]uint8
}

func newQuantizer(pal color.Palette) *quantizer {
	q := &quantizer{pal: pal, rgb: make([][3]int32, len(pal)), cache: map[uint32]uint8{}}
	for i, c := range pal {
		n := color.NRGBAModel.Convert(c).(color.NRGBA)
		q.rgb[i] = [3]int32{int32(n.R), int32(n.G), int32(n.B)}
	}
	return q
}

func (q *quantizer) index(r, g, b uint8) uint8 {
	key := uint32(r)<<16 | uint32(g)<<8 | uint32(b)
	if i, ok := q.cache[key]; ok {
		return i
	}
	best, bestD := 1, int32(math.MaxInt32)
	for i := 1; i < len(q.rgb); i++ {
		c := q.rgb[i]
		dr, dg, db := int32(r)-c[0], int32(g)-c[1], int32(b)-c[2]
		if d := 3*dr*dr + 4*dg*dg + 2*db*db; d < bestD {
			best, bestD = i, d
		}
	}
	q.cache[key] = uint8(best)
	return uint8(best)
}

// quantize maps an opaque image to the palette.
func (q *quantizer) quantize(img *image.RGBA) *image.Paletted {
	out := image.NewPaletted(img.Bounds(), q.pal)
	for i := 0; i < len(out.Pix); i++ {
		p := img.Pix[4*i : 4*i+3]
		out.Pix[i] = q.index(p[0], p[1], p[2])
	}
	return out
}

// composite lays the overlay (premultiplied, mostly transparent) over the
// background and maps the result to the palette; pixels the overlay leaves
// alone keep the background's index.
func (q *quantizer) composite(bgIdx *image.Paletted, bg, over *image.RGBA) *image.Paletted {
	out := image.NewPaletted(bgIdx.Rect, q.pal)
	copy(out.Pix, bgIdx.Pix)
	for i := range out.Pix {
		o := over.Pix[4*i : 4*i+4]
		a := uint32(o[3])
		if a == 0 {
			continue
		}
		b := bg.Pix[4*i : 4*i+3]
		blend := func(ov, bv uint8) uint8 { return uint8(uint32(ov) + (uint32(bv)*(255-a)+127)/255) }
		out.Pix[i] = q.index(blend(o[0], b[0]), blend(o[1], b[1]), blend(o[2], b[2]))
	}
	return out
}

// changes is a frame holding the pixels of cur that differ from prev, in
// the smallest rectangle around them, with the rest transparent.
func changes(prev, cur *image.Paletted) *image.Paletted {
	r := image.Rectangle{}
	w := cur.Rect.Dx()
	for i := range cur.Pix {
		if cur.Pix[i] != prev.Pix[i] {
			x, y := i%w, i/w
			r = r.Union(image.Rect(x, y, x+1, y+1))
		}
	}
	if r.Empty() {
		r = image.Rect(0, 0, 1, 1)
	}
	out := image.NewPaletted(r, cur.Palette)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if i := y*w + x; cur.Pix[i] != prev.Pix[i] {
				out.SetColorIndex(x, y, cur.Pix[i])
			}
		}
	}
	return out
}
