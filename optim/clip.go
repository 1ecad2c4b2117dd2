package optim

import (
	"fmt"
	"math"

	"github.com/descent-ml/descent/internal/parallel"
)

// ClipGradNorm scales the gradients of params in place so that their global
// L2 norm (over all of them together) is at most maxNorm, as PyTorch's
// torch.nn.utils.clip_grad_norm_: each gradient is multiplied by
// min(1, maxNorm/(norm+1e-6)). It returns the norm before clipping.
//
// A non-finite norm (a NaN or infinite gradient) leaves the gradients
// untouched and returns the norm with an error, so the caller can skip the
// step. The norm is summed per fixed-size chunk in float64 and combined in
// order, so it does not depend on the number of threads.
func ClipGradNorm(params []*Param, maxNorm float64) (float64, error) {
	if !(maxNorm > 0) {
		return 0, fmt.Errorf("clip grad norm: invalid max_norm: %v (want > 0)", maxNorm)
	}
	norm := GradNorm(params)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, fmt.Errorf("clip grad norm: the total norm of the gradients is %v: gradients left unchanged", norm)
	}
	coef := maxNorm / (norm + 1e-6)
	if coef >= 1 {
		return norm, nil
	}
	for _, p := range params {
		scaleGrad(p, coef)
	}
	return norm, nil
}

// GradNorm returns the global L2 norm of the gradients of params (dense and
// sparse), accumulated in float64.
func GradNorm(params []*Param) float64 {
	var sum float64
	for _, p := range params {
		switch {
		case p.Sparse != nil:
			sum += sumSquares(p.Sparse.Values) + sumSquares(p.Sparse.V32)
		case p.F64 != nil:
			sum += sumSquares(p.G64)
		default:
			sum += sumSquares(p.G32)
		}
	}
	return math.Sqrt(sum)
}

// ClipGradValue clamps every gradient value of params into [-v, v], as
// PyTorch's clip_grad_value_. It returns the global L2 norm of the
// gradients before clipping.
func ClipGradValue(params []*Param, v float64) (float64, error) {
	if !(v > 0) {
		return 0, fmt.Errorf("clip grad value: invalid clip value: %v (want > 0)", v)
	}
	norm := GradNorm(params)
	for _, p := range params {
		switch {
		case p.Sparse != nil:
			clampAll(p.Sparse.Values, v)
			clampAll(p.Sparse.V32, float32(v))
		case p.F64 != nil:
			clampAll(p.G64, v)
		default:
			clampAll(p.G32, float32(v))
		}
	}
	return norm, nil
}

func scaleGrad(p *Param, c float64) {
	switch {
	case p.Sparse != nil:
		scaleAll(p.Sparse.Values, c)
		scaleAll(p.Sparse.V32, float32(c))
	case p.F64 != nil:
		scaleAll(p.G64, c)
	default:
		scaleAll(p.G32, float32(c))
	}
}

func scaleAll[T Float](x []T, c T) {
	parallel.For(len(x), grain, func(lo, hi int) {
		for i := range x[lo:hi] {
			x[lo+i] *= c
		}
	})
}

func clampAll[T Float](x []T, v T) {
	parallel.For(len(x), grain, func(lo, hi int) {
		for i, e := range x[lo:hi] {
			if e > v {
				x[lo+i] = v
			} else if e < -v {
				x[lo+i] = -v
			}
		}
	})
}

// sumSquares returns Σx² in float64, summed per chunk and combined in chunk
// order so the result is the same for every thread count.
func sumSquares[T Float](x []T) float64 {
	n := parallel.Chunks(len(x), grain)
	if n <= 1 {
		return sumSq(x)
	}
	parts := make([]float64, n)
	parallel.For(len(x), grain, func(lo, hi int) {
		parts[lo/grain] = sumSq(x[lo:hi])
	})
	var s float64
	for _, v := range parts {
		s += v
	}
	return s
}

func sumSq[T Float](x []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		a, b, c, d := float64(x[i]), float64(x[i+1]), float64(x[i+2]), float64(x[i+3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for ; i < len(x); i++ {
		a := float64(x[i])
		s0 += a * a
	}
	return (s0 + s1) + (s2 + s3)
}
