//go:build !amd64

package kernel

func adamAVX512(x, g, m, v []float32, k *AdamK)    {}
func adamAVX2(x, g, m, v []float32, k *AdamK)      {}
func sgdAVX512(x, g, b []float32, k *SGDK)         {}
func sgdAVX2(x, g, b []float32, k *SGDK)           {}
func zeroProdAVX512(g []float32, acc *[16]float32) {}
func zeroProdAVX2(g []float32, acc *[16]float32)   {}
func triadAVX512(a, b, c []float32, s float32)     {}
func triadAVX2(a, b, c []float32, s float32)       {}

func sgdPlainAVX512(x, g []float32, k *SGDK) {}
func sgdPlainAVX2(x, g []float32, k *SGDK)   {}
