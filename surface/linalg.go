package surface

import (
	"fmt"
	"math"
	"slices"
)

// Eigen returns the eigenvalues of the symmetric n×n matrix h (row-major),
// ascending, and their unit eigenvectors (vecs[k] belongs to vals[k]). A
// 2×2 matrix is solved in closed form; larger ones by cyclic Jacobi
// rotations. Only the upper triangle of h is read; it must be finite.
func Eigen(h []float64, n int) (vals []float64, vecs [][]float64, err error) {
	if n < 0 || len(h) != n*n {
		return nil, nil, fmt.Errorf("eigen: a %d×%d matrix needs %d values, not %d", n, n, max(n, 0)*max(n, 0), len(h))
	}
	for i, v := range h {
		if !finite(v) {
			return nil, nil, fmt.Errorf("eigen: entry [%d][%d] is %v; want finite values", i/n, i%n, v)
		}
	}
	vals, vecs = eigen(h, n)
	return vals, vecs, nil
}

// eigen is Eigen on a matrix known to be well formed.
func eigen(h []float64, n int) (vals []float64, vecs [][]float64) {
	switch n {
	case 0:
		return nil, nil
	case 1:
		return []float64{h[0]}, [][]float64{{1}}
	case 2:
		return eigen2(h[0], h[1], h[3])
	}
	return jacobi(h, n)
}

// eigen2 is the closed form for [[a, b], [b, c]]: the eigenvalues are
// (a + c)/2 ∓ √(((a − c)/2)² + b²); the eigenvector of the larger one
// makes the angle θ with tan 2θ = 2b/(a − c) with the x axis.
func eigen2(a, b, c float64) ([]float64, [][]float64) {
	m, d := (a+c)/2, math.Hypot((a-c)/2, b)
	theta := math.Atan2(2*b, a-c) / 2
	s, co := math.Sincos(theta)
	// (co, s) belongs to m + d, (−s, co) to m − d.
	return []float64{m - d, m + d}, [][]float64{{-s, co}, {co, s}}
}

// jacobi diagonalises the symmetric matrix h by cyclic Jacobi rotations
// until the off-diagonal part is negligible (at most 100 sweeps).
func jacobi(h []float64, n int) ([]float64, [][]float64) {
	a := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			a[i*n+j], a[j*n+i] = h[i*n+j], h[i*n+j]
		}
	}
	v := make([]float64, n*n) // columns are the eigenvectors
	for i := range n {
		v[i*n+i] = 1
	}
	for range 100 {
		var off, diag float64
		for i := range n {
			diag += a[i*n+i] * a[i*n+i]
			for j := i + 1; j < n; j++ {
				off += a[i*n+j] * a[i*n+j]
			}
		}
		if off <= 1e-30*diag || off == 0 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				// The rotation that zeroes a[p][q] (Golub & Van Loan 8.5.2).
				tau := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := 1 / (math.Abs(tau) + math.Sqrt(1+tau*tau))
				if tau < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(1+t*t)
				s := t * c
				for k := range n {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p], a[k*n+q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := range n {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k], a[q*n+k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := range n {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p], v[k*n+q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		switch {
		case a[i*n+i] < a[j*n+j]:
			return -1
		case a[i*n+i] > a[j*n+j]:
			return 1
		}
		return 0
	})
	vals := make([]float64, n)
	vecs := make([][]float64, n)
	for k, i := range idx {
		vals[k] = a[i*n+i]
		vecs[k] = make([]float64, n)
		for r := range n {
			vecs[k][r] = v[r*n+i]
		}
	}
	return vals, vecs
}

// newtonStep returns the length of the Newton step −H⁻¹g, computed in the
// Hessian's eigenbasis: √Σ ((vₖ·g)/λₖ)². A direction with λₖ = 0 adds
// nothing when g has no component along it and makes the step infinite
// otherwise. It estimates how far x is from the critical point the
// quadratic model around x predicts.
func newtonStep(g []float64, vals []float64, vecs [][]float64) float64 {
	var s float64
	for k, lam := range vals {
		var c float64
		for i, gi := range g {
			c += vecs[k][i] * gi
		}
		if c == 0 {
			continue
		}
		if lam == 0 {
			return math.Inf(1)
		}
		s += (c / lam) * (c / lam)
	}
	return math.Sqrt(s)
}

// polish refines x0 to a critical point of f by Newton's method (at most 50
// steps), so that a listed critical point carries every digit. It returns
// x0 unchanged if the Hessian is singular on the way.
func polish(f *Function, x0 []float64) []float64 {
	n := f.dim
	x := slices.Clone(x0)
	g := make([]float64, n)
	h := make([]float64, n*n)
	for range 50 {
		f.grad(x, g)
		f.hess(x, h)
		step, ok := solve(h, g, n)
		if !ok {
			return x0
		}
		var size, norm float64
		for i := range x {
			x[i] -= step[i]
			size = max(size, math.Abs(step[i]))
			norm = max(norm, math.Abs(x[i]))
		}
		if size <= 1e-16*max(norm, 1) {
			break
		}
	}
	return x
}

// solve returns the solution of h·s = g by Gaussian elimination with
// partial pivoting, and false if h is singular.
func solve(h, g []float64, n int) ([]float64, bool) {
	a := slices.Clone(h)
	b := slices.Clone(g)
	for c := range n {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(a[r*n+c]) > math.Abs(a[p*n+c]) {
				p = r
			}
		}
		if a[p*n+c] == 0 {
			return nil, false
		}
		if p != c {
			for k := range n {
				a[c*n+k], a[p*n+k] = a[p*n+k], a[c*n+k]
			}
			b[c], b[p] = b[p], b[c]
		}
		for r := c + 1; r < n; r++ {
			m := a[r*n+c] / a[c*n+c]
			for k := c; k < n; k++ {
				a[r*n+k] -= m * a[c*n+k]
			}
			b[r] -= m * b[c]
		}
	}
	s := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		v := b[r]
		for k := r + 1; k < n; k++ {
			v -= a[r*n+k] * s[k]
		}
		s[r] = v / a[r*n+r]
	}
	return s, true
}
