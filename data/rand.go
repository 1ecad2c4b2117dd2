package data

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// The random streams of this package draw from math/rand/v2's PCG, whose
// output is fixed by its specification. The derived draws (bounded
// integers, uniform and normal floats, shuffles) are written out here
// rather than taken from math/rand/v2, so that a seed gives the same data
// and the same batch order whatever the Go version.

// uint64n returns a uniform value in [0, n), n > 0, by Lemire's
// multiply-and-reject method.
func uint64n(src *rand.PCG, n uint64) uint64 {
	hi, lo := bits.Mul64(src.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(src.Uint64(), n)
		}
	}
	return hi
}

// shuffle permutes p uniformly (Fisher–Yates, from the end).
func shuffle(src *rand.PCG, p []int) {
	for i := len(p) - 1; i > 0; i-- {
		j := int(uint64n(src, uint64(i+1)))
		p[i], p[j] = p[j], p[i]
	}
}

// uniform returns a uniform float64 in [0, 1) with 53 random bits.
func uniform(src *rand.PCG) float64 {
	return float64(src.Uint64()>>11) * 0x1p-53
}

// normal returns a standard normal value (Box–Muller, one value per pair
// of uniforms).
func normal(src *rand.PCG) float64 {
	u1 := 1 - uniform(src) // (0, 1]: the logarithm stays finite
	u2 := uniform(src)
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}
