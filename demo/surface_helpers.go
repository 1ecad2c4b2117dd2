package demo

// What the loss-surface demos (momentum, nesterov, saddle, plateau) share:
// drawing a race or a line chart into cfg.Out, and the measurements they
// take on trajectories.

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/descent-ml/descent/plot"
	"github.com/descent-ml/descent/surface"
)

// surfDPI is the resolution of the surface demos' PNG pictures: sharp on
// a screen and small enough to keep in documentation.
const surfDPI = 120

// surfGrid is how many grid points per axis a race picture samples the
// function on: fewer in quick mode.
func surfGrid(cfg Config) int {
	if cfg.Quick {
		return 61
	}
	return 201
}

// surfResolution is the pictures' DPI: low in quick mode, which keeps
// every element of a picture but draws it fast.
func surfResolution(cfg Config) int {
	if cfg.Quick {
		return 50
	}
	return surfDPI
}

// surfRaceOpts is how a race picture is drawn.
type surfRaceOpts struct {
	Title     string
	LogLevels bool         // colours and contours spaced in log10 of f
	Minima    [][2]float64 // marked with stars, on top of fn's listed minima
	Upto      []int        // when set, path i is drawn on the map up to step Upto[i]
	LossFloor float64      // when set, each loss is drawn until it falls below this, clamped to it
	Names     []string     // when set, the legend's names of the paths
}

// surfRacePicture draws a race over the 2-D fn, its heat map with the
// trajectories next to the loss against the step, into the picture called
// name of cfg.Out, and returns its path ("" when cfg.Out is empty).
func surfRacePicture(cfg Config, name string, fn *surface.Function, results []surface.Result, o surfRaceOpts) (string, error) {
	path, format := cfg.Picture(name)
	if path == "" {
		return "", nil
	}
	dom := fn.Domain()
	n := surfGrid(cfg)
	grid, err := plot.NewGrid(dom[0].Lo, dom[0].Hi, n, dom[1].Lo, dom[1].Hi, n, func(x, y float64) float64 {
		return fn.Value([]float64{x, y})
	})
	if err != nil {
		return "", fmt.Errorf("picture %s: %w", name, err)
	}
	fig := plot.RaceFigure{
		Grid: grid, Title: o.Title, XLabel: "x", YLabel: "y", ZLabel: "f(x, y)",
		LogLevels: o.LogLevels, Minima: o.Minima, DPI: surfResolution(cfg),
	}
	for _, c := range fn.Critical() {
		if c.Kind == surface.Minimum {
			fig.Minima = append(fig.Minima, [2]float64{c.X[0], c.X[1]})
		}
	}
	for i, r := range results {
		end := len(r.Trajectory)
		if i < len(o.Upto) && o.Upto[i] >= 0 {
			end = min(end, o.Upto[i]+1)
		}
		losses := r.Losses
		if o.LossFloor > 0 {
			if k := surfStepsBelow(r, o.LossFloor); k >= 0 {
				losses = append(slices.Clone(losses[:k]), o.LossFloor)
			}
		}
		p := plot.Path{Name: r.Name, Losses: losses}
		if i < len(o.Names) {
			p.Name = o.Names[i]
		}
		for _, x := range r.Trajectory[:end] {
			p.Points = append(p.Points, [2]float64{x[0], x[1]})
		}
		fig.Paths = append(fig.Paths, p)
	}
	if len(fig.Paths) > 0 && len(fig.Paths[0].Points) > 0 {
		s := fig.Paths[0].Points[0]
		fig.Start = &s
	}
	if err := writeFile(path, func(w io.Writer) error {
		return surfEncode(w, format, func(w io.Writer) error { return plot.Race(w, format, fig) })
	}); err != nil {
		return "", fmt.Errorf("picture %s: %w", name, err)
	}
	return path, nil
}

// surfLinePicture draws a line chart into the picture called name of
// cfg.Out and returns its path ("" when cfg.Out is empty).
func surfLinePicture(cfg Config, name string, c plot.LineChart) (string, error) {
	path, format := cfg.Picture(name)
	if path == "" {
		return "", nil
	}
	if c.DPI == 0 {
		c.DPI = surfResolution(cfg)
	}
	if err := writeFile(path, func(w io.Writer) error {
		return surfEncode(w, format, func(w io.Writer) error { return plot.Lines(w, format, c) })
	}); err != nil {
		return "", fmt.Errorf("picture %s: %w", name, err)
	}
	return path, nil
}

// surfFiles appends the non-empty paths to files.
func surfFiles(files []string, paths ...string) []string {
	for _, p := range paths {
		if p != "" {
			files = append(files, p)
		}
	}
	return files
}

