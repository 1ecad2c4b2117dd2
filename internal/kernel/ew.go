package kernel

// Add sets dst[i] = a[i] + b[i] for the largest multiple of 64 (AVX-512)
// or 32 (AVX2) elements of dst and returns how many it did (0 without
// SIMD); the caller finishes the rest. a and b must be as long as dst;
// dst may be a or b.
func Add(dst, a, b []float32) int {
	switch ISA() {
	case "avx512":
		n := len(dst) &^ 63
		if n > 0 {
			addAVX512(dst[:n], a[:n], b[:n])
		}
		return n
	case "avx2":
		n := len(dst) &^ 31
		if n > 0 {
			addAVX2(dst[:n], a[:n], b[:n])
		}
		return n
	}
	return 0
}

// ColSums sets dst[j] to the sum of x[r·ld + j] over rows r < rows, added
// in order of r starting from +0 as the Go loop does, for the largest
// multiple of 16 (AVX-512) or 8 (AVX2) columns of dst, and returns how
// many it did (0 without SIMD). x must hold rows rows of ld ≥ len(dst)
// elements (the last may stop at len(dst)).
func ColSums(dst, x []float32, rows, ld int) int {
	var n int
	switch ISA() {
	case "avx512":
		n = len(dst) &^ 15
	case "avx2":
		n = len(dst) &^ 7
	}
	if n == 0 {
		return 0
	}
	if ld < n || rows < 0 {
		panic("kernel: ColSums: bad dimensions")
	}
	if rows > 0 {
		_ = x[(rows-1)*ld+n-1]
	}
	if ISA() == "avx512" {
		colSumsAVX512(dst[:n], x, rows, ld)
	} else {
		colSumsAVX2(dst[:n], x, rows, ld)
	}
	return n
}

// AddConst sets dst[i] = x[i] + s for the largest multiple of 64 elements
// of dst with AVX-512 and returns how many it did (0 otherwise); the
// caller finishes the rest. x must be as long as dst; dst may be x.
func AddConst(dst, x []float32, s float32) int {
	if ISA() != "avx512" {
		return 0
	}
	n := len(dst) &^ 63
	if n > 0 {
		addConstAVX512(dst[:n], x[:n], s)
	}
	return n
}
