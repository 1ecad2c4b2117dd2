package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2 against the Go loop, with ties and signed zeros (the first
// maximum wins), and NaN reported.
func TestMaxPool2(t *testing.T) {
	if ISA() != "avx512" {
		t.Skip("no AVX-512")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 2}
	for _, c := range []struct{ ow, rows, w int }{{14, 14, 28}, {5, 5, 10}, {16, 3, 32}, {1, 1, 2}, {1, 20, 3}, {7, 4, 15}, {3, 0, 6}} {
		for _, nan := range []bool{false, true} {
			src := make([]float32, max(2*c.rows, 1)*c.w)
			for i := range src {
				src[i] = vals[rng.IntN(len(vals))]
			}
			if nan && c.rows > 0 {
				src[rng.IntN(len(src))] = float32(math.NaN())
			}
			n := c.rows * c.ow
			out, idx := make([]float32, n+3), make([]int, n+3)
			out[n], idx[n] = 7, 7
			ok := MaxPool2(out[:n], idx[:n], src, c.w, c.ow, c.rows)
			hasNaN := false
			for i := range c.rows {
				for j := range c.ow {
					p := 2*i*c.w + 2*j
					best, arg := src[p], p
					for _, q := range []int{p + 1, p + c.w, p + c.w + 1} {
						if src[q] > best {
							best, arg = src[q], q
						}
						hasNaN = hasNaN || src[q] != src[q]
					}
					hasNaN = hasNaN || src[p] != src[p]
					if !nan && (math.Float32bits(out[i*c.ow+j]) != math.Float32bits(best) || idx[i*c.ow+j] != arg) {
						t.Fatalf("%+v: (%d, %d) = %v at %d, want %v at %d", c, i, j, out[i*c.ow+j], idx[i*c.ow+j], best, arg)
					}
				}
			}
			if ok == hasNaN {
				t.Fatalf("%+v: reported %v with NaN %v", c, ok, hasNaN)
			}
			if out[n] != 7 || idx[n] != 7 {
				t.Fatalf("%+v: wrote past the outputs", c)
			}
		}
	}
}
