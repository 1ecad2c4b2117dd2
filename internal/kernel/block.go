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

// Col2ImPlane writes one image plane of im2col's adjoint at stride 1
// without column padding, for images at most 16 wide (w = ow+kw−1): image
// row y is the sum, from +0, over kernel rows h and then columns k in
// turn, of the columns cols[(h·kw + k)·l + i·ow + x − k] with i = y + ph −
// h in [0, oh) and 0 ≤ x − k < ow (l = oh·ow, kh kernel rows, ph rows of
// padding): the order in which col2im adds them, each image row summed in
// a register with no read of img. It needs AVX-512 and reports false,
// doing nothing, otherwise; it panics if a slice is too short.
func Col2ImPlane(img []float32, h int, cols []float32, oh, ow, kh, kw, ph int) bool {
	w := ow + kw - 1
	if ISA() != "avx512" || ow < 1 || kw < 1 || kh < 1 || w > 16 || h < 1 || oh < 1 || ph < 0 {
		return false
	}
	l := oh * ow
	_ = img[h*w-1]
	_ = cols[kh*kw*l-1]
	for y := range h {
		// Kernel rows h with 0 ≤ y + ph − h < oh, from the first.
		lo, hi := max(0, y+ph-oh+1), min(kh, y+ph+1)
		var p *float32
		n := hi - lo
		if n > 0 {
			p = &cols[lo*kw*l+(y+ph-lo)*ow]
		} else {
			n, p = 0, &cols[0]
		}
		// Whole-register stores run 16 − w elements into the next row,
		// written after; the last row's store is masked.
		col2imRowAVX512(&img[y*w], p, l, ow, kw, n, kw*l-ow, y == h-1 || len(img)-y*w < 16)
	}
	return true
}

// Im2ColRows writes rows rows of ow ≤ 32 columns of im2col at column
// stride 1, one after another in dst: for r < rows and x < ow,
// dst[r·ow + x] = src[r·lds + x + shift] for jlo ≤ x < jhi (the window
// inside the image) and 0 for the other x (padding); dst[rows·ow:] is left
// as it was. The elements read must lie in src: src[jlo+shift] is the
// first. It needs AVX-512 and reports false, doing nothing, otherwise or
// for ow > 32; it panics if a slice is too short.
func Im2ColRows(dst, src []float32, lds, rows, shift, ow, jlo, jhi int) bool {
	if ISA() != "avx512" || ow > 32 || ow < 1 {
		return false
	}
	jlo, jhi = max(jlo, 0), min(jhi, ow)
	if rows <= 0 {
		return true
	}
	if lds < 0 {
		panic("kernel: Im2ColRows: negative leading dimension")
	}
	_ = dst[rows*ow-1]
	var m [4]uint16
	sp, sh := &dst[0], 0 // read nothing when no column lies in the image
	if jhi > jlo {
		_ = src[jlo+shift]
		_ = src[(rows-1)*lds+jhi-1+shift]
		load := uint32(1)<<jhi - uint32(1)<<jlo // 1<<32 is 0
		m[0], m[1] = uint16(load), uint16(load>>16)
		sp, sh = &src[0], shift
	}
	store := uint32(1)<<ow - 1
	m[2], m[3] = uint16(store), uint16(store>>16)
	width := 16
	if ow > 16 {
		width = 32
	}
	// Whole-register stores run past a row's ow columns into the next
	// row, written after; the last row, and any whose stores would run
	// past rows·ow, is stored under a mask.
	full := 0
	if rows*ow >= width {
		full = min(rows-1, (rows*ow-width)/ow+1)
	}
	im2colRowsAVX512(&dst[0], ow, sp, lds, rows, sh, &m, full, width == 32)
	return true
}