// surfFirst returns the first index i < n with ok(i), or -1.
func surfFirst(n int, ok func(i int) bool) int {
	for i := range n {
		if ok(i) {
			return i
		}
	}
	return -1
}

// surfStepsBelow returns the first step at which the loss is below tol,
// or -1 when it never is.
func surfStepsBelow(r surface.Result, tol float64) int {
	return surfFirst(len(r.Losses), func(i int) bool { return r.Losses[i] < tol })
}

// surfDist returns ‖a − b‖.
func surfDist(a, b []float64) float64 {
	var s float64
	for i := range a {
		s = math.Hypot(s, a[i]-b[i])
	}
	return s
}

// surfRate is the measured contraction per step of the distance to x*:
// the geometric mean of ‖x_{t+1} − x*‖/‖x_t − x*‖ over the steps from burn
// to burn+window. NaN when the trajectory is too short or reaches x*.
func surfRate(traj [][]float64, xstar []float64, burn, window int) float64 {
	if window < 1 || burn+window >= len(traj) {
		return math.NaN()
	}
	a, b := surfDist(traj[burn], xstar), surfDist(traj[burn+window], xstar)
	if a == 0 || b == 0 {
		return math.NaN()
	}
	return math.Exp(math.Log(b/a) / float64(window))
}

// surfPathLength is the length of the polyline through traj.
func surfPathLength(traj [][]float64) float64 {
	var s float64
	for i := 1; i < len(traj); i++ {
		s += surfDist(traj[i], traj[i-1])
	}
	return s
}

// surfEigen returns the eigenvalues of fn's Hessian at x, ascending.
func surfEigen(fn *surface.Function, x []float64) ([]float64, error) {
	n := fn.Dim()
	h := make([]float64, n*n)
	if err := fn.Hessian(x, h); err != nil {
		return nil, err
	}
	vals, _, err := surface.Eigen(h, n)
	if err != nil {
		return nil, fmt.Errorf("Hessian at %v: %w", x, err)
	}
	return vals, nil
}

// surfRootModulus is the largest modulus of the roots of z² − a·z + b,
// the characteristic polynomial of a two-term linear recurrence: the
// factor by which its error shrinks (or grows) per step in the long run.
func surfRootModulus(a, b float64) float64 {
	disc := a*a - 4*b
	if disc < 0 { // complex pair of modulus √b
		return math.Sqrt(b)
	}
	s := math.Sqrt(disc)
	return max(math.Abs(a+s), math.Abs(a-s)) / 2
}

// surfInt writes n with a space between thousands: 12 345.
func surfInt(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// surfSteps writes a step count, or "never" for -1.
func surfSteps(n int) string {
	if n < 0 {
		return "never"
	}
	return surfInt(n)
}

// surfNum writes v with 4 significant digits, and a short exponent: 1e-6.
func surfNum(v float64) string { return surfSig(v, 4) }

// surfSig writes v with the given significant digits and a short
// exponent.
func surfSig(v float64, digits int) string {
	return strings.NewReplacer("e-0", "e-", "e+0", "e+").Replace(strconv.FormatFloat(v, 'g', digits, 64))
}

// surfList writes numbers as {a, b, c}.
func surfList(v []float64) string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = surfNum(e)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// surfPoint writes a point as (x, y) with 3 significant digits.
func surfPoint(x []float64) string {
	parts := make([]string, len(x))
	for i, v := range x {
		parts[i] = surfSig(v+0, 3) // +0: no "-0"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// surfFlag is 1 for true and 0 for false, for Report.Numbers.
func surfFlag(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// surfGaps returns v with the values below floor replaced by NaN, so that
// a log-scale chart stops where the numbers reach rounding noise.
func surfGaps(v []float64, floor float64) []float64 {
	out := make([]float64, len(v))
	for i, e := range v {
		if e < floor {
			e = math.NaN()
		}
		out[i] = e
	}
	return out
}

// surfCompactPNG re-encodes the PNG in b with at most 256 colours, chosen
// by median cut: the picture's colours (counted at 5 bits a channel) are
// split into boxes of about equal weight along their widest channel, and
// every pixel takes the mean colour of its box. A heat map's smooth
// shading compresses poorly in true colour; with a palette the pictures
// are about a third of the size and look the same.
func surfCompactPNG(w io.Writer, b []byte) error {
	src, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return err
	}
	bounds := src.Bounds()
	key := func(c color.NRGBA) int {
		return int(c.R>>3)<<15 | int(c.G>>3)<<10 | int(c.B>>3)<<5 | int(c.A>>3)
	}
	index := make([]int32, 1<<20) // key → entry + 1 (0: none yet)
	var bins []surfBin
	px := make([]int32, 0, bounds.Dx()*bounds.Dy()) // the entry of every pixel
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			c := surfNRGBA(src, x, y)
			k := key(c)
			if index[k] == 0 {
				bins = append(bins, surfBin{})
				index[k] = int32(len(bins))
			}
			e := index[k] - 1
			bins[e].add(c)
			px = append(px, e)
		}
	}
	boxes := surfMedianCut(bins, 256)
	pal := make(color.Palette, len(boxes))
	for i, box := range boxes {
		var sum surfBin
		for _, e := range box {
			sum.merge(bins[e])
		}
		pal[i] = sum.mean()
	}
	// Each colour bin takes the palette's colour nearest to its mean.
	nearest := make([]uint8, len(bins))
	for e := range bins {
		nearest[e] = uint8(pal.Index(bins[e].mean()))
	}
	dst := image.NewPaletted(image.Rect(0, 0, bounds.Dx(), bounds.Dy()), pal)
	for i, e := range px {
		dst.Pix[i] = nearest[e]
	}
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, dst)
}

