package kernel

import (
	"math"
	"testing"
)

// The kernels handle the largest multiple of Lanes() and leave the tail:
// check both the count and the values for lengths around the lane width.
func TestKernelsCoverWholeLanes(t *testing.T) {
	if !Enabled {
		t.Skip("no SIMD on this machine")
	}
	for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 33, 100} {
		a, b, c := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range b {
			b[i], c[i] = float32(i), float32(2*i+1)
		}
		done := Triad(a, b, c, 0.5)
		if want := n / Lanes() * Lanes(); done != want {
			t.Fatalf("n=%d: Triad did %d, want %d", n, done, want)
		}
		for i := range done {
			if want := b[i] + 0.5*c[i]; a[i] != want {
				t.Fatalf("n=%d: a[%d] = %v, want %v", n, i, a[i], want)
			}
		}
		for i := done; i < n; i++ {
			if a[i] != 0 {
				t.Fatalf("n=%d: tail a[%d] written", n, i)
			}
		}
		g := make([]float32, n)
		if m, ok := Finite(g); !ok || m != done {
			t.Fatalf("n=%d: Finite(zeros) = %d, %v", n, m, ok)
		}
		if done > 0 {
			g[done-1] = float32(math.NaN())
			if _, ok := Finite(g); ok {
				t.Fatalf("n=%d: NaN in the lanes not found", n)
			}
		}
	}
}
