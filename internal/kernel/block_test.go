package kernel

import (
	"math/rand/v2"
	"testing"
)

// TestCopy2D: the block copy touches exactly the block, over widths
// around the 16-lane blocks.
func TestCopy2D(t *testing.T) {
	if ISA() != "avx512" {
		if Copy2D(make([]float32, 1), 1, make([]float32, 1), 1, 1, 1) {
			t.Fatal("ran without AVX-512")
		}
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(4, 4))
	for _, rows := range []int{0, 1, 3, 10} {
		for _, cols := range []int{0, 1, 10, 15, 16, 17, 24, 28, 33, 64} {
			lds, ldd := cols+rng.IntN(4), cols+3
			src := make([]float32, rows*lds+1)
			for i := range src {
				src[i] = float32(rng.NormFloat64())
			}
			dst := make([]float32, rows*ldd+5)
			for i := range dst {
				dst[i] = float32(rng.NormFloat64())
			}
			want := append([]float32(nil), dst...)
			for r := range rows {
				copy(want[r*ldd:r*ldd+cols], src[r*lds:])
			}
			Copy2D(dst, ldd, src, lds, rows, cols)
			for i := range dst {
				if dst[i] != want[i] {
					t.Fatalf("%d×%d: dst[%d] = %v, want %v", rows, cols, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestCol2ImPlane against the Go loop of col2im, bit for bit, including
// the order of the sums, with and without row padding.
func TestCol2ImPlane(t *testing.T) {
	if ISA() != "avx512" {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(4, 5))
	for _, c := range []struct{ h, kh, kw, ph int }{{14, 5, 5, 0}, {1, 1, 1, 0}, {16, 1, 1, 0}, {3, 3, 16, 1}, {7, 3, 3, 2}, {12, 5, 5, 2}, {5, 2, 4, 3}} {
		oh := c.h + 2*c.ph - c.kh + 1
		w := 16 - (c.h % 7) // various widths ≤ 16
		ow := w - c.kw + 1
		if oh < 1 || ow < 1 {
			continue
		}
		l := oh * ow
		cols := make([]float32, c.kh*c.kw*l)
		for i := range cols {
			cols[i] = float32(rng.NormFloat64() * 1e3)
		}
		img := make([]float32, c.h*w+20)
		for i := range img {
			img[i] = float32(rng.NormFloat64())
		}
		want := append([]float32(nil), img...)
		clear(want[:c.h*w])
		for h := range c.kh {
			for k := range c.kw {
				for i := range oh {
					y := i - c.ph + h
					if y < 0 || y >= c.h {
						continue
					}
					for j := range ow {
						want[y*w+j+k] += cols[(h*c.kw+k)*l+i*ow+j]
					}
				}
			}
		}
		if !Col2ImPlane(img[:c.h*w], c.h, cols, oh, ow, c.kh, c.kw, c.ph) {
			t.Fatalf("%+v: did not run", c)
		}
		for i := range img {
			if img[i] != want[i] {
				t.Fatalf("%+v w %d: img[%d] = %v, want %v", c, w, i, img[i], want[i])
			}
		}
	}
}

// TestIm2ColRows against the Go loop: copied columns, zeros, and nothing
// written past the rows.
func TestIm2ColRows(t *testing.T) {
	if ISA() != "avx512" {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(4, 6))
	for _, c := range []struct{ ow, jlo, jhi, shift, rows int }{
		{28, 2, 28, -2, 3}, {28, 0, 26, 2, 2}, {10, 0, 10, 4, 10}, {32, 0, 32, 0, 2}, {32, 5, 31, -5, 1},
		{1, 0, 1, 0, 1}, {1, 0, 1, 3, 40}, {17, 3, 3, 0, 2}, {16, 0, 16, 1, 0}, {20, 0, 0, 0, 3}, {5, 1, 4, -1, 4},
	} {
		lds := 40
		src := make([]float32, max(c.rows, 1)*lds+8)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
		}
		dst := make([]float32, c.rows*c.ow+4)
		for i := range dst {
			dst[i] = float32(rng.NormFloat64())
		}
		want := append([]float32(nil), dst...)
		for r := range c.rows {
			for x := range c.ow {
				v := float32(0)
				if x >= c.jlo && x < c.jhi {
					v = src[r*lds+x+c.shift]
				}
				want[r*c.ow+x] = v
			}
		}
		if !Im2ColRows(dst, src, lds, c.rows, c.shift, c.ow, c.jlo, c.jhi) {
			t.Fatalf("%+v: did not run", c)
		}
		for i := range dst {
			if dst[i] != want[i] {
				t.Fatalf("%+v: dst[%d] = %v, want %v", c, i, dst[i], want[i])
			}
		}
	}
}