// surfNRGBA returns the colour at (x, y), quickly for the RGBA and NRGBA
// images the PNG decoder returns for the pictures.
func surfNRGBA(img image.Image, x, y int) color.NRGBA {
	switch m := img.(type) {
	case *image.NRGBA:
		return m.NRGBAAt(x, y)
	case *image.RGBA:
		if c := m.RGBAAt(x, y); c.A == 255 {
			return color.NRGBA{c.R, c.G, c.B, 255}
		}
	}
	return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
}

// surfBin is the pixels of one colour bin: how many, and their sums.
type surfBin struct {
	n          int
	r, g, b, a int
}

func (s *surfBin) add(c color.NRGBA) {
	s.n++
	s.r += int(c.R)
	s.g += int(c.G)
	s.b += int(c.B)
	s.a += int(c.A)
}

func (s *surfBin) merge(o surfBin) {
	s.n += o.n
	s.r += o.r
	s.g += o.g
	s.b += o.b
	s.a += o.a
}

func (s surfBin) mean() color.NRGBA {
	h := s.n / 2 // round to nearest
	return color.NRGBA{uint8((s.r + h) / s.n), uint8((s.g + h) / s.n), uint8((s.b + h) / s.n), uint8((s.a + h) / s.n)}
}

// channel returns the mean of channel k (0 to 3: R, G, B, A).
func (s surfBin) channel(k int) float64 {
	return float64([4]int{s.r, s.g, s.b, s.a}[k]) / float64(s.n)
}

// surfMedianCut splits the bins (by index) into at most n boxes: again
// and again the box with the largest weight × widest channel range is cut
// along that channel where half its pixels lie on either side.
func surfMedianCut(bins []surfBin, n int) [][]int {
	all := make([]int, len(bins))
	for i := range all {
		all[i] = i
	}
	boxes := [][]int{all}
	// spread returns a box's widest channel and its range × weight.
	spread := func(box []int) (int, float64) {
		best, score := 0, -1.0
		weight := 0
		for _, e := range box {
			weight += bins[e].n
		}
		for k := range 4 {
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, e := range box {
				v := bins[e].channel(k)
				lo, hi = min(lo, v), max(hi, v)
			}
			if hi-lo > score {
				best, score = k, hi-lo
			}
		}
		return best, score * float64(weight)
	}
	for len(boxes) < n {
		pick, pickScore, pickK := -1, 0.0, 0
		for i, box := range boxes {
			if len(box) < 2 {
				continue
			}
			if k, s := spread(box); s > pickScore {
				pick, pickScore, pickK = i, s, k
			}
		}
		if pick < 0 {
			break
		}
		box := boxes[pick]
		sort.Slice(box, func(i, j int) bool { return bins[box[i]].channel(pickK) < bins[box[j]].channel(pickK) })
		total := 0
		for _, e := range box {
			total += bins[e].n
		}
		cut, acc := 1, bins[box[0]].n
		for cut < len(box)-1 && 2*acc < total {
			acc += bins[box[cut]].n
			cut++
		}
		boxes[pick] = box[:cut:cut]
		boxes = append(boxes, box[cut:])
	}
	return boxes
}

// surfEncode writes the picture draw makes, a PNG with at most 256
// colours (see surfCompactPNG) or an SVG as it comes.
func surfEncode(w io.Writer, format string, draw func(io.Writer) error) error {
	if format != "png" {
		return draw(w)
	}
	var buf bytes.Buffer
	if err := draw(&buf); err != nil {
		return err
	}
	return surfCompactPNG(w, buf.Bytes())
}
