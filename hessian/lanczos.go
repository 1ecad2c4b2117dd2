package hessian

import (
	"context"
	"errors"
	"fmt"
	"math"
)

// LanczosConfig configures a Lanczos run.
type LanczosConfig struct {
	// Steps is the number of Lanczos steps m, the order of the
	// tridiagonal matrix (default 100, and never more than the operator's
	// dimension). The run ends sooner when it finds an invariant subspace.
	Steps int `json:"steps"`
	// Seed seeds the random start vector (standard normal) when Start is
	// nil.
	Seed uint64 `json:"seed"`
	// Start is the start vector, of length Dim() and not zero (not
	// changed; its length does not matter).
	Start []float64 `json:"-"`
	// Tol marks a Ritz pair converged when its residual is at most Tol
	// times the largest Ritz value's magnitude (default 1e-3).
	Tol float64 `json:"tol"`
}

// Krylov is the outcome of m Lanczos steps from a unit vector q₁: an
// orthonormal basis Q = [q₁ … q_m] of the Krylov space span{q₁, Hq₁, …,
// H^(m−1)q₁} and the tridiagonal T = QᵀHQ, with diagonal Alpha and
// off-diagonal Beta, such that HQ = QT + Residual·q_(m+1)·e_mᵀ.
type Krylov struct {
	Alpha    []float64 `json:"alpha"`
	Beta     []float64 `json:"beta"`
	Residual float64   `json:"residual"` // β_m: zero when the space is invariant under H
	basis    [][]float64
	tol      float64

	vals, vecs []float64 // T's eigen-decomposition, once computed
}

// Lanczos runs the Lanczos iteration on op with full reorthogonalisation:
// every new basis vector is made orthogonal to all the previous ones
// (Gram–Schmidt, twice), which keeps the basis orthonormal to working
// precision and spares the Ritz values the spurious copies plain Lanczos
// produces in floating point. It costs one product per step and keeps the
// m basis vectors (m·Dim() values).
func Lanczos(ctx context.Context, op Operator, cfg LanczosConfig) (*Krylov, error) {
	n, err := checkOp(op)
	if err != nil {
		return nil, err
	}
	if cfg.Steps == 0 {
		cfg.Steps = 100
	}
	if cfg.Tol == 0 {
		cfg.Tol = 1e-3
	}
	if cfg.Steps < 1 {
		return nil, fmt.Errorf("hessian: %d Lanczos steps; want at least 1", cfg.Steps)
	}
	if !(cfg.Tol > 0) || math.IsInf(cfg.Tol, 0) {
		return nil, fmt.Errorf("hessian: Lanczos with Tol %v; want a positive tolerance", cfg.Tol)
	}
	m := min(cfg.Steps, n)
	q := make([]float64, n)
	if cfg.Start != nil {
		if len(cfg.Start) != n {
			return nil, fmt.Errorf("hessian: Lanczos start vector of length %d for a %d×%d operator", len(cfg.Start), n, n)
		}
		copy(q, cfg.Start)
	} else {
		gaussian(q, newRNG(cfg.Seed))
	}
	if !allFinite(q) || normalize(q) == 0 {
		return nil, errors.New("hessian: the Lanczos start vector is zero or not finite")
	}
	k := &Krylov{tol: cfg.Tol}
	var big float64 // the largest |α| and β so far: the scale of T
	for j := 0; j < m; j++ {
		k.basis = append(k.basis, q)
		w := make([]float64, n)
		if err := apply(ctx, op, q, w, fmt.Sprintf("Lanczos step %d", j+1)); err != nil {
			return nil, err
		}
		a := dot(q, w)
		axpy(-a, q, w)
		if j > 0 {
			axpy(-k.Beta[j-1], k.basis[j-1], w)
		}
		orthogonalize(w, k.basis)
		b := norm(w)
		k.Alpha = append(k.Alpha, a)
		big = max(big, math.Abs(a), b)
		if j == m-1 || b <= 1e-12*big {
			k.Residual = b
			break
		}
		k.Beta = append(k.Beta, b)
		scale(1/b, w)
		q = w
	}
	return k, nil
}

// Steps returns the number of steps taken, the order of T.
func (k *Krylov) Steps() int { return len(k.Alpha) }

// decompose computes T's eigenvalues and eigenvectors once.
func (k *Krylov) decompose() error {
	if k.vals != nil {
		return nil
	}
	vals, vecs, err := tridiagEigen(k.Alpha, k.Beta)
	if err != nil {
		return err
	}
	k.vals, k.vecs = vals, vecs
	return nil
}

// Ritz returns the Ritz pairs, ascending: the eigenvalues θᵢ of T, which
// lie within H's spectrum and approach its ends first, with the vectors
// Q·sᵢ and the residuals ‖HQsᵢ − θᵢQsᵢ‖ = Residual·|s_(m,i)|, exact
// without another product. It makes m vectors of Dim() values; RitzPair
// makes one.
func (k *Krylov) Ritz() ([]Eigenpair, error) {
	if err := k.decompose(); err != nil {
		return nil, err
	}
	pairs := make([]Eigenpair, len(k.vals))
	for i := range pairs {
		pairs[i], _ = k.RitzPair(i)
	}
	return pairs, nil
}

