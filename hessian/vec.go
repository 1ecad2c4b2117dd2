package hessian

import (
	"math"
	"math/rand/v2"

	"github.com/descent-ml/descent/internal/parallel"
)

// dot returns xᵀy, summing in four interleaved partial sums (a fixed
// order, so the result does not depend on anything but x and y).
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// norm returns ‖x‖₂.
func norm(x []float64) float64 { return math.Sqrt(dot(x, x)) }

// axpy sets y += a·x.
func axpy(a float64, x, y []float64) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
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
// vectors of basis by classical Gram–Schmidt, repeated when the first pass
// removed more than 1/√2 of x's length (Daniel, Gragg, Kaufman and
// Stewart's criterion: otherwise one pass leaves x orthogonal to working
// precision; "twice is enough"). The coefficients are computed all at
// once and the update made in one sweep, both spread over the cores with
// results that do not depend on their number.
func orthogonalize(x []float64, basis [][]float64) {
	if len(basis) == 0 {
		return
	}
	n := len(x)
	c := make([]float64, len(basis))
	for range 2 {
		before := norm(x)
		parallel.For(len(basis), max(1, parChunk/max(n, 1)), func(lo, hi int) {
			for i := lo; i < hi; i++ {
				c[i] = dot(basis[i], x)
			}
		})
		parallel.For(n, parChunk/max(1, len(basis)), func(lo, hi int) {
			for i, b := range basis {
				axpy(-c[i], b[lo:hi], x[lo:hi])
			}
		})
		if norm(x) > before/math.Sqrt2 {
			return
		}
	}
}

// parChunk is about the number of multiply-adds worth a chunk of its own.
const parChunk = 1 << 15

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
