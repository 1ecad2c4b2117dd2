package kernel

// The optimizer-step kernels: the fused Adam/AdamW and SGD updates, the
// finiteness check of a gradient and the STREAM triad, written by hand in
// Go assembly (optstep_amd64.s). Each computes exactly what the Go loop it
// stands in for computes, operation for operation (no fused multiply-add,
// correctly rounded sqrt and division), so results are bit-identical with
// and without it. Kernels process the largest multiple of Lanes() elements
// and return; callers finish the tail in Go.

// AdamK holds one Adam step's float32 constants, each replicated across a
// 64-byte vector so kernels can use them as memory operands:
// m ← m·B1 + C1·ĝ, v ← v·B2 + C2·ĝ², θ ← θ' − Step·(m/(√v/BC + Eps)),
// where ĝ = Sign·g + WD·θ' and θ' = θ·Decay.
type AdamK struct {
	B1, C1, B2, C2, Step, BC, Eps, WD, Decay, Sign [16]float32
}

// SGDK holds one SGD step's float32 constants:
// d ← Sign·g + WD·θ; b ← b·Mu + Damp·d; θ ← θ − LR·(KD·d + KM·b).
// KD, KM are 1, μ for Nesterov and 0, 1 otherwise.
type SGDK struct {
	Sign, WD, Mu, Damp, KD, KM, LR [16]float32
}

// Fill sets every lane of c to v.
func Fill(c *[16]float32, v float32) {
	for i := range c {
		c[i] = v
	}
}

// Lanes reports the vector width in float32 lanes (16, 8, or 1 without
// SIMD).
func Lanes() int {
	switch {
	case !Enabled:
		return 1
	case useAVX512():
		return 16
	case hasAVX2:
		return 8
	}
	return 1
}

// Adam applies the Adam update of k to the first n elements, where n is
// len(x) rounded down to a multiple of Lanes(), and returns n. Zero when
// SIMD is off.
func Adam(x, g, m, v []float32, k *AdamK) int {
	n := len(x) / Lanes() * Lanes()
	if !Enabled || n == 0 {
		return 0
	}
	_ = g[n-1]
	_ = m[n-1]
	_ = v[n-1]
	if useAVX512() {
		adamAVX512(x[:n], g, m, v, k)
	} else {
		adamAVX2(x[:n], g, m, v, k)
	}
	return n
}

// SGDMomentum applies SGD with momentum (a step after the first) of k to the
// first n elements and returns n, as Adam.
func SGDMomentum(x, g, b []float32, k *SGDK) int {
	n := len(x) / Lanes() * Lanes()
	if !Enabled || n == 0 {
		return 0
	}
	_ = g[n-1]
	_ = b[n-1]
	if useAVX512() {
		sgdAVX512(x[:n], g, b, k)
	} else {
		sgdAVX2(x[:n], g, b, k)
	}
	return n
}

// Finite reports whether the first n elements of g (n returned, as Adam)
// are all finite.
func Finite(g []float32) (n int, ok bool) {
	n = len(g) / Lanes() * Lanes()
	if !Enabled || n == 0 {
		return 0, true
	}
	var acc [16]float32
	if useAVX512() {
		zeroProdAVX512(g[:n], &acc)
	} else {
		zeroProdAVX2(g[:n], &acc)
	}
	for _, a := range acc {
		if a != 0 {
			return n, false
		}
	}
	return n, true
}

// Triad computes a[i] = b[i] + s·c[i] on the first n elements and returns
// n, as Adam.
func Triad(a, b, c []float32, s float32) int {
	n := len(a) / Lanes() * Lanes()
	if !Enabled || n == 0 {
		return 0
	}
	_ = b[n-1]
	_ = c[n-1]
	if useAVX512() {
		triadAVX512(a[:n], b, c, s)
	} else {
		triadAVX2(a[:n], b, c, s)
	}
	return n
}

// SGD applies plain SGD (no momentum) of k — its Sign, WD and LR — to the
// first n elements and returns n, as Adam.
func SGD(x, g []float32, k *SGDK) int {
	n := len(x) / Lanes() * Lanes()
	if !Enabled || n == 0 {
		return 0
	}
	_ = g[n-1]
	if useAVX512() {
		sgdPlainAVX512(x[:n], g, k)
	} else {
		sgdPlainAVX2(x[:n], g, k)
	}
	return n
}

// useAVX512 reports whether the AVX-512 forms of these kernels run (the
// CPU has them and AVX512 is not turned off); otherwise the AVX2 forms.
func useAVX512() bool { return hasAVX512 && AVX512 }
