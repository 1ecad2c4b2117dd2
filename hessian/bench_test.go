package hessian

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/descent-ml/descent/nn"
)

// benchModel is a 784-128-10 tanh MLP (101,770 parameters) with random
// data cut into batches of 256 samples.
func benchModel(b *testing.B, batches int) *Autograd {
	rng := rand.New(rand.NewPCG(1, 1))
	model := nn.NewSequential[float64](
		nn.NewLinear[float64](784, 128, true, rng), nn.NewTanh[float64](),
		nn.NewLinear[float64](128, 10, true, rng),
	)
	var data []Batch
	for range batches {
		bt := Batch{X: randTensor(rng, 256, 784)}
		for range 256 {
			bt.Labels = append(bt.Labels, rng.IntN(10))
		}
		data = append(data, bt)
	}
	op, err := NewModel(model, CrossEntropy, data)
	if err != nil {
		b.Fatal(err)
	}
	return op
}

// BenchmarkModelHVP times one Hessian-vector product of the MLP over one
// batch of 256 (recorded once and reused) and over four (recorded every
// time).
func BenchmarkModelHVP(b *testing.B) {
	for _, bc := range []struct {
		name    string
		batches int
	}{{"1x256", 1}, {"4x256", 4}} {
		b.Run(bc.name, func(b *testing.B) {
			op := benchModel(b, bc.batches)
			v, out := make([]float64, op.Dim()), make([]float64, op.Dim())
			gaussian(v, newRNG(1))
			ctx := context.Background()
			if err := op.Apply(ctx, v, out); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := op.Apply(ctx, v, out); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLanczosReorth times the full reorthogonalisation of step 100 of a
// Lanczos run over 101,770 parameters, the work beside the product.
func BenchmarkLanczosReorth(b *testing.B) {
	n, m := 101770, 100
	rng := newRNG(2)
	basis := make([][]float64, m)
	for i := range basis {
		basis[i] = make([]float64, n)
		gaussian(basis[i], rng)
		normalize(basis[i]) // nearly orthogonal in 101,770 dimensions
	}
	w0, w := make([]float64, n), make([]float64, n)
	gaussian(w0, rng)
	for b.Loop() {
		copy(w, w0)
		orthogonalize(w, basis)
	}
}