// RitzPair returns the i-th Ritz pair in ascending order: 0 is the
// smallest, Steps()−1 the largest.
func (k *Krylov) RitzPair(i int) (Eigenpair, error) {
	if err := k.decompose(); err != nil {
		return Eigenpair{}, err
	}
	m := len(k.vals)
	if i < 0 || i >= m {
		return Eigenpair{}, fmt.Errorf("hessian: Ritz pair %d of %d", i, m)
	}
	var big float64
	for _, v := range k.vals {
		big = max(big, math.Abs(v))
	}
	x := make([]float64, len(k.basis[0]))
	for j := range m {
		axpy(k.vecs[j*m+i], k.basis[j], x)
	}
	normalize(x)
	r := k.Residual * math.Abs(k.vecs[(m-1)*m+i])
	return Eigenpair{Value: k.vals[i], Vector: x, Residual: r, Iterations: m, Converged: r <= k.tol*big}, nil
}

// Quadrature returns the nodes and weights of the Gauss quadrature the
// run defines: the eigenvalues θᵢ of T, ascending, and the squared first
// components of its eigenvectors, which sum to 1. For the start vector
// q₁, Σᵢ wᵢ·f(θᵢ) approximates q₁ᵀf(H)q₁, exactly for polynomials f of
// degree below 2m: the spectral measure of H seen from q₁.
func (k *Krylov) Quadrature() (nodes, weights []float64, err error) {
	if err := k.decompose(); err != nil {
		return nil, nil, err
	}
	m := len(k.vals)
	nodes = append([]float64(nil), k.vals...)
	weights = make([]float64, m)
	for i := range m {
		weights[i] = k.vecs[i] * k.vecs[i]
	}
	return nodes, weights, nil
}

// tridiagEigen returns the eigenvalues, ascending, and unit eigenvectors
// (column i of the row-major m×m vecs belongs to vals[i]) of the symmetric
// tridiagonal matrix with diagonal d and off-diagonal e (e[i] couples rows
// i and i+1), by the implicit QL algorithm with Wilkinson-like shifts
// (EISPACK's tql2).
func tridiagEigen(d, e []float64) (vals, vecs []float64, err error) {
	n := len(d)
	if n == 0 {
		return nil, nil, errors.New("hessian: tridiagonal matrix of order 0")
	}
	if len(e) != n-1 {
		return nil, nil, fmt.Errorf("hessian: tridiagonal matrix of order %d with %d off-diagonal values", n, len(e))
	}
	d = append([]float64(nil), d...)
	ee := make([]float64, n) // ee[n-1] = 0
	copy(ee, e)
	z := make([]float64, n*n)
	for i := range n {
		z[i*n+i] = 1
	}
	const eps = 0x1p-52
	var f, tst1 float64
	for l := range n {
		tst1 = max(tst1, math.Abs(d[l])+math.Abs(ee[l]))
		m := l
		for m < n-1 && math.Abs(ee[m]) > eps*tst1 {
			m++
		}
		if m > l {
			for iter := 0; ; iter++ {
				if iter == 60 {
					return nil, nil, fmt.Errorf("hessian: tridiagonal eigenvalue %d did not converge in 60 QL iterations", l)
				}
				// The implicit shift.
				g := d[l]
				p := (d[l+1] - g) / (2 * ee[l])
				r := math.Hypot(p, 1)
				if p < 0 {
					r = -r
				}
				d[l] = ee[l] / (p + r)
				d[l+1] = ee[l] * (p + r)
				dl1 := d[l+1]
				h := g - d[l]
				for i := l + 2; i < n; i++ {
					d[i] -= h
				}
				f += h
				// The implicit QL transformation.
				p = d[m]
				c, c2, c3 := 1.0, 1.0, 1.0
				el1 := ee[l+1]
				var s, s2 float64
				for i := m - 1; i >= l; i-- {
					c3 = c2
					c2 = c
					s2 = s
					g = c * ee[i]
					h = c * p
					r = math.Hypot(p, ee[i])
					ee[i+1] = s * r
					s = ee[i] / r
					c = p / r
					p = c*d[i] - s*g
					d[i+1] = h + s*(c*g+s*d[i])
					for k := range n {
						h = z[k*n+i+1]
						z[k*n+i+1] = s*z[k*n+i] + c*h
						z[k*n+i] = c*z[k*n+i] - s*h
					}
				}
				p = -s * s2 * c3 * el1 * ee[l] / dl1
				ee[l] = s * p
				d[l] = c * p
				if math.Abs(ee[l]) <= eps*tst1 {
					break
				}
			}
		}
		d[l] += f
		ee[l] = 0
	}
	// Sort ascending, moving the vectors along.
	for i := 0; i < n-1; i++ {
		k, p := i, d[i]
		for j := i + 1; j < n; j++ {
			if d[j] < p {
				k, p = j, d[j]
			}
		}
		if k != i {
			d[k], d[i] = d[i], p
			for j := range n {
				z[j*n+i], z[j*n+k] = z[j*n+k], z[j*n+i]
			}
		}
	}
	return d, z, nil
}
