package kernel

import (
	"fmt"
	"testing"
)

func TestTranspose(t *testing.T) {
	defer func(e bool) { Enabled = e }(Enabled)
	for _, simd := range []bool{false, true} {
		Enabled = simd
		for _, r := range []int{1, 3, 4, 5, 8, 12, 13, 32} {
			for _, n := range []int{1, 7, 8, 9, 16, 33, 64} {
				t.Run(fmt.Sprintf("simd=%v/%dx%d", simd, r, n), func(t *testing.T) {
					lds, ldd := n+3, r+5
					src := make([]float32, r*lds)
					for i := range src {
						src[i] = float32(i + 1)
					}
					dst := make([]float32, n*ldd)
					Transpose(r, n, src, lds, dst, ldd)
					for c := range n {
						for i := range ldd {
							want := float32(0)
							if i < r {
								want = src[i*lds+c]
							}
							if dst[c*ldd+i] != want {
								t.Fatalf("dst[%d][%d] = %v, want %v", c, i, dst[c*ldd+i], want)
							}
						}
					}
				})
			}
		}
	}
}
