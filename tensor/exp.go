package tensor

import (
	"math"
	"unsafe"
)

// expf returns e^x for float32 within 1 ulp (checked against math.Exp over
// the float32 range in the tests), several times faster than math.Exp:
// Cody–Waite reduction x = n·ln2 + r, |r| ≤ ln2/2, a degree-7 polynomial
// for e^r, and n added to the exponent bits in two halves. Results below
// the smallest normal float32 (x < -87.34) flush to zero. The AVX-512
// kernel (internal/kernel) performs the same operations in the same order,
// so both give the same bits.
func expf(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2hi = 0.693359375
		ln2lo = -2.12194440e-4
		round = 1 << 23 * 1.5 // adding it rounds |v| < 2^22 to an integer
	)
	if !(x >= expLo && x <= expHi) {
		switch {
		case x != x:
			return x
		case x > 0:
			return float32(math.Inf(1))
		}
		return 0
	}
	// Each product is converted explicitly so no compiler fuses it into
	// a multiply-add: the assembly kernel rounds every step.
	n := float32(x*log2e) + round - round
	r := x - float32(n*ln2hi)
	r -= float32(n * ln2lo)
	p := float32(r*(1.0/5040)) + 1.0/720
	p = float32(r*p) + 1.0/120
	p = float32(r*p) + 1.0/24
	p = float32(r*p) + 1.0/6
	p = float32(r*p) + 1.0/2
	p = float32(r*p) + 1
	p = float32(r*p) + 1
	e := int32(n)
	h := e >> 1
	p *= math.Float32frombits(uint32(h+127) << 23)
	return p * math.Float32frombits(uint32(e-h+127)<<23)
}

// expLo and expHi bound the arguments whose e^x is a normal float32.
const (
	expLo = -87.33654
	expHi = 88.72283
)

// exp is expf for float32 and math.Exp for float64 (gradient checks keep
// full precision).
func exp[T Float](x T) T {
	if unsafe.Sizeof(x) == 4 {
		return T(expf(float32(x)))
	}
	return T(math.Exp(float64(x)))
}
