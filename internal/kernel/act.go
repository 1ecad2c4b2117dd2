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

// LeakyReLU sets dst[i] = s·x[i] where x[i] < 0 and x[i] elsewhere (NaN
// and −0 kept), for the elements ReLU would do, and returns how many.
func LeakyReLU(dst, x []float32, s float32) int {
	switch ISA() {
	case "avx512":
		n := len(dst) &^ 63
		if n > 0 {
			leakyAVX512(dst[:n], x[:n], s)
		}
		return n
	case "avx2":
		n := len(dst) &^ 31
		if n > 0 {
			leakyAVX2(dst[:n], x[:n], s)
		}
		return n
	}
	return 0
}

// LeakyReLUBackward sets dx[i] = dy[i] where x[i] > 0 and s·dy[i]
// elsewhere (NaN x included), for the elements ReLU would do, and returns
// how many.
func LeakyReLUBackward(dx, dy, x []float32, s float32) int {
	switch ISA() {
	case "avx512":
		n := len(dx) &^ 63
		if n > 0 {
			leakyBackAVX512(dx[:n], dy[:n], x[:n], s)
		}
		return n
	case "avx2":
		n := len(dx) &^ 31
		if n > 0 {
			leakyBackAVX2(dx[:n], dy[:n], x[:n], s)
		}
		return n
	}
	return 0
}

// Exp sets dst[i] = e^(x[i] − shift) for the largest multiple of 16
// elements of dst and returns how many it did: 0 unless the AVX-512
// kernels are in use (the AVX2 and Go paths leave it all to the caller).
// The kernel computes exactly what package tensor's float32 exp does.
func Exp(dst, x []float32, shift float32) int {
	if ISA() != "avx512" {
		return 0
	}
	n := len(dst) &^ 15
	if n > 0 {
		expAVX512(dst[:n], x[:n], shift)
	}
	return n
}

// Sigmoid sets dst[i] = 1/(1+e^−x[i]) as package tensor's float32 sigmoid
// does, for the elements Exp would do, and returns how many.
func Sigmoid(dst, x []float32) int {
	if ISA() != "avx512" {
		return 0
	}
	n := len(dst) &^ 15
	if n > 0 {
		sigmoidAVX512(dst[:n], x[:n])
	}
	return n
}
