package optim

import (
	"testing"

	"github.com/descent-ml/descent/internal/kernel"
)

// TestSIMDMatchesGo: the SIMD kernels give the same bits as the Go loops
// they stand in for, tails included.
func TestSIMDMatchesGo(t *testing.T) {
	if !kernel.Enabled {
		t.Skip("no SIMD kernels on this machine")
	}
	defer func(e bool) { kernel.Enabled = e }(kernel.Enabled)
	for _, spec := range []string{
		"adam:lr=0.01", "adam:lr=0.01,weight_decay=0.1,maximize=true", "adam:amsgrad=true",
		"adamw:lr=0.01", "adamw:lr=0.5,weight_decay=0.3,betas=0.8/0.99,eps=1e-6",
		"sgd:lr=0.1", "sgd:lr=0.05,momentum=0.9", "sgd:lr=0.05,momentum=0.9,dampening=0.3,weight_decay=0.01",
		"sgd:lr=0.05,momentum=0.9,nesterov=true,maximize=true",
	} {
		t.Run(spec, func(t *testing.T) {
			run := func(simd bool) []*Param {
				kernel.Enabled = simd
				ps := makeParams[float32](1237)
				o, err := New(spec, ps)
				if err != nil {
					t.Fatal(err)
				}
				drive(t, o, ps, false, 0, 5)
				return ps
			}
			sameBits(t, "SIMD vs Go", run(true), run(false))
		})
	}
}

// TestFiniteSIMD: the SIMD finiteness check finds a NaN or Inf anywhere.
func TestFiniteSIMD(t *testing.T) {
	inf := float32(1)
	for range 200 {
		inf *= 10
	}
	for _, n := range []int{1, 15, 16, 17, 100, 1000} {
		for _, pos := range []int{0, n / 2, n - 1} {
			for _, bad := range []float32{inf, -inf, inf - inf} {
				g := make([]float32, n)
				g[pos] = bad
				if allFinite(g) {
					t.Fatalf("n=%d: %v at %d not found", n, bad, pos)
				}
			}
			if !allFinite(make([]float32, n)) {
				t.Fatalf("n=%d: zeros reported non-finite", n)
			}
		}
	}
}

// TestStepDoesNotAllocate: after the first step made the state, Adam and
// SGD steps allocate nothing.
func TestStepDoesNotAllocate(t *testing.T) {
	for _, spec := range []string{"adam", "adamw", "sgd:momentum=0.9", "sgd"} {
		ps := makeParams[float32](100_000)
		o, err := New(spec, ps)
		if err != nil {
			t.Fatal(err)
		}
		computeGrads(ps, false, 0)
		o.Step()
		if a := testing.AllocsPerRun(20, func() { o.Step() }); a > 0 {
			t.Errorf("%s: %v allocations per step", spec, a)
		}
	}
}
