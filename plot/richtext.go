package plot

import (
	"strings"

	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
)

// richText is gonum's plain text with one addition: "^{…}" is drawn as a
// superscript, so tick labels can read 10⁻⁴ although Liberation Sans lacks
// most superscript digits.
type richText struct{ text.Plain }

// handler is the text handler of every style in the package.
var handler text.Handler = richText{text.Plain{Fonts: font.DefaultCache}}

const (
	supScale = 0.72 // superscript size relative to the text
	supRaise = 0.42 // superscript baseline, as a fraction of the ascent
)

// segment is a run of text, superscript or not.
type segment struct {
	s   string
	sup bool
}

// segments splits txt at "^{…}"; ok is false when it has none.
func segments(txt string) (segs []segment, ok bool) {
	for {
		i := strings.Index(txt, "^{")
		if i < 0 {
			break
		}
		j := strings.IndexByte(txt[i:], '}')
		if j < 0 {
			break
		}
		if i > 0 {
			segs = append(segs, segment{txt[:i], false})
		}
		segs = append(segs, segment{txt[i+2 : i+j], true})
		txt = txt[i+j+1:]
		ok = true
	}
	if txt != "" {
		segs = append(segs, segment{txt, false})
	}
	return segs, ok
}

func (h richText) faces(fnt font.Font) (base, sup font.Face) {
	return h.Fonts.Lookup(fnt, fnt.Size), h.Fonts.Lookup(fnt, fnt.Size*supScale)
}

// Box implements text.Handler. A superscript does not change the height,
// so labels with and without one line up.
func (h richText) Box(txt string, fnt font.Font) (width, height, depth vg.Length) {
	segs, ok := segments(txt)
	if !ok {
		return h.Plain.Box(txt, fnt)
	}
	base, sup := h.faces(fnt)
	for _, s := range segs {
		if s.sup {
			width += sup.Width(s.s)
		} else {
			width += base.Width(s.s)
		}
	}
	ext := base.Extents()
	return width, ext.Ascent, ext.Descent
}

// Draw implements text.Handler.
func (h richText) Draw(c vg.Canvas, txt string, sty text.Style, pt vg.Point) {
	segs, ok := segments(txt)
	if !ok || sty.Rotation != 0 || strings.Contains(txt, "\n") {
		h.Plain.Draw(c, txt, sty, pt)
		return
	}
	base, sup := h.faces(sty.Font)
	w, _, _ := h.Box(txt, sty.Font)
	ascent := base.Extents().Ascent
	// The same baseline as text.Plain.Draw.
	y := pt.Y + sty.Height(txt)*vg.Length(sty.YAlign) - ascent + sty.Font.Size
	x := pt.X + vg.Length(sty.XAlign)*w
	c.SetColor(sty.Color)
	for _, s := range segs {
		if s.sup {
			c.FillString(sup, vg.Point{X: x, Y: y + ascent*supRaise}, s.s)
			x += sup.Width(s.s)
			continue
		}
		c.FillString(base, vg.Point{X: x, Y: y}, s.s)
		x += base.Width(s.s)
	}
}
