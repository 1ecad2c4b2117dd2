package kernel

// Copy2D sets dst[r·ldd + c] = src[r·lds + c] for r < rows, c < cols with
// AVX-512 and reports whether it did (false, doing nothing, otherwise).
// The blocks must not overlap; it panics if a slice is too short.
func Copy2D(dst []float32, ldd int, src []float32, lds int, rows, cols int) bool {
	if ISA() != "avx512" {
		return false
	}
	if rows <= 0 || cols <= 0 {
		return true
	}
	check2D(dst, ldd, src, lds, rows, cols)
	copy2DAVX512(&dst[0], ldd, &src[0], lds, rows, cols)
	return true
}

func check2D(dst []float32, ldd int, src []float32, lds int, rows, cols int) {
	if ldd < 0 || lds < 0 {
		panic("kernel: negative leading dimension")
	}
	_ = dst[(rows-1)*ldd+cols-1]
	_ = src[(rows-1)*lds+cols-1]
}

// Col2ImRows sums kw rows of columns, each shifted one element further
// right, into rows image rows at most 16 wide: for r < rows and
// x < ow+kw−1, img[r·ldi + x] += cols[k·l + r·ow + x − k] for k = 0, …,
// kw−1 in turn, over the k with 0 ≤ x − k < ow (im2col's adjoint for one
// kernel row at stride 1 without column padding; l is the size of a row
// of columns). It needs AVX-512 and ow+kw−1 ≤ 16, and reports false,
// doing nothing, otherwise. Each sum is rounded as the Go loop's; it
// panics if a slice is too short.
func Col2ImRows(img []float32, ldi int, cols []float32, l, ow, kw, rows int) bool {
	if ISA() != "avx512" || ow < 1 || kw < 1 || ow+kw-1 > 16 || l < ow {
		return false
	}
	if rows <= 0 {
		return true
	}
	if ldi < 0 {
		panic("kernel: Col2ImRows: negative leading dimension")
	}
	_ = img[(rows-1)*ldi+ow+kw-2]
	_ = cols[(kw-1)*l+rows*ow-1]
	col2imRowsAVX512(&img[0], ldi, &cols[0], l, ow, kw, rows)
	return true
}
