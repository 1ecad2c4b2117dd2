package kernel

// ReLU sets dst[i] = max(0, x[i]) (NaN kept) for the largest multiple of
// the kernel's block of the elements of dst and returns how many it did
// (0 without SIMD); the caller finishes the rest. x must be as long as
// dst.
func ReLU(dst, x []float32) int {
	switch ISA() {
	case "avx512":
		n := len(dst) &^ 63
		if n > 0 {
			reluAVX512(dst[:n], x[:n])
		}
		return n
	case "avx2":
		n := len(dst) &^ 31
		if n > 0 {
			reluAVX2(dst[:n], x[:n])
		}
		return n
	}
	return 0
}

// ReLUBackward sets dx[i] = dy[i] where x[i] > 0 and 0 elsewhere, as ReLU.
func ReLUBackward(dx, dy, x []float32) int {
	switch ISA() {
	case "avx512":
		n := len(dx) &^ 63
		if n > 0 {
			reluBackAVX512(dx[:n], dy[:n], x[:n])
		}
		return n
	case "avx2":
		n := len(dx) &^ 31
		if n > 0 {
			reluBackAVX2(dx[:n], dy[:n], x[:n])
		}
		return n
	}
	return 0
}
