package kernel

//go:noescape
func adamAVX512(x, g, m, v []float32, k *AdamK)

//go:noescape
func adamAVX2(x, g, m, v []float32, k *AdamK)

//go:noescape
func sgdAVX512(x, g, b []float32, k *SGDK)

//go:noescape
func sgdAVX2(x, g, b []float32, k *SGDK)

//go:noescape
func zeroProdAVX512(g []float32, acc *[16]float32)

//go:noescape
func zeroProdAVX2(g []float32, acc *[16]float32)

//go:noescape
func triadAVX512(a, b, c []float32, s float32)

//go:noescape
func triadAVX2(a, b, c []float32, s float32)

//go:noescape
func sgdPlainAVX512(x, g []float32, k *SGDK)

//go:noescape
func sgdPlainAVX2(x, g []float32, k *SGDK)
