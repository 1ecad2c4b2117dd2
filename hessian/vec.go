package hessian

import (
	"math"
	"math/rand/v2"
)

// dot returns xᵀy.
func dot(x, y []float64) float64 {
	var s float64
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// norm returns ‖x‖₂.
func norm(x []float64) float64 { return math.Sqrt(dot(x, x)) }

// axpy sets y += a·x.
func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

// scale sets x *= a.
func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// normalize scales x to unit length and returns its former length; a zero
// vector is left alone.
func normalize(x []float64) float64 {
	n := norm(x)
	if n > 0 {
		scale(1/n, x)
	}
	return n
}

// orthogonalize removes from x its components along the orthonormal
// vectors of basis, twice (classical Gram–Schmidt run twice keeps x
// orthogonal to working precision: "twice is enough").
func orthogonalize(x []float64, basis [][]float64) {
	for range 2 {
		for _, b := range basis {
			axpy(-dot(x, b), b, x)
		}
	}
}

// allFinite reports whether every element of x is finite.
func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// newRNG returns the generator a method draws its random vectors from.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// gaussian fills x with standard normal values.
func gaussian(x []float64, rng *rand.Rand) {
	for i := range x {
		x[i] = rng.NormFloat64()
	}
}

// rademacher fills x with ±1, each with probability ½.
func rademacher(x []float64, rng *rand.Rand) {
	for i := range x {
		if rng.Uint64()&1 == 0 {
			x[i] = 1
		} else {
			x[i] = -1
		}
	}
}
