package kernel

// Transpose copies the r×n block of src (rows lds elements apart) into dst
// transposed, dst[c·ldd + i] = src[i·lds + c] for i < r, c < n. With the
// SIMD kernels on, whole groups of 4 or 8 rows and 8 columns run in
// assembly and the rest in Go. Transpose panics if a slice is too short.
// It is how GEMM packing turns rows of a matrix into panels.
func Transpose(r, n int, src []float32, lds int, dst []float32, ldd int) {
	if r <= 0 || n <= 0 {
		return
	}
	_ = src[(r-1)*lds+n-1]
	_ = dst[(n-1)*ldd+r-1]
	i := 0
	if Enabled && (hasAVX2 || hasAVX512) {
		n8 := n &^ 7
		if n8 > 0 {
			for ; i+8 <= r; i += 8 {
				transpose8(&src[i*lds], lds, &dst[i], ldd, n8)
			}
			for ; i+4 <= r; i += 4 {
				transpose4(&src[i*lds], lds, &dst[i], ldd, n8)
			}
		}
		for ii := range i {
			row := src[ii*lds+n8 : ii*lds+n]
			for c, v := range row {
				dst[(n8+c)*ldd+ii] = v
			}
		}
	}
	for ; i < r; i++ {
		row := src[i*lds : i*lds+n]
		for c, v := range row {
			dst[c*ldd+i] = v
		}
	}
}
