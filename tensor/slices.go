package tensor

import (
	"unsafe"

	"github.com/descent-ml/descent/internal/kernel"
)

// The slice kernels below run on the calling goroutine: they are the
// inner loops of broadcasting operations (a convolution's bias and its
// gradient) whose callers split the work over cores themselves.

// AddConst sets dst[i] = x[i] + s for every element of dst; x must be at
// least as long, and dst may be x. float32 runs on AVX-512 where the CPU
// has it, with the same bits as the Go loop.
func AddConst[T Float](dst, x []T, s T) {
	x = x[:len(dst)]
	k := 0
	if unsafe.Sizeof(s) == 4 {
		k = kernel.AddConst(as[float32](dst), as[float32](x), conv[float32](s))
	}
	for i := k; i < len(dst); i++ {
		dst[i] = x[i] + s
	}
}

// SumRun returns the sum of x in float64. float32 runs of at least 16
// elements are summed in 16 or 64 interleaved float32 lanes on SIMD
// kernels (element i in lane i mod the lane count, lanes added in order,
// then the rest of x); otherwise, and in float64, the elements are added
// in order. Either way the result depends on x alone.
func SumRun[T Float](x []T) float64 {
	var s float64
	var z T
	k := 0
	if unsafe.Sizeof(z) == 4 && len(x) >= 16 {
		var lanes [64]float32
		w := 16
		if len(x) >= 256 {
			w = 64
		}
		xs := as[float32](x)
		if k = kernel.ColSums(lanes[:w], xs, len(x)/w, w); k == w {
			for _, v := range lanes[:w] {
				s += float64(v)
			}
			k = len(x) / w * w
		} else {
			k = 0
		}
	}
	for _, v := range x[k:] {
		s += float64(v)
	}
	return s
}
