package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
	"github.com/descent-ml/descent/internal/parallel"
)

var windows = []Window{
	{KH: 3, KW: 3, PH: 1, PW: 1},
	{KH: 3, KW: 3, SH: 2, SW: 2},
	{KH: 2, KW: 2, SH: 2, SW: 2},
	{KH: 5, KW: 3, SH: 2, SW: 1, PH: 2, PW: 1},
	{KH: 1, KW: 1},
	{KH: 3, KW: 2, SH: 3, SW: 2, PH: 1, PW: 1},
	{KH: 7, KW: 6},
	{KH: 3, KW: 3, PH: 2, PW: 2},               // rows and columns wholly padding
	{KH: 2, KW: 4, SH: 3, SW: 3, PH: 2, PW: 3}, // strides over padding
	{KH: 1, KW: 1, PH: 1, PW: 1},
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// at returns x[n, c, i, j] or 0 outside the image (padding).
func at(x *Tensor[float64], n, c, i, j int) (float64, bool) {
	h, w := x.Shape[2], x.Shape[3]
	if i < 0 || i >= h || j < 0 || j >= w {
		return 0, false
	}
	return x.Data[((n*x.Shape[1]+c)*h+i)*w+j], true
}

func TestIm2Col(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	const n, c, h, w, f = 2, 3, 7, 6, 4
	for _, g := range windows {
		x := randTensor[float64](rng, 1, n, c, h, w)
		shape, err := g.ColShape(n, c, h, w)
		if err != nil {
			t.Fatal(err)
		}
		cols := Full(math.NaN(), shape...)
		if err := Im2Col(cols, x, g); err != nil {
			t.Fatal(err)
		}
		oh, ow, _ := g.Out(h, w)
		sh, sw := g.strides()
		kk, l := c*g.KH*g.KW, oh*ow
		for b := range n {
			for ch := range c {
				for kh := range g.KH {
					for kw := range g.KW {
						for i := range oh {
							for j := range ow {
								want, _ := at(x, b, ch, i*sh-g.PH+kh, j*sw-g.PW+kw)
								got := cols.Data[(b*kk+(ch*g.KH+kh)*g.KW+kw)*l+i*ow+j]
								if got != want {
									t.Fatalf("%+v: cols mismatch at n=%d c=%d k=(%d,%d) out=(%d,%d): %v want %v", g, b, ch, kh, kw, i, j, got, want)
								}
							}
						}
					}
				}
			}
		}
		// Col2Im is the adjoint of Im2Col: <im2col(x), C> = <x, col2im(C)>.
		cc := randTensor[float64](rng, 1, shape...)
		dx := Full(math.NaN(), n, c, h, w)
		if err := Col2Im(dx, cc, g); err != nil {
			t.Fatal(err)
		}
		if l, r := dot(cols.Data, cc.Data), dot(x.Data, dx.Data); !closeTo(l, r, 1e-12) {
			t.Fatalf("%+v: <im2col x, C> = %v, <x, col2im C> = %v", g, l, r)
		}
		// Convolution as W·cols_n against the direct sum.
		wt := randTensor[float64](rng, 1, f, kk)
		y := Zeros[float64](f, l)
		for b := range n {
			colsN := &Tensor[float64]{Shape: []int{kk, l}, Data: cols.Data[b*kk*l : (b+1)*kk*l]}
			if err := MatMul(y, false, false, 1, wt, colsN, 0); err != nil {
				t.Fatal(err)
			}
			for o := range f {
				for i := range oh {
					for j := range ow {
						var s float64
						for ch := range c {
							for kh := range g.KH {
								for kw := range g.KW {
									v, _ := at(x, b, ch, i*sh-g.PH+kh, j*sw-g.PW+kw)
									s += wt.Data[o*kk+(ch*g.KH+kh)*g.KW+kw] * v
								}
							}
						}
						if got := y.Data[o*l+i*ow+j]; !closeTo(got, s, 1e-12) {
							t.Fatalf("%+v: conv[%d,%d,%d,%d] = %v, want %v", g, b, o, i, j, got, s)
						}
					}
				}
			}
		}
	}
}

func TestPool(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n, c, h, w = 2, 3, 7, 6
	for _, g := range windows {
		x := randTensor[float64](rng, 1, n, c, h, w)
		oh, ow, _ := g.Out(h, w)
		sh, sw := g.strides()
		y, ya := Zeros[float64](n, c, oh, ow), Zeros[float64](n, c, oh, ow)
		idx := make([]int, len(y.Data))
		maxOK := g.PH*2 <= g.KH && g.PW*2 <= g.KW
		if err := MaxPool2D(y, idx, x, g); (err == nil) != maxOK {
			t.Fatalf("%+v: max-pool err = %v", g, err)
		}
		if err := AvgPool2D(ya, x, g); err != nil {
			t.Fatal(err)
		}
		dy := randTensor[float64](rng, 1, n, c, oh, ow)
		dx, dxa := Zeros[float64](n, c, h, w), Zeros[float64](n, c, h, w)
		if maxOK {
			if err := MaxPool2DBackward(dx, dy, idx, g); err != nil {
				t.Fatal(err)
			}
		}
		if err := AvgPool2DBackward(dxa, dy, g); err != nil {
			t.Fatal(err)
		}
		want := Zeros[float64](n, c, h, w)
		for b := range n {
			for ch := range c {
				for i := range oh {
					for j := range ow {
						best, arg, sum := math.Inf(-1), -1, 0.0
						for kh := range g.KH {
							for kw := range g.KW {
								ih, iw := i*sh-g.PH+kh, j*sw-g.PW+kw
								v, in := at(x, b, ch, ih, iw)
								sum += v
								if in && v > best {
									best, arg = v, ih*w+iw
								}
							}
						}
						k := ((b*c+ch)*oh+i)*ow + j
						if maxOK && (y.Data[k] != best || idx[k] != arg) {
							t.Fatalf("%+v: max-pool[%d] = %v at %d, want %v at %d", g, k, y.Data[k], idx[k], best, arg)
						}
						if !closeTo(ya.Data[k], sum/float64(g.KH*g.KW), 1e-12) {
							t.Fatalf("%+v: avg-pool[%d] = %v, want %v", g, k, ya.Data[k], sum/float64(g.KH*g.KW))
						}
						if maxOK {
							want.Data[(b*c+ch)*h*w+arg] += dy.Data[k]
						}
					}
				}
			}
		}
		if maxOK {
			for i := range dx.Data {
				if !closeTo(dx.Data[i], want.Data[i], 1e-12) {
					t.Fatalf("%+v: max-pool dx[%d] = %v, want %v", g, i, dx.Data[i], want.Data[i])
				}
			}
		}
		// Average pooling is linear: its backward is its adjoint.
		if l, r := dot(ya.Data, dy.Data), dot(x.Data, dxa.Data); !closeTo(l, r, 1e-12) {
			t.Fatalf("%+v: <avgpool x, dy> = %v, <x, dx> = %v", g, l, r)
		}
	}
}

func TestConvErrors(t *testing.T) {
	x := Zeros[float32](1, 2, 5, 5)
	g := Window{KH: 3, KW: 3}
	for name, err := range map[string]error{
		"not 4-D":     Im2Col(Zeros[float32](1, 18, 9), Zeros[float32](2, 5, 5), g),
		"cols shape":  Im2Col(Zeros[float32](1, 18, 8), x, g),
		"too big":     Im2Col(Zeros[float32](1, 18, 9), x, Window{KH: 6, KW: 3}),
		"bad window":  AvgPool2D(Zeros[float32](1, 2, 3, 3), x, Window{KH: 0, KW: 3}),
		"pool shape":  MaxPool2D(Zeros[float32](1, 2, 2, 3), nil, x, g),
		"idx length":  MaxPool2D(Zeros[float32](1, 2, 3, 3), make([]int, 3), x, g),
		"no indices":  MaxPool2DBackward(x, Zeros[float32](1, 2, 3, 3), nil, g),
		"max padding": MaxPool2D(Zeros[float32](1, 2, 7, 7), nil, x, Window{KH: 3, KW: 3, PH: 2, PW: 2}),
	} {
		if !errors.Is(err, ErrShape) {
			t.Errorf("%s: err = %v, want ErrShape", name, err)
		}
	}
}

// The shape errors still name the shape wanted.
func TestConvErrorMessages(t *testing.T) {
	x := Zeros[float32](1, 2, 5, 5)
	g := Window{KH: 3, KW: 3}
	if err := Im2Col(Zeros[float32](1, 18, 8), x, g); err == nil || !strings.Contains(err.Error(), "needs columns [1 18 9], have [1 18 8]") {
		t.Errorf("im2col: %v", err)
	}
	if err := AvgPool2D(Zeros[float32](1, 2, 3, 4), x, g); err == nil || !strings.Contains(err.Error(), "gives [1 2 3 3], have [1 2 3 4]") {
		t.Errorf("avg-pool: %v", err)
	}
}

// Im2Col, Col2Im and the pooling kernels allocate nothing, shape checks
// included.
func TestConvNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("race detector allocates")
	}
	defer parallel.SetThreads(parallel.SetThreads(2))
	x, dx := Zeros[float32](4, 3, 12, 12), Zeros[float32](4, 3, 12, 12)
	g := Window{KH: 3, KW: 3, PH: 1, PW: 1}
	cs, _ := g.ColShape(4, 3, 12, 12)
	cols := Zeros[float32](cs...)
	pw := Window{KH: 2, KW: 2, SH: 2, SW: 2}
	y := Zeros[float32](4, 3, 6, 6)
	idx := make([]int, y.Len())
	if n := testing.AllocsPerRun(20, func() {
		_ = Im2Col(cols, x, g)
		_ = Col2Im(dx, cols, g)
		_ = MaxPool2D(y, idx, x, pw)
		_ = MaxPool2DBackward(dx, y, idx, pw)
		_ = AvgPool2D(y, x, pw)
		_ = AvgPool2DBackward(dx, y, pw)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

// Max-pooling with ties, signed zeros, infinities and NaNs: the first
// maximum wins, a NaN counts as largest (the first NaN wins), and the
// output is that element, bit for bit.
func TestMaxPoolTiesAndNaN(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	vals := []float32{-1, 0, float32(math.Copysign(0, -1)), 1, float32(math.Inf(-1)), float32(math.NaN())}
	const n, c, h, w = 2, 3, 9, 8
	for _, g := range append(windows, Window{KH: 3, KW: 3, SH: 1, SW: 1}, Window{KH: 2, KW: 2, SH: 1, SW: 1, PH: 1, PW: 1}) {
		if g.PH*2 > g.KH || g.PW*2 > g.KW {
			continue
		}
		x := Zeros[float32](n, c, h, w)
		for i := range x.Data {
			// Mostly NaN-free planes, so the fast path's windows are seen
			// with and without NaNs.
			k := rng.IntN(len(vals) - 1)
			if rng.IntN(40) == 0 {
				k = len(vals) - 1
			}
			x.Data[i] = vals[k]
		}
		oh, ow, _ := g.Out(h, w)
		sh, sw := g.strides()
		y := Zeros[float32](n, c, oh, ow)
		idx := make([]int, y.Len())
		if err := MaxPool2D(y, idx, x, g); err != nil {
			t.Fatal(err)
		}
		for p := range n * c {
			img := x.Data[p*h*w : (p+1)*h*w]
			for i := range oh {
				for j := range ow {
					best, arg := float32(math.Inf(-1)), -1
					for ih := max(i*sh-g.PH, 0); ih < min(i*sh-g.PH+g.KH, h); ih++ {
						for iw := max(j*sw-g.PW, 0); iw < min(j*sw-g.PW+g.KW, w); iw++ {
							v := img[ih*w+iw]
							if arg < 0 || v > best || (v != v && best == best) {
								best, arg = v, ih*w+iw
							}
						}
					}
					k := p*oh*ow + i*ow + j
					if idx[k] != arg || math.Float32bits(y.Data[k]) != math.Float32bits(img[arg]) {
						t.Fatalf("%+v: plane %d (%d, %d): %v at %d, want %v at %d", g, p, i, j, y.Data[k], idx[k], best, arg)
					}
				}
			}
		}
	}
}

// TestIm2ColFloat32SIMD: float32 im2col and col2im on the SIMD block
// kernels give the Go loops' bits, over the test windows and LeNet-5's
// (rows wider than one 16-lane block, "same" padding and none).
func TestIm2ColFloat32SIMD(t *testing.T) {
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	rng := rand.New(rand.NewPCG(6, 2))
	type tc struct {
		g          Window
		c, h, w, n int
	}
	var cases []tc
	for _, g := range windows {
		cases = append(cases, tc{g, 3, 7, 6, 2}, tc{g, 2, 9, 37, 1})
	}
	cases = append(cases, tc{Window{KH: 5, KW: 5, PH: 2, PW: 2}, 1, 28, 28, 2}, tc{Window{KH: 5, KW: 5}, 6, 14, 14, 2},
		tc{Window{KH: 3, KW: 3, SH: 2, PH: 1, PW: 1}, 2, 11, 40, 1})
	for _, c := range cases {
		x := randTensor[float32](rng, 1, c.n, c.c, c.h, c.w)
		shape, err := c.g.ColShape(c.n, c.c, c.h, c.w)
		if err != nil {
			t.Fatal(err)
		}
		var cols, imgs [2]*Tensor[float32]
		for i, simd := range []bool{false, true} {
			kernel.Enabled = simd
			cols[i] = Full(float32(math.NaN()), shape...)
			if err := Im2Col(cols[i], x, c.g); err != nil {
				t.Fatal(err)
			}
			imgs[i] = Full(float32(math.NaN()), x.Shape...)
			if err := Col2Im(imgs[i], cols[0], c.g); err != nil {
				t.Fatal(err)
			}
		}
		for k := range cols[0].Data {
			if math.Float32bits(cols[0].Data[k]) != math.Float32bits(cols[1].Data[k]) {
				t.Fatalf("%+v %v: im2col[%d] = %v with SIMD, %v without", c.g, x.Shape, k, cols[1].Data[k], cols[0].Data[k])
			}
		}
		for k := range imgs[0].Data {
			if math.Float32bits(imgs[0].Data[k]) != math.Float32bits(imgs[1].Data[k]) {
				t.Fatalf("%+v %v: col2im[%d] = %v with SIMD, %v without", c.g, x.Shape, k, imgs[1].Data[k], imgs[0].Data[k])
			}
		}
	}
}

// TestConvGrouped: Conv2DForward and ConvInputGrad give the bits of
// Im2Col with GemmBatch and of GemmBatch with Col2Im, whatever the group
// of images, and ConvWeightGrad those of Im2Col with GemmSumNT, over the
// test windows and LeNet-5's, float32 and float64.
func TestConvGrouped(t *testing.T) {
	testConvGrouped[float32](t)
	testConvGrouped[float64](t)
}

func testConvGrouped[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	type tc struct {
		g             Window
		n, c, h, w, f int
	}
	cases := []tc{{Window{KH: 5, KW: 5, PH: 2, PW: 2}, 5, 1, 28, 28, 6}, {Window{KH: 5, KW: 5}, 3, 6, 14, 14, 16}}
	for _, g := range windows {
		cases = append(cases, tc{g, 4, 3, 7, 6, 5})
	}
	for _, c := range cases {
		x := randTensor[T](rng, 1, c.n, c.c, c.h, c.w)
		shape, err := c.g.ColShape(c.n, c.c, c.h, c.w)
		if err != nil {
			t.Fatal(err)
		}
		ckk, l := shape[1], shape[2]
		oh, ow, _ := c.g.Out(c.h, c.w)
		wt := randTensor[T](rng, 1, c.f, ckk)
		gy := randTensor[T](rng, 1, c.n, c.f, oh, ow)
		// References.
		cols := Zeros[T](shape...)
		_ = Im2Col(cols, x, c.g)
		y := Zeros[T](c.n, c.f, oh, ow)
		GemmBatch(c.n, false, false, c.f, l, ckk, 1, wt.Data, ckk, 0, cols.Data, l, ckk*l, 0, y.Data, l, c.f*l)
		dcols := Zeros[T](shape...)
		GemmBatch(c.n, true, false, ckk, l, c.f, 1, wt.Data, ckk, 0, gy.Data, l, c.f*l, 0, dcols.Data, l, ckk*l)
		dx := Zeros[T](x.Shape...)
		_ = Col2Im(dx, dcols, c.g)
		dw0 := randTensor[T](rng, 1, c.f, ckk)
		dw := append([]T(nil), dw0.Data...)
		GemmSumNT(c.n, c.f, ckk, l, 1, gy.Data, l, c.f*l, cols.Data, l, ckk*l, 0.5, dw, ckk)
		for _, group := range []int{1, 2, c.n} {
			y2 := Full(T(math.NaN()), y.Shape...)
			scratch := make([]T, group*ckk*l+group) // not a whole number of images
			for i := range scratch {
				scratch[i] = T(math.NaN())
			}
			if err := Conv2DForward(y2, x, wt, c.g, scratch); err != nil {
				t.Fatal(err)
			}
			checks := []struct {
				name      string
				got, want []T
			}{{"output", y2.Data, y.Data}}
			if group == c.n {
				checks = append(checks, struct {
					name      string
					got, want []T
				}{"columns", append([]T(nil), scratch[:len(cols.Data)]...), cols.Data})
			}
			dx2 := Full(T(math.NaN()), x.Shape...)
			if err := ConvInputGrad(dx2, wt, gy, c.g, scratch); err != nil {
				t.Fatal(err)
			}
			checks = append(checks, struct {
				name      string
				got, want []T
			}{"input gradient", dx2.Data, dx.Data})
			for _, p := range checks {
				for i := range p.want {
					if p.got[i] != p.want[i] {
						t.Fatalf("%+v group %d: %s[%d] = %v, want %v", c, group, p.name, i, p.got[i], p.want[i])
					}
				}
			}
			// The filter gradient: GemmSumNT's bits.
			dw2 := append([]T(nil), dw0.Data...)
			if err := ConvWeightGrad(dw2, 0.5, x, gy, c.g, scratch); err != nil {
				t.Fatal(err)
			}
			for i := range dw {
				if dw2[i] != dw[i] {
					t.Fatalf("%+v group %d: filter gradient[%d] = %v, want %v", c, group, i, dw2[i], dw[i])
				}
			}
		}
		// Shapes that do not fit, and too little scratch.
		if Conv2DForward(Zeros[T](c.n, c.f+1, oh, ow), x, wt, c.g, cols.Data) == nil {
			t.Fatalf("%+v: output with one filter too many accepted", c)
		}
		if Conv2DForward(y, x, wt, c.g, make([]T, ckk*l-1)) == nil {
			t.Fatalf("%+v: scratch short of one image accepted", c)
		}
		if ConvWeightGrad(make([]T, c.f*ckk+1), 0, x, gy, c.g, cols.Data) == nil {
			t.Fatalf("%+v: filter gradient of the wrong size accepted", c)
		}
		if ConvInputGrad(dx, wt, gy, c.g, make([]T, ckk*l-1)) == nil {
			t.Fatalf("%+v: scratch short of one image accepted", c)
		}
		if ConvInputGrad(dx, wt, Zeros[T](c.n, c.f, oh+1, ow), c.g, make([]T, ckk*l)) == nil {
			t.Fatalf("%+v: gradient of the wrong shape accepted", c)
		}
	}
}
