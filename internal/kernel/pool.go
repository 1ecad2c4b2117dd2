package kernel

// MaxPool2 pools one plane of rows·2 (or more) input rows, w ≥ 2·ow
// elements apart in src, by 2×2 windows at stride 2 into out and idx
// (rows·ow each, rows one after another): out[i·ow + j] is the largest of
// src at (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1) and idx[i·ow + j]
// its position (r·w + c), the first one on ties as by the comparisons
// v > best in that order. It needs AVX-512 and ow ≤ 16, and reports false
// otherwise, and when an input is NaN (leaving out and idx half written,
// for the caller to redo); it panics if a slice is too short.
func MaxPool2(out []float32, idx []int, src []float32, w, ow, rows int) bool {
	if ISA() != "avx512" || ow < 1 || ow > 16 || w < 2*ow {
		return false
	}
	if rows <= 0 {
		return true
	}
	_ = src[(2*rows-1)*w+2*ow-1]
	_ = out[rows*ow-1]
	_ = idx[rows*ow-1]
	in := uint32(1)<<(2*ow) - 1 // 1<<32 is 0
	m := [2]uint16{uint16(in), uint16(in >> 16)}
	// Whole-register stores write 16 outputs from a row's start: the rows
	// whose stores stay inside out and idx run in the kernel, later rows
	// overwriting what earlier ones wrote past ow; the rest here.
	full := 0
	if rows*ow >= 16 {
		full = min(rows, (rows*ow-16)/ow+1)
	}
	if full > 0 && maxPool2AVX512(&src[0], w, &out[0], &idx[0], ow, full, &m) {
		return false
	}
	// The other rows go through a scratch row of 16.
	var o [16]float32
	var x [16]int
	for i := full; i < rows; i++ {
		if maxPool2AVX512(&src[2*i*w], w, &o[0], &x[0], ow, 1, &m) {
			return false
		}
		copy(out[i*ow:(i+1)*ow], o[:ow])
		for j, v := range x[:ow] {
			idx[i*ow+j] = v + 2*i*w
		}
	}
	return true
}
