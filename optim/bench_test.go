package optim

import (
	"fmt"
	"testing"
)

// BenchmarkStep measures one step over 1M float32 parameters; b.SetBytes
// counts the least memory traffic of the step (θ, g and state, read and
// written).
func BenchmarkStep(b *testing.B) {
	for _, tc := range []struct {
		spec  string
		bytes int64
	}{
		{"adam", 28}, {"adamw", 28}, {"sgd:momentum=0.9", 20}, {"sgd", 12},
	} {
		b.Run(tc.spec, func(b *testing.B) {
			const n = 1 << 20
			x, g := make([]float32, n), make([]float32, n)
			for i := range g {
				g[i] = float32(i%7) - 3
			}
			o, err := New(tc.spec, []*Param{NewParam("x", x, g)})
			if err != nil {
				b.Fatal(err)
			}
			o.Step()
			b.SetBytes(tc.bytes * n)
			b.ResetTimer()
			for range b.N {
				if err := o.Step(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/param")
		})
	}
}

func ExampleClipGradNorm() {
	g := []float64{3, 4}
	p := NewParam("w", []float64{0, 0}, g)
	norm, _ := ClipGradNorm([]*Param{p}, 1)
	fmt.Printf("norm %.1f, clipped %.3f\n", norm, g)
	// Output: norm 5.0, clipped [0.600 0.800]
}
